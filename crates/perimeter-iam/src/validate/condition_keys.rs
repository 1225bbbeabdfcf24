//! Condition keys and operators without the catalog: `INVALID_CONDITION_KEY_FORMAT`,
//! `DUPLICATE_KEYS_WITH_DIFFERENT_CASE`, `MISSING_TAG_KEY_IN_CONDITION`,
//! `DEPRECATED_GLOBAL_CONDITION_KEY`, `NULL_WITH_IF_EXISTS`, `NULL_WITH_QUALIFIER` and
//! `MISSING_PAIRED_CONDITION_KEYS`.
//!
//! AWS check reference: "Error – Invalid condition key format" (`service:keyname`), "Error –
//! Duplicate keys with different case" (same condition block), "Error – Missing tag key in
//! condition" (`aws:ResourceTag/tag-key`), "General Warning – Deprecated global condition key"
//! (`aws:ARN`), "Error – Null with if exists", "Suggestion – Null with qualifier" and "Security
//! Warning – Missing paired condition keys" (`aws:VpcSourceIp` with `aws:SourceVpc`).

use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Operator, OperatorBase};

pub const RULE: Rule = Rule {
    name: "condition_keys",
    codes: &[
        ("INVALID_CONDITION_KEY_FORMAT", Severity::Error),
        ("DUPLICATE_KEYS_WITH_DIFFERENT_CASE", Severity::Error),
        ("MISSING_TAG_KEY_IN_CONDITION", Severity::Error),
        ("DEPRECATED_GLOBAL_CONDITION_KEY", Severity::Warning),
        ("NULL_WITH_IF_EXISTS", Severity::Error),
        ("NULL_WITH_QUALIFIER", Severity::Suggestion),
        ("MISSING_PAIRED_CONDITION_KEYS", Severity::SecurityWarning),
    ],
    check,
};

