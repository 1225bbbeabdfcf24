//! `SimulateCustomPolicy` request parsing and response shape.
//!
//! The two examples are the AWS CLI's own (`awscli/examples/iam/simulate-custom-policy.rst`, awscli
//! 1.45.11, installed locally): same request, same decision, same statement positions. Malformed
//! input never panics: it comes back as located problems.

use perimeter_iam::eval::simulate::{
    InputProblem, SimulateInput, SimulatePolicyResponse, parse_simulate_input,
    simulate_custom_policy,
};
use proptest::prelude::*;

const EXAMPLE: &str = "awscli/examples/iam/simulate-custom-policy.rst";
const API: &str =
    "https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulateCustomPolicy.html";

fn run(json: &str) -> Result<SimulatePolicyResponse, Vec<InputProblem>> {
    let input: SimulateInput = parse_simulate_input(json, "test")?;
    simulate_custom_policy(&input)
}

/// The one helper: run `json` and compare the rendered response with `expected` (a JSON value), or
/// the problems' codes and locations with `Err((code, source, line, column))` of the first problem.
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "the test helper fails the test on any mismatch"
)]
fn check(url: &str, json: &str, expected: Result<serde_json::Value, (&str, &str, u32, u32)>) {
    let got = run(json);
    match (got, expected) {
        (Ok(resp), Ok(want)) => {
            let got = serde_json::to_value(&resp).unwrap();
            assert_eq!(got, want, "following {url}\n{json}");
        }
        (Err(problems), Err((code, source, line, column))) => {
            let p = &problems[0];
            assert_eq!(
                (p.code, p.source.as_str(), p.line, p.column),
                (code, source, line, column),
                "following {url}: {problems:#?}"
            );
            assert!(!p.message.is_empty());
        }
        (got, want) => panic!("following {url}\n{json}\ngot {got:#?}\nwant {want:#?}"),
    }
}

const POLICY: &str = r#"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"dynamodb:*\",\"Resource\":\"*\",\"Condition\":{\"DateGreaterThan\":{\"aws:CurrentTime\":\"2018-08-16T12:00:00Z\"}}}}"#;

#[test]
fn aws_cli_examples() {
    let request = |time: &str| {
        format!(
            r#"{{"PolicyInputList":["{POLICY}"],"ActionNames":["dynamodb:CreateBackup"],"ContextEntries":[{{"ContextKeyName":"aws:CurrentTime","ContextKeyValues":["{time}"],"ContextKeyType":"date"}}]}}"#
        )
    };
    // Example 1: allowed, with the statement at line 1, columns 38 to 167.
    check(
        EXAMPLE,
        &request("2019-04-25T11:00:00Z"),
        Ok(serde_json::json!({
            "EvaluationResults": [{
                "EvalActionName": "dynamodb:CreateBackup",
                "EvalResourceName": "*",
                "EvalDecision": "allowed",
                "MatchedStatements": [{
                    "SourcePolicyId": "PolicyInputList.1",
                    "StartPosition": {"Line": 1, "Column": 38},
                    "EndPosition": {"Line": 1, "Column": 167}
                }],
                "MissingContextValues": []
            }],
            "IsTruncated": false
        })),
    );
    // Example 2: the date is before the condition's: implicitDeny, nothing matched.
    check(
        EXAMPLE,
        &request("2014-04-25T11:00:00Z"),
        Ok(serde_json::json!({
            "EvaluationResults": [{
                "EvalActionName": "dynamodb:CreateBackup",
                "EvalResourceName": "*",
                "EvalDecision": "implicitDeny",
                "MatchedStatements": [],
                "MissingContextValues": []
            }],
            "IsTruncated": false
        })),
    );
    // Without the context entry the key is reported missing.
    let resp = run(&format!(
        r#"{{"PolicyInputList":["{POLICY}"],"ActionNames":["dynamodb:CreateBackup"]}}"#
    ))
    .unwrap();
    assert_eq!(
        resp.evaluation_results[0].missing_context_values,
        vec!["aws:CurrentTime".to_owned()],
        "{API}"
    );
}

