//! `perimeter reach` (Reachability Analyzer offline) and the internet-exposure report: CLI glue
//! over `perimeter-net`.
//!
//! `reach` answers one path question (`--source`/`--destination`/`--protocol`/`--destination-port`,
//! or `--cli-input-json` with the `CreateNetworkInsightsPath` request shape) and prints the
//! `NetworkInsightsAnalysis` shape with `--output json`; `--all-pairs` prints the reachability matrix
//! between all instances. Exit codes: 0 path found / clean, 1 not found / findings, 2 usage or input error.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use perimeter_net::exposure::{ExposureReport, decide_exposure_report};
use perimeter_net::model::{Network, Severity};
use perimeter_net::reach::{
    AllPairsReport, PathRequest, analyze_path, decide_all_pairs, parse_path_request,
};
use perimeter_net::report::NetworkInsightsAnalysis;

use crate::output::out;
use crate::output::{
    EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, OutputFormat, print_json, read_value_arg,
};

/// Arguments of `perimeter reach`.
#[derive(clap::Args, Debug)]
pub struct ReachArgs {
    /// Account snapshot folder (CloudMapper layout `DIR/<region>/ec2-describe-*.json`, or Batfish's).
    #[arg(long, value_name = "DIR")]
    pub snapshot: PathBuf,
    /// Source: instance id, ENI id, internet gateway id, `internet`, VPN gateway id, subnet, VPC, an on-prem router (its hostname in `configs/`), or an address.
    #[arg(long, value_name = "ID")]
    pub source: Option<String>,
    /// Destination: instance id, ENI id, internet gateway id, `internet`, an on-prem router, a CIDR or an interface VPC endpoint.
    #[arg(long, value_name = "ID")]
    pub destination: Option<String>,
    /// Source address (default: the source's primary address, or 8.8.8.8 for the internet).
    #[arg(long, value_name = "IP")]
    pub source_ip: Option<String>,
    /// Destination address (default: the destination's primary address; its public address from the internet).
    #[arg(long, value_name = "IP")]
    pub destination_ip: Option<String>,
    /// Protocol: tcp (default), udp, icmp or a number.
    #[arg(long, value_name = "PROTOCOL")]
    pub protocol: Option<String>,
    /// Destination port (default: an open port found by the symbolic engine, if any).
    #[arg(long, value_name = "PORT")]
    pub destination_port: Option<u16>,
    /// Source port (default 49152).
    #[arg(long, value_name = "PORT")]
    pub source_port: Option<u16>,
    /// The `CreateNetworkInsightsPath` request as JSON, inline or `file://PATH`.
    #[arg(long, value_name = "JSON", conflicts_with_all = ["source", "destination"])]
    pub cli_input_json: Option<String>,
    /// Print the reachability matrix between all instances instead of one path.
    #[arg(long, conflicts_with_all = ["source", "destination", "cli_input_json"])]
    pub all_pairs: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "json", alias = "format")]
    pub output: OutputFormat,
}

fn usage(msg: &str) -> ExitCode {
    eprintln!("perimeter: error: {msg}");
    ExitCode::from(EXIT_ERROR)
}

/// Load a snapshot and print its diagnostics on stderr. `None` when the folder is unreadable.
fn load(snapshot: &Path) -> Option<Network> {
    match perimeter_net::load::load_snapshot(snapshot) {
        Ok(net) => {
            for d in &net.diagnostics {
                let level = if d.severity == Severity::Error {
                    "error"
                } else {
                    "warning"
                };
                let id = d
                    .resource_id
                    .as_deref()
                    .map(|i| format!(" [{i}]"))
                    .unwrap_or_default();
                eprintln!(
                    "perimeter: {level}: {}{}{id}: {} ({})",
                    d.file,
                    if d.pointer.is_empty() {
                        String::new()
                    } else {
                        format!("#{}", d.pointer)
                    },
                    d.message,
                    d.code
                );
            }
            Some(net)
        }
        Err(e) => {
            eprintln!("perimeter: error: {e}");
            None
        }
    }
}

