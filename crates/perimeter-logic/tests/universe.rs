//! Differential tests of the universe: a tiny concrete evaluator (plain matchers,
//! CIDR membership, decimal comparison, IAM set-operator rules) is the reference;
//! the symbolic side (classes + BDD) must agree with it on every request, and every
//! witness it produces must replay concretely.
//!
//! Set-operator rules (IAM user guide, "Multivalued context keys" and the condition
//! operator reference): `ForAnyValue` is true iff at least one request value matches
//! (false when the key is absent or has no values); `ForAllValues` is true iff every
//! request value matches (true when absent or empty). A positive single-valued operator
//! on an absent key is false.

#![cfg(test)]

use perimeter_logic::{
    Arity, Assignment, Bdd, Case, Cidr, ClassId, CmpOp, Date, Decimal, Decision, KeyId, KeyKind,
    KeyValue, Limits, LogicError, Natural, Pattern, Universe, Unknown, Value, Vocabulary, Weights,
    Witness, WitnessValue,
};
use proptest::prelude::*;
use std::net::IpAddr;

struct Fixture {
    u: Universe,
    s: KeyId,
    ip: KeyId,
    n: KeyId,
    d: KeyId,
    b: KeyId,
    m: KeyId,
    patterns: Vec<Pattern>,
    cidrs: Vec<Cidr>,
    nums: Vec<Decimal>,
    date: Date,
    mpatterns: Vec<Pattern>,
}

fn dec(s: &str) -> Decimal {
    Decimal::parse(s).unwrap()
}

fn fixture(limits: Limits) -> Result<Fixture, LogicError> {
    fixture_sized(limits, false)
}

/// `small`: fewer literals, so that every class assignment can be enumerated.
fn fixture_sized(limits: Limits, small: bool) -> Result<Fixture, LogicError> {
    let mut v = Vocabulary::with_limits(limits);
    let s = v.add_key("str", KeyKind::String, Arity::Single)?;
    let ip = v.add_key("ip", KeyKind::Ip, Arity::Single)?;
    let n = v.add_key("num", KeyKind::Number, Arity::Single)?;
    let d = v.add_key("date", KeyKind::Date, Arity::Single)?;
    let b = v.add_key("flag", KeyKind::Bool, Arity::Single)?;
    let m = v.add_key("tags", KeyKind::String, Arity::Multi)?;
    let mut patterns = vec![
        Pattern::glob("a*", Case::Sensitive),
        Pattern::glob("*b", Case::Sensitive),
        Pattern::literal("ab", Case::Insensitive),
        Pattern::split_segments("a:*", ':', 2, Case::Sensitive).unwrap(),
        Pattern::glob("?", Case::Sensitive),
    ];
    if small {
        patterns.truncate(2);
    }
    for p in &patterns {
        v.add_pattern(s, p.clone())?;
    }
    let mut cidrs: Vec<Cidr> = ["10.0.0.0/8", "10.1.0.0/16", "0.0.0.0/0", "2001:db8::/32"]
        .iter()
        .map(|t| Cidr::parse(t).unwrap())
        .collect();
    if small {
        cidrs.truncate(1);
    }
    for c in &cidrs {
        v.add_cidr(ip, *c)?;
    }
    let mut nums = vec![dec("1"), dec("2.5"), dec("10")];
    if small {
        nums.truncate(1);
    }
    for x in &nums {
        v.add_number(n, *x)?;
    }
    let date = Date::parse("2020-01-01T00:00:00Z").unwrap();
    v.add_date(d, date)?;
    let mut mpatterns = vec![
        Pattern::glob("x*", Case::Sensitive),
        Pattern::glob("*y", Case::Sensitive),
        Pattern::literal("xy", Case::Sensitive),
    ];
    if small {
        mpatterns.truncate(2);
    }
    for p in &mpatterns {
        v.add_pattern(m, p.clone())?;
    }
    Ok(Fixture {
        u: v.finish()?,
        s,
        ip,
        n,
        d,
        b,
        m,
        patterns,
        cidrs,
        nums,
        date,
        mpatterns,
    })
}

/// A concrete request over the fixture's keys.
#[derive(Clone, Debug, Default)]
struct Req {
    s: Option<String>,
    ip: Option<IpAddr>,
    n: Option<Decimal>,
    d: Option<Date>,
    b: Option<bool>,
    m: Option<Vec<String>>,
}

