//! The findings store: an embedded SQLite database in WAL mode. One transaction per scan, so a scan
//! killed half-way leaves the previous state intact, and readers (`list_findings`) never block on a
//! running scan.
//!
//! This module and the snapshot loader are the only code below the CLI that touch the file system:
//! it opens the database file it is given.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use sha2::{Digest, Sha256};

use crate::events::{FindingChange, ScanEvent, render_event};
use crate::filter::{FilterUse, filter_matches, sort_findings, validate_filter};
use crate::model::*;
use crate::time::Timestamp;

/// RESOLVED findings are deleted this many days after their last status update (access-analyzer.md §2.1).
pub const RESOLVED_RETENTION_DAYS: i64 = 90;
/// The default and largest page of ListFindings / ListArchiveRules.
pub const DEFAULT_MAX_RESULTS: u32 = 100;
pub const MAX_RESULTS: u32 = 1000;
/// The most archive rules per analyzer (Access Analyzer's default quota).
pub const MAX_ARCHIVE_RULES: usize = 100;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS analyzers(
    arn TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS findings(
    analyzer_arn TEXT NOT NULL,
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    status TEXT NOT NULL,
    resource TEXT,
    body TEXT NOT NULL,
    PRIMARY KEY(analyzer_arn, id)
);
CREATE INDEX IF NOT EXISTS findings_by_key ON findings(analyzer_arn, key);
CREATE UNIQUE INDEX IF NOT EXISTS findings_open_key ON findings(analyzer_arn, key) WHERE status != 'RESOLVED';
CREATE TABLE IF NOT EXISTS archive_rules(
    analyzer_arn TEXT NOT NULL,
    rule_name TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY(analyzer_arn, rule_name)
);
CREATE TABLE IF NOT EXISTS scans(
    analyzer_arn TEXT NOT NULL,
    seq INTEGER NOT NULL,
    at INTEGER NOT NULL,
    new INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    resolved INTEGER NOT NULL,
    PRIMARY KEY(analyzer_arn, seq)
);
";

/// Operational failures, named after the API's exceptions where there is one.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("findings database: {0}")]
    Database(#[from] rusqlite::Error),
    #[error("stored record `{id}` cannot be read: {message}")]
    Corrupt { id: String, message: String },
    /// `ValidationException`.
    #[error("{0}")]
    Validation(String),
    /// `ResourceNotFoundException`.
    #[error("{0}")]
    NotFound(String),
    /// `ConflictException`.
    #[error("{0}")]
    Conflict(String),
}

type Result<T> = std::result::Result<T, StoreError>;

/// A finding's resource and principal: a new finding sharing them with a resolved one is a change.
type ResourcePrincipal = (Option<String>, Option<BTreeMap<String, String>>);

/// Which findings `update_findings` changes: `ids` or `resourceArn`, as the API takes one of them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindingSelector {
    Ids(Vec<String>),
    ResourceArn(String),
}

/// What a scan did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOutcome {
    /// The scan's sequence number for this analyzer (1, 2, …).
    pub scan: u64,
    pub new: usize,
    pub unchanged: usize,
    pub resolved: usize,
    /// New findings archived by an archive rule.
    pub archived_by_rule: usize,
    /// Findings deleted (error findings whose cause is gone, RESOLVED findings past retention).
    pub deleted: usize,
    pub events: Vec<ScanEvent>,
}

/// Lowercase hex of `bytes`.
fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 * bytes.len());
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            out.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
        }
    }
    out
}

/// Formats 16 bytes of a digest as a UUID (`8-4-4-4-12` lowercase hex).
pub(crate) fn uuid_from_digest(digest: &[u8]) -> String {
    let hex = hex(digest.get(..16).unwrap_or(digest));
    let part = |a: usize, b: usize| hex.get(a..b).unwrap_or_default().to_owned();
    format!(
        "{}-{}-{}-{}-{}",
        part(0, 8),
        part(8, 12),
        part(12, 16),
        part(16, 20),
        part(20, 32)
    )
}

/// The content key of a finding: SHA-256 over its resource, resource type, principal, action set,
/// condition, sources and error. Two scans that find the same access give the same key.
///
/// The hashed text is the compact JSON of `{"resource", "resourceType", "principal", "action"
/// (sorted, deduplicated), "condition", "sources" (sorted, deduplicated), "error"}` in that order,
/// streamed into the hasher (the keys of existing stores depend on these exact bytes).
pub fn finding_key(input: &FindingInput) -> String {
    #[derive(serde::Serialize)]
    struct Canonical<'a> {
        resource: &'a str,
        #[serde(rename = "resourceType")]
        resource_type: &'a str,
        principal: &'a BTreeMap<String, String>,
        action: Vec<&'a String>,
        condition: &'a BTreeMap<String, String>,
        sources: Vec<&'a FindingSource>,
        error: &'a Option<String>,
    }
    let mut action: Vec<&String> = input.action.iter().collect();
    action.sort();
    action.dedup();
    let mut sources: Vec<&FindingSource> = input.sources.iter().collect();
    sources.sort();
    sources.dedup();
    let canonical = Canonical {
        resource: &input.resource,
        resource_type: &input.resource_type,
        principal: &input.principal,
        action,
        condition: &input.condition,
        sources,
        error: &input.error,
    };
    // `Sha256` is an `io::Write`; serializing maps of strings into a hasher cannot fail.
    let mut h = Sha256::new();
    let _ = serde_json::to_writer(&mut h, &canonical);
    hex(&h.finalize())
}

