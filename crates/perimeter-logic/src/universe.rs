//! Keys, their classes, formulas over classes, and decisions with witnesses.
//!
//! Two phases:
//!
//! 1. **Collect** with a [`Vocabulary`]: declare each key ([`Vocabulary::add_key`])
//!    with its [`KeyKind`] and [`Arity`], and register every literal a formula will
//!    mention (patterns, CIDRs, numbers, dates). Registration is what makes the
//!    partition exact: the classes refine exactly the registered literals.
//! 2. **Decide** with the [`Universe`] returned by [`Vocabulary::finish`]: look up class
//!    sets (`classes_*`), turn them into formulas ([`Bdd`] handles: `value_in`,
//!    `for_any_value`, `for_all_values`, `present`, …), combine formulas (`and`, `or`,
//!    `not`, …) and ask `decide_*` questions. Every answer is a [`Decision`].
//!
//! # Encoding
//!
//! Keys own consecutive BDD variables, in declaration order.
//!
//! * A single-valued key with `n` classes takes `⌈log2(n + 1)⌉` variables holding a
//!   binary code: code 0 means *absent*, code `i + 1` means class `i`. Codes above `n`
//!   are excluded by the *domain constraint*.
//! * A multi-valued key with `n` classes takes `1 + n` variables: *present*, then
//!   "class `i` occurs among the values" for each class. The domain constraint says an
//!   absent key has no values. A present key with no class bit set is the empty set.
//!
//! Formulas are built without the domain constraint (so they stay small); every query
//! conjoins it. Two handles may therefore differ yet denote the same set of requests:
//! compare with [`Universe::decide_equivalent`], not `==`.
//!
//! # Set operators
//!
//! With `S` the class set an operator's inner test accepts:
//! `ForAnyValue` is `∨_{c ∈ S} has(c)` (false when absent or empty) and
//! `ForAllValues` is `∧_{c ∉ S} ¬has(c)` (true when absent or empty) — the IAM rules.
//!
//! # Compiling condition operators (a guide for the IAM layer)
//!
//! `k` is a key, `v…` the policy values (several values are alternatives), and every
//! literal is registered on `k` before `finish`. `S(v)` is the class set of one value
//! (`classes_like`, `classes_in_cidr`, `classes_num_cmp`, …) and `S = ∪ S(vᵢ)`.
//!
//! | operator | formula |
//! |---|---|
//! | `StringEquals` / `StringLike` | `value_in(S)` with `Pattern::literal` / `Pattern::glob`, `Case::Sensitive` |
//! | `StringEqualsIgnoreCase` | `value_in(S)` with `Pattern::literal(v, Case::Insensitive)` |
//! | `ArnEquals` / `ArnLike` | `value_in(S)` with `Pattern::split_segments(v, ':', 6, Case::Sensitive)` |
//! | `IpAddress` | `value_in(S)` with `classes_in_cidr` |
//! | `Numeric…` / `Date…` (`=, <, ≤, >, ≥`) | `value_in(S)` with `classes_num_cmp` / `classes_date_cmp` |
//! | `Bool` | `bool_eq` |
//! | any negated operator (`StringNotEquals`, `NotIpAddress`, `NumericNotEquals`, …) | `not(value_in(S))`: true when absent, as IAM says |
//! | `…IfExists` | `or(absent(k), op)` |
//! | `Null: true` / `Null: false` | `absent(k)` / `present(k)` |
//! | `ForAnyValue:op` | `for_any_value(S)`; negated inner op: `for_any_value(S.complement())` |
//! | `ForAllValues:op` | `for_all_values(S)`; negated inner op: `for_all_values(S.complement())` |
//!
//! Note the union: `ForAllValues:StringLike [a*, b*]` means every request value matches
//! *some* policy value, `for_all_values(S(a*) ∪ S(b*))`, not a conjunction of two
//! `for_all_values`. A segmented pattern whose text has fewer than five `:` has no
//! `split_segments` form (`None`): the caller decides its meaning (such an ARN pattern
//! matches no ARN).
//!
//! The vocabulary is closed at `finish`: a compiler makes one pass to register the
//! literals of every policy under analysis, then a second pass to build formulas.

use crate::bdd::{Bdd, BddManager, NodeLimit};
use crate::fx::FxHashMap;
use crate::glob::{Pattern, Shape};
use crate::interval::{Cidr, IntervalSet, public_v4, public_v6};
use crate::lazy::{LazyPart, MAX_LEMMAS, Outcome};
use crate::natural::Natural;
use crate::ordered::{CmpOp, Date, Decimal, OrdCell, OrdPartition, Ordinal};
use crate::strings::{AutomatonLimit, StringPartition, partition, partition_finite};
use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::rc::Rc;

/// A key handle, valid for the [`Vocabulary`] that issued it and its [`Universe`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(u32);

impl KeyId {
    /// Position of the key in declaration order.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A class of one key (index into that key's classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClassId(pub u32);

/// The value domain of a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyKind {
    /// Unicode strings, split by glob patterns.
    String,
    /// Strings drawn from a finite list fixed at declaration
    /// ([`Vocabulary::add_enum_key`]), split by glob patterns — a closed world such
    /// as every known action name. No automaton is built.
    Enum,
    /// IPv4 and IPv6 addresses, split by CIDRs (separate v4 and v6 classes).
    Ip,
    /// Exact decimals ([`Decimal`]), split by comparison literals.
    Number,
    /// Instants ([`Date`]), split by comparison literals.
    Date,
    /// `true` / `false`.
    Bool,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyKind::String => "string",
            KeyKind::Enum => "enumerated string",
            KeyKind::Ip => "ip address",
            KeyKind::Number => "number",
            KeyKind::Date => "date",
            KeyKind::Bool => "boolean",
        })
    }
}

/// Whether a request carries one value or a set of values for the key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arity {
    /// At most one value.
    Single,
    /// A set of values (possibly empty).
    Multi,
}

impl fmt::Display for Arity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Arity::Single => "single-valued",
            Arity::Multi => "multi-valued",
        })
    }
}

/// Bounds that keep every computation finite and small.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// DFA states explored per string key.
    pub max_dfa_states: usize,
    /// Word operations spent by the subset construction per string key (bounds time).
    pub max_dfa_work: u64,
    /// BDD nodes in the universe.
    pub max_bdd_nodes: usize,
    /// BDD variables in the universe (also the bound on recursion depth).
    pub max_vars: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_dfa_states: 100_000,
            max_dfa_work: 400_000_000,
            max_bdd_nodes: 4_000_000,
            max_vars: 4_096,
        }
    }
}

/// Why a question could not be decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unknown {
    /// The string partition of a key needed more DFA states than allowed.
    DfaStates {
        /// The key's name.
        key: String,
        /// The bound.
        limit: usize,
    },
    /// The string partition of a key needed more work than allowed.
    DfaWork {
        /// The key's name.
        key: String,
        /// The bound (64-bit word operations).
        limit: u64,
    },
    /// The BDD needed more nodes than allowed.
    BddNodes {
        /// The bound.
        limit: usize,
    },
    /// The keys need more BDD variables than allowed.
    Variables {
        /// Variables needed.
        needed: u64,
        /// The bound.
        limit: u32,
    },
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unknown::DfaStates { key, limit } => write!(
                f,
                "the patterns on key `{key}` need more than {limit} automaton states"
            ),
            Unknown::DfaWork { key, limit } => write!(
                f,
                "the patterns on key `{key}` need more than {limit} automaton steps"
            ),
            Unknown::BddNodes { limit } => {
                write!(
                    f,
                    "the formula needs more than {limit} decision-diagram nodes"
                )
            }
            Unknown::Variables { needed, limit } => write!(
                f,
                "the keys need {needed} decision-diagram variables, more than the bound of {limit}"
            ),
        }
    }
}

/// Misuse of the API, or a bound that was hit ([`LogicError::Limit`]).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LogicError {
    /// The key id does not belong to this vocabulary.
    #[error("no key with id {0}")]
    UnknownKey(u32),
    /// The operation needs another kind of key.
    #[error("key `{key}` holds {found} values, the operation needs {expected} values")]
    WrongKind {
        /// The key's name.
        key: String,
        /// The kind the operation needs.
        expected: KeyKind,
        /// The key's kind.
        found: KeyKind,
    },
    /// The operation needs another arity.
    #[error("key `{key}` is {found}, the operation needs a {expected} key")]
    WrongArity {
        /// The key's name.
        key: String,
        /// The arity the operation needs.
        expected: Arity,
        /// The key's arity.
        found: Arity,
    },
    /// A key name was declared twice with different kinds or arities.
    #[error("key `{key}` is already declared as a {arity} {kind} key")]
    KeyRedeclared {
        /// The key's name.
        key: String,
        /// The existing kind.
        kind: KeyKind,
        /// The existing arity.
        arity: Arity,
    },
    /// A literal used in a formula was not registered before `finish`.
    #[error("literal `{literal}` was not registered on key `{key}`")]
    NotRegistered {
        /// The key's name.
        key: String,
        /// The literal, rendered.
        literal: String,
    },
    /// A class id out of range for the key.
    #[error("key `{key}` has no class {class}")]
    NoSuchClass {
        /// The key's name.
        key: String,
        /// The class index.
        class: u32,
    },
    /// The operation enumerates classes, and the key is lazy ([`Vocabulary::set_lazy`]).
    #[error("key `{key}` is lazy: its classes are not enumerated")]
    NotEnumerated {
        /// The key's name.
        key: String,
    },
    /// A bound was hit: the question is undecided, not wrong.
    #[error("{0}")]
    Limit(Unknown),
}

/// A concrete value of a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// A string.
    String(String),
    /// An IPv4 or IPv6 address.
    Ip(IpAddr),
    /// A number.
    Number(Decimal),
    /// An instant.
    Date(Date),
    /// A boolean.
    Bool(bool),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => write!(f, "{s}"),
            Value::Ip(a) => write!(f, "{a}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::Date(d) => write!(f, "{d}"),
            Value::Bool(b) => write!(f, "{b}"),
        }
    }
}

/// A key's value in an [`Assignment`], at the level of classes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyValue {
    /// The key is not in the request.
    Absent,
    /// A single-valued key holding a value of this class.
    Class(ClassId),
    /// A multi-valued key holding one value of each listed class (possibly none).
    Set(Vec<ClassId>),
}

/// One [`KeyValue`] per key, in declaration order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment {
    /// Indexed by [`KeyId::index`].
    pub values: Vec<KeyValue>,
}

/// A concrete value for one key in a [`Witness`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WitnessValue {
    /// Leave the key out of the request.
    Absent,
    /// The single value.
    One(Value),
    /// The values of a multi-valued key (possibly none).
    Set(Vec<Value>),
}

