//! Lazy string keys: the Venn cells of a key's patterns, found one at a time.
//!
//! An eager string key splits all strings into the non-empty cells of its patterns' Venn diagram
//! before any question is asked ([`crate::strings::partition`]). When a key holds many patterns
//! that overlap in many ways (resource ARNs whose `*` may cross colons, say), that diagram has
//! thousands of cells, and building it costs more than every question asked of it.
//!
//! A lazy key instead gets one BDD variable per pattern ("the value matches pattern `i`") and one
//! for presence. Formulas over these variables over-approximate the strings: an assignment of the
//! variables may describe no string at all (`a` and `b` both true for two different literals). A
//! question is answered by counterexample-guided refinement:
//!
//! 1. take a path of the formula (a *cube*: some pattern variables true, some false);
//! 2. look for a string with exactly that cube ([`LazyPart::solve`]): a cheap candidate first
//!    (the shortest string of a true pattern, checked with the plain matcher), then a
//!    breadth-first search over the product of the cube's patterns only
//!    ([`crate::strings::search`]);
//! 3. if there is one, it is the witness; if not, a small infeasible part of the cube (a *core*:
//!    two patterns that cannot be both true, one that implies another, …) becomes a lemma that
//!    [`crate::Universe`] keeps, and the question is asked again.
//!
//! Lemmas are facts about strings, so they hold for every question of the universe and are kept.
//! They are kept as separate clauses, each conjoined to a question only when one of its paths
//! breaks it (no string search is needed then): conjoined into one formula they can grow
//! exponentially in the variable order.
//! An empty formula is empty without any string search. After [`MAX_LEMMAS`] lemmas on one key the
//! key falls back to the exact constraint of its full partition, so the refinement always ends.
//!
//! Bounds: every search on a key draws on one work budget (`Limits::max_dfa_work`, what an eager
//! key may spend on its whole partition) and each search on the state bound; the fallback
//! partition has the eager bounds. A lazy key thus costs at most about twice an eager key's bound,
//! and a bound hit is an `Unknown` answer, as for an eager key.
//!
//! Invariants: every lemma is implied by the patterns' semantics (never a guess); a witness string
//! matches exactly the patterns its cube says true, among the cube's patterns.

use crate::fx::FxHashMap;
use crate::glob::{Glob, GlobToken, Pattern, Shape, fold_class};
use crate::strings::{AutomatonLimit, search_with};

/// Lemmas learnt on one key after which the key's full partition is used instead.
pub(crate) const MAX_LEMMAS: usize = 256;

/// What [`LazyPart::solve`] found for a cube.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// A string with the cube's signature.
    Found(String),
    /// No string has the cube's signature; these literals (a subset of the cube) already have
    /// none.
    Infeasible(Vec<(usize, bool)>),
    /// A search bound was hit.
    Limit(AutomatonLimit),
}

/// The state of one lazy key: its patterns, the strings found so far (the key's classes, by
/// index), and caches.
#[derive(Clone, Debug)]
pub(crate) struct LazyPart {
    patterns: Vec<Pattern>,
    /// Discovered witnesses: `ClassId(i)` of the key is the class of `found[i]`.
    found: Vec<String>,
    found_index: FxHashMap<String, usize>,
    /// Shortest string of each pattern (`Some(None)`: the pattern matches nothing).
    shortest: Vec<Option<Option<String>>>,
    /// Feasibility of two literals together: `(i, bi, j, bj)`, `i < j`.
    pairs: FxHashMap<(usize, bool, usize, bool), bool>,
    /// Lemmas learnt so far.
    pub(crate) lemmas: usize,
    /// Automaton work spent by every search on this key: one budget for all of them, the bound an
    /// eager key has for its whole partition.
    work: u64,
    /// The exact constraint of the full partition has been added.
    pub(crate) exact: bool,
}

/// The pattern matches every string (an unrestricted `*`, possibly repeated).
pub(crate) fn universal(p: &Pattern) -> bool {
    let stars =
        |g: &Glob| !g.tokens().is_empty() && g.tokens().iter().all(|t| *t == GlobToken::AnyString);
    match p.shape() {
        Shape::Whole(g) => stars(g),
        Shape::Segmented { segments, .. } => matches!(segments.as_slice(), [g] if stars(g)),
    }
}

/// A whole-string literal pattern.
fn literal(p: &Pattern) -> bool {
    matches!(p.shape(), Shape::Whole(g) if g.is_literal())
}

