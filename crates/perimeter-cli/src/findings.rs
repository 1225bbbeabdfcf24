//! The findings commands, offline drop-ins for `aws accessanalyzer list-findings`, `get-finding`,
//! `update-findings`, the archive-rule commands and `list-analyzers`, over the findings store
//! (`perimeter-findings`, an SQLite file: `--store`, env `PERIMETER_FINDINGS_DB`, default
//! `.perimeter/findings.db`).
//!
//! Flags and `--cli-input-json` follow the AWS request shapes (botocore `accessanalyzer` 2019-11-01);
//! `--filter` and `--sort` take JSON (inline or `file://PATH`) or the aws CLI shorthand
//! (`resourceType={eq=[AWS::S3::Bucket]},isPublic={eq=[true]}`, `attributeName=updatedAt,orderBy=DESC`).
//! `--output json` prints the AWS response shape. Commands that change findings can append the
//! EventBridge "Access Analyzer Finding" events to a JSON-lines file (`--events-file`) or print them
//! to stdout (`--events-file -`).
//!
//! Exit codes: 0 done; 1 when `list-findings` / `list-findings-v2` return at least one ACTIVE finding
//! (so CI can fail on unarchived findings); 2 usage, input or store error.
//!
//! Wiring (main.rs): add `#[command(flatten)] Findings(findings::FindingsCommand),` to `Command` and
//! `Command::Findings(cmd) => findings::run(cmd),` to the match. The clock is read here (`now()`,
//! overridable with `PERIMETER_NOW=2026-01-15T09:30:00Z` for reproducible runs) and passed down.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use perimeter_findings::{
    Criterion, FilterCriteriaMap, Finding, FindingSelector, FindingStatus, FindingStatusUpdate,
    ListFindingsQuery, OrderBy, ScanEvent, SortCriteria, Store, Timestamp,
};
use serde_json::{Value, json};

use crate::output::outln;
use crate::output::{
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, OutputFormat, print_json, read_value_arg,
};

/// Where the findings database lives.
#[derive(clap::Args, Debug, Clone)]
pub struct StoreArgs {
    /// The findings database (SQLite); created when missing.
    #[arg(
        long,
        value_name = "PATH",
        env = "PERIMETER_FINDINGS_DB",
        default_value = ".perimeter/findings.db"
    )]
    pub store: PathBuf,
}

/// Output format and request input shared by every findings command.
#[derive(clap::Args, Debug, Clone)]
pub struct CommonArgs {
    #[command(flatten)]
    pub store: StoreArgs,
    /// The whole request as JSON (the API request shape), inline or `file://PATH`. Flags override it.
    #[arg(long, value_name = "JSON")]
    pub cli_input_json: Option<String>,
    #[arg(long, value_enum, default_value = "json", alias = "format")]
    pub output: OutputFormat,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ListFindingsArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    /// The analyzer ARN (see `list-analyzers`).
    #[arg(long, value_name = "ARN")]
    pub analyzer_arn: Option<String>,
    /// A `FilterCriteriaMap`: JSON or shorthand `key={eq=[v1,v2]},key2={exists=true}`.
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
    /// `SortCriteria`: JSON or shorthand `attributeName=updatedAt,orderBy=DESC`.
    #[arg(long, value_name = "SORT")]
    pub sort: Option<String>,
    #[arg(long, value_name = "N")]
    pub max_results: Option<u32>,
    #[arg(long, value_name = "TOKEN")]
    pub next_token: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct GetFindingArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_name = "ARN")]
    pub analyzer_arn: Option<String>,
    /// The finding id.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
    /// Also print perimeter's explanation (the statement, ACL grant, BPA setting or KMS grant that
    /// grants the access) under `explanation`, next to the API's `finding`.
    #[arg(long)]
    pub explain: bool,
}

#[derive(clap::Args, Debug, Clone)]
pub struct EventsArgs {
    /// Append the EventBridge finding events (one JSON object per line) to this file; `-` for stdout.
    #[arg(long, value_name = "PATH")]
    pub events_file: Option<PathBuf>,
    /// The status changes as finding events, to `stdout`, `file://PATH` or a webhook, as for
    /// `analyze --notify`.
    #[command(flatten)]
    pub notify: crate::notify::NotifyArgs,
}

