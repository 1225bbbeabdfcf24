//! `validate-policy` end to end, in process: flags → request → findings → each output format, and
//! the exit codes. The command module is compiled into this test as it is into the binary.
//!
//! The AWS CLI example is typed in from awscli 1.x `awscli/examples/accessanalyzer/validate-policy.rst`
//! (the Cognito trust policy with `"Sid": ""`), with AWS's recorded response.
#![expect(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test helpers outside #[test] functions: a failure there is a test failure"
)]

#[path = "../src/output.rs"]
#[expect(
    dead_code,
    reason = "shared CLI helpers that this command does not use"
)]
mod output;
#[path = "../src/sarif.rs"]
mod sarif;
#[path = "../src/validate.rs"]
#[expect(
    dead_code,
    reason = "the binary's entry point is not called in process"
)]
mod validate;

use clap::Parser;
use serde_json::{Value, json};

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    args: validate::ValidatePolicyArgs,
}

/// Runs `perimeter validate-policy ARGS`: (exit code, stdout, stderr).
fn run(argv: &[&str]) -> (u8, String, String) {
    let cli =
        match Cli::try_parse_from(std::iter::once("validate-policy").chain(argv.iter().copied())) {
            Ok(cli) => cli,
            Err(e) => return (2, String::new(), e.to_string()),
        };
    let mut out = Vec::new();
    match validate::run_to(&cli.args, &mut out) {
        Ok(code) => (code, String::from_utf8(out).unwrap(), String::new()),
        Err(e) => (2, String::from_utf8(out).unwrap(), format!("{e:#}")),
    }
}

fn temp_file(name: &str, bytes: &[u8]) -> String {
    let dir = std::env::temp_dir().join(format!("perimeter-validate-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.display().to_string()
}

/// `myfile.json` of the awscli example, byte for byte (the rst indents it by 4 spaces).
const COGNITO_TRUST: &str = r#"{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "",
            "Effect": "Allow",
            "Principal": {
                "Federated": "cognito-identity.amazonaws.com"
            },
            "Action": [
                "sts:AssumeRole",
                "sts:TagSession"
            ],
            "Condition": {
                "StringEquals": {
                    "cognito-identity.amazonaws.com:aud": "us-west-2_EXAMPLE"
                }
            }
        }
    ]
}
"#;

fn pos(line: u64, column: u64, offset: u64) -> Value {
    json!({"line": line, "column": column, "offset": offset})
}

/// AWS's response in the awscli example (examples/accessanalyzer/validate-policy.rst).
fn aws_response() -> Value {
    json!({"findings": [
        {
            "findingDetails": "Add a value to the empty string in the Sid element.",
            "findingType": "SUGGESTION",
            "issueCode": "EMPTY_SID_VALUE",
            "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-suggestion-empty-sid-value",
            "locations": [{
                "path": [{"value": "Statement"}, {"index": 0}, {"value": "Sid"}],
                "span": {"start": pos(5, 19, 79), "end": pos(5, 21, 81)}
            }]
        },
        {
            "findingDetails": "The sts:AssumeRole action is invalid with the following principal(s): cognito-identity.amazonaws.com. Use a SAML provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of the two options.",
            "findingType": "ERROR",
            "issueCode": "MISMATCHED_ACTION_FOR_PRINCIPAL",
            "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-mismatched-action-for-principal",
            "locations": [
                {
                    "path": [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 0}],
                    "span": {"start": pos(11, 16, 258), "end": pos(11, 32, 274)}
                },
                {
                    "path": [{"value": "Statement"}, {"index": 0}, {"value": "Principal"}, {"value": "Federated"}],
                    "span": {"start": pos(8, 29, 170), "end": pos(8, 61, 202)}
                }
            ]
        },
        {
            "findingDetails": "The following actions: sts:TagSession are not supported by the condition key cognito-identity.amazonaws.com:aud. The condition will not be evaluated for these actions. We recommend that you move these actions to a different statement without this condition key.",
            "findingType": "ERROR",
            "issueCode": "UNSUPPORTED_ACTION_FOR_CONDITION_KEY",
            "learnMoreLink": "https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-unsupported-action-for-condition-key",
            "locations": [
                {
                    "path": [{"value": "Statement"}, {"index": 0}, {"value": "Action"}, {"index": 1}],
                    "span": {"start": pos(12, 16, 292), "end": pos(12, 32, 308)}
                },
                {
                    "path": [{"value": "Statement"}, {"index": 0}, {"value": "Condition"}, {"value": "StringEquals"}, {"value": "cognito-identity.amazonaws.com:aud"}],
                    "span": {"start": pos(16, 58, 443), "end": pos(16, 79, 464)}
                }
            ]
        }
    ]})
}

