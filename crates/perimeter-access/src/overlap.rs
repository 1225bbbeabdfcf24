//! Which statements can match a common request: a cheap, sound filter.
//!
//! A check asks, for each statement of a candidate policy, whether it allows a request that
//! other statements (the candidate's denies, an existing policy) do not. Only statements that can
//! match one of its requests matter; the others change nothing in the answer. Leaving them out
//! keeps each question's decision diagram to the few statements that interact, instead of a
//! diagram of whole policies whose size grows with every combination of their conditions.
//!
//! [`may_overlap`] is a necessary condition for two statements to match a common request: some
//! action pattern of one and some of the other agree on their literal prefixes and suffixes, and
//! so do some resource patterns. It never says "disjoint" of statements that share a request
//! (soundness); it may say "overlap" of statements that do not (the question is then only larger).

use perimeter_iam::model::{Clause, Statement};
use perimeter_iam::pattern::{Part, Template};
use perimeter_logic::glob::fold;
#[cfg(test)]
use perimeter_logic::{Glob, GlobToken};

#[cfg(test)]
use crate::compile::{resource_glob, template_glob};

/// The literal characters every match of `g` starts with (`rev`: ends with), up to the first
/// wildcard.
#[cfg(test)]
fn literal_end(g: &Glob, rev: bool) -> Vec<char> {
    let lit = |t: &GlobToken| match t {
        GlobToken::Char(c) => Some(*c),
        _ => None,
    };
    if rev {
        g.tokens().iter().rev().map_while(lit).collect()
    } else {
        g.tokens().iter().map_while(lit).collect()
    }
}

/// Can some string match both globs, as far as their literal ends tell? `folded`: both match
/// case-insensitively.
fn ends_may_meet(a: &Ends, b: &Ends, folded: bool) -> bool {
    let same = |x: &char, y: &char| if folded { fold(*x) == fold(*y) } else { x == y };
    if a.literal && b.literal {
        return a.prefix.len() == b.prefix.len()
            && a.prefix.iter().zip(&b.prefix).all(|(p, q)| same(p, q));
    }
    for (x, y) in [(&a.prefix, &b.prefix), (&a.suffix, &b.suffix)] {
        if x.iter().zip(y).any(|(p, q)| !same(p, q)) {
            return false;
        }
        // A literal is its whole string: the other's literal end cannot be longer.
        if (a.literal && y.len() > x.len()) || (b.literal && x.len() > y.len()) {
            return false;
        }
    }
    true
}

#[cfg(test)]
fn globs_may_meet(a: &Glob, b: &Glob, folded: bool) -> bool {
    ends_may_meet(&Ends::of(a), &Ends::of(b), folded)
}

/// What [`may_overlap`] needs of a statement, computed once: the literal ends of the globs of
/// its action and resource clauses (`None`: any string may match the clause).
#[derive(Clone, Debug)]
pub struct Shape {
    actions: Option<Vec<Ends>>,
    resources: Option<Vec<Ends>>,
}

/// A glob's literal prefix and suffix (reversed), and whether it is one literal string.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Ends {
    prefix: Vec<char>,
    suffix: Vec<char>,
    literal: bool,
}

impl Ends {
    #[cfg(test)]
    fn of(g: &Glob) -> Ends {
        Ends {
            prefix: literal_end(g, false),
            suffix: literal_end(g, true),
            literal: g.tokens().iter().all(|t| matches!(t, GlobToken::Char(_))),
        }
    }
}

impl Ends {
    /// The ends of a template as written: a variable, like a wildcard, ends the literal part (its
    /// value is free). The same as [`Ends::of`] the template's glob, without building it.
    fn of_template(t: &Template) -> Ends {
        let literal = t.parts.iter().all(|p| matches!(p, Part::Lit(_)));
        let lits = |parts: &mut dyn Iterator<Item = &Part>, rev: bool| -> Vec<char> {
            let mut out = Vec::new();
            for p in parts {
                match p {
                    Part::Lit(l) if rev => out.extend(l.chars().rev()),
                    Part::Lit(l) => out.extend(l.chars()),
                    _ => break,
                }
            }
            out
        };
        Ends {
            prefix: lits(&mut t.parts.iter(), false),
            suffix: lits(&mut t.parts.iter().rev(), true),
            literal,
        }
    }
}

