//! `SimulateCustomPolicy`: the request shape in, the `SimulatePolicyResponse` shape out.
//!
//! The request follows the botocore IAM model (`SimulateCustomPolicyRequest`), extended with
//! `ScpInputList` and `RcpInputList` (one list of policy documents per organization level, root first),
//! `SessionPolicy`, `ResourcePolicyType` (`Generic`, `RoleTrust`, `KmsKey`; inferred from the resource
//! ARN when absent) and `Anonymous` (an unsigned request; no `CallerArn`). Policy documents are JSON
//! strings as in the AWS API; a JSON object is accepted too.
//!
//! Problems in the input are data: [`parse_simulate_input`] and [`simulate_custom_policy`] return
//! [`InputProblem`]s, each located by source, line, column and JSON pointer. A policy with an ERROR
//! diagnostic is refused, as IAM refuses it with `MalformedPolicyDocument`.

use perimeter_json::{LineIndex, Node, Span, Value};
use serde::Serialize;

use super::{
    Caller, Context, ContextKeyType, Decision, PolicyDocument, PolicySet, PolicyType, Request,
    ResourcePolicyKind, StatementRef, eval_request,
};
use crate::arn::{Arn, is_account_id};
use crate::diagnostic::path_to_pointer;

/// One context entry of the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextEntryInput {
    pub key: String,
    pub values: Vec<String>,
    pub key_type: ContextKeyType,
}

/// A policy document with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyText {
    pub text: String,
    /// Where the document starts in the input, for messages (`None` when it came from a flag).
    pub origin: Option<(u32, u32)>,
}

impl PolicyText {
    pub fn new(text: impl Into<String>) -> PolicyText {
        PolicyText {
            text: text.into(),
            origin: None,
        }
    }
}

/// The parsed `SimulateCustomPolicy` request (with perimeter's extensions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SimulateInput {
    pub policy_input_list: Vec<PolicyText>,
    pub permissions_boundary_policy_input_list: Vec<PolicyText>,
    pub action_names: Vec<String>,
    pub resource_arns: Vec<String>,
    pub resource_policy: Option<PolicyText>,
    pub resource_owner: Option<String>,
    pub caller_arn: Option<String>,
    pub context_entries: Vec<ContextEntryInput>,
    pub resource_handling_option: Option<String>,
    pub scp_input_list: Vec<Vec<PolicyText>>,
    pub rcp_input_list: Vec<Vec<PolicyText>>,
    pub session_policy: Option<PolicyText>,
    pub resource_policy_type: Option<ResourcePolicyKind>,
    pub anonymous: bool,
}

/// A problem in the request or in one of its policies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputProblem {
    /// `ValidationError`, `MalformedPolicyDocument` or `InvalidInput`, as IAM names its errors.
    pub code: &'static str,
    /// Which input: `cli-input-json`, `PolicyInputList.1`, `ResourcePolicy`, …
    pub source: String,
    /// 1-based line and column in that input (0, 0 when unknown).
    pub line: u32,
    pub column: u32,
    /// JSON pointer in that input.
    pub pointer: String,
    pub message: String,
}

impl std::fmt::Display for InputProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.source)?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        write!(f, ": {}: {}", self.code, self.message)?;
        if !self.pointer.is_empty() {
            write!(f, " (at `{}`)", self.pointer)?;
        }
        Ok(())
    }
}

const FIELDS: [&str; 17] = [
    "PolicyInputList",
    "PermissionsBoundaryPolicyInputList",
    "ActionNames",
    "ResourceArns",
    "ResourcePolicy",
    "ResourceOwner",
    "CallerArn",
    "ContextEntries",
    "ResourceHandlingOption",
    "MaxItems",
    "Marker",
    "ScpInputList",
    "RcpInputList",
    "SessionPolicy",
    "ResourcePolicyType",
    "Anonymous",
    "$schema",
];

struct Reader<'a> {
    src: &'a str,
    index: LineIndex<'a>,
    source: &'a str,
    problems: Vec<InputProblem>,
}

