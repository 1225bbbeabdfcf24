//! Parsers and the partition never panic on arbitrary input, and stay within their
//! bounds (the panic-freedom invariant of the crate docs).

#![cfg(test)]

use perimeter_logic::strings::{AutomatonLimit, partition};
use perimeter_logic::{Case, Cidr, Date, Decimal, Glob, Pattern};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn parsers_never_panic(text in "\\PC{0,40}") {
        let _ = Decimal::parse(&text);
        let _ = Date::parse(&text);
        let _ = Cidr::parse(&text);
        let _ = Pattern::split_segments(&text, ':', 6, Case::Sensitive);
        let _ = Glob::parse(&text).to_string();
    }

    #[test]
    fn numeric_text_round_trips(int in -1_000_000_000i64..1_000_000_000, frac in 0u32..1000) {
        let text = format!("{int}.{frac:03}");
        let d = Decimal::parse(&text).unwrap();
        prop_assert_eq!(Decimal::parse(&d.to_string()), Some(d));
    }

    #[test]
    fn partition_is_total_or_bounded(texts in prop::collection::vec("\\PC{0,12}", 0..6)) {
        let patterns: Vec<Pattern> = texts.iter().map(|t| Pattern::glob(t, Case::Insensitive)).collect();
        match partition(&patterns, 2_000, 5_000_000) {
            Ok(p) => prop_assert!(!p.classes().is_empty()),
            Err(AutomatonLimit::States(_) | AutomatonLimit::Work(_)) => {}
        }
    }
}
