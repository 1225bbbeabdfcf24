//! `perimeter validate-policy`: an offline drop-in for `aws accessanalyzer validate-policy`.
//!
//! Flags are the aws CLI's (`--policy-document`, `--policy-type`, `--validate-policy-resource-type`,
//! `--locale`, `--cli-input-json` with the ValidatePolicy request shape), values inline or
//! `file://PATH`. `--output json` prints the ValidatePolicy response shape (botocore
//! `accessanalyzer` model: `findings[]` of `findingDetails`, `findingType`, `issueCode`,
//! `learnMoreLink`, `locations[]` of `path` and `span`); `table` shows each finding under its source
//! line, `text` one line per finding, `sarif` a SARIF 2.1.0 log.
//!
//! Exit codes: 0 when no finding is an ERROR or a SECURITY_WARNING, 1 when one is, 2 on a usage
//! error or unreadable input (missing file, invalid UTF-8, a `--cli-input-json` that is not the
//! request shape). A policy with JSON syntax errors is not a usage error: like AWS, it gets a
//! `JSON_SYNTAX_ERROR` finding, and exit 1.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use perimeter_iam::diagnostic::{Diagnostic, PathElement, Severity, path_to_pointer};
use perimeter_iam::validate::{
    PolicyType, ValidateOptions, ValidatePolicyResourceType, is_blocking, learn_more_link,
    validate_policy,
};
use perimeter_json::{LineIndex, Position};
use serde::Serialize;

use crate::output::{EXIT_CLEAN, EXIT_FINDINGS, OutputFormat, read_value_arg};
use crate::sarif;

/// Arguments of `validate-policy`, named as the aws CLI names them.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ValidatePolicyArgs {
    /// The policy: JSON text, or `file://PATH`.
    #[arg(long)]
    pub policy_document: Option<String>,
    /// IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY or RESOURCE_CONTROL_POLICY.
    #[arg(long)]
    pub policy_type: Option<String>,
    /// With RESOURCE_POLICY: AWS::S3::Bucket, AWS::S3::AccessPoint, AWS::S3::MultiRegionAccessPoint,
    /// AWS::S3ObjectLambda::AccessPoint, AWS::IAM::AssumeRolePolicyDocument or AWS::DynamoDB::Table.
    #[arg(long)]
    pub validate_policy_resource_type: Option<String>,
    /// Accepted for compatibility; findings are in English.
    #[arg(long)]
    pub locale: Option<String>,
    /// The ValidatePolicy request as JSON (`policyDocument`, `policyType`, …), inline or `file://PATH`.
    #[arg(long)]
    pub cli_input_json: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub output: OutputFormat,
}

/// The ValidatePolicy request (botocore `ValidatePolicyRequest`).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct CliInput {
    policy_document: Option<String>,
    policy_type: Option<String>,
    locale: Option<String>,
    validate_policy_resource_type: Option<String>,
    max_results: Option<u32>,
    next_token: Option<String>,
}

/// The ValidatePolicy response (botocore `ValidatePolicyResponse`).
#[derive(Debug, Serialize)]
pub struct ValidatePolicyResponse {
    pub findings: Vec<ValidatePolicyFinding>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatePolicyFinding {
    pub finding_details: String,
    pub finding_type: &'static str,
    pub issue_code: &'static str,
    pub learn_more_link: String,
    pub locations: Vec<FindingLocation>,
}

#[derive(Debug, Serialize)]
pub struct FindingLocation {
    pub path: Vec<AwsPathElement>,
    pub span: AwsSpan,
}

/// `PathElement`: a union with exactly one member set.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AwsPathElement {
    Index(usize),
    Key(String),
    Value(String),
    #[expect(
        dead_code,
        reason = "part of AWS's union; no perimeter check points into a substring yet"
    )]
    Substring {
        start: usize,
        length: usize,
    },
}

#[derive(Debug, Serialize)]
pub struct AwsSpan {
    pub start: Position,
    pub end: Position,
}

/// What to validate, after reading the flags and files.
#[derive(Debug)]
pub struct Request {
    pub document: String,
    /// The file the document came from (`file://`).
    pub file: Option<PathBuf>,
    pub options: ValidateOptions,
}

