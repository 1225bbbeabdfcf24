//! `perimeter watch SNAPSHOT`: rescans the snapshot whenever it changes and sends each scan's finding
//! events (`--notify`, stdout by default).
//!
//! - The first scan runs at start. Then the folder is polled every `--interval` seconds: a change of
//!   any file's path, size or modification time starts a debounce, and once nothing has moved for
//!   `--debounce` seconds (a collector writing many files) the files' content is hashed; the folder is
//!   rescanned only when that hash differs from the last scanned one (a `touch` costs no scan).
//! - Files perimeter itself writes (the store and its journals, `file://` targets, the dead-letter
//!   file) are left out of the fingerprint, so a store inside the snapshot folder does not loop.
//! - One line per scan on stderr: the scan number, the finding events (new, changed, resolved), the
//!   findings unchanged and how long the scan took. Loader diagnostics and notes are printed when
//!   they differ from the previous scan's.
//! - The lifecycle lives in the store (`--db`; without it an in-memory store lasts for the session,
//!   so the first scan reports every finding as new). A kill in the middle of a scan is safe: the
//!   store records a scan in one transaction.
//! - Ctrl-C (SIGINT) or SIGTERM stops after the current scan and its deliveries; a second one exits
//!   at once with 130. `--max-scans N` stops after N scans.
//! - A scan that fails (an unreadable snapshot, a store error) or a failed delivery is reported and
//!   the watch goes on. Exit code: 0 when every scan and delivery succeeded, 2 otherwise.
//!
//! Polling, not inotify: it is portable, needs no dependency, works on network and container
//! mounts where change notifications are unreliable, and a snapshot changes on a collector's
//! schedule (minutes), not in milliseconds.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use perimeter_findings::Store;
use sha2::{Digest as _, Sha256};

use crate::analyze::{ScanCache, ZoneArg, open_db, report_failures, scan_into};
use crate::notify::{EventCounts, Notifier, NotifyArgs, Target};
use crate::output::{EXIT_CLEAN, EXIT_ERROR};

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// The snapshot folder, in CloudMapper's collect layout.
    pub snapshot: PathBuf,
    /// The zone of trust: the snapshot's account, or its organization.
    #[arg(long, value_enum, default_value = "account")]
    pub zone_of_trust: ZoneArg,
    /// The findings store (SQLite) that keeps the lifecycle across scans and runs. Without it, an
    /// in-memory store lasts for this session.
    #[arg(long)]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub notify: NotifyArgs,
    /// How often to look for changes, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub interval: f64,
    /// How long the files must stay unchanged before a rescan, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1.0)]
    pub debounce: f64,
    /// Stop after this many scans (the first scan counts).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_scans: Option<u64>,
}

/// Seconds from a flag, within sane bounds.
fn seconds(flag: &str, value: f64, allow_zero: bool) -> anyhow::Result<Duration> {
    let ok = value.is_finite() && (value > 0.0 || (allow_zero && value == 0.0));
    if !ok {
        bail!("`--{flag}` must be a positive number of seconds, not `{value}`");
    }
    Ok(Duration::from_secs_f64(value.min(86_400.0)))
}

/// The files of the folder (recursively, symlinks followed, at most `MAX_DEPTH` levels), sorted by
/// path relative to the folder, without the excluded paths.
fn files(
    dir: &Path,
    excluded: &[PathBuf],
) -> std::io::Result<Vec<(String, PathBuf, std::fs::Metadata)>> {
    const MAX_DEPTH: usize = 16;
    let mut out = Vec::new();
    let mut stack = vec![(dir.to_path_buf(), 0usize)];
    while let Some((folder, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            // A subfolder removed while we walk: the next poll sees the result.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && depth > 0 => continue,
            Err(e) => return Err(e),
        };
        for entry in entries {
            let path = entry?.path();
            if excluded.contains(&path) {
                continue;
            }
            let meta = match std::fs::metadata(&path) {
                Ok(m) => m,
                // Removed since read_dir, or a dangling symlink.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(e),
            };
            if meta.is_dir() {
                if depth < MAX_DEPTH {
                    stack.push((path, depth + 1));
                }
            } else if meta.is_file() {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, path, meta));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// SHA-256 over every file's relative path, size and modification time: cheap, and it moves with
/// every write.
fn metadata_hash(dir: &Path, excluded: &[PathBuf]) -> std::io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    for (rel, _, meta) in files(dir, excluded)? {
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        h.update(rel.as_bytes());
        h.update([0]);
        h.update(meta.len().to_le_bytes());
        h.update(mtime.to_le_bytes());
    }
    Ok(h.finalize().into())
}

/// SHA-256 over every file's relative path and bytes: what the scan actually reads.
fn content_hash(dir: &Path, excluded: &[PathBuf]) -> std::io::Result<[u8; 32]> {
    let mut h = Sha256::new();
    for (rel, path, _) in files(dir, excluded)? {
        h.update(rel.as_bytes());
        h.update([0]);
        let mut f = match std::fs::File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e),
        };
        // `Sha256` is an `io::Write`: the bytes stream into it.
        let len = std::io::copy(&mut f, &mut h)?;
        h.update(len.to_le_bytes());
    }
    Ok(h.finalize().into())
}

