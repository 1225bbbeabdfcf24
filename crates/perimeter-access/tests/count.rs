//! `compare-policies --count`: the difference of two policies in catalog units.
//!
//! Every expected number is computed from the catalog through `perimeter_iam::catalog`'s own
//! matchers (`actions_matching`, `match_arn_format`), which share no code with the symbolic engine.

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a policy or catalog entry that is missing fails the test"
)]

use perimeter_access::AccessCheckPolicyType;
use perimeter_access::count::{DifferenceCount, count_difference};
use perimeter_iam::catalog::{Catalog, match_arn_format};

fn policy(statements: &str) -> perimeter_iam::Policy {
    let text = format!(r#"{{"Version":"2012-10-17","Statement":[{statements}]}}"#);
    perimeter_iam::parse_and_lower(&text).unwrap_or_else(|d| panic!("{d:?}\n{text}"))
}

fn allow(action: &str, resource: &str) -> String {
    format!(r#"{{"Effect":"Allow","Action":"{action}","Resource":"{resource}"}}"#)
}

fn deny(action: &str, resource: &str) -> String {
    format!(r#"{{"Effect":"Deny","Action":"{action}","Resource":"{resource}"}}"#)
}

fn count(a: &str, b: &str) -> DifferenceCount {
    let c = count_difference(
        &policy(a),
        &policy(b),
        AccessCheckPolicyType::IdentityPolicy,
    );
    assert_eq!(c.reason, None, "{c:?}");
    c
}

/// Catalog actions matching every `include` pattern set minus every `exclude` one, as full names.
fn actions(include: &[&str], exclude: &[&str]) -> Vec<String> {
    let cat = Catalog::get();
    let names = |p: &str| -> Vec<String> {
        cat.actions_matching(p)
            .iter()
            .map(|a| a.full_name())
            .collect()
    };
    let ex: Vec<String> = exclude.iter().flat_map(|p| names(p)).collect();
    let mut out: Vec<String> = include
        .iter()
        .flat_map(|p| names(p))
        .filter(|n| !ex.contains(n))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The ARN formats of an action's resource types (none: the action supports only `*`).
fn formats(full_name: &str) -> Vec<&'static str> {
    let cat = Catalog::get();
    let a = cat.action_by_full_name(full_name).unwrap();
    a.action
        .resources()
        .iter()
        .map(|r| a.service.resource_type(r.name()).unwrap().arn_format())
        .collect()
}

#[test]
fn equal_policies_differ_in_nothing() {
    let p = allow("s3:Get*", "*");
    let c = count(&p, &p);
    assert_eq!(c.actions, 0);
    assert_eq!(c.action_resource_types, Some(0));
    assert_eq!(c.class_assignments, "0");
}

#[test]
fn actions_and_pairs_with_an_unconstrained_resource() {
    // `s3:Get*` on `*` against `s3:GetObject` on `*`: every other `s3:Get…` action, on every one of
    // its resource types (or on `*` for actions without resource types).
    let c = count(&allow("s3:Get*", "*"), &allow("s3:GetObject", "*"));
    let expected = actions(&["s3:Get*"], &["s3:GetObject"]);
    assert!(expected.len() > 50, "the catalog lists many s3:Get actions");
    assert_eq!(c.actions, expected.len() as u64);
    assert_eq!(
        c.actions_by_service.get("s3"),
        Some(&(expected.len() as u64))
    );
    let pairs: usize = expected.iter().map(|a| formats(a).len().max(1)).sum();
    assert_eq!(c.action_resource_types, Some(pairs as u64));
    assert_eq!(c.uncatalogued_action_classes, 0);
}

#[test]
fn a_deny_removes_actions_from_the_difference() {
    let a = [allow("s3:*", "*"), deny("s3:Put*", "*")].join(",");
    let c = count(&a, &allow("s3:Get*", "*"));
    let expected = actions(&["s3:*"], &["s3:Put*", "s3:Get*"]);
    assert_eq!(c.actions, expected.len() as u64);
}

#[test]
fn a_fixed_resource_keeps_only_the_resource_types_it_can_be() {
    // `s3:*` on the bucket ARN `arn:aws:s3:::b`: a pair counts iff the ARN is of the pair's
    // resource type. Actions without resource types need `"Resource": "*"` and do not count.
    let arn = "arn:aws:s3:::b";
    let c = count(&allow("s3:*", arn), &allow("sqs:SendMessage", "*"));
    let all = actions(&["s3:*"], &[]);
    assert_eq!(c.actions, all.len() as u64);
    let pairs: usize = all
        .iter()
        .map(|a| {
            formats(a)
                .iter()
                .filter(|f| match_arn_format(arn, f) == Some(true))
                .count()
        })
        .sum();
    assert!(pairs > 10, "many s3 actions act on buckets");
    assert_eq!(c.action_resource_types, Some(pairs as u64));
}

#[test]
fn actions_that_need_a_star_resource_count_only_with_it() {
    // `s3:ListAllMyBuckets` has no resource type: it is granted only by `"Resource": "*"`.
    let c = count(
        &allow("s3:ListAllMyBuckets", "arn:aws:s3:::b"),
        &allow("sqs:SendMessage", "*"),
    );
    assert_eq!(formats("s3:ListAllMyBuckets"), Vec::<&str>::new());
    assert_eq!(
        c.actions, 1,
        "a request with that resource string is still in the difference"
    );
    assert_eq!(c.action_resource_types, Some(0));
    let c = count(
        &allow("s3:ListAllMyBuckets", "*"),
        &allow("sqs:SendMessage", "*"),
    );
    assert_eq!(c.action_resource_types, Some(1));
}

#[test]
fn uncatalogued_actions_are_counted_apart() {
    let c = count(
        &allow("s3:NoSuchAction", "*"),
        &allow("sqs:SendMessage", "*"),
    );
    assert_eq!(c.actions, 0);
    assert_eq!(c.uncatalogued_action_classes, 1);
    assert_eq!(c.action_resource_types, Some(0));
}
