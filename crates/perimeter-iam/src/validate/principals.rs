//! Principal values: `UNSUPPORTED_WILDCARD_IN_PRINCIPAL`, `INVALID_ROLE_REFERENCE`,
//! `INVALID_USER_REFERENCE` and `PERIMETER_INVALID_AWS_PRINCIPAL`.
//!
//! AWS check reference: "Error – Unsupported wildcard in principal" (no wildcards in a principal
//! value other than `"*"` itself), "General Warning – Invalid role reference" / "Invalid user
//! reference" (a unique id `AROA…`/`AIDA…` instead of an ARN). The IAM User Guide page "AWS JSON
//! policy elements: Principal" lists what an `AWS` principal can be: `*`, a 12-digit account id, an
//! ARN, or a unique id; anything else is `PERIMETER_INVALID_AWS_PRINCIPAL` (an ERROR: IAM and the
//! services reject such a policy with "Invalid principal in policy"). Role trust policies get their
//! own wildcard check (`role_trust.rs`).

use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::PrincipalSyntax;

pub const RULE: Rule = Rule {
    name: "principals",
    codes: &[
        ("UNSUPPORTED_WILDCARD_IN_PRINCIPAL", Severity::Error),
        ("INVALID_ROLE_REFERENCE", Severity::Warning),
        ("INVALID_USER_REFERENCE", Severity::Warning),
        ("PERIMETER_INVALID_AWS_PRINCIPAL", Severity::Error),
    ],
    check,
};

fn is_unique_id(v: &str) -> bool {
    v.len() >= 16
        && v.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && v.starts_with('A')
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let trust = cx.options.is_role_trust();
    for st in &cx.syntax.statements {
        for p in [&st.principal, &st.not_principal].into_iter().flatten() {
            let PrincipalSyntax::Map { entries, .. } = p else {
                continue;
            };
            for (key, values) in entries {
                for v in &values.items {
                    let text = v.value.as_str();
                    if text != "*" && text.contains(['*', '?']) {
                        if !trust {
                            out.push(
                                finding(
                                    "UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                                    Severity::Error,
                                    format!("Wildcards (*, ?) are not supported with the principal key {}. Replace the wildcard with a valid principal value.", key.value),
                                )
                                .at(v.path.clone(), v.span),
                            );
                        }
                        continue;
                    }
                    if key.value != "AWS" || text == "*" || text.contains("${") {
                        continue;
                    }
                    if text.starts_with("AROA") && is_unique_id(text) {
                        out.push(
                            finding(
                                "INVALID_ROLE_REFERENCE",
                                Severity::Warning,
                                "The Principal element includes the IAM role ID. We recommend that you use a role ARN instead.".to_owned(),
                            )
                            .at(v.path.clone(), v.span),
                        );
                    } else if text.starts_with("AIDA") && is_unique_id(text) {
                        out.push(
                            finding(
                                "INVALID_USER_REFERENCE",
                                Severity::Warning,
                                "The Principal element includes the IAM user ID. We recommend that you use a user ARN instead.".to_owned(),
                            )
                            .at(v.path.clone(), v.span),
                        );
                    } else if !(crate::arn::is_account_id(text)
                        || text.starts_with("arn:")
                        || is_unique_id(text))
                    {
                        out.push(
                            finding(
                                "PERIMETER_INVALID_AWS_PRINCIPAL",
                                Severity::Error,
                                format!("The AWS principal `{text}` is not valid: use `*`, a 12-digit account ID, or the ARN of an account, user, role or session."),
                            )
                            .at(v.path.clone(), v.span),
                        );
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::RULE;

    fn check(principal: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        let src = stmt(&format!(
            r#""Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"*""#
        ));
        assert_eq!(codes(&src, &options, &only), expected, "{principal}");
    }

    #[test]
    fn table() {
        check(r#""*""#, resource(), &[]);
        check(r#"{"AWS":"*"}"#, resource(), &[]);
        check(
            r#"{"AWS":["123456789012","arn:aws:iam::123456789012:role/r"]}"#,
            resource(),
            &[],
        );
        check(
            r#"{"AWS":"arn:aws:iam::123456789012:user/*"}"#,
            resource(),
            &["UNSUPPORTED_WILDCARD_IN_PRINCIPAL"],
        );
        check(
            r#"{"Service":"*.amazonaws.com"}"#,
            resource(),
            &["UNSUPPORTED_WILDCARD_IN_PRINCIPAL"],
        );
        check(
            r#"{"AWS":"AROA1234567890EXAMPLE"}"#,
            resource(),
            &["INVALID_ROLE_REFERENCE"],
        );
        check(
            r#"{"AWS":"AIDA1234567890EXAMPLE"}"#,
            resource(),
            &["INVALID_USER_REFERENCE"],
        );
        check(
            r#"{"AWS":"my-friend"}"#,
            resource(),
            &["PERIMETER_INVALID_AWS_PRINCIPAL"],
        );
    }
}
