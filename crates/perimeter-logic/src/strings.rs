//! The Venn partition of a string key by glob languages.
//!
//! Given patterns `P1 … Pn` (globs, literals, segmented globs, either case mode), two
//! strings are *equivalent* when they match exactly the same patterns. The classes
//! are the non-empty cells of the Venn diagram of the languages; each is identified
//! by its *signature* (the set of patterns its strings match) and gets a shortest
//! witness string.
//!
//! # How
//!
//! 1. Every pattern is flattened into a list of NFA tokens: "one character in
//!    predicate `p`" or "any number of characters in predicate `p`" (`*`). A predicate
//!    is an exact character, a case-fold class, or any character, minus optionally the
//!    separator (inside the non-final segments of a segmented pattern).
//! 2. The alphabet is split into *atoms*: the characters that every predicate treats
//!    alike. Characters named by no predicate form one atom together; each named
//!    character joins the atom of the characters with the same predicate memberships.
//!    So the alphabet stays small whatever Unicode holds.
//! 3. A breadth-first subset construction runs all NFAs in parallel over the atoms. A
//!    DFA state is the set of active NFA positions of every pattern; its signature is
//!    the set of patterns in an accepting position. BFS visits states in order of the
//!    length of the shortest string reaching them (atoms tried in order of their most
//!    readable character), so the first string that reaches a signature is a shortest
//!    witness of that cell.
//! 4. The construction is bounded ([`AutomatonLimit`]): by a number of DFA states, by
//!    the memory they take, and by a budget of word operations (a step costs
//!    `positions / 64` of them, where `positions` is the total pattern length). So
//!    the worst case is `max_work` word operations, whatever the patterns.

use crate::fx::FxHashMap;
use crate::glob::{Case, GlobToken, Pattern, Shape, fold, fold_class};
use std::collections::{BTreeMap, HashMap};

/// The subset construction exceeded a bound.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutomatonLimit {
    /// More DFA states than allowed (the bound is also lowered so that the states
    /// fit in [`MAX_ARENA_WORDS`] words of memory).
    States(usize),
    /// More word operations than allowed.
    Work(u64),
}

