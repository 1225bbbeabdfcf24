//! Condition keys against the service catalog: `INVALID_GLOBAL_CONDITION_KEY`,
//! `INVALID_SERVICE_CONDITION_KEY`, `INVALID_SERVICE`, `UNSUPPORTED_ACTION_FOR_CONDITION_KEY`,
//! `TYPE_MISMATCH`, `FORALLVALUES_WITH_SINGLE_VALUED_KEY`, `MISSING_QUALIFIER` and
//! `STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS`.
//!
//! AWS check reference: "Error – Invalid global condition key", "Error – Invalid service condition
//! key", "Error – Invalid service", "Error – Unsupported action for condition key" ("The following
//! actions: … are not supported by the condition key …"; the awscli example pins its message and
//! locations), "General Warning – Type mismatch" ("Use the operator type … instead of operator …"),
//! "Security Warning – ForAllValues with single valued key", "Error – Missing qualifier" and
//! "Security Warning – String like operator with ARN condition keys". Key types and which actions
//! support which keys come from `crate::catalog` (Service Authorization Reference data, `ArrayOf…`
//! types are multivalued) and its curated global key table. Unknown keys get no type findings.

use super::{Ctx, Rule, finding};
use crate::catalog::{Catalog, ConditionType, KeySource};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Operator, OperatorFamily, SetQualifier};
use crate::syntax::{ConditionKeySyntax, ConditionOperatorSyntax, StatementSyntax, Str};

pub const RULE: Rule = Rule {
    name: "catalog_keys",
    codes: &[
        ("INVALID_GLOBAL_CONDITION_KEY", Severity::Error),
        ("INVALID_SERVICE_CONDITION_KEY", Severity::Error),
        ("INVALID_SERVICE", Severity::Error),
        ("UNSUPPORTED_ACTION_FOR_CONDITION_KEY", Severity::Error),
        ("TYPE_MISMATCH", Severity::Warning),
        (
            "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
            Severity::SecurityWarning,
        ),
        ("MISSING_QUALIFIER", Severity::Error),
        (
            "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
            Severity::SecurityWarning,
        ),
    ],
    check,
};

/// The operator families that fit a key's value type.
fn fits(value_type: ConditionType, family: OperatorFamily) -> bool {
    use OperatorFamily as F;
    match family {
        F::Null => true,
        F::String => matches!(value_type, ConditionType::String | ConditionType::Arn),
        F::Arn => value_type == ConditionType::Arn,
        F::Numeric => value_type == ConditionType::Numeric,
        F::Date => value_type == ConditionType::Date,
        F::Bool => value_type == ConditionType::Bool,
        F::Ip => value_type == ConditionType::IpAddress,
        F::Binary => value_type == ConditionType::Binary,
    }
}

