//! `iam:PassRole` and `iam:CreateServiceLinkedRole` with broad resources: the six `PASS_ROLE_*`
//! SECURITY_WARNINGs and the six `CREATE_SLR_*` WARNINGs.
//!
//! AWS check reference, "Security Warning – Pass role with …" and "General Warning – Create SLR
//! with …". Which variant applies depends on how the action is named (`iam:PassRole` itself, a
//! pattern with a wildcard that covers it, or a `NotAction` that does not exclude it) and how the
//! resource is named (a `Resource` that covers every role, or `NotResource`). The page notes that a
//! resource such as `arn:aws:iam::*:role/Service*` need not be flagged; we flag a resource that
//! covers *every* role name (`*`, `arn:aws:iam::*:role/*`), tested with two unrelated role names.
//! AWS recommends `iam:PassedToService` (and, for service-linked roles, `iam:AWSServiceName`); a
//! statement that has that key is not flagged. Only `Allow` statements of identity policies grant
//! these actions.

use super::glob_subset::glob_match as glob;
use super::{Ctx, PolicyType, Rule, finding, has_condition_key, is_allow};
use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::{StatementSyntax, Str};

pub const RULE: Rule = Rule {
    name: "pass_role",
    codes: &[
        ("PASS_ROLE_WITH_STAR_IN_RESOURCE", Severity::SecurityWarning),
        (
            "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
            Severity::SecurityWarning,
        ),
        (
            "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
            Severity::SecurityWarning,
        ),
        ("PASS_ROLE_WITH_NOT_RESOURCE", Severity::SecurityWarning),
        (
            "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            Severity::SecurityWarning,
        ),
        (
            "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            Severity::SecurityWarning,
        ),
        ("CREATE_SLR_WITH_STAR_IN_RESOURCE", Severity::Warning),
        (
            "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
            Severity::Warning,
        ),
        (
            "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
            Severity::Warning,
        ),
        ("CREATE_SLR_WITH_NOT_RESOURCE", Severity::Warning),
        (
            "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            Severity::Warning,
        ),
        (
            "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            Severity::Warning,
        ),
    ],
    check,
};

/// How a statement names an action.
enum ActionMatch<'a> {
    Exact(&'a Str),
    Star(&'a Str),
    NotAction,
}

fn action_match<'a>(st: &'a StatementSyntax, action: &str) -> Option<ActionMatch<'a>> {
    if let Some(list) = &st.action {
        let matching: Vec<&Str> = list
            .items
            .iter()
            .filter(|a| glob(&a.value, action, true))
            .collect();
        if let Some(star) = matching.iter().find(|a| a.value.contains(['*', '?'])) {
            return Some(ActionMatch::Star(star));
        }
        return matching.first().map(|a| ActionMatch::Exact(a));
    }
    if let Some(list) = &st.not_action
        && !list.items.iter().any(|a| glob(&a.value, action, true))
    {
        return Some(ActionMatch::NotAction);
    }
    None
}

/// A `Resource` entry that covers every role name.
fn star_resource(st: &StatementSyntax) -> Option<&Str> {
    let probes = [
        "arn:aws:iam::111122223333:role/0",
        "arn:aws:iam::444455556666:role/zZ-probe/x",
    ];
    super::items(&st.resource)
        .iter()
        .find(|r| probes.iter().all(|p| glob(&r.value, p, false)))
}

