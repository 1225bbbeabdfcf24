//! `perimeter watch`: rescans when the snapshot changes, and each scan's events follow Access
//! Analyzer's lifecycle (an ACTIVE event per generated finding, a RESOLVED event with the same finding
//! id when access is removed, nothing for unchanged findings).
//!
//! The tests drive the watcher through its stderr: they change the snapshot only after the line of
//! the previous scan (or of the skipped rescan) has appeared, so no assertion depends on timing. A
//! watchdog kills a watcher that hangs, so that a broken watcher fails instead of blocking the run.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: malformed output fails the test"
)]

#[path = "support/example.rs"]
mod example;
use example::{N, edit, example_copy};

use std::io::{BufRead as _, BufReader, Read as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

const QUEUE: &str = "arn:aws:sqs:us-east-1:123456789012:orders-intake";
const VENDOR_ROLE: &str = "arn:aws:iam::123456789012:role/vendor-audit";

fn queue_policy(snap: &Path) -> PathBuf {
    snap.join("us-east-1/sqs-get-queue-attributes/https%3A%2F%2Fsqs.us-east-1.amazonaws.com%2F123456789012%2Forders-intake")
}

fn iam(snap: &Path) -> PathBuf {
    snap.join("us-east-1/iam-get-account-authorization-details.json")
}

/// The queue accepts messages only from principals of its own account: no external access.
fn fix_queue(snap: &Path) {
    edit(
        &queue_policy(snap),
        r#"{\"StringLike\": {\"aws:UserAgent\": \"*partner-sdk*\"}}"#,
        r#"{\"StringEquals\": {\"aws:PrincipalAccount\": \"123456789012\"}}"#,
    );
}

/// A running `perimeter watch`, its stderr read line by line.
struct Watch {
    child: Arc<Mutex<Child>>,
    stderr: Box<dyn Iterator<Item = String>>,
    seen: Vec<String>,
    stdout: std::thread::JoinHandle<String>,
    done: Arc<AtomicBool>,
}

impl Watch {
    fn start(args: &[&str]) -> Watch {
        let mut child = Command::new(env!("CARGO_BIN_EXE_perimeter"))
            .arg("watch")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            out.read_to_string(&mut s).unwrap();
            s
        });
        let child = Arc::new(Mutex::new(child));
        let done = Arc::new(AtomicBool::new(false));
        // Watchdog: a watcher that never gets there is killed, and the test fails on its output.
        {
            let child = Arc::clone(&child);
            let done = Arc::clone(&done);
            std::thread::spawn(move || {
                for _ in 0..3000 {
                    if done.load(Ordering::SeqCst) {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(100));
                }
                let _ = child.lock().unwrap().kill();
            });
        }
        Watch {
            child,
            stderr: Box::new(BufReader::new(err).lines().map_while(Result::ok)),
            seen: Vec::new(),
            stdout,
            done,
        }
    }

    /// Reads stderr until a line contains `needle`; returns that line.
    fn wait_for(&mut self, needle: &str) -> String {
        for line in self.stderr.by_ref() {
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
        panic!(
            "the watcher ended before `{needle}`:\n{}",
            self.seen.join("\n")
        );
    }

    /// Waits for the end; returns the exit code, stdout and all of stderr.
    fn finish(mut self) -> (Option<i32>, String, Vec<String>) {
        self.seen.extend(self.stderr.by_ref());
        let code = self.child.lock().unwrap().wait().unwrap().code();
        self.done.store(true, Ordering::SeqCst);
        (code, self.stdout.join().unwrap(), self.seen)
    }

    fn pid(&self) -> u32 {
        self.child.lock().unwrap().id()
    }
}

fn events(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn on<'a>(events: &'a [Value], resource: &str) -> Vec<&'a Value> {
    events
        .iter()
        .filter(|e| e["detail"]["resource"] == resource)
        .collect()
}

