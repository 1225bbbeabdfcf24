//! Compiled wildcard patterns for the hot path: no allocation per match.
//!
//! A [`Glob`] is a token list built once from a [`Template`] without variables. Matching runs the
//! greedy algorithm when every `*` may cross any character, and a bit-parallel NFA when some `*` may
//! not cross a colon (the `Resource` element rule, see [`Glob::resource`]).

use crate::pattern::{Part, Template, simple_lower};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Char(char),
    /// `?`
    Any,
    /// `*` that matches any run of characters.
    Star,
    /// `*` that matches any run of characters without `:`.
    StarNoColon,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Glob {
    toks: Vec<Tok>,
    /// The literal text before the first wildcard: a cheap first test.
    prefix: String,
    /// Some `*` may not cross a colon.
    segmented: bool,
    /// For action patterns: the hash of the literal service prefix (`s3` in `s3:Get*`), when the
    /// pattern has one.
    service: Option<u64>,
}

impl Glob {
    /// Compiles a template whose variables are already substituted; `None` if variables remain.
    /// `fold` lowercases the pattern (the text must then be matched with `fold` too).
    pub(crate) fn new(t: &Template, fold: bool) -> Option<Glob> {
        let mut toks = Vec::new();
        for p in &t.parts {
            match p {
                Part::Lit(l) => toks.extend(
                    l.chars()
                        .map(|c| Tok::Char(if fold { simple_lower(c) } else { c })),
                ),
                Part::Star => toks.push(Tok::Star),
                Part::Question => toks.push(Tok::Any),
                Part::Var { .. } => return None,
            }
        }
        Some(Glob::from_toks(toks))
    }

    /// A `Resource` element pattern: "you can use wildcards within the individual segments of an ARN
    /// (the parts separated by colons) … if `*` is the last character of a resource ARN segment it can
    /// expand to match beyond the colon boundaries"
    /// (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html>).
    /// So a `*` followed by a colon or by the end of the pattern matches anything; any other `*` does not
    /// cross a colon.
    pub(crate) fn resource(t: &Template) -> Option<Glob> {
        let g = Glob::new(t, false)?;
        let mut toks = g.toks;
        for i in 0..toks.len() {
            let last_of_segment = matches!(
                toks.get(i + 1),
                None | Some(Tok::Char(':')) | Some(Tok::Star)
            );
            if let Some(tok @ Tok::Star) = toks.get_mut(i)
                && !last_of_segment
            {
                *tok = Tok::StarNoColon;
            }
        }
        Some(Glob::from_toks(toks))
    }

    fn from_toks(toks: Vec<Tok>) -> Glob {
        let prefix: String = toks
            .iter()
            .map_while(|t| match t {
                Tok::Char(c) => Some(*c),
                _ => None,
            })
            .collect();
        let segmented = toks.contains(&Tok::StarNoColon);
        let service = prefix
            .split_once(':')
            .map(|(svc, _)| super::service_hash(svc));
        Glob {
            toks,
            prefix,
            segmented,
            service,
        }
    }

    /// The hash of the literal `service:` prefix, if the pattern starts with one.
    pub(crate) fn service_hash(&self) -> Option<u64> {
        self.service
    }

    /// Whether `text` matches. With `fold`, `text` is lowercased character by character (the pattern
    /// must have been compiled with `fold`).
    pub(crate) fn matches(&self, text: &str, fold: bool) -> bool {
        if !fold {
            let (p, t) = (self.prefix.as_bytes(), text.as_bytes());
            if p.first().is_some_and(|b| t.first() != Some(b)) || !t.starts_with(p) {
                return false;
            }
        }
        if self.segmented {
            nfa_match(&self.toks, text, fold)
        } else {
            greedy_match(&self.toks, text, fold)
        }
    }
}

fn fold_char(c: char, fold: bool) -> char {
    if fold { simple_lower(c) } else { c }
}

/// The classic greedy algorithm: backtrack only to the most recent `*`. Correct when every star is
/// unrestricted.
fn greedy_match(toks: &[Tok], text: &str, fold: bool) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(c) = text.get(t..).and_then(|s| s.chars().next()) {
        let cf = fold_char(c, fold);
        match toks.get(p) {
            Some(Tok::Star | Tok::StarNoColon) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(Tok::Any) => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            Some(Tok::Char(a)) if *a == cf => {
                p += 1;
                t += c.len_utf8();
                continue;
            }
            _ => {}
        }
        let Some((sp, st)) = star else {
            return false;
        };
        let width = text
            .get(st..)
            .and_then(|s| s.chars().next())
            .map_or(1, char::len_utf8);
        p = sp + 1;
        t = st + width;
        star = Some((sp, t));
    }
    while let Some(Tok::Star | Tok::StarNoColon) = toks.get(p) {
        p += 1;
    }
    p == toks.len()
}