/// Whether every string of literal pattern `l` gets the same answer from `x`: `l` is one string,
/// or `x` folds case as `l` does.
fn determines(l: &Pattern, x: &Pattern) -> bool {
    let Shape::Whole(g) = l.shape() else {
        return false;
    };
    g.is_literal()
        && (l.case() == crate::glob::Case::Sensitive
            || x.case() == crate::glob::Case::Insensitive
            || g.tokens().iter().all(|t| match t {
                GlobToken::Char(c) => fold_class(*c).len() <= 1,
                _ => false,
            }))
}

/// A shortest string of a pattern, read off its tokens: each literal character as written (so a
/// case-insensitive action keeps its policy's spelling), `a` for `?` (`b` where `a` is the
/// separator), nothing for `*`.
fn direct_shortest(p: &Pattern) -> String {
    let push = |out: &mut String, tokens: &[GlobToken], avoid: Option<char>| {
        for t in tokens {
            match t {
                GlobToken::Char(c) => out.push(*c),
                GlobToken::AnyChar => out.push(if avoid == Some('a') { 'b' } else { 'a' }),
                GlobToken::AnyString | GlobToken::AnyStringExcept(_) => {}
            }
        }
    };
    let mut out = String::new();
    match p.shape() {
        Shape::Whole(g) => push(&mut out, g.tokens(), None),
        Shape::Segmented {
            separator,
            segments,
        } => {
            for (i, g) in segments.iter().enumerate() {
                if i > 0 {
                    out.push(*separator);
                }
                push(&mut out, g.tokens(), Some(*separator));
            }
        }
    }
    out
}

impl LazyPart {
    pub(crate) fn new(patterns: Vec<Pattern>) -> LazyPart {
        let n = patterns.len();
        LazyPart {
            patterns,
            found: Vec::new(),
            found_index: FxHashMap::default(),
            shortest: vec![None; n],
            pairs: FxHashMap::default(),
            lemmas: 0,
            work: 0,
            exact: false,
        }
    }

    pub(crate) fn patterns(&self) -> &[Pattern] {
        &self.patterns
    }

    /// The witness of discovered class `i`.
    pub(crate) fn witness(&self, i: usize) -> Option<&str> {
        self.found.get(i).map(String::as_str)
    }

    /// Number of classes discovered so far.
    pub(crate) fn discovered(&self) -> usize {
        self.found.len()
    }

    /// Records a string as a class (once) and returns its index.
    pub(crate) fn add(&mut self, s: String) -> usize {
        if let Some(&i) = self.found_index.get(&s) {
            return i;
        }
        self.found.push(s.clone());
        self.found_index.insert(s, self.found.len() - 1);
        self.found.len() - 1
    }

    /// The patterns `s` matches.
    pub(crate) fn signature(&self, s: &str) -> Vec<bool> {
        self.patterns.iter().map(|p| p.matches(s)).collect()
    }

    fn shortest(
        &mut self,
        i: usize,
        max_states: usize,
        max_work: u64,
    ) -> Result<Option<String>, AutomatonLimit> {
        if let Some(Some(s)) = self.shortest.get(i) {
            return Ok(s.clone());
        }
        let Some(p) = self.patterns.get(i) else {
            return Ok(None);
        };
        // The tokens' reading can miss only for a segmented pattern whose segment holds its own
        // separator; the search is exact.
        let direct = direct_shortest(p);
        let s = if p.matches(&direct) {
            Some(direct)
        } else {
            search_with(
                std::slice::from_ref(p),
                &[true],
                max_states,
                max_work,
                &mut self.work,
            )?
        };
        if let Some(slot) = self.shortest.get_mut(i) {
            *slot = Some(s.clone());
        }
        Ok(s)
    }

    fn pair_feasible(
        &mut self,
        a: (usize, bool),
        b: (usize, bool),
        max_states: usize,
        max_work: u64,
    ) -> Result<bool, AutomatonLimit> {
        let (x, y) = if a.0 <= b.0 { (a, b) } else { (b, a) };
        if let Some(&f) = self.pairs.get(&(x.0, x.1, y.0, y.1)) {
            return Ok(f);
        }
        let (Some(px), Some(py)) = (self.patterns.get(x.0), self.patterns.get(y.0)) else {
            return Ok(true);
        };
        let f = search_with(
            &[px.clone(), py.clone()],
            &[x.1, y.1],
            max_states,
            max_work,
            &mut self.work,
        )?
        .is_some();
        self.pairs.insert((x.0, x.1, y.0, y.1), f);
        Ok(f)
    }

    /// A string whose signature agrees with `cube` (pattern index, must match) on the cube's
    /// patterns, or a core of the cube that no string satisfies.
    pub(crate) fn solve(
        &mut self,
        cube: &[(usize, bool)],
        max_states: usize,
        max_work: u64,
    ) -> Outcome {
        match self.solve_inner(cube, max_states, max_work) {
            Ok(o) => o,
            Err(l) => Outcome::Limit(l),
        }
    }

