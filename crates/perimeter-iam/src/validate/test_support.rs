//! Table-test support shared by the rule modules.

use super::{PolicyType, ValidateOptions, ValidatePolicyResourceType, validate_policy};

/// The codes `validate_policy` reports for `src`, keeping only those in `only`.
pub fn codes(src: &str, options: &ValidateOptions, only: &[&str]) -> Vec<&'static str> {
    validate_policy(src, options)
        .into_iter()
        .map(|d| d.code)
        .filter(|c| only.contains(c))
        .collect()
}

pub fn identity() -> ValidateOptions {
    ValidateOptions::new(PolicyType::IdentityPolicy)
}

pub fn resource() -> ValidateOptions {
    ValidateOptions::new(PolicyType::ResourcePolicy)
}

pub fn scp() -> ValidateOptions {
    ValidateOptions::new(PolicyType::ServiceControlPolicy)
}

pub fn trust() -> ValidateOptions {
    ValidateOptions {
        policy_type: PolicyType::ResourcePolicy,
        resource_type: Some(ValidatePolicyResourceType::IamAssumeRolePolicyDocument),
    }
}

/// A one-statement identity policy with the given statement body.
pub fn stmt(body: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{{body}}}]}}"#)
}