#[test]
fn positions_on_several_lines() {
    // A pretty-printed policy: the second statement starts on line 4.
    let policy = "{\\n  \\\"Version\\\": \\\"2012-10-17\\\",\\n  \\\"Statement\\\": [{\\\"Effect\\\": \\\"Deny\\\", \\\"Action\\\": \\\"s3:Put*\\\", \\\"Resource\\\": \\\"*\\\"},\\n    {\\\"Effect\\\": \\\"Allow\\\", \\\"Action\\\": \\\"s3:*\\\", \\\"Resource\\\": \\\"*\\\"}]\\n}";
    let resp = run(&format!(
        r#"{{"PolicyInputList":["{policy}"],"ActionNames":["s3:GetObject","s3:PutObject"]}}"#
    ))
    .unwrap();
    let r = &resp.evaluation_results;
    assert_eq!(
        (r[0].eval_decision, r[1].eval_decision),
        ("allowed", "explicitDeny")
    );
    let pos = |i: usize| {
        let m = &r[i].matched_statements[0];
        (
            m.start_position.line,
            m.start_position.column,
            m.end_position.line,
            m.end_position.column,
        )
    };
    // Line 4 is `    {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]`: `{` is at 0-based
    // column 4, so the start is 4 + 2; the 54-character object ends before 0-based column 58, so the
    // end is 58 + 1.
    assert_eq!(pos(0), (4, 6, 4, 59), "{EXAMPLE}");
    // Line 3 is `  "Statement": [{"Effect": "Deny", …},`: `{` at 0-based column 16.
    assert_eq!(pos(1).0, 3, "{EXAMPLE}");
    assert_eq!(pos(1).1, 18, "{EXAMPLE}");
}

