//! `EMPTY_SID_VALUE`, `UNIQUE_SIDS_REQUIRED`, `UNIQUE_SIDS_RECOMMENDED` and `UNSUPPORTED_SID`.
//!
//! AWS check reference: "Suggestion – Empty Sid value", "Error – Unique Sids required" ("Duplicate
//! statement IDs are not supported for this policy type"), "General Warning – Unique Sids
//! recommended", "Error – Unsupported Sid" (`[a-z, A-Z, 0-9]`). IAM requires unique Sids in identity
//! policies (moto corpus: "Statement IDs (SID) in a single policy must be unique."), and the IAM
//! User Guide's Sid page limits IAM Sids to ASCII letters and digits; other services (S3, SNS, SQS)
//! accept any text, so for resource policies duplicates are only a warning and any character goes.
//! Empty Sids are not counted as duplicates (moto-valid-052 has two `""` Sids and IAM accepts it).

use super::{Ctx, PolicyType, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "sid",
    codes: &[
        ("EMPTY_SID_VALUE", Severity::Suggestion),
        ("UNIQUE_SIDS_REQUIRED", Severity::Error),
        ("UNIQUE_SIDS_RECOMMENDED", Severity::Warning),
        ("UNSUPPORTED_SID", Severity::Error),
    ],
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let strict = cx.policy_type() != PolicyType::ResourcePolicy;
    let mut seen: Vec<&str> = Vec::new();
    for st in &cx.syntax.statements {
        let Some(sid) = &st.sid else { continue };
        if sid.value.is_empty() {
            out.push(
                finding(
                    "EMPTY_SID_VALUE",
                    Severity::Suggestion,
                    "Add a value to the empty string in the Sid element.".to_owned(),
                )
                .at(sid.path.clone(), sid.span),
            );
            continue;
        }
        if seen.contains(&sid.value.as_str()) {
            let d = if strict {
                finding(
                    "UNIQUE_SIDS_REQUIRED",
                    Severity::Error,
                    "Duplicate statement IDs are not supported for this policy type. Update the Sid value.".to_owned(),
                )
            } else {
                finding(
                    "UNIQUE_SIDS_RECOMMENDED",
                    Severity::Warning,
                    "We recommend that you use statement IDs that are unique to your policy. Update the Sid value.".to_owned(),
                )
            };
            out.push(d.at(sid.path.clone(), sid.span));
        } else {
            seen.push(&sid.value);
        }
        if cx.policy_type() == PolicyType::IdentityPolicy
            && !sid.value.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            out.push(
                finding(
                    "UNSUPPORTED_SID",
                    Severity::Error,
                    "Update the characters in the Sid element to use one of the following character types: [a-z, A-Z, 0-9]".to_owned(),
                )
                .at(sid.path.clone(), sid.span),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only = [
            "EMPTY_SID_VALUE",
            "UNIQUE_SIDS_REQUIRED",
            "UNIQUE_SIDS_RECOMMENDED",
            "UNSUPPORTED_SID",
        ];
        assert_eq!(codes(src, &options, &only), expected, "{src}");
    }

    #[test]
    fn table() {
        let s = |sid: &str| {
            format!(r#"{{"Sid":{sid},"Effect":"Allow","Action":"s3:ListBucket","Resource":"*"}}"#)
        };
        let two = |a: &str, b: &str| {
            format!(
                r#"{{"Version":"2012-10-17","Statement":[{},{}]}}"#,
                s(a),
                s(b)
            )
        };
        check(
            &two(r#""sdf""#, r#""sdf""#),
            identity(),
            &["UNIQUE_SIDS_REQUIRED"],
        );
        check(
            &two(r#""sdf""#, r#""sdf""#),
            scp(),
            &["UNIQUE_SIDS_REQUIRED"],
        );
        check(
            &two(r#""sdf""#, r#""sdf""#),
            resource(),
            &["UNIQUE_SIDS_RECOMMENDED"],
        );
        check(&two(r#""a""#, r#""b""#), identity(), &[]);
        // moto-valid-052: two empty Sids are accepted by IAM.
        check(
            &two(r#""""#, r#""""#),
            identity(),
            &["EMPTY_SID_VALUE", "EMPTY_SID_VALUE"],
        );
        check(&two(r#""a-b""#, r#""c""#), identity(), &["UNSUPPORTED_SID"]);
        check(&two(r#""a b""#, r#""c""#), resource(), &[]);
    }
}