/// Emits the events of a status change to `--events-file` and every `--notify` target. The change
/// is already committed, so a failed delivery is reported (exit 2) but undoes nothing.
fn deliver(events: &[ScanEvent], args: &EventsArgs) -> anyhow::Result<ExitCode> {
    emit_events(events, args.events_file.as_deref())?;
    let notifier = crate::notify::Notifier::from_args(&args.notify, None)?;
    if crate::analyze::report_failures(&notifier.send(events)) {
        return Ok(ExitCode::from(EXIT_ERROR));
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

#[derive(clap::Args, Debug, Clone)]
pub struct UpdateFindingsArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_name = "ARN")]
    pub analyzer_arn: Option<String>,
    /// `ACTIVE` or `ARCHIVED`.
    #[arg(long, value_name = "STATUS")]
    pub status: Option<String>,
    /// Finding ids (or use `--resource-arn`).
    #[arg(long, num_args = 1.., value_name = "ID")]
    pub ids: Vec<String>,
    /// Every finding on this resource.
    #[arg(long, value_name = "ARN")]
    pub resource_arn: Option<String>,
    /// Accepted for compatibility with the aws CLI; perimeter's updates are idempotent anyway.
    #[arg(long, value_name = "TOKEN")]
    pub client_token: Option<String>,
    #[command(flatten)]
    pub events: EventsArgs,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ArchiveRuleArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_name = "NAME")]
    pub analyzer_name: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub rule_name: Option<String>,
    /// A `FilterCriteriaMap` (create and update only): JSON or shorthand.
    #[arg(long, value_name = "FILTER")]
    pub filter: Option<String>,
    #[arg(long, value_name = "TOKEN")]
    pub client_token: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ListArchiveRulesArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_name = "NAME")]
    pub analyzer_name: Option<String>,
    #[arg(long, value_name = "N")]
    pub max_results: Option<u32>,
    #[arg(long, value_name = "TOKEN")]
    pub next_token: Option<String>,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ApplyArchiveRuleArgs {
    #[command(flatten)]
    pub common: CommonArgs,
    #[arg(long, value_name = "ARN")]
    pub analyzer_arn: Option<String>,
    #[arg(long, value_name = "NAME")]
    pub rule_name: Option<String>,
    #[arg(long, value_name = "TOKEN")]
    pub client_token: Option<String>,
    #[command(flatten)]
    pub events: EventsArgs,
}

#[derive(clap::Args, Debug, Clone)]
pub struct ListAnalyzersArgs {
    #[command(flatten)]
    pub common: CommonArgs,
}

/// The findings verbs, as the aws CLI names them.
#[derive(clap::Subcommand, Debug, Clone)]
pub enum FindingsCommand {
    /// List the findings of an analyzer, with filters and sorting (offline `aws accessanalyzer list-findings`).
    ListFindings(ListFindingsArgs),
    /// List finding summaries (offline `aws accessanalyzer list-findings-v2`).
    ListFindingsV2(ListFindingsArgs),
    /// Show one finding (offline `aws accessanalyzer get-finding`).
    GetFinding(GetFindingArgs),
    /// Show one finding with its details (offline `aws accessanalyzer get-finding-v2`).
    GetFindingV2(GetFindingArgs),
    /// Archive or re-activate findings by id or resource (offline `aws accessanalyzer update-findings`).
    UpdateFindings(UpdateFindingsArgs),
    /// Create an archive rule; it archives new findings that match (offline `aws accessanalyzer create-archive-rule`).
    CreateArchiveRule(ArchiveRuleArgs),
    /// Replace an archive rule's filter (offline `aws accessanalyzer update-archive-rule`).
    UpdateArchiveRule(ArchiveRuleArgs),
    /// Delete an archive rule; archived findings stay archived (offline `aws accessanalyzer delete-archive-rule`).
    DeleteArchiveRule(ArchiveRuleArgs),
    /// Show an archive rule (offline `aws accessanalyzer get-archive-rule`).
    GetArchiveRule(ArchiveRuleArgs),
    /// List the archive rules of an analyzer (offline `aws accessanalyzer list-archive-rules`).
    ListArchiveRules(ListArchiveRulesArgs),
    /// Archive the existing ACTIVE findings that match a rule (offline `aws accessanalyzer apply-archive-rule`).
    ApplyArchiveRule(ApplyArchiveRuleArgs),
    /// List the analyzers in the store (offline `aws accessanalyzer list-analyzers`).
    ListAnalyzers(ListAnalyzersArgs),
}

