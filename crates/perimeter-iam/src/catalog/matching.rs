//! Matchers used by the catalog: IAM action globs, condition-key templates, ARN formats, and
//! the edit distance behind "did you mean".

/// What a template variable may match (always at least one character).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VarClass {
    /// Anything.
    Any,
    /// Anything but `:` (an ARN field before the resource part).
    NoColon,
    /// Anything but `:` and `/` (one segment of an ARN resource part).
    Segment,
}

impl VarClass {
    fn allows(self, c: char) -> bool {
        match self {
            Self::Any => true,
            Self::NoColon => c != ':',
            Self::Segment => c != ':' && c != '/',
        }
    }
}

/// One element of a compiled template.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A literal character.
    Char(char),
    /// A placeholder: one or more characters of a class.
    Var(VarClass),
}

/// Whether a condition key name is a template (`aws:RequestTag/${TagKey}`, `s3:ExistingObjectTag/<key>`).
pub(crate) fn is_template(name: &str) -> bool {
    name.contains("${") || (name.contains('<') && name.contains('>'))
}

/// Splits a template into literal characters and placeholders (`${…}` or `<…>`); calls `var`
/// with the number of `:` seen so far and whether the placeholder ends the template.
fn compile_with(template: &str, mut var: impl FnMut(usize, bool) -> Token) -> Vec<Token> {
    let mut out = Vec::new();
    let mut colons = 0usize;
    let mut rest = template;
    while let Some(c) = rest.chars().next() {
        let close = if rest.starts_with("${") {
            Some(('}', 2))
        } else if c == '<' {
            Some(('>', 1))
        } else {
            None
        };
        if let Some((close, open_len)) = close
            && let Some(end) = rest.get(open_len..).and_then(|b| b.find(close))
        {
            let after = rest.get(open_len + end + 1..).unwrap_or_default();
            out.push(var(colons, after.is_empty()));
            rest = after;
            continue;
        }
        if c == ':' {
            colons += 1;
        }
        out.push(Token::Char(c));
        rest = rest.get(c.len_utf8()..).unwrap_or_default();
    }
    out
}

/// Compiles a condition-key template: each placeholder matches one or more characters.
pub(crate) fn compile_template(template: &str) -> Vec<Token> {
    compile_with(template, |_, _| Token::Var(VarClass::Any))
}

/// Compiles an ARN format. Placeholders before the resource part match one ARN field (no `:`);
/// in the resource part they match one segment (no `:` or `/`), except that with `relaxed` the
/// final placeholder matches anything (paths such as `${RoleNameWithPath}` or `${ObjectName}`).
pub(crate) fn compile_arn_format(format: &str, relaxed: bool) -> Vec<Token> {
    compile_with(format, |colons, last| {
        if colons < 5 {
            Token::Var(VarClass::NoColon)
        } else if relaxed && last {
            Token::Var(VarClass::Any)
        } else {
            Token::Var(VarClass::Segment)
        }
    })
}

/// Whether `text` matches `tokens` exactly; literals compare ignoring ASCII case when
/// `ignore_case`. Runs in O(|tokens|·|text|) time with no recursion (a set-of-positions scan).
pub(crate) fn match_tokens(tokens: &[Token], text: &[char], ignore_case: bool) -> bool {
    let n = text.len();
    let mut cur = vec![false; n + 1];
    let mut next = vec![false; n + 1];
    if let Some(first) = cur.first_mut() {
        *first = true;
    }
    for tok in tokens {
        next.iter_mut().for_each(|x| *x = false);
        match *tok {
            Token::Char(p) => {
                for (i, (&on, &t)) in cur.iter().zip(text).enumerate() {
                    let eq = if ignore_case {
                        p.eq_ignore_ascii_case(&t)
                    } else {
                        p == t
                    };
                    if on
                        && eq
                        && let Some(slot) = next.get_mut(i + 1)
                    {
                        *slot = true;
                    }
                }
            }
            Token::Var(class) => {
                // next[j] = some i < j with cur[i] and text[i..j] all in the class
                let mut on = false;
                for (j, &t) in text.iter().enumerate() {
                    on = (on || cur.get(j).copied().unwrap_or(false)) && class.allows(t);
                    if let Some(slot) = next.get_mut(j + 1) {
                        *slot = on;
                    }
                }
            }
        }
        std::mem::swap(&mut cur, &mut next);
        if !cur.iter().any(|&x| x) {
            return false;
        }
    }
    cur.last().copied().unwrap_or(false)
}

/// IAM wildcard matching of `text` against `pattern` (`*` any sequence, `?` one character),
/// ignoring ASCII case, as for the `Action` element. Greedy with backtracking to the last `*`:
/// O(|pattern|·|text|) worst case; no allocation when both are ASCII.
pub(crate) fn glob_ignore_case(pattern: &str, text: &str) -> bool {
    if pattern.is_ascii() && text.is_ascii() {
        glob_slices(pattern.as_bytes(), text.as_bytes(), b'*', b'?', |a, b| {
            a.eq_ignore_ascii_case(&b)
        })
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = text.chars().collect();
        glob_slices(&p, &t, '*', '?', |a, b| a.eq_ignore_ascii_case(&b))
    }
}

fn glob_slices<T: Copy + PartialEq>(
    p: &[T],
    t: &[T],
    star_sym: T,
    any_sym: T,
    eq: impl Fn(T, T) -> bool,
) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi).copied(), t.get(ti).copied()) {
            (Some(c), _) if c == star_sym => {
                star = Some((pi, ti));
                pi += 1;
            }
            (Some(c), Some(_)) if c == any_sym => {
                pi += 1;
                ti += 1;
            }
            (Some(a), Some(b)) if eq(a, b) => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while p.get(pi).copied() == Some(star_sym) {
        pi += 1;
    }
    pi == p.len()
}

/// Whether a pattern contains IAM wildcards.
pub(crate) fn has_wildcard(s: &str) -> bool {
    s.contains(['*', '?'])
}

/// Levenshtein distance ignoring ASCII case.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().map(|c| c.to_ascii_lowercase()).collect();
    let b: Vec<char> = b.chars().map(|c| c.to_ascii_lowercase()).collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0usize; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        if let Some(first) = cur.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// The closest candidate to `query` by edit distance (ties: the first in order), if it is close
/// enough to be worth suggesting: at most 2 edits, or a third of the query's length.
pub(crate) fn closest<'a>(
    query: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    let limit = (query.chars().count() / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let d = edit_distance(query, c);
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}
