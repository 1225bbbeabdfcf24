//! `perimeter analyze SNAPSHOT`: everything perimeter can say about an account snapshot.
//!
//! - External-access findings (IAM Access Analyzer's external access analysis) over every resource of
//!   the snapshot (`perimeter-account`), computed by `perimeter_access::external`, optionally recorded
//!   in a findings store (`--db`, lifecycle by `perimeter-findings`);
//! - the network half: internet exposure of every ENI and instance (`perimeter-net`).
//!
//! Exit code 1 when there are ACTIVE findings or network exposure.
//!
//! `--notify TARGET` sends the scan's finding events (new, changed, resolved; `crate::notify`) once
//! the scan is recorded. With `--notify stdout` stdout carries the events (JSON lines) instead of the
//! findings document, and a one-line summary goes to stderr. A failed delivery leaves the recorded
//! scan as it is, is reported on stderr, and makes the exit code 2.

#[path = "preview.rs"]
pub mod preview;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use perimeter_access::external::{
    AclGrantInput, ExternalFinding, ExternalResource, FindingCache, KmsGrantInput, ShareInput,
    Source, ZoneOfTrust, find_resource_findings,
};
use perimeter_account::{Resource, ResourceExtras, ShareTarget, Snapshot};
use perimeter_findings::{
    AnalyzerType, Explanation, Finding, FindingInput, FindingSource, FindingSourceDetail,
    FindingStatus, Store, Timestamp, analyzer_arn, analyzer_name_for,
};

use crate::notify::{EventCounts, Notifier, NotifyArgs};
use crate::output::{EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, OutputFormat, out, print_json};

/// `--zone-of-trust`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ZoneArg {
    #[default]
    Account,
    Organization,
}

#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// The snapshot folder, in CloudMapper's collect layout (`DIR/<region>/ec2-describe-*.json`, …).
    pub snapshot: PathBuf,
    /// The zone of trust: the snapshot's account, or its organization.
    #[arg(long, value_enum, default_value = "account")]
    pub zone_of_trust: ZoneArg,
    /// Record the findings in this findings store (SQLite), with Access Analyzer's lifecycle.
    /// Without it, `--notify` reports every finding of the scan as new.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Output format [default: json]. Not with `--notify stdout`, whose events are the output.
    #[arg(long, value_enum)]
    pub output: Option<OutputFormat>,
    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// The zone of trust of a snapshot.
pub fn zone_of(snapshot: &Snapshot, zone: ZoneArg) -> anyhow::Result<ZoneOfTrust> {
    let Some(account) = snapshot.account_id.clone() else {
        anyhow::bail!(
            "the snapshot names no account (no `sts-get-caller-identity.json` and no IAM ARNs)"
        );
    };
    Ok(match (zone, &snapshot.organization) {
        (ZoneArg::Account, _) => ZoneOfTrust::Account(account),
        (ZoneArg::Organization, Some(org)) => {
            let mut accounts: Vec<String> = org.accounts.iter().map(|a| a.id.clone()).collect();
            if !accounts.contains(&account) {
                accounts.push(account);
            }
            ZoneOfTrust::Organization {
                id: org.id.clone(),
                accounts,
            }
        }
        (ZoneArg::Organization, None) => {
            anyhow::bail!(
                "`--zone-of-trust organization` needs the organization in the snapshot (organizations-describe-organization.json)"
            )
        }
    })
}

