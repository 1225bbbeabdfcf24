//! Role-session principals (`arn:aws:sts::ID:assumed-role/ROLE/SESSION`) in resource policies.
//!
//! AWS semantics (IAM User Guide, "AWS JSON policy elements: Principal", role session principals):
//! a role session ARN names that one session; a role ARN names every session of the role. For
//! `NotPrincipal` ("AWS JSON policy elements: NotPrincipal"), a session is excluded only when the
//! element lists the session ARN, the role ARN and the account. Every FAIL's witness is replayed
//! through the reference evaluator here.

#![expect(
    clippy::panic,
    reason = "test helpers: a policy that does not lower fails the test"
)]

use perimeter_access::witness::{Side, replay};
use perimeter_access::{
    AccessCheckPolicyType, CheckResult, check_no_new_access, check_no_public_access,
};
use perimeter_iam::Policy;
use perimeter_iam::eval::ResourcePolicyKind;

const ROLE: &str = "arn:aws:iam::111122223333:role/admin";
const ALICE: &str = "arn:aws:sts::111122223333:assumed-role/admin/alice";
const BOB: &str = "arn:aws:sts::111122223333:assumed-role/admin/bob";

fn policy(statements: &[String]) -> Policy {
    let text = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    perimeter_iam::parse_and_lower(&text).unwrap_or_else(|d| panic!("{d:?}\n{text}"))
}

fn allow(principal: &str) -> String {
    format!(
        r#"{{"Effect":"Allow","Principal":{principal},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#
    )
}

fn aws(arns: &[&str]) -> String {
    let quoted: Vec<String> = arns.iter().map(|a| format!("\"{a}\"")).collect();
    format!(r#"{{"AWS":[{}]}}"#, quoted.join(","))
}

/// check-no-new-access on resource policies; on FAIL, the witness must be allowed by `new`, denied
/// by `existing`, and its caller is returned.
fn new_access(existing: &Policy, new: &Policy) -> Option<String> {
    let r = check_no_new_access(existing, new, AccessCheckPolicyType::ResourcePolicy);
    match r.result {
        CheckResult::Pass => None,
        CheckResult::Fail => {
            let w = r
                .witness
                .clone()
                .unwrap_or_else(|| panic!("FAIL without witness: {r:?}"));
            let side = Side::Resource(ResourcePolicyKind::Generic);
            assert_eq!(replay(new, side, &w), Some(true), "{w:?}");
            assert_eq!(replay(existing, side, &w), Some(false), "{w:?}");
            Some(w.principal.get("AWS").cloned().unwrap_or_default())
        }
    }
}

#[test]
fn a_session_is_one_session_of_its_role() {
    let role = policy(&[allow(&aws(&[ROLE]))]);
    let alice = policy(&[allow(&aws(&[ALICE]))]);
    // The role names alice's session: no new access.
    assert_eq!(new_access(&role, &alice), None);
    // The role names sessions alice does not: the witness is another session of the role.
    let other = new_access(&alice, &role).unwrap();
    assert!(
        other.starts_with("arn:aws:sts::111122223333:assumed-role/admin/") && other != ALICE,
        "{other}"
    );
    // Another session of the same role is new access, and the witness is that session.
    let bob = policy(&[allow(&aws(&[BOB]))]);
    assert_eq!(new_access(&alice, &bob).as_deref(), Some(BOB));
    // The same session named twice is the same access.
    let both = policy(&[allow(&aws(&[ALICE])), allow(&aws(&[ALICE]))]);
    assert_eq!(new_access(&alice, &both), None);
}

#[test]
fn a_session_is_not_the_account() {
    // An account principal names every principal of the account, sessions included.
    let account = policy(&[allow(&aws(&["111122223333"]))]);
    let alice = policy(&[allow(&aws(&[ALICE]))]);
    assert_eq!(new_access(&account, &alice), None);
    assert!(new_access(&alice, &account).is_some());
}

#[test]
fn not_principal_excludes_a_session_only_with_its_role_and_account() {
    let deny = |listed: &[&str]| {
        format!(
            r#"{{"Effect":"Deny","NotPrincipal":{},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}}"#,
            aws(listed)
        )
    };
    let open = allow(r#""*""#);
    let only_alice = policy(&[allow(&aws(&[ALICE]))]);
    // Listing the session, its role and its account leaves alice's session allowed, and the
    // account's root user too (its only layer, the account, is listed); nothing else.
    let full = policy(&[open.clone(), deny(&[ALICE, ROLE, "111122223333"])]);
    assert_eq!(new_access(&full, &only_alice), None);
    assert_eq!(
        new_access(&only_alice, &full).as_deref(),
        Some("arn:aws:iam::111122223333:root")
    );
    let alice_or_root = policy(&[allow(&aws(&[ALICE, "arn:aws:iam::111122223333:root"]))]);
    // (`arn:…:root` names the whole account, so that policy is broader; compare the other way.)
    assert_eq!(new_access(&alice_or_root, &full), None);
    // Without the role, the Deny applies to alice too: only the root user is left.
    let no_role = policy(&[open.clone(), deny(&[ALICE, "111122223333"])]);
    assert_eq!(new_access(&no_role, &only_alice).as_deref(), Some(ALICE));
    let root = policy(&[allow(&aws(&["arn:aws:iam::111122223333:root"]))]);
    // (`…:root` names every principal of the account, so compare one way only.)
    assert_eq!(new_access(&root, &no_role), None);
}

#[test]
fn a_session_principal_is_not_public() {
    let alice = policy(&[allow(&aws(&[ALICE]))]);
    let r = check_no_public_access(&alice, "AWS::S3::Bucket").unwrap();
    assert_eq!(r.result, CheckResult::Pass, "{r:?}");
}