/// The analyzer name perimeter uses for a snapshot's account and zone of trust:
/// `perimeter-<account>-account` or `perimeter-<account>-organization` (one analyzer per snapshot
/// account and zone of trust).
pub fn analyzer_name_for(account: &str, analyzer_type: AnalyzerType) -> String {
    format!(
        "perimeter-{account}-{}",
        analyzer_type.as_str().to_ascii_lowercase()
    )
}

/// The analyzer ARN for a name in an account and Region.
pub fn analyzer_arn(account: &str, region: &str, name: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:access-analyzer:{region}:{account}:analyzer/{name}")
}

fn valid_name(name: &str, first_underscore: bool) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || (first_underscore && c == '_'));
    first_ok
        && name.len() <= 255
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn to_finding(input: &FindingInput, id: String, now: Timestamp) -> Finding {
    let is_error = input.error.is_some();
    let mut action = input.action.clone();
    action.sort();
    action.dedup();
    let mut sources = input.sources.clone();
    sources.sort();
    sources.dedup();
    Finding {
        id,
        principal: (!is_error && !input.principal.is_empty()).then(|| input.principal.clone()),
        action: (!is_error && !action.is_empty()).then_some(action),
        resource: Some(input.resource.clone()),
        is_public: (!is_error).then_some(input.is_public),
        resource_type: input.resource_type.clone(),
        condition: if is_error {
            BTreeMap::new()
        } else {
            input.condition.clone()
        },
        created_at: now,
        analyzed_at: now,
        updated_at: now,
        status: FindingStatus::Active,
        resource_owner_account: input.resource_owner_account.clone(),
        error: input.error.clone(),
        sources: (!is_error && !sources.is_empty()).then_some(sources),
        resource_control_policy_restriction: input.resource_control_policy_restriction.clone(),
    }
}

fn paginate<T>(
    items: Vec<T>,
    max_results: Option<u32>,
    next_token: Option<&str>,
) -> Result<(Vec<T>, Option<String>)> {
    let max = max_results.unwrap_or(DEFAULT_MAX_RESULTS);
    if max == 0 || max > MAX_RESULTS {
        return Err(StoreError::Validation(format!(
            "`maxResults` must be between 1 and {MAX_RESULTS}"
        )));
    }
    let start: usize = match next_token {
        None => 0,
        Some(t) => t
            .parse()
            .map_err(|_| StoreError::Validation(format!("invalid `nextToken` `{t}`")))?,
    };
    let total = items.len();
    let end = start.saturating_add(max as usize).min(total);
    let page: Vec<T> = items
        .into_iter()
        .skip(start)
        .take(end.saturating_sub(start))
        .collect();
    let next = (end < total).then(|| end.to_string());
    Ok((page, next))
}

/// Runs a query whose rows are `(key, JSON body)` and decodes every body.
fn decode_rows<T: serde::de::DeserializeOwned>(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<Vec<T>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map(params, |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (key, body) = row?;
        out.push(decode(&key, &body)?);
    }
    Ok(out)
}

/// The parts of a stored finding a rescan compares with the new input (the rest of the body is
/// skipped, not built).
#[derive(serde::Deserialize)]
struct Compared {
    finding: ComparedFinding,
    explanation: Vec<Explanation>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ComparedFinding {
    #[serde(default)]
    resource_control_policy_restriction: Option<String>,
}

/// An open finding (ACTIVE or ARCHIVED) was analysed by every scan of its analyzer, so its
/// `analyzedAt` is the last scan's time; the store writes a finding's row only when something in it
/// changes, and reads `analyzedAt` through this. A RESOLVED finding keeps its own.
fn refresh_analyzed_at(f: &mut StoredFinding, last_scan: Option<Timestamp>) {
    if f.finding.status != FindingStatus::Resolved
        && let Some(t) = last_scan
        && t > f.finding.analyzed_at
    {
        f.finding.analyzed_at = t;
    }
}

fn decode<T: serde::de::DeserializeOwned>(id: &str, body: &str) -> Result<T> {
    serde_json::from_str(body).map_err(|e| StoreError::Corrupt {
        id: id.to_owned(),
        message: e.to_string(),
    })
}

fn encode<T: serde::Serialize>(id: &str, value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt {
        id: id.to_owned(),
        message: e.to_string(),
    })
}

/// The findings database.
pub struct Store {
    conn: Connection,
}

