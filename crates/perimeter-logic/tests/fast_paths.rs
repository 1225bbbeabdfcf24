//! The shortcuts of the partition machinery against the plain construction, on random patterns:
//! the partition cache (`Vocabulary::finish_with`) must build the universe `finish` builds, whatever
//! the order the patterns are registered in and whether the cache already held them.

#![cfg(test)]

use perimeter_logic::{
    Arity, Case, ClassId, KeyKind, Limits, PartitionCache, Pattern, Universe, Value, Vocabulary,
};
use proptest::prelude::*;

#[path = "support/patterns.rs"]
mod patterns;

const ALPHABET: &str = "[aAb:*?k\u{212A}é]";

fn pattern() -> impl Strategy<Value = Pattern> {
    patterns::pattern(ALPHABET, 6)
}

fn universe(patterns: &[Pattern], cache: Option<&mut PartitionCache>) -> Universe {
    let mut v = Vocabulary::with_limits(Limits::default());
    let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
    for p in patterns {
        v.add_pattern(k, p.clone()).unwrap();
    }
    match cache {
        Some(c) => v.finish_with(c).unwrap(),
        None => v.finish().unwrap(),
    }
}

/// Same classes in the same order, with the same witnesses and the same class set per pattern.
fn assert_same(a: &Universe, b: &Universe, patterns: &[Pattern]) {
    let (ka, kb) = (a.key("k").unwrap(), b.key("k").unwrap());
    let n = a.class_count(ka).unwrap();
    assert_eq!(n, b.class_count(kb).unwrap());
    for i in 0..n {
        let c = ClassId(u32::try_from(i).unwrap());
        assert_eq!(
            a.class_witness(ka, c).unwrap(),
            b.class_witness(kb, c).unwrap()
        );
    }
    for p in patterns {
        let (sa, sb) = (
            a.classes_like(ka, p).unwrap(),
            b.classes_like(kb, p).unwrap(),
        );
        assert_eq!(
            sa.iter().collect::<Vec<_>>(),
            sb.iter().collect::<Vec<_>>(),
            "{p}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn cached_universe_is_the_plain_one(
        ps in prop::collection::vec(pattern(), 0..6),
        rot in 0usize..6,
    ) {
        let mut cache = PartitionCache::new(16);
        let plain = universe(&ps, None);
        let first = universe(&ps, Some(&mut cache));
        assert_same(&plain, &first, &ps);
        // The same patterns in another order: a cache hit, reindexed.
        let mut other = ps.clone();
        if !other.is_empty() {
            let r = rot % other.len();
            other.rotate_left(r);
            other.reverse();
        }
        let hits = cache.hits();
        let second = universe(&other, Some(&mut cache));
        prop_assert_eq!(cache.hits(), hits + 1);
        assert_same(&universe(&other, None), &second, &other);
        // Every class witness lands in its own class through the plain matcher.
        let k = second.key("k").unwrap();
        for i in 0..second.class_count(k).unwrap() {
            let c = ClassId(u32::try_from(i).unwrap());
            let w = second.class_witness(k, c).unwrap();
            prop_assert_eq!(second.class_of(k, &w).unwrap(), Some(c));
            let Value::String(_) = w else { panic!("string key") };
        }
    }
}

#[test]
fn a_full_cache_starts_over() {
    let mut cache = PartitionCache::new(1);
    let a = [Pattern::glob("a*", Case::Sensitive)];
    let b = [Pattern::glob("b*", Case::Sensitive)];
    universe(&a, Some(&mut cache));
    universe(&b, Some(&mut cache));
    universe(&b, Some(&mut cache));
    assert_eq!((cache.hits(), cache.misses()), (1, 2));
    // `a` was dropped when `b` came in.
    universe(&a, Some(&mut cache));
    assert_eq!(cache.misses(), 3);
}

fn subject() -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("{ALPHABET}{{0,8}}|[xé:]{{0,3}}")).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    /// `class_of` reads the class off the kept automaton; it must be the class whose signature is
    /// the string's signature under the plain matcher.
    #[test]
    fn class_of_is_the_class_of_the_plain_signature(
        ps in prop::collection::vec(pattern(), 0..6),
        probes in prop::collection::vec(subject(), 1..20),
    ) {
        let u = universe(&ps, None);
        let k = u.key("k").unwrap();
        for s in probes {
            let c = u.class_of(k, &Value::String(s.clone())).unwrap().unwrap();
            for p in &ps {
                let member = u.classes_like(k, p).unwrap().contains(c);
                prop_assert_eq!(member, p.matches(&s), "`{}` on `{}`", p, s);
            }
        }
    }
}

#[test]
fn a_frozen_cache_answers_but_keeps_nothing_new() {
    let a = [
        Pattern::glob("a*", Case::Sensitive),
        Pattern::literal("ab", Case::Sensitive),
    ];
    let b = [Pattern::glob("b*", Case::Sensitive)];
    let mut cache = PartitionCache::new(4);
    universe(&a, Some(&mut cache));
    let mut cache = cache.frozen();
    let mut reversed = a.clone();
    reversed.reverse();
    let hit = universe(&reversed, Some(&mut cache));
    assert_same(&universe(&reversed, None), &hit, &reversed);
    universe(&b, Some(&mut cache));
    universe(&b, Some(&mut cache));
    // `a` in another order was a hit; `b` missed both times: a frozen cache keeps nothing new.
    assert_eq!((cache.hits(), cache.misses()), (1, 3));
}
