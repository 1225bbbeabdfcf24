//! Which statement elements a policy type requires or forbids: `MISSING_RESOURCE`,
//! `UNSUPPORTED_PRINCIPAL` and `MISSING_PRINCIPAL`.
//!
//! AWS check reference: "Error – Missing resource" (identity-based policies must include `Resource`
//! or `NotResource`), "Error – Unsupported principal" (the policy type does not support `Principal`),
//! "Error – Missing principal" (resource-based policies must include `Principal`). A statement that
//! has `NotPrincipal` has a principal element. SCPs get their own principal check
//! (`SCP_SYNTAX_ERROR_PRINCIPAL`, in `policy_type.rs`).

use super::{Ctx, PolicyType, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "elements",
    codes: &[
        ("MISSING_RESOURCE", Severity::Error),
        ("UNSUPPORTED_PRINCIPAL", Severity::Error),
        ("MISSING_PRINCIPAL", Severity::Error),
    ],
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for st in &cx.syntax.statements {
        match cx.policy_type() {
            PolicyType::IdentityPolicy => {
                if st.resource.is_none() && st.not_resource.is_none() {
                    out.push(
                        finding(
                            "MISSING_RESOURCE",
                            Severity::Error,
                            "Add a Resource or NotResource element to the policy statement."
                                .to_owned(),
                        )
                        .at(st.path.clone(), st.span),
                    );
                }
                for p in [&st.principal, &st.not_principal].into_iter().flatten() {
                    out.push(
                        finding(
                            "UNSUPPORTED_PRINCIPAL",
                            Severity::Error,
                            "The policy type IDENTITY_POLICY does not support the Principal element. Remove the Principal element.".to_owned(),
                        )
                        .at(p.path().clone(), p.span()),
                    );
                }
            }
            PolicyType::ResourcePolicy => {
                if st.principal.is_none() && st.not_principal.is_none() {
                    out.push(
                        finding(
                            "MISSING_PRINCIPAL",
                            Severity::Error,
                            "Add a Principal element to the policy statement.".to_owned(),
                        )
                        .at(st.path.clone(), st.span),
                    );
                }
            }
            PolicyType::ServiceControlPolicy | PolicyType::ResourceControlPolicy => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::RULE;

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(src, &options, &only), expected, "{src}");
    }

    #[test]
    fn table() {
        // moto-invalid-027: "Policy statement must contain resources."
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:ListBucket""#),
            identity(),
            &["MISSING_RESOURCE"],
        );
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","NotResource":"*""#),
            identity(),
            &[],
        );
        check(
            &stmt(r#""Effect":"Allow","Principal":"*","Action":"s3:ListBucket","Resource":"*""#),
            identity(),
            &["UNSUPPORTED_PRINCIPAL"],
        );
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*""#),
            resource(),
            &["MISSING_PRINCIPAL"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:ListBucket","Resource":"*""#,
            ),
            resource(),
            &[],
        );
        // Trust policies have no Resource.
        check(
            &stmt(
                r#""Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole""#,
            ),
            trust(),
            &[],
        );
    }
}
