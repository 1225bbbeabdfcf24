//! `--notify TARGET`: delivery of finding events (EventBridge's "Access Analyzer Finding" shape,
//! rendered by `perimeter_findings::events`) after a scan has been recorded.
//!
//! Targets (the flag repeats; every event goes to every target):
//! - `stdout` or `-`: one JSON object per line on stdout;
//! - `file://PATH`: appended to PATH as JSON lines (created when missing);
//! - `http://…` or `https://…`: one `POST` per event, body the event as `application/json`, as an
//!   EventBridge API destination delivers it. Headers: `X-Perimeter-Event-Id` (the event id, the same
//!   on every retry, so receivers can deduplicate), `X-Perimeter-Change` (`new`, `changed`, `resolved`
//!   or `deleted`), `--notify-header` lines, and with `PERIMETER_NOTIFY_SECRET` set,
//!   `X-Perimeter-Signature-256: sha256=<hex HMAC-SHA256 of the body>` (GitHub's webhook scheme).
//!
//! A delivery is retried on connection errors, timeouts, 429 and 5xx, `--notify-retries` times with
//! exponential backoff (0.5 s, 1 s, 2 s, …); any other status is a permanent failure. After the first
//! event a target fails to take, the rest of the batch is not attempted on that target. Failures never
//! undo the scan: the store has committed it before delivery starts. Undelivered events are counted,
//! reported on stderr and, with `--notify-dead-letter PATH`, appended there as JSON lines.

use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{anyhow, bail};
use hmac::{Hmac, Mac as _};
use perimeter_findings::{FindingChange, ScanEvent};
use sha2::Sha256;

/// The environment variable holding the webhook signing secret.
pub const SECRET_ENV: &str = "PERIMETER_NOTIFY_SECRET";

/// The `--notify*` flags, shared by `analyze` and `watch`.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct NotifyArgs {
    /// Send the scan's finding events (EventBridge "Access Analyzer Finding") to TARGET: `stdout`
    /// (or `-`), `file://PATH` (JSON lines, appended) or an `http://` / `https://` webhook URL
    /// (one POST per event). Repeatable.
    #[arg(long = "notify", value_name = "TARGET")]
    pub targets: Vec<String>,
    /// An extra HTTP header for webhook targets, `NAME: VALUE` (for example `Authorization: Bearer …`).
    /// Repeatable. Webhook bodies are also signed when `PERIMETER_NOTIFY_SECRET` is set.
    #[arg(long = "notify-header", value_name = "NAME: VALUE")]
    pub headers: Vec<String>,
    /// Retries of a webhook delivery after a connection error, a timeout, 429 or 5xx (at most 10).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u32).range(0..=10))]
    pub notify_retries: u32,
    /// Timeout of one webhook request, in seconds (at most 3600).
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    pub notify_timeout: f64,
    /// Append events that could not be delivered to this file (JSON lines), to replay them later.
    #[arg(long, value_name = "PATH")]
    pub notify_dead_letter: Option<PathBuf>,
}

/// Where events go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Stdout,
    File(PathBuf),
    Webhook(String),
}

impl Target {
    /// Parses a `--notify` value.
    pub fn parse(text: &str) -> anyhow::Result<Target> {
        if text == "-" || text == "stdout" {
            return Ok(Target::Stdout);
        }
        if let Some(path) = text.strip_prefix("file://") {
            if path.is_empty() {
                bail!("`--notify {text}` names no file");
            }
            return Ok(Target::File(PathBuf::from(path)));
        }
        let lower = text.to_ascii_lowercase();
        if lower.starts_with("https://") {
            if !cfg!(feature = "https") {
                bail!(
                    "`--notify {text}`: this build has no TLS support (build perimeter with the `https` feature)"
                );
            }
            return Ok(Target::Webhook(text.to_owned()));
        }
        if lower.starts_with("http://") {
            return Ok(Target::Webhook(text.to_owned()));
        }
        bail!("`--notify {text}` is not `stdout`, `-`, `file://PATH`, `http://…` or `https://…`")
    }

    /// How the target is named in messages (a URL without its query, which may carry a token).
    pub fn label(&self) -> String {
        match self {
            Target::Stdout => "stdout".to_owned(),
            Target::File(p) => format!("file://{}", p.display()),
            Target::Webhook(url) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
        }
    }
}

/// The outcome of delivering one batch of events.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Events delivered, summed over targets.
    pub delivered: usize,
    /// Events not delivered, summed over targets.
    pub undelivered: usize,
    /// One line per failed target.
    pub failures: Vec<String>,
}

impl Delivery {
    pub fn ok(&self) -> bool {
        self.failures.is_empty()
    }
}

/// How many events of each kind a scan produced.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EventCounts {
    pub new: usize,
    pub changed: usize,
    pub resolved: usize,
    pub deleted: usize,
}

