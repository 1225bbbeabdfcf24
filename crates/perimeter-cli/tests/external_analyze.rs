//! `perimeter analyze` external-access findings on the bundled example account (its README lists the
//! expected findings, derived from access-analyzer.md §1.3–§1.5) and on the cloudmapper-demo corpus
//! (the resources CloudMapper's tests call public: expected.json `audit_issue_ids`).

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: malformed output fails the test"
)]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

type Row = (String, String, Vec<String>, String, bool);

fn analyze(dir: &Path, extra: &[&str]) -> (Option<i32>, Vec<Row>, serde_json::Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_perimeter"))
        .arg("analyze")
        .arg(dir)
        .args(extra)
        .env("PERIMETER_NOW", "2026-01-15T09:30:00Z")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let p = f["principal"]
                .as_object()
                .map(|o| {
                    o.iter()
                        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap()))
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default();
            let a = f["action"]
                .as_array()
                .map(|a| a.iter().map(|x| x.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            let src = f["sources"]
                .as_array()
                .and_then(|s| s.first())
                .map(|s| s["type"].as_str().unwrap().to_owned())
                .unwrap_or_default();
            (
                f["resource"].as_str().unwrap().to_owned(),
                p,
                a,
                src,
                f["isPublic"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    (out.status.code(), rows, v)
}

fn row(r: &str, p: &str, a: &[&str], src: &str, public: bool) -> Row {
    (
        r.to_owned(),
        p.to_owned(),
        a.iter().map(|s| (*s).to_owned()).collect(),
        src.to_owned(),
        public,
    )
}

#[test]
fn example_account_findings() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/account");
    let want: BTreeSet<Row> = [
        row(
            "arn:aws:s3:::partner-exchange-123456789012",
            "AWS=444455556666",
            &["s3:GetObject", "s3:ListBucket"],
            "POLICY",
            false,
        ),
        row(
            "arn:aws:iam::123456789012:role/partner-deploy",
            "AWS=arn:aws:iam::444455556666:role/deployer",
            &["sts:AssumeRole"],
            "",
            false,
        ),
        row(
            "arn:aws:sns:us-east-1:123456789012:public-status",
            "AWS=*",
            &["sns:Subscribe"],
            "",
            true,
        ),
        row(
            "arn:aws:s3:::marketing-assets-123456789012",
            "AWS=*",
            &[
                "s3:ListBucket",
                "s3:ListBucketMultipartUploads",
                "s3:ListBucketVersions",
            ],
            "BUCKET_ACL",
            true,
        ),
        row(
            "arn:aws:sqs:us-east-1:123456789012:orders-intake",
            "AWS=*",
            &["sqs:SendMessage"],
            "",
            true,
        ),
        row(
            "arn:aws:iam::123456789012:role/vendor-audit",
            "AWS=777788889999",
            &["sts:AssumeRole"],
            "",
            false,
        ),
    ]
    .into_iter()
    .collect();
    for zone in ["account", "organization"] {
        let (code, rows, v) = analyze(&dir, &["--zone-of-trust", zone]);
        assert_eq!(code, Some(1), "active findings exit 1");
        let mut got: BTreeSet<Row> = rows.into_iter().collect();
        // The KMS grant: resource ARN holds a generated key id, so match it by prefix.
        let kms: Vec<Row> = got
            .iter()
            .filter(|r| r.0.starts_with("arn:aws:kms:"))
            .cloned()
            .collect();
        assert_eq!(kms.len(), 1, "{kms:?}");
        assert_eq!(
            (kms[0].1.as_str(), kms[0].2.clone(), kms[0].4),
            (
                "AWS=444455556666",
                vec!["kms:Decrypt".to_owned(), "kms:GenerateDataKey".to_owned()],
                false
            )
        );
        got.retain(|r| !r.0.starts_with("arn:aws:kms:"));
        assert_eq!(got, want, "zone {zone}");
        assert!(v["networkExposure"].is_object());
        // The explanation names the statement of the bucket policy (README: statement `PartnerRead`).
        let partner = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["resource"] == "arn:aws:s3:::partner-exchange-123456789012")
            .unwrap();
        assert_eq!(partner["explanation"][0]["type"], "statement");
        assert_eq!(partner["explanation"][0]["sid"], "PartnerRead");
        assert_eq!(
            partner["explanation"][0]["statementPointer"],
            "/Statement/0"
        );
    }
}

#[test]
fn analyze_records_lifecycle_in_store() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/account");
    let db = std::env::temp_dir().join(format!("perimeter-external-{}.db", std::process::id()));
    let _ = std::fs::remove_file(&db);
    let (_, _, first) = analyze(&dir, &["--db", db.to_str().unwrap()]);
    let (_, _, second) = analyze(&dir, &["--db", db.to_str().unwrap()]);
    let ids = |v: &serde_json::Value| -> BTreeSet<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // A rescan of unchanged access keeps the finding ids (access-analyzer.md §2).
    assert_eq!(ids(&first), ids(&second));
    assert_eq!(ids(&first).len(), 7);
    assert!(
        first["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["status"] == "ACTIVE")
    );
    let _ = std::fs::remove_file(&db);
}

#[test]
fn cloudmapper_demo_public_resources() {
    let Some(root) = std::env::var_os("PERIMETER_CORPORA") else {
        println!("PERIMETER_CORPORA unset: cloudmapper-demo analysis did not run");
        return;
    };
    let dir = Path::new(&root).join("cloudmapper-demo/account-data/demo");
    let (code, rows, _) = analyze(&dir, &[]);
    assert_eq!(code, Some(1));
    let public: BTreeSet<String> = rows.iter().filter(|r| r.4).map(|r| r.0.clone()).collect();
    // expected.json: S3_PUBLIC_POLICY_GETOBJECT_ONLY cloudmapper_demo, SQS_PUBLIC demo, SNS_PUBLIC
    // demo_public, ECR_PUBLIC cloudmapper, IAM_ROLE_ALLOWS_ASSUMPTION_FROM_ANYWHERE bad_role; LAMBDA_PUBLIC,
    // KMS_PUBLIC, S3_PUBLIC_ACL and the snapshot issues are asserted absent.
    let want: BTreeSet<String> = [
        "arn:aws:s3:::cloudmapper_demo",
        "arn:aws:sqs:us-east-1:123456789012:demo",
        "arn:aws:sns:us-east-1:123456789012:demo_public",
        "arn:aws:ecr:us-east-1:123456789012:repository/cloudmapper",
        "arn:aws:iam::123456789012:role/bad_role",
    ]
    .into_iter()
    .map(str::to_owned)
    .collect();
    assert_eq!(public, want);
    let s3 = rows
        .iter()
        .find(|r| r.0 == "arn:aws:s3:::cloudmapper_demo")
        .unwrap();
    assert_eq!(
        s3.2,
        vec!["s3:GetObject".to_owned()],
        "S3_PUBLIC_POLICY_GETOBJECT_ONLY"
    );
}
