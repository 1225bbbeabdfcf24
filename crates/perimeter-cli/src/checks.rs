//! The custom policy checks, offline drop-ins for `aws accessanalyzer check-no-new-access`,
//! `check-access-not-granted` and `check-no-public-access`, and `perimeter compare-policies`.
//!
//! Flags and `--cli-input-json` follow the AWS request shapes (botocore `accessanalyzer`
//! 2019-11-01); values are inline or `file://PATH`. `--output json` prints the AWS response shape
//! (`result`, `message`, `reasons`) plus a `witness` request for a FAIL.
//!
//! Exit codes: 0 PASS (or equivalent policies), 1 FAIL (or a difference), 2 input or usage error.

use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use perimeter_access::count::{DifferenceCount, count_difference};
use perimeter_access::{
    Access, AccessCheckPolicyType, CheckResponse, ComparePoliciesResponse, Comparison,
    check_access_not_granted, check_no_new_access, check_no_public_access, compare_policies,
};
use perimeter_iam::model::Policy;
use serde_json::{Value, json};

use crate::output::outln;
use crate::output::{
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, OutputFormat, print_json, read_value_arg,
};

/// Arguments of `check-no-new-access`.
#[derive(clap::Args, Debug, Clone)]
pub struct NoNewAccessArgs {
    /// The whole request as JSON (`CheckNoNewAccessRequest`), inline or `file://PATH`.
    #[arg(long, value_name = "JSON")]
    pub cli_input_json: Option<String>,
    /// The policy as it is now (inline JSON or `file://PATH`).
    #[arg(long, value_name = "POLICY")]
    pub existing_policy_document: Option<String>,
    /// The updated policy.
    #[arg(long, value_name = "POLICY")]
    pub new_policy_document: Option<String>,
    /// `IDENTITY_POLICY` or `RESOURCE_POLICY`.
    #[arg(long, value_name = "TYPE")]
    pub policy_type: Option<String>,
    #[arg(long, value_enum, default_value = "json", alias = "format")]
    pub output: OutputFormat,
}

/// Arguments of `check-access-not-granted`.
#[derive(clap::Args, Debug, Clone)]
pub struct AccessNotGrantedArgs {
    /// The whole request as JSON (`CheckAccessNotGrantedRequest`), inline or `file://PATH`.
    #[arg(long, value_name = "JSON")]
    pub cli_input_json: Option<String>,
    /// The policy (inline JSON or `file://PATH`).
    #[arg(long, value_name = "POLICY")]
    pub policy_document: Option<String>,
    /// The access that must not be granted: JSON `[{"actions": [...], "resources": [...]}]`
    /// or the shorthand `actions=a,b resources=arn1,arn2`, inline or `file://PATH`.
    #[arg(long, num_args = 1.., value_name = "ACCESS")]
    pub access: Vec<String>,
    /// `IDENTITY_POLICY` or `RESOURCE_POLICY`.
    #[arg(long, value_name = "TYPE")]
    pub policy_type: Option<String>,
    #[arg(long, value_enum, default_value = "json", alias = "format")]
    pub output: OutputFormat,
}

/// Arguments of `check-no-public-access`.
#[derive(clap::Args, Debug, Clone)]
pub struct NoPublicAccessArgs {
    /// The whole request as JSON (`CheckNoPublicAccessRequest`), inline or `file://PATH`.
    #[arg(long, value_name = "JSON")]
    pub cli_input_json: Option<String>,
    /// The resource policy (inline JSON or `file://PATH`).
    #[arg(long, value_name = "POLICY")]
    pub policy_document: Option<String>,
    /// An `AccessCheckResourceType` such as `AWS::S3::Bucket`.
    #[arg(long, value_name = "TYPE")]
    pub resource_type: Option<String>,
    #[arg(long, value_enum, default_value = "json", alias = "format")]
    pub output: OutputFormat,
}

/// Arguments of `compare-policies`.
#[derive(clap::Args, Debug, Clone)]
pub struct ComparePoliciesArgs {
    /// Policy A (inline JSON or `file://PATH`).
    #[arg(value_name = "A")]
    pub a: String,
    /// Policy B.
    #[arg(value_name = "B")]
    pub b: String,
    /// `IDENTITY_POLICY` (default) or `RESOURCE_POLICY`.
    #[arg(long, value_name = "TYPE", default_value = "IDENTITY_POLICY")]
    pub policy_type: String,
    /// Count each difference in catalog units: actions, and (action, resource type) pairs.
    #[arg(long)]
    pub count: bool,
    #[arg(long, value_enum, default_value = "json", alias = "format")]
    pub output: OutputFormat,
}

fn input_json(arg: &Option<String>) -> anyhow::Result<Value> {
    match arg {
        None => Ok(Value::Object(Default::default())),
        Some(v) => {
            let (text, _) = read_value_arg(v)?;
            let v: Value =
                serde_json::from_str(&text).context("`--cli-input-json` is not valid JSON")?;
            if !v.is_object() {
                bail!("`--cli-input-json` must be a JSON object");
            }
            Ok(v)
        }
    }
}