/// One key of a [`Witness`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WitnessEntry {
    /// The key.
    pub key: KeyId,
    /// Its name as declared.
    pub name: String,
    /// The concrete value(s).
    pub value: WitnessValue,
}

/// A concrete request fragment: a value (or absence) for every key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Witness {
    /// The class-level assignment the values were drawn from.
    pub assignment: Assignment,
    /// One entry per key, in declaration order.
    pub entries: Vec<WitnessEntry>,
}

/// The answer to a question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The property holds for every request.
    Holds,
    /// The property fails; the witness is a request where it fails.
    Violated(Witness),
    /// A bound was hit before an answer was found.
    Unknown(Unknown),
}

/// Weights for [`Universe::weighted_count`].
pub trait Weights {
    /// Weight of a single-valued key's value: `Some(class)` or `None` for absent.
    fn value(&self, key: KeyId, class: Option<ClassId>) -> Natural;
    /// Weight of class `class` being (`true`) or not being (`false`) among the values of
    /// a multi-valued key.
    fn member(&self, key: KeyId, class: ClassId, member: bool) -> Natural;
    /// Weight of a multi-valued key being absent. The absent state is weighted
    /// `absent(key) × Π member(key, c, false)`.
    fn absent(&self, key: KeyId) -> Natural;
}

/// Every weight is one: weighted counting counts class assignments.
#[derive(Clone, Copy, Debug, Default)]
pub struct UnitWeights;

impl Weights for UnitWeights {
    fn value(&self, _: KeyId, _: Option<ClassId>) -> Natural {
        Natural::one()
    }
    fn member(&self, _: KeyId, _: ClassId, _: bool) -> Natural {
        Natural::one()
    }
    fn absent(&self, _: KeyId) -> Natural {
        Natural::one()
    }
}

/// Weights from class sizes ([`Universe::size_weights`]): a class weighs the number
/// of its values ([`Universe::class_size`]), or a caller-chosen bound when the class
/// is infinite; absence weighs 1. For a multi-valued key a present class weighs its
/// size and an absent class 1, so the count is "one chosen value per present class".
#[derive(Clone, Debug)]
pub struct SizeWeights {
    sizes: Vec<Vec<Natural>>,
}

impl Weights for SizeWeights {
    fn value(&self, key: KeyId, class: Option<ClassId>) -> Natural {
        match class {
            None => Natural::one(),
            Some(c) => self
                .sizes
                .get(key.index())
                .and_then(|v| v.get(c.0 as usize))
                .cloned()
                .unwrap_or_else(Natural::zero),
        }
    }
    fn member(&self, key: KeyId, class: ClassId, member: bool) -> Natural {
        if member {
            self.value(key, Some(class))
        } else {
            Natural::one()
        }
    }
    fn absent(&self, _: KeyId) -> Natural {
        Natural::one()
    }
}

#[derive(Clone, Debug)]
struct KeyDecl {
    name: String,
    kind: KeyKind,
    arity: Arity,
    patterns: Vec<Pattern>,
    pattern_index: FxHashMap<Pattern, usize>,
    cidrs: BTreeSet<Cidr>,
    numbers: BTreeSet<Decimal>,
    dates: BTreeSet<Date>,
    values: Vec<String>,
    lazy: bool,
}

/// Collects keys and literals; [`Vocabulary::finish`] computes the partitions.
#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    keys: Vec<KeyDecl>,
    by_name: HashMap<String, KeyId>,
    limits: Limits,
    /// Every pattern registration, in order: (key index, pattern index). Lazy keys' variables
    /// follow it (see `finish_inner`).
    log: Vec<(usize, usize)>,
}

impl Vocabulary {
    /// An empty vocabulary with default [`Limits`].
    pub fn new() -> Vocabulary {
        Vocabulary::default()
    }

    /// An empty vocabulary with the given bounds.
    pub fn with_limits(limits: Limits) -> Vocabulary {
        Vocabulary {
            limits,
            ..Vocabulary::default()
        }
    }

    /// Declares a key (names are opaque labels, compared exactly). Declaring the same
    /// name again with the same kind and arity returns the same id.
    pub fn add_key(
        &mut self,
        name: &str,
        kind: KeyKind,
        arity: Arity,
    ) -> Result<KeyId, LogicError> {
        if let Some(&id) = self.by_name.get(name) {
            let d = self.decl(id)?;
            if d.kind == kind && d.arity == arity {
                return Ok(id);
            }
            return Err(LogicError::KeyRedeclared {
                key: name.to_owned(),
                kind: d.kind,
                arity: d.arity,
            });
        }
        let id =
            KeyId(u32::try_from(self.keys.len()).map_err(|_| LogicError::UnknownKey(u32::MAX))?);
        self.keys.push(KeyDecl {
            name: name.to_owned(),
            kind,
            arity,
            patterns: Vec::new(),
            pattern_index: FxHashMap::default(),
            cidrs: BTreeSet::new(),
            numbers: BTreeSet::new(),
            dates: BTreeSet::new(),
            values: Vec::new(),
            lazy: false,
        });
        self.by_name.insert(name.to_owned(), id);
        Ok(id)
    }

    fn decl(&self, key: KeyId) -> Result<&KeyDecl, LogicError> {
        self.keys
            .get(key.index())
            .ok_or(LogicError::UnknownKey(key.0))
    }

    fn decl_of_kind(&mut self, key: KeyId, kind: KeyKind) -> Result<&mut KeyDecl, LogicError> {
        let d = self
            .keys
            .get_mut(key.index())
            .ok_or(LogicError::UnknownKey(key.0))?;
        if d.kind != kind {
            return Err(LogicError::WrongKind {
                key: d.name.clone(),
                expected: kind,
                found: d.kind,
            });
        }
        Ok(d)
    }

    /// Declares a key whose values are drawn from `values` only (a closed world;
    /// duplicates are dropped). Patterns are registered with [`Vocabulary::add_pattern`]
    /// as for string keys; the classes group the listed values by the patterns they
    /// match, and [`Universe::class_size`] counts the values of a class. Declaring the
    /// same name again with the same arity returns the same id (the values of the first
    /// declaration stay).
    pub fn add_enum_key(
        &mut self,
        name: &str,
        arity: Arity,
        values: impl IntoIterator<Item = String>,
    ) -> Result<KeyId, LogicError> {
        let fresh = !self.by_name.contains_key(name);
        let id = self.add_key(name, KeyKind::Enum, arity)?;
        if fresh && let Some(d) = self.keys.get_mut(id.index()) {
            let mut seen = std::collections::HashSet::new();
            d.values = values
                .into_iter()
                .filter(|v| seen.insert(v.clone()))
                .collect();
        }
        Ok(id)
    }

    /// Registers a string pattern (glob, literal or segmented; either case mode) on a
    /// string or enumerated key.
    pub fn add_pattern(&mut self, key: KeyId, pattern: Pattern) -> Result<(), LogicError> {
        let enum_key = self.decl(key)?.kind == KeyKind::Enum;
        let d = self.decl_of_kind(
            key,
            if enum_key {
                KeyKind::Enum
            } else {
                KeyKind::String
            },
        )?;
        if !d.pattern_index.contains_key(&pattern) {
            d.pattern_index.insert(pattern.clone(), d.patterns.len());
            d.patterns.push(pattern);
            let idx = d.patterns.len() - 1;
            self.log.push((key.index(), idx));
        }
        Ok(())
    }

    /// Makes a single-valued string key *lazy*: instead of splitting its values into the cells of
    /// its patterns' Venn diagram up front, the universe gives it one variable per pattern and
    /// finds cells only as questions need them (see the `lazy` module). Questions get the same
    /// answers; witnesses may differ (any string of the cell rather than the shortest). A lazy
    /// key's classes are not enumerated: [`Universe::class_count`], [`Universe::class_size`] and
    /// the counting functions refuse it ([`LogicError::NotEnumerated`]).
    pub fn set_lazy(&mut self, key: KeyId) -> Result<(), LogicError> {
        let d = self.decl_of_kind(key, KeyKind::String)?;
        if d.arity != Arity::Single {
            return Err(LogicError::WrongArity {
                key: d.name.clone(),
                expected: Arity::Single,
                found: d.arity,
            });
        }
        d.lazy = true;
        Ok(())
    }

    /// Registers a CIDR on an IP key.
    pub fn add_cidr(&mut self, key: KeyId, cidr: Cidr) -> Result<(), LogicError> {
        self.decl_of_kind(key, KeyKind::Ip)?.cidrs.insert(cidr);
        Ok(())
    }

    /// Registers a number a numeric key is compared with (by any operator).
    pub fn add_number(&mut self, key: KeyId, value: Decimal) -> Result<(), LogicError> {
        self.decl_of_kind(key, KeyKind::Number)?
            .numbers
            .insert(value);
        Ok(())
    }

    /// Registers an instant a date key is compared with (by any operator).
    pub fn add_date(&mut self, key: KeyId, value: Date) -> Result<(), LogicError> {
        self.decl_of_kind(key, KeyKind::Date)?.dates.insert(value);
        Ok(())
    }

    /// Computes every key's partition and allocates the BDD variables.
    pub fn finish(self) -> Result<Universe, LogicError> {
        self.finish_inner(None)
    }

    /// [`Vocabulary::finish`], reusing the string partitions of `cache` for keys whose patterns
    /// (in any order) and bounds were partitioned before, and adding the new ones to it. The
    /// universe is the same as `finish` would build, up to the order of the classes.
    pub fn finish_with(self, cache: &mut PartitionCache) -> Result<Universe, LogicError> {
        self.finish_inner(Some(cache))
    }