#[test]
fn extensions_scp_rcp_session_anonymous_trust() {
    let allow_all = r#"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}"#;
    let only_ec2 = r#"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}}"#;
    // An SCP level that does not allow s3 denies it; OrganizationsDecisionDetail says so.
    let resp = run(&format!(
        r#"{{"PolicyInputList":["{allow_all}"],"ActionNames":["s3:GetObject"],"ScpInputList":[["{allow_all}"],["{only_ec2}"]]}}"#
    ))
    .unwrap();
    let r = &resp.evaluation_results[0];
    assert_eq!(r.eval_decision, "implicitDeny");
    assert_eq!(
        r.organizations_decision_detail
            .map(|d| d.allowed_by_organizations),
        Some(false)
    );
    // A permissions boundary: PermissionsBoundaryDecisionDetail.
    let resp = run(&format!(
        r#"{{"PolicyInputList":["{allow_all}"],"PermissionsBoundaryPolicyInputList":["{only_ec2}"],"ActionNames":["s3:GetObject","ec2:RunInstances"]}}"#
    ))
    .unwrap();
    let d: Vec<_> = resp
        .evaluation_results
        .iter()
        .map(|r| {
            (
                r.eval_decision,
                r.permissions_boundary_decision_detail
                    .map(|d| d.allowed_by_permissions_boundary),
            )
        })
        .collect();
    assert_eq!(
        d,
        vec![("implicitDeny", Some(false)), ("allowed", Some(true))]
    );
    // Anonymous access through a public bucket policy; objects as policy documents are accepted.
    let resp = run(
        r#"{"PolicyInputList":[],"ActionNames":["s3:GetObject"],"ResourceArns":["arn:aws:s3:::pub/x"],"ResourceOwner":"arn:aws:iam::111122223333:root","Anonymous":true,"ResourcePolicy":{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::pub/*"}}}"#,
    )
    .unwrap();
    let r = &resp.evaluation_results[0];
    assert_eq!(r.eval_decision, "allowed");
    assert_eq!(r.matched_statements[0].source_policy_id, "ResourcePolicy");
    assert_eq!(r.matched_statements[0].source_policy_type, Some("resource"));
    // A role ARN resource makes the resource policy a trust policy: identity policy alone is not enough.
    let trust = r#"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"ec2.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}}"#;
    let req = |extra: &str| {
        format!(
            r#"{{"PolicyInputList":["{allow_all}"],"ActionNames":["sts:AssumeRole"],"ResourceArns":["arn:aws:iam::111122223333:role/R"],"CallerArn":"arn:aws:iam::111122223333:user/alice","ResourcePolicy":"{trust}"{extra}}}"#
        )
    };
    assert_eq!(
        run(&req("")).unwrap().evaluation_results[0].eval_decision,
        "implicitDeny"
    );
    assert_eq!(
        run(&req(r#","ResourcePolicyType":"Generic""#))
            .unwrap()
            .evaluation_results[0]
            .eval_decision,
        "allowed"
    );
    // A session policy applies to a role session caller.
    let resp = run(&format!(
        r#"{{"PolicyInputList":["{allow_all}"],"SessionPolicy":"{only_ec2}","CallerArn":"arn:aws:sts::111122223333:assumed-role/R/s","ActionNames":["s3:GetObject","ec2:RunInstances"]}}"#
    ))
    .unwrap();
    let d: Vec<_> = resp
        .evaluation_results
        .iter()
        .map(|r| r.eval_decision)
        .collect();
    assert_eq!(d, vec!["implicitDeny", "allowed"]);
}

#[test]
fn malformed_input_is_located() {
    // Not JSON.
    check(
        API,
        r#"{"PolicyInputList": ["#,
        Err(("ValidationError", "test", 1, 22)),
    );
    // Wrong types.
    check(
        API,
        r#"{"PolicyInputList": [5], "ActionNames": ["s3:x"]}"#,
        Err(("ValidationError", "test", 1, 22)),
    );
    check(
        API,
        "{\n  \"PolicyInputList\": [],\n  \"ActionNames\": \"s3:x\"\n}",
        Err(("ValidationError", "test", 3, 18)),
    );
    check(API, r#"[]"#, Err(("ValidationError", "test", 1, 1)));
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": ["a"], "Anonymous": "yes"}"#,
        Err(("ValidationError", "test", 1, 60)),
    );
    // Unknown parameter.
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": ["a"], "Bogus": 1}"#,
        Err(("ValidationError", "test", 1, 47)),
    );
    // Context entries: unknown type, a value of the wrong type, two values for a single-valued type.
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": ["a"], "ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": ["1"], "ContextKeyType": "integer"}]}"#,
        Err(("ValidationError", "test", 1, 135)),
    );
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": ["a"], "ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": ["ten"], "ContextKeyType": "numeric"}]}"#,
        Err(("ValidationError", "test", 1, 110)),
    );
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": ["a"], "ContextEntries": [{"ContextKeyName": "k", "ContextKeyValues": ["a", "b"], "ContextKeyType": "string"}]}"#,
        Err(("ValidationError", "test", 1, 110)),
    );
    // A policy IAM would reject: MalformedPolicyDocument, located inside that policy.
    check(
        API,
        r#"{"PolicyInputList": ["{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"allow\",\"Action\":\"*\",\"Resource\":\"*\"}}"], "ActionNames": ["a"]}"#,
        // `"allow"` starts at 0-based character 46 of the policy text: 1-based column 47.
        Err(("MalformedPolicyDocument", "PolicyInputList.1", 1, 47)),
    );
    check(
        API,
        r#"{"PolicyInputList": ["{\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}", "not json"], "ActionNames": ["a"]}"#,
        Err(("MalformedPolicyDocument", "PolicyInputList.2", 1, 1)),
    );
    // Semantic input errors.
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": []}"#,
        Err(("InvalidInput", "ActionNames", 0, 0)),
    );
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": ["a"], "ResourcePolicy": "{}"}"#,
        Err(("InvalidInput", "CallerArn", 0, 0)),
    );
    check(
        API,
        r#"{"PolicyInputList": [], "ActionNames": ["a"], "CallerArn": "bob"}"#,
        Err(("InvalidInput", "CallerArn", 0, 0)),
    );
}

