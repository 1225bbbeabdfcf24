//! The custom policy checks of IAM Access Analyzer (`CheckNoNewAccess`, `CheckAccessNotGranted`,
//! `CheckNoPublicAccess`) and policy comparison, decided on the compiled formulas.
//!
//! Every FAIL carries a witness request that the reference evaluator replays; a FAIL whose witness
//! does not replay, and every question the engine cannot decide exactly, is still a FAIL but says so
//! in its reasons. A PASS is only given when the formula question holds exactly.

use perimeter_iam::eval::ResourcePolicyKind;
use perimeter_iam::model::{Effect, OperatorBase, OperatorFamily, Policy, Statement};
use std::collections::HashMap;

use crate::overlap::{Shape, may_overlap};
use perimeter_logic::{Bdd, Case, Decision, KeyKind, Limits, Pattern};
use serde::Serialize;

use crate::compile::{
    ACTION, CompileError, RESOURCE, Space, compile_space, compile_space_lazy, resource_glob,
    template_glob,
};
use crate::witness::{Replayer, RequestWitness, Side, prettify_action, replay, request_of};

/// `AccessCheckPolicyType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessCheckPolicyType {
    IdentityPolicy,
    ResourcePolicy,
}

impl AccessCheckPolicyType {
    pub fn from_aws(s: &str) -> Option<AccessCheckPolicyType> {
        match s {
            "IDENTITY_POLICY" => Some(AccessCheckPolicyType::IdentityPolicy),
            "RESOURCE_POLICY" => Some(AccessCheckPolicyType::ResourcePolicy),
            _ => None,
        }
    }

    fn side(self) -> Side {
        match self {
            AccessCheckPolicyType::IdentityPolicy => Side::Identity,
            AccessCheckPolicyType::ResourcePolicy => Side::Resource(ResourcePolicyKind::Generic),
        }
    }
}

/// `PASS` or `FAIL`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum CheckResult {
    #[serde(rename = "PASS")]
    Pass,
    #[serde(rename = "FAIL")]
    Fail,
}

/// `ReasonSummary`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReasonSummary {
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_id: Option<String>,
}

/// The response of the three checks (`CheckNoNewAccessResponse` and its siblings), plus a witness
/// request for a FAIL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckResponse {
    pub result: CheckResult,
    pub message: String,
    pub reasons: Vec<ReasonSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<RequestWitness>,
}

impl CheckResponse {
    pub fn is_pass(&self) -> bool {
        self.result == CheckResult::Pass
    }
}

/// Bounds for one question.
pub fn default_limits() -> Limits {
    Limits {
        max_dfa_states: 50_000,
        max_bdd_nodes: 2_000_000,
        max_vars: 4_096,
        ..Limits::default()
    }
}

fn unknown_response(fail_message: &str, reasons: Vec<String>) -> CheckResponse {
    CheckResponse {
        result: CheckResult::Fail,
        message: fail_message.to_owned(),
        reasons: reasons
            .into_iter()
            .map(|r| ReasonSummary {
                description: format!("The check could not be decided exactly: {r}."),
                statement_index: None,
                statement_id: None,
            })
            .collect(),
        witness: None,
    }
}

fn sid_of(p: &Policy, index: usize) -> Option<String> {
    p.statements
        .iter()
        .find(|s| s.index == index)
        .and_then(|s| s.sid.clone())
}

/// What one Allow statement contributes to a violation.
struct Violation {
    index: usize,
    witness: Option<RequestWitness>,
    unknown: Option<String>,
}

