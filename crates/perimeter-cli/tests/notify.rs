//! `perimeter analyze --notify`: finding events to a JSON-lines file and to a webhook (a local
//! `TcpListener` server that records what it receives), and what a failing webhook does.
//!
//! Expected events follow Access Analyzer's lifecycle (IAM User Guide, "Monitoring … with Amazon
//! EventBridge"): an event for each generated finding (ACTIVE), one when access is removed (the
//! finding becomes RESOLVED, same finding id), none for a finding a rescan leaves as it is. Changed
//! access is a new finding: the old one is RESOLVED and a new ACTIVE one appears.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: malformed output fails the test"
)]

#[path = "support/example.rs"]
mod example;
use example::{N, edit, example_copy};

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use hmac::{Hmac, Mac as _};
use serde_json::Value;
use sha2::Sha256;

const ANALYZER: &str =
    "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/perimeter-123456789012-account";
const PARTNER_BUCKET: &str = "arn:aws:s3:::partner-exchange-123456789012";

fn perimeter(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_perimeter"));
    cmd.args(args).env("PERIMETER_NOW", "2026-01-15T09:30:00Z");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[derive(Debug, Clone)]
struct Request {
    line: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A webhook receiver on 127.0.0.1 that answers every request with `status` and records it.
fn serve(status: u16) -> (u16, Arc<Mutex<Vec<Request>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            if let Some(req) = read_request(&stream) {
                record.lock().unwrap().push(req);
            }
            let mut stream = stream;
            let reason = if status == 200 { "OK" } else { "Error" };
            let _ = write!(
                stream,
                "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    });
    (port, seen)
}

fn read_request(stream: &TcpStream) -> Option<Request> {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    let len: usize = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
        .map(|(_, v)| v.parse().unwrap())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        line: line.trim_end().to_owned(),
        headers,
        body,
    })
}

fn stdout_findings(out: &Output) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v["findings"].as_array().unwrap().clone()
}

/// An EventBridge "Access Analyzer Finding" event of the example account's analyzer.
fn assert_event_envelope(e: &Value) {
    assert_eq!(e["version"], "0");
    assert_eq!(e["detail-type"], "Access Analyzer Finding");
    assert_eq!(e["source"], "aws.access-analyzer");
    assert_eq!(e["account"], "123456789012");
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["resources"], serde_json::json!([ANALYZER]));
    assert_eq!(e["detail"]["version"], "1.0");
    assert_eq!(e["detail"]["accountId"], "123456789012");
    assert_eq!(e["detail"]["isDeleted"], false);
}