/// The neutral input of one snapshot resource, and the problems met building it.
pub fn external_resource(r: &Resource) -> (ExternalResource, Vec<String>) {
    let mut problems = Vec::new();
    let policy = r
        .policy
        .as_ref()
        .and_then(|p| match perimeter_iam::parse_and_lower(&p.text) {
            Ok(policy) => Some(policy),
            Err(diags) => {
                let first = diags.first().map(|d| d.message.clone()).unwrap_or_default();
                problems.push(format!(
                    "the policy at {} does not parse: {first}",
                    p.origin
                ));
                None
            }
        });
    let mut x = ExternalResource {
        arn: r.arn.clone(),
        resource_type: r.resource_type.as_str().to_owned(),
        owner_account: r.owner_account.clone(),
        policy,
        ..ExternalResource::default()
    };
    match &r.extras {
        ResourceExtras::S3Bucket(s3) => {
            x.acl_grants = s3
                .acl_grants
                .iter()
                .flatten()
                .map(|g| AclGrantInput {
                    grantee_type: g.grantee_type.clone(),
                    grantee_id: g.grantee_id.clone(),
                    grantee_uri: g.grantee_uri.clone(),
                    permission: g.permission.clone(),
                })
                .collect();
            x.acl_owner_id = s3.acl_owner_id.clone();
            let aps = preview::access_point_inputs(s3);
            x.access_points = aps.inputs;
            x.access_points_known = aps.known;
            for n in aps.notes {
                problems_note(&mut x, n);
            }
            problems.extend(aps.problems);
            for bpa in [
                &s3.bucket_public_access_block,
                &s3.account_public_access_block,
            ]
            .into_iter()
            .flatten()
            {
                x.block_public_access.ignore_public_acls |= bpa.ignore_public_acls;
                x.block_public_access.restrict_public_buckets |= bpa.restrict_public_buckets;
            }
        }
        ResourceExtras::KmsKey(k) => {
            x.kms_grants = k
                .grants
                .iter()
                .map(|g| KmsGrantInput {
                    grant_id: g.grant_id.clone(),
                    grantee_principal: g.grantee_principal.clone(),
                    operations: g.operations.clone(),
                })
                .collect();
        }
        ResourceExtras::Ec2Snapshot(s) => {
            x.shares = shares(&s.create_volume_permissions);
            x.encrypted = s.encrypted;
        }
        ResourceExtras::RdsSnapshot(s) => {
            x.shares = shares(&s.restore);
            x.encrypted = s.encrypted;
        }
        ResourceExtras::SecretsManagerSecret(_) | ResourceExtras::None => {}
    }
    (x, problems)
}

/// Records a limitation of the analysis on the resource; every finding of the resource carries it.
fn problems_note(x: &mut ExternalResource, note: String) {
    x.notes.push(note);
}

fn shares(p: &[perimeter_account::SharePermission]) -> Vec<ShareInput> {
    p.iter()
        .map(|s| match &s.target {
            ShareTarget::All => ShareInput::All,
            ShareTarget::Account(a) => ShareInput::Account(a.clone()),
        })
        .collect()
}

/// The explanation of the `statements` (indexes) of `policy`, parsed from `doc`.
fn push_statements(
    explanation: &mut Vec<Explanation>,
    doc: &perimeter_account::PolicyDocument,
    policy: &perimeter_iam::Policy,
    statements: &[usize],
) {
    for i in statements {
        let st = policy.statements.iter().find(|s| s.index == *i);
        explanation.push(Explanation::Statement {
            file: doc.origin.file.clone(),
            pointer: doc.origin.pointer.clone(),
            statement_index: u32::try_from(*i).unwrap_or(u32::MAX),
            sid: st.and_then(|s| s.sid.clone()),
            statement_pointer: st
                .map(|s| perimeter_iam::diagnostic::path_to_pointer(&s.path))
                .unwrap_or_default(),
        });
    }
}

