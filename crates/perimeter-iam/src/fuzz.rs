//! Entry points shared by the cargo-fuzz targets (in `fuzz/`) and the test that replays their seeds.

/// Runs the whole policy front end on arbitrary bytes and checks its invariants: no panic, the parser
/// accepts exactly what it prints, and lowering never fails on a parsed tree.
pub fn parse_policy_bytes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        // Invalid UTF-8 must be a located error, never a panic.
        let err = perimeter_json::parse_bytes(data);
        assert!(err.is_err());
        return;
    };
    if let Ok(tree) = perimeter_json::parse(text) {
        let printed = tree.print();
        let again = perimeter_json::parse(&printed);
        assert!(
            again.as_ref().is_ok_and(|t| t.same_tree(&tree)),
            "print/parse round trip changed the tree"
        );
    }
    let parsed = crate::syntax::parse_policy(text);
    if let Some(syntax) = &parsed.syntax {
        let _ = crate::model::lower_policy(syntax);
    }
}
