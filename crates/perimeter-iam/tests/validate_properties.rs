//! Properties of `validate_policy` on generated input: it never panics, and every location is a
//! valid span of the text (start ≤ end ≤ length, both on character boundaries) — the invariant the
//! renderers rely on to turn spans into AWS positions.

use perimeter_iam::validate::{
    PolicyType, ValidateOptions, ValidatePolicyResourceType, validate_policy,
};
use proptest::prelude::*;

fn options() -> impl Strategy<Value = ValidateOptions> {
    (0usize..5).prop_map(|i| match i {
        0 => ValidateOptions::new(PolicyType::IdentityPolicy),
        1 => ValidateOptions::new(PolicyType::ResourcePolicy),
        2 => ValidateOptions::new(PolicyType::ServiceControlPolicy),
        3 => ValidateOptions::new(PolicyType::ResourceControlPolicy),
        _ => ValidateOptions {
            policy_type: PolicyType::ResourcePolicy,
            resource_type: Some(ValidatePolicyResourceType::IamAssumeRolePolicyDocument),
        },
    })
}

/// Strings that exercise the rules: wildcards, variables, colons, non-ASCII, ARN pieces.
fn atom() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("*".to_owned()),
        Just("s3:GetObject".to_owned()),
        Just("iam:PassRole".to_owned()),
        Just("sts:AssumeRole".to_owned()),
        Just("arn:aws:s3:::b/${aws:username}".to_owned()),
        Just("arn:aws:iam::123456789012:role/r".to_owned()),
        Just("10.0.0.0/8".to_owned()),
        Just("2019-07-01T13:20:15Z".to_owned()),
        "[a-zA-Z0-9:*?/${}é ,'-]{0,24}",
    ]
}

fn list() -> impl Strategy<Value = String> {
    prop_oneof![
        atom().prop_map(|a| serde_json::to_string(&a).unwrap_or_default()),
        prop::collection::vec(atom(), 0..4)
            .prop_map(|v| serde_json::to_string(&v).unwrap_or_default()),
    ]
}

fn statement() -> impl Strategy<Value = String> {
    let element = prop_oneof![
        Just("Sid"),
        Just("Effect"),
        Just("Action"),
        Just("NotAction"),
        Just("Resource"),
        Just("NotResource"),
    ];
    let operator = prop_oneof![
        Just("StringEquals"),
        Just("StringLike"),
        Just("ForAllValues:StringEquals"),
        Just("ForAnyValue:ArnLike"),
        Just("NumericLessThan"),
        Just("DateGreaterThan"),
        Just("Bool"),
        Just("IpAddress"),
        Just("NullIfExists"),
    ];
    let key = prop_oneof![
        Just("aws:SourceIp"),
        Just("aws:TagKeys"),
        Just("aws:ResourceTag/team"),
        Just("s3:prefix"),
        Just("iam:PassedToService"),
        Just("a"),
    ];
    (
        prop::collection::vec((element, list()), 0..6),
        prop::option::of((operator, key, list())),
        prop::option::of(prop_oneof![
            Just(r#""*""#.to_owned()),
            list().prop_map(|l| format!(r#"{{"AWS":{l}}}"#)),
            list().prop_map(|l| format!(r#"{{"Federated":{l}}}"#)),
        ]),
    )
        .prop_map(|(elements, condition, principal)| {
            let mut parts: Vec<String> = elements
                .into_iter()
                .map(|(k, v)| {
                    if k == "Effect" || k == "Sid" {
                        format!(r#""{k}":"Allow""#)
                    } else {
                        format!(r#""{k}":{v}"#)
                    }
                })
                .collect();
            if let Some((op, key, values)) = condition {
                parts.push(format!(r#""Condition":{{"{op}":{{"{key}":{values}}}}}"#));
            }
            if let Some(p) = principal {
                parts.push(format!(r#""Principal":{p}"#));
            }
            format!("{{{}}}", parts.join(","))
        })
}

fn policy() -> impl Strategy<Value = String> {
    (
        prop::option::of(prop_oneof![Just("2012-10-17"), Just("2008-10-17")]),
        prop::collection::vec(statement(), 0..4),
    )
        .prop_map(|(version, statements)| {
            let v = version
                .map(|v| format!(r#""Version":"{v}","#))
                .unwrap_or_default();
            format!(r#"{{{v}"Statement":[{}]}}"#, statements.join(","))
        })
}

fn check_spans(src: &str, options: &ValidateOptions) {
    for d in validate_policy(src, options) {
        for l in &d.locations {
            let (s, e) = (l.span.start as usize, l.span.end as usize);
            assert!(
                s <= e && e <= src.len(),
                "{} {s}..{e} of {}",
                d.code,
                src.len()
            );
            assert!(
                src.is_char_boundary(s) && src.is_char_boundary(e),
                "{}",
                d.code
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn generated_policies_never_panic(src in policy(), options in options()) {
        check_spans(&src, &options);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,64}", options in options()) {
        check_spans(&src, &options);
    }

    #[test]
    fn truncated_policies_never_panic(src in policy(), cut in 0usize..200, options in options()) {
        let mut end = cut.min(src.len());
        while !src.is_char_boundary(end) {
            end -= 1;
        }
        check_spans(&src[..end], &options);
    }
}
