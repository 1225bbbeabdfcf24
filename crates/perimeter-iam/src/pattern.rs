//! IAM wildcard patterns and policy variables.
//!
//! Actions, resources and `*Like` condition values are globs: `*` matches any run of characters, `?`
//! exactly one. Under `Version: 2012-10-17`, `${key}` inserts the request's value of a condition key
//! (`${aws:username}`), with an optional default (`${aws:PrincipalTag/team, 'none'}`), and the escapes
//! `${*}`, `${?}` and `${$}` stand for the literal characters `*`, `?` and `$`.
//!
//! A [`Template`] keeps those distinctions: a literal `*` from `${*}` never acts as a wildcard.
//! Characters are Unicode scalar values; case-insensitive matching folds each character with its simple
//! lowercase mapping.

/// One piece of a pattern or condition value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// Literal text (already unescaped).
    Lit(String),
    /// `*`: any run of characters, the empty run included.
    Star,
    /// `?`: exactly one character.
    Question,
    /// `${key}` or `${key, 'default'}`.
    Var {
        key: String,
        default: Option<String>,
    },
}

/// A pattern or value as written, with variables and wildcards resolved into [`Part`]s.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Template {
    pub parts: Vec<Part>,
}

/// A problem in the syntax of a policy variable, with the byte range inside the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariableProblem {
    pub kind: VariableProblemKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VariableProblemKind {
    /// `${` without a closing `}`.
    MissingBrace,
    /// `${}`.
    Empty,
    /// A default value whose quotes are not closed, as in `${key, 'x}`.
    MissingQuote,
}

impl Template {
    /// Plain text: no wildcards, no variables.
    pub fn literal(text: &str) -> Template {
        Template {
            parts: vec![Part::Lit(text.to_owned())],
        }
    }

    /// Parses `text`. `wildcards` turns `*` and `?` into [`Part::Star`] and [`Part::Question`];
    /// `variables` turns `${…}` into [`Part::Var`] and escapes (only under Version 2012-10-17).
    pub fn parse(text: &str, wildcards: bool, variables: bool) -> (Template, Vec<VariableProblem>) {
        let mut t = Template::default();
        let mut problems = Vec::new();
        let mut lit = String::new();
        let mut i = 0;
        while let Some(c) = text.get(i..).and_then(|s| s.chars().next()) {
            if variables && c == '$' && text.get(i + 1..i + 2) == Some("{") {
                let body_start = i + 2;
                if let Some(close) = text.get(body_start..).and_then(|s| s.find('}')) {
                    let body = text.get(body_start..body_start + close).unwrap_or_default();
                    let end = body_start + close + 1;
                    match body {
                        "*" => lit.push('*'),
                        "?" => lit.push('?'),
                        "$" => lit.push('$'),
                        _ => {
                            let (key, default, quote_ok) = split_default(body);
                            if !quote_ok {
                                problems.push(VariableProblem {
                                    kind: VariableProblemKind::MissingQuote,
                                    start: i,
                                    end,
                                });
                            }
                            if key.is_empty() {
                                problems.push(VariableProblem {
                                    kind: VariableProblemKind::Empty,
                                    start: i,
                                    end,
                                });
                                lit.push_str(text.get(i..end).unwrap_or_default());
                            } else {
                                flush(&mut t, &mut lit);
                                t.parts.push(Part::Var { key, default });
                            }
                        }
                    }
                    i = end;
                    continue;
                }
                problems.push(VariableProblem {
                    kind: VariableProblemKind::MissingBrace,
                    start: i,
                    end: text.len(),
                });
            }
            match c {
                '*' if wildcards => {
                    flush(&mut t, &mut lit);
                    t.parts.push(Part::Star);
                }
                '?' if wildcards => {
                    flush(&mut t, &mut lit);
                    t.parts.push(Part::Question);
                }
                _ => lit.push(c),
            }
            i += c.len_utf8();
        }
        flush(&mut t, &mut lit);
        (t, problems)
    }

    pub fn has_variables(&self) -> bool {
        self.parts.iter().any(|p| matches!(p, Part::Var { .. }))
    }

