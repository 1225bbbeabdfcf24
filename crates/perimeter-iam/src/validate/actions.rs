//! Action syntax without the catalog: `PERIMETER_IAM_REJECTS_ACTION`, `WILDCARD_IN_SERVICE_NAME`
//! and `VARIABLE_UNSUPPORTED_IN_ELEMENT`.
//!
//! IAM's `CreatePolicy` rejects an action that is not `*` and has no `vendor:` prefix ("Actions/
//! Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."), more than one colon
//! ("Actions/Condition can contain only one colon.") or a vendor with characters other than
//! letters, digits, `-`, `_`, `.` and wildcards ("Vendor a a is not valid") — moto corpus, 7 cases;
//! moto-valid-001/-026/-027 show what IAM accepts (`iam: asdf safdsf af `, `s3-s:`, `s3.s:`).
//! AWS check reference: "Suggestion – Wildcard in service name" and "Error – Variable unsupported in
//! element" (variables only in `Resource` and `Condition`).

use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "actions",
    codes: &[
        ("PERIMETER_IAM_REJECTS_ACTION", Severity::Error),
        ("WILDCARD_IN_SERVICE_NAME", Severity::Suggestion),
        ("VARIABLE_UNSUPPORTED_IN_ELEMENT", Severity::Error),
    ],
    check,
};

/// Why IAM rejects the action text, if it does.
pub fn iam_action_problem(action: &str) -> Option<String> {
    if action == "*" {
        return None;
    }
    let Some((vendor, _)) = action.split_once(':') else {
        return Some(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.".to_owned(),
        );
    };
    if action.matches(':').count() > 1 {
        return Some("Actions/Condition can contain only one colon.".to_owned());
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*' | '?');
    if vendor.is_empty() || !vendor.chars().all(ok) {
        return Some(format!("Vendor {vendor} is not valid"));
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for st in &cx.syntax.statements {
        for list in [&st.action, &st.not_action].into_iter().flatten() {
            for a in &list.items {
                let v = a.value.as_str();
                if let Some(problem) = iam_action_problem(v) {
                    out.push(
                        finding(
                            "PERIMETER_IAM_REJECTS_ACTION",
                            Severity::Error,
                            format!("IAM rejects the action `{v}`: \"{problem}\""),
                        )
                        .at(a.path.clone(), a.span),
                    );
                    continue;
                }
                if let Some((vendor, _)) = v.split_once(':')
                    && vendor != "*"
                    && vendor.contains(['*', '?'])
                {
                    out.push(
                            finding(
                                "WILDCARD_IN_SERVICE_NAME",
                                Severity::Suggestion,
                                "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names.".to_owned(),
                            )
                            .at(a.path.clone(), a.span),
                        );
                }
                if v.contains("${") {
                    out.push(variable_in_element(a.path.clone(), a.span));
                }
            }
        }
        for p in [&st.principal, &st.not_principal].into_iter().flatten() {
            if let crate::syntax::PrincipalSyntax::Map { entries, .. } = p {
                for (_, values) in entries {
                    for v in values.items.iter().filter(|v| v.value.contains("${")) {
                        out.push(variable_in_element(v.path.clone(), v.span));
                    }
                }
            }
        }
    }
}

fn variable_in_element(path: crate::diagnostic::Path, span: perimeter_json::Span) -> Diagnostic {
    finding(
        "VARIABLE_UNSUPPORTED_IN_ELEMENT",
        Severity::Error,
        "Policy variables are supported in the Resource and Condition elements. Remove the policy variable from this element.".to_owned(),
    )
    .at(path, span)
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
        let a = |action: &str| {
            stmt(&format!(
                r#""Effect":"Allow","Action":"{action}","Resource":"*""#
            ))
        };
        // moto-invalid-011/-012/-013/-014.
        check(&a("invalid"), identity(), &["PERIMETER_IAM_REJECTS_ACTION"]);
        check(&a(""), identity(), &["PERIMETER_IAM_REJECTS_ACTION"]);
        check(
            &a("a a:ListBucket"),
            identity(),
            &["PERIMETER_IAM_REJECTS_ACTION"],
        );
        check(
            &a("s3:List:Bucket"),
            identity(),
            &["PERIMETER_IAM_REJECTS_ACTION"],
        );
        // moto-valid-001/-026/-027: accepted by IAM.
        check(&a("iam: asdf safdsf af "), identity(), &[]);
        check(&a("s3-s:ListBucket"), identity(), &[]);
        check(&a("s3.s:ListBucket"), identity(), &[]);
        check(&a("*"), identity(), &[]);
        check(
            &a("s*:GetObject"),
            identity(),
            &["WILDCARD_IN_SERVICE_NAME"],
        );
        check(
            &a("s3:${Action}"),
            identity(),
            &["VARIABLE_UNSUPPORTED_IN_ELEMENT"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/${aws:username}"},"Action":"s3:GetObject","Resource":"*""#,
            ),
            resource(),
            &["VARIABLE_UNSUPPORTED_IN_ELEMENT"],
        );
    }
}
