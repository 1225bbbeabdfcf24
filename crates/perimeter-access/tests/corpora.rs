//! Conformance against the external corpora (read through `PERIMETER_CORPORA`).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a corpus line that does not parse fails the test"
)]

#[path = "support/z3.rs"]
mod z3;

use std::path::PathBuf;

use perimeter_access::{
    Access, AccessCheckPolicyType, CheckResponse, check_access_not_granted, check_no_new_access,
    check_no_public_access,
};
use perimeter_iam::model::Policy;
use serde_json::Value;

fn corpora() -> Option<PathBuf> {
    match std::env::var_os("PERIMETER_CORPORA") {
        Some(p) => Some(PathBuf::from(p)),
        None => {
            println!("PERIMETER_CORPORA is not set: corpus tests did not run");
            None
        }
    }
}

fn lines(path: PathBuf) -> Vec<Value> {
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn policy(v: &Value) -> Policy {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    perimeter_iam::parse_and_lower(&text)
        .unwrap_or_else(|d| panic!("policy does not lower: {d:?}\n{text}"))
}

/// Reads a policy as IAM would (no `Version` ⇒ variables are literal text).
fn policy_with_version(v: &Value, version: Option<&str>) -> Policy {
    let mut v = v.clone();
    if let (Some(ver), Some(o)) = (version, v.as_object_mut())
        && !o.contains_key("Version")
    {
        o.insert("Version".into(), Value::String(ver.into()));
    }
    policy(&v)
}

fn ty(v: &Value) -> AccessCheckPolicyType {
    AccessCheckPolicyType::from_aws(v.as_str().unwrap()).unwrap()
}

/// When a recorded label disagrees with the engine, two independent implementations decide whether
/// the label is disputed: z3 on the SMT export (unsat for a PASS; the witness a model for a FAIL) and,
/// for a FAIL, the reference evaluator (the witness must have replayed). Returns the evidence, or
/// `None` when the engine is not backed up (a real disagreement).
fn arbitrate(
    existing: &Policy,
    new: &Policy,
    t: AccessCheckPolicyType,
    r: &CheckResponse,
) -> Option<String> {
    use perimeter_access::smt::{SmtAnswer, no_new_access_query_at};
    use z3::{run_z3, z3_binary};
    let identity = t == AccessCheckPolicyType::IdentityPolicy;
    let replayed = r
        .reasons
        .iter()
        .all(|x| !x.description.contains("could not be decided"));
    let q = no_new_access_query_at(existing, new, identity, r.witness.as_ref())?;
    let z = run_z3(&z3_binary(), &[q], 30_000).ok()?;
    match (r.is_pass(), z.first()) {
        (true, Some(SmtAnswer::Unsat)) => Some("engine PASS, z3 unsat".to_owned()),
        (false, Some(SmtAnswer::Sat)) if replayed && r.witness.is_some() => Some(format!(
            "engine FAIL, witness replayed by the evaluator and a model in z3: {}",
            serde_json::to_string(&r.witness).unwrap()
        )),
        _ => None,
    }
}

fn summary(r: &CheckResponse) -> String {
    serde_json::to_string(r).unwrap()
}

/// aa-custom-checks: every case agrees with the sample authors' label.
#[test]
fn aa_custom_checks() {
    let Some(root) = corpora() else { return };
    let cases = lines(root.join("aa-custom-checks/cases.jsonl"));
    assert_eq!(cases.len(), 207);
    let mut bad = Vec::new();
    let mut disputed = 0;
    for c in &cases {
        let existing = policy(&c["existingPolicyDocument"]);
        let new = policy(&c["newPolicyDocument"]);
        let r = check_no_new_access(&existing, &new, ty(&c["policyType"]));
        let expected = c["expected"]
            .as_str()
            .or(c["expectedResult"].as_str())
            .unwrap_or("");
        let got = if r.is_pass() { "PASS" } else { "FAIL" };
        if got != expected {
            match arbitrate(&existing, &new, ty(&c["policyType"]), &r) {
                Some(evidence) => {
                    disputed += 1;
                    println!("disputed label {}: label {expected}; {evidence}", c["id"]);
                }
                None => bad.push(format!(
                    "{}: expected {expected}, got {}",
                    c["id"],
                    summary(&r)
                )),
            }
        }
    }
    println!(
        "aa-custom-checks: {} cases, {} agree with the label, {disputed} disputed labels",
        cases.len(),
        cases.len() - disputed - bad.len()
    );
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// quacky: new access both ways agrees with the plain-string verdicts (mutants read with the
/// original's Version, as SOURCE.md says reproduces quacky's reading).
#[test]
fn quacky_pairs() {
    let Some(root) = corpora() else { return };
    let pairs = lines(root.join("quacky/pairs.jsonl"));
    let mut bad = Vec::new();
    let mut checked = 0;
    let mut identical = 0;
    let mut disputed = 0;
    for p in &pairs {
        let ver = p["p1"]["Version"].as_str();
        let p1 = policy_with_version(&p["p1"], ver);
        let p2 = policy_with_version(&p["p2"], ver);
        let verdict = &p["string_semantics_verdict"];
        let strip = |v: &Value| {
            let mut v = v.clone();
            if let Some(o) = v.as_object_mut() {
                o.remove("Version");
            }
            v
        };
        if strip(&p["p1"]) == strip(&p["p2"]) {
            // Identical policies (the mutant differs only in `Version`, normalised above): the law
            // "self ⇒ PASS" decides, whatever a table recorded.
            for (new, old) in [(&p1, &p2), (&p2, &p1)] {
                let r = check_no_new_access(old, new, AccessCheckPolicyType::IdentityPolicy);
                if !r.is_pass() {
                    bad.push(format!(
                        "{}: identical policies, got {}",
                        p["id"],
                        summary(&r)
                    ));
                }
            }
            identical += 1;
            continue;
        }
        for (field, new, old) in [
            ("p1_allows_more_than_p2", &p1, &p2),
            ("p2_allows_more_than_p1", &p2, &p1),
        ] {
            let Some(expected) = verdict[field].as_bool() else {
                continue;
            };
            let has_principal = [new, old]
                .iter()
                .any(|p| p.statements.iter().any(|s| s.principal.is_some()));
            let t = if has_principal {
                AccessCheckPolicyType::ResourcePolicy
            } else {
                AccessCheckPolicyType::IdentityPolicy
            };
            let r = check_no_new_access(old, new, t);
            checked += 1;
            let got = !r.is_pass();
            let confirmed = r.witness.is_some();
            if got != expected || (got && !confirmed) {
                match arbitrate(old, new, t, &r) {
                    Some(evidence) if got != expected => {
                        disputed += 1;
                        println!(
                            "disputed verdict {} {field}: recorded {expected}; {evidence}",
                            p["id"]
                        );
                    }
                    _ => bad.push(format!(
                        "{} {field}: expected {expected}, got {}",
                        p["id"],
                        summary(&r)
                    )),
                }
            }
        }
    }
    println!(
        "quacky: {checked} directions checked against recorded verdicts, {identical} identical pairs checked by law, {disputed} disputed verdicts"
    );
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// tf-policy-validator: PASS/FAIL agrees with the recorded Access Analyzer output.
#[test]
fn tf_policy_validator() {
    let Some(root) = corpora() else { return };
    let cases = lines(root.join("tf-policy-validator/cases.jsonl"));
    let mut bad = Vec::new();
    for c in &cases {
        let expected = c["recorded_output"]["result"].as_str().unwrap_or("");
        let got = match c["check"].as_str().unwrap() {
            "CheckNoNewAccess" => {
                let r = check_no_new_access(
                    &policy(&c["existingPolicyDocument"]),
                    &policy(&c["newPolicyDocument"]),
                    ty(&c["policyType"]),
                );
                if r.is_pass() { "PASS" } else { "FAIL" }.to_owned()
            }
            "CheckAccessNotGranted" => {
                let access: Vec<Access> = c["access"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| Access {
                        actions: a["actions"]
                            .as_array()
                            .map(|x| x.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
                            .unwrap_or_default(),
                        resources: a["resources"]
                            .as_array()
                            .map(|x| x.iter().map(|s| s.as_str().unwrap().to_owned()).collect())
                            .unwrap_or_default(),
                    })
                    .collect();
                match check_access_not_granted(
                    &policy(&c["policyDocument"]),
                    &access,
                    ty(&c["policyType"]),
                ) {
                    Ok(r) => if r.is_pass() { "PASS" } else { "FAIL" }.to_owned(),
                    Err(_) => "ERROR".to_owned(),
                }
            }
            "CheckNoPublicAccess" => match check_no_public_access(
                &policy(&c["policyDocument"]),
                c["resourceType"].as_str().unwrap(),
            ) {
                Ok(r) => if r.is_pass() { "PASS" } else { "FAIL" }.to_owned(),
                Err(_) => "ERROR".to_owned(),
            },
            _ => continue,
        };
        let inferred = c["recorded_output"]["inferred_from_absence"].as_bool() == Some(true);
        if got != expected {
            if inferred {
                // A PASS inferred from the absence of a finding is not a recorded answer.
                println!(
                    "inferred label differs: {}: inferred {expected}, got {got}",
                    c["id"]
                );
            } else {
                bad.push(format!("{}: expected {expected}, got {got}", c["id"]));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} disagreements:\n{}",
        bad.len(),
        bad.join("\n")
    );
}