/// Run `perimeter reach`.
///
/// # Errors
/// Only for failures writing the output; input problems print a message and return exit code 2.
pub fn run_reach(args: &ReachArgs) -> anyhow::Result<ExitCode> {
    if args.output == OutputFormat::Sarif {
        return Ok(usage(
            "`--output sarif` is not available for `reach`; use json, table or text",
        ));
    }
    let request = if let Some(input) = &args.cli_input_json {
        let (text, path) = read_value_arg(input)?;
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                let from = path
                    .map(|p| format!("`{}`", p.display()))
                    .unwrap_or_else(|| "--cli-input-json".to_owned());
                return Ok(usage(&format!("{from} is not valid json: {e}")));
            }
        };
        match parse_path_request(&value) {
            Ok(mut r) => {
                // Flags refine the request, as the aws CLI lets them override --cli-input-json.
                r.protocol = args.protocol.clone().or(r.protocol);
                r.destination_port = args.destination_port.or(r.destination_port);
                r.source_ip = args.source_ip.clone().or(r.source_ip);
                r.destination_ip = args.destination_ip.clone().or(r.destination_ip);
                r.source_port = args.source_port.or(r.source_port);
                Some(r)
            }
            Err(e) => return Ok(usage(&e.to_string())),
        }
    } else {
        args.source.as_ref().map(|source| PathRequest {
            source: source.clone(),
            destination: args.destination.clone(),
            source_ip: args.source_ip.clone(),
            destination_ip: args.destination_ip.clone(),
            protocol: args.protocol.clone(),
            destination_port: args.destination_port,
            source_port: args.source_port,
        })
    };
    if request.is_none() && !args.all_pairs {
        return Ok(usage(
            "give `--source` and `--destination`, `--cli-input-json`, or `--all-pairs`",
        ));
    }
    let Some(net) = load(&args.snapshot) else {
        return Ok(ExitCode::from(EXIT_ERROR));
    };
    let Some(request) = request else {
        let report = decide_all_pairs(&net);
        match args.output {
            OutputFormat::Json => print_json(&report)?,
            _ => out!("{}", render_all_pairs(&report))?,
        }
        return Ok(ExitCode::from(
            if report.reachable_pairs > 0 || report.unknown_pairs > 0 {
                EXIT_FINDINGS
            } else {
                EXIT_CLEAN
            },
        ));
    };
    let analysis = match analyze_path(&net, &request) {
        Ok(a) => a,
        Err(e) => return Ok(usage(&e.to_string())),
    };
    match args.output {
        OutputFormat::Json => print_json(&analysis)?,
        OutputFormat::Table => out!("{}", render_analysis_table(&analysis))?,
        _ => out!("{}", render_analysis_text(&analysis))?,
    }
    Ok(ExitCode::from(if analysis.network_path_found {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }))
}

/// Run the internet-exposure report over a snapshot (for `perimeter analyze` and friends).
///
/// # Errors
/// Only for failures writing the output.
pub fn run_exposure(snapshot: &Path, output: OutputFormat) -> anyhow::Result<ExitCode> {
    let Some(net) = load(snapshot) else {
        return Ok(ExitCode::from(EXIT_ERROR));
    };
    let report = decide_exposure_report(&net);
    match output {
        OutputFormat::Json => print_json(&report)?,
        OutputFormat::Sarif => print_json(&render_exposure_sarif(&report))?,
        OutputFormat::Table => out!("{}", render_exposure_table(&report))?,
        OutputFormat::Text => out!("{}", render_exposure_text(&report))?,
    }
    Ok(ExitCode::from(if report.findings.is_empty() {
        EXIT_CLEAN
    } else {
        EXIT_FINDINGS
    }))
}

fn component_line(c: &perimeter_net::report::PathComponent) -> (String, String) {
    let mut rule = String::new();
    if let Some(r) = &c.acl_rule {
        let ports = r
            .port_range
            .map(|p| format!(" {}-{}", p.from, p.to))
            .unwrap_or_default();
        let number = if r.rule_number == 32767 {
            "*".to_owned()
        } else {
            r.rule_number.to_string()
        };
        let _ = write!(
            rule,
            "{} rule {number} {} {} {}{ports}",
            if r.egress { "egress" } else { "ingress" },
            r.rule_action,
            r.protocol,
            r.cidr
        );
    }
    if let Some(r) = &c.security_group_rule {
        let ports = r
            .port_range
            .map(|p| format!(" {}-{}", p.from, p.to))
            .unwrap_or_default();
        let peer = r
            .cidr
            .clone()
            .or_else(|| r.prefix_list_id.clone())
            .unwrap_or_default();
        let _ = write!(rule, "{} {} {peer}{ports}", r.direction, r.protocol);
    }
    if let Some(r) = &c.route_table_route {
        let dest = r
            .destination_cidr
            .clone()
            .or_else(|| r.destination_prefix_list_id.clone())
            .unwrap_or_default();
        let target = [
            &r.gateway_id,
            &r.nat_gateway_id,
            &r.transit_gateway_id,
            &r.vpc_peering_connection_id,
            &r.egress_only_internet_gateway_id,
            &r.network_interface_id,
        ]
        .into_iter()
        .find_map(|x| x.clone())
        .unwrap_or_default();
        let _ = write!(rule, "route {dest} -> {target} ({})", r.state);
    }
    if let Some(r) = &c.transit_gateway_route_table_route {
        let _ = write!(
            rule,
            "route {} -> {} ({})",
            r.destination_cidr,
            r.attachment_id.clone().unwrap_or_default(),
            r.route_origin
        );
    }
    if let (Some(i), Some(o)) = (&c.inbound_header, &c.outbound_header) {
        let _ = write!(
            rule,
            "translates {}→{} to {}→{}",
            i.source_addresses.join(","),
            i.destination_addresses.join(","),
            o.source_addresses.join(","),
            o.destination_addresses.join(",")
        );
    }
    let name = c
        .component
        .name
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    (format!("{}{name}", c.component.id), rule)
}

