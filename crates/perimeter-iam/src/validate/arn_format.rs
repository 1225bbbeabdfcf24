//! Resource ARN format: `INVALID_ARN_PREFIX`, `MISSING_ARN_FIELD`, `INVALID_PARTITION`,
//! `INVALID_ARN_SERVICE_CASE`, `INVALID_ARN_REGION`, `ARN_REGION_NOT_ALLOWED`,
//! `INVALID_ARN_ACCOUNT`, `ARN_ACCOUNT_NOT_ALLOWED`, `INVALID_ARN_RESOURCE` and (for the service
//! component) `WILDCARD_IN_SERVICE_NAME`.
//!
//! AWS check reference, the "Error – … ARN …" sections; the IAM User Guide's "IAM identifiers" page
//! for the ARN structure `arn:partition:service:region:account-id:resource`; IAM's own errors in the
//! moto corpus (`Resource … must be in ARN format or "*"`, `Partition "…" is not valid`,
//! `IAM resource … cannot contain region information`, `IAM resource path must either be "*" or
//! start with user/, federated-user/, role/, …`). A component with a wildcard or a policy variable
//! is not checked, and a short ARN whose last component has a `*` (`arn:aws:s3:*`) is a valid
//! pattern, because `*` in a resource matches across colons.
//! One finding per resource, the first problem found in the order above.

use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "arn_format",
    codes: &[
        ("INVALID_ARN_PREFIX", Severity::Error),
        ("MISSING_ARN_FIELD", Severity::Error),
        ("INVALID_PARTITION", Severity::Error),
        ("INVALID_ARN_SERVICE_CASE", Severity::Error),
        ("INVALID_ARN_REGION", Severity::Error),
        ("ARN_REGION_NOT_ALLOWED", Severity::Error),
        ("INVALID_ARN_ACCOUNT", Severity::Error),
        ("ARN_ACCOUNT_NOT_ALLOWED", Severity::Error),
        ("INVALID_ARN_RESOURCE", Severity::Error),
        ("WILDCARD_IN_SERVICE_NAME", Severity::Suggestion),
    ],
    check,
};

/// The partitions AWS has (aws-partitions' `partitions.json`).
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// IAM resource paths (IAM's error message in the moto corpus, moto-invalid-035).
const IAM_RESOURCE_PREFIXES: &[&str] = &[
    "user/",
    "federated-user/",
    "role/",
    "group/",
    "instance-profile/",
    "mfa/",
    "server-certificate/",
    "policy/",
    "sms-mfa/",
    "saml-provider/",
    "oidc-provider/",
    "report/",
    "access-report/",
];

/// S3 resource types whose ARNs carry a Region and an account (Service Authorization Reference,
/// Amazon S3 resource types); buckets and objects carry neither.
const S3_REGIONAL_PREFIXES: &[&str] = &[
    "accesspoint/",
    "job/",
    "storage-lens/",
    "storage-lens-group/",
    "access-grants/",
    "async-request/",
];

fn is_pattern(text: &str) -> bool {
    text.contains(['*', '?']) || text.contains("${")
}

/// A Region code such as `us-east-1` or `us-gov-west-1`.
pub fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    parts.len() >= 3
        && first.len() == 2
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && !last.is_empty()
        && last.bytes().all(|b| b.is_ascii_digit())
        && parts.get(1..parts.len() - 1).is_some_and(|mid| {
            mid.iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        })
}