/// Memory bound of the subset construction: DFA states × words per state.
pub const MAX_ARENA_WORDS: usize = 16 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Base {
    Exact(char),
    Fold(char),
    Any,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Pred {
    base: Base,
    exclude: Option<char>,
}

impl Pred {
    fn contains(&self, c: char) -> bool {
        if self.exclude == Some(c) {
            return false;
        }
        match self.base {
            Base::Exact(x) => x == c,
            Base::Fold(f) => fold(c) == f,
            Base::Any => true,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Tok {
    star: bool,
    pred: usize,
}

/// One cell of the partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StringClass {
    /// `signature[i]` is true iff the strings of this class match pattern `i`.
    pub signature: Vec<bool>,
    /// A shortest string of the class.
    pub witness: String,
}

/// The partition of all strings by a list of patterns.
#[derive(Clone, Debug)]
pub struct StringPartition {
    classes: Vec<StringClass>,
    dfa_states: usize,
    atoms: usize,
    /// The DFA kept for [`StringPartition::class_of`], when it was small enough.
    lookup: Option<Lookup>,
}

/// The explored DFA: from a string's characters to its class without matching every pattern.
#[derive(Clone, Debug)]
struct Lookup {
    /// Named characters and their atom, sorted by character.
    named: Vec<(char, u32)>,
    /// The atom of every other character.
    other: Option<u32>,
    atoms: usize,
    /// `trans[state * atoms + atom]`: the successor state.
    trans: Vec<u32>,
    /// The class of each state.
    state_class: Vec<u32>,
}

/// Largest transition table kept for lookups (entries of 4 bytes): 1 MiB. Larger automata (the
/// combinatorial keys) answer `class_of` by matching; recording their table cost ~8% of their
/// construction.
const MAX_LOOKUP_ENTRIES: usize = 1 << 18;

const NONE: u32 = u32::MAX;

impl StringPartition {
    /// The classes, in BFS discovery order (the class of the empty string first).
    pub fn classes(&self) -> &[StringClass] {
        &self.classes
    }

    /// Indices of the classes whose strings match pattern `index`.
    pub fn matching(&self, index: usize) -> Vec<usize> {
        self.classes
            .iter()
            .enumerate()
            .filter(|(_, c)| c.signature.get(index).copied().unwrap_or(false))
            .map(|(i, _)| i)
            .collect()
    }

    /// DFA states explored (a measure of the work done).
    pub fn dfa_states(&self) -> usize {
        self.dfa_states
    }

    /// Alphabet atoms used.
    pub fn atoms(&self) -> usize {
        self.atoms
    }

    /// The class of `text` read off the explored automaton in `O(|text|)` steps, or `None` when
    /// the automaton was not kept (too large, or a finite partition): the caller then matches
    /// the patterns.
    pub fn class_of(&self, text: &str) -> Option<usize> {
        let l = self.lookup.as_ref()?;
        let mut state = 0usize;
        for c in text.chars() {
            let atom = match l.named.binary_search_by_key(&c, |x| x.0) {
                Ok(i) => l.named.get(i)?.1,
                Err(_) => l.other?,
            };
            let next = *l.trans.get(state * l.atoms + atom as usize)?;
            if next == NONE {
                return None;
            }
            state = next as usize;
        }
        l.state_class.get(state).map(|&c| c as usize)
    }

    /// The same partition for the patterns listed in another order: `order[j]` is the new index of
    /// pattern `j` of this partition's list.
    pub(crate) fn reindexed(&self, order: &[usize]) -> StringPartition {
        let classes = self
            .classes
            .iter()
            .map(|c| {
                let mut signature = vec![false; c.signature.len()];
                for (j, &m) in c.signature.iter().enumerate() {
                    if let Some(slot) = order.get(j).and_then(|&i| signature.get_mut(i)) {
                        *slot = m;
                    }
                }
                StringClass {
                    signature,
                    witness: c.witness.clone(),
                }
            })
            .collect();
        StringPartition {
            classes,
            dfa_states: self.dfa_states,
            atoms: self.atoms,
            lookup: self.lookup.clone(),
        }
    }
}

struct Compiled {
    preds: Vec<Pred>,
    nfas: Vec<Vec<Tok>>,
}

#[derive(Default)]
struct PredTable {
    preds: Vec<Pred>,
    index: FxHashMap<Pred, usize>,
}

impl PredTable {
    fn intern(&mut self, p: Pred) -> usize {
        if let Some(&i) = self.index.get(&p) {
            return i;
        }
        self.preds.push(p);
        self.index.insert(p, self.preds.len() - 1);
        self.preds.len() - 1
    }

    fn push_glob(
        &mut self,
        toks: &mut Vec<Tok>,
        tokens: &[GlobToken],
        case: Case,
        exclude: Option<char>,
    ) {
        for t in tokens {
            let (star, base) = match *t {
                GlobToken::Char(c) => (
                    false,
                    match case {
                        Case::Sensitive => Base::Exact(c),
                        Case::Insensitive => Base::Fold(fold(c)),
                    },
                ),
                GlobToken::AnyChar => (false, Base::Any),
                GlobToken::AnyString => (true, Base::Any),
                GlobToken::AnyStringExcept(_) => (true, Base::Any),
            };
            // A restricted star excludes its own character (restricted stars are built only in
            // whole-string patterns, where no segment separator is excluded as well).
            let exclude = match *t {
                GlobToken::AnyStringExcept(x) => Some(x),
                _ => exclude,
            };
            let pred = self.intern(Pred { base, exclude });
            toks.push(Tok { star, pred });
        }
    }
}

fn compile(patterns: &[Pattern]) -> Compiled {
    let mut table = PredTable {
        preds: Vec::with_capacity(64),
        index: FxHashMap::with_capacity_and_hasher(64, Default::default()),
    };
    let mut nfas = Vec::with_capacity(patterns.len());
    for pat in patterns {
        let case = pat.case();
        let mut toks = Vec::with_capacity(match pat.shape() {
            Shape::Whole(g) => g.tokens().len(),
            Shape::Segmented { segments, .. } => {
                segments.iter().map(|g| g.tokens().len() + 1).sum()
            }
        });
        match pat.shape() {
            Shape::Whole(g) => table.push_glob(&mut toks, g.tokens(), case, None),
            Shape::Segmented {
                separator,
                segments,
            } => {
                let last = segments.len().saturating_sub(1);
                for (i, g) in segments.iter().enumerate() {
                    if i > 0 {
                        let pred = table.intern(Pred {
                            base: Base::Exact(*separator),
                            exclude: None,
                        });
                        toks.push(Tok { star: false, pred });
                    }
                    let exclude = (i < last).then_some(*separator);
                    table.push_glob(&mut toks, g.tokens(), case, exclude);
                }
            }
        }
        nfas.push(toks);
    }
    Compiled {
        preds: table.preds,
        nfas,
    }
}

/// Readability rank of a witness character: lowercase letters, digits, uppercase,
/// then a few punctuation marks, then everything else by code point.
fn rank(c: char) -> u32 {
    match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 100 + c as u32 - '0' as u32,
        'A'..='Z' => 200 + c as u32 - 'A' as u32,
        '-' => 300,
        '_' => 301,
        '.' => 302,
        _ => 1000 + c as u32,
    }
}

/// Alphabet atoms: (representative character, membership per predicate).
type AtomMap = (Vec<(char, u32)>, Option<u32>);

fn atoms(preds: &[Pred]) -> (Vec<(char, Vec<bool>)>, AtomMap) {
    let mut named: Vec<char> = Vec::new();
    for p in preds {
        match p.base {
            Base::Exact(c) => named.push(c),
            Base::Fold(f) => named.extend(fold_class(f)),
            Base::Any => {}
        }
        named.extend(p.exclude);
    }
    named.sort_unstable();
    named.dedup();
    let other_sig: Vec<bool> = preds.iter().map(|p| p.base == Base::Any).collect();
    // An unnamed character: the most readable one outside `named`.
    let unnamed = ('a'..='z')
        .chain('0'..='9')
        .chain('A'..='Z')
        .chain(['-', '_', '.'])
        .chain((0xC0u32..).filter_map(char::from_u32))
        .find(|c| named.binary_search(c).is_err());
    // Membership of every named character, in one flat table (`preds.len()` per character).
    let np = preds.len();
    let mut table: Vec<bool> = Vec::with_capacity(named.len() * np);
    for &c in &named {
        table.extend(preds.iter().map(|p| p.contains(c)));
    }
    let row = |i: usize| table.get(i * np..(i + 1) * np).unwrap_or(&[]);
    // Group by membership: the most readable character of each group stands for it.
    let mut groups: FxHashMap<&[bool], char> = FxHashMap::default();
    if let Some(u) = unnamed {
        groups.insert(other_sig.as_slice(), u);
    }
    for (i, &c) in named.iter().enumerate() {
        let slot = groups.entry(row(i)).or_insert(c);
        if rank(c) < rank(*slot) {
            *slot = c;
        }
    }
    let mut out: Vec<(char, Vec<bool>)> = groups.iter().map(|(s, c)| (*c, s.to_vec())).collect();
    out.sort_by_key(|(c, _)| rank(*c));
    let by_sig: FxHashMap<&[bool], u32> = out
        .iter()
        .enumerate()
        .filter_map(|(i, (_, s))| u32::try_from(i).ok().map(|i| (s.as_slice(), i)))
        .collect();
    let map: Vec<(char, u32)> = named
        .iter()
        .enumerate()
        .filter_map(|(i, c)| by_sig.get(row(i)).map(|a| (*c, *a)))
        .collect();
    let other = by_sig.get(other_sig.as_slice()).copied();
    (out, (map, other))
}

/// The NFAs of all patterns laid side by side in one bit vector: position `off_i + j`
/// is "pattern `i` has matched its first `j` tokens". Steps are bit-parallel.
struct Runner {
    words: usize,
    /// Per atom (`words` words each): the positions whose token accepts the atom.
    accepts: Vec<u64>,
    /// Positions holding a `*` token.
    star: Vec<u64>,
    /// Positions whose token does not accept every atom.
    special: Vec<u64>,
    /// Per special position `p`: the atoms it singles out, `special_list[special_off[p]..
    /// special_off[p + 1]]`.
    special_off: Vec<u32>,
    special_list: Vec<u32>,
    /// Start position of each pattern.
    starts: Vec<usize>,
    /// Accepting (end) position of each pattern.
    ends: Vec<usize>,
    /// Positions holding a pattern's final token when it is an unrestricted `*`.
    trailing: Vec<u64>,
    /// Per position of `trailing`: the first position of its pattern.
    trailing_start: Vec<usize>,
    /// Whether some `*` directly follows another `*` (the closure then needs more than one pass).
    chained_stars: bool,
}

fn set_bit(bits: &mut [u64], i: usize) {
    if let Some(w) = bits.get_mut(i / 64) {
        *w |= 1u64 << (i % 64);
    }
}

fn get_bit(bits: &[u64], i: usize) -> bool {
    bits.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
}

/// Clears bits `from..to` (`to` excluded).
fn clear_range(bits: &mut [u64], from: usize, to: usize) {
    let mut i = from;
    while i < to {
        let (wi, bi) = (i / 64, i % 64);
        let n = (64 - bi).min(to - i);
        let mask = if n == 64 {
            u64::MAX
        } else {
            ((1u64 << n) - 1) << bi
        };
        if let Some(w) = bits.get_mut(wi) {
            *w &= !mask;
        }
        i += n;
    }
}

/// `dst |= src << 1` over a multi-word bit vector.
fn or_shl1(dst: &mut [u64], src: impl Iterator<Item = u64>) {
    let mut carry = 0u64;
    for (d, s) in dst.iter_mut().zip(src) {
        *d |= (s << 1) | carry;
        carry = s >> 63;
    }
}

impl Runner {
    fn new(nfas: &[Vec<Tok>], preds: &[Pred], atoms: &[(char, Vec<bool>)]) -> Runner {
        let total: usize = nfas.iter().map(|n| n.len() + 1).sum();
        let words = total.div_ceil(64);
        let mut star = vec![0u64; words];
        let mut accepts = vec![0u64; words * atoms.len()];
        let mut special = vec![0u64; words];
        let mut special_off: Vec<u32> = Vec::with_capacity(total + 1);
        let mut special_list: Vec<u32> = Vec::new();
        let (mut starts, mut ends) = (
            Vec::with_capacity(nfas.len()),
            Vec::with_capacity(nfas.len()),
        );
        let mut trailing = vec![0u64; words];
        let mut trailing_start = vec![0usize; total];
        let mut chained_stars = false;
        let mut off = 0usize;
        let close_to = |special_off: &mut Vec<u32>, upto: usize, len: usize| {
            let l = u32::try_from(len).unwrap_or(u32::MAX);
            while special_off.len() <= upto {
                special_off.push(l);
            }
        };
        for toks in nfas {
            starts.push(off);
            chained_stars |= toks
                .windows(2)
                .any(|w| matches!(w, [a, b] if a.star && b.star));
            if let Some(last) = toks.last()
                && last.star
                && preds
                    .get(last.pred)
                    .is_some_and(|p| p.base == Base::Any && p.exclude.is_none())
            {
                let at = off + toks.len() - 1;
                set_bit(&mut trailing, at);
                if let Some(slot) = trailing_start.get_mut(at) {
                    *slot = off;
                }
            }
            for (j, t) in toks.iter().enumerate() {
                // Offsets of the positions before this one are final.
                close_to(&mut special_off, off + j, special_list.len());
                if t.star {
                    set_bit(&mut star, off + j);
                }
                for (acc, (_, member)) in accepts.chunks_exact_mut(words).zip(atoms) {
                    if member.get(t.pred).copied().unwrap_or(false) {
                        set_bit(acc, off + j);
                    }
                }
                // A position that does not accept every atom singles out a few atoms:
                // those it accepts (a literal) or those it rejects (`*`/`?` minus the
                // separator).
                let any = preds.get(t.pred).is_some_and(|p| p.base == Base::Any);
                let unrestricted = preds
                    .get(t.pred)
                    .is_some_and(|p| p.base == Base::Any && p.exclude.is_none());
                if !unrestricted {
                    set_bit(&mut special, off + j);
                    special_list.extend(atoms.iter().enumerate().filter_map(|(a, (_, member))| {
                        let accepted = member.get(t.pred).copied().unwrap_or(false);
                        (accepted != any).then(|| u32::try_from(a).unwrap_or(u32::MAX))
                    }));
                }
            }
            off += toks.len();
            ends.push(off);
            off += 1;
        }
        close_to(&mut special_off, total, special_list.len());
        Runner {
            words,
            accepts,
            star,
            special,
            special_off,
            special_list,
            starts,
            ends,
            trailing,
            trailing_start,
            chained_stars,
        }
    }

    /// A pattern whose final unrestricted `*` is active accepts every continuation: its other
    /// positions can no longer change any signature, so they are cleared. States that differ only
    /// there are the same state of the partition (fewer states, same classes, same witnesses:
    /// BFS order is unchanged).
    fn prune(&self, bits: &mut [u64]) {
        for wi in 0..bits.len() {
            let t = self.trailing.get(wi).copied().unwrap_or(0);
            let mut w = bits.get(wi).copied().unwrap_or(0) & t;
            while w != 0 {
                let at = wi * 64 + w.trailing_zeros() as usize;
                w &= w - 1;
                let from = self.trailing_start.get(at).copied().unwrap_or(at);
                clear_range(bits, from, at);
            }
        }
    }

    /// Marks the atoms that some active position treats differently from the rest.
    /// All unmarked atoms lead to the same successor (every active position is then
    /// an unrestricted `*`/`?`, which accepts them all, or rejects them all).
    fn mark_special(&self, from: &[u64], marks: &mut [bool]) {
        marks.iter_mut().for_each(|m| *m = false);
        for (wi, (f, sp)) in from.iter().zip(&self.special).enumerate() {
            let mut w = f & sp;
            while w != 0 {
                let p = wi * 64 + w.trailing_zeros() as usize;
                w &= w - 1;
                let from = self.special_off.get(p).copied().unwrap_or(0) as usize;
                let to = self.special_off.get(p + 1).copied().unwrap_or(0) as usize;
                for &a in self.special_list.get(from..to).unwrap_or(&[]) {
                    if let Some(m) = marks.get_mut(a as usize) {
                        *m = true;
                    }
                }
            }
        }
    }

    /// Epsilon closure: a position on `*` may skip it. Bits only grow, so the loop
    /// ends after at most one pass per chain of stars (stars are merged, so one).
    fn close(&self, bits: &mut [u64]) {
        loop {
            let mut carry = 0u64;
            let mut changed = false;
            for (d, s) in bits.iter_mut().zip(&self.star) {
                let skips = *d & s;
                let add = (skips << 1) | carry;
                carry = skips >> 63;
                changed |= add & !*d != 0;
                *d |= add;
            }
            // With no `*` right after another, one pass reaches the fixpoint: a position added
            // by a skip is not a `*`, so it adds nothing further.
            if !changed || !self.chained_stars {
                return;
            }
        }
    }

    fn start(&self) -> Vec<u64> {
        let mut bits = vec![0u64; self.words];
        for &s in &self.starts {
            set_bit(&mut bits, s);
        }
        self.close(&mut bits);
        self.prune(&mut bits);
        bits
    }

    /// The positions of `from` whose token accepts `atom`: the successor depends on
    /// nothing else, so atoms with equal masks lead to the same state.
    fn mask(&self, from: &[u64], atom: usize, out: &mut [u64]) {
        match self.accepts.get(atom * self.words..(atom + 1) * self.words) {
            Some(acc) => out
                .iter_mut()
                .zip(from.iter().zip(acc))
                .for_each(|(o, (f, a))| *o = f & a),
            None => out.iter_mut().for_each(|o| *o = 0),
        }
    }

    /// The successor of a mask (see [`Runner::mask`]), written into `out`: stars loop
    /// on themselves, other tokens advance by one position, then the closure.
    fn advance(&self, mask: &[u64], out: &mut [u64]) {
        for ((o, m), s) in out.iter_mut().zip(mask).zip(&self.star) {
            *o = m & s;
        }
        or_shl1(out, mask.iter().zip(&self.star).map(|(m, s)| m & !s));
        if out.iter().zip(&self.star).any(|(o, s)| o & s != 0) {
            self.close(out);
            self.prune(out);
        }
    }

    /// The patterns in an accepting position, as a bit vector over pattern indexes.
    fn signature_bits(&self, bits: &[u64], out: &mut [u64]) {
        out.iter_mut().for_each(|w| *w = 0);
        for (i, &e) in self.ends.iter().enumerate() {
            if get_bit(bits, e) {
                set_bit(out, i);
            }
        }
    }
}

/// The partition of a *finite* list of strings (a closed world, e.g. every known
/// action name) by `patterns`: values with the same signature form a class. Returns
/// the partition and, per class, the indices of its values. Costs one plain match per
/// (value, pattern) pair; no automaton. The witness of a class is its shortest value
/// (the first listed among equals).
pub fn partition_finite(
    patterns: &[Pattern],
    values: &[String],
) -> (StringPartition, Vec<Vec<usize>>) {
    let mut by_sig: HashMap<Vec<bool>, usize> = HashMap::new();
    let mut classes: Vec<StringClass> = Vec::new();
    let mut members: Vec<Vec<usize>> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        let sig: Vec<bool> = patterns.iter().map(|p| p.matches(v)).collect();
        let c = *by_sig.entry(sig.clone()).or_insert_with(|| {
            classes.push(StringClass {
                signature: sig,
                witness: v.clone(),
            });
            members.push(Vec::new());
            classes.len() - 1
        });
        if let Some(m) = members.get_mut(c) {
            m.push(i);
        }
        if let Some(class) = classes.get_mut(c)
            && v.chars().count() < class.witness.chars().count()
        {
            class.witness = v.clone();
        }
    }
    (
        StringPartition {
            classes,
            dfa_states: 0,
            atoms: 0,
            lookup: None,
        },
        members,
    )
}

/// A hash of a bit vector whose per-word terms are independent (no serial dependency
/// chain), so it runs at memory speed; equal hashes are always confirmed by comparing
/// the words.
fn word_hash(bits: &[u64]) -> u64 {
    let h = bits.iter().enumerate().fold(0u64, |h, (i, w)| {
        h ^ w
            .wrapping_mul(0x9e37_79b9_7f4a_7c15)
            .rotate_left((i as u32).wrapping_mul(13) & 63)
    });
    (h ^ (h >> 29)).wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

/// Computes the partition of all strings by `patterns`, exploring at most
/// `max_states` DFA states (fewer if they would not fit in [`MAX_ARENA_WORDS`]) and
/// spending at most `max_work` 64-bit word operations (one step of a state on an
/// atom costs one operation per word of the state).
pub fn partition(
    patterns: &[Pattern],
    max_states: usize,
    max_work: u64,
) -> Result<StringPartition, AutomatonLimit> {
    if let Some(split) = prefix_split(patterns) {
        return partition_split(patterns, &split, max_states, max_work);
    }
    let compiled = compile(patterns);
    let (atoms, map) = atoms(&compiled.preds);
    let mut work = 0u64;
    explore(
        &compiled,
        &atoms,
        Some(map),
        max_states,
        max_work,
        &mut work,
    )
}

/// NFA positions (over all patterns of a key) from which splitting by prefix is tried.
const MIN_SPLIT_POSITIONS: usize = 512;

/// Patterns grouped by a literal prefix of one length: no string starts with two of the prefixes,
/// and every grouped pattern matches only strings starting with its group's prefix.
struct Split {
    /// `(prefix, indexes of its patterns)`, at least two groups.
    groups: Vec<(Vec<char>, Vec<usize>)>,
    /// Patterns in no group (no literal prefix that long, or case-insensitive).
    global: Vec<usize>,
}

/// The exact characters every string matching `p` starts with (separators of literal segments
/// included); empty for case-insensitive patterns.
fn literal_prefix(p: &Pattern) -> Vec<char> {
    let mut out = Vec::new();
    if p.case() != Case::Sensitive {
        return out;
    }
    let lead = |g: &crate::glob::Glob, out: &mut Vec<char>| -> bool {
        for t in g.tokens() {
            match t {
                GlobToken::Char(c) => out.push(*c),
                _ => return false,
            }
        }
        true
    };
    match p.shape() {
        Shape::Whole(g) => {
            lead(g, &mut out);
        }
        Shape::Segmented {
            separator,
            segments,
        } => {
            let last = segments.len().saturating_sub(1);
            for (i, g) in segments.iter().enumerate() {
                if !lead(g, &mut out) || i == last {
                    break;
                }
                out.push(*separator);
            }
        }
    }
    out
}

/// Splits a key's patterns by literal prefix when that separates them into several groups (ARN
/// patterns of different services, say): the subset construction then runs per group, over state
/// vectors a fraction of the size. `None` when no length gives two groups with few patterns left
/// over.
fn prefix_split(patterns: &[Pattern]) -> Option<Split> {
    // Below a few words of state the plain construction is cheaper than several small ones.
    let positions: usize = patterns
        .iter()
        .map(|p| match p.shape() {
            Shape::Whole(g) => g.tokens().len() + 1,
            Shape::Segmented { segments, .. } => {
                segments.iter().map(|g| g.tokens().len() + 1).sum()
            }
        })
        .sum();
    if patterns.len() < 8 || positions < MIN_SPLIT_POSITIONS {
        return None;
    }
    prefix_split_unbounded(patterns)
}

/// [`prefix_split`] whatever the size of the patterns.
fn prefix_split_unbounded(patterns: &[Pattern]) -> Option<Split> {
    let prefixes: Vec<Vec<char>> = patterns.iter().map(literal_prefix).collect();
    let mut lengths: Vec<usize> = prefixes.iter().map(Vec::len).filter(|&l| l > 0).collect();
    lengths.sort_unstable();
    lengths.dedup();
    let max_global = (patterns.len() / 8).max(2);
    let mut best: Option<(usize, usize)> = None;
    for &len in &lengths {
        let global = prefixes.iter().filter(|p| p.len() < len).count();
        if global > max_global {
            continue;
        }
        let mut heads: Vec<&[char]> = prefixes.iter().filter_map(|p| p.get(..len)).collect();
        heads.sort_unstable();
        heads.dedup();
        if heads.len() >= 2 && best.is_none_or(|(n, _)| heads.len() > n) {
            best = Some((heads.len(), len));
        }
    }
    let (_, len) = best?;
    let mut groups: BTreeMap<Vec<char>, Vec<usize>> = BTreeMap::new();
    let mut global = Vec::new();
    for (i, p) in prefixes.iter().enumerate() {
        match p.get(..len) {
            Some(head) => groups.entry(head.to_vec()).or_default().push(i),
            None => global.push(i),
        }
    }
    Some(Split {
        groups: groups.into_iter().collect(),
        global,
    })
}

/// The partition through a [`Split`]. A string starts with one group's prefix or with none, so a
/// cell is either a cell of (that group's patterns, the global ones, "starts with the prefix")
/// where the prefix marker holds, or a cell of (the global patterns, every prefix marker) where no
/// marker holds. Each part runs over the atoms of the whole key, so its witnesses are the
/// shortlex-least strings of their cells, as the plain construction's are; sorting the cells by
/// witness gives the plain construction's order.
fn partition_split(
    patterns: &[Pattern],
    split: &Split,
    max_states: usize,
    max_work: u64,
) -> Result<StringPartition, AutomatonLimit> {
    let whole = compile(patterns);
    let (global_atoms, _) = atoms(&whole.preds);
    let marker = |prefix: &[char]| {
        Pattern::whole(
            crate::glob::Glob::from_tokens(
                prefix
                    .iter()
                    .map(|c| GlobToken::Char(*c))
                    .chain([GlobToken::AnyString]),
            ),
            Case::Sensitive,
        )
    };
    let n = patterns.len();
    let mut work = 0u64;
    let mut states = 0usize;
    let mut classes: Vec<StringClass> = Vec::new();
    // One part: `members` are indexes into `patterns`, then `markers` extra patterns; keep the
    // cells whose marker bits satisfy `keep`.
    let mut part = |members: &[usize],
                    markers: Vec<Pattern>,
                    keep: &dyn Fn(&[bool]) -> bool|
     -> Result<(), AutomatonLimit> {
        let mut list: Vec<Pattern> = members
            .iter()
            .filter_map(|&i| patterns.get(i).cloned())
            .collect();
        list.extend(markers);
        let compiled = compile(&list);
        let sub_atoms: Vec<(char, Vec<bool>)> = global_atoms
            .iter()
            .map(|(c, _)| (*c, compiled.preds.iter().map(|p| p.contains(*c)).collect()))
            .collect();
        let left = max_states.saturating_sub(states);
        // The bounds hold for the parts together; a part that hits one reports the key's bound.
        let p = explore(&compiled, &sub_atoms, None, left, max_work, &mut work).map_err(
            |e| match e {
                AutomatonLimit::States(_) => AutomatonLimit::States(max_states),
                other => other,
            },
        )?;
        states += p.dfa_states;
        for c in p.classes {
            let (own, marks) = c.signature.split_at(members.len().min(c.signature.len()));
            if !keep(marks) {
                continue;
            }
            let mut signature = vec![false; n];
            for (&i, &m) in members.iter().zip(own) {
                if let Some(slot) = signature.get_mut(i) {
                    *slot = m;
                }
            }
            classes.push(StringClass {
                signature,
                witness: c.witness,
            });
        }
        Ok(())
    };
    for (prefix, members) in &split.groups {
        let mut all: Vec<usize> = members.clone();
        all.extend(&split.global);
        part(&all, vec![marker(prefix)], &|m: &[bool]| {
            m.first().copied().unwrap_or(false)
        })?;
    }
    let markers: Vec<Pattern> = split.groups.iter().map(|(p, _)| marker(p)).collect();
    part(&split.global, markers, &|m: &[bool]| !m.iter().any(|b| *b))?;
    // The plain construction lists cells in the shortlex order of their witnesses (atoms by rank).
    classes.sort_by(|a, b| {
        let ka = (a.witness.chars().count(), a.witness.chars().map(rank));
        let kb = (b.witness.chars().count(), b.witness.chars().map(rank));
        ka.0.cmp(&kb.0).then_with(|| ka.1.cmp(kb.1))
    });
    // A cell where only global patterns hold can show up in several parts (strings with and
    // without a prefix): it is one cell, with the least of the witnesses.
    let mut seen: std::collections::HashSet<Vec<bool>, crate::fx::FxBuild> = Default::default();
    classes.retain(|c| seen.insert(c.signature.clone()));
    Ok(StringPartition {
        classes,
        dfa_states: states,
        atoms: global_atoms.len(),
        lookup: None,
    })
}

/// The DFA states of a breadth-first construction: one flat arena of `words` words per state, a
/// hash index with chains for lookups, and each state's parent on a shortest path (states are
/// numbered in discovery order, so the BFS queue is a cursor over them).
struct States {
    words: usize,
    arena: Vec<u64>,
    /// A state's hash → the last state with that hash; `chain[i]` is the state before `i` with the
    /// same hash (`NONE` ends the chain).
    index: FxHashMap<u64, u32>,
    chain: Vec<u32>,
    /// `parent[i] = (previous state, atom index)` on a shortest path; `None` for the start.
    parent: Vec<Option<(u32, u32)>>,
}

impl States {
    fn new(words: usize, expected: usize, start: &[u64]) -> States {
        let mut st = States {
            words,
            arena: Vec::with_capacity(expected * words),
            index: FxHashMap::with_capacity_and_hasher(expected, Default::default()),
            chain: Vec::with_capacity(expected),
            parent: Vec::with_capacity(expected),
        };
        st.push(start, word_hash(start), None);
        st
    }

    fn len(&self) -> usize {
        self.parent.len()
    }

    fn bits(&self, s: usize) -> Option<&[u64]> {
        self.arena.get(s * self.words..(s + 1) * self.words)
    }

    /// The state with these bits (whose hash is `h`), if known.
    fn find(&self, bits: &[u64], h: u64) -> Option<u32> {
        let mut id = self.index.get(&h).copied().unwrap_or(NONE);
        while id != NONE {
            if self.bits(id as usize) == Some(bits) {
                return Some(id);
            }
            id = self.chain.get(id as usize).copied().unwrap_or(NONE);
        }
        None
    }

    /// Adds a state (not known before) and returns its number.
    fn push(&mut self, bits: &[u64], h: u64, parent: Option<(u32, u32)>) -> u32 {
        let id = u32::try_from(self.parent.len()).unwrap_or(NONE);
        let head = self.index.insert(h, id).unwrap_or(NONE);
        self.chain.push(head);
        self.arena.extend_from_slice(bits);
        self.parent.push(parent);
        id
    }

    /// The string that first reached state `s`: the atoms on its parent path.
    fn witness(&self, atoms: &[(char, Vec<bool>)], mut s: usize) -> String {
        let mut rev = Vec::new();
        while let Some(Some((p, a))) = self.parent.get(s) {
            if let Some((c, _)) = atoms.get(*a as usize) {
                rev.push(*c);
            }
            s = *p as usize;
        }
        rev.iter().rev().collect()
    }
}

/// The breadth-first subset construction over `atoms` (see the module docs). `work` accumulates
/// the word operations spent, against `max_work`. With `map` (the character → atom map of these
/// atoms) the explored automaton is kept for [`StringPartition::class_of`] when small enough.
fn explore(
    compiled: &Compiled,
    atoms: &[(char, Vec<bool>)],
    map: Option<AtomMap>,
    max_states: usize,
    max_work: u64,
    work: &mut u64,
) -> Result<StringPartition, AutomatonLimit> {
    let n_atoms = atoms.len();
    // The transition table, while it stays under `MAX_LOOKUP_ENTRIES`.
    let mut trans: Option<Vec<u32>> = map.is_some().then(|| Vec::with_capacity(128 * n_atoms));
    let mut state_class: Vec<u32> = Vec::with_capacity(128);
    let mut mask_succ: Vec<u32> = Vec::new();
    let runner = Runner::new(&compiled.nfas, &compiled.preds, atoms);
    let mut marks = vec![false; atoms.len()];
    let words = runner.words.max(1);
    // Room for the states of a typical key up front: growing these one push at a time was a
    // large part of the cost of small partitions.
    const EXPECTED_STATES: usize = 128;
    let hash = word_hash;
    let sig_words = runner.ends.len().div_ceil(64).max(1);
    let mut sig = vec![0u64; sig_words];
    let mut seen: FxHashMap<Vec<u64>, u32> =
        FxHashMap::with_capacity_and_hasher(EXPECTED_STATES / 4, Default::default());
    let mut order: Vec<(Vec<u64>, usize)> = Vec::new();
    let mut scratch = vec![0u64; words];
    let mut current = vec![0u64; words];
    let mut mask = vec![0u64; words];
    let mut masks: Vec<u64> = Vec::new();
    let mut mask_hashes: Vec<u64> = Vec::new();
    let max_states = max_states.min(MAX_ARENA_WORDS / words);

    let mut start = runner.start();
    start.resize(words, 0);
    let mut states = States::new(words, EXPECTED_STATES, &start);
    // BFS: states are numbered in discovery order, so the queue is a cursor.
    let mut next = 0usize;
    while next < states.len() {
        let s = next;
        next += 1;
        let Some(bits) = states.bits(s) else {
            continue;
        };
        current.copy_from_slice(bits);
        runner.signature_bits(&current, &mut sig);
        let class = match seen.get(sig.as_slice()) {
            Some(&c) => c,
            None => {
                let c = u32::try_from(order.len()).unwrap_or(NONE);
                seen.insert(sig.clone(), c);
                order.push((sig.clone(), s));
                c
            }
        };
        state_class.push(class);
        if (s + 1).saturating_mul(n_atoms) > MAX_LOOKUP_ENTRIES {
            trans = None;
        } else if let Some(t) = &mut trans {
            t.resize((s + 1) * n_atoms, NONE);
        }
        // Masks already expanded from this state: (hash, offset in `masks`).
        masks.clear();
        mask_hashes.clear();
        mask_succ.clear();
        runner.mark_special(&current, &mut marks);
        let mut plain_seen = false;
        let mut plain_succ = NONE;
        for a in 0..atoms.len() {
            // Unmarked atoms all lead to one successor: expand only the first.
            let marked = marks.get(a).copied().unwrap_or(false);
            if !marked {
                if plain_seen {
                    continue;
                }
                plain_seen = true;
            }
            *work = work.saturating_add(words as u64);
            if *work > max_work {
                return Err(AutomatonLimit::Work(max_work));
            }
            runner.mask(&current, a, &mut mask);
            let mh = hash(&mask);
            let repeated = mask_hashes.iter().enumerate().find_map(|(i, &h)| {
                (h == mh && masks.get(i * words..(i + 1) * words) == Some(mask.as_slice()))
                    .then(|| mask_succ.get(i).copied().unwrap_or(NONE))
            });
            let mut record = |succ: u32| {
                if !marked {
                    plain_succ = succ;
                }
                if let Some(slot) = trans.as_mut().and_then(|t| t.get_mut(s * n_atoms + a)) {
                    *slot = succ;
                }
            };
            if let Some(succ) = repeated {
                record(succ);
                continue;
            }
            mask_hashes.push(mh);
            masks.extend_from_slice(&mask);
            runner.advance(&mask, &mut scratch);
            let h = hash(&scratch);
            if let Some(id) = states.find(&scratch, h) {
                mask_succ.push(id);
                record(id);
                continue;
            }
            if states.len() >= max_states {
                return Err(AutomatonLimit::States(max_states));
            }
            let (Ok(from), Ok(atom)) = (u32::try_from(s), u32::try_from(a)) else {
                return Err(AutomatonLimit::States(max_states));
            };
            let new_id = states.push(&scratch, h, Some((from, atom)));
            mask_succ.push(new_id);
            record(new_id);
        }
        // Every unmarked atom goes where the first one went.
        if let Some(row) = trans
            .as_mut()
            .and_then(|t| t.get_mut(s * n_atoms..(s + 1) * n_atoms))
        {
            for (a, slot) in row.iter_mut().enumerate() {
                if !marks.get(a).copied().unwrap_or(false) {
                    *slot = plain_succ;
                }
            }
        }
    }
    let n = runner.ends.len();
    let classes = order
        .into_iter()
        .map(|(bits, s)| StringClass {
            signature: (0..n).map(|i| get_bit(&bits, i)).collect(),
            witness: states.witness(atoms, s),
        })
        .collect();
    let lookup = match (trans, map) {
        (Some(trans), Some((named, other))) => Some(Lookup {
            named,
            other,
            atoms: n_atoms,
            trans,
            state_class,
        }),
        _ => None,
    };
    Ok(StringPartition {
        classes,
        dfa_states: states.len(),
        atoms: atoms.len(),
        lookup,
    })
}

/// A shortest string whose signature over `patterns` is exactly `want` (`want[i]`: must the string
/// match pattern `i`?), or `None` when there is none. It is the witness the plain construction
/// gives that cell (the same breadth-first order over the same atoms), found without building the
/// other cells: the search stops at the first state with the wanted signature, and it drops states
/// from which the signature is out of reach (a wanted pattern has no live position left, or an
/// unwanted one has reached a final unrestricted `*` and matches every continuation). Bounded like
/// [`partition`].
pub fn search(
    patterns: &[Pattern],
    want: &[bool],
    max_states: usize,
    max_work: u64,
) -> Result<Option<String>, AutomatonLimit> {
    search_with(patterns, want, max_states, max_work, &mut 0)
}

/// [`search`], adding the word operations it spends to `work` and stopping when `work` exceeds
/// `max_work` (a budget shared by several searches).
pub fn search_with(
    patterns: &[Pattern],
    want: &[bool],
    max_states: usize,
    max_work: u64,
    work: &mut u64,
) -> Result<Option<String>, AutomatonLimit> {
    let compiled = compile(patterns);
    let (atoms, _) = atoms(&compiled.preds);
    let runner = Runner::new(&compiled.nfas, &compiled.preds, &atoms);
    let words = runner.words.max(1);
    let n = runner.ends.len();
    let wanted = |i: usize| want.get(i).copied().unwrap_or(false);
    // Per pattern: its position range, and the position of its final unrestricted `*` if any.
    let trailing_of: Vec<Option<usize>> = (0..n)
        .map(|i| {
            let end = runner.ends.get(i).copied().unwrap_or(0);
            (end > 0 && get_bit(&runner.trailing, end - 1)).then(|| end - 1)
        })
        .collect();
    let hopeless = |bits: &[u64]| -> bool {
        (0..n).any(|i| {
            if wanted(i) {
                let (from, to) = (
                    runner.starts.get(i).copied().unwrap_or(0),
                    runner.ends.get(i).copied().unwrap_or(0),
                );
                !(from..=to).any(|b| get_bit(bits, b))
            } else {
                trailing_of
                    .get(i)
                    .copied()
                    .flatten()
                    .is_some_and(|t| get_bit(bits, t))
            }
        })
    };
    let hit = |bits: &[u64]| {
        (0..n).all(|i| runner.ends.get(i).is_some_and(|&e| get_bit(bits, e)) == wanted(i))
    };
    let max_states = max_states.min(MAX_ARENA_WORDS / words);
    let mut start = runner.start();
    start.resize(words, 0);
    if hit(&start) {
        return Ok(Some(String::new()));
    }
    if hopeless(&start) {
        return Ok(None);
    }
    let mut states = States::new(words, 64, &start);
    let mut marks = vec![false; atoms.len()];
    let mut current = vec![0u64; words];
    let mut mask = vec![0u64; words];
    let mut scratch = vec![0u64; words];
    let mut masks: Vec<u64> = Vec::new();
    let mut dead: Vec<bool> = vec![false];
    let mut next = 0usize;
    while next < states.len() {
        let s = next;
        next += 1;
        if dead.get(s).copied().unwrap_or(true) {
            continue;
        }
        let Some(bits) = states.bits(s) else {
            continue;
        };
        current.copy_from_slice(bits);
        runner.mark_special(&current, &mut marks);
        masks.clear();
        let mut plain_seen = false;
        for a in 0..atoms.len() {
            if !marks.get(a).copied().unwrap_or(false) {
                if plain_seen {
                    continue;
                }
                plain_seen = true;
            }
            *work = work.saturating_add(words as u64);
            if *work > max_work {
                return Err(AutomatonLimit::Work(max_work));
            }
            runner.mask(&current, a, &mut mask);
            // Atoms with a mask already expanded from this state lead to a known successor.
            if masks.chunks_exact(words).any(|m| m == mask.as_slice()) {
                continue;
            }
            masks.extend_from_slice(&mask);
            runner.advance(&mask, &mut scratch);
            let h = word_hash(&scratch);
            if states.find(&scratch, h).is_some() {
                continue;
            }
            let (Ok(from), Ok(atom)) = (u32::try_from(s), u32::try_from(a)) else {
                return Err(AutomatonLimit::States(max_states));
            };
            // BFS reaches states in shortlex order of their shortest strings: the first state
            // with the wanted signature gives the shortest witness.
            if hit(&scratch) {
                let id = states.push(&scratch, h, Some((from, atom)));
                return Ok(Some(states.witness(&atoms, id as usize)));
            }
            if states.len() >= max_states {
                return Err(AutomatonLimit::States(max_states));
            }
            // A hopeless state is recorded (so it is recognised when reached again) but never
            // expanded.
            states.push(&scratch, h, Some((from, atom)));
            dead.push(hopeless(&scratch));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::glob::Glob;
    use proptest::prelude::*;

    fn check(patterns: &[Pattern], expected_witnesses: &[&str]) {
        let p = partition(patterns, 10_000, u64::MAX).unwrap();
        let got: Vec<&str> = p.classes().iter().map(|c| c.witness.as_str()).collect();
        assert_eq!(got, expected_witnesses, "{patterns:?}");
        assert_witnesses_exact(patterns, &p);
    }

    /// Every witness matches exactly the patterns of its signature (plain matcher), and
    /// signatures are distinct.
    fn assert_witnesses_exact(patterns: &[Pattern], p: &StringPartition) {
        for c in p.classes() {
            let actual: Vec<bool> = patterns.iter().map(|pat| pat.matches(&c.witness)).collect();
            assert_eq!(actual, c.signature, "witness `{}`", c.witness);
        }
        let mut sigs: Vec<_> = p.classes().iter().map(|c| c.signature.clone()).collect();
        sigs.sort();
        sigs.dedup();
        assert_eq!(sigs.len(), p.classes().len());
    }

    #[test]
    fn partition_table() {
        use Case::*;
        let g = Pattern::glob;
        // No pattern: one class, everything.
        check(&[], &[""]);
        // `*` matches everything: one class.
        check(&[g("*", Sensitive)], &[""]);
        // Empty pattern: the empty string versus the rest.
        check(&[g("", Sensitive)], &["", "a"]);
        // A literal and a glob over it: Venn cells {none, glob only, both}.
        check(
            &[Pattern::literal("ab", Sensitive), g("a*", Sensitive)],
            &["", "a", "ab"],
        );
        // Disjoint globs; the neither-cell first (empty string).
        check(&[g("a*", Sensitive), g("b*", Sensitive)], &["", "a", "b"]);
        // Case: `AB` exactly vs `ab` ignoring case: {none, insensitive only, both}.
        check(
            &[
                Pattern::literal("AB", Sensitive),
                Pattern::literal("ab", Insensitive),
            ],
            &["", "ab", "AB"],
        );
        // `?` is one scalar value; `` and `aa` share the non-matching cell.
        check(&[g("?", Sensitive)], &["", "a"]);
        // `?` vs `??`: three cells (0 or ≥3 chars, 1 char, 2 chars).
        check(&[g("?", Sensitive), g("??", Sensitive)], &["", "a", "aa"]);
    }

    #[test]
    fn segmented_partition() {
        // Whole-string `*:b` accepts `a:a:b`; the 2-segment `*:b` does not (its first
        // segment is `a`, its second `a:b`), while every segmented match is a whole match.
        let seg = Pattern::split_segments("*:b", ':', 2, Case::Sensitive).unwrap();
        let whole = Pattern::glob("*:b", Case::Sensitive);
        let p = partition(&[seg.clone(), whole.clone()], 10_000, u64::MAX).unwrap();
        assert_witnesses_exact(&[seg, whole], &p);
        let sigs: Vec<_> = p.classes().iter().map(|c| c.signature.clone()).collect();
        assert!(
            sigs.contains(&vec![false, true]),
            "a string like `::b` is whole-only"
        );
        assert!(!sigs.contains(&vec![true, false]), "segmented ⊆ whole here");
        // A literal separator inside a non-final segment matches nothing.
        let dead = Pattern::segmented(
            ':',
            vec![Glob::literal("a:b"), Glob::parse("*")],
            Case::Sensitive,
        );
        let p = partition(std::slice::from_ref(&dead), 10_000, u64::MAX).unwrap();
        assert_eq!(p.classes().len(), 1);
        assert!(!p.classes()[0].signature[0]);
    }

    #[test]
    fn state_limit_is_reported() {
        // `*a????????` needs 2^9 DFA states (remember the last 9 characters' a-ness).
        let hard = Pattern::glob("*a?????????", Case::Sensitive);
        assert_eq!(
            partition(std::slice::from_ref(&hard), 100, u64::MAX).map(|_| ()),
            Err(AutomatonLimit::States(100))
        );
        assert_eq!(
            partition(&[hard], 1 << 20, 1000).map(|_| ()),
            Err(AutomatonLimit::Work(1000))
        );
    }

    fn pattern_strategy() -> impl Strategy<Value = Pattern> {
        let text = "[ab*?:K\u{212A}é]{0,5}";
        prop_oneof![
            (text, any::<bool>()).prop_map(|(t, ci)| Pattern::glob(
                &t,
                if ci {
                    Case::Insensitive
                } else {
                    Case::Sensitive
                }
            )),
            (text, any::<bool>()).prop_map(|(t, ci)| Pattern::literal(
                &t,
                if ci {
                    Case::Insensitive
                } else {
                    Case::Sensitive
                }
            )),
            text.prop_filter_map("needs a separator", |t| Pattern::split_segments(
                &t,
                ':',
                2,
                Case::Sensitive
            )),
        ]
    }

    fn plain(patterns: &[Pattern]) -> StringPartition {
        let compiled = compile(patterns);
        let (atoms, map) = atoms(&compiled.preds);
        let mut work = 0;
        explore(&compiled, &atoms, Some(map), 1_000_000, u64::MAX, &mut work).unwrap()
    }

    /// Patterns that share literal prefixes (so that `prefix_split` groups them), plus a few
    /// without one.
    fn grouped_strategy() -> impl Strategy<Value = Pattern> {
        let tail = "[ab*?:]{0,4}";
        prop_oneof![
            4 => ("[xy]{1,2}", "[ab:]{0,2}", tail).prop_map(|(h, m, t)| {
                Pattern::glob(&format!("{h}:{m}{t}"), Case::Sensitive)
            }),
            2 => ("[xy]{1,2}", tail).prop_map(|(h, t)| {
                Pattern::literal(&format!("{h}:{t}"), Case::Sensitive)
            }),
            2 => ("[xy]{1,2}", tail, tail).prop_filter_map("separator", |(h, a, b)| {
                Pattern::split_segments(&format!("{h}:{a}:{b}"), ':', 3, Case::Sensitive)
            }),
            1 => (tail, any::<bool>()).prop_map(|(t, ci)| Pattern::glob(
                &t,
                if ci { Case::Insensitive } else { Case::Sensitive }
            )),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1000))]
        /// The split construction lists the same cells, with the same witnesses, in the same order
        /// as the plain one.
        #[test]
        fn split_partition_is_the_plain_one(
            patterns in prop::collection::vec(grouped_strategy(), 8..16),
        ) {
            let Some(groups) = prefix_split_unbounded(&patterns) else {
                return Err(TestCaseError::reject("no split"));
            };
            let split = partition_split(&patterns, &groups, 1_000_000, u64::MAX).unwrap();
            let reference = plain(&patterns);
            prop_assert_eq!(split.classes(), reference.classes());
        }
    }

    #[test]
    fn split_parts_share_the_state_bound() {
        let pats: Vec<Pattern> = ["s3", "sqs", "sns", "iam"]
            .iter()
            .map(|svc| Pattern::glob(&format!("arn:aws:{svc}:*:1:res/*"), Case::Sensitive))
            .chain([Pattern::glob("*", Case::Sensitive)])
            .collect();
        let split = prefix_split_unbounded(&pats).unwrap();
        let full = partition_split(&pats, &split, 100_000, u64::MAX).unwrap();
        // Each part alone fits in half the states; together they do not.
        let bound = full.dfa_states() / 2;
        assert_eq!(
            partition_split(&pats, &split, bound, u64::MAX).map(|_| ()),
            Err(AutomatonLimit::States(bound))
        );
    }

    #[test]
    fn prefix_split_groups_arn_services() {
        let pats: Vec<Pattern> = ["s3", "sqs", "sns", "iam"]
            .iter()
            .flat_map(|svc| {
                [
                    Pattern::glob(&format!("arn:aws:{svc}:::bucket-1/*"), Case::Sensitive),
                    Pattern::glob(&format!("arn:aws:{svc}:*:1:res/*"), Case::Sensitive),
                ]
            })
            .chain([Pattern::glob("*", Case::Sensitive)])
            .collect();
        let split = prefix_split_unbounded(&pats).unwrap();
        assert_eq!(split.groups.len(), 4);
        assert_eq!(split.global, vec![8]);
        let got = partition_split(&pats, &split, 100_000, u64::MAX).unwrap();
        assert_eq!(got.classes(), plain(&pats).classes());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn witnesses_are_exact_and_classes_complete(
            patterns in prop::collection::vec(pattern_strategy(), 0..5),
            probes in prop::collection::vec("[abAB:Kk\u{212A}éÉx]{0,6}", 0..20),
        ) {
            let p = partition(&patterns, 50_000, u64::MAX).unwrap();
            assert_witnesses_exact(&patterns, &p);
            // Completeness: every probe string's signature is one of the classes.
            for s in probes {
                let sig: Vec<bool> = patterns.iter().map(|pat| pat.matches(&s)).collect();
                let class = p.classes().iter().find(|c| c.signature == sig);
                prop_assert!(class.is_some(), "`{}` has no class", s);
                // The kept automaton sends the probe to that class.
                let looked_up = p.class_of(&s).and_then(|i| p.classes().get(i));
                prop_assert_eq!(looked_up, class, "class_of(`{}`)", s);
                // Witnesses are shortest: never longer than another member of the class.
                let w = &class.unwrap().witness;
                prop_assert!(w.chars().count() <= s.chars().count(), "`{}` shorter than witness `{}`", s, w);
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]
        /// `search` finds a cell iff the plain construction lists it, and with the same witness;
        /// it finds no string for any other signature.
        #[test]
        fn search_finds_exactly_the_cells(
            patterns in prop::collection::vec(pattern_strategy(), 1..6),
        ) {
            let reference = plain(&patterns);
            let n = patterns.len();
            for mask in 0u32..(1 << n) {
                let want: Vec<bool> = (0..n).map(|i| mask >> i & 1 == 1).collect();
                let got = search(&patterns, &want, 1_000_000, u64::MAX).unwrap();
                let cell = reference.classes().iter().find(|c| c.signature == want);
                prop_assert_eq!(got.as_deref(), cell.map(|c| c.witness.as_str()), "{:?}", want);
            }
        }
    }
}
