//! Loads a snapshot folder and prints a summary: resources per type, coverage, diagnostics, and the
//! load time (median of `--repeat N` loads).
//!
//! cargo run --release -p perimeter-account --example load_snapshot -- DIR [--repeat N]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use perimeter_account::{CoverageStatus, load_snapshot};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: load_snapshot DIR [--repeat N]");
        return ExitCode::from(2);
    };
    let repeat: usize = match args.iter().position(|a| a == "--repeat") {
        Some(i) => args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(1),
        None => 1,
    };
    let mut times = Vec::new();
    let mut snapshot = None;
    for _ in 0..repeat.max(1) {
        let start = Instant::now();
        match load_snapshot(&dir) {
            Ok(s) => snapshot = Some(s),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
        times.push(start.elapsed());
    }
    let Some(s) = snapshot else {
        return ExitCode::from(2);
    };
    times.sort();
    let median = times.get(times.len() / 2).copied().unwrap_or_default();
    println!(
        "account {} regions {:?}",
        s.account_id.as_deref().unwrap_or("?"),
        s.regions
    );
    let mut by_type: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for r in &s.resources {
        let e = by_type.entry(r.resource_type.as_str()).or_default();
        e.0 += 1;
        e.1 += usize::from(r.policy.is_some());
    }
    for (t, (n, with_policy)) in &by_type {
        println!("  {t:<34} {n:>5} resources, {with_policy:>5} with a policy");
    }
    for c in &s.coverage {
        if let CoverageStatus::NotAnalysed { missing_file } = &c.status {
            println!(
                "  not analysed: {} in {} (no `{missing_file}`)",
                c.resource_type, c.region
            );
        }
    }
    println!(
        "  iam: {} users, {} groups, {} roles, {} policies",
        s.iam.users.len(),
        s.iam.groups.len(),
        s.iam.roles.len(),
        s.iam.policies.len()
    );
    if let Some(org) = &s.organization {
        println!(
            "  organization {} with {} accounts",
            org.id,
            org.accounts.len()
        );
    }
    for d in &s.diagnostics {
        println!("  {d}");
    }
    println!("loaded in {median:?} (median of {})", times.len());
    ExitCode::SUCCESS
}