impl EventCounts {
    pub fn of(events: &[ScanEvent]) -> EventCounts {
        let mut c = EventCounts::default();
        for e in events {
            match e.change {
                FindingChange::New => c.new += 1,
                FindingChange::Changed => c.changed += 1,
                FindingChange::Resolved => c.resolved += 1,
                FindingChange::Deleted => c.deleted += 1,
            }
        }
        c
    }
}

impl std::fmt::Display for EventCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} new, {} changed, {} resolved",
            self.new, self.changed, self.resolved
        )?;
        if self.deleted > 0 {
            write!(f, ", {} deleted", self.deleted)?;
        }
        Ok(())
    }
}

/// Delivers events to the configured targets.
pub struct Notifier {
    targets: Vec<Target>,
    headers: Vec<(String, String)>,
    secret: Option<Vec<u8>>,
    retries: u32,
    backoff: Duration,
    dead_letter: Option<PathBuf>,
    agent: ureq::Agent,
}

impl Notifier {
    /// Builds the notifier from the flags; `default` is used when no `--notify` is given.
    pub fn from_args(args: &NotifyArgs, default: Option<Target>) -> anyhow::Result<Notifier> {
        let mut targets = args
            .targets
            .iter()
            .map(|t| Target::parse(t))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if targets.is_empty() {
            targets.extend(default);
        }
        let headers = args
            .headers
            .iter()
            .map(|h| parse_header(h))
            .collect::<anyhow::Result<Vec<_>>>()?;
        if !(args.notify_timeout > 0.0 && args.notify_timeout <= 3600.0) {
            bail!(
                "`--notify-timeout` must be a number of seconds in (0, 3600], not `{}`",
                args.notify_timeout
            );
        }
        let secret = std::env::var_os(SECRET_ENV)
            .map(|s| s.into_encoded_bytes())
            .filter(|s| !s.is_empty());
        let timeout = Duration::from_secs_f64(args.notify_timeout);
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .user_agent(concat!("perimeter/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Notifier {
            targets,
            headers,
            secret,
            retries: args.notify_retries,
            backoff: Duration::from_millis(500),
            dead_letter: args.notify_dead_letter.clone(),
            agent: config.into(),
        })
    }

    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// True when events go to stdout (which then carries nothing else).
    pub fn to_stdout(&self) -> bool {
        self.targets.contains(&Target::Stdout)
    }

    /// The paths the notifier writes (to keep them out of a watched folder's fingerprint).
    pub fn written_paths(&self) -> Vec<PathBuf> {
        self.targets
            .iter()
            .filter_map(|t| match t {
                Target::File(p) => Some(p.clone()),
                _ => None,
            })
            .chain(self.dead_letter.clone())
            .collect()
    }

    /// Delivers every event to every target. Never fails: problems are in the returned [`Delivery`].
    pub fn send(&self, events: &[ScanEvent]) -> Delivery {
        let mut out = Delivery::default();
        if events.is_empty() {
            return out;
        }
        let mut dead: Vec<&ScanEvent> = Vec::new();
        for target in &self.targets {
            let (sent, failure) = match target {
                Target::Stdout => write_lines(events, None),
                Target::File(path) => write_lines(events, Some(path)),
                Target::Webhook(url) => self.post_all(url, events),
            };
            out.delivered += sent;
            if let Some(why) = failure {
                let rest = events.get(sent..).unwrap_or_default();
                out.undelivered += rest.len();
                dead.extend(rest);
                out.failures.push(format!(
                    "`{}`: {why}; {} of {} event(s) not delivered",
                    target.label(),
                    rest.len(),
                    events.len()
                ));
            }
        }
        if let Some(path) = &self.dead_letter
            && !dead.is_empty()
        {
            let owned: Vec<ScanEvent> = dead.into_iter().cloned().collect();
            if let (_, Some(why)) = write_lines(&owned, Some(path)) {
                out.failures
                    .push(format!("dead-letter file `{}`: {why}", path.display()));
            }
        }
        out
    }

    /// POSTs the events in order; returns how many were accepted and why it stopped early.
    fn post_all(&self, url: &str, events: &[ScanEvent]) -> (usize, Option<String>) {
        for (i, e) in events.iter().enumerate() {
            if let Err(why) = self.post_one(url, e) {
                return (i, Some(why));
            }
        }
        (events.len(), None)
    }

