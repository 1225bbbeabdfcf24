//! Properties of the filter semantics and of rescans.

use std::collections::{BTreeMap, BTreeSet};

use perimeter_findings::*;
use proptest::prelude::*;

#[cfg(test)]
fn arb_input() -> impl Strategy<Value = FindingInput> {
    (
        0u8..4,
        prop::sample::select(vec!["111122223333", "444455556666", "*"]),
        prop::collection::btree_set(
            prop::sample::select(vec!["s3:GetObject", "s3:PutObject", "s3:ListBucket"]),
            1..3,
        ),
        prop::option::of(prop::sample::select(vec!["vpc-1", "vpc-2"])),
    )
        .prop_map(|(r, p, actions, vpc)| FindingInput {
            resource: format!("arn:aws:s3:::bucket-{r}"),
            resource_type: "AWS::S3::Bucket".to_owned(),
            resource_owner_account: "999999999999".to_owned(),
            principal: BTreeMap::from([("AWS".to_owned(), p.to_owned())]),
            action: actions.into_iter().map(str::to_owned).collect(),
            condition: vpc
                .map(|v| BTreeMap::from([("aws:SourceVpc".to_owned(), v.to_owned())]))
                .unwrap_or_default(),
            is_public: p == "*",
            ..FindingInput::default()
        })
}

#[cfg(test)]
fn setup() -> (Store, String) {
    let mut store = Store::open_in_memory().unwrap();
    let arn = store
        .ensure_analyzer(
            "p",
            AnalyzerType::Account,
            "999999999999",
            "us-east-1",
            Timestamp(0),
        )
        .unwrap()
        .arn;
    (store, arn)
}

#[cfg(test)]
fn open(store: &Store, arn: &str) -> Vec<Finding> {
    store
        .list_findings(
            arn,
            &ListFindingsQuery {
                max_results: Some(1000),
                ..ListFindingsQuery::default()
            },
        )
        .unwrap()
        .findings
        .into_iter()
        .filter(|f| f.status != FindingStatus::Resolved)
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `neq` is exactly the negation of `eq`, and `exists: false` of `exists: true`, on every key.
    #[test]
    fn neq_negates_eq(inputs in prop::collection::vec(arb_input(), 1..6), values in prop::collection::vec(prop::sample::select(vec!["s3:GetObject", "444455556666", "vpc-1", "true", "AWS::S3::Bucket", "x"]), 1..3)) {
        let (mut store, arn) = setup();
        store.record_scan(&arn, inputs, Timestamp(1)).unwrap();
        let values: Vec<String> = values.into_iter().map(str::to_owned).collect();
        for f in open(&store, &arn) {
            for key in ["resource", "resourceType", "isPublic", "principal.AWS", "condition.aws:SourceVpc", "action", "error", "sources"] {
                let v = field_value(&f, key);
                let eq = Criterion { eq: Some(values.clone()), ..Criterion::default() };
                let neq = Criterion { neq: Some(values.clone()), ..Criterion::default() };
                prop_assert_eq!(criterion_matches(&v, &eq), !criterion_matches(&v, &neq), "{} {:?}", key, v);
                let yes = Criterion { exists: Some(true), ..Criterion::default() };
                let no = Criterion { exists: Some(false), ..Criterion::default() };
                prop_assert_eq!(criterion_matches(&v, &yes), !criterion_matches(&v, &no));
            }
        }
    }

    /// Rescanning the same access changes nothing; dropping some access resolves exactly those findings.
    #[test]
    fn rescans_are_stable(inputs in prop::collection::vec(arb_input(), 0..8), keep_mask in prop::collection::vec(any::<bool>(), 8)) {
        let (mut store, arn) = setup();
        let first = store.record_scan(&arn, inputs.clone(), Timestamp(1)).unwrap();
        let keys: BTreeSet<String> = inputs.iter().map(finding_key).collect();
        prop_assert_eq!(first.new, keys.len());
        let before: BTreeMap<String, Finding> = open(&store, &arn).into_iter().map(|f| (f.id.clone(), f)).collect();
        let again = store.record_scan(&arn, inputs.clone(), Timestamp(2)).unwrap();
        prop_assert_eq!((again.new, again.unchanged, again.resolved), (0, keys.len(), 0));
        let after: BTreeMap<String, Finding> = open(&store, &arn).into_iter().map(|f| (f.id.clone(), f)).collect();
        prop_assert_eq!(before.keys().collect::<Vec<_>>(), after.keys().collect::<Vec<_>>());
        for (id, f) in &after {
            prop_assert_eq!(f.created_at, before[id].created_at);
        }
        let kept: Vec<FindingInput> = inputs.iter().zip(keep_mask.iter().cycle()).filter(|(_, k)| **k).map(|(i, _)| i.clone()).collect();
        let kept_keys: BTreeSet<String> = kept.iter().map(finding_key).collect();
        let third = store.record_scan(&arn, kept, Timestamp(3)).unwrap();
        prop_assert_eq!(third.resolved, keys.len() - kept_keys.len());
        prop_assert_eq!(open(&store, &arn).len(), kept_keys.len());
    }
}

/// The key as first defined: a `serde_json::Value` rendered compactly, then SHA-256 in hex. Stores
/// written by earlier versions hold these keys, so `finding_key` must produce the same bytes.
#[cfg(test)]
fn finding_key_as_first_defined(input: &FindingInput) -> String {
    use sha2::{Digest, Sha256};
    let mut action: Vec<&String> = input.action.iter().collect();
    action.sort();
    action.dedup();
    let mut sources: Vec<&FindingSource> = input.sources.iter().collect();
    sources.sort();
    sources.dedup();
    let canonical = serde_json::json!({
        "resource": input.resource,
        "resourceType": input.resource_type,
        "principal": input.principal,
        "action": action,
        "condition": input.condition,
        "sources": sources,
        "error": input.error,
    });
    let digest = Sha256::digest(canonical.to_string().as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
fn arb_any_input() -> impl Strategy<Value = FindingInput> {
    let text = "[a-zA-Z0-9:/*\"\\\\é\u{1F600} _-]{0,12}";
    (
        text,
        text,
        prop::collection::btree_map(text, text, 0..3),
        prop::collection::vec(text, 0..4),
        prop::collection::btree_map(text, text, 0..3),
        prop::collection::vec(
            (
                text,
                prop::option::of((prop::option::of(text), prop::option::of(text))),
            ),
            0..3,
        ),
        prop::option::of(text),
    )
        .prop_map(
            |(resource, ty, principal, action, condition, sources, error)| FindingInput {
                resource,
                resource_type: ty,
                principal,
                action,
                condition,
                sources: sources
                    .into_iter()
                    .map(|(t, d)| FindingSource {
                        source_type: t,
                        detail: d.map(|(arn, account)| FindingSourceDetail {
                            access_point_arn: arn,
                            access_point_account: account,
                        }),
                    })
                    .collect(),
                error,
                ..FindingInput::default()
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn finding_key_keeps_its_bytes(input in arb_any_input()) {
        prop_assert_eq!(finding_key(&input), finding_key_as_first_defined(&input));
    }
}