/// The fingerprints of the last scanned state.
struct Seen {
    metadata: Option<[u8; 32]>,
    content: Option<[u8; 32]>,
}

enum Wait {
    Changed,
    Stopped,
}

/// Sleeps `d` in short slices; false when a stop was requested.
fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) -> bool {
    let slice = Duration::from_millis(50);
    let start = Instant::now();
    loop {
        if stop.load(Ordering::SeqCst) {
            return false;
        }
        let elapsed = start.elapsed();
        if elapsed >= d {
            return true;
        }
        std::thread::sleep(slice.min(d.saturating_sub(elapsed)));
    }
}

/// Polls until the folder's content differs from `seen` and has settled for `debounce`.
fn wait_for_change(
    dir: &Path,
    excluded: &[PathBuf],
    seen: &mut Seen,
    poll: Duration,
    debounce: Duration,
    stop: &AtomicBool,
) -> Wait {
    let mut unreadable = false;
    let read = |unreadable: &mut bool| match metadata_hash(dir, excluded) {
        Ok(h) => {
            *unreadable = false;
            Some(h)
        }
        Err(e) => {
            if !*unreadable {
                eprintln!(
                    "perimeter: watch: cannot read `{}`: {e}; waiting for it",
                    dir.display()
                );
            }
            *unreadable = true;
            None
        }
    };
    loop {
        if !sleep_unless_stopped(poll, stop) {
            return Wait::Stopped;
        }
        let Some(now) = read(&mut unreadable) else {
            continue;
        };
        if Some(now) == seen.metadata {
            continue;
        }
        // Debounce: wait until the metadata has not moved for `debounce`.
        let mut settled = now;
        let mut quiet_since = Instant::now();
        loop {
            let quiet = quiet_since.elapsed();
            if quiet >= debounce {
                break;
            }
            if !sleep_unless_stopped(poll.min(debounce.saturating_sub(quiet)), stop) {
                return Wait::Stopped;
            }
            match read(&mut unreadable) {
                Some(h) if h == settled => {}
                Some(h) => {
                    settled = h;
                    quiet_since = Instant::now();
                }
                None => quiet_since = Instant::now(),
            }
        }
        seen.metadata = Some(settled);
        match content_hash(dir, excluded) {
            Ok(content) if Some(content) == seen.content => {
                eprintln!(
                    "perimeter: watch: files touched but their content is unchanged: no rescan"
                );
            }
            Ok(content) => {
                seen.content = Some(content);
                return Wait::Changed;
            }
            Err(e) => {
                eprintln!(
                    "perimeter: watch: cannot read `{}`: {e}; waiting for it",
                    dir.display()
                );
                seen.metadata = None;
            }
        }
    }
}

/// The stop flag: set by the first SIGINT or SIGTERM; a second one exits with 130.
fn stop_flag() -> anyhow::Result<Arc<AtomicBool>> {
    let stop = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&stop))
            .context("cannot install the Ctrl-C handler")?;
        signal_hook::flag::register(signal, Arc::clone(&stop))
            .context("cannot install the Ctrl-C handler")?;
    }
    Ok(stop)
}

/// The paths perimeter writes, made absolute, to leave out of the fingerprint.
fn own_paths(db: Option<&Path>, notifier: &Notifier) -> Vec<PathBuf> {
    let mut paths = Vec::new();
    if let Some(db) = db {
        let text = db.as_os_str().to_owned();
        paths.push(db.to_path_buf());
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut p = text.clone();
            p.push(suffix);
            paths.push(PathBuf::from(p));
        }
    }
    paths.extend(notifier.written_paths());
    paths
        .into_iter()
        .filter_map(|p| std::path::absolute(p).ok())
        .collect()
}