impl<'a> Reader<'a> {
    fn problem(&mut self, span: Span, pointer: &str, message: String) {
        let pos = self.index.position(span.start as usize);
        self.problems.push(InputProblem {
            code: "ValidationError",
            source: self.source.to_owned(),
            line: pos.line,
            column: pos.column + 1,
            pointer: pointer.to_owned(),
            message,
        });
    }

    fn type_error(&mut self, node: &Node, pointer: &str, want: &str) {
        self.problem(
            node.span,
            pointer,
            format!(
                "invalid type for parameter `{}`: expected {want}, found {}",
                pointer.trim_start_matches('/'),
                node.value.type_name()
            ),
        );
    }

    fn string(&mut self, node: &Node, pointer: &str) -> Option<String> {
        match &node.value {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.type_error(node, pointer, "a string");
                None
            }
        }
    }

    fn strings(&mut self, node: &Node, pointer: &str) -> Vec<String> {
        let Some(items) = node.as_array() else {
            self.type_error(node, pointer, "a list of strings");
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.string(n, &format!("{pointer}/{i}")))
            .collect()
    }

    /// A policy document: a JSON string (as the API takes it) or a JSON object.
    fn policy(&mut self, node: &Node, pointer: &str) -> Option<PolicyText> {
        let pos = self.index.position(node.span.start as usize);
        match &node.value {
            Value::String(s) => Some(PolicyText {
                text: s.clone(),
                origin: Some((pos.line, pos.column + 1)),
            }),
            Value::Object(_) => Some(PolicyText {
                text: self
                    .src
                    .get(node.span.start as usize..node.span.end as usize)
                    .unwrap_or_default()
                    .to_owned(),
                origin: Some((pos.line, pos.column + 1)),
            }),
            _ => {
                self.type_error(node, pointer, "a policy document (a string or an object)");
                None
            }
        }
    }

    fn policies(&mut self, node: &Node, pointer: &str) -> Vec<PolicyText> {
        let Some(items) = node.as_array() else {
            self.type_error(node, pointer, "a list of policy documents");
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .filter_map(|(i, n)| self.policy(n, &format!("{pointer}/{i}")))
            .collect()
    }

    fn levels(&mut self, node: &Node, pointer: &str) -> Vec<Vec<PolicyText>> {
        let Some(items) = node.as_array() else {
            self.type_error(
                node,
                pointer,
                "a list of levels, each a list of policy documents",
            );
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .map(|(i, n)| self.policies(n, &format!("{pointer}/{i}")))
            .collect()
    }

    fn context_entries(&mut self, node: &Node) -> Vec<ContextEntryInput> {
        let Some(items) = node.as_array() else {
            self.type_error(node, "/ContextEntries", "a list of context entries");
            return Vec::new();
        };
        let mut out = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let at = format!("/ContextEntries/{i}");
            let Some(members) = item.as_object() else {
                self.type_error(item, &at, "an object");
                continue;
            };
            let (mut key, mut values, mut key_type) = (None, None, None);
            for m in members {
                let p = format!("{at}/{}", m.key);
                match m.key.as_str() {
                    "ContextKeyName" => key = self.string(&m.value, &p),
                    "ContextKeyValues" => values = Some((self.strings(&m.value, &p), m.value.span)),
                    "ContextKeyType" => {
                        let Some(t) = self.string(&m.value, &p) else {
                            continue;
                        };
                        match ContextKeyType::from_aws(&t) {
                            Some(t) => key_type = Some(t),
                            None => self.problem(
                                m.value.span,
                                &p,
                                format!(
                                    "invalid value `{t}` for `ContextKeyType`; valid values: {}",
                                    ContextKeyType::ALL.map(ContextKeyType::as_aws).join(", ")
                                ),
                            ),
                        }
                    }
                    other => self.problem(
                        m.key_span,
                        &p,
                        format!(
                            "unknown parameter `{other}` in a context entry; valid: ContextKeyName, ContextKeyValues, ContextKeyType"
                        ),
                    ),
                }
            }
            let Some(key) = key else {
                self.problem(
                    item.span,
                    &at,
                    "a context entry needs `ContextKeyName`".to_owned(),
                );
                continue;
            };
            let (values, vspan) = values.unwrap_or((Vec::new(), item.span));
            let key_type = key_type.unwrap_or(ContextKeyType::String);
            if !key_type.is_list() && values.len() > 1 {
                self.problem(
                    vspan,
                    &format!("{at}/ContextKeyValues"),
                    format!(
                        "context key `{key}` of type `{}` takes one value, got {}; use `{}List`",
                        key_type.as_aws(),
                        values.len(),
                        key_type.as_aws()
                    ),
                );
                continue;
            }
            if let Some(bad) = values.iter().find(|v| !key_type.accepts(v)) {
                self.problem(
                    vspan,
                    &format!("{at}/ContextKeyValues"),
                    format!(
                        "context key `{key}`: `{bad}` is not a valid `{}` value",
                        key_type.as_aws()
                    ),
                );
                continue;
            }
            out.push(ContextEntryInput {
                key,
                values,
                key_type,
            });
        }
        out
    }
}