/// The store's input for one finding of `x` (the analysis input built from `r`), with its
/// explanation from the snapshot's origins.
pub fn finding_input(r: &Resource, f: &ExternalFinding, x: &ExternalResource) -> FindingInput {
    let mut explanation = Vec::new();
    match &f.source {
        Source::Policy { statements } => {
            if let (Some(doc), Some(policy)) = (&r.policy, &x.policy) {
                push_statements(&mut explanation, doc, policy, statements);
            }
        }
        Source::AclGrant(i) => {
            if let ResourceExtras::S3Bucket(s3) = &r.extras
                && let Some(g) = s3.acl_grants.iter().flatten().nth(*i)
            {
                explanation.push(Explanation::AclGrant {
                    file: g.origin.file.clone(),
                    pointer: g.origin.pointer.clone(),
                    grantee: g
                        .grantee_uri
                        .clone()
                        .or_else(|| g.grantee_id.clone())
                        .unwrap_or_default(),
                    permission: g.permission.clone(),
                });
                for bpa in [
                    &s3.bucket_public_access_block,
                    &s3.account_public_access_block,
                ]
                .into_iter()
                .flatten()
                {
                    explanation.push(Explanation::BlockPublicAccess {
                        file: bpa.origin.file.clone(),
                        pointer: bpa.origin.pointer.clone(),
                        setting: "IgnorePublicAcls".to_owned(),
                        value: bpa.ignore_public_acls,
                    });
                }
            }
        }
        Source::KmsGrant(i) => {
            if let ResourceExtras::KmsKey(k) = &r.extras
                && let Some(g) = k.grants.get(*i)
            {
                explanation.push(Explanation::KmsGrant {
                    file: g.origin.file.clone(),
                    pointer: g.origin.pointer.clone(),
                    grant_id: g.grant_id.clone(),
                });
            }
        }
        Source::Share(i) => {
            let (attr, list) = match &r.extras {
                ResourceExtras::Ec2Snapshot(s) => {
                    ("createVolumePermission", &s.create_volume_permissions)
                }
                ResourceExtras::RdsSnapshot(s) => ("restore", &s.restore),
                _ => ("", &Vec::new()),
            };
            if let Some(s) = list.get(*i) {
                explanation.push(Explanation::SnapshotAttribute {
                    file: s.origin.file.clone(),
                    pointer: s.origin.pointer.clone(),
                    attribute: attr.to_owned(),
                    value: match &s.target {
                        ShareTarget::All => "all".to_owned(),
                        ShareTarget::Account(a) => a.clone(),
                    },
                });
            }
        }
    }
    // Access point findings: the access point policy's statements too (parsed once, in `x`).
    if let (ResourceExtras::S3Bucket(s3), Some(ap_arn)) = (
        &r.extras,
        f.source_detail
            .as_ref()
            .and_then(|d| d.access_point_arn.as_deref()),
    ) && let Some(doc) = s3
        .access_points
        .iter()
        .find(|ap| ap.arn == ap_arn)
        .and_then(|ap| ap.policy.as_ref())
        && let Some(ap_policy) = x
            .access_points
            .iter()
            .find(|ap| ap.arn == ap_arn)
            .and_then(|ap| ap.policy.as_ref())
    {
        push_statements(&mut explanation, doc, ap_policy, &f.access_point_statements);
    }
    store_input(
        &r.arn,
        r.resource_type.as_str(),
        &r.owner_account,
        f,
        explanation,
    )
}

/// A finding of the engine as the findings store takes it (shared with `create-access-preview`).
pub(crate) fn store_input(
    resource: &str,
    resource_type: &str,
    owner_account: &str,
    f: &ExternalFinding,
    explanation: Vec<Explanation>,
) -> FindingInput {
    FindingInput {
        resource: resource.to_owned(),
        resource_type: resource_type.to_owned(),
        resource_owner_account: owner_account.to_owned(),
        principal: f.principal.clone(),
        action: f.action.clone(),
        condition: f.condition.clone(),
        is_public: f.is_public,
        sources: f
            .source_type
            .map(|t| {
                vec![FindingSource {
                    source_type: t.to_owned(),
                    detail: f.source_detail.as_ref().map(|d| FindingSourceDetail {
                        access_point_arn: d.access_point_arn.clone(),
                        access_point_account: d.access_point_account.clone(),
                    }),
                }]
            })
            .unwrap_or_default(),
        error: None,
        resource_control_policy_restriction: None,
        explanation,
    }
}

