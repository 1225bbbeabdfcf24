//! `RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL`.
//!
//! AWS check reference, "Security Warning – Restrict access to service principal": a resource
//! policy that allows a service principal without a condition on the calling resource lets the
//! service act for any customer (the confused deputy problem, IAM User Guide "The confused deputy
//! problem"); AWS recommends `aws:SourceArn`, `aws:SourceAccount`, `aws:SourceOrgID` or
//! `aws:SourceOrgPaths`. Role trust policies are left out: there the service assumes the role, and
//! AWS's separate suggestion (`RECOMMENDED_CONDITION_KEY_FOR_SERVICE_PRINCIPAL`) depends on
//! per-service data we do not have.

use super::{Ctx, PolicyType, Rule, finding, has_condition_key, is_allow};
use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::PrincipalSyntax;

pub const RULE: Rule = Rule {
    name: "service_principal",
    codes: &[(
        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
        Severity::SecurityWarning,
    )],
    check,
};

const SOURCE_KEYS: &[&str] = &[
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:SourceOwner",
];

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    if cx.policy_type() != PolicyType::ResourcePolicy || cx.options.is_role_trust() {
        return;
    }
    for st in cx.syntax.statements.iter().filter(|s| is_allow(s)) {
        let Some(PrincipalSyntax::Map { entries, .. }) = &st.principal else {
            continue;
        };
        // A statement that also names a trust-policy action is a role trust policy.
        if super::items(&st.action)
            .iter()
            .any(|a| a.value.to_ascii_lowercase().starts_with("sts:assumerole"))
        {
            continue;
        }
        if SOURCE_KEYS.iter().any(|k| has_condition_key(st, k)) {
            continue;
        }
        for (key, values) in entries.iter().filter(|(k, _)| k.value == "Service") {
            let _ = key;
            for v in &values.items {
                out.push(
                    finding(
                        "RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL",
                        Severity::SecurityWarning,
                        format!("Granting access to the service principal {} without specifying a source is overly permissive. Use aws:SourceArn, aws:SourceAccount, aws:SourceOrgID, or aws:SourceOrgPaths condition key to grant fine-grained access.", v.value),
                    )
                    .at(v.path.clone(), v.span),
                );
            }
        }
    }
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
        let base = r#""Effect":"Allow","Principal":{"Service":"cloudtrail.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*""#;
        check(base, resource(), &["RESTRICT_ACCESS_TO_SERVICE_PRINCIPAL"]);
        check(
            &format!(
                r#"{base},"Condition":{{"StringEquals":{{"aws:SourceAccount":"123456789012"}}}}"#
            ),
            resource(),
            &[],
        );
        check(
            &format!(
                r#"{base},"Condition":{{"ArnLike":{{"aws:SourceArn":"arn:aws:cloudtrail:*:123456789012:trail/*"}}}}"#
            ),
            resource(),
            &[],
        );
        check(
            r#""Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole""#,
            trust(),
            &[],
        );
        check(
            r#""Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole""#,
            resource(),
            &[],
        );
    }
}
