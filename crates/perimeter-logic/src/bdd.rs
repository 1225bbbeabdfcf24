//! A hash-consed reduced ordered binary decision diagram (ROBDD).
//!
//! A [`Bdd`] is a handle (an index) into a [`BddManager`]. Nodes are unique
//! (hash-consed) and reduced, and variables are ordered by index (variable 0 is tested
//! first). Therefore two handles of one manager are equal **iff** their functions are
//! equal, and the constant `false` is the single handle [`Bdd::FALSE`]: emptiness is
//! `f == Bdd::FALSE`, in constant time.
//!
//! Every operation that may create nodes returns `Result`: when the manager holds
//! `max_nodes` nodes it refuses to create more and returns [`NodeLimit`], which callers
//! turn into an *unknown* answer. Recursion depth is at most the number of
//! variables, which the manager also bounds.

use crate::fx::FxHashMap;
use crate::natural::Natural;
use std::collections::HashMap;

/// A handle to a node of a [`BddManager`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Bdd(u32);

impl Bdd {
    /// The constant false (the empty set).
    pub const FALSE: Bdd = Bdd(0);
    /// The constant true (every assignment).
    pub const TRUE: Bdd = Bdd(1);

    /// True for [`Bdd::FALSE`].
    pub fn is_false(self) -> bool {
        self == Bdd::FALSE
    }

    /// True for [`Bdd::TRUE`].
    pub fn is_true(self) -> bool {
        self == Bdd::TRUE
    }
}

/// The manager reached its node bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeLimit(pub usize);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Node {
    var: u32,
    lo: u32,
    hi: u32,
}

const TERMINAL_VAR: u32 = u32::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    And,
    Or,
    Xor,
}

/// Owns the nodes and the operation caches.
/// Nodes (and cache entries) a manager has room for before it first grows.
const INITIAL_NODES: usize = 1024;

#[derive(Clone, Debug)]
pub struct BddManager {
    nodes: Vec<Node>,
    unique: FxHashMap<Node, u32>,
    cache: FxHashMap<(Op, u32, u32), u32>,
    not_cache: FxHashMap<u32, u32>,
    num_vars: u32,
    max_nodes: usize,
}

impl BddManager {
    /// A manager over variables `0..num_vars`, holding at most `max_nodes` nodes.
    pub fn new(num_vars: u32, max_nodes: usize) -> BddManager {
        let terminal = |v| Node {
            var: TERMINAL_VAR,
            lo: v,
            hi: v,
        };
        // Room for a typical question up front: growing the tables one rehash at a time was a
        // visible part of small questions.
        let mut nodes = Vec::with_capacity(INITIAL_NODES);
        nodes.extend([terminal(0), terminal(1)]);
        BddManager {
            nodes,
            unique: FxHashMap::with_capacity_and_hasher(INITIAL_NODES, Default::default()),
            cache: FxHashMap::with_capacity_and_hasher(INITIAL_NODES, Default::default()),
            not_cache: FxHashMap::default(),
            num_vars,
            max_nodes,
        }
    }

    /// Number of variables.
    pub fn num_vars(&self) -> u32 {
        self.num_vars
    }

