//! `perimeter simulate-custom-policy`: the IAM policy simulator, offline.
//!
//! Takes `aws iam simulate-custom-policy`'s parameters (`--cli-input-json` with the request shape, or
//! the individual flags, values inline or `file://PATH`), plus perimeter's extensions: SCP and RCP
//! levels, a session policy, the resource policy type, and anonymous callers. Prints the
//! `SimulatePolicyResponse` shape with `--output json`.
//!
//! Exit codes: 0 when the simulation ran (decisions are data, whatever they are); 2 when the input
//! is unusable (bad JSON, wrong types, a policy IAM would reject as `MalformedPolicyDocument`).

use std::process::ExitCode;

use perimeter_iam::eval::ContextKeyType;
use perimeter_iam::eval::simulate::{
    ContextEntryInput, InputProblem, PolicyText, SimulateInput, SimulatePolicyResponse,
    parse_resource_policy_type, parse_simulate_input, simulate_custom_policy,
};

use crate::output::out;
use crate::output::{EXIT_CLEAN, EXIT_ERROR, OutputFormat, print_json, read_value_arg};

/// Decide actions on resources against IAM policies offline, as `aws iam simulate-custom-policy` does
/// (extended with SCP and RCP levels, session policies and anonymous callers).
#[derive(clap::Args, Debug, Clone)]
pub struct SimulateArgs {
    /// The whole request as JSON (the `SimulateCustomPolicy` shape plus `ScpInputList`,
    /// `RcpInputList`, `SessionPolicy`, `ResourcePolicyType`, `Anonymous`), inline or `file://PATH`.
    /// Flags given as well override its fields.
    #[arg(long, value_name = "JSON")]
    pub cli_input_json: Option<String>,
    /// Identity-based policy documents (inline JSON or `file://PATH`).
    #[arg(long, num_args = 1.., value_name = "POLICY")]
    pub policy_input_list: Vec<String>,
    /// The permissions boundary policy document.
    #[arg(long, num_args = 1.., value_name = "POLICY")]
    pub permissions_boundary_policy_input_list: Vec<String>,
    /// Actions to simulate (`s3:GetObject`).
    #[arg(long, num_args = 1.., value_name = "ACTION")]
    pub action_names: Vec<String>,
    /// Resource ARNs to simulate (default `*`).
    #[arg(long, num_args = 1.., value_name = "ARN")]
    pub resource_arns: Vec<String>,
    /// The resource-based policy of the resources.
    #[arg(long, value_name = "POLICY")]
    pub resource_policy: Option<String>,
    /// The account that owns resources whose ARN has no account (an id or `arn:aws:iam::ID:root`).
    #[arg(long, value_name = "ARN")]
    pub resource_owner: Option<String>,
    /// The caller: an IAM user, role, role session, federated user or account root ARN.
    #[arg(long, value_name = "ARN")]
    pub caller_arn: Option<String>,
    /// Context entries, as JSON or in the aws CLI shorthand
    /// `ContextKeyName=aws:CurrentTime,ContextKeyValues=2019-04-25T11:00:00Z,ContextKeyType=date`.
    #[arg(long, num_args = 1.., value_name = "ENTRY")]
    pub context_entries: Vec<String>,
    /// Accepted for compatibility; EC2 scenarios are not modelled.
    #[arg(long, value_name = "OPTION")]
    pub resource_handling_option: Option<String>,
    /// A session policy of the caller's session.
    #[arg(long, value_name = "POLICY")]
    pub session_policy: Option<String>,
    /// SCP levels, root first: each value is one level holding that one policy (`--resource-policy`-style
    /// inline JSON or `file://`); use `ScpInputList` in `--cli-input-json` for several policies per level.
    #[arg(long = "scp-level", num_args = 1.., value_name = "POLICY", action = clap::ArgAction::Append)]
    pub scp_levels: Vec<String>,
    /// RCP levels, root first: each value is one level holding that one policy; use `RcpInputList` in
    /// `--cli-input-json` for several policies per level.
    #[arg(long = "rcp-level", num_args = 1.., value_name = "POLICY", action = clap::ArgAction::Append)]
    pub rcp_levels: Vec<String>,
    /// `Generic`, `RoleTrust` or `KmsKey` (default: inferred from the resource ARN).
    #[arg(long, value_name = "TYPE")]
    pub resource_policy_type: Option<String>,
    /// Simulate an unsigned (anonymous) request.
    #[arg(long)]
    pub anonymous: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "json", alias = "format")]
    pub output: OutputFormat,
}

fn policy_arg(value: &str) -> anyhow::Result<PolicyText> {
    let (text, _) = read_value_arg(value)?;
    Ok(PolicyText::new(text))
}

