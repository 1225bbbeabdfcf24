//! Lazy string keys (`Vocabulary::set_lazy`) against eager ones, on random patterns and random
//! formulas: the same questions must get the same answers, and every lazy witness must make the
//! formula true when evaluated on the concrete string (the plain matcher decides which patterns it
//! matches, not the engine).

#![cfg(test)]

use perimeter_logic::{
    Arity, Bdd, Case, Decision, KeyId, KeyKind, KeyValue, Pattern, Universe, Value, Vocabulary,
    WitnessValue,
};
use proptest::prelude::*;

#[path = "support/patterns.rs"]
mod patterns;

const ALPHABET: &str = "[aAb:*?k]";

fn pattern() -> impl Strategy<Value = Pattern> {
    prop_oneof![
        6 => patterns::pattern(ALPHABET, 5),
        1 => Just(Pattern::glob("*", Case::Sensitive)),
    ]
}

/// A formula over the patterns of two keys: leaves are "key `k` matches pattern `i`" or "key `k`
/// is absent"; inner nodes are and, or, not.
#[derive(Clone, Debug)]
enum F {
    Like(usize, usize),
    Absent(usize),
    Not(Box<F>),
    And(Box<F>, Box<F>),
    Or(Box<F>, Box<F>),
}

fn formula(n: usize) -> impl Strategy<Value = F> {
    let leaf = prop_oneof![
        6 => (0..2usize, 0..n).prop_map(|(k, i)| F::Like(k, i)),
        1 => (0..2usize).prop_map(F::Absent),
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| F::Not(Box::new(f))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| F::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| F::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn build(lazy: bool, patterns: &[Vec<Pattern>]) -> (Universe, Vec<KeyId>) {
    let mut v = Vocabulary::new();
    let keys: Vec<KeyId> = (0..patterns.len())
        .map(|k| {
            v.add_key(&format!("k{k}"), KeyKind::String, Arity::Single)
                .unwrap()
        })
        .collect();
    // Interleave the two keys' registrations, as a policy compiler does statement by statement.
    let longest = patterns.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for (k, ps) in patterns.iter().enumerate() {
            if let Some(p) = ps.get(i) {
                v.add_pattern(keys[k], p.clone()).unwrap();
            }
        }
    }
    if lazy {
        for &k in &keys {
            v.set_lazy(k).unwrap();
        }
    }
    (v.finish().unwrap(), keys)
}

fn compile(u: &mut Universe, keys: &[KeyId], patterns: &[Vec<Pattern>], f: &F) -> Bdd {
    match f {
        F::Like(k, i) => {
            let ps = &patterns[*k];
            if ps.is_empty() {
                return Bdd::FALSE;
            }
            u.like(keys[*k], &ps[*i % ps.len()]).unwrap()
        }
        F::Absent(k) => u.absent(keys[*k]).unwrap(),
        F::Not(a) => {
            let a = compile(u, keys, patterns, a);
            u.not(a).unwrap()
        }
        F::And(a, b) => {
            let (a, b) = (compile(u, keys, patterns, a), compile(u, keys, patterns, b));
            u.and(a, b).unwrap()
        }
        F::Or(a, b) => {
            let (a, b) = (compile(u, keys, patterns, a), compile(u, keys, patterns, b));
            u.or(a, b).unwrap()
        }
    }
}

/// The formula on concrete values (`None`: absent), with the plain matcher.
fn eval(patterns: &[Vec<Pattern>], values: &[Option<String>], f: &F) -> bool {
    match f {
        F::Like(k, i) => {
            let ps = &patterns[*k];
            !ps.is_empty()
                && values[*k]
                    .as_deref()
                    .is_some_and(|s| ps[*i % ps.len()].matches(s))
        }
        F::Absent(k) => values[*k].is_none(),
        F::Not(a) => !eval(patterns, values, a),
        F::And(a, b) => eval(patterns, values, a) && eval(patterns, values, b),
        F::Or(a, b) => eval(patterns, values, a) || eval(patterns, values, b),
    }
}

fn concrete(u: &Universe, keys: &[KeyId], w: &perimeter_logic::Witness) -> Vec<Option<String>> {
    keys.iter()
        .map(|k| {
            let e = w.entries.iter().find(|e| e.key == *k).unwrap();
            match &e.value {
                WitnessValue::One(Value::String(s)) => Some(s.clone()),
                WitnessValue::Absent => None,
                other => panic!(
                    "unexpected witness value {other:?} for {}",
                    u.key_name(*k).unwrap()
                ),
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]
    /// Every question (several per universe, so lemmas learnt by one serve the next) gets the
    /// eager answer; lazy witnesses satisfy the formula concretely and evaluate to true on the
    /// universe's own assignment.
    #[test]
    fn lazy_answers_like_eager(
        p0 in prop::collection::vec(pattern(), 0..6),
        p1 in prop::collection::vec(pattern(), 0..6),
        fs in prop::collection::vec(formula(6), 1..5),
    ) {
        let patterns = vec![p0, p1];
        let (mut eager, ke) = build(false, &patterns);
        let (mut lazy, kl) = build(true, &patterns);
        for f in &fs {
            let fe = compile(&mut eager, &ke, &patterns, f);
            let fl = compile(&mut lazy, &kl, &patterns, f);
            let de = eager.decide_empty(fe);
            let dl = lazy.decide_empty(fl);
            match (&de, &dl) {
                (Decision::Holds, Decision::Holds) => {}
                (Decision::Violated(we), Decision::Violated(wl)) => {
                    prop_assert!(eval(&patterns, &concrete(&eager, &ke, we), f), "eager witness");
                    let values = concrete(&lazy, &kl, wl);
                    prop_assert!(eval(&patterns, &values, f), "lazy witness {:?} for {:?}", values, f);
                    prop_assert!(lazy.eval(fl, &wl.assignment));
                    // Absent keys are absent in the assignment too.
                    for (k, v) in kl.iter().zip(&values) {
                        let a = &wl.assignment.values[k.index()];
                        prop_assert_eq!(v.is_none(), *a == KeyValue::Absent);
                    }
                }
                _ => prop_assert!(false, "eager {:?} vs lazy {:?} on {:?}", de, dl, f),
            }
        }
    }
}

/// More than `MAX_LEMMAS` infeasible combinations: distinct literals, all pairwise exclusive. The
/// key then switches to its full partition, and the answers stay exact.
#[test]
fn many_lemmas_fall_back_to_the_full_partition() {
    let lits: Vec<Pattern> = (0..40)
        .map(|i| Pattern::literal(&format!("v{i}"), Case::Sensitive))
        .collect();
    let patterns = vec![lits.clone(), Vec::new()];
    let (mut u, keys) = build(true, &patterns);
    // "at least two of the literals": empty, and it takes many lemmas to see it.
    let mut two = Bdd::FALSE;
    for i in 0..lits.len() {
        for j in i + 1..lits.len() {
            let a = u.like(keys[0], &lits[i]).unwrap();
            let b = u.like(keys[0], &lits[j]).unwrap();
            let ab = u.and(a, b).unwrap();
            two = u.or(two, ab).unwrap();
        }
    }
    assert_eq!(u.decide_empty(two), Decision::Holds);
    // A satisfiable question afterwards still gets a real witness.
    let one = u.like(keys[0], &lits[7]).unwrap();
    match u.decide_empty(one) {
        Decision::Violated(w) => {
            assert_eq!(concrete(&u, &keys, &w)[0].as_deref(), Some("v7"));
        }
        other => panic!("expected a witness, got {other:?}"),
    }
}

/// A lazy key's classes are not enumerated: counting refuses it rather than answering wrongly.
#[test]
fn lazy_keys_do_not_count() {
    let patterns = vec![vec![Pattern::glob("a*", Case::Sensitive)], Vec::new()];
    let (mut u, keys) = build(true, &patterns);
    assert!(u.class_count(keys[0]).is_err());
    let f = u.like(keys[0], &patterns[0][0]).unwrap();
    assert!(u.count_assignments(f).is_err());
}
