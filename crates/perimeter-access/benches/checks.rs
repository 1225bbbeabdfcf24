//! Benchmarks of `check-no-new-access` (release, `harness = false`):
//!
//! `PERIMETER_CORPORA=/work/shared/corpora cargo bench -p perimeter-access --bench checks`
//!
//! 1. every case of the aa-custom-checks corpus (when `PERIMETER_CORPORA` is set);
//! 2. generated pairs of 50-statement policies;
//! 3. the z3 back end on a sample of the same questions (one z3 process per question, as a
//!    caller would run it), reported as a ratio of medians;
//! 4. adversarial globs (`a*a*a*a*a*a*a*a*b` variants, 50 statements on one key).
//!
//! `cargo bench … --bench checks -- --no-z3` skips the z3 runs (three minutes of timeouts on the
//! generated pairs) when only the engine's numbers are wanted; `--only corpus|generated|adversarial`
//! runs one part (for profiling).

#![expect(
    clippy::indexing_slicing,
    clippy::panic,
    reason = "a benchmark over fixed tables; a policy that does not parse is a bug in the generator"
)]

use std::time::{Duration, Instant};

use perimeter_access::check::{AccessCheckPolicyType, default_limits, try_no_new_access};
use perimeter_access::smt::no_new_access_query;

#[path = "../tests/support/z3.rs"]
mod z3;
use perimeter_iam::model::Policy;
use z3::{run_z3, z3_binary};

fn percentile(xs: &mut [Duration], p: f64) -> Duration {
    xs.sort();
    let i = ((xs.len() as f64 - 1.0) * p).round() as usize;
    xs.get(i).copied().unwrap_or_default()
}

fn time_checks(pairs: &[(Policy, Policy, AccessCheckPolicyType)], reps: usize) -> Vec<Duration> {
    let mut out = Vec::new();
    for (e, n, t) in pairs {
        for _ in 0..reps {
            let s = Instant::now();
            let r = try_no_new_access(e, n, *t, default_limits());
            out.push(s.elapsed());
            std::hint::black_box(r.is_ok());
        }
    }
    out
}

fn report(name: &str, mut xs: Vec<Duration>) -> Duration {
    let p50 = percentile(&mut xs, 0.5);
    let p99 = percentile(&mut xs, 0.99);
    let max = xs.last().copied().unwrap_or_default();
    println!(
        "{name}: n={} p50={:.3} ms p99={:.3} ms max={:.3} ms",
        xs.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
    p50
}

fn z3_times(pairs: &[(Policy, Policy, AccessCheckPolicyType)], sample: usize) -> Vec<Duration> {
    let z3 = z3_binary();
    let mut out = Vec::new();
    if std::env::args().any(|a| a == "--no-z3") {
        return out;
    }
    for (e, n, t) in pairs.iter().take(sample) {
        let Some(q) = no_new_access_query(e, n, *t == AccessCheckPolicyType::IdentityPolicy) else {
            continue;
        };
        let s = Instant::now();
        let _ = run_z3(&z3, &[q], 60_000);
        out.push(s.elapsed());
    }
    out
}

fn gen_policy(seed: &mut u64, statements: usize, effect_deny_every: usize) -> Policy {
    let mut next = || {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        *seed
    };
    let services = [
        "s3", "ec2", "iam", "dynamodb", "sqs", "sns", "kms", "lambda",
    ];
    let verbs = [
        "Get", "Put", "List", "Describe", "Delete", "Create", "Update", "Tag",
    ];
    let mut sts = Vec::new();
    for i in 0..statements {
        let svc = services[(next() % 8) as usize];
        let verb = verbs[(next() % 8) as usize];
        let action = if next() % 3 == 0 {
            format!("{svc}:{verb}*")
        } else {
            format!("{svc}:{verb}Object{}", next() % 5)
        };
        let resource = match next() % 4 {
            0 => "*".to_owned(),
            1 => format!("arn:aws:{svc}:*:111122223333:res/{}/*", next() % 20),
            2 => format!("arn:aws:{svc}:us-east-1:*:res/team-{}", next() % 20),
            _ => format!("arn:aws:{svc}:::bucket-{}/*", next() % 20),
        };
        let effect = if effect_deny_every > 0 && i % effect_deny_every == effect_deny_every - 1 {
            "Deny"
        } else {
            "Allow"
        };
        let cond = match next() % 4 {
            0 => format!(
                r#","Condition":{{"StringEquals":{{"aws:RequestTag/team":"t{}"}}}}"#,
                next() % 10
            ),
            1 => format!(
                r#","Condition":{{"IpAddress":{{"aws:SourceIp":"10.{}.0.0/16"}}}}"#,
                next() % 50
            ),
            _ => String::new(),
        };
        sts.push(format!(
            r#"{{"Effect":"{effect}","Action":"{action}","Resource":"{resource}"{cond}}}"#
        ));
    }
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        sts.join(",")
    );
    perimeter_iam::parse_and_lower(&text).unwrap_or_else(|d| panic!("{d:?}"))
}