#[derive(Clone, Copy, Debug)]
enum Atom {
    Like(usize),
    InCidr(usize),
    Num(CmpOp, usize),
    DateCmp(CmpOp),
    Bool(bool),
    Absent(usize),
    Present(usize),
    AnyM(usize),
    AllM(usize),
    /// `ForAllValues` with a negated inner operator (`StringNotLike`).
    AllNotM(usize),
}

#[derive(Clone, Debug)]
enum Form {
    A(Atom),
    Not(Box<Form>),
    And(Box<Form>, Box<Form>),
    Or(Box<Form>, Box<Form>),
}

const OPS: [CmpOp; 6] = [
    CmpOp::Eq,
    CmpOp::Ne,
    CmpOp::Lt,
    CmpOp::Le,
    CmpOp::Gt,
    CmpOp::Ge,
];

fn atom() -> impl Strategy<Value = Atom> {
    prop_oneof![
        (0..5usize).prop_map(Atom::Like),
        (0..4usize).prop_map(Atom::InCidr),
        (0..6usize, 0..3usize).prop_map(|(o, i)| Atom::Num(OPS[o], i)),
        (0..6usize).prop_map(|o| Atom::DateCmp(OPS[o])),
        any::<bool>().prop_map(Atom::Bool),
        (0..6usize).prop_map(Atom::Absent),
        (0..6usize).prop_map(Atom::Present),
        (0..3usize).prop_map(Atom::AnyM),
        (0..3usize).prop_map(Atom::AllM),
        (0..3usize).prop_map(Atom::AllNotM),
    ]
}

fn form() -> impl Strategy<Value = Form> {
    atom().prop_map(Form::A).prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|a| Form::Not(Box::new(a))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| Form::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| Form::Or(Box::new(a), Box::new(b))),
        ]
    })
}

/// The reference semantics.
fn concrete(fx: &Fixture, f: &Form, r: &Req) -> bool {
    match f {
        Form::Not(a) => !concrete(fx, a, r),
        Form::And(a, b) => concrete(fx, a, r) && concrete(fx, b, r),
        Form::Or(a, b) => concrete(fx, a, r) || concrete(fx, b, r),
        Form::A(a) => match *a {
            Atom::Like(i) => {
                r.s.as_ref()
                    .is_some_and(|s| fx.patterns[i % fx.patterns.len()].matches(s))
            }
            Atom::InCidr(i) => {
                r.ip.is_some_and(|a| fx.cidrs[i % fx.cidrs.len()].contains(a))
            }
            Atom::Num(op, i) => {
                r.n.is_some_and(|x| op.eval(&x, &fx.nums[i % fx.nums.len()]))
            }
            Atom::DateCmp(op) => r.d.is_some_and(|x| op.eval(&x, &fx.date)),
            Atom::Bool(v) => r.b == Some(v),
            Atom::Present(k) => !concrete(fx, &Form::A(Atom::Absent(k)), r),
            Atom::Absent(k) => match k {
                0 => r.s.is_none(),
                1 => r.ip.is_none(),
                2 => r.n.is_none(),
                3 => r.d.is_none(),
                4 => r.b.is_none(),
                _ => r.m.is_none(),
            },
            Atom::AnyM(i) => r.m.as_ref().is_some_and(|vs| {
                vs.iter()
                    .any(|v| fx.mpatterns[i % fx.mpatterns.len()].matches(v))
            }),
            Atom::AllM(i) => r.m.as_ref().is_none_or(|vs| {
                vs.iter()
                    .all(|v| fx.mpatterns[i % fx.mpatterns.len()].matches(v))
            }),
            Atom::AllNotM(i) => r.m.as_ref().is_none_or(|vs| {
                vs.iter()
                    .all(|v| !fx.mpatterns[i % fx.mpatterns.len()].matches(v))
            }),
        },
    }
}

