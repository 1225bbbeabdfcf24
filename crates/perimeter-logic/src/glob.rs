//! Glob patterns over Unicode strings, and the plain matcher.
//!
//! A [`Glob`] is a sequence of [`GlobToken`]s: a literal character, `?` (exactly one
//! character) or `*` (any sequence of characters, the empty one included). There is no
//! escape syntax: [`Glob::parse`] treats `*` and `?` as wildcards and every other
//! character literally, and [`Glob::literal`] treats every character literally (the
//! `StringEquals` reading). A caller that needs a literal `*` inside a wildcard pattern
//! builds the tokens itself with [`Glob::from_tokens`].
//!
//! A [`Pattern`] is a glob applied to a whole string, or a *segmented* pattern: the
//! string is split on the first `n - 1` occurrences of a separator into `n` segments
//! and segment `i` must match glob `i`. In every segment but the last, wildcards can
//! not cross the separator (the segment contains none); the last segment receives the
//! rest of the string, separators included. This is how an ARN glob is matched
//! component by component (`n = 6`, separator `:`), while a whole-string glob lets `*`
//! run over `:`. A string with fewer than `n - 1` separators matches no segmented
//! pattern.
//!
//! # Characters
//!
//! The unit of matching is the Unicode scalar value (`char`): `?` matches one scalar
//! value, whatever its UTF-8 length (`?` matches `é` and `😀`). Combining sequences are
//! several scalar values.
//!
//! # Case
//!
//! [`Case::Insensitive`] compares characters through [`fold`], a per-scalar simple case
//! folding: `fold(c) = lower(upper(c))`, where a mapping that would produce more than
//! one scalar value leaves the character unchanged. This is the relation of Java's
//! `String.equalsIgnoreCase` (which compares `Character.toUpperCase`, then
//! `Character.toLowerCase` of that), so it is an equivalence relation and works for
//! all of Unicode, not only ASCII: `K` (U+212A KELVIN SIGN) equals `k`, `ſ` equals `s`,
//! `ẞ` equals `ß`, but `ß` does not equal `ss` (no multi-character expansion).
//! The separator of a segmented pattern is always compared exactly.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

/// Whether literal characters compare exactly or through [`fold`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Case {
    /// Characters compare exactly (`StringEquals`, `StringLike`, `ArnLike`).
    Sensitive,
    /// Characters compare through [`fold`] (`StringEqualsIgnoreCase`).
    Insensitive,
}

/// One element of a [`Glob`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum GlobToken {
    /// Exactly this character (modulo case in [`Case::Insensitive`] patterns).
    Char(char),
    /// `?`: exactly one character.
    AnyChar,
    /// `*`: any sequence of characters, possibly empty.
    AnyString,
    /// A `*` that matches any sequence of characters not containing this one (IAM's `*` inside
    /// an ARN segment of a `Resource`, which does not cross `:`).
    AnyStringExcept(char),
}

/// A glob: a sequence of tokens with no two `*` in a row.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Glob {
    tokens: Vec<GlobToken>,
}

impl Glob {
    /// Reads `*` and `?` as wildcards and every other character literally.
    pub fn parse(text: &str) -> Glob {
        Glob::from_tokens(text.chars().map(|c| match c {
            '*' => GlobToken::AnyString,
            '?' => GlobToken::AnyChar,
            other => GlobToken::Char(other),
        }))
    }

    /// Reads every character literally (an exact string).
    pub fn literal(text: &str) -> Glob {
        Glob::from_tokens(text.chars().map(GlobToken::Char))
    }

