//! The glob matcher and the string partition agree with an independent oracle: the
//! `regex` crate, with each glob translated to an anchored regular expression.
//!
//! Translation (the documented semantics of `perimeter_logic::glob`):
//! * `*` → `.*`, `?` → `.` (`(?s)` so `.` also matches `\n`), literals escaped;
//! * case-insensitive → `(?i)` (Unicode simple case folding; on the alphabet used
//!   here it coincides with `lower(upper(c))`);
//! * segmented with separator `:` → segments joined by `:`, where in every segment but
//!   the last `*` → `[^:]*`, `?` → `[^:]`, and a literal `:` can never match;
//! * a restricted star (`GlobToken::AnyStringExcept(x)`, IAM's `*` inside a `Resource` ARN
//!   segment) → `[^x]*`.

#![cfg(test)]

use perimeter_logic::strings::partition;
use perimeter_logic::{Case, GlobToken, Pattern, Shape};
use proptest::prelude::*;

#[path = "support/patterns.rs"]
mod patterns;
use regex::Regex;

fn glob_to_regex(tokens: &[GlobToken], inner_segment: bool) -> String {
    let mut out = String::new();
    for t in tokens {
        match (t, inner_segment) {
            (GlobToken::AnyString, false) => out.push_str(".*"),
            (GlobToken::AnyChar, false) => out.push('.'),
            (GlobToken::AnyString, true) => out.push_str("[^:]*"),
            (GlobToken::AnyChar, true) => out.push_str("[^:]"),
            (GlobToken::Char(':'), true) => out.push_str(r"[^\s\S]"),
            (GlobToken::AnyStringExcept(x), _) => {
                out.push_str(&format!("[^{}]*", regex::escape(&x.to_string())))
            }
            (GlobToken::Char(c), _) => out.push_str(&regex::escape(&c.to_string())),
        }
    }
    out
}

fn oracle(p: &Pattern) -> Regex {
    let flags = match p.case() {
        Case::Sensitive => "(?s)",
        Case::Insensitive => "(?si)",
    };
    let body = match p.shape() {
        Shape::Whole(g) => glob_to_regex(g.tokens(), false),
        Shape::Segmented { segments, .. } => {
            let last = segments.len() - 1;
            segments
                .iter()
                .enumerate()
                .map(|(i, g)| glob_to_regex(g.tokens(), i < last))
                .collect::<Vec<_>>()
                .join(":")
        }
    };
    Regex::new(&format!("{flags}^(?:{body})$")).unwrap()
}

const ALPHABET: &str = "[aAbB:*?kK\u{212A}sS\u{17F}éÉßẞ\n]";

fn pattern() -> impl Strategy<Value = Pattern> {
    patterns::pattern(ALPHABET, 7)
}

fn subject() -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("{ALPHABET}{{0,9}}")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn matcher_agrees_with_regex(p in pattern(), s in subject()) {
        prop_assert_eq!(p.matches(&s), oracle(&p).is_match(&s), "pattern `{}` on {:?}", p, s);
    }

    /// Strings built to match (pattern with wildcards filled in) are the interesting case
    /// that uniformly random strings rarely hit.
    #[test]
    fn matcher_agrees_on_near_misses(p in pattern(), fill in "[aA:é]{0,3}", cut in 0usize..12) {
        let mut s = p.to_string().replace(" (ignore case)", "").replace('*', &fill).replace('?', "a");
        if cut < s.chars().count() && cut % 3 == 0 {
            s = s.chars().enumerate().filter(|(i, _)| *i != cut).map(|(_, c)| c).collect();
        }
        prop_assert_eq!(p.matches(&s), oracle(&p).is_match(&s), "pattern `{}` on {:?}", p, s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Every class witness has, under the regex oracle, exactly its class's signature.
    #[test]
    fn partition_witnesses_agree_with_regex(ps in prop::collection::vec(pattern(), 0..5)) {
        let part = partition(&ps, 100_000, u64::MAX).unwrap();
        let oracles: Vec<Regex> = ps.iter().map(oracle).collect();
        for class in part.classes() {
            let sig: Vec<bool> = oracles.iter().map(|r| r.is_match(&class.witness)).collect();
            prop_assert_eq!(&sig, &class.signature, "witness {:?}", class.witness);
        }
    }
}