    fn finish_inner(self, mut cache: Option<&mut PartitionCache>) -> Result<Universe, LogicError> {
        let limits = self.limits;
        let mut keys: Vec<KeyInfo> = Vec::with_capacity(self.keys.len());
        let mut next_var: u64 = 0;
        for mut decl in self.keys {
            let part = match decl.kind {
                // A lazy key's patterns move into its part (`pattern_index` stays in the decl).
                KeyKind::String if decl.lazy => {
                    Partition::Lazy(LazyPart::new(std::mem::take(&mut decl.patterns)))
                }
                KeyKind::String => Partition::String(
                    string_partition(&decl.patterns, limits, cache.as_deref_mut()).map_err(
                        |e| {
                            let key = decl.name.clone();
                            LogicError::Limit(match e {
                                AutomatonLimit::States(limit) => Unknown::DfaStates { key, limit },
                                AutomatonLimit::Work(limit) => Unknown::DfaWork { key, limit },
                            })
                        },
                    )?,
                ),
                KeyKind::Enum => {
                    let (part, members) = partition_finite(&decl.patterns, &decl.values);
                    let mut index = HashMap::new();
                    for (c, vs) in members.iter().enumerate() {
                        for &v in vs {
                            if let Some(text) = decl.values.get(v) {
                                index.insert(text.clone(), c);
                            }
                        }
                    }
                    let sizes = members.iter().map(Vec::len).collect();
                    Partition::Enum { part, sizes, index }
                }
                KeyKind::Ip => Partition::Ip(ip_classes(&decl.cidrs)),
                KeyKind::Number => Partition::Number(OrdPartition::new(
                    &decl.numbers.iter().copied().collect::<Vec<_>>(),
                )),
                KeyKind::Date => Partition::Date(OrdPartition::new(
                    &decl.dates.iter().copied().collect::<Vec<_>>(),
                )),
                KeyKind::Bool => Partition::Bool,
            };
            let n = part.len();
            let lazy = matches!(part, Partition::Lazy(_));
            let width = match decl.arity {
                _ if lazy => 1,
                Arity::Single => bits_for(n as u64 + 1),
                Arity::Multi => n as u64 + 1,
            };
            // Lazy keys get their variables after the loop.
            let first_var = if lazy {
                0
            } else {
                let v = u32::try_from(next_var).unwrap_or(u32::MAX);
                next_var += width;
                v
            };
            let vars = Vec::new();
            keys.push(KeyInfo {
                decl,
                part,
                n,
                first_var,
                width: u32::try_from(width).unwrap_or(u32::MAX),
                pattern_vars: vars,
            });
        }
        // The lazy keys share one region of variables after all others: their presence variables,
        // then their pattern variables in the order the patterns were registered. Callers
        // register a statement's patterns together, so a statement's action and resource
        // variables end up side by side, and a policy (a disjunction of such conjunctions) has a
        // small diagram; one key's block before the other's would make it exponential. Other keys
        // (conditions) come first: below them, each combination of condition classes leaves a
        // disjunction of the statements it enables, where above them the diagram would have to
        // remember every set of enabled conditions.
        let lazy_keys: Vec<usize> = (0..keys.len())
            .filter(|&i| {
                keys.get(i)
                    .is_some_and(|k| matches!(k.part, Partition::Lazy(_)))
            })
            .collect();
        let mut at = next_var + lazy_keys.len() as u64;
        let mut vars: Vec<Vec<u32>> = keys
            .iter()
            .map(|k| {
                vec![
                    0;
                    match &k.part {
                        Partition::Lazy(l) => l.patterns().len(),
                        _ => 0,
                    }
                ]
            })
            .collect();
        for &(k, i) in &self.log {
            if lazy_keys.contains(&k)
                && let Some(slot) = vars.get_mut(k).and_then(|v| v.get_mut(i))
            {
                *slot = u32::try_from(at).unwrap_or(u32::MAX);
                at += 1;
            }
        }
        for (ordinal, &ki) in lazy_keys.iter().enumerate() {
            if let Some(k) = keys.get_mut(ki) {
                k.first_var = u32::try_from(next_var + ordinal as u64).unwrap_or(u32::MAX);
                k.pattern_vars = std::mem::take(vars.get_mut(ki).unwrap_or(&mut Vec::new()));
            }
        }
        next_var = at;
        if next_var > u64::from(limits.max_vars) {
            return Err(LogicError::Limit(Unknown::Variables {
                needed: next_var,
                limit: limits.max_vars,
            }));
        }
        let mut universe = Universe {
            bdd: BddManager::new(
                u32::try_from(next_var).unwrap_or(u32::MAX),
                limits.max_bdd_nodes,
            ),
            lazy_owner: keys
                .iter()
                .enumerate()
                .flat_map(|(ki, k)| {
                    k.pattern_vars
                        .iter()
                        .enumerate()
                        .map(move |(i, v)| (*v, (ki, i)))
                })
                .collect(),
            keys,
            valid: Bdd::TRUE,
            limits,
            lemmas: Vec::new(),
        };
        let mut valid = Bdd::TRUE;
        for i in (0..universe.keys.len()).rev() {
            let dom = universe.domain_constraint(i).map_err(node_limit)?;
            valid = universe.bdd.and(dom, valid).map_err(node_limit)?;
        }
        universe.valid = valid;
        Ok(universe)
    }
}

/// String partitions already computed, keyed by their patterns (sorted) and the automaton bounds,
/// for callers that build many universes over recurring pattern sets (the external-access engine
/// builds one per resource, and most keys see the same few pattern sets). Holds at most `capacity`
/// partitions; when full it starts over.
#[derive(Clone, Debug)]
pub struct PartitionCache {
    map: FxHashMap<(Vec<Pattern>, usize, u64), StringPartition>,
    capacity: usize,
    frozen: bool,
    hits: u64,
    misses: u64,
}

impl PartitionCache {
    /// An empty cache holding at most `capacity` partitions.
    pub fn new(capacity: usize) -> PartitionCache {
        PartitionCache {
            map: FxHashMap::default(),
            capacity,
            frozen: false,
            hits: 0,
            misses: 0,
        }
    }

    /// The same cache, answering lookups from what it holds but adding nothing more (for
    /// partitions of constant pattern sets computed ahead).
    pub fn frozen(mut self) -> PartitionCache {
        self.frozen = true;
        self
    }

    /// Lookups answered from the cache.
    pub fn hits(&self) -> u64 {
        self.hits
    }

    /// Lookups that computed a partition.
    pub fn misses(&self) -> u64 {
        self.misses
    }
}

/// The partition of `patterns`; with a cache, computed on the sorted list (so that every order of
/// the same patterns shares one entry) and reindexed to the caller's order.
fn string_partition(
    patterns: &[Pattern],
    limits: Limits,
    cache: Option<&mut PartitionCache>,
) -> Result<StringPartition, AutomatonLimit> {
    let Some(cache) = cache else {
        return partition(patterns, limits.max_dfa_states, limits.max_dfa_work);
    };
    let mut order: Vec<usize> = (0..patterns.len()).collect();
    order.sort_by(|&a, &b| patterns.get(a).cmp(&patterns.get(b)));
    let sorted: Vec<Pattern> = order
        .iter()
        .filter_map(|&i| patterns.get(i).cloned())
        .collect();
    let key = (sorted, limits.max_dfa_states, limits.max_dfa_work);
    if let Some(p) = cache.map.get(&key) {
        cache.hits += 1;
        return Ok(p.reindexed(&order));
    }
    cache.misses += 1;
    let p = partition(&key.0, limits.max_dfa_states, limits.max_dfa_work)?;
    let out = p.reindexed(&order);
    if cache.frozen {
        return Ok(out);
    }
    if cache.map.len() >= cache.capacity {
        cache.map.clear();
    }
    if cache.capacity > 0 {
        cache.map.insert(key, p);
    }
    Ok(out)
}

fn bits_for(codes: u64) -> u64 {
    let mut b = 1;
    while (1u64 << b) < codes {
        b += 1;
    }
    b
}

fn node_limit(NodeLimit(limit): NodeLimit) -> LogicError {
    LogicError::Limit(Unknown::BddNodes { limit })
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum IpRange {
    V4(u32, u32),
    V6(u128, u128),
}

#[derive(Clone, Debug)]
struct IpClass {
    range: IpRange,
    witness: IpAddr,
}

/// Elementary intervals between CIDR boundaries, v4 then v6, with public-preferring
/// witnesses.
fn ip_classes(cidrs: &BTreeSet<Cidr>) -> Vec<IpClass> {
    fn cuts<T: crate::interval::Point>(ranges: impl Iterator<Item = (T, T)>) -> Vec<(T, T)> {
        let mut starts: BTreeSet<T> = BTreeSet::new();
        starts.insert(T::MIN);
        for (lo, hi) in ranges {
            starts.insert(lo);
            if let Some(next) = hi.succ() {
                starts.insert(next);
            }
        }
        let starts: Vec<T> = starts.into_iter().collect();
        let mut out = Vec::with_capacity(starts.len());
        for (i, &s) in starts.iter().enumerate() {
            let end = starts.get(i + 1).and_then(|n| n.pred()).unwrap_or(T::MAX);
            out.push((s, end));
        }
        out
    }
    fn pick<T: crate::interval::Point>(
        lo: T,
        hi: T,
        public: &IntervalSet<T>,
        low_byte_zero: impl Fn(T) -> bool,
    ) -> T {
        let here = IntervalSet::range(lo, hi);
        let pubpart = here.intersection(public);
        let first = pubpart.ranges().first().copied().unwrap_or((lo, hi));
        // Avoid a network address ending in `.0` / `::` when there is room.
        match first.0.succ() {
            Some(next) if low_byte_zero(first.0) && next <= first.1 => next,
            _ => first.0,
        }
    }
    let mut out = Vec::new();
    let pv4 = public_v4();
    for (lo, hi) in cuts(cidrs.iter().filter_map(Cidr::v4_range)) {
        let w = pick(lo, hi, &pv4, |x| x & 0xff == 0);
        out.push(IpClass {
            range: IpRange::V4(lo, hi),
            witness: IpAddr::V4(Ipv4Addr::from(w)),
        });
    }
    let pv6 = public_v6();
    for (lo, hi) in cuts(cidrs.iter().filter_map(Cidr::v6_range)) {
        let w = pick(lo, hi, &pv6, |x| x & 0xffff == 0);
        out.push(IpClass {
            range: IpRange::V6(lo, hi),
            witness: IpAddr::V6(Ipv6Addr::from(w)),
        });
    }
    out
}

#[derive(Clone, Debug)]
enum Partition {
    String(StringPartition),
    Enum {
        part: StringPartition,
        /// Number of listed values per class.
        sizes: Vec<usize>,
        /// Listed value → class.
        index: HashMap<String, usize>,
    },
    Ip(Vec<IpClass>),
    Number(OrdPartition<Decimal>),
    Date(OrdPartition<Date>),
    Bool,
    /// A lazy key: variable `first_var` is presence, `pattern_vars[i]` is "matches pattern `i`".
    Lazy(LazyPart),
}

impl Partition {
    /// Classes enumerated up front (none for a lazy key).
    fn len(&self) -> usize {
        match self {
            Partition::Lazy(_) => 0,
            Partition::String(p) | Partition::Enum { part: p, .. } => p.classes().len(),
            Partition::Ip(c) => c.len(),
            Partition::Number(p) => p.cells().len(),
            Partition::Date(p) => p.cells().len(),
            Partition::Bool => 2,
        }
    }
}

#[derive(Clone, Debug)]
struct KeyInfo {
    decl: KeyDecl,
    part: Partition,
    n: usize,
    first_var: u32,
    width: u32,
    /// Lazy keys: the variable of each pattern (`first_var` is presence).
    pattern_vars: Vec<u32>,
}

/// A set of classes of one key. The binary operations expect both sets to belong to
/// the same key (with different keys the result keeps `self`'s key and means nothing).
///
/// The set of a *lazy* key ([`Vocabulary::set_lazy`]) is a formula over the key's patterns
/// rather than a list of classes (its classes are not enumerated): [`ClassSet::contains`],
/// [`ClassSet::len`] and [`ClassSet::iter`] see no class in it, and [`ClassSet::is_empty`] is
/// true only of the empty formula. Use it through [`Universe::value_in`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClassSet {
    key: KeyId,
    repr: Repr,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Repr {
    Classes(Vec<bool>),
    Patterns(SetExpr),
}

/// A set of strings of a lazy key, as a boolean combination of its patterns (shared subterms:
/// cloning is constant time, so set operations in a loop stay linear).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum SetExpr {
    Const(bool),
    Pattern(u32),
    Not(Rc<SetExpr>),
    And(Rc<SetExpr>, Rc<SetExpr>),
    Or(Rc<SetExpr>, Rc<SetExpr>),
}

