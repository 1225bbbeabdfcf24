//! Condition values against their operator: `WILDCARD_WITHOUT_LIKE_OPERATOR`,
//! `TYPE_MISMATCH_BOOLEAN`, `TYPE_MISMATCH_NUMBER`, `TYPE_MISMATCH_DATE`, `TYPE_MISMATCH_STRING`,
//! `INVALID_DATE_VALUE`, `INVALID_CONDITION_MULTIPLE_BOOLEAN`, `REDUNDANT_CONDITION_VALUE_NUM`,
//! `DATA_TYPE_MISMATCH`, `INVALID_CONDITION_DATA_TYPE` and `PERIMETER_IAM_REJECTS_DATE`.
//!
//! AWS check reference: the "General Warning – Type mismatch …" sections (Boolean `true`/`false`,
//! numbers, ISO 8601 dates, base64 for `BinaryEquals`), "General Warning – Invalid date value"
//! (epoch time), "General Warning – Wildcard without like operator", "Error – Invalid condition
//! multiple Boolean", "Suggestion – Redundant condition value num", "Error – Data type mismatch" and
//! "Error – Invalid condition data type". IAM's `CreatePolicy` rejects some date values outright
//! ("The policy failed legacy parsing": `sdfdsf`, `234-13`, a one-digit zone `+1`, ten fraction
//! digits, an epoch beyond 64 bits) while accepting `01T`, `-292275054` and `…t2:00:00.593194+23`
//! (moto corpus), so for identity policies an unparseable date is also a `PERIMETER_*` ERROR.

use super::{Ctx, PolicyType, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Operator, OperatorBase, OperatorFamily};
use crate::syntax::ScalarKind;

pub const RULE: Rule = Rule {
    name: "condition_values",
    codes: &[
        ("WILDCARD_WITHOUT_LIKE_OPERATOR", Severity::Warning),
        ("TYPE_MISMATCH_BOOLEAN", Severity::Warning),
        ("TYPE_MISMATCH_NUMBER", Severity::Warning),
        ("TYPE_MISMATCH_DATE", Severity::Warning),
        ("TYPE_MISMATCH_STRING", Severity::Warning),
        ("INVALID_DATE_VALUE", Severity::Warning),
        ("INVALID_CONDITION_MULTIPLE_BOOLEAN", Severity::Error),
        ("REDUNDANT_CONDITION_VALUE_NUM", Severity::Suggestion),
        ("DATA_TYPE_MISMATCH", Severity::Error),
        ("INVALID_CONDITION_DATA_TYPE", Severity::Error),
        ("PERIMETER_IAM_REJECTS_DATE", Severity::Error),
    ],
    check,
};

/// An epoch time that IAM accepts: an integer that fits in 64 bits.
pub fn is_epoch(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) && text.parse::<i64>().is_ok()
}

/// Consumes exactly `n` ASCII digits.
fn digits(s: &str, n: usize) -> Option<&str> {
    let head = s.get(..n)?;
    head.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| s.get(n..))?
}

/// Consumes between `min` and `max` ASCII digits.
fn digits_range(s: &str, min: usize, max: usize) -> Option<&str> {
    let n = s.bytes().take_while(u8::is_ascii_digit).count();
    (min..=max).contains(&n).then(|| s.get(n..))?
}

/// An ISO 8601 date or date-time as IAM accepts it (see the module comment for the corpus cases).
pub fn is_iso_date(text: &str) -> bool {
    let mut s = text;
    let mut any = false;
    if let Some(rest) = digits(s, 4) {
        s = rest;
        any = true;
        if let Some(rest) = s.strip_prefix('-').and_then(|r| digits(r, 2)) {
            s = rest;
            if let Some(rest) = s.strip_prefix('-').and_then(|r| digits(r, 2)) {
                s = rest;
            }
        }
    } else if let Some(rest) = digits(s, 2) {
        s = rest;
        any = true;
    }
    if let Some(rest) = s.strip_prefix(['T', 't']) {
        s = rest;
        any = true;
        if let Some(rest) = digits_range(s, 1, 2) {
            s = rest;
            if let Some(rest) = s.strip_prefix(':').and_then(|r| digits(r, 2)) {
                s = rest;
                if let Some(rest) = s.strip_prefix(':').and_then(|r| digits(r, 2)) {
                    s = rest;
                    if let Some(rest) = s.strip_prefix('.').and_then(|r| digits_range(r, 1, 9)) {
                        s = rest;
                    }
                }
            }
            if let Some(rest) = s.strip_prefix(['Z', 'z']) {
                s = rest;
            } else if let Some(rest) = s.strip_prefix(['+', '-']).and_then(|r| digits(r, 2)) {
                s = rest;
                if let Some(rest) = digits(s.strip_prefix(':').unwrap_or(s), 2) {
                    s = rest;
                }
            }
        }
    }
    any && s.is_empty()
}