    pub fn has_wildcards(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Star | Part::Question))
    }

    /// The keys of the variables used.
    pub fn variables(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().filter_map(|p| match p {
            Part::Var { key, .. } => Some(key.as_str()),
            _ => None,
        })
    }

    /// The literal text if the template is plain.
    pub fn as_literal(&self) -> Option<String> {
        let mut s = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(l) => s.push_str(l),
                _ => return None,
            }
        }
        Some(s)
    }

    /// Substitutes variables. `lookup` gives the value of a single-valued key, or `None` when absent.
    /// An absent key with a default takes the default; with none, the result is `None`: the
    /// comparison that uses it does not match (reference_policies_variables.html, "Specifying default
    /// values" and "Request information that you can use for policy variables").
    pub fn substitute(&self, lookup: &dyn Fn(&str) -> Option<String>) -> Option<Template> {
        let mut out = Template::default();
        let mut lit = String::new();
        for p in &self.parts {
            match p {
                Part::Lit(l) => lit.push_str(l),
                Part::Var { key, default } => match lookup(key).or_else(|| default.clone()) {
                    // A substituted value is literal text: a `*` in a tag value is not a wildcard.
                    Some(v) => lit.push_str(&v),
                    None => return None,
                },
                Part::Star | Part::Question => {
                    flush(&mut out, &mut lit);
                    out.parts.push(p.clone());
                }
            }
        }
        flush(&mut out, &mut lit);
        Some(out)
    }

    /// Whether `text` matches this template (variables must already be substituted; any left
    /// make the match fail).
    pub fn matches(&self, text: &str, case_insensitive: bool) -> bool {
        let fold = |c: char| -> char { if case_insensitive { simple_lower(c) } else { c } };
        let mut toks: Vec<Tok> = Vec::new();
        for p in &self.parts {
            match p {
                Part::Lit(l) => toks.extend(l.chars().map(|c| Tok::Char(fold(c)))),
                Part::Star => toks.push(Tok::Star),
                Part::Question => toks.push(Tok::Any),
                Part::Var { .. } => return false,
            }
        }
        let chars: Vec<char> = text.chars().map(fold).collect();
        glob_match(&toks, &chars)
    }
}

/// Simple lowercase mapping of one character (the first char of its full lowercase).
pub fn simple_lower(c: char) -> char {
    if c.is_ascii() {
        c.to_ascii_lowercase()
    } else {
        let mut l = c.to_lowercase();
        match (l.next(), l.next()) {
            (Some(x), None) => x,
            _ => c,
        }
    }
}

fn flush(t: &mut Template, lit: &mut String) {
    if !lit.is_empty() {
        t.parts.push(Part::Lit(std::mem::take(lit)));
    }
}

