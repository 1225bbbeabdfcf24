//! Exact set algebra over requests, with witnesses.
//!
//! `perimeter-logic` decides questions about *all possible requests* — "does formula
//! `A` allow anything `B` does not?", "is this formula empty?" — exactly, and answers
//! each with a concrete request when the answer is no. It knows nothing about AWS: no
//! ARNs, no actions, no policies. A compiler elsewhere turns policies into formulas
//! over this crate's vocabulary.
//!
//! # The model
//!
//! A **request** gives each **key** either nothing (the key is *absent*), one value
//! (single-valued keys), or a set of values (multi-valued keys). Keys are opaque
//! names chosen by the caller, each with a [`KeyKind`]: strings, strings from a
//! finite list (a closed world such as every known action), IP addresses, numbers,
//! dates or booleans.
//!
//! The caller first *registers* every literal its formulas will mention: string
//! patterns ([`Pattern`]: globs with `*`/`?`, exact literals, case-sensitive or not,
//! whole-string or segmented like ARNs), CIDRs, numbers and dates. From these, each
//! key's values are split into **classes**: two values are in the same class when no
//! registered literal can tell them apart.
//!
//! * strings: the non-empty cells of the Venn diagram of the pattern languages,
//!   computed by a bounded subset construction over the glob automata ([`strings`]);
//! * enumerated strings: the listed values grouped by the patterns they match;
//! * IP addresses: the elementary intervals between CIDR boundaries, IPv4 and IPv6
//!   apart ([`interval`]);
//! * numbers and dates: the literal points and the open gaps between them
//!   ([`ordered`]);
//! * booleans: `true` and `false`.
//!
//! Every class carries a **witness**: a concrete value in exactly that class (the
//! shortest string, a public IP address when the class has one, a round number).
//!
//! Since the classes refine every literal, any condition on a key is a *set of
//! classes* ([`ClassSet`]), and any formula over requests is a boolean function of
//! which class each key takes. Formulas are [`Bdd`]s (hash-consed reduced ordered
//! binary decision diagrams): a single-valued key is a binary-coded class number
//! (code 0 = absent), a multi-valued key is one bit per class ("some value is in
//! this class") plus a presence bit. `ForAnyValue` and `ForAllValues` are then plain
//! disjunctions and conjunctions over those bits, with the IAM rules for the
//! absent and the empty set.
//!
//! A question ([`Universe::decide_implies`], [`Universe::decide_equivalent`],
//! [`Universe::decide_empty`], …) reduces to "is this BDD empty?", answered in
//! constant time; when it is not, one path of the BDD gives a class per key and the
//! class witnesses give the concrete request ([`Witness`]).
//!
//! A single-valued string key can instead be *lazy* ([`Vocabulary::set_lazy`]): one
//! variable per pattern, no partition up front. A path then gives a *cube* of patterns that
//! must and must not match; a string with that cube is found on demand (a candidate, or a
//! search over the product of the cube's patterns only), and a cube no string has becomes a
//! lemma of the universe before the question is asked again. Same answers, found without the
//! Venn diagram of all the key's patterns, which can have thousands of cells.
//!
//! ```
//! use perimeter_logic::{Arity, Case, Decision, KeyKind, Pattern, Vocabulary, WitnessValue, Value};
//!
//! let mut vocab = Vocabulary::new();
//! let key = vocab.add_key("aws:PrincipalArn", KeyKind::String, Arity::Single)?;
//! let narrow = Pattern::glob("arn:aws:iam::111122223333:role/app-*", Case::Sensitive);
//! let broad = Pattern::glob("arn:aws:iam::111122223333:*", Case::Sensitive);
//! vocab.add_pattern(key, narrow.clone())?;
//! vocab.add_pattern(key, broad.clone())?;
//! let mut u = vocab.finish()?;
//!
//! let old = u.like(key, &narrow)?;
//! let new = u.like(key, &broad)?;
//! // The new condition admits requests the old one did not:
//! match u.decide_implies(new, old) {
//!     Decision::Violated(w) => {
//!         let WitnessValue::One(Value::String(s)) = &w.entries[0].value else { unreachable!() };
//!         assert!(broad.matches(s) && !narrow.matches(s));
//!     }
//!     other => panic!("expected a witness, got {other:?}"),
//! }
//! assert_eq!(u.decide_implies(old, new), Decision::Holds);
//! # Ok::<(), perimeter_logic::LogicError>(())
//! ```
//!
//! # Invariants
//!
//! * **No AWS types.** Keys are strings, values are strings, addresses, decimals,
//!   instants and booleans.
//! * **Exact.** Every answer is exact for the registered vocabulary. Using a literal
//!   that was not registered is an error ([`LogicError::NotRegistered`]), never a
//!   silent approximation. Numbers are fixed-point decimals, never floats.
//! * **Tri-state.** Questions return [`Decision`]: `Holds`, `Violated(witness)`, or
//!   `Unknown(reason)` when a bound was hit.
//! * **Bounded.** The subset construction stops at [`Limits::max_dfa_states`] states
//!   or [`Limits::max_dfa_work`] word operations (so its time is bounded whatever the
//!   patterns), the BDD at [`Limits::max_bdd_nodes`], and the number of BDD
//!   variables (the depth of every recursion) at [`Limits::max_vars`].
//! * **No panics, no I/O.** The crate reads no files, clock or environment, and it
//!   does not panic on any input.
//!
//! # Design choices
//!
//! * Characters are Unicode scalar values: `?` matches one `char`.
//! * Case-insensitive matching folds each scalar value by `lower(upper(c))` (Java's
//!   `equalsIgnoreCase` relation), for all of Unicode; see [`glob`].
//! * Numbers are exact decimals with up to 18 fractional digits ([`Decimal`]); dates
//!   are milliseconds since the epoch ([`Date`]).
//! * Counts are exact big naturals ([`Natural`]).

pub mod bdd;
mod fx;
pub mod glob;
pub mod interval;
mod lazy;
pub mod natural;
pub mod ordered;
pub mod strings;
pub mod universe;

pub use bdd::{Bdd, BddManager, NodeLimit};
pub use glob::{Case, Glob, GlobToken, Pattern, Shape};
pub use interval::{Cidr, IntervalSet, Point};
pub use natural::Natural;
pub use ordered::{CmpOp, Date, Decimal};
pub use universe::{
    Arity, Assignment, ClassId, ClassSet, ClassTest, Decision, KeyId, KeyKind, KeyValue, Limits,
    LogicError, PartitionCache, SizeWeights, UnitWeights, Universe, Unknown, Value, Vocabulary,
    Weights, Witness, WitnessEntry, WitnessValue,
};