#[test]
fn awscli_example_matches_aws() {
    let file = temp_file("myfile.json", COGNITO_TRUST.as_bytes());
    let (code, stdout, stderr) = run(&[
        "--policy-document",
        &format!("file://{file}"),
        "--policy-type",
        "RESOURCE_POLICY",
    ]);
    assert_eq!(code, 1, "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    let mut want = aws_response();
    // The last span in the published example starts at the value string (line 16, column 58,
    // offset 443, as here) but ends 2 characters after the value `"us-west-2_EXAMPLE"` of the
    // published document: the docs edited the value after recording the response
    // (access-analyzer.md §4.1: 4 of 5 spans reproduce exactly). We end where the value ends.
    let value_at = COGNITO_TRUST.find("\"us-west-2_EXAMPLE\"").unwrap();
    assert_eq!(value_at, 443);
    want["findings"][2]["locations"][1]["span"]["end"] = pos(16, 77, 462);
    // Everything else, messages included, is AWS's response as published.
    assert_eq!(got, want);
}

#[test]
fn awscli_example_in_every_format() {
    let file = temp_file("myfile-formats.json", COGNITO_TRUST.as_bytes());
    let doc = format!("file://{file}");
    let base = [
        "--policy-document",
        doc.as_str(),
        "--policy-type",
        "RESOURCE_POLICY",
    ];

    let (code, table, _) = run(&[&base[..], &["--output", "table"]].concat());
    assert_eq!(code, 1);
    let expected_mismatch = format!(
        "ERROR MISMATCHED_ACTION_FOR_PRINCIPAL: The sts:AssumeRole action is invalid with the following principal(s): cognito-identity.amazonaws.com. Use a SAML provider principal with the sts:AssumeRoleWithSAML action or use an OIDC provider principal with the sts:AssumeRoleWithWebIdentity action. Ensure the provider is Federated if you use either of the two options.
  --> {file}:11:17
   |
11 |                 \"sts:AssumeRole\",
   |                 ^^^^^^^^^^^^^^^^
   = path: /Statement/0/Action/0
 --> {file}:8:30
  |
8 |                 \"Federated\": \"cognito-identity.amazonaws.com\"
  |                              ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  = path: /Statement/0/Principal/Federated
  = learn more: https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-reference-policy-checks.html#access-analyzer-reference-policy-checks-error-mismatched-action-for-principal
"
    );
    assert!(table.contains(&expected_mismatch), "{table}");
    assert!(
        table.ends_with("3 finding(s), 2 ERROR or SECURITY_WARNING\n"),
        "{table}"
    );

    let (code, text, _) = run(&[&base[..], &["--output", "text"]].concat());
    assert_eq!(code, 1);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        format!(
            "{file}:5:20: SUGGESTION EMPTY_SID_VALUE Add a value to the empty string in the Sid element."
        )
    );
    assert!(lines[1].starts_with(&format!(
        "{file}:11:17: ERROR MISMATCHED_ACTION_FOR_PRINCIPAL "
    )));
    assert!(lines[2].starts_with(&format!(
        "{file}:12:17: ERROR UNSUPPORTED_ACTION_FOR_CONDITION_KEY "
    )));

    let (code, sarif, _) = run(&[&base[..], &["--output", "sarif"]].concat());
    assert_eq!(code, 1);
    let log: Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run0 = &log["runs"][0];
    assert_eq!(run0["tool"]["driver"]["name"], "perimeter");
    let rules: Vec<&str> = run0["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        [
            "EMPTY_SID_VALUE",
            "MISMATCHED_ACTION_FOR_PRINCIPAL",
            "UNSUPPORTED_ACTION_FOR_CONDITION_KEY"
        ]
    );
    let r1 = &run0["results"][1];
    assert_eq!(r1["ruleId"], "MISMATCHED_ACTION_FOR_PRINCIPAL");
    assert_eq!(r1["ruleIndex"], 1);
    assert_eq!(r1["level"], "error");
    let loc = &r1["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], file.as_str());
    // SARIF columns are 1-based: AWS's column 16 is SARIF's 17.
    assert_eq!(
        loc["region"],
        json!({"startLine": 11, "startColumn": 17, "endLine": 11, "endColumn": 33, "charOffset": 258, "charLength": 16})
    );
    assert_eq!(run0["results"][0]["level"], "note");
}