impl Shape {
    /// The shape of a statement.
    pub fn of(st: &Statement) -> Shape {
        let ends = |c: &Clause| -> Option<Vec<Ends>> {
            (!c.negated).then(|| c.patterns.iter().map(Ends::of_template).collect())
        };
        Shape {
            actions: ends(&st.action),
            resources: st.resource.as_ref().and_then(ends),
        }
    }
}

/// The globs of a clause, or `None` when any string may match it (`NotAction`/`NotResource`).
#[cfg(test)]
fn clause_globs(c: &Clause, resource: bool) -> Option<Vec<Glob>> {
    if c.negated {
        return None;
    }
    c.patterns
        .iter()
        .map(|t| {
            if resource {
                resource_glob(t, true)
            } else {
                template_glob(t, true)
            }
        })
        .collect()
}

fn globs_meet(a: Option<&[Ends]>, b: Option<&[Ends]>, folded: bool) -> bool {
    let (Some(ga), Some(gb)) = (a, b) else {
        return true;
    };
    ga.iter()
        .any(|x| gb.iter().any(|y| ends_may_meet(x, y, folded)))
}

/// Whether two statements may match a common request (see the module docs). Actions compare
/// case-insensitively, resources exactly.
pub fn may_overlap(a: &Shape, b: &Shape) -> bool {
    globs_meet(a.actions.as_deref(), b.actions.as_deref(), true)
        && globs_meet(a.resources.as_deref(), b.resources.as_deref(), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meet(a: &str, b: &str, folded: bool) -> bool {
        globs_may_meet(&Glob::parse(a), &Glob::parse(b), folded)
    }

    #[test]
    fn literal_ends_separate() {
        assert!(!meet("s3:Get*", "ec2:*", true));
        assert!(meet("s3:Get*", "S3:GETOBJECT", true));
        assert!(!meet("s3:Get*", "S3:GETOBJECT", false));
        assert!(!meet("arn:aws:s3:::a/*.txt", "arn:aws:s3:::a/*.png", false));
        assert!(meet("arn:aws:s3:::a/*", "*.png", false));
        assert!(!meet("abc", "ab", false));
        assert!(meet("ab*", "abc", false));
        assert!(meet("*", "", false));
    }

    use perimeter_logic::{Case, Pattern};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]
        /// Soundness: a string matching both globs means they may meet.
        #[test]
        fn a_common_string_means_overlap(
            a in "[aAb:*?]{0,5}",
            b in "[aAb:*?]{0,5}",
            folded in any::<bool>(),
            probes in prop::collection::vec("[aAb:]{0,6}", 1..30),
        ) {
            let case = if folded { Case::Insensitive } else { Case::Sensitive };
            let (ga, gb) = (Glob::parse(&a), Glob::parse(&b));
            let (pa, pb) = (Pattern::whole(ga.clone(), case), Pattern::whole(gb.clone(), case));
            for s in probes.iter().chain([&a.replace(['*', '?'], ""), &b.replace(['*', '?'], "")]) {
                if pa.matches(s) && pb.matches(s) {
                    prop_assert!(globs_may_meet(&ga, &gb, folded), "{a} and {b} share {s}");
                }
            }
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        /// The ends read off a template are the ends of its glob, for actions and resources.
        #[test]
        fn template_ends_are_glob_ends(text in "([ab:*?]|\\$\\{aws:username\\}){0,6}", resource in any::<bool>()) {
            let (t, _) = Template::parse(&text, true, true);
            let g = if resource { resource_glob(&t, true) } else { template_glob(&t, true) };
            let g = g.unwrap();
            prop_assert_eq!(Ends::of_template(&t), Ends::of(&g));
            let clause = Clause { negated: false, patterns: vec![t] };
            prop_assert!(clause_globs(&clause, resource).is_some());
        }
    }
}
