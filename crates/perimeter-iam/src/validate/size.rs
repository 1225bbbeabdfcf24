//! Policy size quotas: `POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA`,
//! `POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA`, `POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA`,
//! `POLICY_SIZE_EXCEEDS_SCP_QUOTA` and `PERIMETER_POLICY_SIZE_EXCEEDS_RCP_QUOTA`.
//!
//! AWS check reference, "General Warning – Policy size exceeds identity policy quota" (characters
//! excluding whitespace, default quota 6,144 for a managed policy) and "Error – Policy size exceeds
//! SCP quota"; IAM quotas page (`reference_iam-quotas.html`): role trust policy 2,048 characters by
//! default; AWS Organizations quotas: SCP and RCP documents 5,120 characters; S3 bucket and access
//! point policies and DynamoDB resource policies 20 KB. Whitespace is not counted for any of them.

use super::{Ctx, PolicyType, Rule, ValidatePolicyResourceType, finding};
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "size",
    codes: &[
        (
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            Severity::Warning,
        ),
        (
            "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
            Severity::Warning,
        ),
        (
            "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
            Severity::Warning,
        ),
        ("POLICY_SIZE_EXCEEDS_SCP_QUOTA", Severity::Error),
        ("PERIMETER_POLICY_SIZE_EXCEEDS_RCP_QUOTA", Severity::Error),
    ],
    check,
};

/// Characters that count against a quota: every character that is not whitespace.
pub fn policy_size(src: &str) -> usize {
    src.chars().filter(|c| !c.is_whitespace()).count()
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    use ValidatePolicyResourceType as R;
    let (code, severity, quota, what) = match (cx.policy_type(), cx.options.resource_type) {
        (PolicyType::IdentityPolicy, _) => (
            "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA",
            Severity::Warning,
            6_144,
            "The characters in the identity policy, excluding whitespace, exceed the character maximum for inline and managed policies. We recommend that you use multiple granular policies.",
        ),
        (PolicyType::ServiceControlPolicy, _) => (
            "POLICY_SIZE_EXCEEDS_SCP_QUOTA",
            Severity::Error,
            5_120,
            "The characters in the service control policy (SCP) exceed the character maximum for SCPs. We recommend that you use multiple granular policies.",
        ),
        (PolicyType::ResourceControlPolicy, _) => (
            "PERIMETER_POLICY_SIZE_EXCEEDS_RCP_QUOTA",
            Severity::Error,
            5_120,
            "The characters in the resource control policy (RCP), excluding whitespace, exceed the character maximum of 5,120 for RCPs. We recommend that you use multiple granular policies.",
        ),
        (PolicyType::ResourcePolicy, Some(R::IamAssumeRolePolicyDocument)) => (
            "POLICY_SIZE_EXCEEDS_ROLE_TRUST_POLICY_QUOTA",
            Severity::Warning,
            2_048,
            "The characters in the role trust policy, excluding whitespace, exceed the default character maximum of 2,048. We recommend that you use multiple granular statements or request a quota increase.",
        ),
        (PolicyType::ResourcePolicy, Some(_)) => (
            "POLICY_SIZE_EXCEEDS_RESOURCE_POLICY_QUOTA",
            Severity::Warning,
            20_480,
            "The characters in the resource policy, excluding whitespace, exceed the character maximum of 20 KB for this resource type. We recommend that you use multiple granular policies.",
        ),
        (PolicyType::ResourcePolicy, None) => return,
    };
    let size = policy_size(cx.src);
    if size > quota {
        out.push(
            finding(
                code,
                severity,
                format!("{what} (size {size}, quota {quota})"),
            )
            .at(Vec::new(), cx.syntax.span),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::{RULE, policy_size};

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(src, &options, &only), expected);
    }

    fn with_actions(n: usize) -> String {
        let actions: Vec<String> = (0..n).map(|i| format!("\"s3:GetObject{i:05}\"")).collect();
        stmt(&format!(
            r#""Effect":"Allow","Action":[{}],"Resource":"*""#,
            actions.join(",")
        ))
    }

    #[test]
    fn table() {
        assert_eq!(policy_size("{ \"a\" :\n\t\"b c\" }"), 10);
        // 20 characters per action: 300 actions ≈ 6,000 + the frame; 320 is over 6,144.
        check(&with_actions(100), identity(), &[]);
        check(
            &with_actions(320),
            identity(),
            &["POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA"],
        );
        check(
            &with_actions(320),
            scp(),
            &["POLICY_SIZE_EXCEEDS_SCP_QUOTA"],
        );
        check(&with_actions(200), scp(), &[]);
        check(&with_actions(320), resource(), &[]);
        // Whitespace does not count.
        let padded = with_actions(100).replace(',', &format!(",{}", " ".repeat(100)));
        assert!(padded.len() > 6_144 && policy_size(&padded) < 6_144);
        check(&padded, identity(), &[]);
    }
}
