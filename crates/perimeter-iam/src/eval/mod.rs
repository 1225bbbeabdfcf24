//! The reference evaluator: the concrete IAM decision logic.
//!
//! [`eval_request`] decides one request (a caller, an action, a resource and a context) against a
//! [`PolicySet`]: identity-based policies, a permissions boundary, a session policy, the SCPs of every
//! organization level above the caller's account, the RCPs above the resource's account, and one
//! resource-based policy. It follows the AWS policy evaluation logic
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html> and
//! …/reference_policies_evaluation-logic-cross-account.html); `docs/iam-evaluation.md` maps every step.
//!
//! This evaluator is the oracle that every symbolic answer is tested against, so it is written to be
//! plainly correct first. It is still fast: policies are compiled once ([`PolicyDocument::new`]),
//! action names and context keys are folded once per [`Request`], and a decision allocates only for
//! what it reports (matched statements, missing keys).

mod condition;
mod decide;
mod glob;
pub mod principal;
pub mod simulate;
pub mod values;

pub use decide::{eval_policy, eval_request};
pub use principal::{Caller, PrincipalMatch, match_principal};

use crate::model::{Clause, Policy, Statement};
use crate::pattern::simple_lower;

use glob::Glob;

/// The outcome, as `SimulatePolicy` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Allowed,
    ExplicitDeny,
    ImplicitDeny,
}

impl Decision {
    /// `allowed`, `explicitDeny` or `implicitDeny`.
    pub fn as_aws(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::ExplicitDeny => "explicitDeny",
            Decision::ImplicitDeny => "implicitDeny",
        }
    }
}

/// `ContextKeyType` of `SimulateCustomPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContextKeyType {
    String,
    StringList,
    Numeric,
    NumericList,
    Boolean,
    BooleanList,
    Ip,
    IpList,
    Binary,
    BinaryList,
    Date,
    DateList,
}

impl ContextKeyType {
    pub const ALL: [ContextKeyType; 12] = [
        ContextKeyType::String,
        ContextKeyType::StringList,
        ContextKeyType::Numeric,
        ContextKeyType::NumericList,
        ContextKeyType::Boolean,
        ContextKeyType::BooleanList,
        ContextKeyType::Ip,
        ContextKeyType::IpList,
        ContextKeyType::Binary,
        ContextKeyType::BinaryList,
        ContextKeyType::Date,
        ContextKeyType::DateList,
    ];

    pub fn as_aws(self) -> &'static str {
        match self {
            ContextKeyType::String => "string",
            ContextKeyType::StringList => "stringList",
            ContextKeyType::Numeric => "numeric",
            ContextKeyType::NumericList => "numericList",
            ContextKeyType::Boolean => "boolean",
            ContextKeyType::BooleanList => "booleanList",
            ContextKeyType::Ip => "ip",
            ContextKeyType::IpList => "ipList",
            ContextKeyType::Binary => "binary",
            ContextKeyType::BinaryList => "binaryList",
            ContextKeyType::Date => "date",
            ContextKeyType::DateList => "dateList",
        }
    }

    pub fn from_aws(name: &str) -> Option<ContextKeyType> {
        ContextKeyType::ALL.into_iter().find(|t| t.as_aws() == name)
    }

    /// Whether the key is multi-valued (`…List`).
    pub fn is_list(self) -> bool {
        self.as_aws().ends_with("List")
    }

    /// Whether `value` is well-formed for this type (checked when the request is built, so that a
    /// malformed context is an input error rather than a silent mismatch).
    pub fn accepts(self, value: &str) -> bool {
        use ContextKeyType::*;
        match self {
            String | StringList => true,
            Numeric | NumericList => values::Decimal::parse(value).is_some(),
            Boolean | BooleanList => values::parse_bool(value).is_some(),
            Ip | IpList => values::parse_ip(value).is_some(),
            Binary | BinaryList => values::decode_base64(value).is_some(),
            Date | DateList => values::parse_date(value).is_some(),
        }
    }
}

/// One context key with its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextEntry {
    /// The key as given.
    pub key: String,
    pub key_type: ContextKeyType,
    pub values: Vec<String>,
}

/// The request context: condition keys and their values. Keys compare ASCII case-insensitively
/// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html>:
/// "condition key names are not case-sensitive").
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Context {
    entries: Vec<ContextEntry>,
}

impl Context {
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a key (replacing an earlier entry with the same key in any case).
    pub fn insert(&mut self, key: &str, key_type: ContextKeyType, values: Vec<String>) {
        self.entries.retain(|e| !e.key.eq_ignore_ascii_case(key));
        self.entries.push(ContextEntry {
            key: key.to_owned(),
            key_type,
            values,
        });
    }

    /// Sets a single string value.
    pub fn with(mut self, key: &str, value: &str) -> Context {
        self.insert(key, ContextKeyType::String, vec![value.to_owned()]);
        self
    }

    /// Sets a list of values.
    pub fn with_list(mut self, key: &str, key_type: ContextKeyType, values: &[&str]) -> Context {
        self.insert(
            key,
            key_type,
            values.iter().map(|v| (*v).to_owned()).collect(),
        );
        self
    }