/// The first problem with a resource ARN: (code, message).
pub fn arn_problem(text: &str) -> Option<(&'static str, Severity, String)> {
    if text == "*" || text.starts_with("${") {
        return None;
    }
    if !text.starts_with("arn:") {
        return Some((
            "INVALID_ARN_PREFIX",
            Severity::Error,
            format!(
                "Add the required prefix (arn) to the resource ARN `{text}`. A resource must be an ARN or `*`."
            ),
        ));
    }
    let missing = || {
        Some((
            "MISSING_ARN_FIELD",
            Severity::Error,
            "Resource ARNs must include at least 6 fields in the following structure: arn:partition:service:region:account:resource".to_owned(),
        ))
    };
    let Some([_, partition, service, region, account, resource]) = crate::pattern::split_arn(text)
    else {
        // `arn:aws:s3:*` is a valid pattern: the last `*` matches the remaining fields.
        let last = text.rsplit(':').next().unwrap_or_default();
        return if last.contains('*') { None } else { missing() };
    };
    if !is_pattern(partition) && !PARTITIONS.contains(&partition) {
        return Some((
            "INVALID_PARTITION",
            Severity::Error,
            format!(
                "The resource ARN for the service {service} does not support the partition {partition}. Use the supported values: {}",
                PARTITIONS.join(", ")
            ),
        ));
    }
    if service.is_empty() {
        return missing();
    }
    if !is_pattern(service) && service.bytes().any(|b| b.is_ascii_uppercase()) {
        return Some((
            "INVALID_ARN_SERVICE_CASE",
            Severity::Error,
            "Update the service name in the resource ARN to use all lowercase letters.".to_owned(),
        ));
    }
    if service != "*" && service.contains(['*', '?']) {
        return Some((
            "WILDCARD_IN_SERVICE_NAME",
            Severity::Suggestion,
            "Avoid using wildcards (*, ?) in the service name because it might grant unintended access to other AWS services with similar names.".to_owned(),
        ));
    }
    let s3_global = service == "s3"
        && !S3_REGIONAL_PREFIXES.iter().any(|p| resource.starts_with(p))
        && !resource.starts_with('*');
    if !region.is_empty() && !is_pattern(region) {
        if service == "iam" || s3_global {
            return Some((
                "ARN_REGION_NOT_ALLOWED",
                Severity::Error,
                format!(
                    "The service {service} does not support specifying a Region in the resource ARN."
                ),
            ));
        }
        if !is_region(region) {
            return Some((
                "INVALID_ARN_REGION",
                Severity::Error,
                format!(
                    "The Region {region} is not valid for this resource. Update the resource ARN to include a supported Region."
                ),
            ));
        }
    }
    if !account.is_empty() && !is_pattern(account) {
        if s3_global {
            return Some((
                "ARN_ACCOUNT_NOT_ALLOWED",
                Severity::Error,
                format!(
                    "The service {service} does not support specifying an account ID in the resource ARN."
                ),
            ));
        }
        if !crate::arn::is_account_id(account) && account != "aws" {
            return Some((
                "INVALID_ARN_ACCOUNT",
                Severity::Error,
                format!(
                    "The resource ARN account ID {account} is not valid. Provide a 12-digit account ID."
                ),
            ));
        }
    }
    if service == "iam" && resource != "*" {
        let literal_head = resource.split(['*', '?']).next().unwrap_or_default();
        let has_wildcard = literal_head.len() < resource.len();
        let fits = IAM_RESOURCE_PREFIXES
            .iter()
            .any(|p| resource.starts_with(p) || (has_wildcard && p.starts_with(literal_head)))
            || resource.starts_with("${")
            || resource == "root"
            || (!has_wildcard
                && !crate::catalog::Catalog::get()
                    .resource_types_for_arn(text)
                    .is_empty());
        if !fits {
            return Some((
                "INVALID_ARN_RESOURCE",
                Severity::Error,
                format!(
                    "Resource ARN does not match the expected ARN format. Update the resource portion of the ARN: IAM resource paths start with {}.",
                    IAM_RESOURCE_PREFIXES.join(", ")
                ),
            ));
        }
    }
    None
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    for st in &cx.syntax.statements {
        for list in [&st.resource, &st.not_resource].into_iter().flatten() {
            for r in &list.items {
                if let Some((code, severity, message)) = arn_problem(&r.value) {
                    out.push(finding(code, severity, message).at(r.path.clone(), r.span));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::arn_problem;

    fn check(arn: &str, expected: Option<&str>) {
        assert_eq!(arn_problem(arn).map(|p| p.0), expected, "{arn}");
    }

    #[test]
    fn table() {
        // Accepted by IAM (moto valid cases) and well-formed.
        check("*", None);
        check("arn:aws:s3:::example_bucket", None);
        check("arn:aws:iam:::user/example_bucket", None);
        check(
            "arn:aws:s3:us-west-2:123456789012:accesspoint/my-access-point",
            None,
        );
        check("arn:aws:iam::aws:policy/AdministratorAccess", None);
        check("arn:aws:kms:*:123456789012:key/*", None);
        check("arn:aws:iam::*:user/${aws:username}", None);
        check("arn:aws:s3:*", None);
        check("arn:aws:iam::*:role*", None);
        // The root user (IAMAuditRootUserCredentials and other managed policies).
        check("arn:aws:iam::*:root", None);
        check("arn:aws:ec2:us-gov-west-1:123456789012:instance/*", None);
        // moto-invalid cases.
        check("invalid resource", Some("INVALID_ARN_PREFIX"));
        check("", Some("INVALID_ARN_PREFIX"));
        check("a:bsdfdsafsad", Some("INVALID_ARN_PREFIX"));
        check("aws:s3:::example_bucket", Some("INVALID_ARN_PREFIX"));
        check("arn:error:s3:::example_bucket", Some("INVALID_PARTITION"));
        check("arn:aws", Some("MISSING_ARN_FIELD"));
        check("arn:aws:s3::example_bucket", Some("MISSING_ARN_FIELD"));
        check("arn:aws::::example_bucket", Some("MISSING_ARN_FIELD"));
        check("arn:aws::fdsasf", Some("MISSING_ARN_FIELD"));
        check("arn:aws:iam:::example_bucket", Some("INVALID_ARN_RESOURCE"));
        check(
            "arn:aws:iam:us-east-1::example_bucket",
            Some("ARN_REGION_NOT_ALLOWED"),
        );
        check(
            "arn:aws:s3:us-east-1::example_bucket",
            Some("ARN_REGION_NOT_ALLOWED"),
        );
        // Other AWS checks.
        check("arn:aws:S3:::b", Some("INVALID_ARN_SERVICE_CASE"));
        check(
            "arn:aws:*code*::111122223333:*",
            Some("WILDCARD_IN_SERVICE_NAME"),
        );
        check("arn:aws:rds:region:*:*", Some("INVALID_ARN_REGION"));
        check(
            "arn:aws:ec2:us-east-1:account-id:instance/*",
            Some("INVALID_ARN_ACCOUNT"),
        );
        check(
            "arn:aws:s3::123456789012:b",
            Some("ARN_ACCOUNT_NOT_ALLOWED"),
        );
    }
}
