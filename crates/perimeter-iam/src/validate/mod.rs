//! `validate-policy`: the checks of Access Analyzer's `ValidatePolicy`, offline.
//!
//! [`validate_policy`] parses a policy ([`crate::syntax::parse_policy`]), lowers it
//! ([`crate::model::lower_policy`]) and runs every rule in [`RULES`] over the syntax tree. Each rule
//! lives in its own file with a doc comment that cites the AWS page it follows, usually the
//! "IAM policy validation check reference"
//! (<https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html>).
//!
//! Invariants:
//! - rules read the syntax tree only, so every finding has a path and a span into the text;
//! - no rule panics or recurses on user input; a rule that cannot decide stays silent;
//! - codes are AWS's issue codes where the check is AWS's, `PERIMETER_*` where it is ours (for
//!   example where IAM itself rejects a document that `ValidatePolicy` only warns about);
//! - findings come out sorted by the start of their first location, then by code, as AWS lists them.
//!
//! Rules that need the service catalog (actions, condition keys and their types) get it through
//! [`crate::catalog`]; when a lookup is not possible they say nothing.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Policy, Version, lower_policy};
use crate::syntax::{PolicySyntax, parse_policy};

mod actions;
mod arn_format;
mod catalog_actions;
mod catalog_keys;
mod condition_formats;
mod condition_keys;
mod condition_values;
mod elements;
mod empty;
mod glob_subset;
mod ip;
mod pass_role;
mod policy_type;
mod principals;
mod redundant;
mod resource_type;
mod role_trust;
mod service_principal;
mod sid;
mod size;
mod tag_keys;
mod variables;
mod version;

#[cfg(test)]
mod test_support;

/// The `policyType` of a `ValidatePolicy` request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PolicyType {
    IdentityPolicy,
    ResourcePolicy,
    ServiceControlPolicy,
    ResourceControlPolicy,
}

impl PolicyType {
    pub const ALL: [PolicyType; 4] = [
        PolicyType::IdentityPolicy,
        PolicyType::ResourcePolicy,
        PolicyType::ServiceControlPolicy,
        PolicyType::ResourceControlPolicy,
    ];

    /// The API spelling (`IDENTITY_POLICY`, …).
    pub fn as_aws(self) -> &'static str {
        match self {
            PolicyType::IdentityPolicy => "IDENTITY_POLICY",
            PolicyType::ResourcePolicy => "RESOURCE_POLICY",
            PolicyType::ServiceControlPolicy => "SERVICE_CONTROL_POLICY",
            PolicyType::ResourceControlPolicy => "RESOURCE_CONTROL_POLICY",
        }
    }

    pub fn from_aws(text: &str) -> Option<PolicyType> {
        PolicyType::ALL.into_iter().find(|t| t.as_aws() == text)
    }
}

/// The `validatePolicyResourceType` of a `ValidatePolicy` request (only with `RESOURCE_POLICY`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValidatePolicyResourceType {
    S3Bucket,
    S3AccessPoint,
    S3MultiRegionAccessPoint,
    S3ObjectLambdaAccessPoint,
    IamAssumeRolePolicyDocument,
    DynamoDbTable,
}

impl ValidatePolicyResourceType {
    pub const ALL: [ValidatePolicyResourceType; 6] = [
        ValidatePolicyResourceType::S3Bucket,
        ValidatePolicyResourceType::S3AccessPoint,
        ValidatePolicyResourceType::S3MultiRegionAccessPoint,
        ValidatePolicyResourceType::S3ObjectLambdaAccessPoint,
        ValidatePolicyResourceType::IamAssumeRolePolicyDocument,
        ValidatePolicyResourceType::DynamoDbTable,
    ];

    pub fn as_aws(self) -> &'static str {
        match self {
            ValidatePolicyResourceType::S3Bucket => "AWS::S3::Bucket",
            ValidatePolicyResourceType::S3AccessPoint => "AWS::S3::AccessPoint",
            ValidatePolicyResourceType::S3MultiRegionAccessPoint => {
                "AWS::S3::MultiRegionAccessPoint"
            }
            ValidatePolicyResourceType::S3ObjectLambdaAccessPoint => {
                "AWS::S3ObjectLambda::AccessPoint"
            }
            ValidatePolicyResourceType::IamAssumeRolePolicyDocument => {
                "AWS::IAM::AssumeRolePolicyDocument"
            }
            ValidatePolicyResourceType::DynamoDbTable => "AWS::DynamoDB::Table",
        }
    }

    pub fn from_aws(text: &str) -> Option<ValidatePolicyResourceType> {
        ValidatePolicyResourceType::ALL
            .into_iter()
            .find(|t| t.as_aws() == text)
    }
}

/// What to validate a document as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ValidateOptions {
    pub policy_type: PolicyType,
    pub resource_type: Option<ValidatePolicyResourceType>,
}