    pub fn get(&self, key: &str) -> Option<&ContextEntry> {
        self.entries
            .iter()
            .find(|e| e.key.eq_ignore_ascii_case(key))
    }

    pub fn entries(&self) -> &[ContextEntry] {
        &self.entries
    }
}

/// One authorization request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    pub caller: Caller,
    /// The action as given (`s3:GetObject`).
    pub action: String,
    /// The action folded to lowercase: actions match case-insensitively.
    action_folded: String,
    /// [`service_hash`] of the folded action's service prefix.
    service_hash: u64,
    /// The resource ARN (or `*`).
    pub resource: String,
    pub context: Context,
}

impl Request {
    pub fn new(caller: Caller, action: &str, resource: &str, context: Context) -> Request {
        let action_folded: String = action.chars().map(simple_lower).collect();
        let service_hash = service_hash(action_folded.split(':').next().unwrap_or_default());
        Request {
            caller,
            action: action.to_owned(),
            action_folded,
            service_hash,
            resource: resource.to_owned(),
            context,
        }
    }

    /// The account that owns the resource: the account component of the resource ARN when it has one,
    /// else `fallback` (the `ResourceOwner` of the simulation).
    pub fn resource_account<'a>(&'a self, fallback: Option<&'a str>) -> Option<&'a str> {
        crate::arn::Arn::parse(&self.resource)
            .map(|a| a.account)
            .filter(|a| !a.is_empty())
            .or(fallback)
    }
}

/// What kind of resource-based policy the resource has; some must always allow the principal.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum ResourcePolicyKind {
    /// An S3 bucket policy, SQS queue policy, … : within one account, an identity-based Allow alone
    /// suffices.
    #[default]
    Generic,
    /// An IAM role trust policy: it must always allow the principal.
    RoleTrust,
    /// A KMS key policy: it must always allow the principal (naming the account delegates to IAM).
    KmsKey,
}

impl ResourcePolicyKind {
    /// Whether an identity-based Allow alone is insufficient.
    pub fn must_allow(self) -> bool {
        !matches!(self, ResourcePolicyKind::Generic)
    }
}

/// The kinds of policies in a decision, for reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PolicyType {
    Identity,
    PermissionsBoundary,
    Session,
    ServiceControl,
    ResourceControl,
    Resource,
}

impl PolicyType {
    /// The key used in `EvalDecisionDetails`.
    pub fn as_detail_key(self) -> &'static str {
        match self {
            PolicyType::Identity => "IAM Policy",
            PolicyType::PermissionsBoundary => "Permissions Boundary Policy",
            PolicyType::Session => "Session Policy",
            PolicyType::ServiceControl => "Service Control Policy",
            PolicyType::ResourceControl => "Resource Control Policy",
            PolicyType::Resource => "Resource Policy",
        }
    }
}

/// A compiled `Action`/`Resource` clause.
#[derive(Clone, Debug)]
struct CompiledClause {
    negated: bool,
    globs: Vec<CompiledPattern>,
}

#[derive(Clone, Debug)]
enum CompiledPattern {
    Fixed(Glob),
    /// Has policy variables: substituted per request.
    Vars(crate::pattern::Template),
}

#[derive(Clone, Debug)]
struct CompiledStatement {
    action: CompiledClause,
    resource: Option<CompiledClause>,
}

/// A policy with its id and its compiled patterns.
#[derive(Clone, Debug)]
pub struct PolicyDocument {
    /// How reports name the policy (`PolicyInputList.1`, a policy ARN, …).
    pub id: String,
    pub policy: Policy,
    compiled: Vec<CompiledStatement>,
}

impl PolicyDocument {
    pub fn new(id: impl Into<String>, policy: Policy) -> PolicyDocument {
        let compiled = policy.statements.iter().map(compile_statement).collect();
        PolicyDocument {
            id: id.into(),
            policy,
            compiled,
        }
    }

    /// Parses, lowers and compiles; the diagnostics on any ERROR.
    pub fn parse(
        id: impl Into<String>,
        src: &str,
    ) -> Result<PolicyDocument, Vec<crate::Diagnostic>> {
        Ok(PolicyDocument::new(id, crate::parse_and_lower(src)?))
    }
}

fn compile_statement(st: &Statement) -> CompiledStatement {
    let action = compile_clause(&st.action, |t| {
        Glob::new(t, true).map_or_else(|| CompiledPattern::Vars(t.clone()), CompiledPattern::Fixed)
    });
    let resource = st.resource.as_ref().map(|r| {
        compile_clause(r, |t| {
            Glob::resource(t)
                .map_or_else(|| CompiledPattern::Vars(t.clone()), CompiledPattern::Fixed)
        })
    });
    CompiledStatement { action, resource }
}

fn compile_clause(
    c: &Clause,
    f: impl Fn(&crate::pattern::Template) -> CompiledPattern,
) -> CompiledClause {
    CompiledClause {
        negated: c.negated,
        globs: c.patterns.iter().map(f).collect(),
    }
}