/// What one resource contributed to a scan: its finding inputs and its notes.
#[derive(Clone, Debug, Default)]
struct ResourceScan {
    inputs: Vec<FindingInput>,
    notes: Vec<String>,
}

/// Per-resource results by content, kept across the scans of one process (`perimeter watch`): a
/// rescan analyses only the resources whose content changed.
///
/// The key hashes everything the analysis of a resource reads: its ARN, type, owner, policy text,
/// the type-specific inputs (ACL, Block Public Access, access points with their policies, KMS
/// grants, snapshot shares) and the zone of trust ([`FindingCache::content_key`]).
#[derive(Debug, Default)]
pub struct ScanCache {
    entries: std::collections::HashMap<u64, ResourceScan>,
    /// Resources answered from the cache in the last scan.
    pub hits: usize,
    /// Resources analysed in the last scan.
    pub misses: usize,
}

fn resource_key(r: &Resource, zone: &ZoneOfTrust) -> u64 {
    FindingCache::content_key(
        &r.arn,
        r.resource_type.as_str(),
        &r.owner_account,
        r.policy
            .as_ref()
            .map(|p| p.text.as_str())
            .unwrap_or_default(),
        &format!("{:?}", r.extras),
        zone,
    )
}

impl ResourceScan {
    /// Adds an `INTERNAL_ERROR` finding for `r`, with `why` as its note.
    fn push_error(&mut self, r: &Resource, why: &str) {
        self.notes.push(format!("{}: {why}", r.arn));
        self.inputs.push(FindingInput {
            resource: r.arn.clone(),
            resource_type: r.resource_type.as_str().to_owned(),
            resource_owner_account: r.owner_account.clone(),
            error: Some("INTERNAL_ERROR".to_owned()),
            ..FindingInput::default()
        });
    }
}

/// The findings and notes of one resource; problems (unparsable policies, analysis failures)
/// become `INTERNAL_ERROR` findings so that no access is silently dropped.
fn scan_resource(r: &Resource, zone: &ZoneOfTrust) -> ResourceScan {
    let mut out = ResourceScan::default();
    let (x, problems) = external_resource(r);
    for n in &x.notes {
        out.notes.push(format!("{}: {n}", r.arn));
    }
    for p in problems {
        out.push_error(r, &p);
    }
    match find_resource_findings(&x, zone) {
        Ok(fs) => {
            for f in &fs {
                for n in &f.notes {
                    out.notes.push(format!("{}: {n}", r.arn));
                }
                out.inputs.push(finding_input(r, f, &x));
            }
        }
        Err(e) => out.push_error(r, &format!("the analysis failed: {e}")),
    }
    out
}

/// Every finding input of a snapshot, with the notes for stderr (sorted, deduplicated).
pub fn analyze_snapshot(
    snapshot: &Snapshot,
    zone: &ZoneOfTrust,
) -> (Vec<FindingInput>, Vec<String>) {
    analyze_snapshot_cached(snapshot, zone, &mut ScanCache::default())
}

