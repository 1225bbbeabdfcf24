//! The store survives `kill -9` in the middle of a scan, and readers work while a scan runs.
//! A real child process (the `perimeter-findings-slow-scan` binary) writes a scan slowly and is killed
//! with SIGKILL half-way through.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use perimeter_findings::*;

const SLOW_SCAN: &str = env!("CARGO_BIN_EXE_perimeter-findings-slow-scan");

#[cfg(test)]
fn temp_db(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("perimeter-findings-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("findings.db")
}

#[cfg(test)]
fn all(store: &Store, arn: &str) -> Vec<Finding> {
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
}

#[cfg(test)]
fn synthetic(count: usize) -> Vec<FindingInput> {
    // The same findings the slow-scan binary writes.
    (0..count)
        .map(|i| FindingInput {
            resource: format!("arn:aws:s3:::bucket-{i:04}"),
            resource_type: "AWS::S3::Bucket".to_owned(),
            resource_owner_account: "111111111111".to_owned(),
            principal: [("AWS".to_owned(), "222222222222".to_owned())].into(),
            action: vec!["s3:GetObject".to_owned()],
            ..FindingInput::default()
        })
        .collect()
}

#[test]
#[cfg(test)]
fn kill_9_mid_scan_loses_nothing_and_duplicates_nothing() {
    let db = temp_db("kill9");
    let mut store = Store::open(&db).unwrap();
    let arn = store
        .ensure_analyzer(
            "perimeter",
            AnalyzerType::Account,
            "111111111111",
            "us-east-1",
            Timestamp(1000),
        )
        .unwrap()
        .arn;
    // Scan 1: 10 findings, committed.
    store
        .record_scan(&arn, synthetic(10), Timestamp(2000))
        .unwrap();
    let before = all(&store, &arn);
    assert_eq!(before.len(), 10);

    // Scan 2 in a child: 300 findings (the first 10 unchanged), 20 ms apart.
    let mut child = Command::new(SLOW_SCAN)
        .args([db.to_str().unwrap(), &arn, "300", "20", "3000"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut written = 0;
    while written < 60 {
        let line = lines.next().expect("the child stopped early").unwrap();
        written = line
            .strip_prefix("wrote ")
            .and_then(|n| n.parse().ok())
            .unwrap_or(written);
    }

    // While the child holds the write transaction, a reader sees the last committed state (WAL).
    let reader = Store::open(&db).unwrap();
    let during = all(&reader, &arn);
    assert_eq!(during, before, "readers see scan 1 only, without waiting");

    child.kill().unwrap(); // SIGKILL on Unix
    let status = child.wait().unwrap();
    assert!(!status.success());
    drop(reader);
    drop(store);

    // After the crash: the database is sound and holds exactly scan 1.
    let mut store = Store::open(&db).unwrap();
    assert!(store.integrity_ok().unwrap());
    assert_eq!(all(&store, &arn), before);
    assert_eq!(store.scan_count(&arn).unwrap(), 1);

    // The next scan completes: 300 findings, the first 10 keep their ids and createdAt, no duplicates.
    let out = store
        .record_scan(&arn, synthetic(300), Timestamp(4000))
        .unwrap();
    assert_eq!((out.new, out.unchanged, out.resolved), (290, 10, 0));
    assert_eq!(out.scan, 2);
    let after = all(&store, &arn);
    assert_eq!(after.len(), 300);
    let ids: std::collections::BTreeSet<&str> = after.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(ids.len(), 300);
    let resources: std::collections::BTreeSet<&str> =
        after.iter().filter_map(|f| f.resource.as_deref()).collect();
    assert_eq!(resources.len(), 300);
    for old in &before {
        let now = after
            .iter()
            .find(|f| f.id == old.id)
            .expect("an old finding lost its id");
        assert_eq!(now.created_at, old.created_at);
        assert_eq!(now.analyzed_at, Timestamp(4000));
    }
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}

#[test]
#[cfg(test)]
fn slow_scan_that_completes_is_committed() {
    // The child, not killed, commits: the same binary is a faithful writer.
    let db = temp_db("complete");
    let mut store = Store::open(&db).unwrap();
    let arn = store
        .ensure_analyzer(
            "perimeter",
            AnalyzerType::Account,
            "111111111111",
            "us-east-1",
            Timestamp(1000),
        )
        .unwrap()
        .arn;
    drop(store);
    let out = Command::new(SLOW_SCAN)
        .args([db.to_str().unwrap(), &arn, "5", "0", "2000"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("committed new=5 unchanged=0 resolved=0")
    );
    let store = Store::open(&db).unwrap();
    assert_eq!(all(&store, &arn).len(), 5);
    let _ = std::fs::remove_dir_all(db.parent().unwrap());
}