/// Parses `--context-entries` values: JSON (one entry or a list) or aws CLI shorthand.
fn context_entries(values: &[String]) -> Result<Vec<ContextEntryInput>, Vec<InputProblem>> {
    let mut out = Vec::new();
    for v in values {
        let t = v.trim();
        if t.starts_with('{') || t.starts_with('[') {
            let list = if t.starts_with('{') {
                format!("[{t}]")
            } else {
                t.to_owned()
            };
            let doc = format!("{{\"ContextEntries\":{list}}}");
            out.extend(parse_simulate_input(&doc, "--context-entries")?.context_entries);
        } else {
            out.push(shorthand_entry(t).map_err(|m| {
                vec![InputProblem {
                    code: "ValidationError",
                    source: "--context-entries".to_owned(),
                    line: 0,
                    column: 0,
                    pointer: String::new(),
                    message: m,
                }]
            })?);
        }
    }
    Ok(out)
}

/// Splits `a=b,c=[d,e],f='g,h'` at top-level commas.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut cur = String::new();
    let (mut depth, mut quote) = (0i32, None::<char>);
    for c in text.chars() {
        match (c, quote) {
            ('\'' | '"', None) => quote = Some(c),
            (q, Some(open)) if q == open => quote = None,
            ('[', None) => {
                depth += 1;
                cur.push(c);
            }
            (']', None) => {
                depth -= 1;
                cur.push(c);
            }
            (',', None) if depth == 0 => parts.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    parts.push(cur);
    parts
}

fn shorthand_entry(text: &str) -> Result<ContextEntryInput, String> {
    let (mut key, mut values, mut key_type) = (None, Vec::new(), ContextKeyType::String);
    for part in split_top(text) {
        let Some((k, v)) = part.split_once('=') else {
            return Err(format!("expected `Name=value` in `{part}`"));
        };
        match k.trim() {
            "ContextKeyName" => key = Some(v.trim().to_owned()),
            "ContextKeyValues" => {
                let v = v.trim();
                values = match v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                    Some(inner) => split_top(inner)
                        .into_iter()
                        .map(|s| s.trim().to_owned())
                        .collect(),
                    None => vec![v.to_owned()],
                };
            }
            "ContextKeyType" => {
                key_type = ContextKeyType::from_aws(v.trim())
                    .ok_or_else(|| format!("unknown `ContextKeyType` `{}`", v.trim()))?
            }
            other => return Err(format!("unknown field `{other}` in a context entry")),
        }
    }
    let key = key.ok_or_else(|| format!("`{text}` has no `ContextKeyName`"))?;
    if !key_type.is_list() && values.len() > 1 {
        return Err(format!(
            "context key `{key}` of type `{}` takes one value",
            key_type.as_aws()
        ));
    }
    if let Some(bad) = values.iter().find(|v| !key_type.accepts(v)) {
        return Err(format!(
            "context key `{key}`: `{bad}` is not a valid `{}` value",
            key_type.as_aws()
        ));
    }
    Ok(ContextEntryInput {
        key,
        values,
        key_type,
    })
}

fn report(problems: &[InputProblem]) -> ExitCode {
    for p in problems {
        eprintln!("perimeter: error: {p}");
    }
    ExitCode::from(EXIT_ERROR)
}

/// Builds the request from `--cli-input-json` and the flags.
fn build_input(args: &SimulateArgs) -> anyhow::Result<Result<SimulateInput, Vec<InputProblem>>> {
    let mut input = match &args.cli_input_json {
        Some(v) => {
            let (text, path) = read_value_arg(v)?;
            let source =
                path.map_or_else(|| "cli-input-json".to_owned(), |p| p.display().to_string());
            match parse_simulate_input(&text, &source) {
                Ok(i) => i,
                Err(p) => return Ok(Err(p)),
            }
        }
        None => SimulateInput::default(),
    };
    if !args.policy_input_list.is_empty() {
        input.policy_input_list = args
            .policy_input_list
            .iter()
            .map(|p| policy_arg(p))
            .collect::<anyhow::Result<_>>()?;
    }
    if !args.permissions_boundary_policy_input_list.is_empty() {
        input.permissions_boundary_policy_input_list = args
            .permissions_boundary_policy_input_list
            .iter()
            .map(|p| policy_arg(p))
            .collect::<anyhow::Result<_>>()?;
    }
    if !args.action_names.is_empty() {
        input.action_names = args.action_names.clone();
    }
    if !args.resource_arns.is_empty() {
        input.resource_arns = args.resource_arns.clone();
    }
    if let Some(p) = &args.resource_policy {
        input.resource_policy = Some(policy_arg(p)?);
    }
    if let Some(o) = &args.resource_owner {
        input.resource_owner = Some(o.clone());
    }
    if let Some(c) = &args.caller_arn {
        input.caller_arn = Some(c.clone());
    }
    if !args.context_entries.is_empty() {
        match context_entries(&args.context_entries) {
            Ok(c) => input.context_entries = c,
            Err(p) => return Ok(Err(p)),
        }
    }
    if let Some(o) = &args.resource_handling_option {
        input.resource_handling_option = Some(o.clone());
    }
    if let Some(p) = &args.session_policy {
        input.session_policy = Some(policy_arg(p)?);
    }
    if !args.scp_levels.is_empty() {
        // Each `--scp-level` value is one level holding one policy.
        input.scp_input_list = args
            .scp_levels
            .iter()
            .map(|p| policy_arg(p).map(|t| vec![t]))
            .collect::<anyhow::Result<_>>()?;
    }
    if !args.rcp_levels.is_empty() {
        input.rcp_input_list = args
            .rcp_levels
            .iter()
            .map(|p| policy_arg(p).map(|t| vec![t]))
            .collect::<anyhow::Result<_>>()?;
    }
    if let Some(t) = &args.resource_policy_type {
        match parse_resource_policy_type(t) {
            Some(k) => input.resource_policy_type = Some(k),
            None => {
                return Ok(Err(vec![InputProblem {
                    code: "ValidationError",
                    source: "--resource-policy-type".to_owned(),
                    line: 0,
                    column: 0,
                    pointer: String::new(),
                    message: format!("invalid value `{t}`; valid: Generic, RoleTrust, KmsKey"),
                }]));
            }
        }
    }
    if args.anonymous {
        input.anonymous = true;
    }
    Ok(Ok(input))
}