/// A decimal number: `-`, digits, optionally `.` and digits.
pub fn is_number(text: &str) -> bool {
    let t = text.strip_prefix('-').unwrap_or(text);
    let (int, frac) = t.split_once('.').unwrap_or((t, "0"));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && !frac.is_empty()
        && frac.bytes().all(|b| b.is_ascii_digit())
}

fn is_base64(text: &str) -> bool {
    !text.is_empty()
        && text.len().is_multiple_of(4)
        && text
            .trim_end_matches('=')
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
        && text.len() - text.trim_end_matches('=').len() <= 2
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let identity = cx.policy_type() == PolicyType::IdentityPolicy;
    for st in &cx.syntax.statements {
        for (op, k) in super::condition_keys(st) {
            let Some(o) = Operator::parse(&op.operator.value) else {
                continue;
            };
            let family = o.base.family();
            let values = &k.values.items;
            // Mixed JSON types in one list.
            if let Some(first) = values.first()
                && values.iter().any(|v| v.kind != first.kind)
            {
                out.push(
                        finding(
                            "INVALID_CONDITION_DATA_TYPE",
                            Severity::Error,
                            "The condition value data types do not match. Use condition values of the same JSON data type.".to_owned(),
                        )
                        .at(k.values.path.clone(), k.values.span),
                    );
            }
            if family == OperatorFamily::Bool && o.qualifier.is_none() && values.len() > 1 {
                out.push(
                    finding(
                        "INVALID_CONDITION_MULTIPLE_BOOLEAN",
                        Severity::Error,
                        "The condition key does not support multiple Boolean values. Use a single Boolean value.".to_owned(),
                    )
                    .at(k.values.path.clone(), k.values.span),
                );
            }
            let numeric_values: Vec<f64> = values
                .iter()
                .filter_map(|v| v.value.parse::<f64>().ok())
                .collect();
            if matches!(
                o.base,
                OperatorBase::NumericLessThan
                    | OperatorBase::NumericLessThanEquals
                    | OperatorBase::NumericGreaterThan
                    | OperatorBase::NumericGreaterThanEquals
            ) && o.qualifier.is_none()
                && numeric_values.len() > 1
            {
                out.push(
                    finding(
                        "REDUNDANT_CONDITION_VALUE_NUM",
                        Severity::Suggestion,
                        format!("Multiple values in {} are redundant. Replace with the greatest/least single value for {}.", o.base.name(), k.key.value),
                    )
                    .at(k.values.path.clone(), k.values.span),
                );
            }
            for v in values {
                let bad_json_type = !matches!(
                    (v.kind, family),
                    (ScalarKind::String, _)
                        | (
                            ScalarKind::Bool,
                            OperatorFamily::String | OperatorFamily::Bool | OperatorFamily::Null,
                        )
                        | (
                            ScalarKind::Number,
                            OperatorFamily::String | OperatorFamily::Numeric | OperatorFamily::Date,
                        )
                );
                if bad_json_type {
                    out.push(
                        finding(
                            "DATA_TYPE_MISMATCH",
                            Severity::Error,
                            format!("The text does not match the expected JSON data type for the {} operator.", o.base.name()),
                        )
                        .at(v.path.clone(), v.span),
                    );
                    continue;
                }
                let text = v.value.as_str();
                if text.contains("${") {
                    continue; // variables are checked in variables.rs
                }
                let mismatch = |code: &'static str, message: &str| {
                    finding(code, Severity::Warning, message.to_owned()).at(v.path.clone(), v.span)
                };
                match family {
                    OperatorFamily::String
                        if !o.base.uses_wildcards() && text.contains(['*', '?']) =>
                    {
                        out.push(mismatch(
                            "WILDCARD_WITHOUT_LIKE_OPERATOR",
                            "Your condition value includes a * or ? character. If you meant to use a wildcard (*, ?), update the condition operator to include Like.",
                        ));
                    }
                    OperatorFamily::Bool | OperatorFamily::Null
                        if !text.eq_ignore_ascii_case("true")
                            && !text.eq_ignore_ascii_case("false") =>
                    {
                        out.push(mismatch(
                            "TYPE_MISMATCH_BOOLEAN",
                            "Add a valid Boolean value (true or false) for the condition operator.",
                        ));
                    }
                    OperatorFamily::Numeric if !is_number(text) => {
                        out.push(mismatch(
                            "TYPE_MISMATCH_NUMBER",
                            "Add a valid numeric value for the condition operator.",
                        ));
                    }
                    OperatorFamily::Date if is_epoch(text) => {
                        out.push(mismatch(
                            "INVALID_DATE_VALUE",
                            "The date might not resolve as expected. We recommend that you use the YYYY-MM-DD format.",
                        ));
                    }
                    OperatorFamily::Date if !is_iso_date(text) => {
                        out.push(mismatch(
                            "TYPE_MISMATCH_DATE",
                            "The date condition operator is used with an invalid value. Specify a valid date using YYYY-MM-DD or other ISO 8601 date/time format.",
                        ));
                        if identity {
                            out.push(
                                finding(
                                    "PERIMETER_IAM_REJECTS_DATE",
                                    Severity::Error,
                                    format!("IAM rejects this identity policy: `{text}` is not a date IAM can parse (\"The policy failed legacy parsing\")."),
                                )
                                .at(v.path.clone(), v.span),
                            );
                        }
                    }
                    OperatorFamily::Binary if !is_base64(text) => {
                        out.push(mismatch(
                            "TYPE_MISMATCH_STRING",
                            "Add a valid base64-encoded string value for the condition operator.",
                        ));
                    }
                    _ => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::{RULE, is_epoch, is_iso_date};

    fn check(cond: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        let src = stmt(&format!(
            r#""Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{cond}"#
        ));
        assert_eq!(codes(&src, &options, &only), expected, "{cond}");
    }

    #[test]
    fn dates_follow_iam() {
        // Accepted by IAM (moto-valid-005/-030/-034/-035/-036/-037).
        for ok in [
            "2017-07-01T00:00:00Z",
            "01T",
            "2019-07-01T13:20:15Z",
            "2016-12-13T21:20:37.593194+00:00",
            "2016-12-13t2:00:00.593194+23",
            "2016-12-13",
        ] {
            assert!(is_iso_date(ok), "{ok}");
        }
        assert!(is_epoch("-292275054"));
        // Rejected by IAM (moto-invalid-064/-072/-073/-074/-075).
        for bad in [
            "sdfdsf",
            "234-13",
            "2016-12-13t2:00:00.593194+1",
            "2016-12-13t2:00:00.1999999999+10:59",
        ] {
            assert!(!is_iso_date(bad), "{bad}");
        }
        assert!(!is_epoch("9223372036854775808") && !is_iso_date("9223372036854775808"));
    }

    #[test]
    fn table() {
        check(
            r#"{"StringEquals":{"aws:username":"a*"}}"#,
            identity(),
            &["WILDCARD_WITHOUT_LIKE_OPERATOR"],
        );
        check(r#"{"StringLike":{"aws:username":"a*"}}"#, identity(), &[]);
        check(
            r#"{"Bool":{"aws:SecureTransport":"yes"}}"#,
            identity(),
            &["TYPE_MISMATCH_BOOLEAN"],
        );
        check(
            r#"{"Bool":{"aws:SecureTransport":["true","false"]}}"#,
            identity(),
            &["INVALID_CONDITION_MULTIPLE_BOOLEAN"],
        );
        check(r#"{"Bool":{"aws:SecureTransport":true}}"#, identity(), &[]);
        check(
            r#"{"NumericLessThan":{"s3:max-keys":"ten"}}"#,
            identity(),
            &["TYPE_MISMATCH_NUMBER"],
        );
        check(
            r#"{"NumericLessThan":{"aws:MultiFactorAuthAge":["2700","3600"]}}"#,
            identity(),
            &["REDUNDANT_CONDITION_VALUE_NUM"],
        );
        check(
            r#"{"DateGreaterThan":{"aws:CurrentTime":"sdfdsf"}}"#,
            identity(),
            &["PERIMETER_IAM_REJECTS_DATE", "TYPE_MISMATCH_DATE"],
        );
        check(
            r#"{"DateGreaterThan":{"aws:CurrentTime":"sdfdsf"}}"#,
            resource(),
            &["TYPE_MISMATCH_DATE"],
        );
        check(
            r#"{"DateGreaterThan":{"aws:CurrentTime":"1500000000"}}"#,
            identity(),
            &["INVALID_DATE_VALUE"],
        );
        check(
            r#"{"BinaryEquals":{"aws:username":"not base64!"}}"#,
            identity(),
            &["TYPE_MISMATCH_STRING"],
        );
        check(
            r#"{"BinaryEquals":{"aws:username":"QmluYXJ5VmFsdWU="}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"NumericEquals":{"s3:max-keys":true}}"#,
            identity(),
            &["DATA_TYPE_MISMATCH"],
        );
        check(
            r#"{"StringEquals":{"aws:username":["a",1]}}"#,
            identity(),
            &["INVALID_CONDITION_DATA_TYPE"],
        );
    }
}