/// Parses the request JSON (`--cli-input-json`). `source` names it in messages.
pub fn parse_simulate_input(src: &str, source: &str) -> Result<SimulateInput, Vec<InputProblem>> {
    let mut r = Reader {
        src,
        index: LineIndex::new(src),
        source,
        problems: Vec::new(),
    };
    let root = match perimeter_json::parse(src) {
        Ok(root) => root,
        Err(e) => {
            r.problem(
                Span::new(e.offset, e.offset),
                "",
                format!("the input is not valid JSON: {}", e.message),
            );
            return Err(r.problems);
        }
    };
    let Some(members) = root.as_object() else {
        r.type_error(&root, "", "a JSON object");
        return Err(r.problems);
    };
    let mut input = SimulateInput::default();
    for m in members {
        if members.iter().filter(|o| o.key == m.key).count() > 1 {
            r.problem(
                m.key_span,
                &format!("/{}", m.key),
                format!("parameter `{}` is given more than once", m.key),
            );
        }
        let p = format!("/{}", m.key);
        let v = &m.value;
        match m.key.as_str() {
            "PolicyInputList" => input.policy_input_list = r.policies(v, &p),
            "PermissionsBoundaryPolicyInputList" => {
                input.permissions_boundary_policy_input_list = r.policies(v, &p)
            }
            "ActionNames" => input.action_names = r.strings(v, &p),
            "ResourceArns" => input.resource_arns = r.strings(v, &p),
            "ResourcePolicy" => input.resource_policy = r.policy(v, &p),
            "ResourceOwner" => input.resource_owner = r.string(v, &p),
            "CallerArn" => input.caller_arn = r.string(v, &p),
            "ContextEntries" => input.context_entries = r.context_entries(v),
            "ResourceHandlingOption" => input.resource_handling_option = r.string(v, &p),
            "MaxItems" | "Marker" | "$schema" => {}
            "ScpInputList" => input.scp_input_list = r.levels(v, &p),
            "RcpInputList" => input.rcp_input_list = r.levels(v, &p),
            "SessionPolicy" => input.session_policy = r.policy(v, &p),
            "ResourcePolicyType" => {
                if let Some(t) = r.string(v, &p) {
                    match parse_resource_policy_type(&t) {
                        Some(k) => input.resource_policy_type = Some(k),
                        None => r.problem(
                            v.span,
                            &p,
                            format!("invalid `ResourcePolicyType` `{t}`; valid: Generic, RoleTrust, KmsKey"),
                        ),
                    }
                }
            }
            "Anonymous" => match v.value {
                Value::Bool(b) => input.anonymous = b,
                _ => r.type_error(v, &p, "a boolean"),
            },
            other => r.problem(
                m.key_span,
                &p,
                format!(
                    "unknown parameter `{other}`; valid parameters: {}",
                    FIELDS.join(", ")
                ),
            ),
        }
    }
    if r.problems.is_empty() {
        Ok(input)
    } else {
        Err(r.problems)
    }
}

/// `Generic`, `RoleTrust` or `KmsKey`.
pub fn parse_resource_policy_type(text: &str) -> Option<ResourcePolicyKind> {
    match text {
        "Generic" => Some(ResourcePolicyKind::Generic),
        "RoleTrust" => Some(ResourcePolicyKind::RoleTrust),
        "KmsKey" => Some(ResourcePolicyKind::KmsKey),
        _ => None,
    }
}