    /// Builds a glob from tokens; consecutive stars are merged where the language stays the
    /// same (`**` is `*`, a restricted star next to `*` is `*`, two equal restricted stars are one).
    pub fn from_tokens(tokens: impl IntoIterator<Item = GlobToken>) -> Glob {
        let tokens = tokens.into_iter();
        let mut out: Vec<GlobToken> = Vec::with_capacity(tokens.size_hint().0);
        for t in tokens {
            match (out.last().copied(), t) {
                (
                    Some(GlobToken::AnyString),
                    GlobToken::AnyString | GlobToken::AnyStringExcept(_),
                ) => {
                    continue;
                }
                (Some(GlobToken::AnyStringExcept(a)), GlobToken::AnyStringExcept(b)) if a == b => {
                    continue;
                }
                (Some(GlobToken::AnyStringExcept(_)), GlobToken::AnyString) => {
                    out.pop();
                }
                _ => {}
            }
            out.push(t);
        }
        Glob { tokens: out }
    }

    /// The tokens, with no two `*` in a row.
    pub fn tokens(&self) -> &[GlobToken] {
        &self.tokens
    }

    /// True when the glob has no wildcard: its language is one string (per case).
    pub fn is_literal(&self) -> bool {
        self.tokens.iter().all(|t| matches!(t, GlobToken::Char(_)))
    }
}

impl fmt::Display for Glob {
    /// Renders in `parse` syntax; a literal `*` or `?` token is shown as `[*]`/`[?]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for t in &self.tokens {
            match t {
                GlobToken::Char('*') => f.write_str("[*]")?,
                GlobToken::Char('?') => f.write_str("[?]")?,
                GlobToken::Char(c) => write!(f, "{c}")?,
                GlobToken::AnyChar => f.write_str("?")?,
                GlobToken::AnyString => f.write_str("*")?,
                GlobToken::AnyStringExcept(c) => write!(f, "[^{c}]*")?,
            }
        }
        Ok(())
    }
}

/// How a [`Pattern`] applies its globs to a string.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shape {
    /// One glob over the whole string.
    Whole(Glob),
    /// The string splits on the first `segments.len() - 1` separators; segment `i`
    /// must match `segments[i]`.
    Segmented {
        /// The separator, compared exactly.
        separator: char,
        /// One glob per segment; never empty.
        segments: Vec<Glob>,
    },
}

/// A glob language over strings: a [`Shape`] and a [`Case`].
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Pattern {
    shape: Shape,
    case: Case,
}

impl Pattern {
    /// A whole-string glob.
    pub fn whole(glob: Glob, case: Case) -> Pattern {
        Pattern {
            shape: Shape::Whole(glob),
            case,
        }
    }

    /// `Glob::parse(text)` over the whole string.
    pub fn glob(text: &str, case: Case) -> Pattern {
        Pattern::whole(Glob::parse(text), case)
    }

    /// The exact string `text` (every character literal).
    pub fn literal(text: &str, case: Case) -> Pattern {
        Pattern::whole(Glob::literal(text), case)
    }

    /// A segmented pattern. With no segment at all it is read as one empty segment
    /// (matches only the empty string).
    pub fn segmented(separator: char, segments: Vec<Glob>, case: Case) -> Pattern {
        let segments = if segments.is_empty() {
            vec![Glob::default()]
        } else {
            segments
        };
        Pattern {
            shape: Shape::Segmented {
                separator,
                segments,
            },
            case,
        }
    }

    /// Splits `text` on the first `count - 1` occurrences of `separator` and parses
    /// each part with [`Glob::parse`]. `None` when `text` has fewer separators (such a
    /// policy value can match no segmented string; the caller decides what it means)
    /// or `count` is zero.
    pub fn split_segments(
        text: &str,
        separator: char,
        count: usize,
        case: Case,
    ) -> Option<Pattern> {
        if count == 0 {
            return None;
        }
        let parts: Vec<Glob> = text.splitn(count, separator).map(Glob::parse).collect();
        if parts.len() != count {
            return None;
        }
        Some(Pattern::segmented(separator, parts, case))
    }

    /// The shape.
    pub fn shape(&self) -> &Shape {
        &self.shape
    }

    /// The case mode.
    pub fn case(&self) -> Case {
        self.case
    }

