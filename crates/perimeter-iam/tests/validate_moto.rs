//! Acceptance: IAM's own CreatePolicy cases (`moto-policy-validation`, see its SOURCE.md). Every
//! invalid document gets at least one ERROR from `validate-policy` (IDENTITY_POLICY); every valid
//! document gets none, except where Access Analyzer's own ValidatePolicy reports an ERROR on a
//! document IAM accepts — each listed in [`AWS_ERRORS_ON_VALID`] with the AWS check that says so.
//! Reads `PERIMETER_CORPORA`; without it, prints one line and returns.

use perimeter_iam::validate::{PolicyType, ValidateOptions, validate_policy};

/// (case id, issue code, evidence): ERRORs on documents IAM accepts, from AWS's own checks
/// (IAM User Guide, "IAM policy validation check reference").
const AWS_ERRORS_ON_VALID: &[(&str, &str, &str)] = &[
    (
        "moto-valid-001",
        "INVALID_ACTION",
        "`iam: asdf safdsf af ` is no IAM action (Error – Invalid action)",
    ),
    (
        "moto-valid-005",
        "INVALID_SERVICE_IN_ACTION",
        "`service-prefix` is no service (Error – Invalid service in action)",
    ),
    (
        "moto-valid-006",
        "INVALID_ACTION",
        "FSx has no `ListBucket` action (Error – Invalid action)",
    ),
    (
        "moto-valid-009",
        "MISSING_ARN_FIELD",
        "`arn:aws:fdsasf` has 3 of the 6 ARN fields (Error – Missing ARN field)",
    ),
    (
        "moto-valid-018",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` is not `service:keyname` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-019",
        "INVALID_CONDITION_OPERATOR",
        "`a` is no condition operator (Error – Invalid condition operator)",
    ),
    (
        "moto-valid-030",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-031",
        "INVALID_CONDITION_OPERATOR",
        "`x` and `y` are no condition operators (Error – Invalid condition operator)",
    ),
    (
        "moto-valid-032",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-033",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-034",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-035",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-036",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-037",
        "INVALID_CONDITION_KEY_FORMAT",
        "condition key `a` (Error – Invalid condition key format)",
    ),
    (
        "moto-valid-025",
        "INVALID_SERVICE_IN_ACTION",
        "no service `aaaaaadsfdsafsadfsadfaaaaa` (Error – Invalid service in action)",
    ),
    (
        "moto-valid-026",
        "INVALID_SERVICE_IN_ACTION",
        "no service `s3-s` (Error – Invalid service in action)",
    ),
    (
        "moto-valid-027",
        "INVALID_SERVICE_IN_ACTION",
        "no service `s3.s` (Error – Invalid service in action)",
    ),
    (
        "moto-valid-039",
        "UNSUPPORTED_SID",
        "the Sid has `_`; AWS allows [a-z, A-Z, 0-9] (Error – Unsupported Sid)",
    ),
    (
        "moto-valid-040",
        "UNSUPPORTED_SID",
        "the Sid has `_` (Error – Unsupported Sid)",
    ),
    (
        "moto-valid-045",
        "INVALID_ARN_REGION",
        "`region` is no Region (Error – Invalid ARN Region)",
    ),
    (
        "moto-valid-045",
        "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
        "`ec2:DescribeTags` has no `ec2:ResourceTag/…` key in the Service Authorization Reference (Error – Unsupported action for condition key)",
    ),
    (
        "moto-valid-050",
        "INVALID_REGION",
        "`ec2:Region` compared with `region`, which is no Region (Error – Invalid Region)",
    ),
    (
        "moto-valid-051",
        "INVALID_ARN_REGION",
        "`region` is no Region (Error – Invalid ARN Region)",
    ),
    (
        "moto-valid-052",
        "INVALID_ARN_REGION",
        "`region` is no Region (Error – Invalid ARN Region)",
    ),
];

#[expect(
    clippy::unwrap_used,
    reason = "test helper: unreadable corpus data is a test failure"
)]
fn lines(root: &str, file: &str) -> Vec<serde_json::Value> {
    std::fs::read_to_string(format!("{root}/moto-policy-validation/{file}"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn errors(text: &str) -> Vec<&'static str> {
    validate_policy(text, &ValidateOptions::new(PolicyType::IdentityPolicy))
        .into_iter()
        .filter(|d| d.is_error())
        .map(|d| d.code)
        .collect()
}

/// IAM's message → the codes of which at least one must be among our ERRORs. IAM reports only its
/// first failing check; a message not listed here ("Syntax errors in policy.", "The policy failed
/// legacy parsing") needs just some ERROR.
const IAM_MESSAGE_CODES: &[(&str, &[&str])] = &[
    (
        "Policy document must be version 2012-10-17",
        &["PERIMETER_IAM_REJECTS_VERSION"],
    ),
    (
        "Policy statement must contain actions.",
        &["MISSING_ACTION", "PERIMETER_IAM_REJECTS_EMPTY_ELEMENT"],
    ),
    (
        "Policy statement must contain resources.",
        &["MISSING_RESOURCE", "PERIMETER_IAM_REJECTS_EMPTY_ELEMENT"],
    ),
    (
        "Actions/Conditions must be prefaced by a vendor",
        &["PERIMETER_IAM_REJECTS_ACTION"],
    ),
    (
        "Actions/Condition can contain only one colon.",
        &["PERIMETER_IAM_REJECTS_ACTION"],
    ),
    ("Vendor ", &["PERIMETER_IAM_REJECTS_ACTION"]),
    ("must be in ARN format", &["INVALID_ARN_PREFIX"]),
    ("Partition ", &["INVALID_PARTITION", "INVALID_ARN_PREFIX"]),
    (
        "Resource vendor must be fully qualified",
        &["MISSING_ARN_FIELD"],
    ),
    ("IAM resource path must", &["INVALID_ARN_RESOURCE"]),
    ("contain region information", &["ARN_REGION_NOT_ALLOWED"]),
    (
        "Statement IDs (SID) in a single policy must be unique.",
        &["UNIQUE_SIDS_REQUIRED"],
    ),
];

#[test]
fn invalid_documents_get_an_error() {
    let Ok(root) = std::env::var("PERIMETER_CORPORA") else {
        println!("PERIMETER_CORPORA is not set: moto invalid-policy test did not run");
        return;
    };
    let cases = lines(&root, "invalid.jsonl");
    assert_eq!(cases.len(), 78);
    for case in &cases {
        let text = case["policy_document_text"].as_str().unwrap();
        let got = errors(text);
        let message = case["expected_error"].as_str().unwrap();
        assert!(
            !got.is_empty(),
            "{}: IAM says {message:?}, validate-policy gives no ERROR",
            case["id"]
        );
        if let Some((_, want)) = IAM_MESSAGE_CODES.iter().find(|(m, _)| message.contains(m)) {
            assert!(
                want.iter().any(|w| got.contains(w)),
                "{}: IAM says {message:?}; expected one of {want:?}, got {got:?}",
                case["id"]
            );
        }
    }
}

#[test]
fn valid_documents_get_no_error_beyond_aws_checks() {
    let Ok(root) = std::env::var("PERIMETER_CORPORA") else {
        println!("PERIMETER_CORPORA is not set: moto valid-policy test did not run");
        return;
    };
    let cases = lines(&root, "valid.jsonl");
    assert_eq!(cases.len(), 54);
    let mut seen = Vec::new();
    let mut unexpected = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().unwrap();
        let text = case["policy_document_text"].as_str().unwrap();
        for code in errors(text) {
            if !AWS_ERRORS_ON_VALID
                .iter()
                .any(|(i, c, _)| *i == id && *c == code)
            {
                unexpected.push(format!("{id}: {code}"));
            }
            seen.push((id.to_owned(), code));
        }
    }
    assert!(
        unexpected.is_empty(),
        "unexpected ERRORs on documents IAM accepts:\n{}",
        unexpected.join("\n")
    );
    for (id, code, _) in AWS_ERRORS_ON_VALID {
        assert!(
            seen.iter().any(|(i, c)| i == id && c == code),
            "{id} no longer gets {code}: update AWS_ERRORS_ON_VALID"
        );
    }
}
