//! `REDUNDANT_ACTION`, `REDUNDANT_RESOURCE` and `REDUNDANT_STATEMENT`.
//!
//! AWS check reference: "Suggestion – Redundant action" (an action entry all of whose actions are
//! covered by another entry of the same element, such as `iam:GetCredentialReport` under
//! `iam:Get*`; `iam:*CredentialReport` is *not* redundant there), "Suggestion – Redundant resource"
//! (`role/jane-admin` under `role/jane*`) and "Suggestion – Redundant statement" (the same statement
//! twice). Coverage is glob inclusion ([`super::glob_subset`]): actions compare case-insensitively,
//! resources case-sensitively; of two identical entries the later one is reported. Statements are
//! compared without their `Sid`, with each element as a set. An action the catalog does not know
//! is reported as `INVALID_ACTION` only.

use super::glob_subset::{includes, includes_arn};
use super::{Ctx, Rule, finding};
use crate::diagnostic::{Diagnostic, Severity};
use crate::syntax::{PrincipalSyntax, StatementSyntax, Str, StrList};

pub const RULE: Rule = Rule {
    name: "redundant",
    codes: &[
        ("REDUNDANT_ACTION", Severity::Suggestion),
        ("REDUNDANT_RESOURCE", Severity::Suggestion),
        ("REDUNDANT_STATEMENT", Severity::Suggestion),
    ],
    check,
};

/// The first `fields` colon-separated fields (the service of an action; `arn:partition:service` of
/// an ARN); `None` when they have a wildcard, so that the entry may cover entries of any prefix.
fn bucket(text: &str, fields: usize, fold: bool) -> Option<String> {
    let parts: Vec<&str> = text.splitn(fields + 1, ':').collect();
    let head = parts.get(..fields)?;
    if parts.len() <= fields || head.iter().any(|h| h.contains(['*', '?'])) {
        return None;
    }
    let joined = head.join(":");
    Some(if fold {
        joined.to_ascii_lowercase()
    } else {
        joined
    })
}

/// Entries covered by another entry of the same list. Literal entries are compared by hashing and
/// against the patterns of their own prefix only, so a list of thousands of actions stays fast.
fn redundant_items(items: &[Str], case_insensitive: bool, fields: usize) -> Vec<(&Str, &Str)> {
    use std::collections::HashMap;
    let key = |s: &Str| {
        if case_insensitive {
            s.value.to_ascii_lowercase()
        } else {
            s.value.clone()
        }
    };
    let usable = |s: &Str| !s.value.contains("${");
    let is_pattern = |s: &Str| s.value.contains(['*', '?']);
    // Patterns by prefix bucket (None: may cover anything).
    let mut patterns: HashMap<Option<String>, Vec<usize>> = HashMap::new();
    let mut first_literal: HashMap<String, usize> = HashMap::new();
    for (i, s) in items.iter().enumerate().filter(|(_, s)| usable(s)) {
        if is_pattern(s) {
            patterns
                .entry(bucket(&s.value, fields, case_insensitive))
                .or_default()
                .push(i);
        } else {
            first_literal.entry(key(s)).or_insert(i);
        }
    }
    let wild: &[usize] = patterns.get(&None).map_or(&[], Vec::as_slice);
    let mut out = Vec::new();
    for (i, a) in items.iter().enumerate().filter(|(_, s)| usable(s)) {
        let own: &[usize] = match bucket(&a.value, fields, case_insensitive) {
            Some(b) => patterns.get(&Some(b)).map_or(&[], Vec::as_slice),
            None => &[],
        };
        let covering = own.iter().chain(wild).copied().find(|&j| {
            let Some(b) = items.get(j) else { return false };
            let inc = |x: &str, y: &str| {
                if case_insensitive {
                    includes(x, y, true)
                } else {
                    includes_arn(x, y)
                }
            };
            j != i
                && inc(&b.value, &a.value)
                // Of two equivalent entries, only the later one is redundant.
                && !(j > i && inc(&a.value, &b.value))
        });
        let covering = covering.or_else(|| {
            (!is_pattern(a))
                .then(|| first_literal.get(&key(a)).copied().filter(|&j| j < i))
                .flatten()
        });
        if let Some(b) = covering.and_then(|j| items.get(j)) {
            out.push((a, b));
        }
    }
    out
}

fn canonical_list(list: &Option<StrList>, fold: bool) -> Vec<String> {
    let mut v: Vec<String> = super::items(list)
        .iter()
        .map(|s| {
            if fold {
                s.value.to_ascii_lowercase()
            } else {
                s.value.clone()
            }
        })
        .collect();
    v.sort();
    v.dedup();
    v
}

fn canonical_principal(p: &Option<PrincipalSyntax>) -> Option<Vec<String>> {
    p.as_ref().map(|p| {
        let mut v: Vec<String> = match p {
            PrincipalSyntax::Star(s) => vec![s.value.clone()],
            PrincipalSyntax::Map { entries, .. } => entries
                .iter()
                .flat_map(|(k, vs)| {
                    vs.items
                        .iter()
                        .map(move |v| format!("{}={}", k.value, v.value))
                })
                .collect(),
        };
        v.sort();
        v.dedup();
        v
    })
}