/// The symbolic compilation.
fn compile(fx: &mut Fixture, f: &Form) -> Bdd {
    let u = &mut fx.u;
    match f {
        Form::Not(a) => {
            let a = compile(fx, a);
            fx.u.not(a).unwrap()
        }
        Form::And(a, b) => {
            let (a, b) = (compile(fx, a), compile(fx, b));
            fx.u.and(a, b).unwrap()
        }
        Form::Or(a, b) => {
            let (a, b) = (compile(fx, a), compile(fx, b));
            fx.u.or(a, b).unwrap()
        }
        Form::A(a) => match *a {
            Atom::Like(i) => u.like(fx.s, &fx.patterns[i % fx.patterns.len()]).unwrap(),
            Atom::InCidr(i) => u.in_cidr(fx.ip, fx.cidrs[i % fx.cidrs.len()]).unwrap(),
            Atom::Num(op, i) => u.num_cmp(fx.n, op, fx.nums[i % fx.nums.len()]).unwrap(),
            Atom::DateCmp(op) => u.date_cmp(fx.d, op, fx.date).unwrap(),
            Atom::Bool(v) => u.bool_eq(fx.b, v).unwrap(),
            Atom::Absent(k) => u.absent([fx.s, fx.ip, fx.n, fx.d, fx.b, fx.m][k]).unwrap(),
            Atom::Present(k) => u.present([fx.s, fx.ip, fx.n, fx.d, fx.b, fx.m][k]).unwrap(),
            Atom::AnyM(i) => {
                let set = u
                    .classes_like(fx.m, &fx.mpatterns[i % fx.mpatterns.len()])
                    .unwrap();
                u.for_any_value(&set).unwrap()
            }
            Atom::AllM(i) => {
                let set = u
                    .classes_like(fx.m, &fx.mpatterns[i % fx.mpatterns.len()])
                    .unwrap();
                u.for_all_values(&set).unwrap()
            }
            Atom::AllNotM(i) => {
                let set = u
                    .classes_like(fx.m, &fx.mpatterns[i % fx.mpatterns.len()])
                    .unwrap()
                    .complement();
                u.for_all_values(&set).unwrap()
            }
        },
    }
}

/// The class assignment of a concrete request.
fn assign(fx: &Fixture, r: &Req) -> Assignment {
    let one = |k: KeyId, v: Option<Value>| match v {
        None => KeyValue::Absent,
        Some(v) => KeyValue::Class(fx.u.class_of(k, &v).unwrap().unwrap()),
    };
    let m = match &r.m {
        None => KeyValue::Absent,
        Some(vs) => {
            let mut cs: Vec<ClassId> = vs
                .iter()
                .map(|v| {
                    fx.u.class_of(fx.m, &Value::String(v.clone()))
                        .unwrap()
                        .unwrap()
                })
                .collect();
            cs.sort();
            cs.dedup();
            KeyValue::Set(cs)
        }
    };
    Assignment {
        values: vec![
            one(fx.s, r.s.clone().map(Value::String)),
            one(fx.ip, r.ip.map(Value::Ip)),
            one(fx.n, r.n.map(Value::Number)),
            one(fx.d, r.d.map(Value::Date)),
            one(fx.b, r.b.map(Value::Bool)),
            m,
        ],
    }
}

/// A witness as a concrete request.
fn replay(w: &Witness) -> Req {
    let mut r = Req::default();
    for e in &w.entries {
        match (&e.name[..], &e.value) {
            (_, WitnessValue::Absent) => {}
            ("str", WitnessValue::One(Value::String(s))) => r.s = Some(s.clone()),
            ("ip", WitnessValue::One(Value::Ip(a))) => r.ip = Some(*a),
            ("num", WitnessValue::One(Value::Number(x))) => r.n = Some(*x),
            ("date", WitnessValue::One(Value::Date(x))) => r.d = Some(*x),
            ("flag", WitnessValue::One(Value::Bool(x))) => r.b = Some(*x),
            ("tags", WitnessValue::Set(vs)) => {
                r.m = Some(
                    vs.iter()
                        .map(|v| match v {
                            Value::String(s) => s.clone(),
                            other => panic!("tags value {other:?}"),
                        })
                        .collect(),
                )
            }
            other => panic!("unexpected witness entry {other:?}"),
        }
    }
    r
}

