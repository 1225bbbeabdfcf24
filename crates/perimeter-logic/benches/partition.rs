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

/// Scenario filter: the first non-flag argument (`cargo bench … -- 200`).
fn wanted(name: &str) -> bool {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .is_none_or(|f| name.contains(&f))
}

fn report(name: &str, (median, min, max): (Duration, Duration, Duration), extra: &str) {
    println!("{name:<58} median {median:>11.3?}  min {min:>11.3?}  max {max:>11.3?}  {extra}");
}

/// `n` ARN-shaped patterns (the realistic mix below, scaled).
fn realistic_scaled(n: usize) -> Vec<Pattern> {
    (0..n)
        .map(|i| match i % 4 {
            0 => Pattern::split_segments(
                &format!("arn:aws:s3:::bucket-{i}/*"),
                ':',
                6,
                Case::Sensitive,
            )
            .unwrap(),
            1 => Pattern::split_segments(
                &format!("arn:aws:iam::{:012}:role/app-{i}-*", 100_000 + i),
                ':',
                6,
                Case::Sensitive,
            )
            .unwrap(),
            2 => Pattern::literal(
                &format!("arn:aws:s3:::bucket-{i}/exact.txt"),
                Case::Sensitive,
            ),
            _ => Pattern::glob(&format!("arn:aws:*:us-east-{}:*:*", i % 3), Case::Sensitive),
        })
        .collect()
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

/// A policy-comparison shape in the style of the AccessRefinery 5-key synthetic sets:
/// `stmts` allow statements, each the conjunction of one condition per key (string
/// equality or glob on two keys, a multi-valued `ForAnyValue`, a CIDR, a number
/// bound). Policy B drops the last statement and widens one glob. Decides `A ⇒ B`
/// and `B ⇒ A`.
fn five_key_comparison(stmts: usize) -> String {
    let mut v = Vocabulary::new();
    let org = v.add_key("org", KeyKind::String, Arity::Single).unwrap();
    let arn = v.add_key("arn", KeyKind::String, Arity::Single).unwrap();
    let tags = v.add_key("tags", KeyKind::String, Arity::Multi).unwrap();
    let ip = v.add_key("ip", KeyKind::Ip, Arity::Single).unwrap();
    let n = v.add_key("n", KeyKind::Number, Arity::Single).unwrap();
    let org_p: Vec<Pattern> = (0..stmts)
        .map(|i| Pattern::literal(&format!("o-{i:04}"), Case::Sensitive))
        .collect();
    let arn_p: Vec<Pattern> = (0..stmts)
        .map(|i| {
            Pattern::split_segments(
                &format!("arn:aws:iam::{:012}:role/r{i}*", i),
                ':',
                6,
                Case::Sensitive,
            )
            .unwrap()
        })
        .collect();
    let wide = Pattern::split_segments("arn:aws:iam::*:role/*", ':', 6, Case::Sensitive).unwrap();
    let tag_p: Vec<Pattern> = (0..stmts)
        .map(|i| Pattern::glob(&format!("team-{i}*"), Case::Insensitive))
        .collect();
    let cidrs: Vec<perimeter_logic::Cidr> = (0..stmts)
        .map(|i| perimeter_logic::Cidr::parse(&format!("10.{i}.0.0/16")).unwrap())
        .collect();
    let nums: Vec<perimeter_logic::Decimal> = (0..stmts)
        .map(|i| perimeter_logic::Decimal::from_int(i as i64 * 10))
        .collect();
    for i in 0..stmts {
        v.add_pattern(org, org_p[i].clone()).unwrap();
        v.add_pattern(arn, arn_p[i].clone()).unwrap();
        v.add_pattern(tags, tag_p[i].clone()).unwrap();
        v.add_cidr(ip, cidrs[i]).unwrap();
        v.add_number(n, nums[i]).unwrap();
    }
    v.add_pattern(arn, wide.clone()).unwrap();
    let mut u = v.finish().unwrap();
    let stmt = |u: &mut perimeter_logic::Universe, i: usize, arn_pat: &Pattern| {
        let a = u.like(org, &org_p[i]).unwrap();
        let b = u.like(arn, arn_pat).unwrap();
        let set = u.classes_like(tags, &tag_p[i]).unwrap();
        let c = u.for_any_value(&set).unwrap();
        let d = u.in_cidr(ip, cidrs[i]).unwrap();
        let e = u.num_cmp(n, perimeter_logic::CmpOp::Le, nums[i]).unwrap();
        u.and_all([a, b, c, d, e]).unwrap()
    };
    let a_stmts: Vec<_> = (0..stmts).map(|i| stmt(&mut u, i, &arn_p[i])).collect();
    let mut b_stmts: Vec<_> = (0..stmts - 1).map(|i| stmt(&mut u, i, &arn_p[i])).collect();
    b_stmts[0] = stmt(&mut u, 0, &wide);
    let a = u.or_all(a_stmts).unwrap();
    let b = u.or_all(b_stmts).unwrap();
    let tag = |d: Decision| match d {
        Decision::Holds => 'H',
        Decision::Violated(_) => 'V',
        Decision::Unknown(_) => '?',
    };
    [tag(u.decide_implies(a, b)), tag(u.decide_implies(b, a))]
        .iter()
        .collect()
}

fn main() {
    println!("perimeter-logic benchmarks ({RUNS} runs each)");

    if wanted("compare") {
        for stmts in [3usize, 15] {
            let (m, lo, hi, answers) = measure(|| five_key_comparison(stmts));
            report(
                &format!("5-key policy comparison, {stmts} statements, end to end"),
                (m, lo, hi),
                &format!("answers={answers}"),
            );
        }
    }

    if wanted("realistic") {
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
    }

    if wanted("adversarial50") {
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
    }

    if wanted("decide") {
        let real = realistic_patterns();
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
    }

    if wanted("unknown") {
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
    }

    if wanted("worst") {
        // Worst case at the default bounds: many long patterns whose product blows
        // up. The work budget (400M word operations) stops it; this measures the
        // time to the Unknown.
        let pats: Vec<Pattern> = (0..1500)
            .map(|i| {
                let c = char::from(b'a' + (i % 20) as u8);
                Pattern::glob(
                    &format!("*{c}{}*{c}", "?".repeat(i / 20 + 8)),
                    Case::Sensitive,
                )
            })
            .collect();
        let (m, lo, hi, res) = measure(|| {
            let mut v = Vocabulary::new();
            let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
            for p in &pats {
                v.add_pattern(k, p.clone()).unwrap();
            }
            v.finish().map(|_| ()).map_err(|e| e.to_string())
        });
        report(
            "worst case: 1500 patterns `*c??…?*c` → unknown at default bounds",
            (m, lo, hi),
            &format!("{res:?}"),
        );
    }

    if wanted("scaling") {
        // Scaling of ARN-shaped patterns (partition only).
        for n in [100usize, 200] {
            let pats = realistic_scaled(n);
            let (m, lo, hi, p) = measure(|| partition(&pats, 1_000_000, u64::MAX).unwrap());
            report(
                &format!("partition only: {n} ARN-shaped patterns"),
                (m, lo, hi),
                &format!(
                    "classes={} dfa_states={} atoms={}",
                    p.classes().len(),
                    p.dfa_states(),
                    p.atoms()
                ),
            );
        }
    }

    if wanted("enum") {
        // A closed-world key: 15,000 action-like names, 200 case-insensitive globs.
        let values: Vec<String> = (0..15_000)
            .map(|i| {
                format!(
                    "svc{}:{}Thing{}",
                    i % 300,
                    ["Get", "Put", "List", "Delete"][i % 4],
                    i
                )
            })
            .collect();
        let globs: Vec<Pattern> = (0..200)
            .map(|i| {
                Pattern::glob(
                    &format!("svc{}:{}*", i % 300, ["get", "put", "list", ""][i % 4]),
                    Case::Insensitive,
                )
            })
            .collect();
        let (m, lo, hi, classes) = measure(|| {
            let mut v = Vocabulary::new();
            let k = v
                .add_enum_key("action", Arity::Single, values.iter().cloned())
                .unwrap();
            for g in &globs {
                v.add_pattern(k, g.clone()).unwrap();
            }
            let u = v.finish().unwrap();
            u.class_count(k).unwrap()
        });
        report(
            "enumerated key: 15k values × 200 globs, finish",
            (m, lo, hi),
            &format!("classes={classes}"),
        );
    }

    if wanted("growth") {
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
}
