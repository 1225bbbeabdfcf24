//! What a policy for a given resource type may name: `UNSUPPORTED_RESOURCE_ARN_IN_POLICY` and
//! `INVALID_SERVICE_PRINCIPAL_FORMAT`.
//!
//! AWS check reference: "Error – Unsupported resource ARN in policy" (a resource-based policy for
//! `validatePolicyResourceType` names resources of its own service: S3 bucket and access point
//! policies `s3` ARNs, S3 Object Lambda access point policies `s3-object-lambda` ARNs, DynamoDB
//! table policies `dynamodb` ARNs) and "Error – Invalid service principal format" (condition keys
//! whose values are service principals — `aws:PrincipalServiceName`,
//! `aws:PrincipalServiceNamesList`, `iam:PassedToService`, `iam:AWSServiceName` — take
//! `service-name.amazonaws.com`; IAM User Guide, "AWS service principals", also lists
//! `.amazonaws.com.cn` and a few `.amazon.com` principals). Patterns and variables are not checked.

use super::{Ctx, Rule, ValidatePolicyResourceType, finding};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "resource_type",
    codes: &[
        ("UNSUPPORTED_RESOURCE_ARN_IN_POLICY", Severity::Error),
        ("INVALID_SERVICE_PRINCIPAL_FORMAT", Severity::Error),
    ],
    check,
};

const SERVICE_PRINCIPAL_KEYS: &[&str] = &[
    "aws:principalservicename",
    "aws:principalservicenameslist",
    "iam:passedtoservice",
    "iam:awsservicename",
];

/// `name.amazonaws.com` (or `.amazonaws.com.cn`, `.amazon.com`) with a non-empty DNS-like name.
pub fn is_service_principal(text: &str) -> bool {
    let name = text
        .strip_suffix(".amazonaws.com")
        .or_else(|| text.strip_suffix(".amazonaws.com.cn"))
        .or_else(|| text.strip_suffix(".amazon.com"));
    name.is_some_and(|n| {
        !n.is_empty()
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
    })
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    use ValidatePolicyResourceType as R;
    let service = match cx.options.resource_type {
        Some(R::S3Bucket | R::S3AccessPoint | R::S3MultiRegionAccessPoint) => Some("s3"),
        Some(R::S3ObjectLambdaAccessPoint) => Some("s3-object-lambda"),
        Some(R::DynamoDbTable) => Some("dynamodb"),
        _ => None,
    };
    for st in &cx.syntax.statements {
        if let Some(service) = service {
            for list in [&st.resource, &st.not_resource].into_iter().flatten() {
                for r in &list.items {
                    let Some([_, _, svc, _, _, _]) = crate::pattern::split_arn(&r.value) else {
                        continue;
                    };
                    if !svc.contains(['*', '?']) && !svc.contains("${") && svc != service {
                        out.push(
                            finding(
                                "UNSUPPORTED_RESOURCE_ARN_IN_POLICY",
                                Severity::Error,
                                format!("The resource ARN {} is not supported for the resource-based policy type {}. Use a resource ARN of the service {service}.", r.value, cx.options.resource_type.map_or("", R::as_aws)),
                            )
                            .at(r.path.clone(), r.span),
                        );
                    }
                }
            }
        }
        for (_, k) in super::condition_keys(st) {
            if !SERVICE_PRINCIPAL_KEYS.contains(&k.key.value.to_ascii_lowercase().as_str()) {
                continue;
            }
            for v in &k.values.items {
                let text = v.value.as_str();
                if text.contains(['*', '?']) || text.contains("${") || is_service_principal(text) {
                    continue;
                }
                out.push(
                    finding(
                        "INVALID_SERVICE_PRINCIPAL_FORMAT",
                        Severity::Error,
                        format!("The service principal {text} does not match the expected format. Use the format service-name.amazonaws.com."),
                    )
                    .at(v.path.clone(), v.span),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::*;
    use super::super::{PolicyType, ValidateOptions, ValidatePolicyResourceType};
    use super::RULE;

    fn check(body: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(&stmt(body), &options, &only), expected, "{body}");
    }

    fn bucket() -> ValidateOptions {
        ValidateOptions {
            policy_type: PolicyType::ResourcePolicy,
            resource_type: Some(ValidatePolicyResourceType::S3Bucket),
        }
    }

    #[test]
    fn table() {
        let p = r#""Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:GetObject""#;
        check(
            &format!(r#"{p},"Resource":"arn:aws:s3:::b/*""#),
            bucket(),
            &[],
        );
        check(
            &format!(r#"{p},"Resource":"arn:aws:sqs:us-east-1:123456789012:q""#),
            bucket(),
            &["UNSUPPORTED_RESOURCE_ARN_IN_POLICY"],
        );
        check(
            &format!(r#"{p},"Resource":"arn:aws:sqs:us-east-1:123456789012:q""#),
            resource(),
            &[],
        );
        let c = |v: &str| {
            format!(
                r#""Effect":"Allow","Action":"iam:PassRole","Resource":"*","Condition":{{"StringEquals":{{"iam:PassedToService":{v}}}}}"#
            )
        };
        check(
            &c(r#"["ec2.amazonaws.com","lambda.amazonaws.com"]"#),
            identity(),
            &[],
        );
        check(
            &c(r#""ec2""#),
            identity(),
            &["INVALID_SERVICE_PRINCIPAL_FORMAT"],
        );
        check(&c(r#""*.amazonaws.com""#), identity(), &[]);
    }
}