/// A flag value, else the request field: documents may be JSON strings or inline objects.
fn field(flag: &Option<String>, input: &Value, name: &str) -> anyhow::Result<Option<String>> {
    if let Some(v) = flag {
        return Ok(Some(read_value_arg(v)?.0));
    }
    Ok(match input.get(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    })
}

fn required(v: Option<String>, flag: &str) -> anyhow::Result<String> {
    v.ok_or_else(|| anyhow!("the parameter `{flag}` is required"))
}

fn parse_policy(text: &str, what: &str) -> anyhow::Result<Policy> {
    perimeter_iam::parse_and_lower(text).map_err(|diags| {
        let msgs: Vec<String> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| format!("{} ({})", d.message, d.code))
            .collect();
        anyhow!("`{what}` is not a valid policy: {}", msgs.join("; "))
    })
}

fn policy_type(v: &str) -> anyhow::Result<AccessCheckPolicyType> {
    AccessCheckPolicyType::from_aws(v).ok_or_else(|| {
        anyhow!("the policy type `{v}` is not valid; use `IDENTITY_POLICY` or `RESOURCE_POLICY`")
    })
}

fn exit_for(pass: bool) -> ExitCode {
    ExitCode::from(if pass { EXIT_CLEAN } else { EXIT_FINDINGS })
}

/// SARIF 2.1.0 with one result per reason of a FAIL.
fn sarif(rule: &str, r: &CheckResponse, artifact: &str) -> Value {
    let results: Vec<Value> = r
        .reasons
        .iter()
        .map(|reason| {
            json!({
                "ruleId": rule,
                "level": "error",
                "message": {"text": format!("{} {}", r.message, reason.description)},
                "locations": [{
                    "physicalLocation": {"artifactLocation": {"uri": artifact}},
                    "logicalLocations": [{
                        "fullyQualifiedName": format!("/Statement/{}", reason.statement_index.unwrap_or(0)),
                        "kind": "statement"
                    }]
                }],
                "properties": {"witness": r.witness}
            })
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "perimeter",
                "informationUri": "https://github.com/perimeter",
                "rules": [{"id": rule, "shortDescription": {"text": rule}}]
            }},
            "results": results
        }]
    })
}

fn print_response(
    r: &CheckResponse,
    format: OutputFormat,
    rule: &str,
    artifact: &str,
) -> anyhow::Result<()> {
    match format {
        OutputFormat::Json => print_json(r),
        OutputFormat::Sarif => print_json(&sarif(rule, r, artifact)),
        OutputFormat::Table | OutputFormat::Text => {
            let result = if r.is_pass() { "PASS" } else { "FAIL" };
            outln!("{result}\t{}", r.message)?;
            for reason in &r.reasons {
                outln!("REASONS\t{}", reason.description)?;
            }
            if let Some(w) = &r.witness {
                outln!("WITNESS\t{}", serde_json::to_string(w)?)?;
            }
            Ok(())
        }
    }
}

fn artifact(flag: &Option<String>) -> String {
    flag.as_deref()
        .and_then(|v| v.strip_prefix("file://"))
        .unwrap_or("policy.json")
        .to_owned()
}