    /// The plain matcher: does `text` belong to the language? Runs in
    /// `O(|text| * |pattern|)` time with no allocation beyond the split.
    pub fn matches(&self, text: &str) -> bool {
        match &self.shape {
            Shape::Whole(g) => glob_matches(g.tokens(), text, self.case),
            Shape::Segmented {
                separator,
                segments,
            } => {
                let mut parts = text.splitn(segments.len(), *separator);
                for g in segments {
                    let Some(part) = parts.next() else {
                        return false;
                    };
                    if !glob_matches(g.tokens(), part, self.case) {
                        return false;
                    }
                }
                true
            }
        }
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.shape {
            Shape::Whole(g) => write!(f, "{g}")?,
            Shape::Segmented {
                separator,
                segments,
            } => {
                for (i, g) in segments.iter().enumerate() {
                    if i > 0 {
                        write!(f, "{separator}")?;
                    }
                    write!(f, "{g}")?;
                }
            }
        }
        if self.case == Case::Insensitive {
            f.write_str(" (ignore case)")?;
        }
        Ok(())
    }
}

/// Classic iterative wildcard matching with one backtrack point (the last `*`):
/// constant space (byte offsets into `text`, no allocation), `O(n * m)` time.
fn glob_matches(tokens: &[GlobToken], text: &str, case: Case) -> bool {
    if tokens
        .iter()
        .any(|t| matches!(t, GlobToken::AnyStringExcept(_)))
    {
        return glob_matches_nfa(tokens, text, case);
    }
    let next_char = |at: usize| text.get(at..).and_then(|rest| rest.chars().next());
    let (mut t, mut s) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = next_char(s) {
        match tokens.get(t) {
            Some(GlobToken::AnyString) => {
                star = Some((t, s));
                t += 1;
                continue;
            }
            Some(GlobToken::AnyChar) => {
                t += 1;
                s += c.len_utf8();
                continue;
            }
            Some(GlobToken::Char(p)) if chars_equal(*p, c, case) => {
                t += 1;
                s += c.len_utf8();
                continue;
            }
            _ => {}
        }
        match star {
            Some((st, ss)) => {
                // Let the last `*` absorb one more character and retry.
                let skip = next_char(ss).map_or(1, char::len_utf8);
                t = st + 1;
                s = ss + skip;
                star = Some((st, ss + skip));
            }
            None => return false,
        }
    }
    tokens
        .get(t..)
        .is_some_and(|rest| rest.iter().all(|x| *x == GlobToken::AnyString))
}

/// Matching by simulating the glob's NFA (a set of token positions), for globs with restricted
/// stars, where backtracking to the last star alone is not enough. `O(n * m)` time, `O(m)` space.
fn glob_matches_nfa(tokens: &[GlobToken], text: &str, case: Case) -> bool {
    let m = tokens.len();
    let is_star = |i: usize| {
        matches!(
            tokens.get(i),
            Some(GlobToken::AnyString | GlobToken::AnyStringExcept(_))
        )
    };
    // A star matches the empty run: from position i, position i + 1 is reachable too.
    let close = |set: &mut Vec<bool>| {
        for i in 0..m {
            if set.get(i).copied().unwrap_or(false)
                && is_star(i)
                && let Some(next) = set.get_mut(i + 1)
            {
                *next = true;
            }
        }
    };
    let mut cur = vec![false; m + 1];
    if let Some(first) = cur.first_mut() {
        *first = true;
    }
    close(&mut cur);
    for c in text.chars() {
        let mut next = vec![false; m + 1];
        for (i, tok) in tokens.iter().enumerate() {
            if !cur.get(i).copied().unwrap_or(false) {
                continue;
            }
            match *tok {
                GlobToken::Char(p) if chars_equal(p, c, case) => {
                    if let Some(n) = next.get_mut(i + 1) {
                        *n = true;
                    }
                }
                GlobToken::AnyChar => {
                    if let Some(n) = next.get_mut(i + 1) {
                        *n = true;
                    }
                }
                GlobToken::AnyString => {
                    if let Some(n) = next.get_mut(i) {
                        *n = true;
                    }
                }
                GlobToken::AnyStringExcept(x) if x != c => {
                    if let Some(n) = next.get_mut(i) {
                        *n = true;
                    }
                }
                _ => {}
            }
        }
        close(&mut next);
        if !next.iter().any(|b| *b) {
            return false;
        }
        cur = next;
    }
    cur.get(m).copied().unwrap_or(false)
}