fn req() -> impl Strategy<Value = Req> {
    let s = prop_oneof![
        prop::sample::select(vec![
            "", "a", "ab", "AB", "aB", "b", "a:b", "a:", "xb", "aab", "c", "ba"
        ])
        .prop_map(String::from),
        "[abAB:c]{0,4}",
    ];
    let ip = prop::sample::select(vec![
        "10.0.0.1",
        "10.1.2.3",
        "10.2.0.0",
        "8.8.8.8",
        "0.0.0.0",
        "255.255.255.255",
        "::1",
        "2001:db8::5",
        "2600::1",
    ])
    .prop_map(|t| t.parse::<IpAddr>().unwrap());
    let n = prop::sample::select(vec![
        "-1", "0", "1", "1.5", "2.5", "2.4999", "3", "10", "10.0001", "11",
    ])
    .prop_map(dec);
    let d = prop::sample::select(vec![
        "2019-12-31T23:59:59.999Z",
        "2020-01-01",
        "2020-01-01T00:00:00.001Z",
        "1999-01-01",
    ])
    .prop_map(|t| Date::parse(t).unwrap());
    let mval =
        prop::sample::select(vec!["x", "y", "xy", "xay", "z", "", "yx"]).prop_map(String::from);
    (
        prop::option::of(s),
        prop::option::of(ip),
        prop::option::of(n),
        prop::option::of(d),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(mval, 0..4)),
    )
        .prop_map(|(s, ip, n, d, b, m)| Req { s, ip, n, d, b, m })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The BDD of a formula, evaluated on a request's classes, equals the concrete result.
    #[test]
    fn symbolic_agrees_with_concrete(f in form(), rs in prop::collection::vec(req(), 1..8)) {
        let mut fx = fixture(Limits::default()).unwrap();
        let bdd = compile(&mut fx, &f);
        for r in &rs {
            let a = assign(&fx, r);
            prop_assert_eq!(fx.u.eval(bdd, &a), concrete(&fx, &f, r), "{:?} on {:?}", f, r);
        }
    }

    /// Implication: a witness replays concretely (in `f`, not in `g`); `Holds` admits no
    /// counterexample among sampled requests.
    #[test]
    fn implication_witnesses_replay(f in form(), g in form(), rs in prop::collection::vec(req(), 1..8)) {
        let mut fx = fixture(Limits::default()).unwrap();
        let (bf, bg) = (compile(&mut fx, &f), compile(&mut fx, &g));
        match fx.u.decide_implies(bf, bg) {
            Decision::Violated(w) => {
                let r = replay(&w);
                prop_assert!(concrete(&fx, &f, &r) && !concrete(&fx, &g, &r), "witness {:?}", r);
                // The class assignment of the replayed request is the witness's assignment.
                prop_assert_eq!(assign(&fx, &r), w.assignment);
            }
            Decision::Holds => {
                for r in &rs {
                    prop_assert!(!concrete(&fx, &f, r) || concrete(&fx, &g, r), "counterexample {:?}", r);
                }
            }
            Decision::Unknown(u) => prop_assert!(false, "unknown: {}", u),
        }
        // Equivalence is implication both ways.
        let both = matches!(fx.u.decide_implies(bf, bg), Decision::Holds)
            && matches!(fx.u.decide_implies(bg, bf), Decision::Holds);
        prop_assert_eq!(matches!(fx.u.decide_equivalent(bf, bg), Decision::Holds), both);
    }
}

/// All class assignments of a universe whose multi-valued keys are small.
fn all_assignments(u: &Universe) -> Vec<Assignment> {
    let mut out = vec![Assignment { values: Vec::new() }];
    for k in u.keys() {
        let n = u.class_count(k).unwrap() as u32;
        let mut choices = vec![KeyValue::Absent];
        match u.key_arity(k).unwrap() {
            Arity::Single => choices.extend((0..n).map(|c| KeyValue::Class(ClassId(c)))),
            Arity::Multi => choices.extend((0..1u32 << n).map(|mask| {
                KeyValue::Set((0..n).filter(|c| mask >> c & 1 == 1).map(ClassId).collect())
            })),
        }
        out = out
            .into_iter()
            .flat_map(|a| {
                choices.iter().map(move |c| {
                    let mut v = a.values.clone();
                    v.push(c.clone());
                    Assignment { values: v }
                })
            })
            .collect();
    }
    out
}

/// Deterministic pseudo-weights: different per key, class and polarity.
struct TestWeights;