#[test]
fn cli_input_json_takes_the_request_shape() {
    let request =
        json!({"policyDocument": COGNITO_TRUST, "policyType": "RESOURCE_POLICY", "locale": "EN"})
            .to_string();
    let (code, stdout, stderr) = run(&["--cli-input-json", &request]);
    assert_eq!(code, 1, "{stderr}");
    let got: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(got["findings"].as_array().unwrap().len(), 3);
    // Flags override the request; with the trust policy type the role-trust checks run too.
    let file = temp_file("request.json", request.as_bytes());
    let (code, stdout, _) = run(&[
        "--cli-input-json",
        &format!("file://{file}"),
        "--validate-policy-resource-type",
        "AWS::IAM::AssumeRolePolicyDocument",
    ]);
    assert_eq!(code, 1);
    assert!(stdout.contains("MISMATCHED_ACTION_FOR_PRINCIPAL"));
    // Not the request shape: a usage error.
    let (code, _, stderr) = run(&["--cli-input-json", r#"{"policy":"x"}"#]);
    assert_eq!(code, 2);
    assert!(stderr.contains("--cli-input-json"), "{stderr}");
}

/// tf-policy-validator's recorded ValidatePolicy answer: no findings (corpus `tf-policy-validator`).
#[test]
fn terraform_validator_recorded_answer() {
    let Ok(root) = std::env::var("PERIMETER_CORPORA") else {
        println!(
            "PERIMETER_CORPORA is not set: tf-policy-validator ValidatePolicy test did not run"
        );
        return;
    };
    let text = std::fs::read_to_string(format!("{root}/tf-policy-validator/cases.jsonl")).unwrap();
    let mut checked = 0;
    for line in text.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        if case["check"] != "ValidatePolicy" {
            continue;
        }
        let doc = serde_json::to_string_pretty(&case["policyDocument"]).unwrap();
        let mut args = vec![
            "--policy-document",
            doc.as_str(),
            "--policy-type",
            case["policyType"].as_str().unwrap(),
        ];
        if let Some(rt) = case["validatePolicyResourceType"].as_str() {
            args.extend(["--validate-policy-resource-type", rt]);
        }
        let (code, stdout, stderr) = run(&args);
        let got: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
        assert_eq!(case["recorded_output"]["result"], "NO_FINDINGS");
        assert_eq!(got, json!({"findings": []}), "{}", case["id"]);
        assert_eq!(code, 0);
        checked += 1;
    }
    assert_eq!(checked, 1);
}

#[test]
fn exit_codes() {
    let clean = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#;
    assert_eq!(
        run(&[
            "--policy-document",
            clean,
            "--policy-type",
            "IDENTITY_POLICY"
        ])
        .0,
        0
    );
    // A WARNING only (no Version): still exit 0.
    let warn = r#"{"Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket/*"}]}"#;
    let (code, out, _) = run(&[
        "--policy-document",
        warn,
        "--policy-type",
        "RESOURCE_CONTROL_POLICY",
    ]);
    assert!(out.contains("MISSING_VERSION"), "{out}");
    assert_eq!(code, 0);
    // A SECURITY_WARNING: exit 1.
    let pass_role = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}]}"#;
    assert_eq!(
        run(&[
            "--policy-document",
            pass_role,
            "--policy-type",
            "IDENTITY_POLICY"
        ])
        .0,
        1
    );
    // Usage errors: exit 2.
    assert_eq!(run(&["--policy-document", clean]).0, 2);
    assert_eq!(run(&["--policy-type", "IDENTITY_POLICY"]).0, 2);
    assert_eq!(
        run(&["--policy-document", clean, "--policy-type", "NOT_A_TYPE"]).0,
        2
    );
    assert_eq!(
        run(&[
            "--policy-document",
            clean,
            "--policy-type",
            "IDENTITY_POLICY",
            "--no-such-flag"
        ])
        .0,
        2
    );
    let (code, _, err) = run(&[
        "--policy-document",
        clean,
        "--policy-type",
        "IDENTITY_POLICY",
        "--validate-policy-resource-type",
        "AWS::S3::Bucket",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("RESOURCE_POLICY"), "{err}");
    let (code, _, err) = run(&[
        "--policy-document",
        "file:///no/such/file.json",
        "--policy-type",
        "IDENTITY_POLICY",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("/no/such/file.json"), "{err}");
}

fn findings_of(doc: &str, policy_type: &str) -> (u8, Vec<Value>) {
    let (code, out, err) = run(&["--policy-document", doc, "--policy-type", policy_type]);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    (code, v["findings"].as_array().unwrap().clone())
}

/// Every finding has at least one location with a path, and spans are ordered.
fn assert_located(findings: &[Value]) {
    for f in findings {
        let locs = f["locations"].as_array().unwrap();
        assert!(!locs.is_empty(), "{f}");
        for l in locs {
            let (s, e) = (&l["span"]["start"], &l["span"]["end"]);
            assert!(s["offset"].as_u64() <= e["offset"].as_u64(), "{l}");
            assert!(s["line"].as_u64().unwrap() >= 1);
        }
    }
}

#[test]
fn bad_input_gives_located_findings_not_panics() {
    // Malformed JSON: a JSON_SYNTAX_ERROR finding at the offending character, exit 1.
    let (code, f) = findings_of(
        "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n}",
        "IDENTITY_POLICY",
    );
    assert_eq!(code, 1);
    assert_eq!(f[0]["issueCode"], "JSON_SYNTAX_ERROR");
    assert_eq!(f[0]["locations"][0]["span"]["start"], pos(4, 0, 46));
    assert!(
        f[0]["findingDetails"]
            .as_str()
            .unwrap()
            .starts_with("Fix the JSON syntax error at index 46 line 4 column 1"),
        "{}",
        f[0]
    );

    // Wrong types and unknown elements.
    let (code, f) = findings_of(
        r#"{"Version":"2012-10-17","Statement":{"Effect":["Allow"],"Action":{"a":1},"Resource":7,"Colour":"red"},"Extra":1}"#,
        "IDENTITY_POLICY",
    );
    assert_eq!(code, 1);
    let codes: Vec<&str> = f.iter().map(|x| x["issueCode"].as_str().unwrap()).collect();
    assert!(
        codes
            .iter()
            .filter(|c| **c == "INVALID_POLICY_ELEMENT")
            .count()
            >= 5,
        "{codes:?}"
    );
    assert_located(&f);

    // Nested 100,000 levels deep: a syntax error, not a stack overflow.
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let (code, f) = findings_of(&deep, "IDENTITY_POLICY");
    assert_eq!(code, 1);
    assert_eq!(f[0]["issueCode"], "JSON_SYNTAX_ERROR");
    assert_located(&f);

    // A 10 MB string value, far over every size quota.
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"Big","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
        "a".repeat(10 * 1024 * 1024)
    );
    let (code, f) = findings_of(&big, "IDENTITY_POLICY");
    assert_eq!(code, 0, "a size WARNING only");
    assert!(
        f.iter()
            .any(|x| x["issueCode"] == "POLICY_SIZE_EXCEEDS_IDENTITY_POLICY_QUOTA")
    );
    let (code, f) = findings_of(&big, "SERVICE_CONTROL_POLICY");
    assert_eq!(code, 1);
    assert!(
        f.iter()
            .any(|x| x["issueCode"] == "POLICY_SIZE_EXCEEDS_SCP_QUOTA")
    );
    assert_located(&f);

    // The same in table form does not print 10 MB of `a`s.
    let (_, table, _) = run(&[
        "--policy-document",
        &big,
        "--policy-type",
        "SERVICE_CONTROL_POLICY",
        "--output",
        "table",
    ]);
    assert!(table.len() < 20_000, "{}", table.len());

    // Not JSON at all, and a JSON value that is not an object.
    for doc in [
        "",
        "not json",
        "\"This is not a json document\"",
        "[]",
        "null",
    ] {
        let (code, f) = findings_of(doc, "IDENTITY_POLICY");
        assert_eq!(code, 1, "{doc}");
        assert_eq!(f[0]["issueCode"], "JSON_SYNTAX_ERROR", "{doc}");
    }
}

#[test]
fn invalid_utf8_is_an_input_error() {
    let mut bytes = br#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"caf"#.to_vec();
    bytes.extend([0xC3, 0x28]);
    bytes.extend(br#""}]}"#);
    let file = temp_file("latin1.json", &bytes);
    let (code, _, err) = run(&[
        "--policy-document",
        &format!("file://{file}"),
        "--policy-type",
        "IDENTITY_POLICY",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("not valid UTF-8") && err.contains("byte 94"),
        "{err}"
    );
}

/// The installed binary: `perimeter validate-policy` with a file, exit code and JSON on stdout.
#[test]
fn binary_runs_validate_policy() {
    let file = temp_file("bin-myfile.json", COGNITO_TRUST.as_bytes());
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perimeter"))
        .args([
            "validate-policy",
            "--policy-document",
            &format!("file://{file}"),
            "--policy-type",
            "RESOURCE_POLICY",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 3);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perimeter"))
        .args([
            "validate-policy",
            "--policy-type",
            "IDENTITY_POLICY",
            "--policy-document",
            "file:///no/such/file",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file"));
}