/// Everything that takes part in a decision.
#[derive(Clone, Debug, Default)]
pub struct PolicySet {
    /// Identity-based policies of the caller (user, its groups, or role; inline and managed).
    pub identity: Vec<PolicyDocument>,
    /// The permissions boundary (empty: none set).
    pub permissions_boundary: Vec<PolicyDocument>,
    /// Session policies passed when the session was created (empty: none).
    pub session: Vec<PolicyDocument>,
    /// SCPs of the caller's account, one list per level from the root through the OUs to the account.
    /// Empty: no SCPs apply (no organization, or the management account).
    pub scp_levels: Vec<Vec<PolicyDocument>>,
    /// RCPs of the resource's account, one list per level, as for SCPs.
    pub rcp_levels: Vec<Vec<PolicyDocument>>,
    /// The resource-based policy of the resource, if any.
    pub resource: Option<PolicyDocument>,
    pub resource_kind: ResourcePolicyKind,
    /// The account that owns resources whose ARN names no account (S3 buckets, `*`).
    pub resource_owner: Option<String>,
}

/// Where a matched statement comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StatementRef {
    pub policy_type: PolicyType,
    /// The SCP/RCP level (0 = root); 0 for other types.
    pub level: usize,
    /// The index of the policy in its list.
    pub policy: usize,
    /// The index of the statement in the policy's model (`Policy::statements`).
    pub statement: usize,
}

impl PolicySet {
    /// The document a [`StatementRef`] points to.
    pub fn document(&self, r: &StatementRef) -> Option<&PolicyDocument> {
        match r.policy_type {
            PolicyType::Identity => self.identity.get(r.policy),
            PolicyType::PermissionsBoundary => self.permissions_boundary.get(r.policy),
            PolicyType::Session => self.session.get(r.policy),
            PolicyType::ServiceControl => self.scp_levels.get(r.level)?.get(r.policy),
            PolicyType::ResourceControl => self.rcp_levels.get(r.level)?.get(r.policy),
            PolicyType::Resource => self.resource.as_ref(),
        }
    }

    /// The statement a [`StatementRef`] points to.
    pub fn statement(&self, r: &StatementRef) -> Option<&Statement> {
        self.document(r)?.policy.statements.get(r.statement)
    }
}

/// The decision and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// For `explicitDeny`, the Deny statements that matched; for `allowed`, the Allow statements that
    /// matched; empty for `implicitDeny`.
    pub matched: Vec<StatementRef>,
    /// Context keys that conditions of applicable statements asked for and the request did not carry.
    pub missing_context: Vec<String>,
    /// The verdict of each policy type that took part.
    pub details: DecisionDetails,
    /// `None` when no permissions boundary applies.
    pub allowed_by_permissions_boundary: Option<bool>,
    /// `None` when no SCPs apply.
    pub allowed_by_organizations: Option<bool>,
}

/// The verdict of each policy type that took part in a decision (no allocation).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DecisionDetails {
    by_type: [Option<Decision>; 6],
}

impl DecisionDetails {
    const TYPES: [PolicyType; 6] = [
        PolicyType::Identity,
        PolicyType::PermissionsBoundary,
        PolicyType::Session,
        PolicyType::ServiceControl,
        PolicyType::ResourceControl,
        PolicyType::Resource,
    ];

    fn slot(t: PolicyType) -> usize {
        match t {
            PolicyType::Identity => 0,
            PolicyType::PermissionsBoundary => 1,
            PolicyType::Session => 2,
            PolicyType::ServiceControl => 3,
            PolicyType::ResourceControl => 4,
            PolicyType::Resource => 5,
        }
    }

    pub(crate) fn set(&mut self, t: PolicyType, d: Decision) {
        if let Some(s) = self.by_type.get_mut(DecisionDetails::slot(t)) {
            *s = Some(d);
        }
    }

    /// The verdict of one policy type; `None` if it did not take part.
    pub fn get(&self, t: PolicyType) -> Option<Decision> {
        self.by_type
            .get(DecisionDetails::slot(t))
            .copied()
            .flatten()
    }

    /// The policy types that took part, in pipeline order, with their verdicts.
    pub fn iter(&self) -> impl Iterator<Item = (PolicyType, Decision)> + '_ {
        DecisionDetails::TYPES
            .into_iter()
            .zip(self.by_type)
            .filter_map(|(t, d)| d.map(|d| (t, d)))
    }
}

/// FNV-1a of a service prefix, for a quick "same service?" test.
pub(crate) fn service_hash(service: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in service.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Context keys noted as absent during one evaluation.
#[derive(Clone, Debug, Default)]
pub(crate) struct Missing {
    keys: Vec<String>,
}

impl Missing {
    fn note(&mut self, key: &str, ctx: &Context) {
        if ctx.get(key).is_none() && !self.keys.iter().any(|k| k.eq_ignore_ascii_case(key)) {
            self.keys.push(key.to_owned());
        }
    }
}