impl SetExpr {
    fn and(a: &SetExpr, b: &SetExpr) -> SetExpr {
        match (a, b) {
            (SetExpr::Const(false), _) | (_, SetExpr::Const(false)) => SetExpr::Const(false),
            (SetExpr::Const(true), x) | (x, SetExpr::Const(true)) => x.clone(),
            _ => SetExpr::And(Rc::new(a.clone()), Rc::new(b.clone())),
        }
    }

    fn or(a: &SetExpr, b: &SetExpr) -> SetExpr {
        match (a, b) {
            (SetExpr::Const(true), _) | (_, SetExpr::Const(true)) => SetExpr::Const(true),
            (SetExpr::Const(false), x) | (x, SetExpr::Const(false)) => x.clone(),
            _ => SetExpr::Or(Rc::new(a.clone()), Rc::new(b.clone())),
        }
    }

    fn not(a: &SetExpr) -> SetExpr {
        match a {
            SetExpr::Const(b) => SetExpr::Const(!b),
            SetExpr::Not(x) => (**x).clone(),
            _ => SetExpr::Not(Rc::new(a.clone())),
        }
    }
}

impl ClassSet {
    /// The key the classes belong to.
    pub fn key(&self) -> KeyId {
        self.key
    }

    fn members(&self) -> &[bool] {
        match &self.repr {
            Repr::Classes(m) => m,
            Repr::Patterns(_) => &[],
        }
    }

    /// Membership.
    pub fn contains(&self, class: ClassId) -> bool {
        self.members()
            .get(class.0 as usize)
            .copied()
            .unwrap_or(false)
    }

    /// True when no class is in the set.
    pub fn is_empty(&self) -> bool {
        match &self.repr {
            Repr::Classes(m) => !m.iter().any(|b| *b),
            Repr::Patterns(e) => *e == SetExpr::Const(false),
        }
    }

    /// Number of classes in the set.
    pub fn len(&self) -> usize {
        self.members().iter().filter(|b| **b).count()
    }

    /// The classes, ascending.
    pub fn iter(&self) -> impl Iterator<Item = ClassId> + '_ {
        self.members()
            .iter()
            .enumerate()
            .filter(|(_, b)| **b)
            .filter_map(|(i, _)| u32::try_from(i).ok().map(ClassId))
    }

    fn zip(
        &self,
        other: &ClassSet,
        f: impl Fn(bool, bool) -> bool,
        g: impl Fn(&SetExpr, &SetExpr) -> SetExpr,
    ) -> ClassSet {
        let repr = match (&self.repr, &other.repr) {
            (Repr::Classes(a), Repr::Classes(b)) => Repr::Classes(
                a.iter()
                    .zip(b.iter().chain(std::iter::repeat(&false)))
                    .map(|(x, y)| f(*x, *y))
                    .collect(),
            ),
            (Repr::Patterns(a), Repr::Patterns(b)) => Repr::Patterns(g(a, b)),
            // Sets of different keys: the result means nothing (see the type's docs).
            (r, _) => r.clone(),
        };
        ClassSet {
            key: self.key,
            repr,
        }
    }

    /// `self ∪ other` (both of the same key).
    pub fn union(&self, other: &ClassSet) -> ClassSet {
        self.zip(other, |a, b| a || b, SetExpr::or)
    }

    /// `self ∩ other`.
    pub fn intersection(&self, other: &ClassSet) -> ClassSet {
        self.zip(other, |a, b| a && b, SetExpr::and)
    }

    /// `self ∖ other`.
    pub fn difference(&self, other: &ClassSet) -> ClassSet {
        self.zip(
            other,
            |a, b| a && !b,
            |a, b| SetExpr::and(a, &SetExpr::not(b)),
        )
    }

    /// Every class of the key not in `self` (absence is not a class).
    pub fn complement(&self) -> ClassSet {
        ClassSet {
            key: self.key,
            repr: match &self.repr {
                Repr::Classes(m) => Repr::Classes(m.iter().map(|b| !b).collect()),
                Repr::Patterns(e) => Repr::Patterns(SetExpr::not(e)),
            },
        }
    }
}

/// The diagram of a lazy key's set over its pattern variables `vars`.
fn expr_bdd(bdd: &mut BddManager, vars: &[u32], e: &SetExpr) -> Result<Bdd, NodeLimit> {
    Ok(match e {
        SetExpr::Const(b) => {
            if *b {
                Bdd::TRUE
            } else {
                Bdd::FALSE
            }
        }
        SetExpr::Pattern(i) => match vars.get(*i as usize) {
            Some(&v) => bdd.var(v)?,
            None => Bdd::FALSE,
        },
        SetExpr::Not(x) => {
            let x = expr_bdd(bdd, vars, x)?;
            bdd.not(x)?
        }
        SetExpr::And(a, b) => {
            let a = expr_bdd(bdd, vars, a)?;
            let b = expr_bdd(bdd, vars, b)?;
            bdd.and(a, b)?
        }
        SetExpr::Or(a, b) => {
            let a = expr_bdd(bdd, vars, a)?;
            let b = expr_bdd(bdd, vars, b)?;
            bdd.or(a, b)?
        }
    })
}

/// Literals (variable, value) that a lemma forbids together.
type Forbidden = Vec<(u32, bool)>;

/// A lazy key's infeasible core: (key index, whether the key is present, the pattern literals
/// that cannot hold together with that presence).
type Lemma = (usize, bool, Vec<(usize, bool)>);

/// A membership test for one class ([`Universe::class_test`]).
#[derive(Debug)]
pub struct ClassTest<'a> {
    universe: &'a Universe,
    key: KeyId,
    class: ClassId,
    how: Membership<'a>,
}

#[derive(Debug)]
enum Membership<'a> {
    /// Through [`Universe::class_of`].
    Eager,
    /// A lazy key's patterns, with whether the class matches each (its matching ones first).
    Lazy(Vec<(&'a Pattern, bool)>),
    /// A lazy key's class that was never discovered: no member.
    Undiscovered,
}

impl ClassTest<'_> {
    /// Whether `value` lies in the class.
    pub fn contains(&self, value: &Value) -> bool {
        match (&self.how, value) {
            (Membership::Eager, _) => {
                self.universe.class_of(self.key, value).ok().flatten() == Some(self.class)
            }
            (_, Value::String(s)) => self.contains_str(s),
            _ => false,
        }
    }

    /// [`ClassTest::contains`] for a string value.
    pub fn contains_str(&self, s: &str) -> bool {
        match &self.how {
            Membership::Eager => self.contains(&Value::String(s.to_owned())),
            Membership::Lazy(order) => order.iter().all(|(p, m)| p.matches(s) == *m),
            Membership::Undiscovered => false,
        }
    }

    /// Whether the class of a lazy key lies inside a literal pattern (its strings are then one
    /// string up to case: scanning other strings for a member is pointless).
    pub fn within_literal(&self) -> bool {
        match &self.how {
            Membership::Lazy(order) => order
                .iter()
                .any(|(p, m)| *m && matches!(p.shape(), Shape::Whole(g) if g.is_literal())),
            _ => false,
        }
    }
}

/// The partitions of all keys and the BDD manager for formulas over them.
#[derive(Clone, Debug)]
pub struct Universe {
    keys: Vec<KeyInfo>,
    bdd: BddManager,
    valid: Bdd,
    limits: Limits,
    /// Pattern variable of a lazy key → (key index, pattern index).
    lazy_owner: FxHashMap<u32, (usize, usize)>,
    /// Lemmas learnt on lazy keys: a clause, and the literals it forbids together (see `refine`).
    lemmas: Vec<(Bdd, Forbidden)>,
}

impl Universe {
    fn info(&self, key: KeyId) -> Result<&KeyInfo, LogicError> {
        self.keys
            .get(key.index())
            .ok_or(LogicError::UnknownKey(key.0))
    }

    fn info_of(&self, key: KeyId, kind: KeyKind) -> Result<&KeyInfo, LogicError> {
        let k = self.info(key)?;
        if k.decl.kind != kind {
            return Err(LogicError::WrongKind {
                key: k.decl.name.clone(),
                expected: kind,
                found: k.decl.kind,
            });
        }
        Ok(k)
    }

    fn arity_check(&self, key: KeyId, arity: Arity) -> Result<&KeyInfo, LogicError> {
        let k = self.info(key)?;
        if k.decl.arity != arity {
            return Err(LogicError::WrongArity {
                key: k.decl.name.clone(),
                expected: arity,
                found: k.decl.arity,
            });
        }
        Ok(k)
    }

    // ----- keys and classes -------------------------------------------------------