pub fn run(cmd: &FindingsCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        FindingsCommand::ListFindings(a) => run_list_findings(a, false),
        FindingsCommand::ListFindingsV2(a) => run_list_findings(a, true),
        FindingsCommand::GetFinding(a) => run_get_finding(a, false),
        FindingsCommand::GetFindingV2(a) => run_get_finding(a, true),
        FindingsCommand::UpdateFindings(a) => run_update_findings(a),
        FindingsCommand::CreateArchiveRule(a) => run_archive_rule(a, RuleVerb::Create),
        FindingsCommand::UpdateArchiveRule(a) => run_archive_rule(a, RuleVerb::Update),
        FindingsCommand::DeleteArchiveRule(a) => run_archive_rule(a, RuleVerb::Delete),
        FindingsCommand::GetArchiveRule(a) => run_archive_rule(a, RuleVerb::Get),
        FindingsCommand::ListArchiveRules(a) => run_list_archive_rules(a),
        FindingsCommand::ApplyArchiveRule(a) => run_apply_archive_rule(a),
        FindingsCommand::ListAnalyzers(a) => run_list_analyzers(a),
    }
}

// ----- shared helpers --------------------------------------------------------------------------

/// The current time, or `PERIMETER_NOW` (`2026-01-15T09:30:00Z`) when set.
pub fn now() -> anyhow::Result<Timestamp> {
    if let Ok(text) = std::env::var("PERIMETER_NOW") {
        return Timestamp::parse(&text).ok_or_else(|| {
            anyhow!("`PERIMETER_NOW` is not a UTC timestamp like 2026-01-15T09:30:00Z: `{text}`")
        });
    }
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|e| anyhow!("the system clock is before 1970: {e}"))?
        .as_millis();
    Ok(Timestamp(i64::try_from(ms).unwrap_or(i64::MAX)))
}

/// Opens the store, creating its folder when needed.
pub fn open_store(args: &StoreArgs) -> anyhow::Result<Store> {
    if let Some(parent) = args.store.parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create `{}`", parent.display()))?;
    }
    Store::open(&args.store)
        .with_context(|| format!("cannot open the findings store `{}`", args.store.display()))
}

/// The `--cli-input-json` object (empty when absent).
fn cli_input(common: &CommonArgs) -> anyhow::Result<serde_json::Map<String, Value>> {
    let Some(raw) = &common.cli_input_json else {
        return Ok(serde_json::Map::new());
    };
    let (text, _) = read_value_arg(raw)?;
    match serde_json::from_str::<Value>(&text).context("`--cli-input-json` is not JSON")? {
        Value::Object(map) => Ok(map),
        _ => bail!("`--cli-input-json` must be a JSON object"),
    }
}

/// A string field: the flag, else the request member, else an error naming the flag.
fn required(
    flag: Option<&String>,
    input: &serde_json::Map<String, Value>,
    member: &str,
    flag_name: &str,
) -> anyhow::Result<String> {
    optional(flag, input, member).ok_or_else(|| anyhow!("`--{flag_name}` is required"))
}

fn optional(
    flag: Option<&String>,
    input: &serde_json::Map<String, Value>,
    member: &str,
) -> Option<String> {
    flag.cloned()
        .or_else(|| input.get(member).and_then(Value::as_str).map(str::to_owned))
}

fn check_format(format: OutputFormat) -> anyhow::Result<()> {
    if format == OutputFormat::Sarif {
        bail!(
            "`--output sarif` is not available for the findings commands (use json, table or text)"
        );
    }
    Ok(())
}

