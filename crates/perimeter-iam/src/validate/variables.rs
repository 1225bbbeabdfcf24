//! Policy variables: `MISSING_BRACE_IN_VARIABLE`, `EMPTY_VARIABLE`, `MISSING_QUOTE_IN_VARIABLE`,
//! `UNSUPPORTED_SPACE_IN_VARIABLE`, `VARIABLE_UNSUPPORTED_IN_VERSION` and
//! `INVALID_VARIABLE_FOR_OPERATOR`.
//!
//! AWS check reference, the "Error – … variable …" sections, and the IAM User Guide page "IAM policy
//! elements: Variables and tags": variables work in `Resource` and in string and ARN condition
//! values, only under `Version: 2012-10-17`; a default value is written `${key, 'default'}`.
//! (`VARIABLE_UNSUPPORTED_IN_ELEMENT`, a variable in `Action` or `Principal`, is in `actions.rs`.)

use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Path, Severity};
use crate::model::{Operator, Version};
use crate::pattern::{Template, VariableProblemKind};
use perimeter_json::Span;

pub const RULE: Rule = Rule {
    name: "variables",
    codes: &[
        ("MISSING_BRACE_IN_VARIABLE", Severity::Error),
        ("EMPTY_VARIABLE", Severity::Error),
        ("MISSING_QUOTE_IN_VARIABLE", Severity::Error),
        ("UNSUPPORTED_SPACE_IN_VARIABLE", Severity::Error),
        ("VARIABLE_UNSUPPORTED_IN_VERSION", Severity::Error),
        ("INVALID_VARIABLE_FOR_OPERATOR", Severity::Error),
    ],
    check,
};

/// Whether the text uses a policy variable (a `${` followed later by `}` with something inside).
fn uses_variable(text: &str) -> bool {
    text.match_indices("${").any(|(i, _)| {
        text.get(i + 2..)
            .and_then(|rest| rest.find('}'))
            .is_some_and(|close| close > 0)
    })
}

/// Variable names with a space in them (`${aws: username}`), the default value excepted.
fn has_space_in_name(text: &str) -> bool {
    text.match_indices("${").any(|(i, _)| {
        let Some(rest) = text.get(i + 2..) else {
            return false;
        };
        let Some(close) = rest.find('}') else {
            return false;
        };
        let body = rest.get(..close).unwrap_or_default();
        let name = body.split(',').next().unwrap_or_default();
        name.trim_end().contains(char::is_whitespace)
    })
}

fn check_value(text: &str, path: &Path, span: Span, out: &mut Vec<Diagnostic>) {
    let (_, problems) = Template::parse(text, true, true);
    for p in &problems {
        let (code, message) = match p.kind {
            VariableProblemKind::MissingBrace => (
                "MISSING_BRACE_IN_VARIABLE",
                "The policy variable is missing a closing curly brace. Add } after the variable text.",
            ),
            VariableProblemKind::Empty => (
                "EMPTY_VARIABLE",
                "Empty policy variable. Remove the variable structure or provide a variable within the structure.",
            ),
            VariableProblemKind::MissingQuote => (
                "MISSING_QUOTE_IN_VARIABLE",
                "The policy variable default value must begin and end with a single quote. Add the missing quote.",
            ),
        };
        out.push(finding(code, Severity::Error, message.to_owned()).at(path.clone(), span));
    }
    if has_space_in_name(text) {
        out.push(
            finding(
                "UNSUPPORTED_SPACE_IN_VARIABLE",
                Severity::Error,
                "A space is not supported within the policy variable text. Remove the space."
                    .to_owned(),
            )
            .at(path.clone(), span),
        );
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let v2012 = cx.version() == Version::V2012_10_17;
    let version_finding = |path: &Path, span: Span| {
        finding(
            "VARIABLE_UNSUPPORTED_IN_VERSION",
            Severity::Error,
            "To include variables in your policy, use the policy version 2012-10-17 or later."
                .to_owned(),
        )
        .at(path.clone(), span)
    };
    for st in &cx.syntax.statements {
        for list in [&st.resource, &st.not_resource].into_iter().flatten() {
            for r in &list.items {
                if !r.value.contains("${") {
                    continue;
                }
                if v2012 {
                    check_value(&r.value, &r.path, r.span, out);
                } else if uses_variable(&r.value) {
                    out.push(version_finding(&r.path, r.span));
                }
            }
        }
        for (op, k) in super::condition_keys(st) {
            let Some(operator) = Operator::parse(&op.operator.value) else {
                continue;
            };
            for v in k.values.items.iter().filter(|v| v.value.contains("${")) {
                if !operator.base.supports_variables() {
                    if uses_variable(&v.value) {
                        out.push(
                            finding(
                                "INVALID_VARIABLE_FOR_OPERATOR",
                                Severity::Error,
                                "Policy variables can only be used with String and ARN operators."
                                    .to_owned(),
                            )
                            .at(v.path.clone(), v.span),
                        );
                    }
                } else if v2012 {
                    check_value(&v.value, &v.path, v.span, out);
                } else if uses_variable(&v.value) {
                    out.push(version_finding(&v.path, v.span));
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

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(src, &options, &only), expected, "{src}");
    }

    #[test]
    fn table() {
        let r = |res: &str| {
            stmt(&format!(
                r#""Effect":"Allow","Action":"s3:GetObject","Resource":"{res}""#
            ))
        };
        check(&r("arn:aws:s3:::b/${aws:username}/*"), identity(), &[]);
        check(
            &r("arn:aws:s3:::b/${aws:username/*"),
            identity(),
            &["MISSING_BRACE_IN_VARIABLE"],
        );
        check(&r("arn:aws:s3:::b/${}/*"), identity(), &["EMPTY_VARIABLE"]);
        check(
            &r("arn:aws:s3:::b/${aws:username, 'x}/*"),
            identity(),
            &["MISSING_QUOTE_IN_VARIABLE"],
        );
        check(
            &r("arn:aws:s3:::b/${aws: username}/*"),
            identity(),
            &["UNSUPPORTED_SPACE_IN_VARIABLE"],
        );
        check(
            &r("arn:aws:s3:::b/${aws:PrincipalTag/team, 'none'}/*"),
            identity(),
            &[],
        );
        check(
            r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${aws:username}"}}"#,
            identity(),
            &["VARIABLE_UNSUPPORTED_IN_VERSION"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"${aws:username}"}}"#,
            ),
            identity(),
            &["INVALID_VARIABLE_FOR_OPERATOR"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringLike":{"s3:prefix":"home/${aws:userid}/*"}}"#,
            ),
            identity(),
            &[],
        );
    }
}