/// For each Allow statement of `candidate`: is there a request it allows (and no Deny of the
/// candidate denies) that lies outside `bound` ∧ inside `scope`? `confirm` replays a witness.
fn violations(
    space: &mut Space,
    candidate: &Policy,
    scope: Bdd,
    bound: Option<&Policy>,
    confirm: &dyn Fn(&Space, &RequestWitness) -> bool,
) -> Result<Vec<Violation>, CompileError> {
    // Each statement on its own, with only the statements that may share a request with it
    // (`overlap`): the others cannot change its answer, and whole-policy diagrams grow with every
    // combination of the policies' conditions.
    let mut compiled: HashMap<(bool, usize), Bdd> = HashMap::new();
    let mut formula =
        |space: &mut Space, old: bool, i: usize, st: &Statement| -> Result<Bdd, CompileError> {
            if let Some(f) = compiled.get(&(old, i)) {
                return Ok(*f);
            }
            let f = space.compile_statement(st)?;
            compiled.insert((old, i), f);
            Ok(f)
        };
    let shapes: Vec<Shape> = candidate.statements.iter().map(Shape::of).collect();
    let bound_shapes: Vec<Shape> = bound
        .map(|b| b.statements.iter().map(Shape::of).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    // The response shows the first witness that replays: only that one gets a catalog action.
    let mut shown = false;
    for (i, st) in candidate.statements.iter().enumerate() {
        let Some(shape) = shapes.get(i) else {
            continue;
        };
        if st.effect != Effect::Allow {
            continue;
        }
        let f = formula(space, false, i, st)?;
        let mut g = space.universe.and(f, scope)?;
        for (k, other) in candidate.statements.iter().enumerate() {
            if other.effect == Effect::Deny
                && g != Bdd::FALSE
                && shapes.get(k).is_some_and(|o| may_overlap(shape, o))
            {
                let d = formula(space, false, k, other)?;
                g = space.universe.diff(g, d)?;
            }
        }
        if let Some(b) = bound {
            // Requests `b` allows: one of its (relevant) allows and none of its (relevant) denies.
            let (mut allow, mut deny) = (Bdd::FALSE, Bdd::FALSE);
            for (k, other) in b.statements.iter().enumerate() {
                if g == Bdd::FALSE || !bound_shapes.get(k).is_some_and(|o| may_overlap(shape, o)) {
                    continue;
                }
                let h = formula(space, true, k, other)?;
                match other.effect {
                    Effect::Allow => allow = space.universe.or(allow, h)?,
                    Effect::Deny => deny = space.universe.or(deny, h)?,
                }
            }
            let allowed = space.universe.diff(allow, deny)?;
            g = space.universe.diff(g, allowed)?;
        }
        if g == Bdd::FALSE {
            continue;
        }
        let index = st.index;
        if shown && space.atoms.is_empty() {
            // A further reason: without policy variables the decision is exact, and its witness is
            // not shown, so it is not built or replayed. (With variables a violation can be an
            // artefact of reading them as `*`: every reason's witness is then replayed.)
            match space.universe.satisfiable(g) {
                Ok(false) => {}
                Ok(true) => out.push(Violation {
                    index,
                    unknown: None,
                    witness: None,
                }),
                Err(u) => out.push(Violation {
                    index,
                    witness: None,
                    unknown: Some(u.to_string()),
                }),
            }
            continue;
        }
        match space.universe.decide_empty(g) {
            Decision::Holds => {}
            Decision::Violated(w) => {
                let mut rw = request_of(space, &w);
                let ok = confirm(space, &rw);
                if ok && !shown {
                    prettify_action(space, &w, &mut rw);
                    shown = true;
                }
                out.push(Violation {
                    index,
                    unknown: (!ok).then(|| {
                        "the witness request did not replay through the reference evaluator"
                            .to_owned()
                    }),
                    witness: Some(rw),
                });
            }
            Decision::Unknown(u) => out.push(Violation {
                index,
                witness: None,
                unknown: Some(u.to_string()),
            }),
        }
    }
    Ok(out)
}

fn render(
    candidate: &Policy,
    vs: Vec<Violation>,
    pass_message: &str,
    fail_message: &str,
    describe: &dyn Fn(usize) -> String,
) -> CheckResponse {
    if vs.is_empty() {
        return CheckResponse {
            result: CheckResult::Pass,
            message: pass_message.to_owned(),
            reasons: Vec::new(),
            witness: None,
        };
    }
    let mut reasons = Vec::new();
    let mut witness = None;
    for v in vs {
        let mut description = describe(v.index);
        if let Some(u) = &v.unknown {
            description.push_str(&format!(" The check could not be decided exactly: {u}."));
        }
        reasons.push(ReasonSummary {
            description,
            statement_index: Some(v.index),
            statement_id: sid_of(candidate, v.index),
        });
        if witness.is_none() && v.unknown.is_none() {
            witness = v.witness;
        }
    }
    CheckResponse {
        result: CheckResult::Fail,
        message: fail_message.to_owned(),
        reasons,
        witness,
    }
}

fn identity_scope(space: &mut Space, ty: AccessCheckPolicyType) -> Result<Bdd, CompileError> {
    let mut scope = space.valid;
    if ty == AccessCheckPolicyType::IdentityPolicy {
        // Identity-based policies apply to IAM principals only.
        let iam = space.iam_caller_formula()?;
        scope = space.universe.and(scope, iam)?;
    }
    Ok(scope)
}

const NNA_PASS: &str =
    "The modified permissions do not grant new access compared to your existing policy.";
const NNA_FAIL: &str =
    "The modified permissions grant new access compared to your existing policy.";

/// `CheckNoNewAccess`: PASS iff every request `new` allows, `existing` allows too.
pub fn check_no_new_access(
    existing: &Policy,
    new: &Policy,
    ty: AccessCheckPolicyType,
) -> CheckResponse {
    match try_no_new_access(existing, new, ty, default_limits()) {
        Ok(r) => r,
        Err(e) => unknown_response(NNA_FAIL, vec![e.to_string()]),
    }
}

pub fn try_no_new_access(
    existing: &Policy,
    new: &Policy,
    ty: AccessCheckPolicyType,
    limits: Limits,
) -> Result<CheckResponse, CompileError> {
    let mut space = compile_space_lazy(&[existing, new], &[], limits)?;
    if !space.unknown.is_empty() {
        return Ok(unknown_response(NNA_FAIL, space.unknown.clone()));
    }
    let scope = identity_scope(&mut space, ty)?;
    let (rn, re) = (
        Replayer::new(new, ty.side()),
        Replayer::new(existing, ty.side()),
    );
    let confirm =
        |_: &Space, w: &RequestWitness| rn.allows(w) == Some(true) && re.allows(w) == Some(false);
    let vs = violations(&mut space, new, scope, Some(existing), &confirm)?;
    Ok(render(new, vs, NNA_PASS, NNA_FAIL, &|i| {
        format!("New access in the statement with index: {i}.")
    }))
}

/// One `Access` entry of `CheckAccessNotGranted`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Access {
    pub actions: Vec<String>,
    pub resources: Vec<String>,
}

