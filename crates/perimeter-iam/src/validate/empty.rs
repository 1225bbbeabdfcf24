//! Empty elements: `EMPTY_ARRAY_ACTION`, `EMPTY_ARRAY_RESOURCE`, `EMPTY_ARRAY_PRINCIPAL`,
//! `EMPTY_OBJECT_PRINCIPAL`, `EMPTY_OBJECT_CONDITION`, `EMPTY_ARRAY_CONDITION`,
//! `EMPTY_ARRAY_CONDITION_FORALLVALUES`, `EMPTY_ARRAY_CONDITION_FORANYVALUE`,
//! `EMPTY_ARRAY_CONDITION_IF_EXISTS`, and `PERIMETER_IAM_REJECTS_EMPTY_ELEMENT`.
//!
//! AWS check reference, the "Suggestion – Empty …" sections. IAM's `CreatePolicy` rejects an
//! identity policy whose `Action` or `Resource` is an empty list ("Policy statement must contain
//! actions." / "… resources.", moto-invalid-028 and -033), so for identity policies an empty
//! `Action`/`NotAction`/`Resource`/`NotResource` list is also a `PERIMETER_*` ERROR.

use super::{Ctx, PolicyType, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Operator, OperatorBase, SetQualifier};
use crate::syntax::PrincipalSyntax;

