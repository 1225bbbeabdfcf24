//! Entry points shared by the cargo-fuzz targets (in `fuzz/`) and the test that replays their seeds.

/// Runs the whole policy front end on arbitrary bytes and checks its invariants: no panic, the parser
/// accepts exactly what it prints, and lowering and every validation rule run to the end.
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
    // Every validation rule, under every policy type, on the same text.
    use crate::validate::{
        PolicyType, ValidateOptions, ValidatePolicyResourceType, validate_policy,
    };
    for ty in PolicyType::ALL {
        let _ = validate_policy(text, &ValidateOptions::new(ty));
    }
    let trust = ValidateOptions {
        policy_type: PolicyType::ResourcePolicy,
        resource_type: Some(ValidatePolicyResourceType::IamAssumeRolePolicyDocument),
    };
    let _ = validate_policy(text, &trust);
}