fn operator_kind(value_type: ConditionType) -> &'static str {
    match value_type {
        ConditionType::String => "String",
        ConditionType::Arn => "ARN",
        ConditionType::Numeric => "Numeric",
        ConditionType::Date => "Date",
        ConditionType::Bool => "Bool",
        ConditionType::IpAddress => "IPAddress",
        ConditionType::Binary => "Binary",
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = Catalog::get();
    for st in &cx.syntax.statements {
        for (op, k) in super::condition_keys(st) {
            let key = k.key.value.as_str();
            if !super::condition_keys::is_key_format(key) {
                continue; // INVALID_CONDITION_KEY_FORMAT
            }
            let Some((prefix, _)) = key.split_once(':') else {
                continue;
            };
            let Some(resolved) = resolve(catalog, key) else {
                let (code, message) = if prefix.eq_ignore_ascii_case("aws") {
                    (
                        "INVALID_GLOBAL_CONDITION_KEY",
                        format!(
                            "The condition key {key} does not exist. Use a valid condition key."
                        ),
                    )
                } else if catalog.service(prefix).is_some() {
                    (
                        "INVALID_SERVICE_CONDITION_KEY",
                        format!(
                            "The condition key {key} does not exist in the service {prefix}. Use a valid condition key."
                        ),
                    )
                } else {
                    (
                        "INVALID_SERVICE",
                        format!("The service {prefix} does not exist. Use a valid service name."),
                    )
                };
                out.push(
                    finding(code, Severity::Error, message).at(k.key.path.clone(), k.key.span),
                );
                continue;
            };
            let Some(operator) = Operator::parse(&op.operator.value) else {
                continue;
            };
            let kt = resolved.key_type;
            let family = operator.base.family();
            if !fits(kt.value_type, family) {
                out.push(
                    finding(
                        "TYPE_MISMATCH",
                        Severity::Warning,
                        format!("Use the operator type {} instead of operator {} for the condition key {key}.", operator_kind(kt.value_type), op.operator.value),
                    )
                    .at(k.key.path.clone(), k.key.span),
                );
            } else if kt.value_type == ConditionType::Arn
                && family == OperatorFamily::String
                && operator.base.uses_wildcards()
            {
                out.push(
                    finding(
                        "STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS",
                        Severity::SecurityWarning,
                        format!("Using the {} operator with the ARN condition key {key} can be overly permissive. We recommend that you use ArnLike or ArnNotLike instead.", op.operator.value),
                    )
                    .at(k.key.path.clone(), k.key.span),
                );
            }
            match (operator.qualifier, kt.multivalued) {
                (Some(SetQualifier::ForAllValues), false) => out.push(
                    finding(
                        "FORALLVALUES_WITH_SINGLE_VALUED_KEY",
                        Severity::SecurityWarning,
                        format!("Using ForAllValues qualifier with the single-valued condition key {key} can be overly permissive. We recommend that you remove ForAllValues:."),
                    )
                    .at(op.operator.path.clone(), op.operator.span),
                ),
                (None, true) if family != OperatorFamily::Null => out.push(
                    finding(
                        "MISSING_QUALIFIER",
                        Severity::Error,
                        format!("The request context key {key} has multiple values. Use the ForAllValues or ForAnyValue condition key qualifiers in your policy."),
                    )
                    .at(k.key.path.clone(), k.key.span),
                ),
                _ => {}
            }
            if !matches!(resolved.source, KeySource::Global(_)) {
                unsupported_actions(catalog, st, op, k, resolved.name, out);
            }
        }
    }
}

/// Resolves a key; a tag key after `/` may contain colons (`secretsmanager:ResourceTag/aws:x`),
/// and some services list their tag keys as `…/tag-key` instead of a `${TagKey}` template.
fn resolve<'c>(
    catalog: &'c Catalog,
    key: &str,
) -> Option<crate::catalog::ResolvedConditionKey<'c>> {
    catalog.condition_key(key).or_else(|| {
        let (head, _) = key.split_once('/')?;
        catalog
            .condition_key(&format!("{head}/tag-key"))
            .or_else(|| catalog.condition_key(&format!("{head}/x")))
    })
}

