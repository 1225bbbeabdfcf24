//! Benchmarks (run with `cargo bench -p perimeter-net --bench net`):
//! 1. internet exposure of a generated network with 10,000 ENIs, 2,000 security groups of 50 rules,
//!    500 network ACLs and 200 route tables (target: under 2 s);
//! 2. all-pairs reachability between 1,000 instances (target: under 5 s).
//!
//! Each is run several times; the median is printed. Network generation (JSON documents) and
//! lowering are timed separately and excluded from the targets.

use std::time::{Duration, Instant};

use perimeter_net::exposure::decide_exposure_report;
use perimeter_net::reach::decide_all_pairs;
use perimeter_net::synth::{Shape, generate_network};

/// Runs per measurement (`PERIMETER_BENCH_RUNS` overrides).
fn runs() -> usize {
    std::env::var("PERIMETER_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let big = Shape {
        vpcs: 50,
        subnets_per_vpc: 20,
        enis: 10_000,
        security_groups: 2_000,
        rules_per_group: 50,
        network_acls: 500,
        entries_per_acl: 10,
        route_tables: 200,
        public_pct: 50,
        dangling_pct: 0,
        transit: false,
    };
    let t = Instant::now();
    let docs = perimeter_net::synth::generate_documents(1, &big);
    let generate = t.elapsed();
    let t = Instant::now();
    let mut builder = perimeter_net::lower::NetworkBuilder::new();
    let src = perimeter_net::lower::DocumentSource {
        file: "bench.json".to_owned(),
        ..Default::default()
    };
    for d in &docs {
        builder.add_document(d, &src);
    }
    let net = builder.finish();
    let load = t.elapsed();
    println!("generated the documents in {:.3} s", generate.as_secs_f64());
    let rules: usize = net.security_groups.iter().map(|g| g.rules.len()).sum();
    println!(
        "exposure network: {} ENIs, {} security groups ({} rules), {} network ACLs, {} route tables; lowered in {:.3} s",
        net.network_interfaces.len(),
        net.security_groups.len(),
        rules,
        net.network_acls.len(),
        net.route_tables.len(),
        load.as_secs_f64()
    );
    let mut times = Vec::new();
    let mut findings = 0;
    for _ in 0..runs() {
        let t = Instant::now();
        let report = decide_exposure_report(&net);
        times.push(t.elapsed());
        findings = report.findings.len();
    }
    let mut engine_times = Vec::new();
    for _ in 0..runs() {
        let t = Instant::now();
        let mut engine = perimeter_net::symbolic::Engine::new(&net);
        let exposed = net
            .network_interfaces
            .iter()
            .filter(|e| !engine.decide_exposure(e).is_empty())
            .count();
        engine_times.push(t.elapsed());
        std::hint::black_box(exposed);
    }
    println!(
        "internet exposure (symbolic sets only): median {:.3} s",
        median(engine_times).as_secs_f64()
    );
    let m = median(times.clone());
    println!(
        "internet exposure (full report, {findings} findings): median {:.3} s over {} runs (min {:.3}, max {:.3}); target 2 s: {}",
        m.as_secs_f64(),
        runs(),
        times
            .iter()
            .min()
            .copied()
            .unwrap_or_default()
            .as_secs_f64(),
        times
            .iter()
            .max()
            .copied()
            .unwrap_or_default()
            .as_secs_f64(),
        if m.as_secs_f64() < 2.0 {
            "met"
        } else {
            "MISSED"
        }
    );

    let pairs = Shape {
        vpcs: 10,
        subnets_per_vpc: 10,
        enis: 1_000,
        security_groups: 200,
        rules_per_group: 50,
        network_acls: 50,
        entries_per_acl: 10,
        route_tables: 40,
        public_pct: 30,
        dangling_pct: 0,
        transit: false,
    };
    let net = generate_network(2, &pairs);
    let mut times = Vec::new();
    let mut reachable = 0;
    for _ in 0..runs() {
        let t = Instant::now();
        let report = decide_all_pairs(&net);
        times.push(t.elapsed());
        reachable = report.reachable_pairs;
    }
    let m = median(times.clone());
    println!(
        "all-pairs reachability ({} instances, {} ordered pairs, {reachable} reachable): median {:.3} s over {} runs (min {:.3}, max {:.3}); target 5 s: {}",
        net.instances.len(),
        net.instances.len() * net.instances.len().saturating_sub(1),
        m.as_secs_f64(),
        runs(),
        times
            .iter()
            .min()
            .copied()
            .unwrap_or_default()
            .as_secs_f64(),
        times
            .iter()
            .max()
            .copied()
            .unwrap_or_default()
            .as_secs_f64(),
        if m.as_secs_f64() < 5.0 {
            "met"
        } else {
            "MISSED"
        }
    );
}