    fn solve_inner(
        &mut self,
        cube: &[(usize, bool)],
        max_states: usize,
        max_work: u64,
    ) -> Result<Outcome, AutomatonLimit> {
        let agrees = |parts: &LazyPart, s: &str| -> Option<(usize, bool)> {
            cube.iter()
                .find(|(i, b)| parts.patterns.get(*i).is_some_and(|p| p.matches(s)) != *b)
                .copied()
        };
        // A pattern that matches every string cannot be false.
        if let Some(&(i, _)) = cube
            .iter()
            .find(|(i, b)| !*b && self.patterns.get(*i).is_some_and(universal))
        {
            return Ok(Outcome::Infeasible(vec![(i, false)]));
        }
        let trues: Vec<usize> = cube.iter().filter(|(_, b)| *b).map(|(i, _)| *i).collect();
        // 1. Candidates: the shortest string of each true pattern, a literal one first (it decides
        //    every other pattern), then the most specific (most literal characters); or the empty
        //    string when no pattern must match.
        let specific = |p: &Pattern| -> usize {
            match p.shape() {
                Shape::Whole(g) => g
                    .tokens()
                    .iter()
                    .filter(|t| matches!(t, GlobToken::Char(_)))
                    .count(),
                Shape::Segmented { segments, .. } => {
                    segments.iter().map(|g| g.tokens().len()).sum()
                }
            }
        };
        let mut leads: Vec<usize> = trues.clone();
        leads.sort_by_key(|&i| {
            let p = self.patterns.get(i);
            (
                !p.is_some_and(literal),
                std::cmp::Reverse(p.map_or(0, specific)),
                i,
            )
        });
        if leads.is_empty() && agrees(self, "").is_none() {
            return Ok(Outcome::Found(String::new()));
        }
        for (n, &t) in leads.iter().enumerate() {
            let Some(candidate) = self.shortest(t, max_states, max_work)? else {
                return Ok(Outcome::Infeasible(vec![(t, true)]));
            };
            match agrees(self, &candidate) {
                None => return Ok(Outcome::Found(candidate)),
                Some((j, b)) => {
                    if let (Some(pt), Some(pj)) = (self.patterns.get(t), self.patterns.get(j))
                        && determines(pt, pj)
                    {
                        return Ok(Outcome::Infeasible(vec![(t, true), (j, b)]));
                    }
                }
            }
            // A few candidates are cheap; the product search below is exhaustive.
            if n >= 3 {
                break;
            }
        }
        // 2. The product of the cube's patterns.
        let sub: Vec<Pattern> = cube
            .iter()
            .filter_map(|(i, _)| self.patterns.get(*i).cloned())
            .collect();
        let want: Vec<bool> = cube.iter().map(|(_, b)| *b).collect();
        if let Some(s) = search_with(&sub, &want, max_states, max_work, &mut self.work)? {
            return Ok(Outcome::Found(s));
        }
        // 3. A small core: one literal alone, or two that cannot hold together.
        for &(i, b) in cube {
            if !b && self.patterns.get(i).is_some_and(universal) {
                return Ok(Outcome::Infeasible(vec![(i, false)]));
            }
        }
        for &t in &trues {
            for &(j, b) in cube {
                if j != t && !self.pair_feasible((t, true), (j, b), max_states, max_work)? {
                    return Ok(Outcome::Infeasible(vec![(t, true), (j, b)]));
                }
            }
        }
        Ok(Outcome::Infeasible(cube.to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::Case;

    fn pats(texts: &[&str]) -> LazyPart {
        LazyPart::new(
            texts
                .iter()
                .map(|t| Pattern::glob(t, Case::Sensitive))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn cores_are_small() {
        let mut l = pats(&["a", "b", "a*", "*"]);
        // Two different literals.
        assert_eq!(
            l.solve(&[(0, true), (1, true)], 1000, u64::MAX),
            Outcome::Infeasible(vec![(0, true), (1, true)])
        );
        // A literal inside a glob.
        assert_eq!(
            l.solve(&[(0, true), (2, false)], 1000, u64::MAX),
            Outcome::Infeasible(vec![(0, true), (2, false)])
        );
        // Outside `*`: nothing.
        assert_eq!(
            l.solve(&[(3, false), (1, false)], 1000, u64::MAX),
            Outcome::Infeasible(vec![(3, false)])
        );
        // `a*` but not `a`: `aa`.
        assert_eq!(
            l.solve(&[(2, true), (0, false)], 1000, u64::MAX),
            Outcome::Found("aa".to_owned())
        );
    }
}