    /// The keys, in declaration order.
    pub fn keys(&self) -> impl Iterator<Item = KeyId> + '_ {
        (0..self.keys.len()).filter_map(|i| u32::try_from(i).ok().map(KeyId))
    }

    /// The key declared under `name`.
    pub fn key(&self, name: &str) -> Option<KeyId> {
        self.keys().find(|k| {
            self.keys
                .get(k.index())
                .is_some_and(|i| i.decl.name == name)
        })
    }

    /// The key's name.
    pub fn key_name(&self, key: KeyId) -> Result<&str, LogicError> {
        Ok(&self.info(key)?.decl.name)
    }

    /// The key's kind.
    pub fn key_kind(&self, key: KeyId) -> Result<KeyKind, LogicError> {
        Ok(self.info(key)?.decl.kind)
    }

    /// The key's arity.
    pub fn key_arity(&self, key: KeyId) -> Result<Arity, LogicError> {
        Ok(self.info(key)?.decl.arity)
    }

    /// Number of classes of the key (absence not counted).
    pub fn class_count(&self, key: KeyId) -> Result<usize, LogicError> {
        let k = self.info(key)?;
        if let Partition::Lazy(_) = k.part {
            return Err(LogicError::NotEnumerated {
                key: k.decl.name.clone(),
            });
        }
        Ok(k.n)
    }

    /// Whether the key is lazy ([`Vocabulary::set_lazy`]).
    pub fn is_lazy(&self, key: KeyId) -> Result<bool, LogicError> {
        Ok(matches!(self.info(key)?.part, Partition::Lazy(_)))
    }

    /// The witness value of a class.
    pub fn class_witness(&self, key: KeyId, class: ClassId) -> Result<Value, LogicError> {
        let k = self.info(key)?;
        let none = || LogicError::NoSuchClass {
            key: k.decl.name.clone(),
            class: class.0,
        };
        let i = class.0 as usize;
        Ok(match &k.part {
            Partition::String(p) | Partition::Enum { part: p, .. } => {
                Value::String(p.classes().get(i).ok_or_else(none)?.witness.clone())
            }
            Partition::Ip(c) => Value::Ip(c.get(i).ok_or_else(none)?.witness),
            Partition::Number(p) => Value::Number(p.cells().get(i).ok_or_else(none)?.1),
            Partition::Date(p) => Value::Date(p.cells().get(i).ok_or_else(none)?.1),
            Partition::Bool => match i {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                _ => return Err(none()),
            },
            Partition::Lazy(l) => Value::String(l.witness(i).ok_or_else(none)?.to_owned()),
        })
    }

    /// Number of concrete values in a class when finite and meaningful: addresses for
    /// IP classes, instants (milliseconds) for dates, 1 for booleans and for the
    /// single value of a literal. `None` for infinite classes (strings with a `*` or
    /// open-ended lengths, number gaps).
    pub fn class_size(&self, key: KeyId, class: ClassId) -> Result<Option<Natural>, LogicError> {
        let k = self.info(key)?;
        let i = class.0 as usize;
        let none = || LogicError::NoSuchClass {
            key: k.decl.name.clone(),
            class: class.0,
        };
        Ok(match &k.part {
            Partition::Enum { sizes, .. } => Some(Natural::from(
                u64::try_from(*sizes.get(i).ok_or_else(none)?).unwrap_or(u64::MAX),
            )),
            Partition::String(p) => {
                let c = p.classes().get(i).ok_or_else(none)?;
                // A class is a single string iff it lies inside some literal pattern.
                let literal = k.decl.patterns.iter().zip(&c.signature).any(|(pat, m)| {
                    *m && pat.case() == crate::glob::Case::Sensitive
                        && matches!(pat.shape(), Shape::Whole(g) if g.is_literal())
                });
                literal.then(Natural::one)
            }
            Partition::Ip(c) => Some(match c.get(i).ok_or_else(none)?.range {
                IpRange::V4(lo, hi) => <u32 as crate::interval::Point>::span(lo, hi),
                IpRange::V6(lo, hi) => <u128 as crate::interval::Point>::span(lo, hi),
            }),
            Partition::Number(p) => match p.cells().get(i).ok_or_else(none)?.0 {
                OrdCell::Point(_) => Some(Natural::one()),
                OrdCell::Gap(..) => None,
            },
            Partition::Date(p) => {
                let cell = p.cells().get(i).ok_or_else(none)?.0;
                Some(match cell {
                    OrdCell::Point(_) => Natural::one(),
                    OrdCell::Gap(lo, hi) => {
                        let lo = lo.map_or(i128::from(i64::MIN), |d| d.raw() + 1);
                        let hi = hi.map_or(i128::from(i64::MAX), |d| d.raw() - 1);
                        Natural::from((hi - lo + 1).unsigned_abs())
                    }
                })
            }
            Partition::Bool => (i < 2).then(Natural::one),
            Partition::Lazy(_) => {
                return Err(LogicError::NotEnumerated {
                    key: k.decl.name.clone(),
                });
            }
        })
    }

    /// A one-line description of a class, for explanations.
    pub fn describe_class(&self, key: KeyId, class: ClassId) -> Result<String, LogicError> {
        let k = self.info(key)?;
        let i = class.0 as usize;
        let w = self.class_witness(key, class)?;
        Ok(match &k.part {
            Partition::String(_) | Partition::Enum { .. } | Partition::Lazy(_) => {
                let sig = match &k.part {
                    Partition::String(p) | Partition::Enum { part: p, .. } => p
                        .classes()
                        .get(i)
                        .map(|c| c.signature.clone())
                        .unwrap_or_default(),
                    Partition::Lazy(l) => l.signature(&w.to_string()),
                    _ => Vec::new(),
                };
                let patterns = match &k.part {
                    Partition::Lazy(l) => l.patterns(),
                    _ => &k.decl.patterns,
                };
                let (yes, no): (Vec<_>, Vec<_>) = patterns.iter().zip(sig).partition(|(_, m)| *m);
                let show = |v: Vec<(&Pattern, bool)>| {
                    v.iter()
                        .map(|(p, _)| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                format!(
                    "strings like `{w}` (matching [{}]; not [{}])",
                    show(yes),
                    show(no)
                )
            }
            Partition::Ip(c) => match c.get(i).map(|c| c.range) {
                Some(IpRange::V4(lo, hi)) => {
                    format!("{} – {}", Ipv4Addr::from(lo), Ipv4Addr::from(hi))
                }
                Some(IpRange::V6(lo, hi)) => {
                    format!("{} – {}", Ipv6Addr::from(lo), Ipv6Addr::from(hi))
                }
                None => String::new(),
            },
            Partition::Number(p) => describe_cell(p.cells().get(i).map(|c| c.0)),
            Partition::Date(p) => describe_cell(p.cells().get(i).map(|c| c.0)),
            Partition::Bool => w.to_string(),
        })
    }

    fn set_where(&self, key: KeyId, f: impl Fn(usize) -> bool) -> Result<ClassSet, LogicError> {
        let n = self.info(key)?.n;
        Ok(ClassSet {
            key,
            repr: Repr::Classes((0..n).map(f).collect()),
        })
    }

    /// Every class of the key.
    pub fn classes_all(&self, key: KeyId) -> Result<ClassSet, LogicError> {
        if self.is_lazy(key)? {
            return Ok(ClassSet {
                key,
                repr: Repr::Patterns(SetExpr::Const(true)),
            });
        }
        self.set_where(key, |_| true)
    }

    /// No class.
    pub fn classes_none(&self, key: KeyId) -> Result<ClassSet, LogicError> {
        if self.is_lazy(key)? {
            return Ok(ClassSet {
                key,
                repr: Repr::Patterns(SetExpr::Const(false)),
            });
        }
        self.set_where(key, |_| false)
    }

    /// The classes whose strings match a registered pattern (string or enumerated key).
    pub fn classes_like(&self, key: KeyId, pattern: &Pattern) -> Result<ClassSet, LogicError> {
        let k = self.info(key)?;
        let index =
            || {
                k.decl.pattern_index.get(pattern).copied().ok_or_else(|| {
                    LogicError::NotRegistered {
                        key: k.decl.name.clone(),
                        literal: pattern.to_string(),
                    }
                })
            };
        if let Partition::Lazy(_) = k.part {
            let idx = u32::try_from(index()?).unwrap_or(u32::MAX);
            return Ok(ClassSet {
                key,
                repr: Repr::Patterns(SetExpr::Pattern(idx)),
            });
        }
        let (Partition::String(p) | Partition::Enum { part: p, .. }) = &k.part else {
            return Err(LogicError::WrongKind {
                key: k.decl.name.clone(),
                expected: KeyKind::String,
                found: k.decl.kind,
            });
        };
        let idx = index()?;
        let hits: BTreeSet<usize> = p.matching(idx).into_iter().collect();
        self.set_where(key, |i| hits.contains(&i))
    }

    /// The classes of addresses inside a registered CIDR.
    pub fn classes_in_cidr(&self, key: KeyId, cidr: Cidr) -> Result<ClassSet, LogicError> {
        let k = self.info_of(key, KeyKind::Ip)?;
        if !k.decl.cidrs.contains(&cidr) {
            return Err(LogicError::NotRegistered {
                key: k.decl.name.clone(),
                literal: cidr.to_string(),
            });
        }
        let Partition::Ip(classes) = &k.part else {
            return self.classes_none(key);
        };
        let inside: Vec<bool> = classes.iter().map(|c| cidr.contains(c.witness)).collect();
        self.set_where(key, |i| inside.get(i).copied().unwrap_or(false))
    }

    /// The classes of numbers `x` with `x op value`; `value` must be registered.
    pub fn classes_num_cmp(
        &self,
        key: KeyId,
        op: CmpOp,
        value: Decimal,
    ) -> Result<ClassSet, LogicError> {
        let k = self.info_of(key, KeyKind::Number)?;
        if !k.decl.numbers.contains(&value) {
            return Err(LogicError::NotRegistered {
                key: k.decl.name.clone(),
                literal: value.to_string(),
            });
        }
        let Partition::Number(p) = &k.part else {
            return self.classes_none(key);
        };
        let hits: BTreeSet<usize> = p.select(op, &value).into_iter().collect();
        self.set_where(key, |i| hits.contains(&i))
    }

    /// The classes of instants `x` with `x op value`; `value` must be registered.
    pub fn classes_date_cmp(
        &self,
        key: KeyId,
        op: CmpOp,
        value: Date,
    ) -> Result<ClassSet, LogicError> {
        let k = self.info_of(key, KeyKind::Date)?;
        if !k.decl.dates.contains(&value) {
            return Err(LogicError::NotRegistered {
                key: k.decl.name.clone(),
                literal: value.to_string(),
            });
        }
        let Partition::Date(p) = &k.part else {
            return self.classes_none(key);
        };
        let hits: BTreeSet<usize> = p.select(op, &value).into_iter().collect();
        self.set_where(key, |i| hits.contains(&i))
    }

    /// The class of `true` or of `false`.
    pub fn classes_bool(&self, key: KeyId, value: bool) -> Result<ClassSet, LogicError> {
        self.info_of(key, KeyKind::Bool)?;
        self.set_where(key, |i| i == usize::from(value))
    }

    /// The class a concrete value belongs to (the bridge to a concrete evaluator).
    /// `None` when the value's type does not fit the key, or when an enumerated key
    /// does not list the value.
    pub fn class_of(&self, key: KeyId, value: &Value) -> Result<Option<ClassId>, LogicError> {
        let k = self.info(key)?;
        let found = match (&k.part, value) {
            (Partition::String(p), Value::String(s)) => match p.class_of(s) {
                Some(c) => Some(c),
                None => {
                    let sig: Vec<bool> = k.decl.patterns.iter().map(|pat| pat.matches(s)).collect();
                    p.classes().iter().position(|c| c.signature == sig)
                }
            },
            (Partition::Enum { index, .. }, Value::String(s)) => index.get(s).copied(),
            (Partition::Ip(classes), Value::Ip(addr)) => {
                classes.iter().position(|c| match (c.range, addr) {
                    (IpRange::V4(lo, hi), IpAddr::V4(a)) => (lo..=hi).contains(&u32::from(*a)),
                    (IpRange::V6(lo, hi), IpAddr::V6(a)) => (lo..=hi).contains(&u128::from(*a)),
                    _ => false,
                })
            }
            (Partition::Number(p), Value::Number(x)) => {
                p.cells().iter().position(|(c, _)| in_cell(c, x))
            }
            (Partition::Date(p), Value::Date(x)) => {
                p.cells().iter().position(|(c, _)| in_cell(c, x))
            }
            (Partition::Bool, Value::Bool(b)) => Some(usize::from(*b)),
            (Partition::Lazy(l), Value::String(s)) => {
                let sig = l.signature(s);
                (0..l.discovered()).find(|&i| l.witness(i).is_some_and(|w| l.signature(w) == sig))
            }
            _ => None,
        };
        Ok(found.and_then(|i| u32::try_from(i).ok()).map(ClassId))
    }

    /// Whether `value` lies in class `class` of the key: every formula of the universe then gives
    /// it the same answer as the class's witness. To test many values, use
    /// [`Universe::class_test`].
    pub fn same_class(
        &self,
        key: KeyId,
        class: ClassId,
        value: &Value,
    ) -> Result<bool, LogicError> {
        Ok(self.class_test(key, class)?.contains(value))
    }

    /// A membership test for class `class` of the key, for testing many values. For a lazy key it
    /// compares the patterns a value matches with those of the class's witness (the witness's
    /// matching patterns first, so most values are told apart by a few matches).
    pub fn class_test(&self, key: KeyId, class: ClassId) -> Result<ClassTest<'_>, LogicError> {
        let k = self.info(key)?;
        let how = match &k.part {
            Partition::Lazy(l) => match l.witness(class.0 as usize) {
                Some(w) => {
                    let sig = l.signature(w);
                    let with = |want: bool| {
                        l.patterns()
                            .iter()
                            .zip(sig.iter().copied())
                            .filter(move |(_, m)| *m == want)
                    };
                    Membership::Lazy(with(true).chain(with(false)).collect())
                }
                None => Membership::Undiscovered,
            },
            _ => Membership::Eager,
        };
        Ok(ClassTest {
            universe: self,
            key,
            class,
            how,
        })
    }

    // ----- formulas --------------------------------------------------------------

    /// The formula true of every request.
    pub fn tt(&self) -> Bdd {
        Bdd::TRUE
    }

    /// The formula true of no request.
    pub fn ff(&self) -> Bdd {
        Bdd::FALSE
    }

    /// `a ∧ b`.
    pub fn and(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, LogicError> {
        self.bdd.and(a, b).map_err(node_limit)
    }

    /// `a ∨ b`.
    pub fn or(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, LogicError> {
        self.bdd.or(a, b).map_err(node_limit)
    }

    /// `¬a`.
    pub fn not(&mut self, a: Bdd) -> Result<Bdd, LogicError> {
        self.bdd.not(a).map_err(node_limit)
    }

    /// `a ∧ ¬b`.
    pub fn diff(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, LogicError> {
        self.bdd.diff(a, b).map_err(node_limit)
    }

    /// `a ⊕ b`.
    pub fn xor(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, LogicError> {
        self.bdd.xor(a, b).map_err(node_limit)
    }

    /// `if f then g else h`.
    pub fn ite(&mut self, f: Bdd, g: Bdd, h: Bdd) -> Result<Bdd, LogicError> {
        self.bdd.ite(f, g, h).map_err(node_limit)
    }

    /// Conjunction of many formulas (true for none).
    pub fn and_all(&mut self, fs: impl IntoIterator<Item = Bdd>) -> Result<Bdd, LogicError> {
        fs.into_iter()
            .try_fold(Bdd::TRUE, |acc, f| self.and(acc, f))
    }

    /// Disjunction of many formulas (false for none).
    pub fn or_all(&mut self, fs: impl IntoIterator<Item = Bdd>) -> Result<Bdd, LogicError> {
        fs.into_iter()
            .try_fold(Bdd::FALSE, |acc, f| self.or(acc, f))
    }

    /// The BDD of a set of codes of a single-valued key (codes sorted, distinct).
    fn codes_bdd(&mut self, first_var: u32, width: u32, codes: &[u64]) -> Result<Bdd, NodeLimit> {
        self.codes_rec(first_var, width, 0, codes)
    }

    fn codes_rec(
        &mut self,
        first_var: u32,
        width: u32,
        bit: u32,
        codes: &[u64],
    ) -> Result<Bdd, NodeLimit> {
        if codes.is_empty() {
            return Ok(Bdd::FALSE);
        }
        if bit == width {
            return Ok(Bdd::TRUE);
        }
        let shift = width - 1 - bit;
        let split = codes.partition_point(|c| (c >> shift) & 1 == 0);
        let (zeros, ones) = codes.split_at(split);
        let lo = self.codes_rec(first_var, width, bit + 1, zeros)?;
        let hi = self.codes_rec(first_var, width, bit + 1, ones)?;
        self.bdd.mk(first_var + bit, lo, hi)
    }

    fn domain_constraint(&mut self, i: usize) -> Result<Bdd, NodeLimit> {
        let Some(k) = self.keys.get(i) else {
            return Ok(Bdd::TRUE);
        };
        if let Partition::Lazy(_) = &k.part {
            // No constraint up front: "absent ⇒ no pattern matches" and "a universal pattern
            // matches every present value" are learnt like any other lemma, when a path needs
            // them (conjoining them here would put every pattern variable in every question).
            return Ok(Bdd::TRUE);
        }
        let (first, width, n, arity) = (k.first_var, k.width, k.n as u64, k.decl.arity);
        match arity {
            Arity::Single => {
                let codes: Vec<u64> = (0..=n).collect();
                self.codes_bdd(first, width, &codes)
            }
            Arity::Multi => {
                // present ∨ no member bit set
                let mut none = Bdd::TRUE;
                for v in (first + 1..first + width).rev() {
                    none = self.bdd.mk(v, none, Bdd::FALSE)?;
                }
                self.bdd.mk(first, none, Bdd::TRUE)
            }
        }
    }

    /// The key is in the request (for a multi-valued key: possibly with no values).
    pub fn present(&mut self, key: KeyId) -> Result<Bdd, LogicError> {
        let k = self.info(key)?;
        let (f, w, n) = (k.first_var, k.width, k.n as u64);
        if let Partition::Lazy(_) = k.part {
            return self.bdd.var(f).map_err(node_limit);
        }
        match k.decl.arity {
            Arity::Single => {
                let codes: Vec<u64> = (1..=n).collect();
                self.codes_bdd(f, w, &codes).map_err(node_limit)
            }
            Arity::Multi => self.bdd.var(f).map_err(node_limit),
        }
    }

    /// The key is not in the request (IAM `Null: true`).
    pub fn absent(&mut self, key: KeyId) -> Result<Bdd, LogicError> {
        let k = self.info(key)?;
        let (f, w) = (k.first_var, k.width);
        if let Partition::Lazy(_) = k.part {
            return self.bdd.nvar(f).map_err(node_limit);
        }
        match k.decl.arity {
            Arity::Single => self.codes_bdd(f, w, &[0]).map_err(node_limit),
            Arity::Multi => self.bdd.nvar(f).map_err(node_limit),
        }
    }

    /// A single-valued key is present with a value in one of the classes.
    pub fn value_in(&mut self, set: &ClassSet) -> Result<Bdd, LogicError> {
        let k = self.arity_check(set.key, Arity::Single)?;
        if let Repr::Patterns(e) = &set.repr {
            let first = k.first_var;
            let vars = &self
                .keys
                .get(set.key.index())
                .ok_or(LogicError::UnknownKey(set.key.0))?
                .pattern_vars;
            let f = expr_bdd(&mut self.bdd, vars, e).map_err(node_limit)?;
            let p = self.bdd.var(first).map_err(node_limit)?;
            return self.bdd.and(p, f).map_err(node_limit);
        }
        let codes: Vec<u64> = set
            .iter()
            .map(|c| u64::from(c.0) + 1)
            .filter(|c| *c <= k.n as u64)
            .collect();
        let (f, w) = (k.first_var, k.width);
        self.codes_bdd(f, w, &codes).map_err(node_limit)
    }

    /// `ForAnyValue`: a multi-valued key has some value in one of the classes (false
    /// when absent or empty).
    pub fn for_any_value(&mut self, set: &ClassSet) -> Result<Bdd, LogicError> {
        let k = self.arity_check(set.key, Arity::Multi)?;
        let (first, n) = (k.first_var, k.n);
        let vars: Vec<u32> = set
            .iter()
            .filter(|c| (c.0 as usize) < n)
            .map(|c| first + 1 + c.0)
            .collect();
        let mut acc = Bdd::FALSE;
        for v in vars.into_iter().rev() {
            acc = self.bdd.mk(v, acc, Bdd::TRUE).map_err(node_limit)?;
        }
        Ok(acc)
    }

    /// `ForAllValues`: every value of a multi-valued key is in one of the classes
    /// (true when absent or empty).
    pub fn for_all_values(&mut self, set: &ClassSet) -> Result<Bdd, LogicError> {
        let k = self.arity_check(set.key, Arity::Multi)?;
        let (first, n) = (k.first_var, k.n);
        let outside: Vec<u32> = (0..n)
            .filter_map(|i| u32::try_from(i).ok().map(ClassId))
            .filter(|c| !set.contains(*c))
            .map(|c| first + 1 + c.0)
            .collect();
        let mut acc = Bdd::TRUE;
        for v in outside.into_iter().rev() {
            acc = self.bdd.mk(v, acc, Bdd::FALSE).map_err(node_limit)?;
        }
        Ok(acc)
    }

    /// The key holds a value in exactly the given classes and no other (multi-valued).
    pub fn values_exactly(&mut self, set: &ClassSet) -> Result<Bdd, LogicError> {
        let k = self.arity_check(set.key, Arity::Multi)?;
        let (first, n) = (k.first_var, k.n);
        let mut acc = Bdd::TRUE;
        for i in (0..n).rev() {
            let v = first + 1 + u32::try_from(i).unwrap_or(u32::MAX);
            let inside = set.members().get(i).copied().unwrap_or(false);
            acc = if inside {
                self.bdd.mk(v, Bdd::FALSE, acc)
            } else {
                self.bdd.mk(v, acc, Bdd::FALSE)
            }
            .map_err(node_limit)?;
        }
        self.bdd.mk(first, Bdd::FALSE, acc).map_err(node_limit)
    }

    /// Single-valued key present and matching a registered pattern.
    pub fn like(&mut self, key: KeyId, pattern: &Pattern) -> Result<Bdd, LogicError> {
        let s = self.classes_like(key, pattern)?;
        self.value_in(&s)
    }

    /// Single-valued key present and inside a registered CIDR.
    pub fn in_cidr(&mut self, key: KeyId, cidr: Cidr) -> Result<Bdd, LogicError> {
        let s = self.classes_in_cidr(key, cidr)?;
        self.value_in(&s)
    }

    /// Single-valued key present and `x op value`.
    pub fn num_cmp(&mut self, key: KeyId, op: CmpOp, value: Decimal) -> Result<Bdd, LogicError> {
        let s = self.classes_num_cmp(key, op, value)?;
        self.value_in(&s)
    }

    /// Single-valued key present and `x op value`.
    pub fn date_cmp(&mut self, key: KeyId, op: CmpOp, value: Date) -> Result<Bdd, LogicError> {
        let s = self.classes_date_cmp(key, op, value)?;
        self.value_in(&s)
    }

    /// Single-valued key present and equal to `value`.
    pub fn bool_eq(&mut self, key: KeyId, value: bool) -> Result<Bdd, LogicError> {
        let s = self.classes_bool(key, value)?;
        self.value_in(&s)
    }

    // ----- questions -------------------------------------------------------------

    /// `f` ∧ the domain constraints. Lemmas of lazy keys are not conjoined here (see `refine`).
    fn restrict_valid(&mut self, f: Bdd) -> Result<Bdd, NodeLimit> {
        self.bdd.and(f, self.valid)
    }

    /// Is `f` true of no request? `Holds`, or `Violated` with a request in `f`.
    pub fn decide_empty(&mut self, f: Bdd) -> Decision {
        match self.restrict_valid(f) {
            Err(NodeLimit(limit)) => Decision::Unknown(Unknown::BddNodes { limit }),
            Ok(g) => match self.assignment_of(g) {
                Err(u) => Decision::Unknown(u),
                Ok(None) => Decision::Holds,
                Ok(Some(a)) => Decision::Violated(self.witness(&a)),
            },
        }
    }

    /// Is `f` true of some request? The answer of [`Universe::decide_empty`] (negated), without
    /// building the witness request.
    pub fn satisfiable(&mut self, f: Bdd) -> Result<bool, Unknown> {
        let g = self
            .restrict_valid(f)
            .map_err(|NodeLimit(limit)| Unknown::BddNodes { limit })?;
        Ok(self.assignment_of(g)?.is_some())
    }

    /// Does every request in `a` lie in `b`? `Violated` carries a request in `a ∖ b`.
    pub fn decide_implies(&mut self, a: Bdd, b: Bdd) -> Decision {
        match self.bdd.diff(a, b) {
            Err(NodeLimit(limit)) => Decision::Unknown(Unknown::BddNodes { limit }),
            Ok(d) => self.decide_empty(d),
        }
    }

    /// Do `a` and `b` hold of the same requests? `Violated` carries a request in
    /// exactly one of them ([`Universe::eval`] tells which).
    pub fn decide_equivalent(&mut self, a: Bdd, b: Bdd) -> Decision {
        match self.bdd.xor(a, b) {
            Err(NodeLimit(limit)) => Decision::Unknown(Unknown::BddNodes { limit }),
            Ok(d) => self.decide_empty(d),
        }
    }

    /// Is `f` true of every request? `Violated` carries a request outside `f`.
    pub fn decide_valid(&mut self, f: Bdd) -> Decision {
        self.decide_implies(Bdd::TRUE, f)
    }

    /// Some class assignment satisfying `f` (preferring absent keys, then low
    /// classes), or `None` when `f` is empty.
    pub fn any_assignment(&mut self, f: Bdd) -> Result<Option<Assignment>, LogicError> {
        let g = self.restrict_valid(f).map_err(node_limit)?;
        self.assignment_of(g).map_err(LogicError::Limit)
    }

    /// A class assignment in `g` (already restricted to `valid`). Lazy keys are refined here: a
    /// path whose cube on a lazy key describes no string yields a lemma (kept in `lemmas`, and
    /// conjoined to `g`), and the next path is tried.
    fn assignment_of(&mut self, g: Bdd) -> Result<Option<Assignment>, Unknown> {
        let (max_states, max_work) = (self.limits.max_dfa_states, self.limits.max_dfa_work);
        let lazy_owner = std::mem::take(&mut self.lazy_owner);
        let out = self.refine(g, &lazy_owner, max_states, max_work);
        self.lazy_owner = lazy_owner;
        out
    }

    fn refine(
        &mut self,
        mut g: Bdd,
        lazy_owner: &FxHashMap<u32, (usize, usize)>,
        max_states: usize,
        max_work: u64,
    ) -> Result<Option<Assignment>, Unknown> {
        let bdd_limit = |NodeLimit(limit)| Unknown::BddNodes { limit };
        loop {
            let Some(path) = self.bdd.any_sat(g) else {
                return Ok(None);
            };
            // A lemma learnt before that this path breaks: conjoin it and take another path (no
            // string search). Lemmas are kept apart rather than conjoined up front: their
            // conjunction can be exponential in the variable order (a lemma "new pattern ⇒ old
            // pattern" per statement pairs variables registered far apart), while the few a
            // question meets stay small. The path lists its variables in ascending order.
            let broken = self.lemmas.iter().find(|(_, forbidden)| {
                forbidden.iter().all(|(v, b)| {
                    path.binary_search_by_key(v, |(pv, _)| *pv)
                        .is_ok_and(|i| path.get(i).is_some_and(|(_, pb)| pb == b))
                })
            });
            if let Some(&(clause, _)) = broken {
                g = self.bdd.and(g, clause).map_err(bdd_limit)?;
                continue;
            }
            // The lazy keys: a string per cube, or a lemma.
            let mut lazy: Vec<(usize, KeyValue)> = Vec::new();
            let mut lemmas: Vec<Lemma> = Vec::new();
            for (ki, k) in self.keys.iter_mut().enumerate() {
                let Partition::Lazy(l) = &mut k.part else {
                    continue;
                };
                let first = k.first_var;
                let cube: Vec<(usize, bool)> = path
                    .iter()
                    .filter_map(|(v, b)| match lazy_owner.get(v) {
                        Some(&(owner, i)) if owner == ki => Some((i, *b)),
                        _ => None,
                    })
                    .collect();
                let tested = path.iter().find(|(v, _)| *v == first).map(|(_, b)| *b);
                let some_true = cube.iter().find(|(_, b)| *b).map(|(i, _)| *i);
                match (tested, some_true) {
                    // An absent value matches no pattern.
                    (Some(false), Some(i)) => {
                        lemmas.push((ki, false, vec![(i, true)]));
                        continue;
                    }
                    (Some(false), None) | (None, None) => {
                        lazy.push((ki, KeyValue::Absent));
                        continue;
                    }
                    _ => {}
                }
                match l.solve(&cube, max_states, max_work) {
                    Outcome::Found(s) => {
                        let c = l.add(s);
                        lazy.push((
                            ki,
                            KeyValue::Class(ClassId(u32::try_from(c).unwrap_or(u32::MAX))),
                        ));
                    }
                    Outcome::Infeasible(core) => lemmas.push((ki, true, core)),
                    Outcome::Limit(AutomatonLimit::States(limit)) => {
                        return Err(Unknown::DfaStates {
                            key: k.decl.name.clone(),
                            limit,
                        });
                    }
                    Outcome::Limit(AutomatonLimit::Work(limit)) => {
                        return Err(Unknown::DfaWork {
                            key: k.decl.name.clone(),
                            limit,
                        });
                    }
                }
            }
            if lemmas.is_empty() {
                let mut bits = vec![false; self.bdd.num_vars() as usize];
                for &(v, b) in &path {
                    if let Some(slot) = bits.get_mut(v as usize) {
                        *slot = b;
                    }
                }
                let mut a = self.decode(&bits);
                for (ki, v) in lazy {
                    if let Some(slot) = a.values.get_mut(ki) {
                        *slot = v;
                    }
                }
                return Ok(Some(a));
            }
            for (ki, present, core) in lemmas {
                let (lemma, clause_vars) = self.lemma(ki, present, &core)?;
                match clause_vars {
                    Some(forbidden) => self.lemmas.push((lemma, forbidden)),
                    // The exact constraint of a key's full partition: part of the domain.
                    None => self.valid = self.bdd.and(self.valid, lemma).map_err(bdd_limit)?,
                }
                g = self.bdd.and(g, lemma).map_err(bdd_limit)?;
            }
        }
    }

    /// The constraint learnt from an infeasible core of lazy key `ki` under a presence: not all of
    /// the core's literals, with the literals it forbids together. After [`MAX_LEMMAS`] lemmas on
    /// a present key, the exact constraint of its full partition instead (the signatures of all
    /// its cells, no forbidden list: it joins the domain), after which no cube is infeasible.
    fn lemma(
        &mut self,
        ki: usize,
        present: bool,
        core: &[(usize, bool)],
    ) -> Result<(Bdd, Option<Forbidden>), Unknown> {
        let bdd_limit = |NodeLimit(limit)| Unknown::BddNodes { limit };
        let Some(k) = self.keys.get_mut(ki) else {
            return Ok((Bdd::TRUE, None));
        };
        let first = k.first_var;
        let vars = k.pattern_vars.clone();
        let Partition::Lazy(l) = &mut k.part else {
            return Ok((Bdd::TRUE, None));
        };
        if present {
            l.lemmas += 1;
        }
        if !present || l.lemmas <= MAX_LEMMAS || l.exact {
            // ¬(presence ∧ core), as a clause.
            let mut clause = if present {
                self.bdd.nvar(first)
            } else {
                self.bdd.var(first)
            }
            .map_err(bdd_limit)?;
            let mut forbidden = vec![(first, present)];
            for &(i, b) in core {
                let Some(&v) = vars.get(i) else {
                    continue;
                };
                let lit = if b { self.bdd.nvar(v) } else { self.bdd.var(v) }.map_err(bdd_limit)?;
                clause = self.bdd.or(clause, lit).map_err(bdd_limit)?;
                forbidden.push((v, b));
            }
            return Ok((clause, Some(forbidden)));
        }
        l.exact = true;
        let (max_states, max_work) = (self.limits.max_dfa_states, self.limits.max_dfa_work);
        let name = k.decl.name.clone();
        let part = partition(l.patterns(), max_states, max_work).map_err(|e| match e {
            AutomatonLimit::States(limit) => Unknown::DfaStates {
                key: name.clone(),
                limit,
            },
            AutomatonLimit::Work(limit) => Unknown::DfaWork {
                key: name.clone(),
                limit,
            },
        })?;
        // Signatures over the patterns in variable order.
        let mut order: Vec<usize> = (0..vars.len()).collect();
        order.sort_by_key(|&i| vars.get(i).copied().unwrap_or(u32::MAX));
        let ordered_vars: Vec<u32> = order.iter().filter_map(|&i| vars.get(i).copied()).collect();
        let mut sigs: Vec<Vec<bool>> = part
            .classes()
            .iter()
            .map(|c| {
                order
                    .iter()
                    .map(|&i| c.signature.get(i).copied().unwrap_or(false))
                    .collect()
            })
            .collect();
        sigs.sort();
        let cells = self
            .signatures_bdd(&ordered_vars, 0, &sigs)
            .map_err(bdd_limit)?;
        // Absent with no pattern matching, or present with the signature of a cell.
        let p = self.bdd.var(first).map_err(bdd_limit)?;
        let none: Vec<Vec<bool>> = vec![vec![false; ordered_vars.len()]];
        let nothing = self
            .signatures_bdd(&ordered_vars, 0, &none)
            .map_err(bdd_limit)?;
        let absent = self.bdd.diff(nothing, p).map_err(bdd_limit)?;
        let present = self.bdd.and(p, cells).map_err(bdd_limit)?;
        Ok((self.bdd.or(absent, present).map_err(bdd_limit)?, None))
    }

    /// The BDD of a set of signatures (sorted, false before true) over variables `vars[j]`
    /// (ascending), from position `j` on.
    fn signatures_bdd(
        &mut self,
        vars: &[u32],
        j: usize,
        sigs: &[Vec<bool>],
    ) -> Result<Bdd, NodeLimit> {
        if sigs.is_empty() {
            return Ok(Bdd::FALSE);
        }
        let Some(width) = sigs.first().map(Vec::len) else {
            return Ok(Bdd::FALSE);
        };
        if j >= width {
            return Ok(Bdd::TRUE);
        }
        let split = sigs.partition_point(|s| !s.get(j).copied().unwrap_or(false));
        let (lo, hi) = sigs.split_at(split);
        let lo = self.signatures_bdd(vars, j + 1, lo)?;
        let hi = self.signatures_bdd(vars, j + 1, hi)?;
        match vars.get(j) {
            Some(&v) => self.bdd.mk(v, lo, hi),
            None => Ok(Bdd::FALSE),
        }
    }

    fn decode(&self, bits: &[bool]) -> Assignment {
        let bit = |v: u32| bits.get(v as usize).copied().unwrap_or(false);
        let values = self
            .keys
            .iter()
            .map(|k| match k.decl.arity {
                Arity::Single => {
                    let code = (0..k.width)
                        .fold(0u64, |acc, j| (acc << 1) | u64::from(bit(k.first_var + j)));
                    match code.checked_sub(1) {
                        None => KeyValue::Absent,
                        Some(c) => KeyValue::Class(ClassId(u32::try_from(c).unwrap_or(u32::MAX))),
                    }
                }
                Arity::Multi => {
                    if !bit(k.first_var) {
                        KeyValue::Absent
                    } else {
                        KeyValue::Set(
                            (0..k.width.saturating_sub(1))
                                .filter(|j| bit(k.first_var + 1 + j))
                                .map(ClassId)
                                .collect(),
                        )
                    }
                }
            })
            .collect();
        Assignment { values }
    }

    fn encode(&self, a: &Assignment) -> Vec<bool> {
        let mut bits = vec![false; self.bdd.num_vars() as usize];
        let mut set = |v: u32, b: bool| {
            if let Some(slot) = bits.get_mut(v as usize) {
                *slot = b;
            }
        };
        for (k, val) in self.keys.iter().zip(&a.values) {
            if let Partition::Lazy(l) = &k.part {
                // A discovered class: present, and the patterns its witness matches.
                if let KeyValue::Class(c) = val
                    && let Some(w) = l.witness(c.0 as usize)
                {
                    set(k.first_var, true);
                    for (v, m) in k.pattern_vars.iter().zip(l.signature(w)) {
                        set(*v, m);
                    }
                }
                continue;
            }
            match (k.decl.arity, val) {
                // Out-of-range classes are ignored (the key reads as absent / the
                // class as not in the set).
                (Arity::Single, KeyValue::Class(c)) if (c.0 as usize) < k.n => {
                    let code = u64::from(c.0) + 1;
                    for j in 0..k.width {
                        set(k.first_var + j, (code >> (k.width - 1 - j)) & 1 == 1);
                    }
                }
                (Arity::Multi, KeyValue::Set(cs)) => {
                    set(k.first_var, true);
                    for c in cs.iter().filter(|c| (c.0 as usize) < k.n) {
                        set(k.first_var + 1 + c.0, true);
                    }
                }
                _ => {}
            }
        }
        bits
    }

    /// Evaluates a formula on a class assignment (missing trailing keys are absent;
    /// class ids out of range are ignored).
    pub fn eval(&self, f: Bdd, a: &Assignment) -> bool {
        let bits = self.encode(a);
        self.bdd
            .eval(f, |v| bits.get(v as usize).copied().unwrap_or(false))
    }

    /// Concrete values for a class assignment: each class's witness value.
    pub fn witness(&self, a: &Assignment) -> Witness {
        let entries = self
            .keys()
            .zip(&a.values)
            .map(|(key, val)| {
                let one = |c: &ClassId| self.class_witness(key, *c).ok();
                let value = match val {
                    KeyValue::Absent => WitnessValue::Absent,
                    KeyValue::Class(c) => one(c).map_or(WitnessValue::Absent, WitnessValue::One),
                    KeyValue::Set(cs) => WitnessValue::Set(cs.iter().filter_map(one).collect()),
                };
                WitnessEntry {
                    key,
                    name: self.key_name(key).unwrap_or_default().to_owned(),
                    value,
                }
            })
            .collect();
        Witness {
            assignment: a.clone(),
            entries,
        }
    }

    /// Number of class assignments (over all keys, absence included) satisfying `f`.
    pub fn count_assignments(&mut self, f: Bdd) -> Result<Natural, LogicError> {
        self.weighted_count(f, &UnitWeights)
    }

    /// Weighted model count of `f`: the sum over satisfying class assignments of the
    /// product of their weights (see [`Weights`]). With weights = class sizes it
    /// counts concrete requests.
    pub fn weighted_count(
        &mut self,
        f: Bdd,
        weights: &impl Weights,
    ) -> Result<Natural, LogicError> {
        if let Some(k) = self
            .keys
            .iter()
            .find(|k| matches!(k.part, Partition::Lazy(_)))
        {
            return Err(LogicError::NotEnumerated {
                key: k.decl.name.clone(),
            });
        }
        let g = self.restrict_valid(f).map_err(node_limit)?;
        let mut memo: HashMap<(Bdd, usize, u32), Natural> = HashMap::new();
        Ok(self.wmc(g, 0, 0, weights, &mut memo))
    }

    /// Weighted count of the assignments of keys `k..` (and, inside multi-valued key
    /// `k`, of its variables from offset `j`) that satisfy `node`.
    fn wmc(
        &self,
        node: Bdd,
        k: usize,
        j: u32,
        weights: &impl Weights,
        memo: &mut HashMap<(Bdd, usize, u32), Natural>,
    ) -> Natural {
        if node.is_false() {
            return Natural::zero();
        }
        let Some(info) = self.keys.get(k) else {
            return Natural::from(u32::from(node.is_true()));
        };
        if let Some(c) = memo.get(&(node, k, j)) {
            return c.clone();
        }
        let key = KeyId(u32::try_from(k).unwrap_or(u32::MAX));
        let cofactor = |cur: Bdd, var: u32| -> (Bdd, Bdd) {
            match (self.bdd.root_var(cur), self.bdd.children(cur)) {
                (Some(v), Some(ch)) if v == var => ch,
                _ => (cur, cur),
            }
        };
        let total = match info.decl.arity {
            Arity::Single => {
                let mut total = Natural::zero();
                for code in 0..=info.n as u64 {
                    let mut cur = node;
                    for b in 0..info.width {
                        let (lo, hi) = cofactor(cur, info.first_var + b);
                        cur = if (code >> (info.width - 1 - b)) & 1 == 1 {
                            hi
                        } else {
                            lo
                        };
                    }
                    if cur.is_false() {
                        continue;
                    }
                    let class = code
                        .checked_sub(1)
                        .map(|c| ClassId(u32::try_from(c).unwrap_or(u32::MAX)));
                    let w = weights.value(key, class);
                    total = total.add(&w.mul(&self.wmc(cur, k + 1, 0, weights, memo)));
                }
                total
            }
            Arity::Multi => {
                if j == info.width {
                    self.wmc(node, k + 1, 0, weights, memo)
                } else {
                    let (lo, hi) = cofactor(node, info.first_var + j);
                    let (w0, w1) = if j == 0 {
                        (weights.absent(key), Natural::one())
                    } else {
                        let c = ClassId(j - 1);
                        (weights.member(key, c, false), weights.member(key, c, true))
                    };
                    let a = w0.mul(&self.wmc(lo, k, j + 1, weights, memo));
                    let b = w1.mul(&self.wmc(hi, k, j + 1, weights, memo));
                    a.add(&b)
                }
            }
        };
        memo.insert((node, k, j), total.clone());
        total
    }

    /// [`SizeWeights`] for this universe; `infinite` is the weight of a class with
    /// infinitely many values (strings matching a `*`, gaps between numbers).
    pub fn size_weights(&self, infinite: &Natural) -> SizeWeights {
        let sizes = self
            .keys()
            .map(|k| {
                let n = self.class_count(k).unwrap_or(0);
                (0..n)
                    .filter_map(|c| u32::try_from(c).ok())
                    .map(|c| {
                        self.class_size(k, ClassId(c))
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| infinite.clone())
                    })
                    .collect()
            })
            .collect();
        SizeWeights { sizes }
    }

    /// Nodes allocated in the BDD manager.
    pub fn node_count(&self) -> usize {
        self.bdd.node_count()
    }
}

fn in_cell<T: Ord>(cell: &OrdCell<T>, x: &T) -> bool {
    match cell {
        OrdCell::Point(v) => x == v,
        OrdCell::Gap(lo, hi) => {
            lo.as_ref().is_none_or(|l| x > l) && hi.as_ref().is_none_or(|h| x < h)
        }
    }
}

fn describe_cell<T: fmt::Display>(cell: Option<OrdCell<T>>) -> String {
    match cell {
        Some(OrdCell::Point(v)) => format!("= {v}"),
        Some(OrdCell::Gap(lo, hi)) => format!(
            "({}, {})",
            lo.map_or("-∞".to_owned(), |v| v.to_string()),
            hi.map_or("+∞".to_owned(), |v| v.to_string())
        ),
        None => String::new(),
    }
}
