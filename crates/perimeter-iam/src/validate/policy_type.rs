//! Policy-type grammar: the SCP rules and the `Not*` elements with `Allow`.
//!
//! SCPs — AWS check reference, "Error – SCP syntax error …": `SCP_SYNTAX_ERROR_ACTION_WILDCARD`
//! (a `*` only at the end of an action), `SCP_SYNTAX_ERROR_ALLOW_CONDITION`,
//! `SCP_SYNTAX_ERROR_ALLOW_NOT_ACTION`, `SCP_SYNTAX_ERROR_ALLOW_RESOURCE` (a `Resource` other than
//! `*` with Allow), `SCP_SYNTAX_ERROR_NOT_RESOURCE` and `SCP_SYNTAX_ERROR_PRINCIPAL`. This is the SCP
//! grammar the check reference documents; AWS Organizations has since relaxed some of it, and this
//! rule follows the reference page, not the relaxation.
//!
//! `Not*` with Allow — "Security Warning – Allow with NotPrincipal" is AWS's
//! (`ALLOW_WITH_NOT_PRINCIPAL`). `Allow` with `NotAction` or `NotResource` grants everything not
//! listed, including actions and resources that do not exist yet; AWS has no check for that, so we
//! report `PERIMETER_ALLOW_WITH_NOT_ACTION` and `PERIMETER_ALLOW_WITH_NOT_RESOURCE` as WARNINGs
//! (IAM User Guide, "IAM JSON policy elements: NotAction": "use NotAction with Allow carefully").

use super::{Ctx, PolicyType, Rule, finding, is_allow};
use crate::diagnostic::{Diagnostic, Severity};

pub const SCP_RULE: Rule = Rule {
    name: "policy_type_scp",
    codes: &[
        ("SCP_SYNTAX_ERROR_ACTION_WILDCARD", Severity::Error),
        ("SCP_SYNTAX_ERROR_ALLOW_CONDITION", Severity::Error),
        ("SCP_SYNTAX_ERROR_ALLOW_NOT_ACTION", Severity::Error),
        ("SCP_SYNTAX_ERROR_ALLOW_RESOURCE", Severity::Error),
        ("SCP_SYNTAX_ERROR_NOT_RESOURCE", Severity::Error),
        ("SCP_SYNTAX_ERROR_PRINCIPAL", Severity::Error),
    ],
    check: check_scp,
};

pub const NOT_ELEMENTS_RULE: Rule = Rule {
    name: "policy_type_not_elements",
    codes: &[
        ("ALLOW_WITH_NOT_PRINCIPAL", Severity::SecurityWarning),
        ("PERIMETER_ALLOW_WITH_NOT_ACTION", Severity::Warning),
        ("PERIMETER_ALLOW_WITH_NOT_RESOURCE", Severity::Warning),
    ],
    check: check_not_elements,
};

fn check_scp(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    if cx.policy_type() != PolicyType::ServiceControlPolicy {
        return;
    }
    for st in &cx.syntax.statements {
        let allow = is_allow(st);
        for list in [&st.action, &st.not_action].into_iter().flatten() {
            for a in &list.items {
                let v = a.value.as_str();
                let inner = v.strip_suffix('*').unwrap_or(v);
                if inner.contains(['*', '?']) {
                    out.push(
                        finding(
                            "SCP_SYNTAX_ERROR_ACTION_WILDCARD",
                            Severity::Error,
                            format!("SCP actions can include wildcards (*) only at the end of a string. Update {v}."),
                        )
                        .at(a.path.clone(), a.span),
                    );
                }
            }
        }
        if allow {
            if let Some(c) = &st.condition {
                out.push(
                    finding(
                        "SCP_SYNTAX_ERROR_ALLOW_CONDITION",
                        Severity::Error,
                        "SCPs do not support the Condition element with effect Allow. Update the element Condition or the effect.".to_owned(),
                    )
                    .at(c.path.clone(), c.span),
                );
            }
            if let Some(n) = &st.not_action {
                out.push(
                    finding(
                        "SCP_SYNTAX_ERROR_ALLOW_NOT_ACTION",
                        Severity::Error,
                        "SCPs do not support NotAction with effect Allow. Update the element NotAction or the effect.".to_owned(),
                    )
                    .at(n.path.clone(), n.span),
                );
            }
            if let Some(r) = &st.resource
                && r.items.iter().any(|i| i.value != "*")
            {
                out.push(
                        finding(
                            "SCP_SYNTAX_ERROR_ALLOW_RESOURCE",
                            Severity::Error,
                            "SCPs do not support Resource with effect Allow. Update the element Resource or the effect.".to_owned(),
                        )
                        .at(r.path.clone(), r.span),
                    );
            }
        }
        if let Some(n) = &st.not_resource {
            out.push(
                finding(
                    "SCP_SYNTAX_ERROR_NOT_RESOURCE",
                    Severity::Error,
                    "SCPs do not support the NotResource element. Update the policy to use Resource instead.".to_owned(),
                )
                .at(n.path.clone(), n.span),
            );
        }
        for p in [&st.principal, &st.not_principal].into_iter().flatten() {
            out.push(
                finding(
                    "SCP_SYNTAX_ERROR_PRINCIPAL",
                    Severity::Error,
                    "SCPs do not support specifying principals. Remove the Principal or NotPrincipal element.".to_owned(),
                )
                .at(p.path().clone(), p.span()),
            );
        }
    }
}