    fn post_one(&self, url: &str, e: &ScanEvent) -> Result<(), String> {
        let body = serde_json::to_string(&e.event).map_err(|err| err.to_string())?;
        let signature = self
            .secret
            .as_deref()
            .map(|s| signature(s, body.as_bytes()));
        let mut attempt = 0u32;
        loop {
            let mut req = self
                .agent
                .post(url)
                .header("Content-Type", "application/json")
                .header("X-Perimeter-Event-Id", e.event.id.as_str())
                .header("X-Perimeter-Change", change_name(e.change));
            if let Some(sig) = &signature {
                req = req.header("X-Perimeter-Signature-256", sig.as_str());
            }
            for (name, value) in &self.headers {
                req = req.header(name.as_str(), value.as_str());
            }
            let (why, retryable) = match req.send(body.as_str()) {
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    if (200..300).contains(&status) {
                        return Ok(());
                    }
                    (
                        format!("the webhook answered HTTP {status}"),
                        status == 429 || status >= 500,
                    )
                }
                Err(err) => (format!("{err}"), retryable_error(&err)),
            };
            if !retryable || attempt >= self.retries {
                let tries = attempt + 1;
                return Err(format!(
                    "{why} (after {tries} attempt{})",
                    if tries == 1 { "" } else { "s" }
                ));
            }
            std::thread::sleep(self.backoff.saturating_mul(1 << attempt.min(6)));
            attempt += 1;
        }
    }
}

/// Connection-level and timeout errors are worth retrying; a malformed URL or a refused TLS
/// configuration is not.
fn retryable_error(err: &ureq::Error) -> bool {
    matches!(
        err,
        ureq::Error::Io(_)
            | ureq::Error::Timeout(_)
            | ureq::Error::ConnectionFailed
            | ureq::Error::HostNotFound
    )
}

fn change_name(change: FindingChange) -> &'static str {
    match change {
        FindingChange::New => "new",
        FindingChange::Changed => "changed",
        FindingChange::Resolved => "resolved",
        FindingChange::Deleted => "deleted",
    }
}

/// `sha256=<hex HMAC-SHA256(secret, body)>`.
pub fn signature(secret: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        // HMAC takes keys of any length; this branch is unreachable in practice.
        return String::new();
    };
    mac.update(body);
    let digest = mac.finalize().into_bytes();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256={hex}")
}

fn parse_header(text: &str) -> anyhow::Result<(String, String)> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| anyhow!("`--notify-header` `{text}` is not `NAME: VALUE`"))?;
    let name = name.trim();
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !valid_name {
        bail!("`--notify-header` `{name}` is not a valid header name");
    }
    let value = value.trim();
    if value.bytes().any(|b| b == b'\r' || b == b'\n') {
        bail!("`--notify-header` `{name}` has a line break in its value");
    }
    Ok((name.to_owned(), value.to_owned()))
}

/// The events as JSON lines (one EventBridge event per line).
pub fn event_lines(events: &[ScanEvent]) -> serde_json::Result<String> {
    let mut lines = String::new();
    for e in events {
        lines.push_str(&serde_json::to_string(&e.event)?);
        lines.push('\n');
    }
    Ok(lines)
}

/// Writes the events as JSON lines to stdout (`None`) or appends them to a file; returns how many
/// were written (all or none) and the error.
fn write_lines(events: &[ScanEvent], file: Option<&PathBuf>) -> (usize, Option<String>) {
    let lines = match event_lines(events) {
        Ok(lines) => lines,
        Err(err) => return (0, Some(err.to_string())),
    };
    let result = match file {
        None => crate::output::write_stdout(&lines),
        Some(path) => std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| f.write_all(lines.as_bytes())),
    };
    match result {
        Ok(()) => (events.len(), None),
        Err(err) => (0, Some(err.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        let check = |text: &str, expected: Option<Target>| {
            assert_eq!(Target::parse(text).ok(), expected, "{text}");
        };
        check("-", Some(Target::Stdout));
        check("stdout", Some(Target::Stdout));
        check(
            "file:///tmp/events.jsonl",
            Some(Target::File(PathBuf::from("/tmp/events.jsonl"))),
        );
        check(
            "file://rel/e.jsonl",
            Some(Target::File(PathBuf::from("rel/e.jsonl"))),
        );
        check(
            "http://127.0.0.1:9/hook",
            Some(Target::Webhook("http://127.0.0.1:9/hook".to_owned())),
        );
        check("file://", None);
        check("events.jsonl", None);
        check("ftp://example.com/x", None);
    }

    #[test]
    fn labels_hide_query_strings() {
        let t = Target::Webhook("https://hooks.example.com/x?token=secret".to_owned());
        assert_eq!(t.label(), "https://hooks.example.com/x");
    }

    #[test]
    fn headers() {
        assert_eq!(
            parse_header("Authorization: Bearer abc").ok(),
            Some(("Authorization".to_owned(), "Bearer abc".to_owned()))
        );
        assert!(parse_header("no colon").is_err());
        assert!(parse_header("bad name: x").is_err());
        assert!(parse_header(": x").is_err());
    }

    /// RFC 4231 test case 2 (key "Jefe"), the HMAC-SHA256 value published in the RFC.
    #[test]
    fn signature_is_rfc_4231_hmac_sha256() {
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