/// Character equality under a case mode.
pub fn chars_equal(a: char, b: char, case: Case) -> bool {
    match case {
        Case::Sensitive => a == b,
        Case::Insensitive => a == b || fold(a) == fold(b),
    }
}

/// Per-scalar simple case folding: `lower(upper(c))`, where any step that would yield
/// more than one scalar value keeps the character as it is. Two characters are equal
/// ignoring case iff their folds are equal.
pub fn fold(c: char) -> char {
    // ASCII stays ASCII under both mappings: lower(upper(c)) is the ASCII lowercase.
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut up = c.to_uppercase();
    let u = match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    };
    let mut lo = u.to_lowercase();
    match (lo.next(), lo.next()) {
        (Some(l), None) => l,
        _ => u,
    }
}

/// Highest scalar value scanned when building the fold table. Every scalar value with
/// a case mapping lies below it (checked by a test over all of `char`).
pub(crate) const FOLD_SCAN_END: u32 = 0x2_0000;

fn fold_table() -> &'static HashMap<char, Vec<char>> {
    static TABLE: OnceLock<HashMap<char, Vec<char>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut map: HashMap<char, Vec<char>> = HashMap::new();
        for c in (0..FOLD_SCAN_END).filter_map(char::from_u32) {
            let f = fold(c);
            if f != c {
                map.entry(f).or_default().push(c);
            }
        }
        map
    })
}

/// The non-ASCII scalar values whose fold is an ASCII character, with that character (checked
/// against a scan of all of `char` by a test). Classes of ASCII characters are built from this
/// list, so that the usual patterns (actions, ARNs) never pay for the fold table, whose first use
/// scans 128k scalar values (about 5 ms, most of a CLI check's run time).
const ASCII_FOLD_EXTRAS: [(char, char); 3] =
    [('i', '\u{131}'), ('k', '\u{212A}'), ('s', '\u{17F}')];

