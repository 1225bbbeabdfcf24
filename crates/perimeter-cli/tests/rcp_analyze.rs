//! `perimeter analyze` sets `resourceControlPolicyRestriction` on every finding from the organization's
//! resource control policies (RCPs) in the snapshot, on a scratch copy of the bundled example account
//! with RCP files added (the shapes of `aws organizations list-policies --filter RESOURCE_CONTROL_POLICY`,
//! `describe-policy`, `list-targets-for-policy`, `list-parents`).
//!
//! What AWS would report, and why:
//! - botocore `accessanalyzer` model, `ExternalAccessDetails.resourceControlPolicyRestriction`:
//!   APPLICABLE = "There is an RCP present in the organization but IAM Access Analyzer does not include
//!   it in the evaluation of effective permissions" (the blocked actions stay in the finding);
//!   NOT_APPLICABLE = "no RCP present in the organization, or there was no RCP applicable to the
//!   resource" (its example: an RDS snapshot and an RCP that only impacts S3 buckets).
//! - AWS Organizations user guide, orgs_manage_policies_rcps.html: "RCPs don't affect resources in the
//!   management account"; RCPs apply to S3, STS, KMS, SQS, Secrets Manager (and later additions), not to
//!   SNS.
//!
//! The example account `123456789012` is its organization's management account, so the tests that
//! expect APPLICABLE first make another account (`602880758750`, the organization's other member) the
//! management account.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: malformed output fails the test"
)]

#[path = "support/example.rs"]
mod example;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const S3_ORG_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"EnforceOrgIdentities","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-snfw009mi6"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}"#;
const FULL_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

/// Runs `perimeter analyze DIR`; returns the exit code, the findings and stderr.
fn analyze(dir: &Path) -> (Option<i32>, Vec<serde_json::Value>, String) {
    analyze_with(dir, &[])
}