struct Variant {
    action: &'static str,
    condition_key: &'static str,
    codes: [&'static str; 6],
    severity: Severity,
    messages: [&'static str; 6],
}

const PASS_ROLE: Variant = Variant {
    action: "iam:PassRole",
    condition_key: "iam:PassedToService",
    codes: [
        "PASS_ROLE_WITH_STAR_IN_RESOURCE",
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        "PASS_ROLE_WITH_NOT_RESOURCE",
        "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
    ],
    severity: Severity::SecurityWarning,
    messages: [
        "Using the iam:PassRole action with wildcards (*) in the resource can be overly permissive because it allows iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
        "Using wildcards (*) in the action and the resource can be overly permissive because it allows iam:PassRole permissions on all resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
        "Using a resource with wildcards (*) and NotAction can be overly permissive because it allows iam:PassRole permissions on all resources. We recommend that you specify resource ARNs or add the iam:PassedToService condition key to your statement.",
        "Using the iam:PassRole action with NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
        "Using an action with a wildcard (*) and NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
        "Using NotAction with NotResource can be overly permissive because it can allow iam:PassRole permissions on multiple resources.. We recommend that you specify resource ARNs instead.",
    ],
};

const CREATE_SLR: Variant = Variant {
    action: "iam:CreateServiceLinkedRole",
    condition_key: "iam:AWSServiceName",
    codes: [
        "CREATE_SLR_WITH_STAR_IN_RESOURCE",
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
        "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
        "CREATE_SLR_WITH_NOT_RESOURCE",
        "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
        "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
    ],
    severity: Severity::Warning,
    messages: [
        "Using the iam:CreateServiceLinkedRole action with wildcards (*) in the resource can allow creation of unintended service-linked roles. We recommend that you specify resource ARNs instead.",
        "Using wildcards (*) in the action and the resource can allow creation of unintended service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify resource ARNs instead.",
        "Using a resource with wildcards (*) and NotAction can allow creation of unintended service-linked roles because it allows iam:CreateServiceLinkedRole permissions on all resources. We recommend that you specify resource ARNs instead.",
        "Using the iam:CreateServiceLinkedRole action with NotResource can allow creation of unintended service-linked roles for multiple resources. We recommend that you specify resource ARNs instead.",
        "Using an action with a wildcard(*) and NotResource can allow creation of unintended service-linked roles because it can allow iam:CreateServiceLinkedRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
        "Using NotAction with NotResource can allow creation of unintended service-linked roles because it allows iam:CreateServiceLinkedRole permissions on multiple resources. We recommend that you specify resource ARNs instead.",
    ],
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    if cx.policy_type() != PolicyType::IdentityPolicy {
        return;
    }
    for st in cx.syntax.statements.iter().filter(|s| is_allow(s)) {
        for variant in [&PASS_ROLE, &CREATE_SLR] {
            if has_condition_key(st, variant.condition_key) {
                continue;
            }
            let Some(am) = action_match(st, variant.action) else {
                continue;
            };
            let (res_path, res_span, not_resource) = if let Some(r) = star_resource(st) {
                (r.path.clone(), r.span, false)
            } else if let Some(nr) = &st.not_resource {
                // A NotResource that excludes every role leaves nothing to pass.
                if star_resource_list(&nr.items) {
                    continue;
                }
                (nr.path.clone(), nr.span, true)
            } else {
                continue;
            };
            let (i, act_path, act_span) = match (&am, not_resource) {
                (ActionMatch::Exact(a), false) => (0, a.path.clone(), a.span),
                (ActionMatch::Star(a), false) => (1, a.path.clone(), a.span),
                (ActionMatch::NotAction, false) => (2, not_action_loc(st).0, not_action_loc(st).1),
                (ActionMatch::Exact(a), true) => (3, a.path.clone(), a.span),
                (ActionMatch::Star(a), true) => (4, a.path.clone(), a.span),
                (ActionMatch::NotAction, true) => (5, not_action_loc(st).0, not_action_loc(st).1),
            };
            let (Some(code), Some(message)) = (variant.codes.get(i), variant.messages.get(i))
            else {
                continue;
            };
            out.push(
                finding(code, variant.severity, (*message).to_owned())
                    .at(act_path, act_span)
                    .at(res_path, res_span),
            );
        }
    }
}

fn star_resource_list(items: &[Str]) -> bool {
    items
        .iter()
        .any(|r| glob(&r.value, "arn:aws:iam::111122223333:role/0", false))
}

fn not_action_loc(st: &StatementSyntax) -> (crate::diagnostic::Path, perimeter_json::Span) {
    st.not_action
        .as_ref()
        .map(|l| (l.path.clone(), l.span))
        .unwrap_or_else(|| (st.path.clone(), st.span))
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::RULE;

    fn check(body: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(&stmt(body), &options, &only), expected, "{body}");
    }

    #[test]
    fn table() {
        // Public user reports: `Allow *:*` on `*` gives exactly these two (access-analyzer.md §4.2).
        check(
            r#""Effect":"Allow","Action":"*:*","Resource":"*""#,
            identity(),
            &[
                "CREATE_SLR_WITH_STAR_IN_ACTION_AND_RESOURCE",
                "PASS_ROLE_WITH_STAR_IN_ACTION_AND_RESOURCE",
            ],
        );
        check(
            r#""Effect":"Allow","Action":"iam:PassRole","Resource":"*""#,
            identity(),
            &["PASS_ROLE_WITH_STAR_IN_RESOURCE"],
        );
        check(
            r#""Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/*""#,
            identity(),
            &["PASS_ROLE_WITH_STAR_IN_RESOURCE"],
        );
        // tf-policy-validator's recorded ValidatePolicy answer: no findings for `role/topping-*`.
        check(
            r#""Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::123456789012:role/topping-*","Condition":{"StringEquals":{"iam:PassedToService":"lambda.amazonaws.com"}}"#,
            identity(),
            &[],
        );
        check(
            r#""Effect":"Allow","Action":"iam:PassRole","Resource":"arn:aws:iam::*:role/Service*""#,
            identity(),
            &[],
        );
        check(
            r#""Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{"StringEquals":{"iam:PassedToService":"ec2.amazonaws.com"}}"#,
            identity(),
            &[],
        );
        check(
            r#""Effect":"Allow","NotAction":"s3:*","Resource":"*""#,
            identity(),
            &[
                "CREATE_SLR_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
                "PASS_ROLE_WITH_STAR_IN_RESOURCE_AND_NOT_ACTION",
            ],
        );
        check(
            r#""Effect":"Allow","NotAction":["iam:*","organizations:*"],"Resource":"*""#,
            identity(),
            &[],
        );
        check(
            r#""Effect":"Allow","Action":"iam:PassRole","NotResource":"arn:aws:iam::123456789012:role/admin""#,
            identity(),
            &["PASS_ROLE_WITH_NOT_RESOURCE"],
        );
        check(
            r#""Effect":"Allow","Action":"iam:*","NotResource":"arn:aws:iam::123456789012:role/admin""#,
            identity(),
            &[
                "CREATE_SLR_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
                "PASS_ROLE_WITH_STAR_IN_ACTION_AND_NOT_RESOURCE",
            ],
        );
        check(
            r#""Effect":"Allow","NotAction":"s3:*","NotResource":"arn:aws:s3:::b""#,
            identity(),
            &[
                "CREATE_SLR_WITH_NOT_ACTION_AND_NOT_RESOURCE",
                "PASS_ROLE_WITH_NOT_ACTION_AND_NOT_RESOURCE",
            ],
        );
        check(
            r#""Effect":"Allow","Action":"iam:CreateServiceLinkedRole","Resource":"*""#,
            identity(),
            &["CREATE_SLR_WITH_STAR_IN_RESOURCE"],
        );
        check(
            r#""Effect":"Deny","Action":"iam:PassRole","Resource":"*""#,
            identity(),
            &[],
        );
    }
}