fn render_analysis_text(a: &NetworkInsightsAnalysis) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "network path found: {}",
        if a.network_path_found { "yes" } else { "no" }
    );
    if let Some(m) = &a.status_message {
        let _ = writeln!(out, "status: {} ({m})", a.status);
    }
    if let Some(w) = &a.warning_message {
        let _ = writeln!(out, "note: {w}");
    }
    for (title, path) in [
        ("forward path", &a.forward_path_components),
        ("return path", &a.return_path_components),
    ] {
        if path.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}:");
        for c in path {
            let (id, rule) = component_line(c);
            let _ = writeln!(
                out,
                "  {:>2}. {id}{}",
                c.sequence_number,
                if rule.is_empty() {
                    String::new()
                } else {
                    format!("  {rule}")
                }
            );
        }
    }
    for e in &a.explanations {
        let dir = e
            .direction
            .as_ref()
            .map(|d| format!(" {d}"))
            .unwrap_or_default();
        let mut detail = String::new();
        if let Some(r) = &e.acl_rule {
            let number = if r.rule_number == 32767 {
                "*".to_owned()
            } else {
                r.rule_number.to_string()
            };
            let _ = write!(
                detail,
                " by rule {number} ({} {} {})",
                r.rule_action, r.protocol, r.cidr
            );
        }
        if !e.security_groups.is_empty() {
            let groups: Vec<&str> = e.security_groups.iter().map(|g| g.id.as_str()).collect();
            let _ = write!(detail, ": no rule of {} matches", groups.join(", "));
        }
        if let Some(rt) = &e.route_table {
            let _ = write!(detail, " (route table {})", rt.id);
        }
        let _ = writeln!(
            out,
            "blocked{dir} at {}: {}{detail}",
            e.component.id, e.explanation_code
        );
    }
    out
}

fn render_analysis_table(a: &NetworkInsightsAnalysis) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "NetworkPathFound  {}", a.network_path_found);
    for (title, path) in [
        ("Forward", &a.forward_path_components),
        ("Return", &a.return_path_components),
    ] {
        let rows: Vec<(String, String, String)> = path
            .iter()
            .map(|c| {
                let (id, rule) = component_line(c);
                (c.sequence_number.to_string(), id, rule)
            })
            .collect();
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(9).max(9);
        let _ = writeln!(out, "\n{title}\n{:>3}  {:<w1$}  Rule", "#", "Component");
        for (n, id, rule) in rows {
            let _ = writeln!(out, "{n:>3}  {id:<w1$}  {rule}");
        }
    }
    if !a.explanations.is_empty() {
        let _ = writeln!(
            out,
            "\nExplanationCode                 Component                 Direction"
        );
        for e in &a.explanations {
            let _ = writeln!(
                out,
                "{:<31} {:<25} {}",
                e.explanation_code,
                e.component.id,
                e.direction.clone().unwrap_or_default()
            );
        }
    }
    out
}

fn render_all_pairs(r: &AllPairsReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "from \\ to: R reachable, - not reachable, ? unknown");
    let w = r.instances.iter().map(String::len).max().unwrap_or(0);
    for (id, row) in r.instances.iter().zip(&r.matrix) {
        let _ = writeln!(out, "{id:<w$}  {row}");
    }
    let _ = writeln!(
        out,
        "{} reachable pairs, {} unknown",
        r.reachable_pairs, r.unknown_pairs
    );
    out
}

/// Severity, interface, public addresses, ports, sources, status.
type ExposureRow = (String, String, String, String, String, String);