const ANG_PASS: &str = "The policy document does not grant access to perform one or more of the listed actions or resources.";
const ANG_FAIL: &str =
    "The policy document grants access to perform one or more of the listed actions or resources.";

/// `CheckAccessNotGranted`: FAIL iff the policy allows one of the actions on one of the resources
/// (either list may be empty: then any action, or any resource).
pub fn check_access_not_granted(
    policy: &Policy,
    access: &[Access],
    ty: AccessCheckPolicyType,
) -> Result<CheckResponse, CheckInputError> {
    validate_access(access)?;
    Ok(
        match try_access_not_granted(policy, access, ty, default_limits()) {
            Ok(r) => r,
            Err(e) => unknown_response(ANG_FAIL, vec![e.to_string()]),
        },
    )
}

/// The request constraints of `CheckAccessNotGranted` (botocore model): exactly one `Access`, at
/// most 100 actions and 100 resources, resources are ARNs with wildcards only in the resource id.
pub fn validate_access(access: &[Access]) -> Result<(), CheckInputError> {
    if access.len() != 1 {
        return Err(CheckInputError::Access(
            "`access` must hold exactly one entry".to_owned(),
        ));
    }
    for a in access {
        if a.actions.is_empty() && a.resources.is_empty() {
            return Err(CheckInputError::Access(
                "an access entry needs `actions` or `resources`".to_owned(),
            ));
        }
        if a.actions.len() > 100 || a.resources.len() > 100 {
            return Err(CheckInputError::Access(
                "an access entry holds at most 100 actions and 100 resources".to_owned(),
            ));
        }
        for r in &a.resources {
            let ok = r.len() <= 2048
                && perimeter_iam::pattern::split_arn(r).is_some_and(|parts| {
                    parts.first() == Some(&"arn")
                        && parts
                            .iter()
                            .take(3)
                            .all(|p| !p.contains('*') && !p.contains('?'))
                });
            if !ok {
                return Err(CheckInputError::InvalidArn(r.clone()));
            }
        }
    }
    Ok(())
}

pub fn try_access_not_granted(
    policy: &Policy,
    access: &[Access],
    ty: AccessCheckPolicyType,
    limits: Limits,
) -> Result<CheckResponse, CompileError> {
    let glob = |s: &str, case| {
        let (t, _) = perimeter_iam::pattern::Template::parse(s, true, false);
        template_glob(&t, true).map(|g| Pattern::whole(g, case))
    };
    let resource_pattern = |s: &str| {
        let (t, _) = perimeter_iam::pattern::Template::parse(s, true, false);
        resource_glob(&t, true).map(|g| Pattern::whole(g, Case::Sensitive))
    };
    let mut extra = Vec::new();
    for a in access {
        for x in &a.actions {
            if let Some(p) = glob(x, Case::Insensitive) {
                extra.push((ACTION, p));
            }
        }
        for r in &a.resources {
            if let Some(p) = resource_pattern(r) {
                extra.push((RESOURCE, p));
            }
        }
    }
    let mut space = compile_space_lazy(&[policy], &extra, limits)?;
    if !space.unknown.is_empty() {
        return Ok(unknown_response(ANG_FAIL, space.unknown.clone()));
    }
    let mut q = Bdd::FALSE;
    for a in access {
        let mut act = if a.actions.is_empty() {
            Bdd::TRUE
        } else {
            Bdd::FALSE
        };
        for x in &a.actions {
            if let Some(p) = glob(x, Case::Insensitive) {
                let s = space.universe.classes_like(space.action, &p)?;
                let b = space.universe.value_in(&s)?;
                act = space.universe.or(act, b)?;
            }
        }
        let mut res = if a.resources.is_empty() {
            Bdd::TRUE
        } else {
            Bdd::FALSE
        };
        for r in &a.resources {
            if let Some(p) = resource_pattern(r) {
                let s = space.universe.classes_like(space.resource, &p)?;
                let b = space.universe.value_in(&s)?;
                res = space.universe.or(res, b)?;
            }
        }
        let both = space.universe.and(act, res)?;
        q = space.universe.or(q, both)?;
    }
    let scope = identity_scope(&mut space, ty)?;
    let scope = space.universe.and(scope, q)?;
    let rp = Replayer::new(policy, ty.side());
    let confirm = |_: &Space, w: &RequestWitness| rp.allows(w) == Some(true);
    let vs = violations(&mut space, policy, scope, None, &confirm)?;
    Ok(render(policy, vs, ANG_PASS, ANG_FAIL, &|i| {
        format!("One or more of the listed actions or resources in the statement with index: {i}.")
    }))
}