/// [`analyze_snapshot`] reusing (and refreshing) `cache`: resources whose content is in the cache are
/// not analysed again; the others are analysed on every available core. The result does not depend
/// on the number of threads: each resource is analysed alone and results keep the snapshot's order.
pub fn analyze_snapshot_cached(
    snapshot: &Snapshot,
    zone: &ZoneOfTrust,
    cache: &mut ScanCache,
) -> (Vec<FindingInput>, Vec<String>) {
    let keys: Vec<u64> = snapshot
        .resources
        .iter()
        .map(|r| resource_key(r, zone))
        .collect();
    let todo: Vec<(usize, &Resource)> = snapshot
        .resources
        .iter()
        .enumerate()
        .filter(|(i, _)| keys.get(*i).is_none_or(|k| !cache.entries.contains_key(k)))
        .collect();
    let threads = std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(todo.len().max(1));
    let chunk = todo.len().div_ceil(threads).max(1);
    let fresh: Vec<(usize, ResourceScan)> = std::thread::scope(|scope| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(i, r)| (*i, scan_resource(r, zone)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                // A panicking analysis is a bug; the resource still gets an error finding below.
                h.join().unwrap_or_default()
            })
            .collect()
    });
    cache.hits = snapshot.resources.len() - todo.len();
    cache.misses = todo.len();
    let mut fresh: std::collections::HashMap<usize, ResourceScan> = fresh.into_iter().collect();
    let mut live = std::collections::HashMap::new();
    let mut out = Vec::new();
    let mut notes = Vec::new();
    // `resourceControlPolicyRestriction`, per resource (outside the cache: it depends on the RCPs).
    let rcps = perimeter_account::rcp::RcpIndex::new(snapshot);
    let mut rcp_decisions = Vec::new();
    for (i, r) in snapshot.resources.iter().enumerate() {
        let key = keys.get(i).copied().unwrap_or_default();
        let scan = match fresh.remove(&i) {
            Some(s) => s,
            // Moved out of the cache, not cloned (a resource listed twice finds it in `live`).
            None => match cache
                .entries
                .remove(&key)
                .or_else(|| live.get(&key).cloned())
            {
                Some(s) => s,
                None if todo.iter().any(|(j, _)| *j == i) => {
                    // Its thread died: report the resource rather than drop it.
                    let mut s = ResourceScan::default();
                    s.push_error(r, "the analysis stopped unexpectedly");
                    s
                }
                None => ResourceScan::default(),
            },
        };
        let rcp = rcps.decide(r.resource_type, &r.arn, &r.owner_account);
        out.extend(scan.inputs.iter().cloned().map(|mut f| {
            f.resource_control_policy_restriction = rcp.restriction.map(|x| x.as_str().to_owned());
            f
        }));
        if !scan.inputs.is_empty() {
            rcp_decisions.push(rcp);
        }
        notes.extend(scan.notes.iter().cloned());
        live.insert(key, scan);
    }
    notes.extend(rcps.notes(snapshot, &rcp_decisions));
    cache.entries = live;
    notes.sort();
    notes.dedup();
    (out, notes)
}

/// A finding as ListFindings shows it when no store is used: the id is the store's content key.
fn unstored(f: FindingInput, now: Timestamp) -> (Finding, Vec<Explanation>) {
    let id = perimeter_findings::finding_key(&f);
    let explanation = f.explanation.clone();
    let mut action = f.action;
    action.sort();
    action.dedup();
    let finding = Finding {
        id,
        principal: (f.error.is_none()).then_some(f.principal),
        action: (f.error.is_none()).then_some(action),
        resource: Some(f.resource),
        is_public: (f.error.is_none()).then_some(f.is_public),
        resource_type: f.resource_type,
        condition: f.condition,
        created_at: now,
        analyzed_at: now,
        updated_at: now,
        status: FindingStatus::Active,
        resource_owner_account: f.resource_owner_account,
        error: f.error,
        sources: (!f.sources.is_empty()).then_some(f.sources),
        resource_control_policy_restriction: f.resource_control_policy_restriction,
    };
    (finding, explanation)
}

/// Opens (or creates) the findings store at `db`, creating its folder when needed.
pub fn open_db(db: &Path) -> anyhow::Result<Store> {
    if let Some(parent) = db.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)?;
    }
    Ok(Store::open(db)?)
}

/// A scan recorded in a findings store: the analyzer it belongs to and what changed (with the events).
pub struct RecordedScan {
    pub analyzer_arn: String,
    pub outcome: perimeter_findings::ScanOutcome,
}

