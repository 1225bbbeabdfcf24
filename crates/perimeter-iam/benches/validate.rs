//! Benchmark: parse + validate every AWS managed policy (IDENTITY_POLICY), against parliament.
//!
//! `PERIMETER_CORPORA=../shared/corpora cargo bench -p perimeter-iam --bench validate`
//!
//! Reads `managed-policies/policies.jsonl`, serializes each document with 4-space indentation (as
//! the acceptance test does), then times full passes over all 1,485 documents: `parse_policy` alone,
//! and `validate_policy` (parse, lower, every rule, the catalog lookups). Prints the median and min
//! of the passes. The catalog is loaded lazily on first use; the first (cold) pass is reported
//! separately and the medians are over the warm passes. If `python3 -c "import parliament"` works,
//! runs `scripts/bench-parliament.py` in the same run and prints the ratio of the medians.
//! Set `PERIMETER_BENCH_RUNS` to change the number of passes (default 7).

use std::time::{Duration, Instant};

use perimeter_iam::validate::{PolicyType, ValidateOptions, validate_policy};

fn pretty4(v: &serde_json::Value) -> Option<String> {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    serde::Serialize::serialize(v, &mut ser).ok()?;
    String::from_utf8(buf).ok()
}

/// CPU time of this thread (Linux `/proc/thread-self/schedstat`, first field in ns): the machine
/// is shared, so wall time alone overstates the work when other processes compete for the cores.
fn thread_cpu() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = s.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

/// Runs `f`, returning (wall, cpu) durations.
fn timed(mut f: impl FnMut()) -> (Duration, Duration) {
    let (w, c) = (Instant::now(), thread_cpu());
    f();
    let cpu = match (c, thread_cpu()) {
        (Some(a), Some(b)) => b.saturating_sub(a),
        _ => Duration::ZERO,
    };
    (w.elapsed(), cpu)
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times.get(times.len() / 2).copied().unwrap_or_default()
}

fn main() {
    let Ok(root) = std::env::var("PERIMETER_CORPORA") else {
        println!("PERIMETER_CORPORA is not set: validate benchmark did not run");
        return;
    };
    let runs: usize = std::env::var("PERIMETER_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(7);
    let Ok(text) = std::fs::read_to_string(format!("{root}/managed-policies/policies.jsonl"))
    else {
        println!("cannot read managed-policies/policies.jsonl");
        return;
    };
    let docs: Vec<String> = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| pretty4(v.get("document")?))
        .collect();
    let bytes: usize = docs.iter().map(String::len).sum();
    println!("{} documents, {:.1} MB", docs.len(), bytes as f64 / 1e6);
    let options = ValidateOptions::new(PolicyType::IdentityPolicy);

    let start = Instant::now();
    let mut findings = 0usize;
    for d in &docs {
        findings += validate_policy(d, &options).len();
    }
    let cold = start.elapsed();

    let (mut parse_wall, mut parse_cpu, mut val_wall, mut val_cpu) =
        (vec![], vec![], vec![], vec![]);
    for _ in 0..runs {
        let (w, c) = timed(|| {
            for d in &docs {
                std::hint::black_box(perimeter_iam::parse_policy(d));
            }
        });
        parse_wall.push(w);
        parse_cpu.push(c);
        let (w, c) = timed(|| {
            for d in &docs {
                std::hint::black_box(validate_policy(d, &options));
            }
        });
        val_wall.push(w);
        val_cpu.push(c);
    }
    let validate = median(&mut val_wall);
    let validate_cpu = median(&mut val_cpu);
    println!("validate, first pass (loads the catalog): {cold:?} ({findings} findings)");
    println!(
        "parse only:       median wall {:?}, cpu {:?} over {runs} passes",
        median(&mut parse_wall),
        median(&mut parse_cpu)
    );
    println!(
        "parse + validate: median wall {validate:?}, cpu {validate_cpu:?}, min wall {:?} over {runs} passes (target < 1 s)",
        val_wall.first().copied().unwrap_or_default()
    );

    let has_parliament = std::process::Command::new("python3")
        .args(["-c", "import parliament"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_parliament {
        println!("parliament is not installed (pip install parliament): no baseline this run");
        return;
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../scripts/bench-parliament.py"
    );
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg("3")
        .output();
    let Some(report) = out
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| serde_json::from_slice::<serde_json::Value>(&o.stdout).ok())
    else {
        println!("scripts/bench-parliament.py failed: no baseline this run");
        return;
    };
    println!("parliament {report}");
    if let Some(p) = report.get("median_s").and_then(serde_json::Value::as_f64) {
        println!(
            "ratio parliament / perimeter, wall medians: {:.0}x",
            p / validate.as_secs_f64()
        );
    }
    if let Some(p) = report
        .get("median_cpu_s")
        .and_then(serde_json::Value::as_f64)
    {
        println!(
            "ratio parliament / perimeter, cpu medians:  {:.0}x",
            p / validate_cpu.as_secs_f64().max(1e-9)
        );
    }
}