pub const RULE: Rule = Rule {
    name: "empty",
    codes: &[
        ("EMPTY_ARRAY_ACTION", Severity::Suggestion),
        ("EMPTY_ARRAY_RESOURCE", Severity::Suggestion),
        ("EMPTY_ARRAY_PRINCIPAL", Severity::Suggestion),
        ("EMPTY_OBJECT_PRINCIPAL", Severity::Suggestion),
        ("EMPTY_OBJECT_CONDITION", Severity::Suggestion),
        ("EMPTY_ARRAY_CONDITION", Severity::Suggestion),
        ("EMPTY_ARRAY_CONDITION_FORALLVALUES", Severity::Suggestion),
        ("EMPTY_ARRAY_CONDITION_FORANYVALUE", Severity::Suggestion),
        ("EMPTY_ARRAY_CONDITION_IF_EXISTS", Severity::Suggestion),
        ("PERIMETER_IAM_REJECTS_EMPTY_ELEMENT", Severity::Error),
    ],
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let identity = cx.policy_type() == PolicyType::IdentityPolicy;
    for st in &cx.syntax.statements {
        for (name, list, is_action) in [
            ("Action", &st.action, true),
            ("NotAction", &st.not_action, true),
            ("Resource", &st.resource, false),
            ("NotResource", &st.not_resource, false),
        ] {
            let Some(list) = list else { continue };
            if !(list.is_array && list.items.is_empty()) {
                continue;
            }
            let (code, msg) = if is_action {
                (
                    "EMPTY_ARRAY_ACTION",
                    "This statement includes no actions and does not affect the policy. Specify actions.",
                )
            } else {
                (
                    "EMPTY_ARRAY_RESOURCE",
                    "This statement includes no resources and does not affect the policy. Specify resources.",
                )
            };
            out.push(
                finding(code, Severity::Suggestion, msg.to_owned())
                    .at(list.path.clone(), list.span),
            );
            if identity {
                let what = if is_action { "actions" } else { "resources" };
                out.push(
                    finding(
                        "PERIMETER_IAM_REJECTS_EMPTY_ELEMENT",
                        Severity::Error,
                        format!("IAM rejects this identity policy: `{name}` is an empty list (\"Policy statement must contain {what}.\")."),
                    )
                    .at(list.path.clone(), list.span),
                );
            }
        }
        for p in [&st.principal, &st.not_principal].into_iter().flatten() {
            if let PrincipalSyntax::Map {
                entries,
                span,
                path,
            } = p
            {
                if entries.is_empty() {
                    out.push(
                        finding(
                            "EMPTY_OBJECT_PRINCIPAL",
                            Severity::Suggestion,
                            "This statement includes no principals and does not affect the policy. Specify principals.".to_owned(),
                        )
                        .at(path.clone(), *span),
                    );
                }
                for (_, values) in entries {
                    if values.is_array && values.items.is_empty() {
                        out.push(
                            finding(
                                "EMPTY_ARRAY_PRINCIPAL",
                                Severity::Suggestion,
                                "This statement includes no principals and does not affect the policy. Specify principals.".to_owned(),
                            )
                            .at(values.path.clone(), values.span),
                        );
                    }
                }
            }
        }
        let Some(cond) = &st.condition else { continue };
        if cond.operators.is_empty() {
            out.push(
                finding(
                    "EMPTY_OBJECT_CONDITION",
                    Severity::Suggestion,
                    "This condition block is empty and it does not affect the policy. Specify conditions.".to_owned(),
                )
                .at(cond.path.clone(), cond.span),
            );
        }
        for op in &cond.operators {
            if op.keys.is_empty() {
                out.push(
                    finding(
                        "EMPTY_OBJECT_CONDITION",
                        Severity::Suggestion,
                        "This condition block is empty and it does not affect the policy. Specify conditions.".to_owned(),
                    )
                    .at(op.path.clone(), op.span),
                );
            }
            let parsed = Operator::parse(&op.operator.value);
            for k in &op.keys {
                if !(k.values.is_array && k.values.items.is_empty()) {
                    continue;
                }
                let (code, msg) = match parsed {
                    Some(Operator {
                        qualifier: Some(SetQualifier::ForAllValues),
                        ..
                    }) => (
                        "EMPTY_ARRAY_CONDITION_FORALLVALUES",
                        "The ForAllValues prefix with an empty condition key matches only if the key is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.",
                    ),
                    Some(Operator {
                        qualifier: Some(SetQualifier::ForAnyValue),
                        ..
                    }) => (
                        "EMPTY_ARRAY_CONDITION_FORANYVALUE",
                        "The ForAnyValue prefix with an empty condition key never matches the request context and it does not affect the policy. Specify conditions.",
                    ),
                    Some(Operator {
                        if_exists: true,
                        base,
                        ..
                    }) if base != OperatorBase::Null => (
                        "EMPTY_ARRAY_CONDITION_IF_EXISTS",
                        "The IfExists suffix with an empty condition key matches only if the key is missing from the request context. To determine if the request context is empty, we recommend that you use the Null condition operator with the value of true instead.",
                    ),
                    _ => (
                        "EMPTY_ARRAY_CONDITION",
                        "There are no values for the condition key and it does not affect the policy. Specify conditions.",
                    ),
                };
                out.push(
                    finding(code, Severity::Suggestion, msg.to_owned())
                        .at(k.values.path.clone(), k.values.span),
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

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(src, &options, &only), expected, "{src}");
    }

    #[test]
    fn table() {
        // moto-invalid-033: IAM says "Policy statement must contain actions."
        check(
            &stmt(r#""Effect":"Allow","Action":[],"Resource":"*""#),
            identity(),
            &["EMPTY_ARRAY_ACTION", "PERIMETER_IAM_REJECTS_EMPTY_ELEMENT"],
        );
        // moto-invalid-028: "… must contain resources."
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":[]"#),
            identity(),
            &[
                "EMPTY_ARRAY_RESOURCE",
                "PERIMETER_IAM_REJECTS_EMPTY_ELEMENT",
            ],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Principal":{"AWS":[]},"Action":"s3:GetObject","Resource":"*""#,
            ),
            resource(),
            &["EMPTY_ARRAY_PRINCIPAL"],
        );
        check(
            &stmt(r#""Effect":"Allow","Principal":{},"Action":"s3:GetObject","Resource":"*""#),
            resource(),
            &["EMPTY_OBJECT_PRINCIPAL"],
        );
        // moto-valid-010 and -017.
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{}"#),
            identity(),
            &["EMPTY_OBJECT_CONDITION"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"DateGreaterThan":{}}"#,
            ),
            identity(),
            &["EMPTY_OBJECT_CONDITION"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"aws:username":[]}}"#,
            ),
            identity(),
            &["EMPTY_ARRAY_CONDITION"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":[]}}"#,
            ),
            identity(),
            &["EMPTY_ARRAY_CONDITION_FORALLVALUES"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":[]}}"#,
            ),
            identity(),
            &["EMPTY_ARRAY_CONDITION_FORANYVALUE"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:username":[]}}"#,
            ),
            identity(),
            &["EMPTY_ARRAY_CONDITION_IF_EXISTS"],
        );
        check(
            &stmt(r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*""#),
            identity(),
            &[],
        );
    }
}