impl Weights for TestWeights {
    fn value(&self, key: KeyId, class: Option<ClassId>) -> Natural {
        Natural::from(2 + key.index() as u32 * 3 + class.map_or(7, |c| c.0 * 5))
    }
    fn member(&self, key: KeyId, class: ClassId, member: bool) -> Natural {
        Natural::from(1 + key.index() as u32 + class.0 * 2 + u32::from(member) * 11)
    }
    fn absent(&self, key: KeyId) -> Natural {
        Natural::from(13 + key.index() as u32)
    }
}

fn brute_weight(u: &Universe, a: &Assignment) -> Natural {
    let w = TestWeights;
    let mut acc = Natural::one();
    for (k, v) in u.keys().zip(&a.values) {
        let n = u.class_count(k).unwrap() as u32;
        let f = match v {
            KeyValue::Absent if u.key_arity(k).unwrap() == Arity::Multi => {
                (0..n).fold(w.absent(k), |x, c| x.mul(&w.member(k, ClassId(c), false)))
            }
            KeyValue::Absent => w.value(k, None),
            KeyValue::Class(c) => w.value(k, Some(*c)),
            KeyValue::Set(cs) => (0..n).fold(Natural::one(), |x, c| {
                x.mul(&w.member(k, ClassId(c), cs.contains(&ClassId(c))))
            }),
        };
        acc = acc.mul(&f);
    }
    acc
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(150))]

    /// Counting against enumeration of every class assignment, on a small universe.
    #[test]
    fn counts_agree_with_enumeration(f in form()) {
        // The small fixture: 5·4·4·4·3·17 class assignments, all enumerated.
        let mut fx = fixture_sized(Limits::default(), true).unwrap();
        let bdd = compile(&mut fx, &f);
        let all = all_assignments(&fx.u);
        let sat: Vec<&Assignment> = all.iter().filter(|a| fx.u.eval(bdd, a)).collect();
        prop_assert_eq!(fx.u.count_assignments(bdd).unwrap().to_u128(), Some(sat.len() as u128));
        let expected = sat.iter().fold(Natural::zero(), |acc, a| acc.add(&brute_weight(&fx.u, a)));
        prop_assert_eq!(fx.u.weighted_count(bdd, &TestWeights).unwrap(), expected);
    }
}

fn check_set_ops(values: Option<&[&str]>, any_x: bool, all_x: bool) {
    let mut fx = fixture(Limits::default()).unwrap();
    let r = Req {
        m: values.map(|vs| vs.iter().map(|s| s.to_string()).collect()),
        ..Req::default()
    };
    let a = assign(&fx, &r);
    let set = fx.u.classes_like(fx.m, &fx.mpatterns[0]).unwrap();
    let any = fx.u.for_any_value(&set).unwrap();
    let all = fx.u.for_all_values(&set).unwrap();
    assert_eq!(fx.u.eval(any, &a), any_x, "ForAnyValue x* on {values:?}");
    assert_eq!(fx.u.eval(all, &a), all_x, "ForAllValues x* on {values:?}");
    // `values_exactly(C)` holds iff the key is present with exactly the classes C.
    if let KeyValue::Set(cs) = &a.values[5] {
        let mut set = fx.u.classes_none(fx.m).unwrap();
        for c in cs {
            set = set.union(&only(&fx.u, fx.m, *c));
        }
        let exactly = fx.u.values_exactly(&set).unwrap();
        assert!(fx.u.eval(exactly, &a), "values_exactly on {values:?}");
        let absent = Assignment {
            values: vec![KeyValue::Absent; 6],
        };
        assert!(!fx.u.eval(exactly, &absent));
        let other = set.complement();
        let wrong = fx.u.values_exactly(&other).unwrap();
        assert!(!fx.u.eval(wrong, &a) || other == set);
        assert_eq!(set.len(), cs.len());
    }
}

/// The class set holding exactly class `c` of the fixture's `tags` key: the
/// intersection, over its patterns, of the pattern's classes or their complement, as
/// the class witness matches the pattern or not.
fn only(u: &Universe, k: KeyId, c: ClassId) -> perimeter_logic::ClassSet {
    let pats = [
        Pattern::glob("x*", Case::Sensitive),
        Pattern::glob("*y", Case::Sensitive),
        Pattern::literal("xy", Case::Sensitive),
    ];
    let Value::String(w) = u.class_witness(k, c).unwrap() else {
        panic!()
    };
    let mut set = u.classes_all(k).unwrap();
    for p in &pats {
        let s = u.classes_like(k, p).unwrap();
        set = if p.matches(&w) {
            set.intersection(&s)
        } else {
            set.difference(&s)
        };
    }
    set
}