impl ValidateOptions {
    pub fn new(policy_type: PolicyType) -> ValidateOptions {
        ValidateOptions {
            policy_type,
            resource_type: None,
        }
    }

    /// A role trust policy: named so by its resource type.
    pub fn is_role_trust(&self) -> bool {
        self.policy_type == PolicyType::ResourcePolicy
            && self.resource_type == Some(ValidatePolicyResourceType::IamAssumeRolePolicyDocument)
    }
}

/// What every rule sees.
pub struct Ctx<'a> {
    pub src: &'a str,
    pub syntax: &'a PolicySyntax,
    /// The lowered model (statements with an undefined meaning left out).
    pub policy: &'a Policy,
    pub options: ValidateOptions,
}

impl Ctx<'_> {
    pub fn policy_type(&self) -> PolicyType {
        self.options.policy_type
    }
    pub fn version(&self) -> Version {
        self.policy.version
    }
}

/// One validation rule: the codes it can report and the function that checks.
pub struct Rule {
    /// The rule's name (its file), for documentation and tests.
    pub name: &'static str,
    pub codes: &'static [(&'static str, Severity)],
    pub check: fn(&Ctx<'_>, &mut Vec<Diagnostic>),
}

/// Every rule, in no particular order (findings are sorted afterwards).
pub const RULES: &[Rule] = &[
    version::RULE,
    sid::RULE,
    empty::RULE,
    elements::RULE,
    policy_type::SCP_RULE,
    policy_type::NOT_ELEMENTS_RULE,
    size::RULE,
    actions::RULE,
    arn_format::RULE,
    variables::RULE,
    condition_keys::RULE,
    condition_values::RULE,
    condition_formats::RULE,
    ip::RULE,
    principals::RULE,
    role_trust::RULE,
    service_principal::RULE,
    pass_role::RULE,
    redundant::RULE,
    catalog_actions::RULE,
    catalog_keys::RULE,
    tag_keys::RULE,
    resource_type::RULE,
];

/// The codes produced by the parser and the lowering, which run before the rules.
pub const FRONT_END_CODES: &[(&str, Severity)] = &[
    ("JSON_SYNTAX_ERROR", Severity::Error),
    ("INVALID_POLICY_ELEMENT", Severity::Error),
    ("MISSING_STATEMENT", Severity::Error),
    ("PERIMETER_DUPLICATE_KEY", Severity::Error),
    ("PERIMETER_NULL_IN_LIST", Severity::Suggestion),
    ("INVALID_VERSION", Severity::Error),
    ("MISSING_EFFECT", Severity::Error),
    ("INVALID_EFFECT", Severity::Error),
    ("UNSUPPORTED_ELEMENT_COMBINATION", Severity::Error),
    ("MISSING_ACTION", Severity::Error),
    ("INVALID_CONDITION_OPERATOR", Severity::Error),
    ("INVALID_PRINCIPAL_FORMAT", Severity::Error),
    ("INVALID_PRINCIPAL_KEY", Severity::Error),
];