fn exposure_lines(report: &ExposureReport) -> Vec<ExposureRow> {
    let mut rows = Vec::new();
    for f in &report.findings {
        for (status, list) in [("EXPOSED", &f.exposures), ("UNKNOWN", &f.unknown_exposures)] {
            for e in list {
                let ports: Vec<String> = e
                    .destination_port_ranges
                    .iter()
                    .map(|p| {
                        if p.from == p.to {
                            p.from.to_string()
                        } else {
                            format!("{}-{}", p.from, p.to)
                        }
                    })
                    .collect();
                let mut sources = e
                    .source_addresses
                    .iter()
                    .take(4)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(",");
                if e.source_addresses.len() > 4 {
                    let _ = write!(sources, ",… ({} blocks)", e.source_addresses.len());
                }
                rows.push((
                    e.severity.clone(),
                    format!(
                        "{}{}",
                        f.network_interface_id,
                        f.instance_id
                            .as_ref()
                            .map(|i| format!(" ({i})"))
                            .unwrap_or_default()
                    ),
                    f.public_ips.join(","),
                    format!("{} {}", e.protocol, ports.join(",")),
                    sources,
                    status.to_owned(),
                ));
            }
        }
    }
    rows
}

fn render_exposure_table(report: &ExposureReport) -> String {
    let mut out = String::new();
    let rows = exposure_lines(report);
    let w = |f: &dyn Fn(&ExposureRow) -> usize, min: usize| {
        rows.iter().map(f).max().unwrap_or(min).max(min)
    };
    let (w0, w1, w2, w3) = (
        w(&|r| r.0.len(), 8),
        w(&|r| r.1.len(), 9),
        w(&|r| r.2.len(), 8),
        w(&|r| r.3.len(), 5),
    );
    let _ = writeln!(
        out,
        "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {:<7}  Sources",
        "Severity", "Interface", "PublicIp", "Ports", "Status"
    );
    for r in &rows {
        let _ = writeln!(
            out,
            "{:<w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {:<7}  {}",
            r.0, r.1, r.2, r.3, r.5, r.4
        );
    }
    let _ = writeln!(
        out,
        "{} exposed of {} public network interfaces ({} analysed)",
        report.findings.len(),
        report.public_network_interfaces,
        report.network_interfaces_analyzed
    );
    out
}

fn render_exposure_text(report: &ExposureReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let _ = writeln!(
            out,
            "{} {} {}{} public {}",
            f.severity,
            f.status.to_lowercase(),
            f.network_interface_id,
            f.instance_id
                .as_ref()
                .map(|i| format!(" ({i})"))
                .unwrap_or_default(),
            f.public_ips.join(",")
        );
        for e in f.exposures.iter().chain(&f.unknown_exposures) {
            let ports: Vec<String> = e
                .destination_port_ranges
                .iter()
                .map(|p| {
                    if p.from == p.to {
                        p.from.to_string()
                    } else {
                        format!("{}-{}", p.from, p.to)
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "  {} {} from {} ({} addresses)",
                e.protocol,
                ports.join(","),
                e.source_addresses.join(", "),
                e.source_address_count
            );
        }
        if !f.forward_path_components.is_empty() {
            let path: Vec<String> = f
                .forward_path_components
                .iter()
                .map(|c| {
                    let (id, rule) = component_line(c);
                    if rule.is_empty() {
                        id
                    } else {
                        format!("{id} [{rule}]")
                    }
                })
                .collect();
            let _ = writeln!(out, "  path: internet → {}", path.join(" → "));
        }
    }
    let _ = writeln!(
        out,
        "{} exposed of {} public network interfaces ({} analysed)",
        report.findings.len(),
        report.public_network_interfaces,
        report.network_interfaces_analyzed
    );
    out
}

fn render_exposure_sarif(report: &ExposureReport) -> serde_json::Value {
    let results: Vec<serde_json::Value> = report
        .findings
        .iter()
        .map(|f| {
            let level = match f.severity.as_str() {
                "CRITICAL" | "HIGH" => "error",
                "MEDIUM" => "warning",
                _ => "note",
            };
            let what: Vec<String> = f.exposures.iter().map(|e| {
                let ports: Vec<String> = e.destination_port_ranges.iter().map(|p| if p.from == p.to { p.from.to_string() } else { format!("{}-{}", p.from, p.to) }).collect();
                format!("{} {}", e.protocol, ports.join(","))
            }).collect();
            serde_json::json!({
                "ruleId": "PERIMETER_NET_INTERNET_EXPOSURE",
                "level": level,
                "message": {"text": format!("`{}` is reachable from the internet on {}", f.network_interface_id, what.join("; "))},
                "properties": {"severity": f.severity, "status": f.status, "networkInterfaceId": f.network_interface_id, "instanceId": f.instance_id},
            })
        })
        .collect();
    serde_json::json!({
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{"tool": {"driver": {"name": "perimeter", "rules": [{"id": "PERIMETER_NET_INTERNET_EXPOSURE", "shortDescription": {"text": "network interface reachable from the internet"}}]}}, "results": results}],
    })
}