#[test]
fn set_operator_table() {
    // IAM: ForAllValues is true for an absent key or an empty set; ForAnyValue false.
    check_set_ops(None, false, true);
    check_set_ops(Some(&[]), false, true);
    check_set_ops(Some(&["x"]), true, true);
    check_set_ops(Some(&["x", "xy"]), true, true);
    check_set_ops(Some(&["x", "y"]), true, false);
    check_set_ops(Some(&["y"]), false, false);
}

#[test]
fn witnesses_are_readable() {
    let mut fx = fixture(Limits::default()).unwrap();
    // Outside 10/8 but IPv4: the witness is a public address, not 0.0.0.1.
    let ten = fx.u.in_cidr(fx.ip, fx.cidrs[0]).unwrap();
    let any4 = fx.u.in_cidr(fx.ip, fx.cidrs[2]).unwrap();
    let outside = fx.u.diff(any4, ten).unwrap();
    let Decision::Violated(w) = fx.u.decide_empty(outside) else {
        panic!("non-empty")
    };
    let WitnessValue::One(Value::Ip(a)) = &w.entries[1].value else {
        panic!("{w:?}")
    };
    assert_eq!(a.to_string(), "1.0.0.1");
    // 1 < x < 2.5 gets an integer witness.
    let gt = fx.u.num_cmp(fx.n, CmpOp::Gt, fx.nums[0]).unwrap();
    let lt = fx.u.num_cmp(fx.n, CmpOp::Lt, fx.nums[1]).unwrap();
    let mid = fx.u.and(gt, lt).unwrap();
    let Decision::Violated(w) = fx.u.decide_empty(mid) else {
        panic!("non-empty")
    };
    assert_eq!(
        w.entries[2].value,
        WitnessValue::One(Value::Number(dec("2")))
    );
    // Keys the formula does not mention are absent in the witness.
    assert!(
        w.entries
            .iter()
            .filter(|e| e.name != "num")
            .all(|e| e.value == WitnessValue::Absent)
    );
    // Dates render as ISO 8601.
    let after = fx.u.date_cmp(fx.d, CmpOp::Gt, fx.date).unwrap();
    let Decision::Violated(w) = fx.u.decide_empty(after) else {
        panic!("non-empty")
    };
    let WitnessValue::One(v) = &w.entries[3].value else {
        panic!()
    };
    assert_eq!(v.to_string(), "2020-01-02T00:00:00Z");
}

#[test]
fn class_sizes() {
    let fx = fixture(Limits::default()).unwrap();
    let total = (0..fx.u.class_count(fx.ip).unwrap() as u32)
        .map(|c| fx.u.class_size(fx.ip, ClassId(c)).unwrap().unwrap())
        .fold(Natural::zero(), |a, b| a.add(&b));
    // Every IPv4 and IPv6 address exactly once: 2^32 + 2^128.
    assert_eq!(total, Natural::pow2(32).add(&Natural::pow2(128)));
}

#[test]
fn api_misuse_is_an_error() {
    let mut fx = fixture(Limits::default()).unwrap();
    let unregistered = Pattern::glob("zz*", Case::Sensitive);
    assert!(matches!(
        fx.u.like(fx.s, &unregistered),
        Err(LogicError::NotRegistered { .. })
    ));
    assert!(matches!(
        fx.u.in_cidr(fx.s, fx.cidrs[0]),
        Err(LogicError::WrongKind { .. })
    ));
    let set = fx.u.classes_like(fx.m, &fx.mpatterns[0]).unwrap();
    assert!(matches!(
        fx.u.value_in(&set),
        Err(LogicError::WrongArity { .. })
    ));
    assert!(matches!(
        fx.u.num_cmp(fx.n, CmpOp::Eq, dec("7")),
        Err(LogicError::NotRegistered { .. })
    ));
    let mut v = Vocabulary::new();
    let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
    assert_eq!(v.add_key("k", KeyKind::String, Arity::Single).unwrap(), k);
    assert!(matches!(
        v.add_key("k", KeyKind::Ip, Arity::Single),
        Err(LogicError::KeyRedeclared { .. })
    ));
    assert_eq!(
        LogicError::NotRegistered {
            key: "k".into(),
            literal: "a*".into()
        }
        .to_string(),
        "literal `a*` was not registered on key `k`"
    );
}

