//! Formats of well-known condition values: `INVALID_REGION`, `INVALID_VPC_FORMAT` and
//! `INVALID_VPCE_FORMAT`.
//!
//! AWS check reference: "Error – Invalid Region" (a Region condition value such as
//! `aws:RequestedRegion` must be a Region code), "Error – Invalid VPC format" and "Error – Invalid
//! VPCE format" (`aws:SourceVpc` values are `vpc-` and 8 or 17 hex digits, `aws:SourceVpce`
//! values `vpce-` and 8 or 17 hex digits; EC2 User Guide, resource IDs). Values with wildcards or
//! policy variables are not checked.

use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "condition_formats",
    codes: &[
        ("INVALID_REGION", Severity::Error),
        ("INVALID_VPC_FORMAT", Severity::Error),
        ("INVALID_VPCE_FORMAT", Severity::Error),
    ],
    check,
};

fn resource_id(text: &str, prefix: &str) -> bool {
    text.strip_prefix(prefix).is_some_and(|hex| {
        matches!(hex.len(), 8 | 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for st in &cx.syntax.statements {
        for (_, k) in super::condition_keys(st) {
            let key = k.key.value.to_ascii_lowercase();
            for v in &k.values.items {
                let text = v.value.as_str();
                if text.contains(['*', '?']) || text.contains("${") {
                    continue;
                }
                let problem = match key.as_str() {
                    "aws:requestedregion" | "ec2:region" if !super::arn_format::is_region(text) => {
                        Some((
                            "INVALID_REGION",
                            format!(
                                "The Region {text} is not valid. Update the condition value to a supported Region."
                            ),
                        ))
                    }
                    "aws:sourcevpc" if !resource_id(text, "vpc-") => Some((
                        "INVALID_VPC_FORMAT",
                        format!(
                            "The VPC identifier {text} is not valid. Use vpc- followed by 8 or 17 hexadecimal characters."
                        ),
                    )),
                    "aws:sourcevpce" if !resource_id(text, "vpce-") => Some((
                        "INVALID_VPCE_FORMAT",
                        format!(
                            "The VPC endpoint identifier {text} is not valid. Use vpce- followed by 8 or 17 hexadecimal characters."
                        ),
                    )),
                    _ => None,
                };
                if let Some((code, message)) = problem {
                    out.push(finding(code, Severity::Error, message).at(v.path.clone(), v.span));
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
            r#""Effect":"Deny","Action":"s3:GetObject","Resource":"*","Condition":{cond}"#
        ));
        assert_eq!(codes(&src, &options, &only), expected, "{cond}");
    }

    #[test]
    fn table() {
        check(
            r#"{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-3"]}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"StringEquals":{"aws:RequestedRegion":"region"}}"#,
            identity(),
            &["INVALID_REGION"],
        );
        check(
            r#"{"StringLike":{"aws:RequestedRegion":"us-*"}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"StringEquals":{"aws:SourceVpc":["vpc-1a2b3c4d","vpc-0123456789abcdef0"]}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-xyz"}}"#,
            identity(),
            &["INVALID_VPC_FORMAT"],
        );
        check(
            r#"{"StringEquals":{"aws:SourceVpce":"vpce-1a2b3c4d"}}"#,
            identity(),
            &[],
        );
        check(
            r#"{"StringEquals":{"aws:SourceVpce":"vpc-1a2b3c4d"}}"#,
            identity(),
            &["INVALID_VPCE_FORMAT"],
        );
    }
}