/// Splits `key, 'default'` into the key and the default. The third value is false when the default's
/// quotes are malformed.
fn split_default(body: &str) -> (String, Option<String>, bool) {
    let Some((key, rest)) = body.split_once(',') else {
        return (body.trim().to_owned(), None, true);
    };
    let rest = rest.trim();
    match rest.strip_prefix('\'').and_then(|r| r.strip_suffix('\'')) {
        Some(d) if rest.len() >= 2 => (key.trim().to_owned(), Some(d.to_owned()), true),
        _ => (key.trim().to_owned(), None, false),
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tok {
    Char(char),
    Any,
    Star,
}

/// Glob matching in O(|pattern|·|text|) worst case, with no recursion: the classic greedy algorithm
/// that backtracks only to the most recent `*`.
fn glob_match(pat: &[Tok], text: &[char]) -> bool {
    let (mut p, mut t) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match (pat.get(p), text.get(t)) {
            (Some(Tok::Star), _) => {
                star = Some((p, t));
                p += 1;
            }
            (Some(Tok::Any), Some(_)) => {
                p += 1;
                t += 1;
            }
            (Some(Tok::Char(a)), Some(b)) if a == b => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    p = sp + 1;
                    t = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    while let Some(Tok::Star) = pat.get(p) {
        p += 1;
    }
    p == pat.len()
}

/// Matches a glob written as plain text (`*` and `?` are wildcards; no variables).
pub fn glob(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    Template::parse(pattern, true, false)
        .0
        .matches(text, case_insensitive)
}

/// Splits an ARN into its six components; the sixth (resource) keeps any further colons.
pub fn split_arn(arn: &str) -> Option<[&str; 6]> {
    let mut it = arn.splitn(6, ':');
    let parts = [
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
        it.next()?,
    ];
    Some(parts)
}

/// `ArnLike`/`ArnEquals` on a substituted template: each of the six colon-separated components is
/// matched separately, so a wildcard never crosses a colon before the resource component
/// (reference_policies_elements_condition_operators.html#Conditions_ARN). A pattern that is exactly
/// `*` matches any value.
pub fn arn_like(pattern: &Template, value: &str) -> bool {
    if pattern.parts == [Part::Star] {
        return true;
    }
    let Some(vals) = split_arn(value) else {
        return false;
    };
    let Some(pats) = split_template_on_colons(pattern) else {
        return false;
    };
    pats.iter()
        .zip(vals.iter())
        .all(|(p, v)| p.matches(v, false))
}

/// Splits a template into six component templates at its first five literal colons.
fn split_template_on_colons(t: &Template) -> Option<Vec<Template>> {
    let mut out = vec![Template::default()];
    for p in &t.parts {
        match p {
            Part::Lit(l) => {
                let mut rest = l.as_str();
                while out.len() < 6 {
                    let Some((a, b)) = rest.split_once(':') else {
                        break;
                    };
                    if let Some(cur) = out.last_mut()
                        && !a.is_empty()
                    {
                        cur.parts.push(Part::Lit(a.to_owned()));
                    }
                    out.push(Template::default());
                    rest = b;
                }
                if let Some(cur) = out.last_mut()
                    && !rest.is_empty()
                {
                    cur.parts.push(Part::Lit(rest.to_owned()));
                }
            }
            other => out.last_mut()?.parts.push(other.clone()),
        }
    }
    (out.len() == 6).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pattern: &str, text: &str, ci: bool, expected: bool) {
        assert_eq!(
            glob(pattern, text, ci),
            expected,
            "{pattern} ~ {text} (ci={ci})"
        );
    }

    #[test]
    fn globs() {
        check("*", "", false, true);
        check("", "", false, true);
        check("", "a", false, false);
        check("s3:Get*", "s3:GetObject", false, true);
        check("s3:get*", "s3:GetObject", false, false);
        check("s3:get*", "s3:GetObject", true, true);
        check("iam:*AccessKey*", "iam:CreateAccessKey", false, true);
        check("iam:*AccessKey*", "iam:CreateAccessKeys", false, true);
        check("a?c", "abc", false, true);
        check("a?c", "ac", false, false);
        check("a?c", "aéc", false, true);
        check("a*a*a*a*a*a*a*a*b", &"a".repeat(5000), false, false);
        check("*a", "ba", false, true);
        check("a*b*c", "axxbyyc", false, true);
        check("a*b*c", "axxbyy", false, false);
    }

    #[test]
    fn variables_and_escapes() {
        let (t, p) = Template::parse("arn:aws:s3:::b/${aws:username}/*", true, true);
        assert!(p.is_empty());
        assert_eq!(t.variables().collect::<Vec<_>>(), vec!["aws:username"]);
        let s = t
            .substitute(&|k| (k == "aws:username").then(|| "bob".to_owned()))
            .unwrap();
        assert!(s.matches("arn:aws:s3:::b/bob/x", false));
        assert!(!s.matches("arn:aws:s3:::b/alice/x", false));
        // An absent key with no default: the comparison cannot match.
        assert_eq!(t.substitute(&|_| None), None);
        // Defaults.
        let (t, _) = Template::parse("${aws:PrincipalTag/team, 'none'}", true, true);
        assert_eq!(
            t.substitute(&|_| None).unwrap().as_literal().as_deref(),
            Some("none")
        );
        // Escapes are literal characters, not wildcards.
        let (t, _) = Template::parse("a${*}b", true, true);
        assert!(t.matches("a*b", false));
        assert!(!t.matches("axb", false));
        // Without variables (Version 2008-10-17) the text is literal.
        let (t, _) = Template::parse("${aws:username}", true, false);
        assert!(t.matches("${aws:username}", false));
        // Malformed variables.
        let (_, p) = Template::parse("a${aws:username", true, true);
        assert_eq!(p[0].kind, VariableProblemKind::MissingBrace);
        let (_, p) = Template::parse("${}", true, true);
        assert_eq!(p[0].kind, VariableProblemKind::Empty);
    }

    #[test]
    fn arn_like_matches_per_component() {
        let t = |s: &str| Template::parse(s, true, false).0;
        assert!(arn_like(
            &t("arn:aws:s3:::bucket/*"),
            "arn:aws:s3:::bucket/a:b"
        ));
        assert!(arn_like(
            &t("arn:aws:iam::*:role/x"),
            "arn:aws:iam::123456789012:role/x"
        ));
        // `*` in the account component cannot swallow the colon before the resource.
        assert!(!arn_like(
            &t("arn:aws:iam::*"),
            "arn:aws:iam::123456789012:role/x"
        ));
        assert!(arn_like(
            &t("arn:aws:iam::*:*"),
            "arn:aws:iam::123456789012:role/x"
        ));
        assert!(arn_like(&t("*"), "anything"));
        assert!(!arn_like(&t("arn:aws:s3:::b"), "not-an-arn"));
    }
}