/// `AccessCheckResourceType`, with what "public" means for each.
pub const RESOURCE_TYPES: [(&str, &[&str]); 26] = [
    ("AWS::DynamoDB::Table", &["dynamodb:*"]),
    ("AWS::DynamoDB::Stream", &["dynamodb:*"]),
    ("AWS::EFS::FileSystem", &["elasticfilesystem:*"]),
    ("AWS::OpenSearchService::Domain", &["es:*"]),
    ("AWS::Kinesis::Stream", &["kinesis:*"]),
    ("AWS::Kinesis::StreamConsumer", &["kinesis:*"]),
    ("AWS::KMS::Key", &["kms:*"]),
    ("AWS::Lambda::Function", &["lambda:*"]),
    ("AWS::S3::Bucket", &["s3:*"]),
    ("AWS::S3::AccessPoint", &["s3:*"]),
    ("AWS::S3Express::DirectoryBucket", &["s3express:*"]),
    ("AWS::S3::Glacier", &["glacier:*"]),
    ("AWS::S3Outposts::Bucket", &["s3-outposts:*"]),
    ("AWS::S3Outposts::AccessPoint", &["s3-outposts:*"]),
    ("AWS::SecretsManager::Secret", &["secretsmanager:*"]),
    ("AWS::SNS::Topic", &["sns:*"]),
    ("AWS::SQS::Queue", &["sqs:*"]),
    ("AWS::IAM::AssumeRolePolicyDocument", &["sts:*"]),
    ("AWS::S3Tables::TableBucket", &["s3tables:*"]),
    ("AWS::ApiGateway::RestApi", &["execute-api:*"]),
    ("AWS::CodeArtifact::Domain", &["codeartifact:*"]),
    ("AWS::Backup::BackupVault", &["backup:*"]),
    ("AWS::CloudTrail::Dashboard", &["cloudtrail:*"]),
    ("AWS::CloudTrail::EventDataStore", &["cloudtrail:*"]),
    ("AWS::S3Tables::Table", &["s3tables:*"]),
    ("AWS::S3Express::AccessPoint", &["s3express:*"]),
];

/// Condition keys an external caller cannot choose (access-analyzer.md §1.3, §1.4): a grant
/// restricted to fixed values of one of them is not public.
pub const TRUSTED_KEYS: [&str; 24] = [
    "aws:sourceip",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourcearn",
    "aws:sourceaccount",
    "aws:sourceowner",
    "aws:sourceorgid",
    "aws:sourceorgpaths",
    "aws:principalorgid",
    "aws:principalorgpaths",
    "aws:userid",
    "aws:principalserviceName",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "kms:calleraccount",
    "lambda:eventsourcetoken",
    "lambda:functionurlauthtype",
    "cognito-identity.amazonaws.com:aud",
    "graph.facebook.com:app_id",
    "accounts.google.com:aud",
    "www.amazon.com:app_id",
    "saml:aud",
    "aws:calledvia",
];

fn is_trusted(key: &str, resource_type: &str) -> bool {
    let k = key.to_ascii_lowercase();
    if TRUSTED_KEYS.iter().any(|t| t.eq_ignore_ascii_case(&k)) {
        return true;
    }
    // Web identity and SAML audience/subject keys pin the federated caller of a trust policy.
    resource_type == "AWS::IAM::AssumeRolePolicyDocument"
        && (k.ends_with(":aud")
            || k.ends_with(":sub")
            || k.ends_with(":oaud")
            || k.starts_with("saml:"))
}

const NPA_PASS: &str =
    "The resource policy does not grant public access for the given resource type.";