#[test]
fn limits_give_unknown() {
    // Automaton bound: `*a` followed by nine `?` needs 2^10 DFA states.
    let mut v = Vocabulary::with_limits(Limits {
        max_dfa_states: 64,
        ..Limits::default()
    });
    let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
    v.add_pattern(k, Pattern::glob("*a?????????", Case::Sensitive))
        .unwrap();
    assert_eq!(
        v.finish().map(|_| ()),
        Err(LogicError::Limit(Unknown::DfaStates {
            key: "k".into(),
            limit: 64
        }))
    );
    // Node bound: a formula over many multi-valued classes.
    let mut v = Vocabulary::with_limits(Limits {
        max_bdd_nodes: 60,
        ..Limits::default()
    });
    let k = v.add_key("k", KeyKind::String, Arity::Multi).unwrap();
    let pats: Vec<Pattern> = (0..12)
        .map(|i| Pattern::literal(&format!("v{i}"), Case::Sensitive))
        .collect();
    for p in &pats {
        v.add_pattern(k, p.clone()).unwrap();
    }
    let mut u = v.finish().unwrap();
    let mut f = u.tt();
    let mut hit = None;
    for p in &pats {
        let s = u.classes_like(k, p).unwrap();
        let any = u.for_any_value(&s);
        match any.and_then(|a| u.xor(f, a)) {
            Ok(x) => f = x,
            Err(e) => {
                hit = Some(e);
                break;
            }
        }
    }
    assert_eq!(
        hit,
        Some(LogicError::Limit(Unknown::BddNodes { limit: 60 }))
    );
}

#[test]
fn adversarial_patterns_are_bounded() {
    // 50 distinct patterns of the shape a*a*…a*b on one key (the ambiguous case that
    // makes backtracking matchers and naive products explode). Not timed here; the
    // bench reports the time.
    let mut v = Vocabulary::new();
    let k = v.add_key("k", KeyKind::String, Arity::Single).unwrap();
    let pats: Vec<Pattern> = (1..=50)
        .map(|i| Pattern::glob(&format!("{}b", "a*".repeat(i % 17 + 1)), Case::Sensitive))
        .chain((1..=33).map(|i| Pattern::glob(&format!("{}*b", "a".repeat(i)), Case::Sensitive)))
        .take(50)
        .collect();
    for p in &pats {
        v.add_pattern(k, p.clone()).unwrap();
    }
    let u = v.finish().unwrap();
    // Every class witness lies in exactly its cell.
    for c in 0..u.class_count(k).unwrap() as u32 {
        let Value::String(w) = u.class_witness(k, ClassId(c)).unwrap() else {
            panic!()
        };
        assert_eq!(u.class_of(k, &Value::String(w)).unwrap(), Some(ClassId(c)));
    }
}

#[test]
fn deep_multi_valued_key_stays_within_the_stack() {
    // 1500 literals on one multi-valued key: 1501 classes, 1502 BDD variables; the
    // recursions (apply, not, counting) go that deep. Runs on a default 2 MiB test
    // thread, so a stack overflow here would abort the test binary.
    let mut v = Vocabulary::new();
    let k = v.add_key("tags", KeyKind::String, Arity::Multi).unwrap();
    let pats: Vec<Pattern> = (0..1500)
        .map(|i| Pattern::literal(&format!("t{i}"), Case::Sensitive))
        .collect();
    for p in &pats {
        v.add_pattern(k, p.clone()).unwrap();
    }
    let mut u = v.finish().unwrap();
    assert_eq!(u.class_count(k).unwrap(), 1501);
    let first = u.classes_like(k, &pats[0]).unwrap();
    let last = u.classes_like(k, &pats[1499]).unwrap();
    let any_first = u.for_any_value(&first).unwrap();
    let all_last = u.for_all_values(&last).unwrap();
    let not_all = u.not(all_last).unwrap();
    let f = u.and(any_first, not_all).unwrap();
    // ForAnyValue(t0) ∧ ¬ForAllValues(t1499): t0 is present, so not all values are t1499.
    assert_eq!(u.decide_implies(any_first, not_all), Decision::Holds);
    // Assignments with t0 present: the other 1500 class bits are free: 2^1500.
    assert_eq!(u.count_assignments(f).unwrap(), Natural::pow2(1500));
}

