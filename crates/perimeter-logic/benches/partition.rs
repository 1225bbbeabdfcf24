//! Partition + decision benchmarks (`harness = false`: a plain timing binary).
//!
//! Run: `cargo bench -p perimeter-logic --bench partition`
//!
//! Each scenario is run `RUNS` times; the median (and min/max) wall time is printed.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "a benchmark binary: bad fixtures should abort loudly"
)]

use perimeter_logic::strings::partition;
use perimeter_logic::{Arity, Case, Decision, KeyKind, Limits, Pattern, Vocabulary};
use std::hint::black_box;
use std::time::{Duration, Instant};

const RUNS: usize = 21;

fn measure<T>(mut f: impl FnMut() -> T) -> (Duration, Duration, Duration, T) {
    let mut times = Vec::with_capacity(RUNS);
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let out = black_box(f());
        times.push(t.elapsed());
        last = Some(out);
    }
    times.sort();
    let median = times[RUNS / 2];
    (median, times[0], times[RUNS - 1], last.unwrap())
}

fn report(name: &str, (median, min, max): (Duration, Duration, Duration), extra: &str) {
    println!("{name:<58} median {median:>11.3?}  min {min:>11.3?}  max {max:>11.3?}  {extra}");
}

/// 50 realistic patterns on one key: ARN globs (segmented, `*` not crossing `:`),
/// whole-string globs and exact literals, mixed case modes.
fn realistic_patterns() -> Vec<Pattern> {
    let mut out = Vec::new();
    for i in 0..20 {
        out.push(
            Pattern::split_segments(
                &format!("arn:aws:s3:::bucket-{i}/*"),
                ':',
                6,
                Case::Sensitive,
            )
            .unwrap(),
        );
    }
    for i in 0..10 {
        out.push(
            Pattern::split_segments(
                &format!("arn:aws:iam::{:012}:role/app-{i}-*", 111_122_223_333u64 + i),
                ':',
                6,
                Case::Sensitive,
            )
            .unwrap(),
        );
    }
    for i in 0..10 {
        out.push(Pattern::glob(
            &format!("arn:aws:*:us-east-{}:*:*", i % 3),
            Case::Sensitive,
        ));
    }
    for i in 0..5 {
        out.push(Pattern::literal(
            &format!("arn:aws:s3:::bucket-{i}/exact.txt"),
            Case::Sensitive,
        ));
    }
    for i in 0..5 {
        out.push(Pattern::literal(&format!("Team-{i}"), Case::Insensitive));
    }
    out
}

/// The adversarial family: `a*a*…a*b` with 1..=n/2 stars, and `a…a*b` with 1..=n/2 `a`s.
fn adversarial_patterns(n: usize) -> Vec<Pattern> {
    (0..n)
        .map(|i| {
            if i % 2 == 0 {
                Pattern::glob(&format!("{}b", "a*".repeat(i / 2 + 1)), Case::Sensitive)
            } else {
                Pattern::glob(&format!("{}*b", "a".repeat(i / 2 + 1)), Case::Sensitive)
            }
        })
        .collect()
}

/// Builds the vocabulary, finishes it, and decides `∨ first half ⇒ ∨ all` (always
/// holds) and `∨ all ⇒ ∨ first half` (holds or not depending on the family). Returns
/// the class count and the two answers as `H`/`V`.
fn build_and_decide(patterns: &[Pattern]) -> (usize, String) {
    let mut v = Vocabulary::new();
    let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
    for p in patterns {
        v.add_pattern(k, p.clone()).unwrap();
    }
    let mut u = v.finish().unwrap();
    let atoms: Vec<_> = patterns.iter().map(|p| u.like(k, p).unwrap()).collect();
    let half = u
        .or_all(atoms[..patterns.len() / 2].iter().copied())
        .unwrap();
    let all = u.or_all(atoms.iter().copied()).unwrap();
    let tag = |d: Decision| match d {
        Decision::Holds => 'H',
        Decision::Violated(_) => 'V',
        Decision::Unknown(_) => '?',
    };
    let answers: String = [
        tag(u.decide_implies(half, all)),
        tag(u.decide_implies(all, half)),
    ]
    .iter()
    .collect();
    (u.class_count(k).unwrap(), answers)
}

fn main() {
    println!("perimeter-logic benchmarks ({RUNS} runs each)");

    let real = realistic_patterns();
    let stats = partition(&real, 1_000_000, u64::MAX).unwrap();
    let (m, lo, hi, (classes, ok)) = measure(|| build_and_decide(&real));
    report(
        "50 realistic patterns: partition + 2 implications",
        (m, lo, hi),
        &format!(
            "classes={classes} dfa_states={} atoms={} answers={ok}",
            stats.dfa_states(),
            stats.atoms()
        ),
    );

    let (m, lo, hi, _) = measure(|| partition(&real, 1_000_000, u64::MAX).unwrap());
    report("partition only: 50 realistic patterns", (m, lo, hi), "");

    let adv = adversarial_patterns(50);
    let stats = partition(&adv, 1_000_000, u64::MAX).unwrap();
    let (m, lo, hi, (classes, ok)) = measure(|| build_and_decide(&adv));
    report(
        "50 adversarial a*a*…b patterns: partition + 2 implications",
        (m, lo, hi),
        &format!(
            "classes={classes} dfa_states={} atoms={} answers={ok}",
            stats.dfa_states(),
            stats.atoms()
        ),
    );

    // Decision alone, after the universe is built (the per-query cost).
    let mut v = Vocabulary::new();
    let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
    for p in &real {
        v.add_pattern(k, p.clone()).unwrap();
    }
    let mut u = v.finish().unwrap();
    let atoms: Vec<_> = real.iter().map(|p| u.like(k, p).unwrap()).collect();
    let (m, lo, hi, _) = measure(|| {
        // Fresh formulas each run would be cached by hash-consing; this measures the
        // cached steady state a compiler sees when it re-asks similar questions.
        let a = u.or_all(atoms[..25].iter().copied()).unwrap();
        let b = u.or_all(atoms[10..].iter().copied()).unwrap();
        u.decide_implies(a, b)
    });
    report(
        "decide_implies on a built 50-pattern universe",
        (m, lo, hi),
        "",
    );

    // The worst case for the subset construction: `*a` then k `?` needs 2^(k+1)
    // states; the bound turns it into an Unknown in bounded time.
    let hard = Pattern::glob(&format!("*a{}", "?".repeat(20)), Case::Sensitive);
    let (m, lo, hi, res) = measure(|| {
        let mut v = Vocabulary::with_limits(Limits::default());
        let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
        v.add_pattern(k, hard.clone()).unwrap();
        v.finish().map(|_| ()).map_err(|e| e.to_string())
    });
    report(
        "`*a` + 20×`?` (2^21 states) → unknown at 100k-state bound",
        (m, lo, hi),
        &format!("{res:?}"),
    );

    // Growth of the adversarial family.
    for n in [10usize, 25, 50, 100] {
        let pats = adversarial_patterns(n);
        let (m, lo, hi, p) = measure(|| partition(&pats, 1_000_000, u64::MAX).unwrap());
        report(
            &format!("partition only: {n} adversarial patterns"),
            (m, lo, hi),
            &format!(
                "classes={} dfa_states={}",
                p.classes().len(),
                p.dfa_states()
            ),
        );
    }
}