const NPA_FAIL: &str = "The resource policy grants public access for the given resource type.";

/// An error in the request itself (not in the policy): an unknown resource type.
#[derive(Debug, thiserror::Error)]
pub enum CheckInputError {
    #[error("invalid arn `{0}`")]
    InvalidArn(String),
    #[error("{0}")]
    Access(String),
    #[error("the resource type `{0}` is not one of the supported `AccessCheckResourceType` values")]
    ResourceType(String),
}

/// `CheckNoPublicAccess`: FAIL iff some caller outside every account and organization named by the
/// policy (or an anonymous caller, or a web identity whose audience is not pinned) is allowed an
/// action of the resource type's service, with every trusted key free of fixed values.
pub fn check_no_public_access(
    policy: &Policy,
    resource_type: &str,
) -> Result<CheckResponse, CheckInputError> {
    let Some((_, services)) = RESOURCE_TYPES.iter().find(|(t, _)| *t == resource_type) else {
        return Err(CheckInputError::ResourceType(resource_type.to_owned()));
    };
    Ok(
        match try_no_public_access(policy, resource_type, services, default_limits()) {
            Ok(r) => r,
            Err(e) => unknown_response(NPA_FAIL, vec![e.to_string()]),
        },
    )
}

fn fresh_account(policy: &Policy) -> String {
    let text = format!("{policy:?}");
    for d in ['9', '8', '7', '6', '5', '4', '3', '2', '1', '0'] {
        let candidate: String = std::iter::repeat_n(d, 12).collect();
        if !text.contains(&candidate) {
            return candidate;
        }
    }
    "918273645546".to_owned()
}

fn try_no_public_access(
    policy: &Policy,
    resource_type: &str,
    services: &[&str],
    limits: Limits,
) -> Result<CheckResponse, CompileError> {
    let fresh = fresh_account(policy);
    let fresh_pat = Pattern::literal(
        &format!("arn:aws:iam::{fresh}:user/perimeter-external"),
        Case::Sensitive,
    );
    let extra: Vec<(&str, Pattern)> = vec![(crate::compile::PRINCIPAL, fresh_pat.clone())];
    let mut space = compile_space_lazy(&[policy], &extra, limits)?;
    if !space.unknown.is_empty() {
        return Ok(unknown_response(NPA_FAIL, space.unknown.clone()));
    }
    // The external caller: a user of an account the policy never names, anonymous, or a web identity.
    let ext = space.universe.classes_like(space.principal, &fresh_pat)?;
    let anon = space.universe.classes_like(
        space.principal,
        &Pattern::literal("anonymous", Case::Sensitive),
    )?;
    let fed = space.universe.classes_like(
        space.principal,
        &Pattern::glob("federated/*", Case::Sensitive),
    )?;
    let mut callers = ext.union(&anon);
    if resource_type == "AWS::IAM::AssumeRolePolicyDocument" {
        callers = callers.union(&fed);
    }
    let mut q = space.universe.value_in(&callers)?;
    // Every action counts: Access Analyzer reports an `s3:*` grant in an S3 Tables bucket policy as
    // public (tf-policy-validator corpus, `aws_s3tables_table_bucket_policy.example`), so actions are
    // not narrowed to the resource type's service.
    let _ = services;
    // Trusted keys: absent, or a value no fixed policy value names.
    let keys: Vec<_> = space
        .context
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (lower, ck) in keys {
        if !is_trusted(&lower, resource_type) {
            continue;
        }
        let absent = if ck.multi {
            let none = space.universe.classes_none(ck.key)?;
            space.universe.for_all_values(&none)?
        } else {
            space.universe.absent(ck.key)?
        };
        let open = match ck.kind {
            KeyKind::String => {
                let mut pinned = space.universe.classes_none(ck.key)?;
                for st in &policy.statements {
                    for c in &st.conditions {
                        if !c.key.eq_ignore_ascii_case(&lower) {
                            continue;
                        }
                        let fam = c.operator.base.family();
                        if !matches!(fam, OperatorFamily::String | OperatorFamily::Arn) {
                            continue;
                        }
                        for v in &c.values {
                            let Some(g) = template_glob(&v.template, false) else {
                                continue;
                            };
                            if !g.is_literal() && c.operator.base.uses_wildcards() {
                                continue;
                            }
                            let case = if matches!(
                                c.operator.base,
                                OperatorBase::StringEqualsIgnoreCase
                                    | OperatorBase::StringNotEqualsIgnoreCase
                            ) {
                                Case::Insensitive
                            } else {
                                Case::Sensitive
                            };
                            let lit = Pattern::literal(&v.text, case);
                            if let Ok(s) = space.universe.classes_like(ck.key, &lit) {
                                pinned = pinned.union(&s);
                            } else if let Ok(s) = space
                                .universe
                                .classes_like(ck.key, &Pattern::whole(g, case))
                            {
                                pinned = pinned.union(&s);
                            }
                        }
                    }
                }
                pinned.complement()
            }
            KeyKind::Ip => {
                // Fixed: CIDRs no broader than /8 (IPv4) or /32 (IPv6), and the RFC 1918 ranges.
                let mut pinned = space.universe.classes_none(ck.key)?;
                for st in &policy.statements {
                    for c in &st.conditions {
                        if !c.key.eq_ignore_ascii_case(&lower)
                            || c.operator.base.family() != OperatorFamily::Ip
                        {
                            continue;
                        }
                        for v in &c.values {
                            let Some(cidr) = perimeter_logic::Cidr::parse(v.text.trim()) else {
                                continue;
                            };
                            if cidr_is_fixed(v.text.trim())
                                && let Ok(s) = space.universe.classes_in_cidr(ck.key, cidr)
                            {
                                pinned = pinned.union(&s);
                            }
                        }
                    }
                }
                pinned.complement()
            }
            _ => space.universe.classes_all(ck.key)?,
        };
        let open_b = if ck.multi {
            space.universe.for_all_values(&open)?
        } else {
            space.universe.value_in(&open)?
        };
        let ok = space.universe.or(absent, open_b)?;
        q = space.universe.and(q, ok)?;
    }
    let scope = space.universe.and(space.valid, q)?;
    let kind = if resource_type == "AWS::IAM::AssumeRolePolicyDocument" {
        ResourcePolicyKind::RoleTrust
    } else if resource_type == "AWS::KMS::Key" {
        ResourcePolicyKind::KmsKey
    } else {
        ResourcePolicyKind::Generic
    };
    let rp = Replayer::new(policy, Side::Resource(kind));
    let confirm = |_: &Space, w: &RequestWitness| rp.allows(w) == Some(true);
    let vs = violations(&mut space, policy, scope, None, &confirm)?;
    Ok(render(policy, vs, NPA_PASS, NPA_FAIL, &|i| {
        format!("Public access granted in the following statement with index: {i}.")
    }))
}