fn actions() -> Vec<String> {
    [
        "s3:GetObject",
        "s3:GetObjectAcl",
        "s3:PutObject",
        "s3:ListBucket",
        "ec2:RunInstances",
        "iam:PassRole",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

#[test]
fn enumerated_key_table() {
    // IAM action names are matched case-insensitively with `*`/`?` globs (IAM user
    // guide, "IAM JSON policy elements: Action"); the closed world is the action list.
    let mut v = Vocabulary::new();
    let k = v.add_enum_key("action", Arity::Single, actions()).unwrap();
    let get = Pattern::glob("S3:get*", Case::Insensitive);
    let s3 = Pattern::glob("s3:*", Case::Insensitive);
    v.add_pattern(k, get.clone()).unwrap();
    v.add_pattern(k, s3.clone()).unwrap();
    let mut u = v.finish().unwrap();
    // Classes: {Get*}, {Put, List}, {ec2, iam}.
    assert_eq!(u.class_count(k).unwrap(), 3);
    let a_s3 = u.like(k, &s3).unwrap();
    let a_get = u.like(k, &get).unwrap();
    let s3_not_get = u.diff(a_s3, a_get).unwrap();
    let Decision::Violated(w) = u.decide_empty(s3_not_get) else {
        panic!()
    };
    // The witness is a listed action, the shortest of its class.
    assert_eq!(
        w.entries[0].value,
        WitnessValue::One(Value::String("s3:PutObject".into()))
    );
    // Counting by class sizes counts actions: s3:* but not s3:Get* is 2 actions.
    let weights = u.size_weights(&Natural::zero());
    assert_eq!(
        u.weighted_count(s3_not_get, &weights).unwrap(),
        Natural::from(2u32)
    );
    assert_eq!(
        u.weighted_count(a_s3, &weights).unwrap(),
        Natural::from(4u32)
    );
    // Unlisted values have no class.
    assert_eq!(
        u.class_of(k, &Value::String("s3:DeleteObject".into()))
            .unwrap(),
        None
    );
    assert_eq!(
        u.class_of(k, &Value::String("s3:GetObjectAcl".into()))
            .unwrap(),
        u.class_of(k, &Value::String("s3:GetObject".into()))
            .unwrap()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Enumerated classes: every listed value is in the class with its own signature,
    /// sizes add up, and formulas agree with the plain matcher on every listed value.
    #[test]
    fn enumerated_key_agrees_with_matcher(
        values in prop::collection::vec("[abAB:]{0,4}", 0..12),
        texts in prop::collection::vec("[abAB:*?]{0,4}", 1..5),
        ci in any::<bool>(),
    ) {
        let case = if ci { Case::Insensitive } else { Case::Sensitive };
        let patterns: Vec<Pattern> = texts.iter().map(|t| Pattern::glob(t, case)).collect();
        let mut v = Vocabulary::new();
        let k = v.add_enum_key("e", Arity::Single, values.clone()).unwrap();
        for p in &patterns {
            v.add_pattern(k, p.clone()).unwrap();
        }
        let mut u = v.finish().unwrap();
        let mut distinct = values.clone();
        distinct.sort();
        distinct.dedup();
        let total = (0..u.class_count(k).unwrap() as u32)
            .map(|c| u.class_size(k, ClassId(c)).unwrap().unwrap())
            .fold(Natural::zero(), |a, b| a.add(&b));
        prop_assert_eq!(total.to_u128(), Some(distinct.len() as u128));
        for p in &patterns {
            let f = u.like(k, p).unwrap();
            for val in &distinct {
                let c = u.class_of(k, &Value::String(val.clone())).unwrap().unwrap();
                let a = Assignment { values: vec![KeyValue::Class(c)] };
                prop_assert_eq!(u.eval(f, &a), p.matches(val));
            }
        }
    }
}