/// Every character equal to `c` ignoring case (`c` included), sorted.
pub fn fold_class(c: char) -> Vec<char> {
    let f = fold(c);
    let mut out = vec![f];
    if f.is_ascii() {
        out.push(f.to_ascii_uppercase());
        out.extend(
            ASCII_FOLD_EXTRAS
                .iter()
                .filter(|(a, _)| *a == f)
                .map(|(_, x)| *x),
        );
    } else if let Some(more) = fold_table().get(&f) {
        out.extend(more.iter().copied());
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &Pattern, text: &str, expected: bool) {
        assert_eq!(
            pattern.matches(text),
            expected,
            "pattern `{pattern}` on `{text}`"
        );
    }

    #[test]
    fn glob_table() {
        use Case::*;
        // (pattern, case, text, expected). Semantics: IAM StringLike, `*` any run
        // (including empty), `?` exactly one character (IAM user guide, condition
        // operators, "String condition operators").
        let table: &[(&str, Case, &str, bool)] = &[
            ("", Sensitive, "", true),
            ("", Sensitive, "a", false),
            ("*", Sensitive, "", true),
            ("*", Sensitive, "anything:at/all", true),
            ("**", Sensitive, "", true),
            ("?", Sensitive, "", false),
            ("?", Sensitive, "a", true),
            ("?", Sensitive, "ab", false),
            ("?", Sensitive, "é", true),  // two UTF-8 bytes, one scalar
            ("?", Sensitive, "😀", true), // four UTF-8 bytes, one scalar
            ("??", Sensitive, "😀", false),
            ("?", Sensitive, "e\u{301}", false), // e + combining acute: two scalars
            ("a*", Sensitive, "a", true),
            ("a*", Sensitive, "ba", false),
            ("*a", Sensitive, "ba", true),
            ("a*b*c", Sensitive, "abc", true),
            ("a*b*c", Sensitive, "aXbYbZc", true),
            ("a*b*c", Sensitive, "acb", false),
            ("a*a*a*b", Sensitive, "aaab", true),
            ("a*a*a*b", Sensitive, "aab", false),
            ("ABC", Sensitive, "abc", false),
            ("ABC", Insensitive, "abc", true),
            ("a?C*", Insensitive, "AbcDE", true),
            ("k", Insensitive, "\u{212A}", true), // Kelvin sign folds to k
            ("s", Insensitive, "\u{17F}", true),  // long s folds to s
            ("ß", Insensitive, "\u{1E9E}", true), // capital sharp s
            ("ß", Insensitive, "ss", false),      // no multi-character expansion
            ("é", Insensitive, "É", true),
            ("É", Sensitive, "é", false),
        ];
        for &(p, case, text, expected) in table {
            check(&Pattern::glob(p, case), text, expected);
        }
    }

    #[test]
    fn literal_takes_wildcards_literally() {
        check(&Pattern::literal("a*", Case::Sensitive), "a*", true);
        check(&Pattern::literal("a*", Case::Sensitive), "ab", false);
        check(&Pattern::literal("a?", Case::Sensitive), "ab", false);
        check(&Pattern::literal("", Case::Sensitive), "", true);
    }

    #[test]
    fn segmented_table() {
        // ArnLike: "each of the six colon-delimited components of the ARN is checked
        // separately"; `*` in a component does not cross `:`; the resource component
        // is the remainder and may hold colons (IAM user guide, ARN condition operators).
        let arn = |p: &str| Pattern::split_segments(p, ':', 6, Case::Sensitive).unwrap();
        let table: &[(&str, &str, bool)] = &[
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/key", true),
            ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a:b", true),
            ("arn:aws:iam::*:role/x", "arn:aws:iam::123:role/x", true),
            ("arn:aws:iam::*:role/x", "arn:aws:iam::1:2:role/x", false),
            ("arn:*:iam::1:role/x", "arn:aws:x:iam::1:role/x", false),
            ("arn:aws:*:*:*:*", "arn:aws:s3:::b", true),
            ("arn:aws:*:*:*:*", "arn:aws:s3::b", false),
            ("arn:aws:*:*:*:*", "not-an-arn", false),
        ];
        for &(p, text, expected) in table {
            check(&arn(p), text, expected);
        }
        // The same text as a whole-string glob lets `*` cross `:`.
        check(
            &Pattern::glob("arn:*:iam::1:role/x", Case::Sensitive),
            "arn:aws:x:iam::1:role/x",
            true,
        );
        assert!(Pattern::split_segments("arn:aws", ':', 6, Case::Sensitive).is_none());
    }

    #[test]
    fn ascii_fast_path_is_the_general_fold() {
        for c in (0u8..128).map(char::from) {
            let general = c
                .to_uppercase()
                .next()
                .and_then(|u| u.to_lowercase().next())
                .unwrap();
            assert_eq!(fold(c), general, "{c:?}");
        }
    }

    #[test]
    fn ascii_fold_classes_match_the_table() {
        // The shortcut for ASCII folds lists exactly what the scan of all scalars finds.
        for c in (0u8..128).map(char::from) {
            let f = fold(c);
            let mut expected = vec![f];
            if let Some(more) = fold_table().get(&f) {
                expected.extend(more.iter().copied());
            }
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(fold_class(c), expected, "{c:?}");
        }
        assert_eq!(fold_class('I'), vec!['I', 'i', '\u{131}']);
    }

    #[test]
    fn fold_covers_all_cased_scalars() {
        // The fold table scans up to FOLD_SCAN_END; nothing above it folds.
        let above = (FOLD_SCAN_END..=char::MAX as u32)
            .filter_map(char::from_u32)
            .find(|&c| fold(c) != c || fold_class(c).len() > 1);
        assert_eq!(above, None);
        assert_eq!(fold_class('k'), vec!['K', 'k', '\u{212A}']);
        assert_eq!(fold_class('s'), vec!['S', 's', '\u{17F}']);
    }
}