fn wanted(part: &str) -> bool {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--only") {
        Some(i) => args.get(i + 1).is_some_and(|p| p == part),
        None => true,
    }
}

fn main() {
    // 1. Corpus.
    let mut corpus = Vec::new();
    if !wanted("corpus") {
    } else if let Some(root) = std::env::var_os("PERIMETER_CORPORA") {
        let path = std::path::Path::new(&root).join("aa-custom-checks/cases.jsonl");
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
            let p = |k: &str| perimeter_iam::parse_and_lower(&v[k].to_string()).ok();
            let (Some(e), Some(n)) = (p("existingPolicyDocument"), p("newPolicyDocument")) else {
                continue;
            };
            let t = AccessCheckPolicyType::from_aws(v["policyType"].as_str().unwrap_or(""))
                .unwrap_or(AccessCheckPolicyType::IdentityPolicy);
            corpus.push((e, n, t));
        }
        let engine = report(
            "check-no-new-access, aa-custom-checks corpus",
            time_checks(&corpus, 5),
        );
        // z3 on every question of the corpus, once each (a process per question, as the test
        // oracle runs it), so that the ratio compares the same questions.
        let z3 = report(
            "z3 back end, the same questions",
            z3_times(&corpus, corpus.len()),
        );
        println!(
            "ratio z3/engine at p50: {:.0}x",
            z3.as_secs_f64() / engine.as_secs_f64().max(1e-9)
        );
    } else {
        println!("PERIMETER_CORPORA is not set: corpus benchmark skipped");
    }
    if wanted("generated") {
        generated();
    }
    if wanted("adversarial") {
        adversarial();
    }
}

fn generated() {
    // 2. Generated 50-statement policies.
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let generated: Vec<_> = (0..40)
        .map(|_| {
            let e = gen_policy(&mut seed, 50, 5);
            let n = gen_policy(&mut seed, 50, 0);
            (e, n, AccessCheckPolicyType::IdentityPolicy)
        })
        .collect();
    let engine = report(
        "check-no-new-access, generated 50-statement pairs",
        time_checks(&generated, 3),
    );
    // Where the time goes: building the request space the checks use (lazy action and resource
    // keys) versus the whole check; and, for comparison, the eager space (every key's partition up
    // front), which the checks used before and counting still uses.
    let mut space_times = Vec::new();
    let mut eager_times = Vec::new();
    for (e, n, _) in &generated {
        let s = Instant::now();
        let sp = perimeter_access::compile::compile_space_lazy(&[e, n], &[], default_limits());
        space_times.push(s.elapsed());
        std::hint::black_box(sp.is_ok());
        let s = Instant::now();
        let sp = perimeter_access::compile::compile_space(&[e, n], &[], default_limits());
        eager_times.push(s.elapsed());
        std::hint::black_box(sp.is_ok());
    }
    report(
        "  of which compile_space_lazy (the space the check builds)",
        space_times,
    );
    report(
        "  for comparison: compile_space (eager partitions)",
        eager_times,
    );
    let z3 = report(
        "z3 back end, same questions (first 3, 60 s timeout)",
        z3_times(&generated, 3),
    );
    println!(
        "ratio z3/engine at p50: {:.0}x",
        z3.as_secs_f64() / engine.as_secs_f64().max(1e-9)
    );
}