/// `service:keyname`: one colon-separated prefix and a non-empty name.
pub fn is_key_format(key: &str) -> bool {
    match key.split_once(':') {
        Some((prefix, name)) => {
            !prefix.is_empty() && !name.is_empty() && !prefix.contains(char::is_whitespace)
        }
        None => false,
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for st in &cx.syntax.statements {
        let Some(cond) = &st.condition else { continue };
        for op in &cond.operators {
            if let Some(o) = Operator::parse(&op.operator.value) {
                if o.base == OperatorBase::Null && o.if_exists {
                    out.push(
                        finding(
                            "NULL_WITH_IF_EXISTS",
                            Severity::Error,
                            "The Null condition operator cannot be used with the IfExists suffix. Update the operator or the suffix.".to_owned(),
                        )
                        .at(op.operator.path.clone(), op.operator.span),
                    );
                }
                if o.base == OperatorBase::Null && o.qualifier.is_some() {
                    out.push(
                        finding(
                            "NULL_WITH_QUALIFIER",
                            Severity::Suggestion,
                            "Avoid using the Null condition operator with the ForAllValues or ForAnyValue qualifiers because they always return a true or false respectively.".to_owned(),
                        )
                        .at(op.operator.path.clone(), op.operator.span),
                    );
                }
            }
            for (i, k) in op.keys.iter().enumerate() {
                let key = k.key.value.as_str();
                if !is_key_format(key) {
                    out.push(
                        finding(
                            "INVALID_CONDITION_KEY_FORMAT",
                            Severity::Error,
                            format!("The condition key {key} format is not valid. Use the format service:keyname."),
                        )
                        .at(k.key.path.clone(), k.key.span),
                    );
                    continue;
                }
                if op
                    .keys
                    .iter()
                    .take(i)
                    .any(|p| p.key.value != k.key.value && p.key.value.eq_ignore_ascii_case(key))
                {
                    out.push(
                        finding(
                            "DUPLICATE_KEYS_WITH_DIFFERENT_CASE",
                            Severity::Error,
                            "The condition key appears more than once with different capitalization in the same condition block. Remove the duplicate condition keys.".to_owned(),
                        )
                        .at(k.key.path.clone(), k.key.span),
                    );
                }
                let lower = key.to_ascii_lowercase();
                if matches!(
                    lower.as_str(),
                    "aws:requesttag" | "aws:resourcetag" | "aws:principaltag"
                ) || lower.ends_with("tag/")
                {
                    out.push(
                        finding(
                            "MISSING_TAG_KEY_IN_CONDITION",
                            Severity::Error,
                            format!("The condition key {key} must include a tag key to control access based on tags. Use the format {key}/tag-key and specify a key name for tag-key.", key = key.trim_end_matches('/')),
                        )
                        .at(k.key.path.clone(), k.key.span),
                    );
                }
                if lower == "aws:arn" {
                    out.push(
                        finding(
                            "DEPRECATED_GLOBAL_CONDITION_KEY",
                            Severity::Warning,
                            "We recommend that you update aws:ARN to use the newer condition keys aws:PrincipalArn or aws:SourceArn.".to_owned(),
                        )
                        .at(k.key.path.clone(), k.key.span),
                    );
                }
                if lower == "aws:vpcsourceip"
                    && !super::has_condition_key(st, "aws:SourceVpc")
                    && !super::has_condition_key(st, "aws:SourceVpce")
                {
                    out.push(
                        finding(
                            "MISSING_PAIRED_CONDITION_KEYS",
                            Severity::SecurityWarning,
                            "Using the condition key aws:VpcSourceIp can be overly permissive without also using the following condition keys: aws:SourceVpc, aws:SourceVpce. Condition keys like this one are more secure when paired with a related key. We recommend that you add the related condition keys to the same condition block.".to_owned(),
                        )
                        .at(k.key.path.clone(), k.key.span),
                    );
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

    fn check(cond: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        let src = stmt(&format!(
            r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{cond}"#
        ));
        assert_eq!(codes(&src, &options, &only), expected, "{cond}");
    }

    #[test]
    fn table() {
        check(r#"{"StringEquals":{"aws:username":"a"}}"#, identity(), &[]);
        // moto-valid-032 uses the key `a`: IAM accepts it, Access Analyzer's format check does not.
        check(
            r#"{"StringEqualsIfExists":{"a":"asf"}}"#,
            identity(),
            &["INVALID_CONDITION_KEY_FORMAT"],
        );
        check(
            r#"{"StringEquals":{"aws:username":"a","AWS:UserName":"b"}}"#,
            identity(),
            &["DUPLICATE_KEYS_WITH_DIFFERENT_CASE"],
        );
        check(
            r#"{"StringEquals":{"aws:ResourceTag":"a"}}"#,
            identity(),
            &["MISSING_TAG_KEY_IN_CONDITION"],
        );
        check(
            r#"{"StringEquals":{"aws:ResourceTag/":"a"}}"#,
            identity(),
            &["MISSING_TAG_KEY_IN_CONDITION"],
        );
        check(
            r#"{"StringEquals":{"aws:ResourceTag/team":"a"}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"ArnLike":{"aws:ARN":"arn:aws:iam::*:role/x"}}"#,
            identity(),
            &["DEPRECATED_GLOBAL_CONDITION_KEY"],
        );
        check(
            r#"{"NullIfExists":{"aws:username":"true"}}"#,
            identity(),
            &["NULL_WITH_IF_EXISTS"],
        );
        check(
            r#"{"ForAnyValue:Null":{"aws:TagKeys":"true"}}"#,
            identity(),
            &["NULL_WITH_QUALIFIER"],
        );
        check(
            r#"{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/16"}}"#,
            identity(),
            &["MISSING_PAIRED_CONDITION_KEYS"],
        );
        check(
            r#"{"IpAddress":{"aws:VpcSourceIp":"10.0.0.0/16"},"StringEquals":{"aws:SourceVpc":"vpc-1a2b3c4d"}}"#,
            identity(),
            &[],
        );
    }
}