/// Reads the flags (and `--cli-input-json`, which explicit flags override) into a request.
pub fn read_request(args: &ValidatePolicyArgs) -> anyhow::Result<Request> {
    let input: CliInput = match &args.cli_input_json {
        Some(v) => {
            let (text, _) = read_value_arg(v).context("--cli-input-json")?;
            serde_json::from_str(&text)
                .context("--cli-input-json is not a ValidatePolicy request (policyDocument, policyType, locale, validatePolicyResourceType)")?
        }
        None => CliInput::default(),
    };
    let _ = (
        &input.locale,
        input.max_results,
        &input.next_token,
        &args.locale,
    );
    let (document, file) = match (&args.policy_document, &input.policy_document) {
        (Some(v), _) => read_value_arg(v).context("--policy-document")?,
        (None, Some(inline)) => (inline.clone(), None),
        (None, None) => bail!("the following arguments are required: --policy-document"),
    };
    let Some(type_text) = args.policy_type.clone().or(input.policy_type) else {
        bail!("the following arguments are required: --policy-type");
    };
    let Some(policy_type) = PolicyType::from_aws(&type_text) else {
        bail!(
            "invalid value `{type_text}` for --policy-type; use one of: IDENTITY_POLICY, RESOURCE_POLICY, SERVICE_CONTROL_POLICY, RESOURCE_CONTROL_POLICY"
        );
    };
    let resource_type = match args
        .validate_policy_resource_type
        .clone()
        .or(input.validate_policy_resource_type)
    {
        None => None,
        Some(t) => {
            let Some(rt) = ValidatePolicyResourceType::from_aws(&t) else {
                let all: Vec<&str> = ValidatePolicyResourceType::ALL
                    .iter()
                    .map(|r| r.as_aws())
                    .collect();
                bail!(
                    "invalid value `{t}` for --validate-policy-resource-type; use one of: {}",
                    all.join(", ")
                );
            };
            if policy_type != PolicyType::ResourcePolicy {
                bail!(
                    "--validate-policy-resource-type can be used only with --policy-type RESOURCE_POLICY"
                );
            }
            Some(rt)
        }
    };
    Ok(Request {
        document,
        file,
        options: ValidateOptions {
            policy_type,
            resource_type,
        },
    })
}