/// `Line` and `Column` of a statement position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A statement that decided a result (`Statement` in the IAM model).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct MatchedStatement {
    pub source_policy_id: String,
    /// `resource` for the resource-based policy; absent for the input policies, as in the AWS CLI's
    /// example output for `simulate-custom-policy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_policy_type: Option<&'static str>,
    pub start_position: Position,
    pub end_position: Position,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct OrganizationsDecisionDetail {
    pub allowed_by_organizations: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PermissionsBoundaryDecisionDetail {
    pub allowed_by_permissions_boundary: bool,
}

/// The result on one resource (`ResourceSpecificResult` in the IAM model).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ResourceSpecificResult {
    pub eval_resource_name: String,
    pub eval_resource_decision: &'static str,
    pub matched_statements: Vec<MatchedStatement>,
    pub missing_context_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_decision_details: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_decision_detail: Option<PermissionsBoundaryDecisionDetail>,
}

/// One result (`EvaluationResult` in the IAM model).
///
/// Following the API reference (API_EvaluationResult.html): `MissingContextValues` is filled when the
/// resource is `*`; for a named resource the missing keys are under `ResourceSpecificResults`.
/// `EvalDecisionDetails` is filled for cross-account simulations, present but empty for a named
/// resource in the same account, and absent for `*` in the same account or when an SCP denied.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct EvaluationResult {
    pub eval_action_name: String,
    pub eval_resource_name: String,
    pub eval_decision: &'static str,
    pub matched_statements: Vec<MatchedStatement>,
    pub missing_context_values: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organizations_decision_detail: Option<OrganizationsDecisionDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions_boundary_decision_detail: Option<PermissionsBoundaryDecisionDetail>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eval_decision_details: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_specific_results: Option<Vec<ResourceSpecificResult>>,
}

/// `SimulatePolicyResponse`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SimulatePolicyResponse {
    pub evaluation_results: Vec<EvaluationResult>,
    pub is_truncated: bool,
}

/// The policies of a simulation, parsed, with their source text for positions.
struct Loaded {
    set: PolicySet,
    sources: Vec<(String, String)>,
}

fn load(
    id: String,
    p: &PolicyText,
    sources: &mut Vec<(String, String)>,
    problems: &mut Vec<InputProblem>,
) -> Option<PolicyDocument> {
    match PolicyDocument::parse(id.clone(), &p.text) {
        Ok(doc) => {
            sources.push((id, p.text.clone()));
            Some(doc)
        }
        Err(diags) => {
            let index = LineIndex::new(&p.text);
            for d in diags.iter().filter(|d| d.is_error()) {
                let loc = d.locations.first();
                let pos = loc.map(|l| index.position(l.span.start as usize));
                problems.push(InputProblem {
                    code: "MalformedPolicyDocument",
                    source: id.clone(),
                    line: pos.map_or(0, |p| p.line),
                    column: pos.map_or(0, |p| p.column + 1),
                    pointer: loc.map(|l| path_to_pointer(&l.path)).unwrap_or_default(),
                    message: format!("{} ({})", d.message, d.code),
                });
            }
            None
        }
    }
}

fn load_all(input: &SimulateInput, problems: &mut Vec<InputProblem>) -> Loaded {
    let mut sources = Vec::new();
    let mut set = PolicySet::default();
    let mut list = |name: &str,
                    ps: &[PolicyText],
                    sources: &mut Vec<(String, String)>|
     -> Vec<PolicyDocument> {
        ps.iter()
            .enumerate()
            .filter_map(|(i, p)| load(format!("{name}.{}", i + 1), p, sources, problems))
            .collect()
    };
    set.identity = list("PolicyInputList", &input.policy_input_list, &mut sources);
    set.permissions_boundary = list(
        "PermissionsBoundaryPolicyInputList",
        &input.permissions_boundary_policy_input_list,
        &mut sources,
    );
    if let Some(s) = &input.session_policy {
        set.session = list("SessionPolicy", std::slice::from_ref(s), &mut sources);
    }
    set.scp_levels = input
        .scp_input_list
        .iter()
        .enumerate()
        .map(|(l, ps)| list(&format!("ScpInputList.{}", l + 1), ps, &mut sources))
        .collect();
    set.rcp_levels = input
        .rcp_input_list
        .iter()
        .enumerate()
        .map(|(l, ps)| list(&format!("RcpInputList.{}", l + 1), ps, &mut sources))
        .collect();
    if let Some(r) = &input.resource_policy {
        set.resource = list("ResourcePolicy", std::slice::from_ref(r), &mut sources)
            .into_iter()
            .next()
            .map(|mut d| {
                d.id = "ResourcePolicy".to_owned();
                d
            });
        if let Some((id, _)) = sources.last_mut()
            && id == "ResourcePolicy.1"
        {
            *id = "ResourcePolicy".to_owned();
        }
    }
    set.resource_owner = input.resource_owner.as_deref().and_then(owner_account);
    Loaded { set, sources }
}