/// Whether a CIDR counts as a fixed value for `aws:SourceIp`: no broader than /8 (IPv4) or /32
/// (IPv6), or inside an RFC 1918 private range (access-analyzer.md §1.3).
fn cidr_is_fixed(text: &str) -> bool {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, p.parse::<u8>().ok()),
        None => (text, None),
    };
    let Ok(ip) = addr.parse::<std::net::IpAddr>() else {
        return false;
    };
    match ip {
        std::net::IpAddr::V4(v4) => {
            let p = prefix.unwrap_or(32);
            let o = v4.octets();
            let private = (o[0] == 10 && p >= 8)
                || (o[0] == 172 && (o[1] & 0xf0) == 16 && p >= 12)
                || (o[0] == 192 && o[1] == 168 && p >= 16);
            p >= 8 || private
        }
        std::net::IpAddr::V6(_) => prefix.unwrap_or(128) >= 32,
    }
}

/// The verdict of `compare-policies`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Comparison {
    Equivalent,
    MorePermissive,
    LessPermissive,
    Incomparable,
    Unknown,
}

/// One direction of a comparison.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Direction {
    /// Some request is allowed by the first policy and not by the second.
    pub allows_more: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub witness: Option<RequestWitness>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The report of `compare-policies A B`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ComparePoliciesResponse {
    /// How A relates to B: `MORE_PERMISSIVE` means A allows requests B does not, and not conversely.
    pub result: Comparison,
    pub a_not_b: Direction,
    pub b_not_a: Direction,
}