/// Turns diagnostics into the ValidatePolicy response.
pub fn to_response(src: &str, findings: &[Diagnostic]) -> ValidatePolicyResponse {
    let index = LineIndex::new(src);
    ValidatePolicyResponse {
        findings: findings
            .iter()
            .map(|d| ValidatePolicyFinding {
                finding_details: d.message.clone(),
                finding_type: d.severity.as_aws(),
                issue_code: d.code,
                learn_more_link: learn_more_link(d.code, d.severity),
                locations: d
                    .locations
                    .iter()
                    .map(|l| FindingLocation {
                        path: l
                            .path
                            .iter()
                            .map(|p| match p {
                                PathElement::Index(i) => AwsPathElement::Index(*i),
                                PathElement::Key(k) => AwsPathElement::Key(k.clone()),
                                PathElement::Value(v) => AwsPathElement::Value(v.clone()),
                            })
                            .collect(),
                        span: AwsSpan {
                            start: index.position(l.span.start as usize),
                            end: index.position(l.span.end as usize),
                        },
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// Runs the command, writing to `out`; returns the exit code (errors are usage/input errors).
pub fn run_to(args: &ValidatePolicyArgs, out: &mut dyn Write) -> anyhow::Result<u8> {
    let req = read_request(args)?;
    let findings = validate_policy(&req.document, &req.options);
    let file_name = req.file.as_ref().map(|p| p.display().to_string());
    match args.output {
        OutputFormat::Json => {
            let response = to_response(&req.document, &findings);
            writeln!(out, "{}", serde_json::to_string_pretty(&response)?)?;
        }
        OutputFormat::Table => render_table(&req.document, file_name.as_deref(), &findings, out)?,
        OutputFormat::Text => render_text(&req.document, file_name.as_deref(), &findings, out)?,
        OutputFormat::Sarif => {
            let log = render_sarif(&req.document, file_name.as_deref(), &findings);
            writeln!(out, "{}", serde_json::to_string_pretty(&log)?)?;
        }
    }
    Ok(if is_blocking(&findings) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    })
}

/// The entry point `main` calls.
pub fn run(args: &ValidatePolicyArgs) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut lock = stdout.lock();
    let code = run_to(args, &mut lock)?;
    lock.flush()?;
    Ok(ExitCode::from(code))
}

/// Display width limit for a source line in the table view; longer lines are shown as a window.
const MAX_LINE: usize = 120;

/// `findingType` as shown in the human formats.
fn severity_label(s: Severity) -> &'static str {
    s.as_aws()
}

/// ruff-style: a header, the source line, and `^^^^` under the span.
pub fn render_table(
    src: &str,
    file: Option<&str>,
    findings: &[Diagnostic],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let index = LineIndex::new(src);
    let name = file.unwrap_or("<policy-document>");
    for d in findings {
        writeln!(
            out,
            "{} {}: {}",
            severity_label(d.severity),
            d.code,
            d.message
        )?;
        for loc in &d.locations {
            let start = index.position(loc.span.start as usize);
            let end = index.position(loc.span.end as usize);
            let gutter = start.line.to_string().len();
            writeln!(
                out,
                "{:gutter$}--> {name}:{}:{}",
                "",
                start.line,
                start.column + 1
            )?;
            writeln!(out, "{:gutter$} |", "")?;
            let line: Vec<char> = index.line_text(start.line).chars().collect();
            let col = start.column as usize;
            let width = if end.line == start.line {
                (end.column as usize).saturating_sub(col).max(1)
            } else {
                line.len().saturating_sub(col).max(1)
            };
            // The whole line when it is short, else a window around the span.
            let (from, to) = if line.len() <= MAX_LINE {
                (0, line.len())
            } else {
                let from = col.saturating_sub(MAX_LINE / 2).min(line.len());
                (
                    from,
                    (col + width.min(MAX_LINE) + 20).min(line.len()).max(from),
                )
            };
            let shown: String = line.get(from..to).unwrap_or_default().iter().collect();
            let lead = if from > 0 { "…" } else { "" };
            let tail = if to < line.len() { "…" } else { "" };
            writeln!(out, "{} | {lead}{shown}{tail}", start.line)?;
            let caret_pad = col - from + lead.chars().count();
            writeln!(
                out,
                "{:gutter$} | {:caret_pad$}{}",
                "",
                "",
                "^".repeat(width.min(MAX_LINE))
            )?;
            writeln!(out, "{:gutter$} = path: {}", "", display_path(&loc.path))?;
        }
        writeln!(
            out,
            "  = learn more: {}",
            learn_more_link(d.code, d.severity)
        )?;
        writeln!(out)?;
    }
    let blocking = findings
        .iter()
        .filter(|d| matches!(d.severity, Severity::Error | Severity::SecurityWarning))
        .count();
    writeln!(
        out,
        "{} finding(s), {blocking} ERROR or SECURITY_WARNING",
        findings.len()
    )?;
    Ok(())
}

fn display_path(path: &[PathElement]) -> String {
    if path.is_empty() {
        "/".to_owned()
    } else {
        path_to_pointer(path)
    }
}

/// One line per finding: `file:line:column: TYPE CODE message`.
pub fn render_text(
    src: &str,
    file: Option<&str>,
    findings: &[Diagnostic],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let index = LineIndex::new(src);
    let name = file.unwrap_or("<policy-document>");
    for d in findings {
        let (line, col) = d
            .locations
            .first()
            .map(|l| {
                let p = index.position(l.span.start as usize);
                (p.line, p.column + 1)
            })
            .unwrap_or((1, 1));
        writeln!(
            out,
            "{name}:{line}:{col}: {} {} {}",
            severity_label(d.severity),
            d.code,
            d.message
        )?;
    }
    Ok(())
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::SecurityWarning | Severity::Warning => "warning",
        Severity::Suggestion => "note",
    }
}

/// A SARIF 2.1.0 log: one rule per issue code that occurs, one result per finding.
pub fn render_sarif(src: &str, file: Option<&str>, findings: &[Diagnostic]) -> sarif::SarifLog {
    let index = LineIndex::new(src);
    let uri = file.unwrap_or("policy.json").to_owned();
    let mut rules: Vec<sarif::ReportingDescriptor> = Vec::new();
    let mut results = Vec::new();
    for d in findings {
        let rule_index = match rules.iter().position(|r| r.id == d.code) {
            Some(i) => i,
            None => {
                let mut properties = serde_json::Map::new();
                properties.insert("findingType".to_owned(), d.severity.as_aws().into());
                if d.severity == Severity::SecurityWarning {
                    // GitHub code scanning reads this to rank security results.
                    properties.insert("security-severity".to_owned(), "7.0".into());
                }
                rules.push(sarif::ReportingDescriptor {
                    id: d.code.to_owned(),
                    short_description: sarif::Message {
                        text: d.code.replace('_', " ").to_lowercase(),
                    },
                    help_uri: learn_more_link(d.code, d.severity),
                    default_configuration: sarif::Configuration {
                        level: sarif_level(d.severity),
                    },
                    properties,
                });
                rules.len() - 1
            }
        };
        let locations = d
            .locations
            .iter()
            .map(|l| {
                let start = index.position(l.span.start as usize);
                let end = index.position(l.span.end as usize);
                sarif::Location {
                    physical_location: sarif::PhysicalLocation {
                        artifact_location: sarif::ArtifactLocation { uri: uri.clone() },
                        region: sarif::Region {
                            start_line: start.line,
                            start_column: start.column + 1,
                            end_line: end.line,
                            end_column: end.column + 1,
                            char_offset: start.offset,
                            char_length: end.offset.saturating_sub(start.offset),
                        },
                    },
                    logical_locations: vec![sarif::LogicalLocation {
                        fully_qualified_name: display_path(&l.path),
                        kind: "element",
                    }],
                }
            })
            .collect();
        results.push(sarif::SarifResult {
            rule_id: d.code.to_owned(),
            rule_index,
            level: sarif_level(d.severity),
            message: sarif::Message {
                text: d.message.clone(),
            },
            locations,
        });
    }
    sarif::SarifLog::new(vec![sarif::Run {
        tool: sarif::Tool {
            driver: sarif::ToolComponent {
                name: "perimeter".to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
                information_uri: "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html".to_owned(),
                rules,
            },
        },
        column_kind: "unicodeCodePoints",
        results,
    }])
}