/// `ResourceOwner` is an account id or an ARN naming the account (`arn:aws:iam::ID:root`).
fn owner_account(text: &str) -> Option<String> {
    if is_account_id(text) {
        return Some(text.to_owned());
    }
    Arn::parse(text)
        .map(|a| a.account)
        .filter(|a| is_account_id(a))
        .map(str::to_owned)
}

/// The kind of resource policy a resource has, from its ARN: a role's policy is its trust policy, a
/// KMS key's is its key policy.
pub fn infer_resource_policy_kind(resource: &str) -> ResourcePolicyKind {
    match Arn::parse(resource) {
        Some(a) if a.service == "iam" && a.resource.starts_with("role/") => {
            ResourcePolicyKind::RoleTrust
        }
        Some(a) if a.service == "kms" && a.resource.starts_with("key/") => {
            ResourcePolicyKind::KmsKey
        }
        _ => ResourcePolicyKind::Generic,
    }
}

fn invalid(source: &str, message: String) -> InputProblem {
    InputProblem {
        code: "InvalidInput",
        source: source.to_owned(),
        line: 0,
        column: 0,
        pointer: String::new(),
        message,
    }
}

/// Runs the simulation: every action on every resource (`*` when none is given).
pub fn simulate_custom_policy(
    input: &SimulateInput,
) -> Result<SimulatePolicyResponse, Vec<InputProblem>> {
    let mut problems = Vec::new();
    if input.action_names.is_empty() {
        problems.push(invalid(
            "ActionNames",
            "`ActionNames` must list at least one action".to_owned(),
        ));
    }
    if input.anonymous && input.caller_arn.is_some() {
        problems.push(invalid(
            "CallerArn",
            "`CallerArn` and `Anonymous: true` exclude each other".to_owned(),
        ));
    }
    if input.resource_policy.is_some() && input.caller_arn.is_none() && !input.anonymous {
        problems.push(invalid(
            "CallerArn",
            "`CallerArn` is required when `ResourcePolicy` is given, so that its `Principal` element has a caller to match (or set `Anonymous: true`)".to_owned(),
        ));
    }
    let caller = match &input.caller_arn {
        Some(arn) => match Caller::from_arn(arn) {
            Some(c) => Some(c),
            None => {
                problems.push(invalid(
                    "CallerArn",
                    format!("`{arn}` is not the ARN of an IAM user, role, role session, federated user or account root"),
                ));
                None
            }
        },
        None => None,
    };
    if let Some(o) = &input.resource_owner
        && owner_account(o).is_none()
    {
        problems.push(invalid(
            "ResourceOwner",
            format!(
                "`{o}` is neither an account id nor an ARN with an account (`arn:aws:iam::ID:root`)"
            ),
        ));
    }
    let loaded = load_all(input, &mut problems);
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut context = Context::new();
    for e in &input.context_entries {
        context.insert(&e.key, e.key_type, e.values.clone());
    }
    let star = ["*".to_owned()];
    let resources: &[String] = if input.resource_arns.is_empty() {
        &star
    } else {
        &input.resource_arns
    };
    let mut set = loaded.set;
    let mut results = Vec::new();
    for resource in resources {
        set.resource_kind = input
            .resource_policy_type
            .unwrap_or_else(|| infer_resource_policy_kind(resource));
        for action in &input.action_names {
            let who = if input.anonymous {
                Caller::Anonymous
            } else if let Some(c) = &caller {
                c.clone()
            } else {
                // No caller given: a user of the resource's account, so that only the identity side
                // is simulated, as the API does.
                let probe = Request::new(Caller::Anonymous, action, resource, Context::new());
                let account = probe
                    .resource_account(set.resource_owner.as_deref())
                    .unwrap_or("000000000000")
                    .to_owned();
                Caller::User {
                    arn: format!("arn:aws:iam::{account}:user/simulated-caller"),
                    account,
                }
            };
            let cross_account = match (who.account(), set.resource_owner.as_deref()) {
                (Some(c), fallback) => {
                    let probe = Request::new(Caller::Anonymous, action, resource, Context::new());
                    probe.resource_account(fallback).is_some_and(|r| r != c)
                }
                (None, _) => false,
            };
            let req = Request::new(who, action, resource, context.clone());
            let ev = eval_request(&set, &req);
            let matched: Vec<MatchedStatement> = ev
                .matched
                .iter()
                .filter_map(|r| matched_statement(&set, &loaded.sources, r))
                .collect();
            let boundary =
                ev.allowed_by_permissions_boundary
                    .map(|a| PermissionsBoundaryDecisionDetail {
                        allowed_by_permissions_boundary: a,
                    });
            let named = resource != "*";
            let details = if ev.allowed_by_organizations == Some(false) {
                None
            } else if cross_account {
                Some(
                    ev.details
                        .iter()
                        .map(|(t, d)| {
                            (
                                t.as_detail_key().to_owned(),
                                serde_json::Value::from(d.as_aws()),
                            )
                        })
                        .collect(),
                )
            } else if named {
                Some(serde_json::Map::new())
            } else {
                None
            };
            let specific = named.then(|| {
                vec![ResourceSpecificResult {
                    eval_resource_name: resource.clone(),
                    eval_resource_decision: ev.decision.as_aws(),
                    matched_statements: matched.clone(),
                    missing_context_values: ev.missing_context.clone(),
                    eval_decision_details: details.clone(),
                    permissions_boundary_decision_detail: boundary,
                }]
            });
            results.push(EvaluationResult {
                eval_action_name: action.clone(),
                eval_resource_name: resource.clone(),
                eval_decision: ev.decision.as_aws(),
                matched_statements: matched,
                missing_context_values: if named {
                    Vec::new()
                } else {
                    ev.missing_context.clone()
                },
                organizations_decision_detail: ev.allowed_by_organizations.map(|a| {
                    OrganizationsDecisionDetail {
                        allowed_by_organizations: a,
                    }
                }),
                permissions_boundary_decision_detail: boundary,
                eval_decision_details: details,
                resource_specific_results: specific,
            });
        }
    }
    Ok(SimulatePolicyResponse {
        evaluation_results: results,
        is_truncated: false,
    })
}

