//! accessrefinery corpus (findings recorded from the real IAM Access Analyzer, SOURCE.md): our
//! findings on each bucket policy, placed on `arn:aws:s3:::antsknmath` in account 222634363387 with an
//! ACCOUNT zone of trust, against the recorded ones.

use std::collections::{BTreeMap, BTreeSet};

use perimeter_access::external::{ExternalResource, ZoneOfTrust, find_resource_findings};
use perimeter_access::witness::{Side, caller_from_key, replay};
use perimeter_iam::eval::ResourcePolicyKind;

type Tuple = (
    BTreeMap<String, String>,
    Vec<String>,
    BTreeMap<String, String>,
    bool,
);

fn corpus() -> Option<std::path::PathBuf> {
    std::env::var_os("PERIMETER_CORPORA")
        .map(|p| std::path::PathBuf::from(p).join("accessrefinery/cases.jsonl"))
}

fn map(v: &serde_json::Value) -> BTreeMap<String, String> {
    v.as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn findings_equal_recorded_access_analyzer_findings() {
    let Some(path) = corpus() else {
        println!("PERIMETER_CORPORA unset: accessrefinery comparison did not run");
        return;
    };
    let text = std::fs::read_to_string(path).unwrap();
    let zone = ZoneOfTrust::Account("222634363387".to_owned());
    let mut compared = 0;
    let mut witnesses = 0;
    let mut mismatches = Vec::new();
    for line in text.lines() {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let id = case["id"].as_str().unwrap().to_owned();
        let Some(recorded) = case["aws_access_analyzer_findings"].as_array() else {
            continue;
        };
        let policy = perimeter_iam::parse_and_lower(&case["policy"].to_string()).unwrap();
        let r = ExternalResource {
            arn: "arn:aws:s3:::antsknmath".to_owned(),
            resource_type: "AWS::S3::Bucket".to_owned(),
            owner_account: "222634363387".to_owned(),
            policy: Some(policy),
            ..ExternalResource::default()
        };
        let found = find_resource_findings(&r, &zone).unwrap();
        // Acceptance 3: every witness replays through the reference evaluator as allowed and external.
        for f in &found {
            let w = f.witness.as_ref().unwrap();
            let policy = r.policy.as_ref().unwrap();
            assert_eq!(
                replay(policy, Side::Resource(ResourcePolicyKind::Generic), w),
                Some(true),
                "{id}: {w:?}"
            );
            let caller = caller_from_key(&w.caller.0).unwrap();
            assert!(
                caller.account().is_none_or(|a| a != "222634363387"),
                "{id}: {w:?}"
            );
            witnesses += 1;
        }
        let ours: BTreeSet<Tuple> = found
            .into_iter()
            .map(|f| (f.principal, f.action, f.condition, f.is_public))
            .collect();
        let aws: BTreeSet<Tuple> = recorded
            .iter()
            .map(|f| {
                let mut a: Vec<String> = f["action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| x.as_str().unwrap().to_owned())
                    .collect();
                a.sort();
                (
                    map(&f["principal"]),
                    a,
                    map(&f["condition"]),
                    f["isPublic"].as_bool().unwrap(),
                )
            })
            .collect();
        compared += 1;
        if ours != aws {
            mismatches.push(format!(
                "{id}: ours-only {:?}\n   aws-only {:?}",
                ours.difference(&aws).collect::<Vec<_>>(),
                aws.difference(&ours).collect::<Vec<_>>()
            ));
        }
    }
    assert_eq!(compared, 32);
    assert_eq!(witnesses, 811);
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