/// Records one scan's findings in the store, under the snapshot's analyzer for the zone of trust, in
/// one transaction (a kill mid-scan leaves the previous scan in place).
pub fn record_scan(
    store: &mut Store,
    snapshot: &Snapshot,
    zone: ZoneArg,
    inputs: Vec<FindingInput>,
    now: Timestamp,
) -> anyhow::Result<RecordedScan> {
    let account = snapshot.account_id.clone().unwrap_or_default();
    let ty = match zone {
        ZoneArg::Account => AnalyzerType::Account,
        ZoneArg::Organization => AnalyzerType::Organization,
    };
    let name = analyzer_name_for(&account, ty);
    let a = store.ensure_analyzer(&name, ty, &account, &snapshot.default_region, now)?;
    let _ = analyzer_arn;
    let outcome = store.record_scan(&a.arn, inputs, now)?;
    Ok(RecordedScan {
        analyzer_arn: a.arn,
        outcome,
    })
}

/// Loads a snapshot folder.
pub fn load(dir: &Path) -> anyhow::Result<Snapshot> {
    if !dir.is_dir() {
        anyhow::bail!("`{}` is not a folder", dir.display());
    }
    Ok(perimeter_account::load_snapshot(dir)?)
}

/// One whole scan of a snapshot folder into a store (what `perimeter watch` repeats): load, analyze
/// (resources unchanged since a scan that filled `cache` are not analysed again), record. Returns
/// the recorded scan and the messages for stderr (loader diagnostics, analysis notes).
pub fn scan_into(
    dir: &Path,
    zone: ZoneArg,
    store: &mut Store,
    now: Timestamp,
    cache: &mut ScanCache,
) -> anyhow::Result<(RecordedScan, Vec<String>)> {
    let snapshot = load(dir)?;
    let mut messages: Vec<String> = snapshot
        .diagnostics
        .iter()
        .map(|d| format!("perimeter: {d}"))
        .collect();
    let trust = zone_of(&snapshot, zone)?;
    let (inputs, notes) = analyze_snapshot_cached(&snapshot, &trust, cache);
    messages.extend(notes.iter().map(|n| format!("perimeter: note: {n}")));
    let scan = record_scan(store, &snapshot, zone, inputs, now)?;
    Ok((scan, messages))
}

/// Every finding of an analyzer, with its explanation.
fn list_all(store: &Store, arn: &str) -> anyhow::Result<Vec<(Finding, Vec<Explanation>)>> {
    Ok(store
        .all_findings(arn)?
        .into_iter()
        .map(|s| (s.finding, s.explanation))
        .collect())
}

fn render_table(findings: &[(Finding, Vec<Explanation>)]) -> String {
    let mut s = String::from(
        "STATUS    PUBLIC  RESOURCE TYPE                  RESOURCE / PRINCIPAL / ACTIONS / CONDITION\n",
    );
    for (f, _) in findings {
        let principal: Vec<String> = f
            .principal
            .iter()
            .flatten()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let cond: Vec<String> = f
            .condition
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        s.push_str(&format!(
            "{:<9} {:<7} {:<30} {}\n{:<48} principal {} actions {} condition {}{}\n",
            f.status.as_str(),
            f.is_public.map(|b| b.to_string()).unwrap_or_default(),
            f.resource_type,
            f.resource.clone().unwrap_or_default(),
            "",
            principal.join(","),
            f.action.clone().unwrap_or_default().join(","),
            if cond.is_empty() {
                "none".to_owned()
            } else {
                cond.join(",")
            },
            f.error
                .as_ref()
                .map(|e| format!(" error {e}"))
                .unwrap_or_default(),
        ));
    }
    s
}