/// A matched statement with its position. Positions follow the AWS CLI example for
/// `simulate-custom-policy` (awscli `examples/iam/simulate-custom-policy.rst`): 1-based lines, and
/// columns that are the 1-based column of the character *after* the statement's `{` (start) and after
/// its `}` (end).
fn matched_statement(
    set: &PolicySet,
    sources: &[(String, String)],
    r: &StatementRef,
) -> Option<MatchedStatement> {
    let doc = set.document(r)?;
    let st = doc.policy.statements.get(r.statement)?;
    let src = sources
        .iter()
        .find(|(id, _)| *id == doc.id)
        .map(|(_, s)| s.as_str())?;
    let index = LineIndex::new(src);
    let start = index.position(st.span.start as usize);
    let end = index.position(st.span.end as usize);
    Some(MatchedStatement {
        source_policy_id: doc.id.clone(),
        source_policy_type: match r.policy_type {
            PolicyType::Resource => Some("resource"),
            _ => None,
        },
        start_position: Position {
            line: start.line,
            column: start.column + 2,
        },
        end_position: Position {
            line: end.line,
            column: end.column + 1,
        },
    })
}

/// Whether every result is `allowed` (a convenience for callers and tests).
pub fn all_allowed(r: &SimulatePolicyResponse) -> bool {
    r.evaluation_results
        .iter()
        .all(|e| e.eval_decision == Decision::Allowed.as_aws())
}