/// `check-no-new-access`.
pub fn run_no_new_access(args: &NoNewAccessArgs) -> anyhow::Result<ExitCode> {
    let input = input_json(&args.cli_input_json)?;
    let existing = required(
        field(
            &args.existing_policy_document,
            &input,
            "existingPolicyDocument",
        )?,
        "--existing-policy-document",
    )?;
    let new = required(
        field(&args.new_policy_document, &input, "newPolicyDocument")?,
        "--new-policy-document",
    )?;
    let ty = required(
        field(&args.policy_type, &input, "policyType")?,
        "--policy-type",
    )?;
    let ty = policy_type(&ty)?;
    let existing = parse_policy(&existing, "--existing-policy-document")?;
    let new = parse_policy(&new, "--new-policy-document")?;
    let r = check_no_new_access(&existing, &new, ty);
    print_response(
        &r,
        args.output,
        "CheckNoNewAccess",
        &artifact(&args.new_policy_document),
    )?;
    Ok(exit_for(r.is_pass()))
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn access_list(v: &Value) -> anyhow::Result<Vec<Access>> {
    let list = match v {
        Value::Array(a) => a.clone(),
        Value::Object(_) => vec![v.clone()],
        _ => bail!("`access` must be a list of objects with `actions` and `resources`"),
    };
    Ok(list
        .iter()
        .map(|a| Access {
            actions: strings(&a["actions"]),
            resources: strings(&a["resources"]),
        })
        .collect())
}

/// Parses `--access` values: JSON, or the shorthand `actions=a,b resources=x,y`.
fn access_arg(values: &[String]) -> anyhow::Result<Vec<Access>> {
    let mut out = Vec::new();
    let mut shorthand = Access::default();
    for v in values {
        let (text, _) = read_value_arg(v)?;
        let t = text.trim();
        if t.starts_with('[') || t.starts_with('{') {
            let v: Value = serde_json::from_str(t).context("`--access` is not valid JSON")?;
            out.extend(access_list(&v)?);
        } else {
            for part in t.split_whitespace() {
                let (k, list) = part.split_once('=').ok_or_else(|| {
                    anyhow!("`--access` shorthand is `actions=a,b resources=arn1,arn2`")
                })?;
                let items = list.split(',').filter(|s| !s.is_empty()).map(str::to_owned);
                match k {
                    "actions" => shorthand.actions.extend(items),
                    "resources" => shorthand.resources.extend(items),
                    other => bail!("`--access` has no field `{other}`"),
                }
            }
        }
    }
    if !shorthand.actions.is_empty() || !shorthand.resources.is_empty() {
        out.push(shorthand);
    }
    Ok(out)
}

/// `check-access-not-granted`.
pub fn run_access_not_granted(args: &AccessNotGrantedArgs) -> anyhow::Result<ExitCode> {
    let input = input_json(&args.cli_input_json)?;
    let doc = required(
        field(&args.policy_document, &input, "policyDocument")?,
        "--policy-document",
    )?;
    let ty = required(
        field(&args.policy_type, &input, "policyType")?,
        "--policy-type",
    )?;
    let ty = policy_type(&ty)?;
    let access = if args.access.is_empty() {
        match input.get("access") {
            Some(v) => access_list(v)?,
            None => bail!("the parameter `--access` is required"),
        }
    } else {
        access_arg(&args.access)?
    };
    let policy = parse_policy(&doc, "--policy-document")?;
    let r = check_access_not_granted(&policy, &access, ty)?;
    print_response(
        &r,
        args.output,
        "CheckAccessNotGranted",
        &artifact(&args.policy_document),
    )?;
    Ok(exit_for(r.is_pass()))
}

/// `check-no-public-access`.
pub fn run_no_public_access(args: &NoPublicAccessArgs) -> anyhow::Result<ExitCode> {
    let input = input_json(&args.cli_input_json)?;
    let doc = required(
        field(&args.policy_document, &input, "policyDocument")?,
        "--policy-document",
    )?;
    let rt = required(
        field(&args.resource_type, &input, "resourceType")?,
        "--resource-type",
    )?;
    let policy = parse_policy(&doc, "--policy-document")?;
    let r = check_no_public_access(&policy, &rt)?;
    print_response(
        &r,
        args.output,
        "CheckNoPublicAccess",
        &artifact(&args.policy_document),
    )?;
    Ok(exit_for(r.is_pass()))
}

/// `compare-policies A B` output: the comparison, plus the counts with `--count`.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct CompareOutput<'a> {
    #[serde(flatten)]
    response: &'a ComparePoliciesResponse,
    #[serde(skip_serializing_if = "Option::is_none")]
    counts: Option<DirectionCounts>,
}

/// The size of each difference in catalog units (`perimeter_access::count`).
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct DirectionCounts {
    a_not_b: DifferenceCount,
    b_not_a: DifferenceCount,
}

/// `compare-policies A B`.
pub fn run_compare_policies(args: &ComparePoliciesArgs) -> anyhow::Result<ExitCode> {
    let a = parse_policy(&read_value_arg(&args.a)?.0, "A")?;
    let b = parse_policy(&read_value_arg(&args.b)?.0, "B")?;
    let ty = policy_type(&args.policy_type)?;
    let r: ComparePoliciesResponse = compare_policies(&a, &b, ty);
    let counts = args.count.then(|| DirectionCounts {
        a_not_b: count_difference(&a, &b, ty),
        b_not_a: count_difference(&b, &a, ty),
    });
    match args.output {
        OutputFormat::Json | OutputFormat::Sarif => print_json(&CompareOutput {
            response: &r,
            counts,
        })?,
        OutputFormat::Table | OutputFormat::Text => {
            outln!(
                "{}",
                serde_json::to_value(r.result)?.as_str().unwrap_or_default()
            )?;
            let render = |c: Option<&DifferenceCount>| match c {
                None => "-".to_owned(),
                Some(c) => format!(
                    "actions={} actionResourceTypes={}",
                    c.actions,
                    c.action_resource_types
                        .map_or_else(|| "?".to_owned(), |n| n.to_string())
                ),
            };
            for (name, d, c) in [
                ("A_NOT_B", &r.a_not_b, counts.as_ref().map(|c| &c.a_not_b)),
                ("B_NOT_A", &r.b_not_a, counts.as_ref().map(|c| &c.b_not_a)),
            ] {
                let w = d.witness.as_ref().map(serde_json::to_string).transpose()?;
                outln!(
                    "{name}\t{}\t{}",
                    render(c),
                    w.unwrap_or_else(|| "-".to_owned())
                )?;
            }
        }
    }
    Ok(match r.result {
        Comparison::Equivalent => ExitCode::from(EXIT_CLEAN),
        Comparison::Unknown => ExitCode::from(EXIT_ERROR),
        _ => ExitCode::from(EXIT_FINDINGS),
    })
}
