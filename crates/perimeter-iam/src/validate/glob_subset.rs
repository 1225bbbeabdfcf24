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

/// Whether `L(a) ⊆ L(b)` can be shown.
pub fn includes(b: &str, a: &str, case_insensitive: bool) -> bool {
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
    use super::includes;

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
}
