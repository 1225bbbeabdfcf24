//! Random patterns for the property tests: globs, literals, whole globs whose stars may exclude
//! `:`, and `:`-segmented globs, in either case mode, over a small alphabet (so that patterns and
//! strings collide often).

use perimeter_logic::{Case, Glob, GlobToken, Pattern};
use proptest::prelude::*;

pub fn case() -> impl Strategy<Value = Case> {
    prop_oneof![Just(Case::Sensitive), Just(Case::Insensitive)]
}

/// Patterns whose text is drawn from the regex character class `alphabet` (e.g. `[ab:*?]`), at
/// most `max_len` characters per glob or segment.
pub fn pattern(alphabet: &str, max_len: usize) -> impl Strategy<Value = Pattern> {
    let regex = format!("{alphabet}{{0,{max_len}}}");
    let text = move || proptest::string::string_regex(&regex).unwrap();
    prop_oneof![
        (text(), case()).prop_map(|(t, c)| Pattern::glob(&t, c)),
        (text(), case()).prop_map(|(t, c)| Pattern::literal(&t, c)),
        // Whole globs where some stars may not match `:`.
        (text(), case(), any::<u8>()).prop_map(|(t, c, mask)| {
            let toks = Glob::parse(&t)
                .tokens()
                .iter()
                .enumerate()
                .map(|(i, tok)| match tok {
                    GlobToken::AnyString if mask & (1 << (i % 8)) != 0 => {
                        GlobToken::AnyStringExcept(':')
                    }
                    other => *other,
                })
                .collect::<Vec<_>>();
            Pattern::whole(Glob::from_tokens(toks), c)
        }),
        (prop::collection::vec(text(), 1..4), case()).prop_map(|(segs, c)| {
            Pattern::segmented(':', segs.iter().map(|s| Glob::parse(s)).collect(), c)
        }),
    ]
}