/// Every code validate-policy can report, with its severity, sorted by code.
pub fn all_codes() -> Vec<(&'static str, Severity)> {
    let mut out: Vec<(&'static str, Severity)> = FRONT_END_CODES.to_vec();
    for r in RULES {
        out.extend_from_slice(r.codes);
    }
    out.sort();
    out.dedup();
    out
}

/// Validates a policy document. Never panics; every problem is a finding.
pub fn validate_policy(src: &str, options: &ValidateOptions) -> Vec<Diagnostic> {
    let parsed = parse_policy(src);
    let mut out = parsed.diagnostics;
    if let Some(syntax) = parsed.syntax {
        let (policy, diags) = lower_policy(&syntax);
        out.extend(diags);
        let cx = Ctx {
            src,
            syntax: &syntax,
            policy: &policy,
            options: *options,
        };
        for rule in RULES {
            (rule.check)(&cx, &mut out);
        }
    }
    sort_findings(&mut out);
    out
}

/// Sorts by the first location (start offset), then code; findings without a location come first.
pub fn sort_findings(findings: &mut [Diagnostic]) {
    findings.sort_by(|a, b| {
        let ka = a.locations.first().map(|l| l.span.start);
        let kb = b.locations.first().map(|l| l.span.start);
        ka.cmp(&kb).then_with(|| a.code.cmp(b.code))
    });
}

/// Whether a set of findings makes `validate-policy` exit 1: any ERROR or SECURITY_WARNING.
pub fn is_blocking(findings: &[Diagnostic]) -> bool {
    findings
        .iter()
        .any(|d| matches!(d.severity, Severity::Error | Severity::SecurityWarning))
}

/// The `learnMoreLink` of a finding: the section of AWS's check reference page.
/// `PERIMETER_*` codes link to this project's rule documentation instead (a path in the repository,
/// `docs/validation-rules.md`, with the code's heading as the anchor).
pub fn learn_more_link(code: &str, severity: Severity) -> String {
    if let Some(rest) = code.strip_prefix("PERIMETER_") {
        return format!(
            "docs/validation-rules.md#perimeter_{}",
            rest.to_ascii_lowercase()
        );
    }
    let sev = match severity {
        Severity::Error => "error",
        Severity::SecurityWarning => "security-warning",
        Severity::Warning => "general-warning",
        Severity::Suggestion => "suggestion",
    };
    format!(
        "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-{sev}-{}",
        kebab(code)
    )
}

/// `MISMATCHED_ACTION_FOR_PRINCIPAL` → `mismatched-action-for-principal`, with AWS's spellings for
/// the anchors that do not follow the rule (`not-action` → `notaction` in a few headings).
fn kebab(code: &str) -> String {
    let k = code.to_ascii_lowercase().replace('_', "-");
    match k.as_str() {
        "scp-syntax-error-allow-not-action" => "scp-syntax-error-allow-notaction".to_owned(),
        "scp-syntax-error-not-resource" => "scp-syntax-error-notresource".to_owned(),
        "deny-not-action-with-unsupported-tag-condition-key-for-service" => {
            "deny-notaction-with-unsupported-tag-condition-key-for-service".to_owned()
        }
        "allow-not-action-with-unsupported-tag-condition-key-for-service" => {
            "allow-notaction-with-unsupported-tag-condition-key-for-service".to_owned()
        }
        "empty-array-condition-if-exists" => "empty-array-condition-ifexists".to_owned(),
        _ => k,
    }
}

// ---------------------------------------------------------------------------------------------
// Small helpers shared by the rules.

use crate::syntax::{StatementSyntax, Str, StrList};

pub(crate) fn finding(code: &'static str, severity: Severity, message: String) -> Diagnostic {
    Diagnostic::new(code, severity, message)
}

/// The items of an optional list.
pub(crate) fn items(list: &Option<StrList>) -> &[Str] {
    list.as_ref().map_or(&[], |l| l.items.as_slice())
}

/// The `Effect` of a statement when it is exactly `Allow`.
pub(crate) fn is_allow(st: &StatementSyntax) -> bool {
    st.effect.as_ref().is_some_and(|e| e.value == "Allow")
}

/// Every condition key of a statement, with its operator text.
pub(crate) fn condition_keys(
    st: &StatementSyntax,
) -> impl Iterator<
    Item = (
        &crate::syntax::ConditionOperatorSyntax,
        &crate::syntax::ConditionKeySyntax,
    ),
> {
    st.condition
        .iter()
        .flat_map(|c| c.operators.iter())
        .flat_map(|op| op.keys.iter().map(move |k| (op, k)))
}

/// The `Effect` of a statement when it is exactly `Deny`.
pub(crate) fn is_deny(st: &StatementSyntax) -> bool {
    st.effect.as_ref().is_some_and(|e| e.value == "Deny")
}

/// Whether the statement has a condition on `key` (case-insensitive), under any operator.
pub(crate) fn has_condition_key(st: &StatementSyntax, key: &str) -> bool {
    condition_keys(st).any(|(_, k)| k.key.value.eq_ignore_ascii_case(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learn_more_links_follow_aws() {
        // access-analyzer.md §4.1 and the awscli example (examples/accessanalyzer/validate-policy.rst).
        assert_eq!(
            learn_more_link("EMPTY_SID_VALUE", Severity::Suggestion),
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-suggestion-empty-sid-value"
        );
        assert_eq!(
            learn_more_link("MISMATCHED_ACTION_FOR_PRINCIPAL", Severity::Error),
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-mismatched-action-for-principal"
        );
        // Anchor from the check reference page: "…-general-warning-missing-version".
        assert!(
            learn_more_link("MISSING_VERSION", Severity::Warning).ends_with(
                "#access-analyzer-reference-policy-checks-general-warning-missing-version"
            )
        );
    }

    #[test]
    fn at_least_sixty_codes() {
        let codes = all_codes();
        assert!(codes.len() >= 60, "{}", codes.len());
        // Each code has exactly one severity.
        for w in codes.windows(2) {
            assert_ne!(w[0].0, w[1].0, "{} listed with two severities", w[0].0);
        }
    }

    #[test]
    fn never_panics_on_odd_documents() {
        let opts = ValidateOptions::new(PolicyType::IdentityPolicy);
        for src in [
            "",
            "{",
            "[]",
            "null",
            "{\"Statement\":{}}",
            "{\"Statement\":[{},{}]}",
            "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"\",\"Resource\":\"\"}}",
            "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\":\",\"Resource\":\"arn:::::\"}}",
            "{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"${\"}}",
        ] {
            let _ = validate_policy(src, &opts);
        }
    }
}