/// Simulates the pattern's NFA over the text: state `i` means "the first `i` tokens matched".
fn nfa_match(toks: &[Tok], text: &str, fold: bool) -> bool {
    let n = toks.len() + 1;
    let mut cur = vec![false; n];
    let mut next = vec![false; n];
    let close = |set: &mut Vec<bool>| {
        for i in 0..toks.len() {
            if set.get(i) == Some(&true)
                && matches!(toks.get(i), Some(Tok::Star | Tok::StarNoColon))
                && let Some(s) = set.get_mut(i + 1)
            {
                *s = true;
            }
        }
    };
    if let Some(s) = cur.get_mut(0) {
        *s = true;
    }
    close(&mut cur);
    for c in text.chars() {
        let cf = fold_char(c, fold);
        next.iter_mut().for_each(|s| *s = false);
        let mut any = false;
        for (i, tok) in toks.iter().enumerate() {
            if cur.get(i) != Some(&true) {
                continue;
            }
            let target = match tok {
                Tok::Char(a) if *a == cf => Some(i + 1),
                Tok::Any => Some(i + 1),
                Tok::Star => Some(i),
                Tok::StarNoColon if c != ':' => Some(i),
                _ => None,
            };
            if let Some(j) = target
                && let Some(s) = next.get_mut(j)
            {
                *s = true;
                any = true;
            }
        }
        if !any {
            return false;
        }
        std::mem::swap(&mut cur, &mut next);
        close(&mut cur);
    }
    cur.get(toks.len()) == Some(&true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, resource: bool, expected: bool) {
        let t = Template::parse(pattern, true, false).0;
        let g = if resource {
            Glob::resource(&t).unwrap()
        } else {
            Glob::new(&t, false).unwrap()
        };
        assert_eq!(
            g.matches(text, false),
            expected,
            "{pattern} ~ {text} (resource={resource})"
        );
        // The plain glob agrees with the lead's reference matcher in pattern.rs.
        if !resource {
            assert_eq!(crate::pattern::glob(pattern, text, false), expected);
        }
    }

    #[test]
    fn globs() {
        check("*", "", false, true);
        check("s3:Get*", "s3:GetObject", false, true);
        check("iam:*AccessKey*", "iam:CreateAccessKeys", false, true);
        check("a?c", "aéc", false, true);
        check("a*a*a*a*a*b", &"a".repeat(300), false, false);
        check("a*b*c", "axxbyyc", false, true);
    }

    #[test]
    fn resource_segments() {
        // A trailing `*` (of the whole pattern or of a segment) crosses colons.
        check(
            "arn:aws:logs:*:*:log-group:*",
            "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s",
            true,
            true,
        );
        check(
            "arn:aws:sqs:*",
            "arn:aws:sqs:us-east-1:111122223333:q",
            true,
            true,
        );
        check(
            "arn:aws:s3:::bucket/*",
            "arn:aws:s3:::bucket/a/b:c",
            true,
            true,
        );
        // A `*` inside a segment does not cross a colon.
        check("arn:aws:s3:::b/a*z", "arn:aws:s3:::b/a:z", true, false);
        check("arn:aws:s3:::b/a*z", "arn:aws:s3:::b/a/q/z", true, true);
        check(
            "arn:aws:iam::*:role/x*",
            "arn:aws:iam::111122223333:role/xy",
            true,
            true,
        );
        check("*", "arn:aws:s3:::b", true, true);
    }

    /// A recursive oracle for the resource rule: a `*` followed by `:` or the end (or another `*`)
    /// matches anything; any other `*` matches a run without `:`.
    fn oracle(p: &[char], t: &[char]) -> bool {
        match p.split_first() {
            None => t.is_empty(),
            Some(('*', rest)) => {
                let free = matches!(rest.first(), None | Some(':') | Some('*'));
                (0..=t.len())
                    .take_while(|&k| free || k == 0 || t[k - 1] != ':')
                    .any(|k| oracle(rest, &t[k..]))
            }
            Some(('?', rest)) => !t.is_empty() && oracle(rest, &t[1..]),
            Some((c, rest)) => t.first() == Some(c) && oracle(rest, &t[1..]),
        }
    }

    proptest::proptest! {
        #[test]
        fn resource_glob_agrees_with_oracle(p in "[ab:*?]{0,8}", t in "[ab:]{0,10}") {
            let g = Glob::resource(&Template::parse(&p, true, false).0).unwrap();
            let pc: Vec<char> = p.chars().collect();
            let tc: Vec<char> = t.chars().collect();
            proptest::prop_assert_eq!(g.matches(&t, false), oracle(&pc, &tc), "{} ~ {}", p, t);
        }

        #[test]
        fn plain_glob_agrees_with_pattern_glob(p in "[aB:*?]{0,8}", t in "[abAB:]{0,10}") {
            let folded = Glob::new(&Template::parse(&p, true, false).0, true).unwrap();
            let tf: String = t.chars().map(simple_lower).collect();
            proptest::prop_assert_eq!(folded.matches(&tf, false), crate::pattern::glob(&p, &t, true));
            let exact = Glob::new(&Template::parse(&p, true, false).0, false).unwrap();
            proptest::prop_assert_eq!(exact.matches(&t, false), crate::pattern::glob(&p, &t, false));
        }
    }
}
