//! `MISSING_VERSION` and `PERIMETER_IAM_REJECTS_VERSION`.
//!
//! AWS check reference, "General Warning – Missing version": a policy without `Version` gets a
//! WARNING. IAM itself is stricter for identity policies: `CreatePolicy` rejects a document without
//! `"Version": "2012-10-17"` with "Policy document must be version 2012-10-17 or greater."
//! (corpus `moto-policy-validation`, 5 cases), so for `IDENTITY_POLICY` we add an ERROR that says so.
//! An unknown version (`2013-10-17`) is `INVALID_VERSION`, reported by the lowering.

use super::{Ctx, PolicyType, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use perimeter_json::Span;

pub const RULE: Rule = Rule {
    name: "version",
    codes: &[
        ("MISSING_VERSION", Severity::Warning),
        ("PERIMETER_IAM_REJECTS_VERSION", Severity::Error),
    ],
    check,
};

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let root = Span::new(
        cx.syntax.span.start as usize,
        (cx.syntax.span.start as usize + 1).min(cx.syntax.span.end as usize),
    );
    let (path, span, old) = match &cx.syntax.version {
        None => {
            out.push(
                finding(
                    "MISSING_VERSION",
                    Severity::Warning,
                    "We recommend that you specify the Version element to help you with debugging permission issues.".to_owned(),
                )
                .at(Vec::new(), root),
            );
            (Vec::new(), root, None)
        }
        Some(v) if v.value == "2008-10-17" => (v.path.clone(), v.span, Some(v.value.as_str())),
        Some(_) => return,
    };
    if cx.policy_type() == PolicyType::IdentityPolicy {
        let what = old.map_or("has no `Version`".to_owned(), |v| {
            format!("has `Version` `{v}`")
        });
        out.push(
            finding(
                "PERIMETER_IAM_REJECTS_VERSION",
                Severity::Error,
                format!("IAM rejects this identity policy: it {what}, and IAM requires `\"Version\": \"2012-10-17\"` (\"Policy document must be version 2012-10-17 or greater.\")."),
            )
            .at(path, span),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only = [
            "MISSING_VERSION",
            "PERIMETER_IAM_REJECTS_VERSION",
            "INVALID_VERSION",
        ];
        assert_eq!(codes(src, &options, &only), expected, "{src}");
    }

    #[test]
    fn table() {
        let body = r#""Statement":{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::example_bucket"}"#;
        // moto-invalid-001: no Version → IAM rejects.
        check(
            &format!("{{{body}}}"),
            identity(),
            &["MISSING_VERSION", "PERIMETER_IAM_REJECTS_VERSION"],
        );
        // moto-invalid-002: 2008-10-17 → IAM rejects; Access Analyzer has no finding of its own.
        check(
            &format!(r#"{{"Version":"2008-10-17",{body}}}"#),
            identity(),
            &["PERIMETER_IAM_REJECTS_VERSION"],
        );
        // moto-invalid-003: 2013-10-17 is not a version at all.
        check(
            &format!(r#"{{"Version":"2013-10-17",{body}}}"#),
            identity(),
            &["INVALID_VERSION"],
        );
        check(
            &format!(r#"{{"Version":"2012-10-17",{body}}}"#),
            identity(),
            &[],
        );
        // Resource policies: only AWS's warning.
        check(&format!("{{{body}}}"), resource(), &["MISSING_VERSION"]);
        check(
            &format!(r#"{{"Version":"2008-10-17",{body}}}"#),
            resource(),
            &[],
        );
    }
}