fn adversarial() {
    // 4. Adversarial globs on one key.
    let adv = |n: usize| {
        let sts: Vec<String> = (0..n)
            .map(|i| {
                let mut g = String::new();
                for _ in 0..(8 + i % 5) {
                    g.push_str("a*");
                }
                g.push(char::from(b'b' + (i % 20) as u8));
                format!(r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{{"StringLike":{{"aws:username":"{g}"}}}}}}"#)
            })
            .collect();
        perimeter_iam::parse_and_lower(&format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            sts.join(",")
        ))
        .unwrap_or_else(|d| panic!("{d:?}"))
    };
    let a = adv(50);
    let b = adv(49);
    let s = Instant::now();
    let r = try_no_new_access(
        &b,
        &a,
        AccessCheckPolicyType::IdentityPolicy,
        default_limits(),
    );
    let verdict = match &r {
        Ok(r) => serde_json::to_string(&r.result).unwrap_or_default(),
        Err(e) => e.to_string(),
    };
    println!(
        "adversarial globs (50 statements of a*a*…a*X on one key): {:.1} ms, result {verdict}",
        s.elapsed().as_secs_f64() * 1e3
    );
    // The same on the (lazy) resource key, and a harder shape: `*c` then k `?` then `*c`, whose
    // automaton needs 2^k states. Every question either finishes or answers unknown within the
    // automaton bounds.
    for (name, glob) in [
        (
            "a*a*…a*X",
            &(|i: usize| {
                let mut g = String::from("arn:aws:s3:::");
                for _ in 0..(8 + i % 5) {
                    g.push_str("a*");
                }
                g.push(char::from(b'b' + (i % 20) as u8));
                g
            }) as &dyn Fn(usize) -> String,
        ),
        ("*c?…?*c", &|i: usize| {
            format!("arn:aws:s3:::*c{}*c", "?".repeat(8 + i % 13))
        }),
    ] {
        let policy = |n: usize| {
            let sts: Vec<String> = (0..n)
                .map(|i| {
                    format!(
                        r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{}"}}"#,
                        glob(i)
                    )
                })
                .collect();
            perimeter_iam::parse_and_lower(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                sts.join(",")
            ))
            .unwrap_or_else(|d| panic!("{d:?}"))
        };
        let (a, b) = (policy(50), policy(49));
        // A pair that needs proofs: each new glob has one more `?` than an existing one (so it is
        // covered, but only an exhaustive search shows it).
        let shifted = |offset: usize| {
            let sts: Vec<String> = (0..50)
                .map(|i| {
                    let g = glob(i);
                    let g = if offset == 0 {
                        g
                    } else {
                        g.replacen('?', "??", 1).replacen("a*", "a*a*", 1)
                    };
                    format!(r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"{g}"}}"#)
                })
                .collect();
            perimeter_iam::parse_and_lower(&format!(
                r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
                sts.join(",")
            ))
            .unwrap_or_else(|d| panic!("{d:?}"))
        };
        let (c, d) = (shifted(0), shifted(1));
        for (label, old, new) in [
            ("49 -> 50", &b, &a),
            ("50 -> 49", &a, &b),
            ("50 -> 50 longer", &c, &d),
            ("50 -> 50 shorter", &d, &c),
        ] {
            let s = Instant::now();
            let r = try_no_new_access(
                old,
                new,
                AccessCheckPolicyType::IdentityPolicy,
                default_limits(),
            );
            let verdict = match &r {
                Ok(r)
                    if r.reasons
                        .iter()
                        .any(|x| x.description.contains("could not be decided")) =>
                {
                    "FAIL (unknown)".to_owned()
                }
                Ok(r) => serde_json::to_string(&r.result).unwrap_or_default(),
                Err(e) => e.to_string(),
            };
            println!(
                "adversarial resource globs ({name}, {label} statements): {:.1} ms, result {verdict}",
                s.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}