/// A statement's meaning as text, for comparing statements.
fn canonical_statement(st: &StatementSyntax) -> String {
    let mut cond: Vec<String> = super::condition_keys(st)
        .map(|(op, k)| {
            let mut vals: Vec<&str> = k.values.items.iter().map(|v| v.value.as_str()).collect();
            vals.sort_unstable();
            format!(
                "{}|{}|{}",
                op.operator.value,
                k.key.value.to_ascii_lowercase(),
                vals.join("\u{1f}")
            )
        })
        .collect();
    cond.sort();
    format!(
        "{:?}\u{1e}{:?}\u{1e}{:?}\u{1e}{:?}\u{1e}{:?}\u{1e}{:?}\u{1e}{:?}\u{1e}{:?}\u{1e}{:?}",
        st.effect.as_ref().map(|e| &e.value),
        canonical_principal(&st.principal),
        canonical_principal(&st.not_principal),
        st.action.as_ref().map(|_| canonical_list(&st.action, true)),
        st.not_action
            .as_ref()
            .map(|_| canonical_list(&st.not_action, true)),
        st.resource
            .as_ref()
            .map(|_| canonical_list(&st.resource, false)),
        st.not_resource
            .as_ref()
            .map(|_| canonical_list(&st.not_resource, false)),
        st.condition.is_some(),
        cond,
    )
}

fn check(cx: &Ctx<'_>, out: &mut Vec<Diagnostic>) {
    let mut seen: Vec<String> = Vec::new();
    for st in &cx.syntax.statements {
        for list in [&st.action, &st.not_action].into_iter().flatten() {
            for (a, b) in redundant_items(&list.items, true, 1) {
                // An action that does not exist is INVALID_ACTION, not redundant.
                if super::catalog_actions::action_problem(crate::catalog::Catalog::get(), &a.value)
                    .is_some()
                {
                    continue;
                }
                out.push(
                    finding(
                        "REDUNDANT_ACTION",
                        Severity::Suggestion,
                        format!("The action(s) are redundant because they provide similar permissions. Update the policy to remove the redundant action such as: {} (covered by {}).", a.value, b.value),
                    )
                    .at(a.path.clone(), a.span),
                );
            }
        }
        for list in [&st.resource, &st.not_resource].into_iter().flatten() {
            for (a, b) in redundant_items(&list.items, false, 3) {
                out.push(
                    finding(
                        "REDUNDANT_RESOURCE",
                        Severity::Suggestion,
                        format!("The resource ARN(s) are redundant because they reference the same resource. Review the use of wildcards (*): {} is covered by {}.", a.value, b.value),
                    )
                    .at(a.path.clone(), a.span),
                );
            }
        }
        let canon = canonical_statement(st);
        if seen.contains(&canon) {
            out.push(
                finding(
                    "REDUNDANT_STATEMENT",
                    Severity::Suggestion,
                    "The statements are redundant because they provide identical permissions. Update the policy to remove the redundant statement.".to_owned(),
                )
                .at(st.path.clone(), st.span),
            );
        } else {
            seen.push(canon);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::ValidateOptions;
    use super::super::test_support::*;
    use super::RULE;

    fn check(src: &str, options: ValidateOptions, expected: &[&str]) {
        let only: Vec<&str> = RULE.codes.iter().map(|c| c.0).collect();
        assert_eq!(codes(src, &options, &only), expected, "{src}");
    }

    #[test]
    fn table() {
        // The check reference's examples.
        check(
            &stmt(
                r#""Effect":"Allow","Action":["iam:Get*","iam:List*","iam:GetCredentialReport"],"Resource":"*""#,
            ),
            identity(),
            &["REDUNDANT_ACTION"],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":["iam:Get*","iam:List*","iam:*CredentialReport"],"Resource":"*""#,
            ),
            identity(),
            &[],
        );
        check(
            &stmt(
                r#""Effect":"Allow","Action":"iam:PassRole","Resource":["arn:aws:iam::111122223333:role/jane-admin","arn:aws:iam::111122223333:role/jane-s3only","arn:aws:iam::111122223333:role/jane*"]"#,
            ),
            identity(),
            &["REDUNDANT_RESOURCE", "REDUNDANT_RESOURCE"],
        );
        check(
            &stmt(r#""Effect":"Allow","Action":["s3:GetObject","S3:GETOBJECT"],"Resource":"*""#),
            identity(),
            &["REDUNDANT_ACTION"],
        );
        let s = r#"{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}"#;
        let s2 = r#"{"Sid":"Other","Effect":"Allow","Action":["s3:GetObject"],"Resource":["*"]}"#;
        check(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{s},{s2}]}}"#),
            identity(),
            &["REDUNDANT_STATEMENT"],
        );
        let s3 = r#"{"Effect":"Deny","Action":"s3:GetObject","Resource":"*"}"#;
        check(
            &format!(r#"{{"Version":"2012-10-17","Statement":[{s},{s3}]}}"#),
            identity(),
            &[],
        );
    }
}