#[test]
fn webhook_gets_one_signed_post_per_event() {
    let root = example_copy("notify", "webhook");
    let snap = root.join("snap");
    let db = root.join("findings.db");
    let (port, seen) = serve(200);
    let url = format!("http://127.0.0.1:{port}/hooks/perimeter?token=abc");
    let secret = "s3cret";
    let args = [
        "analyze",
        s(&snap),
        "--db",
        s(&db),
        "--notify",
        &url,
        "--notify-header",
        "Authorization: Bearer t0ken",
    ];
    let out = perimeter(&args, &[("PERIMETER_NOTIFY_SECRET", secret)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings = stdout_findings(&out);
    assert_eq!(findings.len(), N);
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), N, "one POST per new finding");
    let mut ids = BTreeSet::new();
    for r in &requests {
        assert_eq!(r.line, "POST /hooks/perimeter?token=abc HTTP/1.1");
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.header("authorization"), Some("Bearer t0ken"));
        assert_eq!(r.header("x-perimeter-change"), Some("new"));
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(&r.body);
        let hex: String = mac
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            r.header("x-perimeter-signature-256"),
            Some(format!("sha256={hex}").as_str())
        );
        let e = r.json();
        assert_event_envelope(&e);
        assert_eq!(r.header("x-perimeter-event-id"), e["id"].as_str());
        assert_eq!(e["detail"]["status"], "ACTIVE");
        ids.insert(e["detail"]["id"].as_str().unwrap().to_owned());
    }
    let finding_ids: BTreeSet<String> = findings
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids, finding_ids, "the events name the stored findings");
    let old = findings
        .iter()
        .find(|f| f["resource"] == PARTNER_BUCKET)
        .unwrap()
        .clone();

    // The partner may now only read objects: changed access on the same resource and principal.
    edit(
        &snap.join("us-east-1/s3-get-bucket-policy/partner-exchange-123456789012"),
        r#"[\"s3:GetObject\", \"s3:ListBucket\"]"#,
        r#"[\"s3:GetObject\"]"#,
    );
    let out = perimeter(&args, &[("PERIMETER_NOTIFY_SECRET", secret)]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = seen.lock().unwrap().clone();
    let rescan: Vec<&Request> = requests.iter().skip(N).collect();
    assert_eq!(rescan.len(), 2, "no event for the unchanged findings");
    let by_change = |c: &str| {
        rescan
            .iter()
            .find(|r| r.header("x-perimeter-change") == Some(c))
            .map(|r| r.json())
            .unwrap()
    };
    let resolved = by_change("resolved");
    assert_event_envelope(&resolved);
    assert_eq!(resolved["detail"]["status"], "RESOLVED");
    assert_eq!(resolved["detail"]["id"], old["id"]);
    assert_eq!(
        resolved["detail"]["action"],
        serde_json::json!(["s3:GetObject", "s3:ListBucket"])
    );
    let changed = by_change("changed");
    assert_event_envelope(&changed);
    assert_eq!(changed["detail"]["status"], "ACTIVE");
    assert_eq!(changed["detail"]["resource"], PARTNER_BUCKET);
    assert_eq!(
        changed["detail"]["principal"],
        serde_json::json!({"AWS": "444455556666"})
    );
    assert_eq!(
        changed["detail"]["action"],
        serde_json::json!(["s3:GetObject"])
    );
    assert_ne!(
        changed["detail"]["id"], old["id"],
        "changed access is a new finding"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn file_target_appends_only_what_changed() {
    let root = example_copy("notify", "file");
    let snap = root.join("snap");
    let db = root.join("findings.db");
    let events = root.join("events.jsonl");
    let target = format!("file://{}", s(&events));
    let args = ["analyze", s(&snap), "--db", s(&db), "--notify", &target];
    let out = perimeter(&args, &[]);
    assert_eq!(out.status.code(), Some(1));
    let lines = |p: &Path| -> Vec<Value> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let first = lines(&events);
    assert_eq!(first.len(), N);
    for e in &first {
        assert_event_envelope(e);
        assert_eq!(e["detail"]["status"], "ACTIVE");
    }
    // A rescan of the same snapshot finds the same access: no event.
    let out = perimeter(&args, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(lines(&events).len(), N);
    // The vendor role no longer trusts anyone outside the account: its finding is RESOLVED.
    edit(
        &snap.join("us-east-1/iam-get-account-authorization-details.json"),
        r#""AWS": "arn:aws:iam::777788889999:root""#,
        r#""AWS": "arn:aws:iam::123456789012:root""#,
    );
    let out = perimeter(&args, &[]);
    assert_eq!(out.status.code(), Some(1));
    let all = lines(&events);
    assert_eq!(all.len(), N + 1);
    let last = &all[N];
    assert_eq!(last["detail"]["status"], "RESOLVED");
    assert_eq!(
        last["detail"]["resource"],
        "arn:aws:iam::123456789012:role/vendor-audit"
    );
    let before = first
        .iter()
        .find(|e| e["detail"]["resource"] == last["detail"]["resource"])
        .unwrap();
    assert_eq!(last["detail"]["id"], before["detail"]["id"]);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn stdout_target_replaces_the_findings_document() {
    let root = example_copy("notify", "stdout");
    let snap = root.join("snap");
    let out = perimeter(&["analyze", s(&snap), "--notify", "stdout"], &[]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    let events: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // Without a store, every finding of the scan is new.
    assert_eq!(events.len(), N);
    for e in &events {
        assert_event_envelope(e);
        assert_eq!(e["detail"]["status"], "ACTIVE");
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{N} new, 0 changed, 0 resolved")),
        "{err}"
    );
    // stdout cannot carry both the events and a findings document.
    let out = perimeter(
        &["analyze", s(&snap), "--notify", "-", "--output", "table"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let _ = std::fs::remove_dir_all(&root);
}

fn list_findings(db: &Path) -> Vec<Value> {
    let out = perimeter(
        &[
            "list-findings",
            "--store",
            s(db),
            "--analyzer-arn",
            ANALYZER,
        ],
        &[],
    );
    stdout_findings(&out)
}

#[test]
fn unreachable_webhook_keeps_the_scan_and_reports_the_loss() {
    let root = example_copy("notify", "refused");
    let snap = root.join("snap");
    let db = root.join("findings.db");
    let dead = root.join("dead.jsonl");
    // A port nobody listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook");
    let out = perimeter(
        &[
            "analyze",
            s(&snap),
            "--db",
            s(&db),
            "--notify",
            &url,
            "--notify-retries",
            "1",
            "--notify-dead-letter",
            s(&dead),
        ],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("{N} of {N} event(s) not delivered")),
        "{err}"
    );
    assert!(err.contains("the scan is recorded"), "{err}");
    // The results are still printed, and the store holds the scan.
    assert_eq!(stdout_findings(&out).len(), N);
    let stored = list_findings(&db);
    assert_eq!(stored.len(), N);
    assert!(stored.iter().all(|f| f["status"] == "ACTIVE"));
    // The undelivered events wait in the dead-letter file.
    let dead_events: Vec<Value> = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dead_events.len(), N);
    let ids: BTreeSet<&str> = dead_events
        .iter()
        .map(|e| e["detail"]["id"].as_str().unwrap())
        .collect();
    let stored_ids: BTreeSet<&str> = stored.iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, stored_ids);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn server_errors_are_retried_then_reported() {
    let root = example_copy("notify", "http500");
    let snap = root.join("snap");
    let db = root.join("findings.db");
    let (port, seen) = serve(500);
    let url = format!("http://127.0.0.1:{port}/hook");
    let out = perimeter(
        &[
            "analyze",
            s(&snap),
            "--db",
            s(&db),
            "--notify",
            &url,
            "--notify-retries",
            "2",
        ],
        &[],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("HTTP 500 (after 3 attempts)"), "{err}");
    assert!(
        err.contains(&format!("{N} of {N} event(s) not delivered")),
        "{err}"
    );
    // The first event, tried three times with the same event id; the batch stops there.
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let ids: BTreeSet<Option<&str>> = requests
        .iter()
        .map(|r| r.header("x-perimeter-event-id"))
        .collect();
    assert_eq!(ids.len(), 1);
    assert_eq!(list_findings(&db).len(), N);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn client_errors_are_not_retried() {
    let root = example_copy("notify", "http403");
    let snap = root.join("snap");
    let (port, seen) = serve(403);
    let url = format!("http://127.0.0.1:{port}/hook");
    let out = perimeter(&["analyze", s(&snap), "--notify", &url], &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("HTTP 403 (after 1 attempt)"), "{err}");
    assert_eq!(seen.lock().unwrap().len(), 1);
    let _ = std::fs::remove_dir_all(&root);
}

/// An archive rule archives matching new findings; Access Analyzer still sends an event for each
/// generated finding, with the status it was given (ARCHIVED).
#[test]
fn findings_archived_by_a_rule_are_reported_archived() {
    let root = example_copy("notify", "archive");
    let snap = root.join("snap");
    let db = root.join("findings.db");
    let events = root.join("events.jsonl");
    let target = format!("file://{}", s(&events));
    let args = ["analyze", s(&snap), "--db", s(&db), "--notify", &target];
    assert_eq!(perimeter(&args, &[]).status.code(), Some(1));
    let auditor = "arn:aws:iam::777788889999:role/auditor";
    let filter = format!(r#"{{"principal.AWS": {{"eq": ["{auditor}"]}}}}"#);
    let out = perimeter(
        &[
            "create-archive-rule",
            "--store",
            s(&db),
            "--analyzer-name",
            "perimeter-123456789012-account",
            "--rule-name",
            "trusted-auditor",
            "--filter",
            &filter,
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    edit(
        &snap.join("us-east-1/iam-get-account-authorization-details.json"),
        r#""AWS": "arn:aws:iam::777788889999:root""#,
        &format!(r#""AWS": "{auditor}""#),
    );
    assert_eq!(perimeter(&args, &[]).status.code(), Some(1));
    let all: Vec<Value> = std::fs::read_to_string(&events)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rescan = &all[N..];
    assert_eq!(rescan.len(), 2);
    let archived = rescan
        .iter()
        .find(|e| e["detail"]["status"] == "ARCHIVED")
        .unwrap();
    assert_event_envelope(archived);
    assert_eq!(archived["detail"]["principal"]["AWS"], auditor);
    let resolved = rescan
        .iter()
        .find(|e| e["detail"]["status"] == "RESOLVED")
        .unwrap();
    assert_eq!(resolved["detail"]["principal"]["AWS"], "777788889999");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn update_findings_sends_the_status_change_to_the_webhook() {
    // Access Analyzer's EventBridge page: an event is sent for each new finding, for a change to
    // the status of an existing finding (archiving by hand included) and for a deleted finding.
    let root = example_copy("notify", "update");
    let snap = root.join("snap");
    let db = root.join("findings.db");
    assert_eq!(
        perimeter(&["analyze", s(&snap), "--db", s(&db)], &[])
            .status
            .code(),
        Some(1)
    );
    let findings = list_findings(&db);
    let id = findings[0]["id"].as_str().unwrap().to_owned();
    let (port, seen) = serve(200);
    let url = format!("http://127.0.0.1:{port}/hook");
    let out = perimeter(
        &[
            "update-findings",
            "--store",
            s(&db),
            "--analyzer-arn",
            ANALYZER,
            "--status",
            "ARCHIVED",
            "--ids",
            &id,
            "--notify",
            &url,
        ],
        &[],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = seen.lock().unwrap().clone();
    assert_eq!(requests.len(), 1, "one finding changed status");
    let e = requests[0].json();
    assert_event_envelope(&e);
    assert_eq!(e["detail"]["id"], id.as_str());
    assert_eq!(e["detail"]["status"], "ARCHIVED");
    // A refused connection is reported with exit 2, and the status change stays.
    let out = perimeter(
        &[
            "update-findings",
            "--store",
            s(&db),
            "--analyzer-arn",
            ANALYZER,
            "--status",
            "ACTIVE",
            "--ids",
            &id,
            "--notify",
            "http://127.0.0.1:9/refused",
            "--notify-retries",
            "0",
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let now = list_findings(&db);
    let f = now.iter().find(|f| f["id"] == id.as_str()).unwrap();
    assert_eq!(f["status"], "ACTIVE");
    let _ = std::fs::remove_dir_all(&root);
}

/// A path as the command line takes it.
fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}