#[test]
fn rescans_after_each_change_with_the_events_it_implies() {
    let root = example_copy("watch", "rescan");
    let snap = root.join("snap");
    let db = root.join("findings.db");
    let mut w = Watch::start(&[
        snap.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--interval",
        "0.1",
        "--debounce",
        "1",
        "--max-scans",
        "3",
    ]);
    let first = w.wait_for("watch: scan 1:");
    assert!(
        first.contains(&format!("{N} new, 0 changed, 0 resolved, 0 unchanged")),
        "{first}"
    );
    assert!(
        first.contains(", 0 unchanged since the last scan"),
        "{first}"
    );
    fix_queue(&snap);
    let second = w.wait_for("watch: scan 2:");
    assert!(
        second.contains(&format!(
            "0 new, 0 changed, 1 resolved, {} unchanged",
            N - 1
        )),
        "{second}"
    );
    // Only the queue's policy changed: it alone is analysed again.
    assert!(second.contains("; 1 resource(s) analysed,"), "{second}");
    // The vendor role now trusts one role of the vendor account instead of all of it: the
    // account-wide finding is resolved, and a finding for that role is new.
    edit(
        &iam(&snap),
        r#""AWS": "arn:aws:iam::777788889999:root""#,
        r#""AWS": "arn:aws:iam::777788889999:role/auditor""#,
    );
    let third = w.wait_for("watch: scan 3:");
    assert!(
        third.contains(&format!(
            "1 new, 0 changed, 1 resolved, {} unchanged",
            N - 2
        )),
        "{third}"
    );
    assert!(third.contains("; 1 resource(s) analysed,"), "{third}");
    let (code, stdout, stderr) = w.finish();
    assert_eq!(code, Some(0), "{}", stderr.join("\n"));
    assert!(stderr.iter().any(|l| l.contains("stopped after 3 scan(s)")));

    let all = events(&stdout);
    assert_eq!(all.len(), N + 1 + 2, "{stdout}");
    for e in &all {
        assert_eq!(e["detail-type"], "Access Analyzer Finding");
        assert_eq!(e["source"], "aws.access-analyzer");
        assert_eq!(e["detail"]["isDeleted"], false);
    }
    let (scan1, rest) = all.split_at(N);
    let (scan2, scan3) = rest.split_at(1);
    assert!(scan1.iter().all(|e| e["detail"]["status"] == "ACTIVE"));

    // Scan 2: the queue's public finding, same id, now RESOLVED.
    let queue_before = on(scan1, QUEUE);
    assert_eq!(queue_before.len(), 1);
    let resolved = &scan2[0];
    assert_eq!(resolved["detail"]["resource"], QUEUE);
    assert_eq!(resolved["detail"]["status"], "RESOLVED");
    assert_eq!(resolved["detail"]["id"], queue_before[0]["detail"]["id"]);
    assert_eq!(
        resolved["detail"]["principal"],
        serde_json::json!({"AWS": "*"})
    );
    assert_eq!(resolved["detail"]["isPublic"], true);

    // Scan 3: the vendor account finding RESOLVED, the role finding new and ACTIVE.
    let vendor_before = on(scan1, VENDOR_ROLE);
    assert_eq!(vendor_before.len(), 1);
    let gone = scan3
        .iter()
        .find(|e| e["detail"]["status"] == "RESOLVED")
        .unwrap();
    assert_eq!(gone["detail"]["resource"], VENDOR_ROLE);
    assert_eq!(gone["detail"]["id"], vendor_before[0]["detail"]["id"]);
    assert_eq!(
        gone["detail"]["principal"],
        serde_json::json!({"AWS": "777788889999"})
    );
    let new = scan3
        .iter()
        .find(|e| e["detail"]["status"] == "ACTIVE")
        .unwrap();
    assert_eq!(new["detail"]["resource"], VENDOR_ROLE);
    assert_eq!(
        new["detail"]["principal"],
        serde_json::json!({"AWS": "arn:aws:iam::777788889999:role/auditor"})
    );
    assert_eq!(
        new["detail"]["action"],
        serde_json::json!(["sts:AssumeRole"])
    );
    assert_eq!(new["detail"]["isPublic"], false);
    assert!(
        scan1
            .iter()
            .all(|e| e["detail"]["id"] != new["detail"]["id"])
    );

    // The store kept the lifecycle: two RESOLVED findings among the eight.
    let out = Command::new(env!("CARGO_BIN_EXE_perimeter"))
        .args([
            "list-findings",
            "--store",
            db.to_str().unwrap(),
            "--analyzer-arn",
            "arn:aws:access-analyzer:us-east-1:123456789012:analyzer/perimeter-123456789012-account",
        ])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let stored = v["findings"].as_array().unwrap();
    assert_eq!(stored.len(), N + 1);
    assert_eq!(
        stored.iter().filter(|f| f["status"] == "RESOLVED").count(),
        2
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// Rewriting a file with the same bytes moves its modification time but not the snapshot: no rescan.
/// Two files written together give one rescan that sees both (the debounce, 3 s, is far longer than
/// the gap between the two writes).
#[test]
fn same_content_is_not_rescanned_and_a_burst_is_one_scan() {
    let root = example_copy("watch", "touch");
    let snap = root.join("snap");
    // The store inside the watched folder: its writes must not trigger rescans.
    let db = snap.join("findings.db");
    let mut w = Watch::start(&[
        snap.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "--interval",
        "0.1",
        "--debounce",
        "3",
        "--max-scans",
        "2",
    ]);
    w.wait_for("watch: scan 1:");
    let queue = queue_policy(&snap);
    let bytes = std::fs::read(&queue).unwrap();
    std::fs::write(&queue, &bytes).unwrap();
    w.wait_for("content is unchanged: no rescan");
    fix_queue(&snap);
    edit(
        &iam(&snap),
        r#""AWS": "arn:aws:iam::777788889999:root""#,
        r#""AWS": "arn:aws:iam::123456789012:root""#,
    );
    let second = w.wait_for("watch: scan 2:");
    assert!(
        second.contains(&format!(
            "0 new, 0 changed, 2 resolved, {} unchanged",
            N - 2
        )),
        "{second}"
    );
    let (code, stdout, stderr) = w.finish();
    assert_eq!(code, Some(0), "{}", stderr.join("\n"));
    let all = events(&stdout);
    assert_eq!(all.len(), N + 2);
    let resolved: Vec<&Value> = all
        .iter()
        .filter(|e| e["detail"]["status"] == "RESOLVED")
        .collect();
    let mut resources: Vec<&str> = resolved
        .iter()
        .map(|e| e["detail"]["resource"].as_str().unwrap())
        .collect();
    resources.sort_unstable();
    assert_eq!(resources, vec![VENDOR_ROLE, QUEUE]);
    let _ = std::fs::remove_dir_all(&root);
}

/// Ctrl-C (SIGINT) ends the watch cleanly between scans.
#[cfg(unix)]
#[test]
fn sigint_stops_cleanly() {
    let root = example_copy("watch", "sigint");
    let snap = root.join("snap");
    let events_file = root.join("events.jsonl");
    let target = format!("file://{}", events_file.to_str().unwrap());
    let mut w = Watch::start(&[
        snap.to_str().unwrap(),
        "--notify",
        &target,
        "--interval",
        "0.1",
    ]);
    w.wait_for("watch: scan 1:");
    let status = Command::new("kill")
        .args(["-INT", &w.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let (code, stdout, stderr) = w.finish();
    assert_eq!(code, Some(0), "{}", stderr.join("\n"));
    assert!(stderr.iter().any(|l| l.contains("stopped after 1 scan(s)")));
    // With a file target, stdout carries nothing; the file has the first scan's events.
    assert!(stdout.is_empty());
    let lines = std::fs::read_to_string(&events_file).unwrap();
    assert_eq!(lines.lines().count(), N);
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn usage_errors() {
    let root = example_copy("watch", "usage");
    let snap = root.join("snap");
    for args in [
        vec![snap.to_str().unwrap(), "--interval", "0"],
        vec![snap.to_str().unwrap(), "--max-scans", "0"],
        vec![snap.to_str().unwrap(), "--notify", "ftp://x"],
        vec!["/nonexistent/perimeter-snapshot"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_perimeter"))
            .arg("watch")
            .args(&args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
    }
    let _ = std::fs::remove_dir_all(&root);
}