/// True when the snapshot's network model has an internet-exposed interface (quietly: no output).
fn network_exposed(dir: &Path) -> bool {
    perimeter_net::load::load_snapshot(dir)
        .map(|net| {
            !perimeter_net::exposure::decide_exposure_report(&net)
                .findings
                .is_empty()
        })
        .unwrap_or(false)
}

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let notifier = Notifier::from_args(&args.notify, None)?;
    let events_on_stdout = notifier.to_stdout();
    if events_on_stdout && args.output.is_some() {
        anyhow::bail!(
            "`--notify stdout` makes the events the output on stdout: drop `--output`, or send the events to `file://PATH`"
        );
    }
    let output = args.output.unwrap_or_default();
    let snapshot = load(&args.snapshot)?;
    for d in &snapshot.diagnostics {
        eprintln!("perimeter: {d}");
    }
    let zone = zone_of(&snapshot, args.zone_of_trust)?;
    let (inputs, notes) = analyze_snapshot(&snapshot, &zone);
    for n in &notes {
        eprintln!("perimeter: note: {n}");
    }
    let now = crate::findings::now()?;
    let notify = !notifier.targets().is_empty();
    let store = match &args.db {
        Some(db) => Some(open_db(db)?),
        // No store: a throwaway one gives the events (every finding is new) and the ids they name.
        None if notify => Some(Store::open_in_memory()?),
        None => None,
    };
    let (findings, events) = match store {
        Some(mut store) => {
            let scan = record_scan(&mut store, &snapshot, args.zone_of_trust, inputs, now)?;
            (list_all(&store, &scan.analyzer_arn)?, scan.outcome.events)
        }
        None => (
            inputs.into_iter().map(|f| unstored(f, now)).collect(),
            Vec::new(),
        ),
    };
    let active = findings
        .iter()
        .any(|(f, _)| f.status == FindingStatus::Active);
    if events_on_stdout {
        let delivery = notifier.send(&events);
        let counts = EventCounts::of(&events);
        eprintln!(
            "perimeter: {} finding(s), {} active; {} event(s): {counts}",
            findings.len(),
            findings
                .iter()
                .filter(|(f, _)| f.status == FindingStatus::Active)
                .count(),
            events.len(),
        );
        if report_failures(&delivery) {
            return Ok(ExitCode::from(EXIT_ERROR));
        }
        return Ok(ExitCode::from(
            if active || network_exposed(&args.snapshot) {
                EXIT_FINDINGS
            } else {
                EXIT_CLEAN
            },
        ));
    }
    let net_code = match output {
        OutputFormat::Json => {
            // ListFindings' `Finding` shape plus perimeter's `explanation` member.
            let mut list = Vec::new();
            for (f, explanation) in &findings {
                let mut fv = serde_json::to_value(f)?;
                if let Some(o) = fv.as_object_mut() {
                    o.insert("explanation".to_owned(), serde_json::to_value(explanation)?);
                }
                list.push(fv);
            }
            let mut v = serde_json::json!({ "findings": list });
            let mut net_findings = false;
            match perimeter_net::load::load_snapshot(&args.snapshot) {
                Ok(net) => {
                    let report = perimeter_net::exposure::decide_exposure_report(&net);
                    net_findings = !report.findings.is_empty();
                    if let Some(o) = v.as_object_mut() {
                        o.insert("networkExposure".to_owned(), serde_json::to_value(&report)?);
                    }
                }
                Err(e) => eprintln!("perimeter: note: no network exposure section: {e}"),
            }
            print_json(&v)?;
            Some(net_findings)
        }
        OutputFormat::Table | OutputFormat::Text => {
            out!("{}", render_table(&findings))?;
            Some(crate::net::run_exposure(&args.snapshot, output)? == ExitCode::from(EXIT_FINDINGS))
        }
        OutputFormat::Sarif => {
            eprintln!(
                "perimeter: note: SARIF output covers network exposure only; use --output json for the external-access findings"
            );
            Some(crate::net::run_exposure(&args.snapshot, output)? == ExitCode::from(EXIT_FINDINGS))
        }
    };
    // The results are out and the scan is recorded: now the events.
    if report_failures(&notifier.send(&events)) {
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    let net_findings = net_code.unwrap_or(false);
    Ok(ExitCode::from(if active || net_findings {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }))
}

/// Prints the delivery failures on stderr; true when there were any.
pub fn report_failures(delivery: &crate::notify::Delivery) -> bool {
    for f in &delivery.failures {
        eprintln!("perimeter: error: notify {f}; the scan is recorded");
    }
    !delivery.ok()
}
