//! Inclusion between two IAM globs (`*` any run, `?` one character): is every string matched by
//! `a` also matched by `b`? Used by the redundancy rules.
//!
//! The test treats `a`'s wildcards as opaque tokens that only a `*` of `b` may absorb (a `?` of `b`
//! may also take a `?` of `a`). That is sound — a `true` answer is always right — and complete for
//! the shapes policies use (a literal under a pattern, `s3:Get*` under `s3:*`). It runs in
//! O(|a|·|b|) time with a bottom-up table, and answers `false` for inputs over a size bound.

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Char(char),
    Any,
    Star,
}

fn tokens(pattern: &str, fold: bool) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star,
            '?' => Tok::Any,
            c if fold => Tok::Char(crate::pattern::simple_lower(c)),
            c => Tok::Char(c),
        })
        .collect()
}

const MAX_CELLS: usize = 4_000_000;

/// Whether the glob `pattern` matches `text`, without allocating when both are ASCII (the usual
/// case for actions and ARNs); otherwise [`crate::pattern::glob`].
pub fn glob_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    if !pattern.is_ascii() || !text.is_ascii() {
        return crate::pattern::glob(pattern, text, case_insensitive);
    }
    let (p, t) = (pattern.as_bytes(), text.as_bytes());
    let eq = |a: u8, b: u8| {
        if case_insensitive {
            a.eq_ignore_ascii_case(&b)
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match (p.get(pi), t.get(ti)) {
            (Some(b'*'), _) => {
                star = Some((pi, ti));
                pi += 1;
            }
            (Some(b'?'), Some(_)) => {
                pi += 1;
                ti += 1;
            }
            (Some(&a), Some(&b)) if eq(a, b) => {
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
    while p.get(pi) == Some(&b'*') {
        pi += 1;
    }
    pi == p.len()
}

/// [`includes`] for ARNs: field by field when both have the six ARN fields (the concatenation of
/// included fields is included), which keeps each comparison small.
pub fn includes_arn(b: &str, a: &str) -> bool {
    match (crate::pattern::split_arn(b), crate::pattern::split_arn(a)) {
        (Some(fb), Some(fa)) => fb.iter().zip(fa.iter()).all(|(x, y)| includes(x, y, false)),
        _ => includes(b, a, false),
    }
}

/// Whether `L(a) ⊆ L(b)` can be shown.
pub fn includes(b: &str, a: &str, case_insensitive: bool) -> bool {
    if !a.contains(['*', '?']) {
        return glob_match(b, a, case_insensitive);
    }
    // A literal covers no pattern; and `b`'s literal head and tail must be `a`'s too.
    let Some(b_head_len) = b.find(['*', '?']) else {
        return false;
    };
    let b_tail = b.rsplit(['*', '?']).next().unwrap_or_default();
    let a_head = a.split(['*', '?']).next().unwrap_or_default();
    let a_tail = a.rsplit(['*', '?']).next().unwrap_or_default();
    let b_head = b.get(..b_head_len).unwrap_or_default();
    let fits = |big: &str, small: &str, at_start: bool| {
        let cut = if at_start {
            big.get(..small.len())
        } else {
            big.len()
                .checked_sub(small.len())
                .and_then(|i| big.get(i..))
        };
        cut.is_some_and(|c| {
            if case_insensitive {
                c.eq_ignore_ascii_case(small)
            } else {
                c == small
            }
        })
    };
    if !fits(a_head, b_head, true) || !fits(a_tail, b_tail, false) {
        return false;
    }
    let (ta, tb) = (tokens(a, case_insensitive), tokens(b, case_insensitive));
    let (n, m) = (ta.len(), tb.len());
    if (n + 1).saturating_mul(m + 1) > MAX_CELLS {
        return false;
    }
    // ok[i][j]: a[i..] ⊆ b[j..], stored row-major as ok[i * (m + 1) + j].
    let mut ok = vec![false; (n + 1) * (m + 1)];
    let idx = |i: usize, j: usize| i * (m + 1) + j;
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            let v = match tb.get(j) {
                None => i == n,
                Some(Tok::Star) => {
                    ok.get(idx(i, j + 1)).copied().unwrap_or(false)
                        || (i < n && ok.get(idx(i + 1, j)).copied().unwrap_or(false))
                }
                Some(tbj) => match ta.get(i) {
                    None => false,
                    Some(tai) => {
                        let step = match (tbj, tai) {
                            (Tok::Any, Tok::Char(_) | Tok::Any) => true,
                            (Tok::Char(x), Tok::Char(y)) => x == y,
                            _ => false,
                        };
                        step && ok.get(idx(i + 1, j + 1)).copied().unwrap_or(false)
                    }
                },
            };
            if let Some(cell) = ok.get_mut(idx(i, j)) {
                *cell = v;
            }
        }
    }
    ok.first().copied().unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::{glob_match, includes};

    fn check(b: &str, a: &str, ci: bool, expected: bool) {
        assert_eq!(includes(b, a, ci), expected, "{a} ⊆ {b}");
    }

    #[test]
    fn table() {
        check("iam:Get*", "iam:GetCredentialReport", true, true);
        check("iam:Get*", "iam:*CredentialReport", true, false);
        check("s3:*", "s3:Get*", true, true);
        check("*", "anything*?", false, true);
        check("s3:Get*", "S3:GETOBJECT", true, true);
        check("s3:Get*", "S3:GETOBJECT", false, false);
        check("a?c", "a*c", false, false);
        check("a?c", "a?c", false, true);
        check(
            "arn:aws:iam::111122223333:role/jane*",
            "arn:aws:iam::111122223333:role/jane-admin",
            false,
            true,
        );
        check("abc", "abd", false, false);
        check("", "", false, true);
    }

    #[test]
    fn glob_match_agrees_with_the_pattern_module() {
        for (p, t) in [
            ("s3:Get*", "s3:GetObject"),
            ("s3:Get*", "S3:getobject"),
            ("*", ""),
            ("a*b*c", "axxbyyc"),
            ("a*b*c", "axxbyy"),
            ("a?c", "abc"),
            ("a?c", "ac"),
            ("*role/*", "arn:aws:iam::1:role/x"),
            ("é*", "éa"),
        ] {
            for ci in [false, true] {
                assert_eq!(
                    glob_match(p, t, ci),
                    crate::pattern::glob(p, t, ci),
                    "{p} {t} {ci}"
                );
            }
        }
    }
}