pub fn run(args: &WatchArgs) -> anyhow::Result<ExitCode> {
    let poll = seconds("interval", args.interval, false)?;
    let debounce = seconds("debounce", args.debounce, true)?;
    let notifier = Notifier::from_args(&args.notify, Some(Target::Stdout))?;
    let dir = std::path::absolute(&args.snapshot)
        .with_context(|| format!("cannot resolve `{}`", args.snapshot.display()))?;
    if !dir.is_dir() {
        bail!("`{}` is not a folder", args.snapshot.display());
    }
    let excluded = own_paths(args.db.as_deref(), &notifier);
    let mut store = match &args.db {
        Some(db) => open_db(db)?,
        None => Store::open_in_memory()?,
    };
    let stop = stop_flag()?;
    let targets: Vec<String> = notifier.targets().iter().map(Target::label).collect();
    eprintln!(
        "perimeter: watch: watching `{}` every {} s (debounce {} s), events to {}; Ctrl-C stops",
        args.snapshot.display(),
        poll.as_secs_f64(),
        debounce.as_secs_f64(),
        targets.join(", ")
    );
    let mut seen = Seen {
        metadata: Some(
            metadata_hash(&dir, &excluded)
                .with_context(|| format!("cannot read `{}`", dir.display()))?,
        ),
        content: Some(
            content_hash(&dir, &excluded)
                .with_context(|| format!("cannot read `{}`", dir.display()))?,
        ),
    };
    let mut scans = 0u64;
    let mut failed = false;
    let mut last_messages: Vec<String> = Vec::new();
    // Resources whose content did not change since the last scan are not analysed again.
    let mut cache = ScanCache::default();
    loop {
        scans += 1;
        let started = Instant::now();
        let result = crate::findings::now()
            .and_then(|now| scan_into(&dir, args.zone_of_trust, &mut store, now, &mut cache));
        let took = started.elapsed();
        match result {
            Ok((scan, messages)) => {
                if messages != last_messages {
                    for m in &messages {
                        eprintln!("{m}");
                    }
                    last_messages = messages;
                }
                let events = &scan.outcome.events;
                let delivery = notifier.send(events);
                let archived = if scan.outcome.archived_by_rule > 0 {
                    format!(" ({} archived by a rule)", scan.outcome.archived_by_rule)
                } else {
                    String::new()
                };
                eprintln!(
                    "perimeter: watch: scan {scans}: {}{archived}, {} unchanged; {} event(s) delivered; {} resource(s) analysed, {} unchanged since the last scan ({} ms)",
                    EventCounts::of(events),
                    scan.outcome.unchanged,
                    delivery.delivered,
                    cache.misses,
                    cache.hits,
                    took.as_millis()
                );
                failed |= report_failures(&delivery);
            }
            Err(e) => {
                failed = true;
                eprintln!("perimeter: error: watch: scan {scans}: {e:#}");
            }
        }
        if args.max_scans.is_some_and(|max| scans >= max) || stop.load(Ordering::SeqCst) {
            break;
        }
        match wait_for_change(&dir, &excluded, &mut seen, poll, debounce, &stop) {
            Wait::Changed => {}
            Wait::Stopped => break,
        }
    }
    eprintln!("perimeter: watch: stopped after {scans} scan(s)");
    Ok(ExitCode::from(if failed { EXIT_ERROR } else { EXIT_CLEAN }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints() {
        let dir = std::env::temp_dir().join(format!("perimeter-watch-unit-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("us-east-1")).unwrap();
        let file = dir.join("us-east-1/a.json");
        std::fs::write(&file, "{}").unwrap();
        let db = dir.join("findings.db");
        let excluded = vec![db.clone()];
        let m1 = metadata_hash(&dir, &excluded).unwrap();
        let c1 = content_hash(&dir, &excluded).unwrap();
        // Writes to an excluded file move neither hash.
        std::fs::write(&db, "x").unwrap();
        assert_eq!(metadata_hash(&dir, &excluded).unwrap(), m1);
        assert_eq!(content_hash(&dir, &excluded).unwrap(), c1);
        // Same bytes rewritten: the content hash stays.
        std::fs::write(&file, "{}").unwrap();
        assert_eq!(content_hash(&dir, &excluded).unwrap(), c1);
        // New bytes: both move.
        std::fs::write(&file, "{\"a\":1}").unwrap();
        assert_ne!(metadata_hash(&dir, &excluded).unwrap(), m1);
        assert_ne!(content_hash(&dir, &excluded).unwrap(), c1);
        // A renamed file with the same bytes is a different snapshot.
        let c2 = content_hash(&dir, &excluded).unwrap();
        std::fs::rename(&file, dir.join("us-east-1/b.json")).unwrap();
        assert_ne!(content_hash(&dir, &excluded).unwrap(), c2);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn seconds_flags() {
        assert_eq!(
            seconds("interval", 0.5, false).ok(),
            Some(Duration::from_millis(500))
        );
        assert!(seconds("interval", 0.0, false).is_err());
        assert_eq!(seconds("debounce", 0.0, true).ok(), Some(Duration::ZERO));
        assert!(seconds("debounce", -1.0, true).is_err());
        assert!(seconds("debounce", f64::NAN, true).is_err());
    }
}