/// Parses `--filter`: JSON, or the aws CLI shorthand `key={eq=[a,b],neq=[c]},key2={exists=true}`.
pub fn parse_filter(text: &str) -> anyhow::Result<FilterCriteriaMap> {
    let (text, _) = read_value_arg(text)?;
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).context("`--filter` is not a FilterCriteriaMap");
    }
    let mut filter = FilterCriteriaMap::new();
    for entry in split_top(trimmed, ',') {
        let (key, body) = entry
            .split_once('=')
            .ok_or_else(|| anyhow!("`--filter` entry `{entry}` is not `key={{op=[values]}}`"))?;
        let body = body
            .trim()
            .strip_prefix('{')
            .and_then(|b| b.strip_suffix('}'))
            .ok_or_else(|| {
                anyhow!("`--filter` entry `{entry}`: the criterion must be in braces")
            })?;
        let mut criterion = Criterion::default();
        for op in split_top(body, ',') {
            let (name, value) = op
                .split_once('=')
                .ok_or_else(|| anyhow!("`--filter` operator `{op}` is not `op=value`"))?;
            let list = || -> Vec<String> {
                let v = value.trim();
                let inner = v
                    .strip_prefix('[')
                    .and_then(|x| x.strip_suffix(']'))
                    .unwrap_or(v);
                split_top(inner, ',')
                    .into_iter()
                    .map(|s| s.trim().to_owned())
                    .collect()
            };
            match name.trim() {
                "eq" => criterion.eq = Some(list()),
                "neq" => criterion.neq = Some(list()),
                "contains" => criterion.contains = Some(list()),
                "exists" => {
                    criterion.exists = Some(match value.trim() {
                        "true" => true,
                        "false" => false,
                        other => bail!("`--filter` `exists` must be true or false, not `{other}`"),
                    });
                }
                other => {
                    bail!("`--filter` operator `{other}` is not one of eq, neq, contains, exists")
                }
            }
        }
        filter.insert(key.trim().to_owned(), criterion);
    }
    Ok(filter)
}

/// Splits on `sep` outside brackets and braces.
fn split_top(text: &str, sep: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut cur = String::new();
    for c in text.chars() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' => depth -= 1,
            _ => {}
        }
        if c == sep && depth == 0 {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur);
    }
    out
}

/// Parses `--sort`: JSON, or the shorthand `attributeName=updatedAt,orderBy=DESC`.
pub fn parse_sort(text: &str) -> anyhow::Result<SortCriteria> {
    let (text, _) = read_value_arg(text)?;
    let trimmed = text.trim();
    if trimmed.starts_with('{') {
        return serde_json::from_str(trimmed).context("`--sort` is not a SortCriteria");
    }
    let mut sort = SortCriteria::default();
    for part in trimmed.split(',') {
        let (k, v) = part
            .split_once('=')
            .ok_or_else(|| anyhow!("`--sort` part `{part}` is not `name=value`"))?;
        match k.trim() {
            "attributeName" => sort.attribute_name = Some(v.trim().to_owned()),
            "orderBy" => {
                sort.order_by = Some(match v.trim() {
                    "ASC" => OrderBy::Asc,
                    "DESC" => OrderBy::Desc,
                    other => bail!("`--sort` orderBy must be ASC or DESC, not `{other}`"),
                });
            }
            other => bail!("`--sort` has no member `{other}`"),
        }
    }
    Ok(sort)
}

/// Writes finding events as JSON lines: appended to a file, or to stdout for `-`.
pub fn emit_events(events: &[ScanEvent], file: Option<&Path>) -> anyhow::Result<()> {
    let Some(path) = file else { return Ok(()) };
    let lines = crate::notify::event_lines(events)?;
    if path == Path::new("-") {
        crate::output::write_stdout(&lines)?;
        return Ok(());
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("cannot open `{}`", path.display()))?;
    f.write_all(lines.as_bytes())
        .with_context(|| format!("cannot write `{}`", path.display()))?;
    Ok(())
}

fn map_text(map: Option<&std::collections::BTreeMap<String, String>>) -> String {
    map.map(|m| {
        m.iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",")
    })
    .unwrap_or_default()
}

fn finding_row(f: &Finding) -> Vec<String> {
    vec![
        f.id.clone(),
        f.status.to_string(),
        f.resource_type.clone(),
        f.resource.clone().unwrap_or_default(),
        f.error
            .clone()
            .unwrap_or_else(|| map_text(f.principal.as_ref())),
        f.action.clone().unwrap_or_default().join(","),
        map_text(Some(&f.condition)),
        f.is_public.map(|b| b.to_string()).unwrap_or_default(),
    ]
}