/// Runs `simulate-custom-policy`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<ExitCode> {
    let input = match build_input(args)? {
        Ok(i) => i,
        Err(p) => return Ok(report(&p)),
    };
    let response = match simulate_custom_policy(&input) {
        Ok(r) => r,
        Err(p) => return Ok(report(&p)),
    };
    match args.output {
        OutputFormat::Json => print_json(&response)?,
        OutputFormat::Table => out!("{}", render_table(&response))?,
        OutputFormat::Text => out!("{}", render_text(&response))?,
        _ => {
            eprintln!(
                "perimeter: error: this `--output` format is not available for simulate-custom-policy; use json, table or text"
            );
            return Ok(ExitCode::from(EXIT_ERROR));
        }
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn matched_summary(r: &perimeter_iam::eval::simulate::EvaluationResult) -> String {
    r.matched_statements
        .iter()
        .map(|m| {
            format!(
                "{}@{}:{}",
                m.source_policy_id, m.start_position.line, m.start_position.column
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The missing context keys of a result, wherever the response shape puts them.
fn missing_summary(r: &perimeter_iam::eval::simulate::EvaluationResult) -> String {
    let mut keys: Vec<&str> = r
        .missing_context_values
        .iter()
        .map(String::as_str)
        .collect();
    for s in r.resource_specific_results.iter().flatten() {
        keys.extend(s.missing_context_values.iter().map(String::as_str));
    }
    keys.join(" ")
}

/// A table with one row per action and resource.
pub fn render_table(resp: &SimulatePolicyResponse) -> String {
    let header = [
        "Action",
        "Resource",
        "Decision",
        "Matched statements",
        "Missing context",
    ];
    let rows: Vec<[String; 5]> = resp
        .evaluation_results
        .iter()
        .map(|r| {
            [
                r.eval_action_name.clone(),
                r.eval_resource_name.clone(),
                r.eval_decision.to_owned(),
                matched_summary(r),
                missing_summary(r),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let mut s = String::new();
        for (c, w) in cells.iter().zip(widths) {
            s.push_str(&format!("| {c:<w$} "));
        }
        s.push_str("|\n");
        s
    };
    let rule = {
        let mut s = String::new();
        for w in widths {
            s.push('+');
            s.push_str(&"-".repeat(w + 2));
        }
        s.push_str("+\n");
        s
    };
    let mut out = rule.clone();
    out.push_str(&line(&header.map(str::to_owned)));
    out.push_str(&rule);
    for row in &rows {
        out.push_str(&line(row));
    }
    out.push_str(&rule);
    out
}

/// Tab-separated lines, as the aws CLI's text output: `EVALUATIONRESULTS action decision resource`,
/// then one `MATCHEDSTATEMENTS` and `MISSINGCONTEXTVALUES` line per item.
pub fn render_text(resp: &SimulatePolicyResponse) -> String {
    let mut out = String::new();
    for r in &resp.evaluation_results {
        out.push_str(&format!(
            "EVALUATIONRESULTS\t{}\t{}\t{}\n",
            r.eval_action_name, r.eval_decision, r.eval_resource_name
        ));
        for m in &r.matched_statements {
            out.push_str(&format!(
                "MATCHEDSTATEMENTS\t{}\t{}\t{}:{}\t{}:{}\n",
                m.source_policy_id,
                m.source_policy_type.unwrap_or("none"),
                m.start_position.line,
                m.start_position.column,
                m.end_position.line,
                m.end_position.column
            ));
        }
        let missing = missing_summary(r);
        for k in missing.split(' ').filter(|k| !k.is_empty()) {
            out.push_str(&format!("MISSINGCONTEXTVALUES\t{k}\n"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type Entry<'a> = (&'a str, ContextKeyType, Vec<&'a str>);

    /// One helper: parse `--context-entries` values and compare (key, type, values) or the error.
    fn check(values: &[&str], expected: Result<Vec<Entry<'_>>, &str>) {
        let owned: Vec<String> = values.iter().map(|v| (*v).to_owned()).collect();
        let got = context_entries(&owned)
            .map(|es| {
                es.into_iter()
                    .map(|e| (e.key, e.key_type, e.values))
                    .collect::<Vec<_>>()
            })
            .map_err(|p| p[0].message.clone());
        match (got, expected) {
            (Ok(g), Ok(w)) => {
                let w: Vec<_> = w
                    .into_iter()
                    .map(|(k, t, v)| {
                        (
                            k.to_owned(),
                            t,
                            v.into_iter().map(str::to_owned).collect::<Vec<_>>(),
                        )
                    })
                    .collect();
                assert_eq!(g, w, "{values:?}");
            }
            (Err(g), Err(w)) => assert!(g.contains(w), "{values:?}: {g}"),
            (g, w) => panic!("{values:?}: got {g:?}, want {w:?}"),
        }
    }

    #[test]
    fn context_entry_forms() {
        // The aws CLI example (awscli/examples/iam/simulate-custom-policy.rst): shorthand with quotes.
        check(
            &[
                "ContextKeyName='aws:CurrentTime',ContextKeyValues='2019-04-25T11:00:00Z',ContextKeyType=date",
            ],
            Ok(vec![(
                "aws:CurrentTime",
                ContextKeyType::Date,
                vec!["2019-04-25T11:00:00Z"],
            )]),
        );
        // Shorthand lists.
        check(
            &["ContextKeyName=aws:TagKeys,ContextKeyValues=[a,b],ContextKeyType=stringList"],
            Ok(vec![(
                "aws:TagKeys",
                ContextKeyType::StringList,
                vec!["a", "b"],
            )]),
        );
        // Default type string.
        check(
            &["ContextKeyName=k,ContextKeyValues=v"],
            Ok(vec![("k", ContextKeyType::String, vec!["v"])]),
        );
        // JSON, one entry or a list.
        check(
            &[
                r#"{"ContextKeyName":"aws:SourceIp","ContextKeyValues":["10.0.0.1"],"ContextKeyType":"ip"}"#,
            ],
            Ok(vec![("aws:SourceIp", ContextKeyType::Ip, vec!["10.0.0.1"])]),
        );
        check(
            &[
                r#"[{"ContextKeyName":"a","ContextKeyValues":["1"],"ContextKeyType":"numeric"},{"ContextKeyName":"b","ContextKeyValues":["true"],"ContextKeyType":"boolean"}]"#,
            ],
            Ok(vec![
                ("a", ContextKeyType::Numeric, vec!["1"]),
                ("b", ContextKeyType::Boolean, vec!["true"]),
            ]),
        );
        // Errors.
        check(&["ContextKeyValues=v"], Err("no `ContextKeyName`"));
        check(
            &["ContextKeyName=k,ContextKeyType=integer"],
            Err("unknown `ContextKeyType`"),
        );
        check(
            &["ContextKeyName=k,ContextKeyValues=x,ContextKeyType=ip"],
            Err("not a valid `ip` value"),
        );
        check(
            &["ContextKeyName=k,ContextKeyValues=[a,b]"],
            Err("takes one value"),
        );
        check(&["ContextKeyName=k,Bogus=1"], Err("unknown field"));
        check(&["{\"ContextKeyName\":"], Err("not valid JSON"));
    }

    #[test]
    fn renderers() {
        let input = SimulateInput {
            policy_input_list: vec![PolicyText::new(
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}"#,
            )],
            action_names: vec!["s3:GetObject".to_owned(), "s3:PutObject".to_owned()],
            ..SimulateInput::default()
        };
        let resp = simulate_custom_policy(&input).unwrap();
        let text = render_text(&resp);
        assert_eq!(
            text,
            "EVALUATIONRESULTS\ts3:GetObject\tallowed\t*\nMATCHEDSTATEMENTS\tPolicyInputList.1\tnone\t1:38\t1:89\nEVALUATIONRESULTS\ts3:PutObject\timplicitDeny\t*\n"
        );
        let table = render_table(&resp);
        assert!(
            table.contains("| s3:GetObject | *        | allowed      | PolicyInputList.1@1:38 |"),
            "{table}"
        );
        assert_eq!(table.lines().count(), 6, "{table}");
    }
}
