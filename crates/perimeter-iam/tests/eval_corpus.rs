//! Conformance on AWS managed policies (`$PERIMETER_CORPORA/managed-policies/policies.jsonl`, 1,485
//! identity policies shipped in moto 5.2.1).
//!
//! For each policy, used as the only identity-based policy of a user in the resource's account
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
//! - every literal action of an `Allow` statement with `Resource: "*"` and no `Condition` is allowed on
//!   any resource, unless the policy has a `Deny` statement (then it is not asserted);
//! - an action of a service that does not exist is implicitly denied, unless some statement uses
//!   `NotAction` or an action pattern of `*`.
//!
//! Without `PERIMETER_CORPORA` the test prints one line and returns.

use perimeter_iam::eval::{
    Caller, Context, Decision, PolicyDocument, PolicySet, Request, eval_request,
};

#[test]
fn managed_policies_allow_what_they_list() {
    let Ok(root) = std::env::var("PERIMETER_CORPORA") else {
        println!(
            "eval_corpus: PERIMETER_CORPORA is not set; managed-policy conformance did not run"
        );
        return;
    };
    let path = std::path::Path::new(&root).join("managed-policies/policies.jsonl");
    let text = std::fs::read_to_string(&path).unwrap();
    let user = Caller::from_arn("arn:aws:iam::111122223333:user/alice").unwrap();
    let (mut policies, mut checked_allows, mut checked_denies) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let name = v["name"].as_str().unwrap().to_owned();
        let src = serde_json::to_string(&v["document"]).unwrap();
        let doc = match PolicyDocument::parse(name.clone(), &src) {
            Ok(d) => d,
            Err(e) => {
                failures.push(format!("{name}: does not parse: {:?}", e.first()));
                continue;
            }
        };
        policies += 1;
        let stmts = v["document"]["Statement"].clone();
        let stmts: Vec<serde_json::Value> = match stmts {
            serde_json::Value::Array(a) => a,
            other => vec![other],
        };
        let has_deny = stmts.iter().any(|s| s["Effect"] == "Deny");
        let list = |x: &serde_json::Value| -> Vec<String> {
            match x {
                serde_json::Value::String(s) => vec![s.clone()],
                serde_json::Value::Array(a) => a
                    .iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let broad = stmts
            .iter()
            .any(|s| s.get("NotAction").is_some() || list(&s["Action"]).iter().any(|a| a == "*"));
        let set = PolicySet {
            identity: vec![doc],
            resource_owner: Some("111122223333".to_owned()),
            ..PolicySet::default()
        };
        let decide = |action: &str| {
            eval_request(
                &set,
                &Request::new(
                    user.clone(),
                    action,
                    "arn:aws:s3:::some-bucket/key",
                    Context::new(),
                ),
            )
            .decision
        };
        if !has_deny {
            for s in &stmts {
                let plain = s["Effect"] == "Allow"
                    && s.get("Condition").is_none()
                    && list(&s["Resource"]).iter().any(|r| r == "*");
                if !plain {
                    continue;
                }
                for a in list(&s["Action"])
                    .iter()
                    .filter(|a| !a.contains(['*', '?']))
                {
                    checked_allows += 1;
                    if decide(a) != Decision::Allowed {
                        failures.push(format!(
                            "{name}: `{a}` is listed with Resource `*` but not allowed"
                        ));
                    }
                }
            }
        }
        if !broad {
            checked_denies += 1;
            if decide("nosuchservice:NoSuchAction") != Decision::ImplicitDeny {
                failures.push(format!(
                    "{name}: allows an action of a service that does not exist"
                ));
            }
        }
    }
    println!(
        "eval_corpus: {policies} managed policies, {checked_allows} listed actions allowed, {checked_denies} unknown-service denials"
    );
    assert!(
        failures.is_empty(),
        "{} failures, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
    assert!(policies >= 1400 && checked_allows > 1000 && checked_denies > 1000);
}