proptest! {
    /// Arbitrary text never panics.
    #[test]
    fn arbitrary_text_never_panics(s in ".{0,200}") {
        let _ = run(&s);
    }

    /// Requests with random values in every field never panic.
    #[test]
    fn random_requests_never_panic(
        field in prop::sample::select(vec![
            "PolicyInputList", "ActionNames", "ResourceArns", "ResourcePolicy", "CallerArn",
            "ContextEntries", "ScpInputList", "RcpInputList", "SessionPolicy", "Anonymous",
            "ResourceOwner", "ResourcePolicyType",
        ]),
        value in prop::sample::select(vec![
            "1", "null", "true", "\"x\"", "[]", "{}", "[1]", "[[\"{}\"]]", "[\"{}\"]",
            "[{\"ContextKeyName\":1}]", "[{\"ContextKeyName\":\"k\",\"ContextKeyType\":\"ipList\",\"ContextKeyValues\":[\"1.2.3.4\",\"::1\"]}]",
            "\"arn:aws:sts::111122223333:assumed-role/R/s\"", "\"{\\\"Statement\\\":[]}\"",
        ]),
    ) {
        let json = format!(r#"{{"PolicyInputList":["{{\"Version\":\"2012-10-17\",\"Statement\":{{\"Effect\":\"Allow\",\"Action\":\"*\",\"Resource\":\"*\"}}}}"],"ActionNames":["s3:GetObject"],"{field}":{value}}}"#);
        let _ = run(&json);
    }
}

const RESULT: &str =
    "https://docs.aws.amazon.com/IAM/latest/APIReference/API_EvaluationResult.html";

#[test]
fn decision_details_and_resource_specific_results() {
    let id = r#"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"s3:*\",\"Resource\":\"*\",\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"true\"}}}}"#;
    let bucket = r#"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}}"#;
    // Same account, named resource: EvalDecisionDetails present but empty; missing keys under
    // ResourceSpecificResults.
    let resp = serde_json::to_value(
        run(&format!(
            r#"{{"PolicyInputList":["{id}"],"ActionNames":["s3:GetObject"],"ResourceArns":["arn:aws:s3:::b/k"],"ResourceOwner":"111122223333"}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let r = &resp["EvaluationResults"][0];
    assert_eq!(r["EvalDecisionDetails"], serde_json::json!({}), "{RESULT}");
    assert_eq!(r["MissingContextValues"], serde_json::json!([]), "{RESULT}");
    assert_eq!(
        r["ResourceSpecificResults"],
        serde_json::json!([{
            "EvalResourceName": "arn:aws:s3:::b/k",
            "EvalResourceDecision": "implicitDeny",
            "MatchedStatements": [],
            "MissingContextValues": ["aws:SecureTransport"],
            "EvalDecisionDetails": {}
        }]),
        "{RESULT}"
    );
    // Same account, resource `*`: no EvalDecisionDetails, missing keys at the top.
    let resp = serde_json::to_value(
        run(&format!(
            r#"{{"PolicyInputList":["{id}"],"ActionNames":["s3:GetObject"]}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let r = &resp["EvaluationResults"][0];
    assert!(r.get("EvalDecisionDetails").is_none(), "{RESULT}");
    assert!(r.get("ResourceSpecificResults").is_none(), "{RESULT}");
    assert_eq!(
        r["MissingContextValues"],
        serde_json::json!(["aws:SecureTransport"]),
        "{RESULT}"
    );
    // Cross-account: how each policy type contributed.
    let resp = serde_json::to_value(
        run(&format!(
            r#"{{"PolicyInputList":["{id}"],"ActionNames":["s3:GetObject"],"ResourceArns":["arn:aws:s3:::b/k"],"ResourceOwner":"111122223333","CallerArn":"arn:aws:iam::444455556666:user/bob","ResourcePolicy":"{bucket}","ContextEntries":[{{"ContextKeyName":"aws:SecureTransport","ContextKeyValues":["true"],"ContextKeyType":"boolean"}}]}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let r = &resp["EvaluationResults"][0];
    assert_eq!(r["EvalDecision"], "allowed");
    assert_eq!(
        r["EvalDecisionDetails"],
        serde_json::json!({"IAM Policy": "allowed", "Resource Policy": "allowed"}),
        "{RESULT}"
    );
    // An SCP that denies: the simulation ends, no EvalDecisionDetails.
    let ec2 = r#"{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"ec2:*\",\"Resource\":\"*\"}}"#;
    let resp = serde_json::to_value(
        run(&format!(
            r#"{{"PolicyInputList":["{id}"],"ActionNames":["s3:GetObject"],"ResourceArns":["arn:aws:s3:::b/k"],"ResourceOwner":"111122223333","ScpInputList":[["{ec2}"]]}}"#
        ))
        .unwrap(),
    )
    .unwrap();
    let r = &resp["EvaluationResults"][0];
    assert!(r.get("EvalDecisionDetails").is_none(), "{RESULT}");
    assert_eq!(
        r["OrganizationsDecisionDetail"],
        serde_json::json!({"AllowedByOrganizations": false})
    );
}