impl Store {
    /// Opens (creating if needed) the database at `path`, in WAL mode with full synchronous commits.
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        Store::init(conn, true)
    }

    /// An in-memory store (tests, previews).
    pub fn open_in_memory() -> Result<Store> {
        Store::init(Connection::open_in_memory()?, false)
    }

    fn init(conn: Connection, wal: bool) -> Result<Store> {
        conn.busy_timeout(Duration::from_secs(10))?;
        if wal {
            let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StoreError::Validation(format!(
                    "the findings database cannot use WAL mode (got `{mode}`)"
                )));
            }
            conn.pragma_update(None, "synchronous", "FULL")?;
        }
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn })
    }

    // ----- analyzers -------------------------------------------------------------------------

    /// Creates the analyzer, or returns it when one with this name exists (with the same type).
    pub fn ensure_analyzer(
        &mut self,
        name: &str,
        analyzer_type: AnalyzerType,
        account: &str,
        region: &str,
        now: Timestamp,
    ) -> Result<AnalyzerSummary> {
        if !valid_name(name, true) {
            return Err(StoreError::Validation(format!(
                "invalid analyzer name `{name}`"
            )));
        }
        if let Some(existing) = self.analyzer_by_name(name)? {
            if existing.analyzer_type != analyzer_type {
                return Err(StoreError::Conflict(format!(
                    "analyzer `{name}` exists with type {}",
                    existing.analyzer_type.as_str()
                )));
            }
            return Ok(existing);
        }
        let summary = AnalyzerSummary {
            arn: analyzer_arn(account, region, name),
            name: name.to_owned(),
            analyzer_type,
            created_at: now,
            last_resource_analyzed: None,
            last_resource_analyzed_at: None,
            status: "ACTIVE".to_owned(),
        };
        self.conn.execute(
            "INSERT INTO analyzers(arn, name, body) VALUES (?1, ?2, ?3)",
            params![summary.arn, summary.name, encode(&summary.arn, &summary)?],
        )?;
        Ok(summary)
    }

    pub fn analyzer_by_name(&self, name: &str) -> Result<Option<AnalyzerSummary>> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM analyzers WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| decode(name, &b)).transpose()
    }

    pub fn analyzer_by_arn(&self, arn: &str) -> Result<Option<AnalyzerSummary>> {
        let body: Option<String> = self
            .conn
            .query_row("SELECT body FROM analyzers WHERE arn = ?1", [arn], |r| {
                r.get(0)
            })
            .optional()?;
        body.map(|b| decode(arn, &b)).transpose()
    }

    /// Every analyzer, by name.
    pub fn list_analyzers(&self) -> Result<Vec<AnalyzerSummary>> {
        decode_rows(
            &self.conn,
            "SELECT name, body FROM analyzers ORDER BY name",
            [],
        )
    }

    fn require_arn(&self, arn: &str) -> Result<AnalyzerSummary> {
        self.analyzer_by_arn(arn)?
            .ok_or_else(|| StoreError::NotFound(format!("analyzer `{arn}` not found")))
    }

    fn require_name(&self, name: &str) -> Result<AnalyzerSummary> {
        self.analyzer_by_name(name)?
            .ok_or_else(|| StoreError::NotFound(format!("analyzer `{name}` not found")))
    }

    // ----- scans -----------------------------------------------------------------------------

    /// Records the findings of one scan of the analyzer's zone, in one transaction:
    /// - a finding whose content key (see [`finding_key`]) is already open (ACTIVE or ARCHIVED) keeps its
    ///   id, createdAt, updatedAt and status; its analyzedAt becomes `now`;
    /// - a new key gives a new finding (ACTIVE, or ARCHIVED when an archive rule matches it);
    /// - an open finding the scan did not report becomes RESOLVED (error findings are deleted instead);
    /// - RESOLVED findings are deleted [`RESOLVED_RETENTION_DAYS`] after their last update.
    pub fn record_scan(
        &mut self,
        analyzer_arn: &str,
        findings: Vec<FindingInput>,
        now: Timestamp,
    ) -> Result<ScanOutcome> {
        self.record_scan_with_progress(analyzer_arn, findings, now, &mut |_| {})
    }

    /// [`Store::record_scan`], calling `progress(n)` after the n-th reported finding is written (inside
    /// the transaction; nothing is visible to readers until the scan commits).
    pub fn record_scan_with_progress(
        &mut self,
        analyzer_arn: &str,
        findings: Vec<FindingInput>,
        now: Timestamp,
        progress: &mut dyn FnMut(usize),
    ) -> Result<ScanOutcome> {
        let mut analyzer = self.require_arn(analyzer_arn)?;
        let rules = self.rules(analyzer_arn)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let scan: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq), 0) + 1 FROM scans WHERE analyzer_arn = ?1",
            [analyzer_arn],
            |r| r.get(0),
        )?;

        // Open findings by key, and how many findings (any status) each key has had. Only the parts
        // a rescan compares are decoded up front (`Compared`); a finding is decoded whole when it
        // has to be written.
        let mut open: HashMap<String, (String, String, Compared)> = HashMap::new();
        let mut generations: HashMap<String, u64> = HashMap::new();
        {
            let mut stmt =
                tx.prepare("SELECT id, key, status, body FROM findings WHERE analyzer_arn = ?1")?;
            let rows = stmt.query_map([analyzer_arn], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?;
            for row in rows {
                let (id, key, status, body) = row?;
                *generations.entry(key.clone()).or_default() += 1;
                if status != FindingStatus::Resolved.as_str() {
                    let compared = decode(&id, &body)?;
                    open.insert(key, (id, body, compared));
                }
            }
        }

        let mut outcome = ScanOutcome {
            scan: u64::try_from(scan).unwrap_or(0),
            ..ScanOutcome::default()
        };
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut created: Vec<Finding> = Vec::new();
        let mut written = 0usize;
        for input in &findings {
            let key = finding_key(input);
            if !seen.insert(key.clone()) {
                // The engine reported the same access twice: one finding.
                continue;
            }
            if let Some((id, body, compared)) = open.remove(&key) {
                outcome.unchanged += 1;
                // Not part of the finding's identity (an RCP does not change the access), but its
                // current value is reported; a change is an update of the finding.
                let rcp_changed = compared.finding.resource_control_policy_restriction
                    != input.resource_control_policy_restriction;
                // Nothing else to write for an unchanged finding: `analyzedAt` of an open finding
                // is read as the last scan's time (`refresh_analyzed_at`), so it costs no row write.
                if rcp_changed || compared.explanation != input.explanation {
                    let mut stored: StoredFinding = decode(&id, &body)?;
                    stored.finding.analyzed_at = now;
                    stored.explanation.clone_from(&input.explanation);
                    if rcp_changed {
                        stored
                            .finding
                            .resource_control_policy_restriction
                            .clone_from(&input.resource_control_policy_restriction);
                        stored.finding.updated_at = now;
                    }
                    tx.prepare_cached(
                        "UPDATE findings SET body = ?3 WHERE analyzer_arn = ?1 AND id = ?2",
                    )?
                    .execute(params![
                        analyzer_arn,
                        stored.finding.id,
                        encode(&stored.finding.id, &stored)?
                    ])?;
                }
            } else {
                let generation = generations.get(&key).copied().unwrap_or(0);
                let mut h = Sha256::new();
                h.update(analyzer_arn.as_bytes());
                h.update([0]);
                h.update(key.as_bytes());
                h.update([0]);
                h.update(generation.to_le_bytes());
                let id = uuid_from_digest(&h.finalize());
                let mut finding = to_finding(input, id, now);
                if rules.iter().any(|r| filter_matches(&finding, &r.filter)) {
                    finding.status = FindingStatus::Archived;
                    outcome.archived_by_rule += 1;
                }
                let stored = StoredFinding {
                    finding: finding.clone(),
                    explanation: input.explanation.clone(),
                    key: key.clone(),
                };
                tx.prepare_cached(
                    "INSERT INTO findings(analyzer_arn, id, key, status, resource, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )?
                .execute(
                    params![
                        analyzer_arn,
                        finding.id,
                        key,
                        finding.status.as_str(),
                        finding.resource,
                        encode(&finding.id, &stored)?
                    ],
                )?;
                outcome.new += 1;
                created.push(finding);
            }
            written += 1;
            progress(written);
        }

        // Open findings the scan did not report: resolved (error findings: deleted).
        let mut resolved: Vec<Finding> = Vec::new();
        let mut vanished: Vec<StoredFinding> = open
            .into_values()
            .map(|(id, body, _)| decode(&id, &body))
            .collect::<Result<_>>()?;
        vanished.sort_by(|a, b| a.finding.id.cmp(&b.finding.id));
        for mut stored in vanished {
            if stored.finding.error.is_some() {
                tx.execute(
                    "DELETE FROM findings WHERE analyzer_arn = ?1 AND id = ?2",
                    params![analyzer_arn, stored.finding.id],
                )?;
                outcome.deleted += 1;
                outcome.events.push(render_event(
                    analyzer_arn,
                    &stored.finding,
                    FindingChange::Deleted,
                    now,
                ));
                continue;
            }
            stored.finding.status = FindingStatus::Resolved;
            stored.finding.updated_at = now;
            stored.finding.analyzed_at = now;
            tx.execute(
                "UPDATE findings SET status = ?3, body = ?4 WHERE analyzer_arn = ?1 AND id = ?2",
                params![
                    analyzer_arn,
                    stored.finding.id,
                    FindingStatus::Resolved.as_str(),
                    encode(&stored.finding.id, &stored)?
                ],
            )?;
            outcome.resolved += 1;
            resolved.push(stored.finding);
        }

        // Retention: RESOLVED findings whose last update is older than 90 days are deleted.
        let cutoff = now.plus_days(-RESOLVED_RETENTION_DAYS);
        {
            let resolved: Vec<StoredFinding> = decode_rows(
                &tx,
                "SELECT id, body FROM findings WHERE analyzer_arn = ?1 AND status = 'RESOLVED'",
                [analyzer_arn],
            )?;
            let expired: Vec<_> = resolved
                .into_iter()
                .filter(|stored| stored.finding.updated_at < cutoff)
                .map(|stored| stored.finding)
                .collect();
            for finding in expired {
                tx.execute(
                    "DELETE FROM findings WHERE analyzer_arn = ?1 AND id = ?2",
                    params![analyzer_arn, finding.id],
                )?;
                outcome.deleted += 1;
                outcome.events.push(render_event(
                    analyzer_arn,
                    &finding,
                    FindingChange::Deleted,
                    now,
                ));
            }
        }

        // Events: a new finding on the same resource and principal as a resolved one is "changed".
        let replaced: BTreeSet<ResourcePrincipal> = resolved
            .iter()
            .map(|f| (f.resource.clone(), f.principal.clone()))
            .collect();
        for finding in &created {
            let change =
                if replaced.contains(&(finding.resource.clone(), finding.principal.clone())) {
                    FindingChange::Changed
                } else {
                    FindingChange::New
                };
            outcome
                .events
                .push(render_event(analyzer_arn, finding, change, now));
        }
        for finding in &resolved {
            outcome.events.push(render_event(
                analyzer_arn,
                finding,
                FindingChange::Resolved,
                now,
            ));
        }

        analyzer.last_resource_analyzed = findings.last().map(|f| f.resource.clone());
        analyzer.last_resource_analyzed_at = Some(now);
        tx.execute(
            "UPDATE analyzers SET body = ?2 WHERE arn = ?1",
            params![analyzer_arn, encode(analyzer_arn, &analyzer)?],
        )?;
        tx.execute(
            "INSERT INTO scans(analyzer_arn, seq, at, new, unchanged, resolved) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                analyzer_arn,
                scan,
                now.millis(),
                i64::try_from(outcome.new).unwrap_or(i64::MAX),
                i64::try_from(outcome.unchanged).unwrap_or(i64::MAX),
                i64::try_from(outcome.resolved).unwrap_or(i64::MAX)
            ],
        )?;
        tx.commit()?;
        Ok(outcome)
    }

    // ----- access previews -------------------------------------------------------------------

    /// The access-preview comparison (`ListAccessPreviewFindings`), read-only: `proposed` are the
    /// findings of the proposed configuration of the resources in `resource_arns`. Per the API
    /// documentation of `FindingChangeType`:
    /// - access that no open finding covers is `NEW`, with the status it would get (ACTIVE, or
    ///   ARCHIVED when an archive rule matches);
    /// - access an open finding already covers is `UNCHANGED`, with that finding's id and status;
    /// - an open finding on one of these resources whose access the proposal removes is `CHANGED`,
    ///   with preview status RESOLVED and its existing id and status.
    pub fn preview_findings(
        &self,
        analyzer_arn: &str,
        resource_arns: &[String],
        proposed: &[FindingInput],
        now: Timestamp,
    ) -> Result<Vec<AccessPreviewFinding>> {
        self.require_arn(analyzer_arn)?;
        let rules = self.rules(analyzer_arn)?;
        let mut open: BTreeMap<String, Finding> = self
            .stored_findings(analyzer_arn)?
            .into_iter()
            .filter(|s| s.finding.status != FindingStatus::Resolved)
            .filter(|s| {
                s.finding
                    .resource
                    .as_ref()
                    .is_some_and(|r| resource_arns.contains(r))
            })
            .map(|s| (s.key, s.finding))
            .collect();
        let mut out = Vec::new();
        let mut seen = BTreeSet::new();
        let preview_id = |n: usize| {
            let mut h = Sha256::new();
            h.update(analyzer_arn.as_bytes());
            h.update([0]);
            h.update(now.millis().to_le_bytes());
            h.update(n.to_le_bytes());
            uuid_from_digest(&h.finalize())
        };
        for input in proposed {
            let key = finding_key(input);
            if !seen.insert(key.clone()) {
                continue;
            }
            let preview = to_finding(input, String::new(), now);
            let (change_type, existing, status) = match open.remove(&key) {
                Some(existing) => (
                    FindingChangeType::Unchanged,
                    Some(existing.clone()),
                    existing.status,
                ),
                None => {
                    let archived = rules.iter().any(|r| filter_matches(&preview, &r.filter));
                    let status = if archived {
                        FindingStatus::Archived
                    } else {
                        FindingStatus::Active
                    };
                    (FindingChangeType::New, None, status)
                }
            };
            out.push(AccessPreviewFinding {
                id: preview_id(out.len()),
                existing_finding_id: existing.as_ref().map(|f| f.id.clone()),
                existing_finding_status: existing.as_ref().map(|f| f.status),
                principal: preview.principal,
                action: preview.action,
                condition: (preview.error.is_none()).then_some(preview.condition),
                resource: preview.resource,
                is_public: preview.is_public,
                resource_type: preview.resource_type,
                created_at: now,
                change_type,
                status,
                resource_owner_account: preview.resource_owner_account,
                error: preview.error,
                sources: preview.sources,
                resource_control_policy_restriction: preview.resource_control_policy_restriction,
            });
        }
        for (_, gone) in open {
            out.push(AccessPreviewFinding {
                id: preview_id(out.len()),
                existing_finding_id: Some(gone.id.clone()),
                existing_finding_status: Some(gone.status),
                principal: gone.principal,
                action: gone.action,
                condition: gone.error.is_none().then_some(gone.condition),
                resource: gone.resource,
                is_public: gone.is_public,
                resource_type: gone.resource_type,
                created_at: now,
                change_type: FindingChangeType::Changed,
                status: FindingStatus::Resolved,
                resource_owner_account: gone.resource_owner_account,
                error: gone.error,
                sources: gone.sources,
                resource_control_policy_restriction: gone.resource_control_policy_restriction,
            });
        }
        Ok(out)
    }

    // ----- findings --------------------------------------------------------------------------

    fn stored_findings(&self, analyzer_arn: &str) -> Result<Vec<StoredFinding>> {
        let mut all: Vec<StoredFinding> = decode_rows(
            &self.conn,
            "SELECT id, body FROM findings WHERE analyzer_arn = ?1",
            [analyzer_arn],
        )?;
        let last = self.last_scan_at(analyzer_arn)?;
        for f in &mut all {
            refresh_analyzed_at(f, last);
        }
        Ok(all)
    }

    /// When the analyzer's last committed scan ran.
    fn last_scan_at(&self, analyzer_arn: &str) -> Result<Option<Timestamp>> {
        Ok(self
            .conn
            .query_row(
                "SELECT at FROM scans WHERE analyzer_arn = ?1 ORDER BY seq DESC LIMIT 1",
                [analyzer_arn],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map(Timestamp::from_millis))
    }

    /// Every finding of an analyzer with its explanation, in ListFindings' default order (`createdAt`
    /// ascending, then id), read in one query: what a whole listing costs without paging through it
    /// (each ListFindings page reads and sorts every finding).
    pub fn all_findings(&self, analyzer_arn: &str) -> Result<Vec<StoredFinding>> {
        self.require_arn(analyzer_arn)?;
        let mut all = self.stored_findings(analyzer_arn)?;
        all.sort_by(|a, b| {
            (a.finding.created_at.millis(), &a.finding.id)
                .cmp(&(b.finding.created_at.millis(), &b.finding.id))
        });
        Ok(all)
    }

    fn query(
        &self,
        analyzer_arn: &str,
        query: &ListFindingsQuery,
    ) -> Result<(Vec<Finding>, Option<String>)> {
        self.require_arn(analyzer_arn)?;
        validate_filter(&query.filter, FilterUse::ListFindings).map_err(StoreError::Validation)?;
        let mut findings: Vec<Finding> = self
            .stored_findings(analyzer_arn)?
            .into_iter()
            .map(|s| s.finding)
            .filter(|f| filter_matches(f, &query.filter))
            .collect();
        sort_findings(&mut findings, query.sort.as_ref()).map_err(StoreError::Validation)?;
        paginate(findings, query.max_results, query.next_token.as_deref())
    }

    /// `ListFindings`.
    pub fn list_findings(
        &self,
        analyzer_arn: &str,
        query: &ListFindingsQuery,
    ) -> Result<ListFindingsResponse> {
        let (findings, next_token) = self.query(analyzer_arn, query)?;
        Ok(ListFindingsResponse {
            findings,
            next_token,
        })
    }

    /// `ListFindingsV2`.
    pub fn list_findings_v2(
        &self,
        analyzer_arn: &str,
        query: &ListFindingsQuery,
    ) -> Result<ListFindingsV2Response> {
        let (findings, next_token) = self.query(analyzer_arn, query)?;
        let findings = findings
            .into_iter()
            .map(|f| FindingSummaryV2 {
                analyzed_at: f.analyzed_at,
                created_at: f.created_at,
                error: f.error,
                id: f.id,
                resource: f.resource,
                resource_type: f.resource_type,
                resource_owner_account: f.resource_owner_account,
                status: f.status,
                updated_at: f.updated_at,
                finding_type: "ExternalAccess".to_owned(),
            })
            .collect();
        Ok(ListFindingsV2Response {
            findings,
            next_token,
        })
    }

    /// The stored finding (API shape, explanation, key).
    pub fn stored_finding(&self, analyzer_arn: &str, id: &str) -> Result<StoredFinding> {
        self.require_arn(analyzer_arn)?;
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM findings WHERE analyzer_arn = ?1 AND id = ?2",
                params![analyzer_arn, id],
                |r| r.get(0),
            )
            .optional()?;
        let body = body.ok_or_else(|| StoreError::NotFound(format!("finding `{id}` not found")))?;
        let mut f: StoredFinding = decode(id, &body)?;
        refresh_analyzed_at(&mut f, self.last_scan_at(analyzer_arn)?);
        Ok(f)
    }

    /// `GetFinding`.
    pub fn get_finding(&self, analyzer_arn: &str, id: &str) -> Result<GetFindingResponse> {
        Ok(GetFindingResponse {
            finding: self.stored_finding(analyzer_arn, id)?.finding,
        })
    }

    /// `GetFindingV2`.
    pub fn get_finding_v2(&self, analyzer_arn: &str, id: &str) -> Result<GetFindingV2Response> {
        let f = self.stored_finding(analyzer_arn, id)?.finding;
        Ok(GetFindingV2Response {
            analyzed_at: f.analyzed_at,
            created_at: f.created_at,
            error: f.error,
            id: f.id,
            resource: f.resource,
            resource_type: f.resource_type,
            resource_owner_account: f.resource_owner_account,
            status: f.status,
            updated_at: f.updated_at,
            finding_details: vec![FindingDetails {
                external_access_details: ExternalAccessDetails {
                    action: f.action,
                    condition: f.condition,
                    is_public: f.is_public,
                    principal: f.principal,
                    sources: f.sources,
                    resource_control_policy_restriction: f.resource_control_policy_restriction,
                },
            }],
            finding_type: "ExternalAccess".to_owned(),
        })
    }

    fn set_status(
        tx: &rusqlite::Transaction<'_>,
        analyzer_arn: &str,
        mut stored: StoredFinding,
        status: FindingStatus,
        now: Timestamp,
    ) -> Result<Finding> {
        stored.finding.status = status;
        stored.finding.updated_at = now;
        tx.prepare_cached(
            "UPDATE findings SET status = ?3, body = ?4 WHERE analyzer_arn = ?1 AND id = ?2",
        )?
        .execute(params![
            analyzer_arn,
            stored.finding.id,
            status.as_str(),
            encode(&stored.finding.id, &stored)?
        ])?;
        Ok(stored.finding)
    }

    /// `UpdateFindings`: sets ACTIVE or ARCHIVED on the selected findings. RESOLVED findings are left as
    /// they are (RESOLVED is set only by a scan). Returns a `Changed` event per finding whose status changed.
    pub fn update_findings(
        &mut self,
        analyzer_arn: &str,
        status: FindingStatusUpdate,
        selector: &FindingSelector,
        now: Timestamp,
    ) -> Result<Vec<ScanEvent>> {
        self.require_arn(analyzer_arn)?;
        let all = self.stored_findings(analyzer_arn)?;
        let selected: Vec<StoredFinding> = match selector {
            FindingSelector::Ids(ids) => {
                if ids.is_empty() {
                    return Err(StoreError::Validation("`ids` is empty".to_owned()));
                }
                let mut out = Vec::new();
                for id in ids {
                    let found = all
                        .iter()
                        .find(|s| &s.finding.id == id)
                        .ok_or_else(|| StoreError::NotFound(format!("finding `{id}` not found")))?;
                    out.push(found.clone());
                }
                out
            }
            FindingSelector::ResourceArn(arn) => all
                .into_iter()
                .filter(|s| s.finding.resource.as_deref() == Some(arn.as_str()))
                .collect(),
        };
        let target = status.status();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut events = Vec::new();
        for stored in selected {
            if stored.finding.status == FindingStatus::Resolved || stored.finding.status == target {
                continue;
            }
            let finding = Store::set_status(&tx, analyzer_arn, stored, target, now)?;
            events.push(render_event(
                analyzer_arn,
                &finding,
                FindingChange::Changed,
                now,
            ));
        }
        tx.commit()?;
        Ok(events)
    }

    // ----- archive rules ---------------------------------------------------------------------

    fn rules(&self, analyzer_arn: &str) -> Result<Vec<ArchiveRuleSummary>> {
        decode_rows(
            &self.conn,
            "SELECT rule_name, body FROM archive_rules WHERE analyzer_arn = ?1 ORDER BY rule_name",
            [analyzer_arn],
        )
    }

    fn rule(&self, analyzer_arn: &str, rule_name: &str) -> Result<Option<ArchiveRuleSummary>> {
        let body: Option<String> = self
            .conn
            .query_row(
                "SELECT body FROM archive_rules WHERE analyzer_arn = ?1 AND rule_name = ?2",
                params![analyzer_arn, rule_name],
                |r| r.get(0),
            )
            .optional()?;
        body.map(|b| decode(rule_name, &b)).transpose()
    }

    fn check_rule(rule_name: &str, filter: &FilterCriteriaMap) -> Result<()> {
        if !valid_name(rule_name, false) {
            return Err(StoreError::Validation(format!(
                "invalid rule name `{rule_name}`"
            )));
        }
        if filter.is_empty() {
            return Err(StoreError::Validation(
                "the archive rule filter is empty".to_owned(),
            ));
        }
        validate_filter(filter, FilterUse::ArchiveRule).map_err(StoreError::Validation)
    }

    /// `CreateArchiveRule`. The rule archives findings created from now on; see [`Store::apply_archive_rule`].
    pub fn create_archive_rule(
        &mut self,
        analyzer_name: &str,
        rule_name: &str,
        filter: FilterCriteriaMap,
        now: Timestamp,
    ) -> Result<()> {
        let analyzer = self.require_name(analyzer_name)?;
        Store::check_rule(rule_name, &filter)?;
        if self.rule(&analyzer.arn, rule_name)?.is_some() {
            return Err(StoreError::Conflict(format!(
                "archive rule `{rule_name}` already exists"
            )));
        }
        if self.rules(&analyzer.arn)?.len() >= MAX_ARCHIVE_RULES {
            return Err(StoreError::Validation(format!(
                "analyzer `{analyzer_name}` already has {MAX_ARCHIVE_RULES} archive rules"
            )));
        }
        let rule = ArchiveRuleSummary {
            rule_name: rule_name.to_owned(),
            filter,
            created_at: now,
            updated_at: now,
        };
        self.conn.execute(
            "INSERT INTO archive_rules(analyzer_arn, rule_name, body) VALUES (?1, ?2, ?3)",
            params![analyzer.arn, rule_name, encode(rule_name, &rule)?],
        )?;
        Ok(())
    }

    /// `UpdateArchiveRule`: replaces the filter.
    pub fn update_archive_rule(
        &mut self,
        analyzer_name: &str,
        rule_name: &str,
        filter: FilterCriteriaMap,
        now: Timestamp,
    ) -> Result<()> {
        let analyzer = self.require_name(analyzer_name)?;
        Store::check_rule(rule_name, &filter)?;
        let mut rule = self
            .rule(&analyzer.arn, rule_name)?
            .ok_or_else(|| StoreError::NotFound(format!("archive rule `{rule_name}` not found")))?;
        rule.filter = filter;
        rule.updated_at = now;
        self.conn.execute(
            "UPDATE archive_rules SET body = ?3 WHERE analyzer_arn = ?1 AND rule_name = ?2",
            params![analyzer.arn, rule_name, encode(rule_name, &rule)?],
        )?;
        Ok(())
    }

    /// `DeleteArchiveRule`. Findings it archived stay archived.
    pub fn delete_archive_rule(&mut self, analyzer_name: &str, rule_name: &str) -> Result<()> {
        let analyzer = self.require_name(analyzer_name)?;
        let n = self.conn.execute(
            "DELETE FROM archive_rules WHERE analyzer_arn = ?1 AND rule_name = ?2",
            params![analyzer.arn, rule_name],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound(format!(
                "archive rule `{rule_name}` not found"
            )));
        }
        Ok(())
    }

    /// `GetArchiveRule`.
    pub fn get_archive_rule(
        &self,
        analyzer_name: &str,
        rule_name: &str,
    ) -> Result<GetArchiveRuleResponse> {
        let analyzer = self.require_name(analyzer_name)?;
        let archive_rule = self
            .rule(&analyzer.arn, rule_name)?
            .ok_or_else(|| StoreError::NotFound(format!("archive rule `{rule_name}` not found")))?;
        Ok(GetArchiveRuleResponse { archive_rule })
    }

    /// `ListArchiveRules`, by rule name.
    pub fn list_archive_rules(
        &self,
        analyzer_name: &str,
        max_results: Option<u32>,
        next_token: Option<&str>,
    ) -> Result<ListArchiveRulesResponse> {
        let analyzer = self.require_name(analyzer_name)?;
        let (archive_rules, next_token) =
            paginate(self.rules(&analyzer.arn)?, max_results, next_token)?;
        Ok(ListArchiveRulesResponse {
            archive_rules,
            next_token,
        })
    }

    /// `ApplyArchiveRule`: archives the existing ACTIVE findings that match the rule. It does not
    /// un-archive anything and leaves RESOLVED findings alone.
    pub fn apply_archive_rule(
        &mut self,
        analyzer_arn: &str,
        rule_name: &str,
        now: Timestamp,
    ) -> Result<Vec<ScanEvent>> {
        self.require_arn(analyzer_arn)?;
        let rule = self
            .rule(analyzer_arn, rule_name)?
            .ok_or_else(|| StoreError::NotFound(format!("archive rule `{rule_name}` not found")))?;
        let matching: Vec<StoredFinding> = self
            .stored_findings(analyzer_arn)?
            .into_iter()
            .filter(|s| {
                s.finding.status == FindingStatus::Active
                    && filter_matches(&s.finding, &rule.filter)
            })
            .collect();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut events = Vec::new();
        for stored in matching {
            let finding =
                Store::set_status(&tx, analyzer_arn, stored, FindingStatus::Archived, now)?;
            events.push(render_event(
                analyzer_arn,
                &finding,
                FindingChange::Changed,
                now,
            ));
        }
        tx.commit()?;
        Ok(events)
    }

    /// Number of committed scans of an analyzer.
    pub fn scan_count(&self, analyzer_arn: &str) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM scans WHERE analyzer_arn = ?1",
            [analyzer_arn],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// `PRAGMA integrity_check` (for tests and `doctor`-style commands): `true` when the database is sound.
    pub fn integrity_ok(&self) -> Result<bool> {
        let result: String = self
            .conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        Ok(result == "ok")
    }
}