/// Compares what two policies of one type allow.
pub fn compare_policies(
    a: &Policy,
    b: &Policy,
    ty: AccessCheckPolicyType,
) -> ComparePoliciesResponse {
    let unknown = |r: String| Direction {
        allows_more: None,
        witness: None,
        reason: Some(r),
    };
    let res = (|| -> Result<(Direction, Direction), CompileError> {
        // Whole-policy diagrams: eager keys keep them small (a lazy key's pattern variables would
        // let them grow with every combination of the policies' conditions).
        let mut space = compile_space(&[a, b], &[], default_limits())?;
        if !space.unknown.is_empty() {
            let r = space.unknown.join("; ");
            return Ok((unknown(r.clone()), unknown(r)));
        }
        let ca = space.compile_policy(a)?;
        let cb = space.compile_policy(b)?;
        let scope = identity_scope(&mut space, ty)?;
        let fa = space.universe.and(ca.allowed, scope)?;
        let fb = space.universe.and(cb.allowed, scope)?;
        let side = ty.side();
        let mut dir = |x: perimeter_logic::Bdd,
                       y: perimeter_logic::Bdd,
                       px: &Policy,
                       py: &Policy|
         -> Result<Direction, CompileError> {
            Ok(match space.universe.decide_implies(x, y) {
                Decision::Holds => Direction {
                    allows_more: Some(false),
                    witness: None,
                    reason: None,
                },
                Decision::Violated(w) => {
                    let mut rw = request_of(&space, &w);
                    prettify_action(&space, &w, &mut rw);
                    let ok =
                        replay(px, side, &rw) == Some(true) && replay(py, side, &rw) == Some(false);
                    Direction {
                        allows_more: Some(true),
                        reason: (!ok).then(|| {
                            "the witness request did not replay through the reference evaluator"
                                .to_owned()
                        }),
                        witness: Some(rw),
                    }
                }
                Decision::Unknown(u) => Direction {
                    allows_more: None,
                    witness: None,
                    reason: Some(u.to_string()),
                },
            })
        };
        let ab = dir(fa, fb, a, b)?;
        let ba = dir(fb, fa, b, a)?;
        Ok((ab, ba))
    })();
    let (ab, ba) = match res {
        Ok(x) => x,
        Err(e) => (unknown(e.to_string()), unknown(e.to_string())),
    };
    let result = match (ab.allows_more, ba.allows_more) {
        (Some(false), Some(false)) => Comparison::Equivalent,
        (Some(true), Some(false)) => Comparison::MorePermissive,
        (Some(false), Some(true)) => Comparison::LessPermissive,
        (Some(true), Some(true)) => Comparison::Incomparable,
        _ => Comparison::Unknown,
    };
    ComparePoliciesResponse {
        result,
        a_not_b: ab,
        b_not_a: ba,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(body: &str) -> Policy {
        let text = format!(r#"{{"Version":"2012-10-17","Statement":[{body}]}}"#);
        perimeter_iam::parse_and_lower(&text).unwrap_or_else(|d| panic!("{d:?}\n{text}"))
    }

    /// `check(existing, new, type, PASS?)`; a FAIL must carry a witness that replayed.
    fn check(existing: &str, new: &str, ty: AccessCheckPolicyType, pass: bool) {
        let r = check_no_new_access(&p(existing), &p(new), ty);
        assert_eq!(r.is_pass(), pass, "existing {existing}\nnew {new}\n{r:?}");
        if !pass {
            assert!(r.witness.is_some(), "no replayed witness: {r:?}");
        }
    }

    const ID: AccessCheckPolicyType = AccessCheckPolicyType::IdentityPolicy;
    const RES: AccessCheckPolicyType = AccessCheckPolicyType::ResourcePolicy;

    #[test]
    fn no_new_access_table() {
        let allow =
            |a: &str, r: &str| format!(r#"{{"Effect":"Allow","Action":"{a}","Resource":"{r}"}}"#);
        // Wildcards in actions (reference_policies_elements_action.html).
        check(&allow("s3:*", "*"), &allow("s3:GetObject", "*"), ID, true);
        check(&allow("s3:GetObject", "*"), &allow("s3:*", "*"), ID, false);
        // Actions are case-insensitive, resources case-sensitive (access-analyzer.md §7.2).
        check(
            &allow("S3:GETOBJECT", "*"),
            &allow("s3:getobject", "*"),
            ID,
            true,
        );
        check(
            &allow("s3:GetObject", "arn:aws:s3:::B/*"),
            &allow("s3:GetObject", "arn:aws:s3:::b/x"),
            ID,
            false,
        );
        // NotAction grants every other action, of every service.
        check(
            r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
            &allow("iam:PassRole", "*"),
            ID,
            false,
        );
        check(
            r#"{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}"#,
            &allow("s3:PutObject", "*"),
            ID,
            true,
        );
        // Reference idiom: Allow */* and Deny the sensitive access (custom-policy-check samples).
        let reference = format!(
            r#"{},{{"Effect":"Deny","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/admin"}}"#,
            allow("*", "*")
        );
        check(
            &reference,
            &allow("iam:PassRole", "arn:aws:iam::111122223333:role/app"),
            ID,
            true,
        );
        check(&reference, &allow("iam:PassRole", "*"), ID, false);
        // A missing key: IfExists matches it, the plain operator does not (condition operators doc).
        let cond = |op: &str| {
            format!(
                r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"{op}":{{"aws:SourceVpc":"vpc-1"}}}}}}"#
            )
        };
        check(
            &cond("StringEquals"),
            &cond("StringEqualsIfExists"),
            ID,
            false,
        );
        check(
            &cond("StringEqualsIfExists"),
            &cond("StringEquals"),
            ID,
            true,
        );
        // ForAllValues holds when the key is absent (reference_policies_condition-single-vs-multi-valued-context-keys.html).
        let tags = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["a"]}}}"#;
        check(tags, &allow("s3:GetObject", "*"), ID, false);
        check(&allow("s3:GetObject", "*"), tags, ID, true);
        // IP ranges.
        let ip = |c: &str| {
            format!(
                r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"IpAddress":{{"aws:SourceIp":"{c}"}}}}}}"#
            )
        };
        check(&ip("10.0.0.0/8"), &ip("10.1.0.0/16"), ID, true);
        check(&ip("10.1.0.0/16"), &ip("10.0.0.0/8"), ID, false);
        // Identical policy variables (reference_policies_variables.html): same requests.
        let var = allow("s3:GetObject", "arn:aws:s3:::b/${aws:username}/*");
        check(&var, &var, ID, true);
        check(&var, &allow("s3:GetObject", "arn:aws:s3:::b/*"), ID, false);
        check(&allow("s3:GetObject", "arn:aws:s3:::b/*"), &var, ID, true);
    }

    #[test]
    fn principals_table() {
        let allow = |principal: &str, cond: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"*"{cond}}}"#
            )
        };
        let account = allow(r#"{"AWS":"111122223333"}"#, "");
        // An account principal covers every principal of the account (samples allowlist-account-principals.md).
        check(
            &account,
            &allow(r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#, ""),
            RES,
            true,
        );
        check(
            &account,
            &allow(r#"{"AWS":"arn:aws:iam::111122223333:role/r"}"#, ""),
            RES,
            true,
        );
        check(
            &account,
            &allow(r#"{"AWS":"arn:aws:iam::444455556666:root"}"#, ""),
            RES,
            false,
        );
        // A service principal or `*` in the candidate is new access.
        check(
            &account,
            &allow(r#"{"Service":"s3.amazonaws.com"}"#, ""),
            RES,
            false,
        );
        check(&account, &allow(r#""*""#, ""), RES, false);
        // aws:PrincipalAccount is tied to the principal: `*` pinned to the account is the account.
        let pinned = allow(
            r#""*""#,
            r#","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
        );
        check(&account, &pinned, RES, true);
        check(&pinned, &account, RES, true);
        // aws:PrincipalArn pins the role (sessions of the role carry the role ARN).
        let role = allow(
            r#""*""#,
            r#","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/app-*"}}"#,
        );
        check(&account, &role, RES, true);
        check(&role, &account, RES, false);
    }

    fn public(policy: &str, rt: &str, pass: bool) {
        let r = check_no_public_access(&p(policy), rt).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.is_pass(), pass, "{policy}\n{r:?}");
    }

    #[test]
    fn public_access_table() {
        let s3 = |principal: &str, cond: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"{cond}}}"#
            )
        };
        let b = "AWS::S3::Bucket";
        // Definitions of AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status.
        public(&s3(r#""*""#, ""), b, false);
        public(&s3(r#"{"AWS":"111122223333"}"#, ""), b, true);
        public(
            &s3(
                r#""*""#,
                r#","Condition":{"IpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#,
            ),
            b,
            true,
        );
        public(
            &s3(
                r#""*""#,
                r#","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#,
            ),
            b,
            false,
        );
        public(
            &s3(
                r#""*""#,
                r#","Condition":{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#,
            ),
            b,
            true,
        );
        public(
            &s3(
                r#""*""#,
                r#","Condition":{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#,
            ),
            b,
            false,
        );
        public(
            &s3(
                r#""*""#,
                r#","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-123"}}"#,
            ),
            b,
            true,
        );
        public(
            &s3(
                r#""*""#,
                r#","Condition":{"StringEquals":{"aws:PrincipalAccount":"111122223333"}}"#,
            ),
            b,
            true,
        );
        // Attacker-chosen keys do not restrict (access-analyzer.md §1.4).
        public(
            &s3(
                r#""*""#,
                r#","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#,
            ),
            b,
            false,
        );
        // Trust policies: a web identity without a pinned audience is public.
        let trust = |cond: &str| {
            format!(
                r#"{{"Effect":"Allow","Principal":{{"Federated":"cognito-identity.amazonaws.com"}},"Action":"sts:AssumeRoleWithWebIdentity"{cond}}}"#
            )
        };
        let t = "AWS::IAM::AssumeRolePolicyDocument";
        public(&trust(""), t, false);
        public(
            &trust(
                r#","Condition":{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-east-1:1234"}}"#,
            ),
            t,
            true,
        );
        assert!(check_no_public_access(&p(&s3(r#""*""#, "")), "AWS::Nope::Thing").is_err());
    }
}