fn analyze_with(dir: &Path, extra: &[&str]) -> (Option<i32>, Vec<serde_json::Value>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_perimeter"))
        .arg("analyze")
        .arg(dir)
        .args(extra)
        .env("PERIMETER_NOW", "2026-01-15T09:30:00Z")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        out.status.code(),
        v["findings"].as_array().unwrap().clone(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// resource type → the set of restrictions its findings carry (`-` for an absent field).
fn by_type(findings: &[serde_json::Value]) -> BTreeMap<String, Vec<String>> {
    let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for f in findings {
        let r = f
            .get("resourceControlPolicyRestriction")
            .map(|v| v.as_str().unwrap().to_owned())
            .unwrap_or_else(|| "-".to_owned());
        let e = m
            .entry(f["resourceType"].as_str().unwrap().to_owned())
            .or_default();
        if !e.contains(&r) {
            e.push(r);
        }
    }
    m
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Adds RCP files: `RCPFullAWSAccess` and the given customer RCPs `(id, content, targets JSON)`.
fn add_rcps(snap: &Path, rcps: &[(&str, &str, &str)]) {
    let d = snap.join("us-east-1");
    let root = r#"{"Targets":[{"Arn":"arn:aws:organizations::602880758750:root/o-snfw009mi6/r-ab12","Name":"Root","TargetId":"r-ab12","Type":"ROOT"}]}"#;
    let mut entries = vec![serde_json::json!({
        "Arn": "arn:aws:organizations::aws:policy/resource_control_policy/p-RCPFullAWSAccess",
        "AwsManaged": true,
        "Description": "Allows access to every operation",
        "Id": "p-RCPFullAWSAccess",
        "Name": "RCPFullAWSAccess",
        "Type": "RESOURCE_CONTROL_POLICY"
    })];
    let mut all = vec![("p-RCPFullAWSAccess", FULL_ACCESS, root)];
    all.extend_from_slice(rcps);
    for (id, content, targets) in &all {
        if *id != "p-RCPFullAWSAccess" {
            entries.push(serde_json::json!({
                "Arn": format!("arn:aws:organizations::602880758750:policy/o-snfw009mi6/resource_control_policy/{id}"),
                "AwsManaged": false,
                "Description": "",
                "Id": id,
                "Name": id,
                "Type": "RESOURCE_CONTROL_POLICY"
            }));
        }
        write(
            &d.join(format!("organizations-describe-policy/{id}")),
            &serde_json::json!({"Policy": {"Content": content, "PolicySummary": {"Id": id, "Type": "RESOURCE_CONTROL_POLICY"}}})
                .to_string(),
        );
        write(
            &d.join(format!("organizations-list-targets-for-policy/{id}")),
            targets,
        );
    }
    write(
        &d.join("organizations-list-policies/RESOURCE_CONTROL_POLICY"),
        &serde_json::json!({ "Policies": entries }).to_string(),
    );
}

/// Makes `602880758750` the management account, so that the example account is a member.
fn make_member(snap: &Path) {
    example::edit(
        &snap.join("us-east-1/organizations-describe-organization.json"),
        r#""MasterAccountId": "123456789012""#,
        r#""MasterAccountId": "602880758750""#,
    );
}

fn scratch(test: &str) -> PathBuf {
    example::example_copy("rcp", test).join("snap")
}

/// Removes the scratch copy (the folder above `snap`).
fn done(snap: &Path) {
    let _ = std::fs::remove_dir_all(snap.parent().unwrap());
}

const ROOT_TARGET: &str = r#"{"Targets":[{"TargetId":"r-ab12","Type":"ROOT"}]}"#;

#[test]
fn s3_rcp_at_the_root_marks_the_s3_findings_applicable() {
    let snap = scratch("s3-root");
    let (_, before, _) = analyze(&snap);
    make_member(&snap);
    add_rcps(&snap, &[("p-s3orgonly", S3_ORG_ONLY, ROOT_TARGET)]);
    let (code, after, stderr) = analyze(&snap);
    assert_eq!(code, Some(1), "{stderr}");
    let got = by_type(&after);
    let want: BTreeMap<String, Vec<String>> = [
        // The RCP denies `s3:*` and is attached to the root: it applies to the member account's buckets.
        ("AWS::S3::Bucket", "APPLICABLE"),
        // STS, KMS and SQS are RCP services, but this RCP only impacts S3 (the model's RDS example).
        ("AWS::IAM::Role", "NOT_APPLICABLE"),
        ("AWS::KMS::Key", "NOT_APPLICABLE"),
        ("AWS::SQS::Queue", "NOT_APPLICABLE"),
        // SNS is not an RCP service.
        ("AWS::SNS::Topic", "NOT_APPLICABLE"),
    ]
    .into_iter()
    .map(|(t, r)| (t.to_owned(), vec![r.to_owned()]))
    .collect();
    assert_eq!(got, want);
    // A findings store records it too (a new store: every finding is new).
    let db = snap.parent().unwrap().join("findings.db");
    let (_, stored, stderr) = analyze_with(&snap, &["--db", db.to_str().unwrap()]);
    assert_eq!(by_type(&stored), want, "{stderr}");
    // APPLICABLE does not reduce the finding: the same findings, with the same actions, as without RCPs.
    let strip = |fs: &[serde_json::Value]| -> Vec<(String, serde_json::Value, serde_json::Value)> {
        let mut v: Vec<_> = fs
            .iter()
            .map(|f| {
                (
                    f["resource"].as_str().unwrap().to_owned(),
                    f["principal"].clone(),
                    f["action"].clone(),
                )
            })
            .collect();
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    };
    assert_eq!(strip(&before), strip(&after));
    assert_eq!(after.len(), example::N);
    // Before: RCPs were not collected; the field is absent, and a note says so.
    assert!(
        before
            .iter()
            .all(|f| f.get("resourceControlPolicyRestriction").is_none())
    );
    assert!(stderr.contains("RCP p-s3orgonly"), "{stderr}");
    done(&snap);
}

#[test]
fn the_management_account_is_never_restricted() {
    // The example account is the management account: every finding is NOT_APPLICABLE, even with an
    // RCP that denies everything at the root.
    let snap = scratch("management");
    let all = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}"#;
    add_rcps(&snap, &[("p-denyall", all, ROOT_TARGET)]);
    let (_, findings, stderr) = analyze(&snap);
    assert_eq!(findings.len(), example::N, "{stderr}");
    for rs in by_type(&findings).values() {
        assert_eq!(rs, &vec!["NOT_APPLICABLE".to_owned()]);
    }
    done(&snap);
}

#[test]
fn an_ou_rcp_over_kms_sqs_and_sts() {
    let snap = scratch("ou");
    make_member(&snap);
    let data = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":["kms:*","sqs:*","sts:AssumeRole"],"Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-snfw009mi6"}}}]}"#;
    let ou = r#"{"Targets":[{"TargetId":"ou-ab12-11111111","Type":"ORGANIZATIONAL_UNIT"}]}"#;
    add_rcps(&snap, &[("p-data", data, ou)]);
    // No list-parents files: the OU's accounts are unknown, so the RCP counts as applying, with a note.
    let (_, findings, stderr) = analyze(&snap);
    let got = by_type(&findings);
    for t in ["AWS::KMS::Key", "AWS::SQS::Queue", "AWS::IAM::Role"] {
        assert_eq!(got[t], vec!["APPLICABLE".to_owned()], "{t}");
    }
    assert_eq!(got["AWS::S3::Bucket"], vec!["NOT_APPLICABLE".to_owned()]);
    assert_eq!(got["AWS::SNS::Topic"], vec!["NOT_APPLICABLE".to_owned()]);
    assert!(stderr.contains("RCP p-data targets an OU"), "{stderr}");
    // The account sits in another OU under the root: the RCP does not reach it.
    let d = snap.join("us-east-1/organizations-list-parents");
    write(
        &d.join("123456789012"),
        r#"{"Parents":[{"Id":"ou-ab12-22222222","Type":"ORGANIZATIONAL_UNIT"}]}"#,
    );
    write(
        &d.join("ou-ab12-22222222"),
        r#"{"Parents":[{"Id":"r-ab12","Type":"ROOT"}]}"#,
    );
    let (_, findings, _) = analyze(&snap);
    for rs in by_type(&findings).values() {
        assert_eq!(rs, &vec!["NOT_APPLICABLE".to_owned()]);
    }
    done(&snap);
}

#[test]
fn a_malformed_rcp_fails_to_evaluate_and_is_reported() {
    let snap = scratch("malformed");
    make_member(&snap);
    add_rcps(
        &snap,
        &[("p-broken", "{\"Version\": \"2012-10-17\"", ROOT_TARGET)],
    );
    let (_, findings, stderr) = analyze(&snap);
    let got = by_type(&findings);
    // The content cannot be read: every resource of an RCP service may be restricted by it.
    for t in [
        "AWS::S3::Bucket",
        "AWS::KMS::Key",
        "AWS::SQS::Queue",
        "AWS::IAM::Role",
    ] {
        assert_eq!(got[t], vec!["FAILED_TO_EVALUATE_RCP".to_owned()], "{t}");
    }
    assert_eq!(got["AWS::SNS::Topic"], vec!["NOT_APPLICABLE".to_owned()]);
    assert!(
        stderr.contains("us-east-1/organizations-describe-policy/p-broken at `/Policy/Content`"),
        "{stderr}"
    );
    done(&snap);
}