const FINDING_HEADER: [&str; 8] = [
    "ID",
    "STATUS",
    "RESOURCE TYPE",
    "RESOURCE",
    "PRINCIPAL",
    "ACTION",
    "CONDITION",
    "PUBLIC",
];

/// Renders rows as an aligned table (`table`) or tab-separated lines (`text`).
fn render_rows(format: OutputFormat, header: &[&str], rows: &[Vec<String>]) -> std::io::Result<()> {
    if format == OutputFormat::Text {
        for r in rows {
            outln!("{}", r.join("\t"))?;
        }
        return Ok(());
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for r in rows {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        outln!("{}", padded.join("  ").trim_end())
    };
    line(header.iter().map(|h| (*h).to_owned()).collect())?;
    for r in rows {
        line(r.clone())?;
    }
    Ok(())
}

// ----- commands --------------------------------------------------------------------------------

fn run_list_findings(args: &ListFindingsArgs, v2: bool) -> anyhow::Result<ExitCode> {
    check_format(args.common.output)?;
    let input = cli_input(&args.common)?;
    let analyzer_arn = required(
        args.analyzer_arn.as_ref(),
        &input,
        "analyzerArn",
        "analyzer-arn",
    )?;
    let filter = match (&args.filter, input.get("filter")) {
        (Some(f), _) => parse_filter(f)?,
        (None, Some(v)) => {
            serde_json::from_value(v.clone()).context("`filter` in `--cli-input-json`")?
        }
        (None, None) => FilterCriteriaMap::new(),
    };
    let sort = match (&args.sort, input.get("sort")) {
        (Some(s), _) => Some(parse_sort(s)?),
        (None, Some(v)) => {
            Some(serde_json::from_value(v.clone()).context("`sort` in `--cli-input-json`")?)
        }
        (None, None) => None,
    };
    let max_results = args.max_results.or_else(|| {
        input
            .get("maxResults")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    });
    let next_token = optional(args.next_token.as_ref(), &input, "nextToken");
    let query = ListFindingsQuery {
        filter,
        sort,
        max_results,
        next_token,
    };
    let store = open_store(&args.common.store)?;
    let any_active;
    if v2 {
        let response = store.list_findings_v2(&analyzer_arn, &query)?;
        any_active = response
            .findings
            .iter()
            .any(|f| f.status == FindingStatus::Active);
        match args.common.output {
            OutputFormat::Json => print_json(&response)?,
            format => {
                let rows: Vec<Vec<String>> = response
                    .findings
                    .iter()
                    .map(|f| {
                        vec![
                            f.id.clone(),
                            f.status.to_string(),
                            f.resource_type.clone(),
                            f.resource.clone().unwrap_or_default(),
                            f.error.clone().unwrap_or_default(),
                        ]
                    })
                    .collect();
                render_rows(
                    format,
                    &["ID", "STATUS", "RESOURCE TYPE", "RESOURCE", "ERROR"],
                    &rows,
                )?;
            }
        }
    } else {
        let response = store.list_findings(&analyzer_arn, &query)?;
        any_active = response
            .findings
            .iter()
            .any(|f| f.status == FindingStatus::Active);
        match args.common.output {
            OutputFormat::Json => print_json(&response)?,
            format => {
                let rows: Vec<Vec<String>> = response.findings.iter().map(finding_row).collect();
                render_rows(format, &FINDING_HEADER, &rows)?;
            }
        }
    }
    Ok(ExitCode::from(if any_active {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }))
}

fn run_get_finding(args: &GetFindingArgs, v2: bool) -> anyhow::Result<ExitCode> {
    check_format(args.common.output)?;
    let input = cli_input(&args.common)?;
    let analyzer_arn = required(
        args.analyzer_arn.as_ref(),
        &input,
        "analyzerArn",
        "analyzer-arn",
    )?;
    let id = required(args.id.as_ref(), &input, "id", "id")?;
    let store = open_store(&args.common.store)?;
    let stored = store.stored_finding(&analyzer_arn, &id)?;
    match args.common.output {
        OutputFormat::Json => {
            let mut value = if v2 {
                serde_json::to_value(store.get_finding_v2(&analyzer_arn, &id)?)?
            } else {
                json!({ "finding": stored.finding })
            };
            if args.explain
                && let Value::Object(map) = &mut value
            {
                map.insert(
                    "explanation".to_owned(),
                    serde_json::to_value(&stored.explanation)?,
                );
            }
            print_json(&value)?;
        }
        format => {
            render_rows(format, &FINDING_HEADER, &[finding_row(&stored.finding)])?;
            if args.explain {
                for e in &stored.explanation {
                    outln!("{}", serde_json::to_string(e)?)?;
                }
            }
        }
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn run_update_findings(args: &UpdateFindingsArgs) -> anyhow::Result<ExitCode> {
    check_format(args.common.output)?;
    let input = cli_input(&args.common)?;
    let analyzer_arn = required(
        args.analyzer_arn.as_ref(),
        &input,
        "analyzerArn",
        "analyzer-arn",
    )?;
    let status_text = required(args.status.as_ref(), &input, "status", "status")?;
    let status = FindingStatusUpdate::parse(&status_text)
        .ok_or_else(|| anyhow!("`--status` must be ACTIVE or ARCHIVED, not `{status_text}`"))?;
    let ids: Vec<String> = if args.ids.is_empty() {
        input
            .get("ids")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    } else {
        args.ids.clone()
    };
    let resource_arn = optional(args.resource_arn.as_ref(), &input, "resourceArn");
    let selector = match (ids.is_empty(), resource_arn) {
        (false, None) => FindingSelector::Ids(ids),
        (true, Some(arn)) => FindingSelector::ResourceArn(arn),
        (false, Some(_)) => bail!("give `--ids` or `--resource-arn`, not both"),
        (true, None) => bail!("`--ids` or `--resource-arn` is required"),
    };
    let mut store = open_store(&args.common.store)?;
    let events = store.update_findings(&analyzer_arn, status, &selector, now()?)?;
    deliver(&events, &args.events)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum RuleVerb {
    Create,
    Update,
    Delete,
    Get,
}

fn run_archive_rule(args: &ArchiveRuleArgs, verb: RuleVerb) -> anyhow::Result<ExitCode> {
    check_format(args.common.output)?;
    let input = cli_input(&args.common)?;
    let analyzer_name = required(
        args.analyzer_name.as_ref(),
        &input,
        "analyzerName",
        "analyzer-name",
    )?;
    let rule_name = required(args.rule_name.as_ref(), &input, "ruleName", "rule-name")?;
    let filter = || -> anyhow::Result<FilterCriteriaMap> {
        match (&args.filter, input.get("filter")) {
            (Some(f), _) => parse_filter(f),
            (None, Some(v)) => {
                serde_json::from_value(v.clone()).context("`filter` in `--cli-input-json`")
            }
            (None, None) => bail!("`--filter` is required"),
        }
    };
    let mut store = open_store(&args.common.store)?;
    match verb {
        RuleVerb::Create => {
            store.create_archive_rule(&analyzer_name, &rule_name, filter()?, now()?)?
        }
        RuleVerb::Update => {
            store.update_archive_rule(&analyzer_name, &rule_name, filter()?, now()?)?
        }
        RuleVerb::Delete => store.delete_archive_rule(&analyzer_name, &rule_name)?,
        RuleVerb::Get => {
            let response = store.get_archive_rule(&analyzer_name, &rule_name)?;
            match args.common.output {
                OutputFormat::Json => print_json(&response)?,
                format => {
                    let r = &response.archive_rule;
                    let row = vec![
                        r.rule_name.clone(),
                        serde_json::to_string(&r.filter)?,
                        r.created_at.render_api(),
                        r.updated_at.render_api(),
                    ];
                    render_rows(format, &["RULE", "FILTER", "CREATED", "UPDATED"], &[row])?;
                }
            }
        }
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn run_list_archive_rules(args: &ListArchiveRulesArgs) -> anyhow::Result<ExitCode> {
    check_format(args.common.output)?;
    let input = cli_input(&args.common)?;
    let analyzer_name = required(
        args.analyzer_name.as_ref(),
        &input,
        "analyzerName",
        "analyzer-name",
    )?;
    let max_results = args.max_results.or_else(|| {
        input
            .get("maxResults")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
    });
    let next_token = optional(args.next_token.as_ref(), &input, "nextToken");
    let store = open_store(&args.common.store)?;
    let response = store.list_archive_rules(&analyzer_name, max_results, next_token.as_deref())?;
    match args.common.output {
        OutputFormat::Json => print_json(&response)?,
        format => {
            let mut rows = Vec::new();
            for r in &response.archive_rules {
                rows.push(vec![
                    r.rule_name.clone(),
                    serde_json::to_string(&r.filter)?,
                    r.created_at.render_api(),
                    r.updated_at.render_api(),
                ]);
            }
            render_rows(format, &["RULE", "FILTER", "CREATED", "UPDATED"], &rows)?;
        }
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

fn run_apply_archive_rule(args: &ApplyArchiveRuleArgs) -> anyhow::Result<ExitCode> {
    check_format(args.common.output)?;
    let input = cli_input(&args.common)?;
    let analyzer_arn = required(
        args.analyzer_arn.as_ref(),
        &input,
        "analyzerArn",
        "analyzer-arn",
    )?;
    let rule_name = required(args.rule_name.as_ref(), &input, "ruleName", "rule-name")?;
    let mut store = open_store(&args.common.store)?;
    let events = store.apply_archive_rule(&analyzer_arn, &rule_name, now()?)?;
    deliver(&events, &args.events)
}

fn run_list_analyzers(args: &ListAnalyzersArgs) -> anyhow::Result<ExitCode> {
    check_format(args.common.output)?;
    let store = open_store(&args.common.store)?;
    let analyzers = store.list_analyzers()?;
    match args.common.output {
        OutputFormat::Json => print_json(&json!({ "analyzers": analyzers }))?,
        format => {
            let rows: Vec<Vec<String>> = analyzers
                .iter()
                .map(|a| {
                    vec![
                        a.name.clone(),
                        a.arn.clone(),
                        a.analyzer_type.as_str().to_owned(),
                        a.created_at.render_api(),
                    ]
                })
                .collect();
            render_rows(format, &["NAME", "ARN", "TYPE", "CREATED"], &rows)?;
        }
    }
    Ok(ExitCode::from(EXIT_CLEAN))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(filter: &str, expected: &str) {
        let got = parse_filter(filter).unwrap();
        let want: FilterCriteriaMap = serde_json::from_str(expected).unwrap();
        assert_eq!(got, want, "{filter}");
    }

    #[test]
    fn filter_shorthand_and_json() {
        // aws CLI shorthand for a map of structures with list members (awscli "Shorthand syntax").
        check(
            "resourceType={eq=[AWS::S3::Bucket,AWS::SQS::Queue]}",
            r#"{"resourceType":{"eq":["AWS::S3::Bucket","AWS::SQS::Queue"]}}"#,
        );
        check(
            "isPublic={eq=[true]},error={exists=false}",
            r#"{"isPublic":{"eq":["true"]},"error":{"exists":false}}"#,
        );
        check(
            "condition.aws:SourceVpc={neq=[vpc-1],contains=[vpc]}",
            r#"{"condition.aws:SourceVpc":{"neq":["vpc-1"],"contains":["vpc"]}}"#,
        );
        check(
            r#"{"principal.AWS":{"eq":["111122223333"]}}"#,
            r#"{"principal.AWS":{"eq":["111122223333"]}}"#,
        );
        assert!(parse_filter("resource={like=[x]}").is_err());
        assert!(parse_filter("resource=x").is_err());
        assert!(parse_filter(r#"{"resource":{"bogus":["x"]}}"#).is_err());
    }

    #[test]
    fn sort_shorthand() {
        let s = parse_sort("attributeName=updatedAt,orderBy=DESC").unwrap();
        assert_eq!(s.attribute_name.as_deref(), Some("updatedAt"));
        assert_eq!(s.order_by, Some(OrderBy::Desc));
        assert_eq!(
            parse_sort(r#"{"attributeName":"id"}"#)
                .unwrap()
                .attribute_name
                .as_deref(),
            Some("id")
        );
        assert!(parse_sort("orderBy=UP").is_err());
    }
}
