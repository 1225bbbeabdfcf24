//! Role trust policies: `ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL`,
//! `ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL`, `ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE`,
//! `MISMATCHED_ACTION_FOR_PRINCIPAL`, `MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY`,
//! `INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY` and
//! `REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY`.
//!
//! AWS check reference, the role-trust sections, and the IAM User Guide "Role trust policies" and
//! "IAM Roles Anywhere" pages: a trust policy has no `NotPrincipal` and no `Resource`; wildcards
//! in principals only as `"*"`; `sts:AssumeRole` goes with AWS and service principals,
//! `sts:AssumeRoleWithSAML` with a SAML provider, `sts:AssumeRoleWithWebIdentity` with an OIDC
//! provider; `rolesanywhere.amazonaws.com` needs `sts:AssumeRole`, `sts:SetSourceIdentity` and
//! `sts:TagSession`. `MISMATCHED_ACTION_FOR_PRINCIPAL` runs on every resource policy, because AWS
//! reports it for a trust policy validated as a plain `RESOURCE_POLICY` (the awscli example,
//! `examples/accessanalyzer/validate-policy.rst`); the message for `sts:AssumeRole` is AWS's, word
//! for word. The other checks need `AWS::IAM::AssumeRolePolicyDocument`.

use super::glob_subset::glob_match as glob;
use super::{Ctx, PolicyType, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::{PrincipalSyntax, Str};

pub const RULE: Rule = Rule {
    name: "role_trust",
    codes: &[
        (
            "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
            Severity::Error,
        ),
        (
            "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
            Severity::Error,
        ),
        ("ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE", Severity::Error),
        ("MISMATCHED_ACTION_FOR_PRINCIPAL", Severity::Error),
        (
            "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
            Severity::Error,
        ),
        (
            "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
            Severity::Error,
        ),
        (
            "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
            Severity::Suggestion,
        ),
    ],
    check,
};

/// Web identity providers that are named by domain instead of an `oidc-provider` ARN.
const WEB_IDENTITY_DOMAINS: &[&str] = &[
    "cognito-identity.amazonaws.com",
    "accounts.google.com",
    "graph.facebook.com",
    "www.amazon.com",
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// AWS accounts, users, roles, sessions and service principals: `sts:AssumeRole`.
    Aws,
    Saml,
    Oidc,
}

fn federated_kind(value: &str) -> Kind {
    if value.contains(":saml-provider/") {
        Kind::Saml
    } else {
        Kind::Oidc
    }
}

fn is_valid_federated(value: &str) -> bool {
    WEB_IDENTITY_DOMAINS.contains(&value)
        || (value.starts_with("arn:")
            && (value.contains(":saml-provider/") || value.contains(":oidc-provider/")))
}

fn principal_values(p: &PrincipalSyntax) -> Vec<(&str, &Str)> {
    match p {
        PrincipalSyntax::Star(_) => Vec::new(),
        PrincipalSyntax::Map { entries, .. } => entries
            .iter()
            .flat_map(|(k, vs)| vs.items.iter().map(move |v| (k.value.as_str(), v)))
            .collect(),
    }
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    if cx.policy_type() != PolicyType::ResourcePolicy {
        return;
    }
    let trust = cx.options.is_role_trust();
    for st in &cx.syntax.statements {
        let principals: Vec<(&str, &Str)> = st
            .principal
            .as_ref()
            .map(principal_values)
            .unwrap_or_default();
        mismatched_actions(st, &principals, out);
        if super::is_allow(st) {
            oidc_conditions(st, &principals, out);
        }
        if !trust {
            continue;
        }
        if let Some(np) = &st.not_principal {
            out.push(
                finding(
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL",
                    Severity::Error,
                    "Role trust policies do not support NotPrincipal. Update the policy to use a Principal element instead.".to_owned(),
                )
                .at(np.path().clone(), np.span()),
            );
        }
        for r in [&st.resource, &st.not_resource].into_iter().flatten() {
            out.push(
                finding(
                    "ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE",
                    Severity::Error,
                    "Role trust policies apply to the role that they are attached to. You cannot specify a resource. Remove the Resource or NotResource element.".to_owned(),
                )
                .at(r.path.clone(), r.span),
            );
        }
        for (key, v) in &principals {
            if v.value != "*" && v.value.contains(['*', '?']) {
                out.push(
                    finding(
                        "ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL",
                        Severity::Error,
                        "\"Principal:\" \"*\" and wildcards in principal values are not supported in role trust policies. Use a specific principal value and, for broad access, add a condition that limits who can assume the role.".to_owned(),
                    )
                    .at(v.path.clone(), v.span),
                );
            }
            if *key == "Federated" && !v.value.contains(['*', '?']) && !is_valid_federated(&v.value)
            {
                out.push(
                    finding(
                        "INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY",
                        Severity::Error,
                        format!("The federated principal {} is not valid. Use the ARN of a SAML or OIDC provider, or cognito-identity.amazonaws.com, accounts.google.com, graph.facebook.com or www.amazon.com.", v.value),
                    )
                    .at(v.path.clone(), v.span),
                );
            }
        }
        // IAM Roles Anywhere.
        if let Some((_, ra)) = principals
            .iter()
            .find(|(k, v)| *k == "Service" && v.value == "rolesanywhere.amazonaws.com")
        {
            let actions = super::items(&st.action);
            let missing: Vec<&str> = ["sts:AssumeRole", "sts:SetSourceIdentity", "sts:TagSession"]
                .into_iter()
                .filter(|need| !actions.iter().any(|a| glob(&a.value, need, true)))
                .collect();
            if st.action.is_some() && !missing.is_empty() {
                out.push(
                    finding(
                        "MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY",
                        Severity::Error,
                        format!("The rolesanywhere.amazonaws.com service principal requires the sts:AssumeRole, sts:SetSourceIdentity, and sts:TagSession permissions to assume a role. Add the missing permissions: {}.", missing.join(", ")),
                    )
                    .at(ra.path.clone(), ra.span),
                );
            }
        }
        // An assumed-role session next to the role it comes from.
        for (key, v) in &principals {
            if *key != "AWS" {
                continue;
            }
            let Some([_, _, service, _, account, resource]) = crate::pattern::split_arn(&v.value)
            else {
                continue;
            };
            let Some(rest) = resource.strip_prefix("assumed-role/") else {
                continue;
            };
            if service != "sts" {
                continue;
            }
            let role = rest.split('/').next().unwrap_or_default();
            let parent = principals.iter().find(|(k2, p)| {
                *k2 == "AWS"
                    && crate::pattern::split_arn(&p.value).is_some_and(|[_, _, s, _, a, r]| {
                        s == "iam"
                            && a == account
                            && r.starts_with("role/")
                            && r.rsplit('/').next() == Some(role)
                    })
            });
            if let Some((_, parent)) = parent {
                out.push(
                    finding(
                        "REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY",
                        Severity::Suggestion,
                        format!("The assumed-role principal {} is redundant with its parent role {}. Remove the assumed-role principal.", v.value, parent.value),
                    )
                    .at(v.path.clone(), v.span),
                );
            }
        }
    }
}

/// The provider host of an OIDC principal (`token.actions.githubusercontent.com` for
/// `arn:aws:iam::…:oidc-provider/token.actions.githubusercontent.com`), or the web identity domain.
fn oidc_host(value: &str) -> Option<&str> {
    if let Some((_, host)) = value.split_once(":oidc-provider/") {
        return Some(host);
    }
    WEB_IDENTITY_DOMAINS.contains(&value).then_some(value)
}

/// `MISSING_GITHUB_REPO_CONDITION_KEY` and `MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL` (AWS check
/// reference, the two security warnings of that name): an OIDC principal without a condition on
/// its own keys lets any identity of that provider assume the role; for GitHub Actions, the
/// repository must be pinned with `token.actions.githubusercontent.com:sub`.
fn oidc_conditions(
    st: &crate::syntax::StatementSyntax,
    principals: &[(&str, &Str)],
    out: &mut Vec<Diagnostic>,
) {
    for (key, v) in principals {
        if *key != "Federated" {
            continue;
        }
        let Some(host) = oidc_host(&v.value) else {
            continue;
        };
        let host_prefix = format!("{}:", host.to_ascii_lowercase());
        if host.eq_ignore_ascii_case("token.actions.githubusercontent.com") {
            if !super::has_condition_key(st, "token.actions.githubusercontent.com:sub") {
                out.push(
                    finding(
                        "MISSING_GITHUB_REPO_CONDITION_KEY",
                        Severity::SecurityWarning,
                        "Granting a federated GitHub principal permissions without a condition key can allow more sources to assume the role than you intended. Add the token.actions.githubusercontent.com:sub condition key and specify the branch and repository name in the value.".to_owned(),
                    )
                    .at(v.path.clone(), v.span),
                );
            }
            continue;
        }
        let has_own_key = super::condition_keys(st)
            .any(|(_, k)| k.key.value.to_ascii_lowercase().starts_with(&host_prefix));
        if !has_own_key {
            out.push(
                finding(
                    "MISSING_CONDITION_KEY_FOR_OIDC_PRINCIPAL",
                    Severity::SecurityWarning,
                    format!("Using an Open ID Connect principal without a condition can be overly permissive. Add condition keys with the prefix {host_prefix} that matches your federated OIDC principal {} to ensure that only the intended identity provider assumes the role.", v.value),
                )
                .at(v.path.clone(), v.span),
            );
        }
    }
}

fn mismatched_actions(
    st: &crate::syntax::StatementSyntax,
    principals: &[(&str, &Str)],
    out: &mut Vec<Diagnostic>,
) {
    for a in super::items(&st.action) {
        let name = a.value.to_ascii_lowercase();
        let (wanted, advice) = match name.as_str() {
            "sts:assumerole" => (
                Kind::Aws,
                "Use a SAML provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of the two options.",
            ),
            "sts:assumerolewithsaml" => (
                Kind::Saml,
                "Use a SAML provider principal with the sts:AssumeRoleWithSAML action. Ensure the provider is Federated.",
            ),
            "sts:assumerolewithwebidentity" => (
                Kind::Oidc,
                "Use an OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated.",
            ),
            _ => continue,
        };
        let bad: Vec<&Str> = principals
            .iter()
            .filter(|(k, v)| {
                let kind = match *k {
                    "Federated" => federated_kind(&v.value),
                    "AWS" | "Service" | "CanonicalUser" => Kind::Aws,
                    _ => return false,
                };
                kind != wanted
            })
            .map(|(_, v)| *v)
            .collect();
        if bad.is_empty() {
            continue;
        }
        let names: Vec<&str> = bad.iter().map(|v| v.value.as_str()).collect();
        let mut d = finding(
            "MISMATCHED_ACTION_FOR_PRINCIPAL",
            Severity::Error,
            format!(
                "The {} action is invalid with the following principal(s): {}. {advice}",
                a.value,
                names.join(", ")
            ),
        )
        .at(a.path.clone(), a.span);
        for v in bad {
            d = d.at(v.path.clone(), v.span);
        }
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::RULE;

    fn check(body: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(&stmt(body), &options, &only), expected, "{body}");
    }

    #[test]
    fn table() {
        check(
            r#""Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole""#,
            trust(),
            &[],
        );
        check(
            r#""Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRole""#,
            resource(),
            &["MISMATCHED_ACTION_FOR_PRINCIPAL"],
        );
        check(
            r#""Effect":"Allow","Principal":{"Federated":"cognito-identity.amazonaws.com"},"Action":"sts:AssumeRoleWithWebIdentity""#,
            trust(),
            &[],
        );
        check(
            r#""Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:saml-provider/idp"},"Action":"sts:AssumeRoleWithWebIdentity""#,
            trust(),
            &["MISMATCHED_ACTION_FOR_PRINCIPAL"],
        );
        check(
            r#""Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:saml-provider/idp"},"Action":"sts:AssumeRoleWithSAML""#,
            trust(),
            &[],
        );
        check(
            r#""Effect":"Allow","NotPrincipal":{"AWS":"123456789012"},"Action":"sts:AssumeRole""#,
            trust(),
            &["ROLE_TRUST_POLICY_SYNTAX_ERROR_NOTPRINCIPAL"],
        );
        check(
            r#""Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/*"},"Action":"sts:AssumeRole""#,
            trust(),
            &["ROLE_TRUST_POLICY_UNSUPPORTED_WILDCARD_IN_PRINCIPAL"],
        );
        check(
            r#""Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole","Resource":"*""#,
            trust(),
            &["ROLE_TRUST_POLICY_SYNTAX_ERROR_RESOURCE"],
        );
        check(
            r#""Effect":"Allow","Principal":{"Service":"rolesanywhere.amazonaws.com"},"Action":"sts:AssumeRole""#,
            trust(),
            &["MISSING_ACTION_FOR_ROLES_ANYWHERE_TRUST_POLICY"],
        );
        check(
            r#""Effect":"Allow","Principal":{"Service":"rolesanywhere.amazonaws.com"},"Action":["sts:AssumeRole","sts:SetSourceIdentity","sts:TagSession"]"#,
            trust(),
            &[],
        );
        check(
            r#""Effect":"Allow","Principal":{"Federated":"example.com"},"Action":"sts:AssumeRoleWithWebIdentity""#,
            trust(),
            &["INVALID_FEDERATED_PRINCIPAL_SYNTAX_IN_ROLE_TRUST_POLICY"],
        );
        check(
            r#""Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:role/r","arn:aws:sts::123456789012:assumed-role/r/s"]},"Action":"sts:AssumeRole""#,
            trust(),
            &["REDUNDANT_PRINCIPAL_IN_ROLE_TRUST_POLICY"],
        );
    }
}