/// `UNSUPPORTED_ACTION_FOR_CONDITION_KEY`: the listed actions never see the key, so the condition
/// is not evaluated for them.
fn unsupported_actions(
    catalog: &Catalog,
    st: &StatementSyntax,
    _op: &ConditionOperatorSyntax,
    k: &ConditionKeySyntax,
    catalog_name: &str,
    out: &mut Vec<Diagnostic>,
) {
    let key = k.key.value.as_str();
    // A key the catalog knows only as a template is checked by the written name.
    let lookup = if catalog_name.contains("${") {
        key
    } else {
        catalog_name
    };
    let mut bad: Vec<&Str> = Vec::new();
    for a in super::items(&st.action) {
        let Some((prefix, name)) = a.value.split_once(':') else {
            continue;
        };
        let supported = if a.value.contains(['*', '?']) {
            let matched = catalog.actions_matching(&a.value);
            if matched.is_empty() {
                continue;
            }
            matched.iter().any(|m| {
                catalog.action_supports_condition_key(m.service.prefix(), m.action.name(), lookup)
                    == Some(true)
            })
        } else {
            match catalog.action_supports_condition_key(prefix, name, lookup) {
                Some(s) => s,
                None => continue, // unknown action: INVALID_ACTION
            }
        };
        if !supported {
            bad.push(a);
        }
    }
    if bad.is_empty() {
        return;
    }
    let names: Vec<&str> = bad.iter().map(|a| a.value.as_str()).collect();
    let mut d = finding(
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        Severity::Error,
        format!(
            "The following actions: {} are not supported by the condition key {key}. The condition will not be evaluated for these actions. We recommend that you move these actions to a different statement without this condition key.",
            names.join(", ")
        ),
    );
    for a in bad {
        d = d.at(a.path.clone(), a.span);
    }
    out.push(d.at(k.values.path.clone(), k.values.span));
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
        let c = |action: &str, cond: &str| {
            format!(r#""Effect":"Allow","Action":"{action}","Resource":"*","Condition":{cond}"#)
        };
        check(
            &c(
                "s3:GetObject",
                r#"{"StringEquals":{"aws:PrincipalOrgID":"o-1"}}"#,
            ),
            identity(),
            &[],
        );
        check(
            &c("s3:GetObject", r#"{"StringEquals":{"aws:NoSuchKey":"x"}}"#),
            identity(),
            &["INVALID_GLOBAL_CONDITION_KEY"],
        );
        check(
            &c("s3:GetObject", r#"{"StringEquals":{"s3:NoSuchKey":"x"}}"#),
            identity(),
            &["INVALID_SERVICE_CONDITION_KEY"],
        );
        check(
            &c(
                "s3:GetObject",
                r#"{"StringEquals":{"nosuchservice:Key":"x"}}"#,
            ),
            identity(),
            &["INVALID_SERVICE"],
        );
        // The Service Authorization Reference lists `secretsmanager:ResourceTag/tag-key`; tag keys
        // may contain colons (AWSDataSyncFullAccess uses `…/aws:secretsmanager:owningService`).
        check(
            &c(
                "secretsmanager:GetSecretValue",
                r#"{"StringEquals":{"secretsmanager:ResourceTag/aws:secretsmanager:owningService":"datasync"}}"#,
            ),
            identity(),
            &[],
        );
        // s3:prefix is a ListBucket key, not a GetObject key.
        check(
            &c("s3:GetObject", r#"{"StringLike":{"s3:prefix":"home/*"}}"#),
            identity(),
            &["UNSUPPORTED_ACTION_FOR_CONDITION_KEY"],
        );
        check(
            &c("s3:ListBucket", r#"{"StringLike":{"s3:prefix":"home/*"}}"#),
            identity(),
            &[],
        );
        check(
            &c(
                "s3:GetObject",
                r#"{"NumericLessThan":{"aws:SecureTransport":"1"}}"#,
            ),
            identity(),
            &["TYPE_MISMATCH"],
        );
        check(
            &c(
                "s3:GetObject",
                r#"{"ForAllValues:StringEquals":{"aws:PrincipalOrgID":"o-1"}}"#,
            ),
            identity(),
            &["FORALLVALUES_WITH_SINGLE_VALUED_KEY"],
        );
        check(
            &c(
                "s3:GetObject",
                r#"{"ForAllValues:StringEquals":{"aws:TagKeys":"a"}}"#,
            ),
            identity(),
            &[],
        );
        check(
            &c("s3:GetObject", r#"{"StringEquals":{"aws:TagKeys":"a"}}"#),
            identity(),
            &["MISSING_QUALIFIER"],
        );
        check(
            &c(
                "s3:GetObject",
                r#"{"StringLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:t"}}"#,
            ),
            identity(),
            &["STRING_LIKE_OPERATOR_WITH_ARN_CONDITION_KEYS"],
        );
        check(
            &c(
                "s3:GetObject",
                r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:123456789012:t"}}"#,
            ),
            identity(),
            &[],
        );
    }
}
