//! Tag condition keys on services that do not support them:
//! `ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE`,
//! `ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE`,
//! `DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE` and
//! `DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE`.
//!
//! AWS check reference, the "… unsupported tag condition key for service" sections: when a statement
//! tests `aws:ResourceTag/…` and names actions of a service none of whose named actions support that
//! key (per the Service Authorization Reference, `crate::catalog`), the key is absent from those
//! requests: an `Allow` never applies to them (SUGGESTION), a `Deny` never denies them
//! (SECURITY_WARNING). With `NotAction`, the statement covers actions of every service, so the same
//! holds for all services that do not support the key.

use super::{Ctx, Rule, finding, is_allow};
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::Str;

pub const RULE: Rule = Rule {
    name: "tag_keys",
    codes: &[
        (
            "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            Severity::Suggestion,
        ),
        (
            "ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            Severity::Suggestion,
        ),
        (
            "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            Severity::SecurityWarning,
        ),
        (
            "DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
            Severity::SecurityWarning,
        ),
    ],
    check,
};

const TAG_KEY: &str = "aws:ResourceTag/${TagKey}";

/// Whether an action lists `aws:ResourceTag/${TagKey}` among its own keys.
fn supports_tag(catalog: &Catalog, prefix: &str, name: &str) -> Option<bool> {
    let keys = catalog.condition_keys_for_action(prefix, name)?;
    Some(keys.iter().any(|k| k.eq_ignore_ascii_case(TAG_KEY)))
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = Catalog::get();
    for st in &cx.syntax.statements {
        let Some(tag_key) = super::condition_keys(st).map(|(_, k)| k).find(|k| {
            k.key
                .value
                .to_ascii_lowercase()
                .starts_with("aws:resourcetag/")
        }) else {
            continue;
        };
        let allow = is_allow(st);
        if !allow && !super::is_deny(st) {
            continue;
        }
        if let Some(not_action) = &st.not_action {
            let (code, severity, message) = if allow {
                (
                    "ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                    Severity::Suggestion,
                    "Using the effect Allow with NotAction and the tag condition key allows only service actions that support the condition key. The condition key doesn't apply to some service actions. We recommend that you use Action instead of NotAction.",
                )
            } else {
                (
                    "DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                    Severity::SecurityWarning,
                    "Using the effect Deny with NotAction and the tag condition key can be overly permissive because some service actions are not denied by this statement. This is because the condition key doesn't apply to some service actions. We recommend that you use Action instead of NotAction.",
                )
            };
            out.push(
                finding(code, severity, message.to_owned())
                    .at(not_action.path.clone(), not_action.span)
                    .at(tag_key.key.path.clone(), tag_key.key.span),
            );
            continue;
        }
        // Per service: does any named action of it support the key?
        let mut services: Vec<(String, bool, Vec<&Str>)> = Vec::new();
        for a in super::items(&st.action) {
            let Some((prefix, name)) = a.value.split_once(':') else {
                continue;
            };
            if prefix.contains(['*', '?']) {
                continue;
            }
            let supported = if name.contains(['*', '?']) {
                let matched = catalog.actions_matching(&a.value);
                if matched.is_empty() {
                    continue;
                }
                matched.iter().any(|m| {
                    supports_tag(catalog, m.service.prefix(), m.action.name()) == Some(true)
                })
            } else {
                match supports_tag(catalog, prefix, name) {
                    Some(s) => s,
                    None => continue,
                }
            };
            let p = prefix.to_ascii_lowercase();
            match services.iter_mut().find(|(s, _, _)| *s == p) {
                Some(entry) => {
                    entry.1 |= supported;
                    entry.2.push(a);
                }
                None => services.push((p, supported, vec![a])),
            }
        }
        let unsupported: Vec<&(String, bool, Vec<&Str>)> =
            services.iter().filter(|(_, s, _)| !s).collect();
        if unsupported.is_empty() {
            continue;
        }
        let prefixes: Vec<&str> = unsupported.iter().map(|(p, _, _)| p.as_str()).collect();
        let (code, severity, message) = if allow {
            (
                "ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                Severity::Suggestion,
                format!(
                    "Using the effect Allow with the tag condition key {} and actions for services with the following prefixes does not affect the policy: {}. Actions for the listed service are not allowed by this statement. We recommend that you move these actions to a different statement without this condition key.",
                    tag_key.key.value,
                    prefixes.join(", ")
                ),
            )
        } else {
            (
                "DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE",
                Severity::SecurityWarning,
                format!(
                    "Using the effect Deny with the tag condition key {} and actions for services with the following prefixes can be overly permissive: {}. Actions for the listed services are not denied by this statement. We recommend that you move these actions to a different statement without this condition key.",
                    tag_key.key.value,
                    prefixes.join(", ")
                ),
            )
        };
        let mut d = finding(code, severity, message);
        for (_, _, actions) in unsupported {
            for a in actions {
                d = d.at(a.path.clone(), a.span);
            }
        }
        out.push(d.at(tag_key.key.path.clone(), tag_key.key.span));
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
        let cond = r#""Condition":{"StringEquals":{"aws:ResourceTag/status":"Confidential"}}"#;
        // The check reference's example: App Mesh and Backup support aws:ResourceTag.
        check(
            &format!(
                r#""Effect":"Deny","Action":["appmesh:DeleteMesh","backup:DeleteBackupPlan"],"Resource":"*",{cond}"#
            ),
            identity(),
            &[],
        );
        check(
            &format!(
                r#""Effect":"Allow","Action":["appmesh:DescribeMesh","backup:GetBackupPlan"],"Resource":"*",{cond}"#
            ),
            identity(),
            &[],
        );
        // An action that names no resource type supports no resource tag (s3:ListAllMyBuckets).
        check(
            &format!(r#""Effect":"Deny","Action":"s3:ListAllMyBuckets","Resource":"*",{cond}"#),
            identity(),
            &["DENY_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"],
        );
        check(
            &format!(r#""Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*",{cond}"#),
            identity(),
            &["ALLOW_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"],
        );
        check(
            &format!(r#""Effect":"Deny","NotAction":"iam:*","Resource":"*",{cond}"#),
            identity(),
            &["DENY_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"],
        );
        check(
            &format!(r#""Effect":"Allow","NotAction":"iam:*","Resource":"*",{cond}"#),
            identity(),
            &["ALLOW_NOT_ACTION_WITH_UNSUPPORTED_TAG_CONDITION_KEY_FOR_SERVICE"],
        );
        check(
            r#""Effect":"Deny","Action":"s3:ListAllMyBuckets","Resource":"*""#,
            identity(),
            &[],
        );
    }
}