fn check_not_elements(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for st in cx.syntax.statements.iter().filter(|s| is_allow(s)) {
        if let Some(p) = &st.not_principal {
            out.push(
                finding(
                    "ALLOW_WITH_NOT_PRINCIPAL",
                    Severity::SecurityWarning,
                    "Using Allow with NotPrincipal can be overly permissive. We recommend that you use Principal instead.".to_owned(),
                )
                .at(p.path().clone(), p.span()),
            );
        }
        // SCPs have their own error for these.
        if cx.policy_type() == PolicyType::ServiceControlPolicy {
            continue;
        }
        if let Some(n) = &st.not_action {
            out.push(
                finding(
                    "PERIMETER_ALLOW_WITH_NOT_ACTION",
                    Severity::Warning,
                    "Using Allow with NotAction allows every action not listed, including actions that AWS adds later. We recommend that you list the allowed actions in Action instead.".to_owned(),
                )
                .at(n.path.clone(), n.span),
            );
        }
        if let Some(n) = &st.not_resource {
            out.push(
                finding(
                    "PERIMETER_ALLOW_WITH_NOT_RESOURCE",
                    Severity::Warning,
                    "Using Allow with NotResource allows every resource not listed, including resources created later. We recommend that you list the allowed resources in Resource instead.".to_owned(),
                )
                .at(n.path.clone(), n.span),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::{NOT_ELEMENTS_RULE, SCP_RULE};

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = SCP_RULE
            .codes
            .iter()
            .chain(NOT_ELEMENTS_RULE.codes)
            .map(|c| c.0)
            .collect();
        assert_eq!(codes(src, &options, &only), expected, "{src}");
    }

    #[test]
    fn table() {
        check(
            &stmt(r#""Effect":"Deny","Action":"iam:*role","Resource":"*""#),
            scp(),
            &["SCP_SYNTAX_ERROR_ACTION_WILDCARD"],
        );
        check(
            &stmt(r#""Effect":"Deny","Action":["iam:Get*","*"],"Resource":"*""#),
            scp(),
            &[],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}"#,
            ),
            scp(),
            &["SCP_SYNTAX_ERROR_ALLOW_CONDITION"],
        );
        check(
            &stmt(r#""Effect":"Allow","NotAction":"s3:*","Resource":"*""#),
            scp(),
            &["SCP_SYNTAX_ERROR_ALLOW_NOT_ACTION"],
        );
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b""#),
            scp(),
            &["SCP_SYNTAX_ERROR_ALLOW_RESOURCE"],
        );
        check(
            &stmt(r#""Effect":"Deny","Action":"s3:*","NotResource":"arn:aws:s3:::b""#),
            scp(),
            &["SCP_SYNTAX_ERROR_NOT_RESOURCE"],
        );
        check(
            &stmt(r#""Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*""#),
            scp(),
            &["SCP_SYNTAX_ERROR_PRINCIPAL"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*""#,
            ),
            resource(),
            &["ALLOW_WITH_NOT_PRINCIPAL"],
        );
        check(
            &stmt(
                r#""Effect":"Deny","NotPrincipal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*""#,
            ),
            resource(),
            &[],
        );
        check(
            &stmt(r#""Effect":"Allow","NotAction":"iam:*","Resource":"*""#),
            identity(),
            &["PERIMETER_ALLOW_WITH_NOT_ACTION"],
        );
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::b""#),
            identity(),
            &["PERIMETER_ALLOW_WITH_NOT_RESOURCE"],
        );
        check(
            &stmt(r#""Effect":"Deny","NotAction":"iam:*","NotResource":"*""#),
            identity(),
            &[],
        );
    }
}