    /// Number of nodes allocated (terminals included).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    fn node(&self, f: u32) -> Node {
        self.nodes.get(f as usize).copied().unwrap_or(Node {
            var: TERMINAL_VAR,
            lo: 0,
            hi: 0,
        })
    }

    /// The variable tested at the root (`None` for a constant).
    pub fn root_var(&self, f: Bdd) -> Option<u32> {
        let n = self.node(f.0);
        (n.var != TERMINAL_VAR).then_some(n.var)
    }

    /// The (low, high) children of a non-constant node.
    pub fn children(&self, f: Bdd) -> Option<(Bdd, Bdd)> {
        let n = self.node(f.0);
        (n.var != TERMINAL_VAR).then_some((Bdd(n.lo), Bdd(n.hi)))
    }

    /// The reduced, unique node `if var then hi else lo`. The caller keeps the order:
    /// `var` must be below the root variables of `lo` and `hi`.
    pub fn mk(&mut self, var: u32, lo: Bdd, hi: Bdd) -> Result<Bdd, NodeLimit> {
        if lo == hi {
            return Ok(lo);
        }
        let n = Node {
            var,
            lo: lo.0,
            hi: hi.0,
        };
        if let Some(&id) = self.unique.get(&n) {
            return Ok(Bdd(id));
        }
        if self.nodes.len() >= self.max_nodes {
            return Err(NodeLimit(self.max_nodes));
        }
        let id = u32::try_from(self.nodes.len()).map_err(|_| NodeLimit(self.max_nodes))?;
        self.nodes.push(n);
        self.unique.insert(n, id);
        Ok(Bdd(id))
    }

    /// The function of variable `v`.
    pub fn var(&mut self, v: u32) -> Result<Bdd, NodeLimit> {
        self.mk(v, Bdd::FALSE, Bdd::TRUE)
    }

    /// The negation of variable `v`.
    pub fn nvar(&mut self, v: u32) -> Result<Bdd, NodeLimit> {
        self.mk(v, Bdd::TRUE, Bdd::FALSE)
    }

    /// `¬f`.
    pub fn not(&mut self, f: Bdd) -> Result<Bdd, NodeLimit> {
        if f == Bdd::FALSE {
            return Ok(Bdd::TRUE);
        }
        if f == Bdd::TRUE {
            return Ok(Bdd::FALSE);
        }
        if let Some(&r) = self.not_cache.get(&f.0) {
            return Ok(Bdd(r));
        }
        let n = self.node(f.0);
        let lo = self.not(Bdd(n.lo))?;
        let hi = self.not(Bdd(n.hi))?;
        let r = self.mk(n.var, lo, hi)?;
        self.not_cache.insert(f.0, r.0);
        Ok(r)
    }

    fn apply(&mut self, op: Op, a: Bdd, b: Bdd) -> Result<Bdd, NodeLimit> {
        // Terminal cases.
        match op {
            Op::And => {
                if a.is_false() || b.is_false() {
                    return Ok(Bdd::FALSE);
                }
                if a.is_true() || a == b {
                    return Ok(b);
                }
                if b.is_true() {
                    return Ok(a);
                }
            }
            Op::Or => {
                if a.is_true() || b.is_true() {
                    return Ok(Bdd::TRUE);
                }
                if a.is_false() || a == b {
                    return Ok(b);
                }
                if b.is_false() {
                    return Ok(a);
                }
            }
            Op::Xor => {
                if a == b {
                    return Ok(Bdd::FALSE);
                }
                if a.is_false() {
                    return Ok(b);
                }
                if b.is_false() {
                    return Ok(a);
                }
                if a.is_true() {
                    return self.not(b);
                }
                if b.is_true() {
                    return self.not(a);
                }
            }
        }
        let key = (op, a.0.min(b.0), a.0.max(b.0));
        if let Some(&r) = self.cache.get(&key) {
            return Ok(Bdd(r));
        }
        let (na, nb) = (self.node(a.0), self.node(b.0));
        let v = na.var.min(nb.var);
        let (a0, a1) = if na.var == v {
            (na.lo, na.hi)
        } else {
            (a.0, a.0)
        };
        let (b0, b1) = if nb.var == v {
            (nb.lo, nb.hi)
        } else {
            (b.0, b.0)
        };
        let lo = self.apply(op, Bdd(a0), Bdd(b0))?;
        let hi = self.apply(op, Bdd(a1), Bdd(b1))?;
        let r = self.mk(v, lo, hi)?;
        self.cache.insert(key, r.0);
        Ok(r)
    }

    /// `a ∧ b`.
    pub fn and(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, NodeLimit> {
        self.apply(Op::And, a, b)
    }

    /// `a ∨ b`.
    pub fn or(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, NodeLimit> {
        self.apply(Op::Or, a, b)
    }

    /// `a ⊕ b`.
    pub fn xor(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, NodeLimit> {
        self.apply(Op::Xor, a, b)
    }

    /// `a ∧ ¬b`.
    pub fn diff(&mut self, a: Bdd, b: Bdd) -> Result<Bdd, NodeLimit> {
        let nb = self.not(b)?;
        self.and(a, nb)
    }

    /// `if f then g else h`.
    pub fn ite(&mut self, f: Bdd, g: Bdd, h: Bdd) -> Result<Bdd, NodeLimit> {
        let fg = self.and(f, g)?;
        let nf = self.not(f)?;
        let nfh = self.and(nf, h)?;
        self.or(fg, nfh)
    }

    /// Evaluates `f` under an assignment of every variable.
    pub fn eval(&self, f: Bdd, assignment: impl Fn(u32) -> bool) -> bool {
        let mut cur = self.node(f.0);
        let mut id = f.0;
        while cur.var != TERMINAL_VAR {
            id = if assignment(cur.var) { cur.hi } else { cur.lo };
            cur = self.node(id);
        }
        id == 1
    }

    /// One satisfying path: the variables it fixes, preferring `false` for each.
    /// Variables not listed may take either value. `None` when `f` is false.
    pub fn any_sat(&self, f: Bdd) -> Option<Vec<(u32, bool)>> {
        if f.is_false() {
            return None;
        }
        let mut out = Vec::new();
        let mut id = f.0;
        loop {
            let n = self.node(id);
            if n.var == TERMINAL_VAR {
                return Some(out);
            }
            if n.lo != 0 {
                out.push((n.var, false));
                id = n.lo;
            } else {
                out.push((n.var, true));
                id = n.hi;
            }
        }
    }

    /// Number of assignments of all `num_vars` variables that satisfy `f`.
    pub fn sat_count(&self, f: Bdd) -> Natural {
        let mut memo: HashMap<u32, Natural> = HashMap::new();
        let top = self.level(f.0);
        self.count_rec(f.0, &mut memo).mul(&Natural::pow2(top))
    }

    fn level(&self, id: u32) -> u32 {
        let n = self.node(id);
        if n.var == TERMINAL_VAR {
            self.num_vars
        } else {
            n.var
        }
    }

    /// Assignments of variables `var(id)..num_vars` satisfying the node.
    fn count_rec(&self, id: u32, memo: &mut HashMap<u32, Natural>) -> Natural {
        if id <= 1 {
            return Natural::from(id);
        }
        if let Some(c) = memo.get(&id) {
            return c.clone();
        }
        let n = self.node(id);
        let lo = self
            .count_rec(n.lo, memo)
            .mul(&Natural::pow2(self.level(n.lo).saturating_sub(n.var + 1)));
        let hi = self
            .count_rec(n.hi, memo)
            .mul(&Natural::pow2(self.level(n.hi).saturating_sub(n.var + 1)));
        let c = lo.add(&hi);
        memo.insert(id, c.clone());
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A random formula over 4 variables; evaluated directly as the brute-force model.
    #[derive(Clone, Debug)]
    enum F {
        Var(u32),
        Const(bool),
        Not(Box<F>),
        And(Box<F>, Box<F>),
        Or(Box<F>, Box<F>),
        Xor(Box<F>, Box<F>),
        Ite(Box<F>, Box<F>, Box<F>),
    }

    const N: u32 = 4;

    fn formula() -> impl Strategy<Value = F> {
        let leaf = prop_oneof![(0..N).prop_map(F::Var), any::<bool>().prop_map(F::Const)];
        leaf.prop_recursive(5, 40, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|a| F::Not(Box::new(a))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| F::And(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| F::Or(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| F::Xor(Box::new(a), Box::new(b))),
                (inner.clone(), inner.clone(), inner).prop_map(|(a, b, c)| F::Ite(
                    Box::new(a),
                    Box::new(b),
                    Box::new(c)
                )),
            ]
        })
    }

    fn truth(f: &F, row: u32) -> bool {
        match f {
            F::Var(v) => row >> v & 1 == 1,
            F::Const(b) => *b,
            F::Not(a) => !truth(a, row),
            F::And(a, b) => truth(a, row) && truth(b, row),
            F::Or(a, b) => truth(a, row) || truth(b, row),
            F::Xor(a, b) => truth(a, row) != truth(b, row),
            F::Ite(a, b, c) => {
                if truth(a, row) {
                    truth(b, row)
                } else {
                    truth(c, row)
                }
            }
        }
    }

    fn build(m: &mut BddManager, f: &F) -> Bdd {
        match f {
            F::Var(v) => m.var(*v).unwrap(),
            F::Const(true) => Bdd::TRUE,
            F::Const(false) => Bdd::FALSE,
            F::Not(a) => {
                let a = build(m, a);
                m.not(a).unwrap()
            }
            F::And(a, b) => {
                let (a, b) = (build(m, a), build(m, b));
                m.and(a, b).unwrap()
            }
            F::Or(a, b) => {
                let (a, b) = (build(m, a), build(m, b));
                m.or(a, b).unwrap()
            }
            F::Xor(a, b) => {
                let (a, b) = (build(m, a), build(m, b));
                m.xor(a, b).unwrap()
            }
            F::Ite(a, b, c) => {
                let (a, b, c) = (build(m, a), build(m, b), build(m, c));
                m.ite(a, b, c).unwrap()
            }
        }
    }

    proptest! {
        #[test]
        fn agrees_with_truth_tables(f in formula(), g in formula()) {
            let mut m = BddManager::new(N, 100_000);
            let (bf, bg) = (build(&mut m, &f), build(&mut m, &g));
            let rows = 0..(1u32 << N);
            for row in rows.clone() {
                prop_assert_eq!(m.eval(bf, |v| row >> v & 1 == 1), truth(&f, row));
            }
            // Canonicity: equal functions ⇔ equal handles.
            let same = rows.clone().all(|r| truth(&f, r) == truth(&g, r));
            prop_assert_eq!(bf == bg, same);
            // Emptiness and implication.
            prop_assert_eq!(bf.is_false(), rows.clone().all(|r| !truth(&f, r)));
            let d = m.diff(bf, bg).unwrap();
            prop_assert_eq!(d.is_false(), rows.clone().all(|r| !truth(&f, r) || truth(&g, r)));
            // Counting.
            let count = rows.clone().filter(|&r| truth(&f, r)).count() as u128;
            prop_assert_eq!(m.sat_count(bf).to_u128(), Some(count));
            // A satisfying path satisfies f under any completion (here: all false).
            match m.any_sat(bf) {
                None => prop_assert_eq!(count, 0),
                Some(path) => {
                    for fill in [false, true] {
                        let row_val = |v: u32| path.iter().find(|(x, _)| *x == v).map_or(fill, |p| p.1);
                        prop_assert!(m.eval(bf, row_val));
                    }
                }
            }
        }
    }

    #[test]
    fn node_limit_is_reported() {
        // x0 ⊕ x1 ⊕ … needs one node per variable: a bound of 4 nodes (2 terminals)
        // cannot hold a 3-variable parity.
        let mut m = BddManager::new(3, 4);
        let a = m.var(0).unwrap();
        let b = m.var(1).unwrap();
        assert_eq!(
            m.xor(a, b).and_then(|x| m.var(2).and_then(|c| m.xor(x, c))),
            Err(NodeLimit(4))
        );
    }
}
