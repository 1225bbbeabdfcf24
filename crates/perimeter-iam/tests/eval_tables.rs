//! Table tests for the reference evaluator: one row per rule of the tables in
//! `/work/shared/reference/access-analyzer.md` §7.1 (decision pipeline), §7.2 (statement matching) and
//! §7.3 (condition operators and missing keys), each citing the AWS documentation page it follows.

use perimeter_iam::eval::{
    Caller, Context, ContextKeyType, Decision, PolicyDocument, PolicySet, Request,
    ResourcePolicyKind, eval_request,
};

const LOGIC: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html";
const CROSS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html";
const SCP: &str = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html";
const RCP: &str = "https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html";
const BOUNDARY: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html";
const SESSION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies.html#policies_session";
const KMS: &str = "https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html";
const TRUST: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_compare-resource-policies.html";
const ACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_action.html";
const NOTACTION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notaction.html";
const RESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html";
const NOTRESOURCE: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notresource.html";
const PRINCIPAL: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html";
const NOTPRINCIPAL: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html";
const MULTI: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html";
const OPS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html";
const SETS: &str = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html";
const VARS: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html";
const CONDITION: &str =
    "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html";

use Decision::{Allowed as A, ExplicitDeny as D, ImplicitDeny as I};

const ACCT: &str = "111122223333";
const ALICE: &str = "arn:aws:iam::111122223333:user/alice";
const BOB_X: &str = "arn:aws:iam::444455556666:user/bob";
const ROLE: &str = "arn:aws:iam::111122223333:role/app/Builder";
const SESSION_ARN: &str = "arn:aws:sts::111122223333:assumed-role/Builder/s1";
const FED: &str = "arn:aws:sts::111122223333:federated-user/carol";
const BUCKET_OBJ: &str = "arn:aws:s3:::bucket/key";

#[expect(
    clippy::panic,
    reason = "test helper: a fixture that does not parse is a bug in the test"
)]
fn doc(id: &str, src: &str) -> PolicyDocument {
    match PolicyDocument::parse(id, src) {
        Ok(d) => d,
        Err(e) => panic!("test policy `{id}` does not parse: {e:?}"),
    }
}

/// An identity-style policy with one statement.
fn stmt(effect: &str, action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// A resource-policy statement naming `principal` (a JSON value).
fn res_stmt(effect: &str, principal: &str, action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"{effect}","Principal":{principal},"Action":"{action}","Resource":"{resource}"}}]}}"#
    )
}

/// A policy whose only statement allows `s3:GetObject` on everything under the given condition block.
fn cond(condition: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"*","Condition":{condition}}}]}}"#
    )
}

#[derive(Default)]
struct Set {
    s: PolicySet,
}

impl Set {
    fn new() -> Set {
        Set::default()
    }
    fn id(mut self, src: &str) -> Set {
        let n = self.s.identity.len();
        self.s.identity.push(doc(&format!("identity{n}"), src));
        self
    }
    fn pb(mut self, src: &str) -> Set {
        self.s.permissions_boundary.push(doc("boundary", src));
        self
    }
    fn session(mut self, src: &str) -> Set {
        self.s.session.push(doc("session", src));
        self
    }
    fn scp(mut self, levels: &[&[&str]]) -> Set {
        self.s.scp_levels = levels
            .iter()
            .map(|l| l.iter().map(|p| doc("scp", p)).collect())
            .collect();
        self
    }
    fn rcp(mut self, levels: &[&[&str]]) -> Set {
        self.s.rcp_levels = levels
            .iter()
            .map(|l| l.iter().map(|p| doc("rcp", p)).collect())
            .collect();
        self
    }
    fn res(mut self, kind: ResourcePolicyKind, src: &str) -> Set {
        self.s.resource = Some(doc("resource", src));
        self.s.resource_kind = kind;
        self
    }
    fn owner(mut self, account: &str) -> Set {
        self.s.resource_owner = Some(account.to_owned());
        self
    }
}

#[expect(
    clippy::panic,
    reason = "test helper: a malformed fixture caller is a bug in the test"
)]
fn caller(who: &str) -> Caller {
    if who == "anonymous" {
        Caller::Anonymous
    } else if let Some(s) = who.strip_prefix("service:") {
        Caller::Service(s.to_owned())
    } else if let Some(s) = who.strip_prefix("federated:") {
        Caller::Federated(s.to_owned())
    } else if let Some(s) = who.strip_prefix("canonical:") {
        Caller::CanonicalUser(s.to_owned())
    } else {
        match Caller::from_arn(who) {
            Some(c) => c,
            None => panic!("bad caller {who}"),
        }
    }
}

/// The one helper: decide `action` on `resource` by `who` with `ctx` and compare with `expected`.
/// `url` is the AWS page the expectation follows.
fn check(
    url: &str,
    set: &Set,
    who: &str,
    action: &str,
    resource: &str,
    ctx: &Context,
    expected: Decision,
) {
    let req = Request::new(caller(who), action, resource, ctx.clone());
    let got = eval_request(&set.s, &req);
    assert_eq!(
        got.decision, expected,
        "\n{who} {action} {resource} ctx={ctx:?}\nfollowing {url}\ngot {got:#?}"
    );
}

fn no_ctx() -> Context {
    Context::new()
}

const GET: &str = "s3:GetObject";

// ───────────────────────────── §7.1 decision pipeline ─────────────────────────────

#[test]
fn step0_default_is_implicit_deny_and_root_owns_its_account() {
    let empty = Set::new().owner(ACCT);
    check(LOGIC, &empty, ALICE, GET, BUCKET_OBJ, &no_ctx(), I);
    check(LOGIC, &empty, SESSION_ARN, GET, BUCKET_OBJ, &no_ctx(), I);
    // The root user has full access to its own account's resources …
    let root = "arn:aws:iam::111122223333:root";
    check(LOGIC, &empty, root, GET, BUCKET_OBJ, &no_ctx(), A);
    // … except where a resource policy or SCP restricts it.
    let deny_all = Set::new().owner(ACCT).res(
        ResourcePolicyKind::Generic,
        &res_stmt("Deny", r#""*""#, "s3:*", "*"),
    );
    check(LOGIC, &deny_all, root, GET, BUCKET_OBJ, &no_ctx(), D);
    let scp_deny = Set::new()
        .owner(ACCT)
        .scp(&[&[&stmt("Allow", "ec2:*", "*")]]);
    check(SCP, &scp_deny, root, GET, BUCKET_OBJ, &no_ctx(), I);
    // A root user of another account still needs the resource policy.
    check(
        CROSS,
        &empty,
        "arn:aws:iam::444455556666:root",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
}

#[test]
fn step1_explicit_deny_in_any_policy_type_is_final() {
    let allow = stmt("Allow", "*", "*");
    let deny = stmt("Deny", GET, "*");
    let res_allow_alice = res_stmt("Allow", &format!(r#"{{"AWS":"{ALICE}"}}"#), "*", "*");
    let base = || Set::new().owner(ACCT).id(&allow);
    // identity policy
    check(
        LOGIC,
        &base().id(&deny),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
    // permissions boundary
    check(
        BOUNDARY,
        &base().pb(&allow).pb(&deny),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
    // session policy
    check(
        SESSION,
        &base().session(&allow).session(&deny),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
    // SCP at any level
    check(
        SCP,
        &base().scp(&[&[&allow], &[&allow, &deny], &[&allow]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
    // RCP at any level
    check(
        RCP,
        &base().rcp(&[&[&allow], &[&allow, &res_stmt("Deny", r#""*""#, GET, "*")]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
    // resource policy, even when it also grants the user directly
    let res = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{ALICE}"}},"Action":"*","Resource":"*"}},{{"Effect":"Deny","Principal":"*","Action":"{GET}","Resource":"*"}}]}}"#
    );
    check(
        LOGIC,
        &Set::new()
            .owner(ACCT)
            .res(ResourcePolicyKind::Generic, &res),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
    // a deny that does not match the request does nothing
    check(
        LOGIC,
        &base().id(&stmt("Deny", "s3:PutObject", "*")),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // The user granted directly by a resource policy is still stopped by an identity Deny.
    let direct = Set::new()
        .owner(ACCT)
        .res(ResourcePolicyKind::Generic, &res_allow_alice);
    check(LOGIC, &direct, ALICE, GET, BUCKET_OBJ, &no_ctx(), A);
    check(
        LOGIC,
        &direct.id(&deny),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
}

#[test]
fn step2_every_scp_level_must_allow_and_scps_never_grant() {
    let allow = stmt("Allow", "*", "*");
    let s3 = stmt("Allow", "s3:*", "*");
    let ec2 = stmt("Allow", "ec2:*", "*");
    let with = |levels: &[&[&str]]| Set::new().owner(ACCT).id(&allow).scp(levels);
    check(
        SCP,
        &with(&[&[&allow], &[&s3], &[&allow]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // The OU level allows only ec2: the request is denied even though root and account allow.
    check(
        SCP,
        &with(&[&[&allow], &[&ec2], &[&allow]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // A level with several policies needs just one Allow.
    check(
        SCP,
        &with(&[&[&allow], &[&ec2, &s3], &[&allow]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // SCPs never grant: no identity policy, SCPs allow everything.
    let no_id = Set::new().owner(ACCT).scp(&[&[&allow], &[&allow]]);
    check(SCP, &no_id, ALICE, GET, BUCKET_OBJ, &no_ctx(), I);
    // SCPs restrict principals of the account, not resource-policy grants to other callers: an
    // anonymous caller is not subject to them.
    let public = Set::new().owner(ACCT).scp(&[&[&ec2]]).res(
        ResourcePolicyKind::Generic,
        &res_stmt("Allow", r#""*""#, GET, "*"),
    );
    check(SCP, &public, "anonymous", GET, BUCKET_OBJ, &no_ctx(), A);
    // … but they do restrict a same-account user granted directly by the resource policy.
    let direct = Set::new().owner(ACCT).scp(&[&[&ec2]]).res(
        ResourcePolicyKind::Generic,
        &res_stmt("Allow", &format!(r#"{{"AWS":"{ALICE}"}}"#), GET, "*"),
    );
    check(SCP, &direct, ALICE, GET, BUCKET_OBJ, &no_ctx(), I);
}

#[test]
fn step3_rcps_each_level_must_allow_deny_anywhere_never_grant() {
    let full = res_stmt("Allow", r#""*""#, "*", "*"); // RCPFullAWSAccess
    let customer_deny = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-123"}}}]}"#.to_owned();
    let allow = stmt("Allow", "*", "*");
    let with = |levels: &[&[&str]]| Set::new().owner(ACCT).id(&allow).rcp(levels);
    check(
        RCP,
        &with(&[&[&full], &[&full]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // A level without RCPFullAWSAccess: implicit deny.
    check(
        RCP,
        &with(&[&[&full], &[&customer_deny]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &Context::new().with("aws:PrincipalOrgID", "o-123"),
        I,
    );
    // The customer Deny applies to callers outside the organization.
    check(
        RCP,
        &with(&[&[&full, &customer_deny]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &Context::new().with("aws:PrincipalOrgID", "o-999"),
        D,
    );
    check(
        RCP,
        &with(&[&[&full, &customer_deny]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &Context::new().with("aws:PrincipalOrgID", "o-123"),
        A,
    );
    // RCPs never grant.
    check(
        RCP,
        &Set::new().owner(ACCT).rcp(&[&[&full]]),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // RCPs apply to every caller of the resource, anonymous included.
    let public = Set::new().owner(ACCT).rcp(&[&[&full, &customer_deny]]).res(
        ResourcePolicyKind::Generic,
        &res_stmt("Allow", r#""*""#, GET, "*"),
    );
    check(RCP, &public, "anonymous", GET, BUCKET_OBJ, &no_ctx(), D);
}

#[test]
fn step4_resource_policy_grants_in_the_same_account() {
    let grant = |principal: &str| {
        Set::new().owner(ACCT).res(
            ResourcePolicyKind::Generic,
            &res_stmt("Allow", &format!(r#"{{"AWS":"{principal}"}}"#), GET, "*"),
        )
    };
    let deny_pb = stmt("Allow", "ec2:*", "*"); // a boundary that does not allow s3
    // A grant to the IAM user suffices alone: no identity policy, and boundary/session implicit
    // denies do not matter.
    check(LOGIC, &grant(ALICE), ALICE, GET, BUCKET_OBJ, &no_ctx(), A);
    check(
        BOUNDARY,
        &grant(ALICE).pb(&deny_pb),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // A grant to the role session ARN suffices alone.
    check(
        LOGIC,
        &grant(SESSION_ARN).pb(&deny_pb).session(&deny_pb),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // A grant to the federated user session suffices alone.
    check(
        LOGIC,
        &grant(FED).session(&deny_pb),
        FED,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // A grant to the role ARN: no identity policy needed, but the boundary and session policy apply.
    check(
        LOGIC,
        &grant(ROLE),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        BOUNDARY,
        &grant(ROLE).pb(&deny_pb),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    check(
        SESSION,
        &grant(ROLE).session(&deny_pb),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    check(
        SESSION,
        &grant(ROLE).session(&stmt("Allow", "s3:*", "*")),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // A grant to the account delegates: the identity policy must allow too.
    check(LOGIC, &grant(ACCT), ALICE, GET, BUCKET_OBJ, &no_ctx(), I);
    check(
        LOGIC,
        &grant("arn:aws:iam::111122223333:root"),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    check(
        LOGIC,
        &grant(ACCT).id(&stmt("Allow", GET, "*")),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // … and the boundary too.
    check(
        BOUNDARY,
        &grant(ACCT).id(&stmt("Allow", GET, "*")).pb(&deny_pb),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // A grant to someone else does not help.
    check(
        LOGIC,
        &grant("arn:aws:iam::111122223333:user/mallory"),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
}

#[test]
fn step4_role_trust_and_kms_key_policies_must_always_allow() {
    let role_arn = "arn:aws:iam::111122223333:role/Target";
    let id_allow = stmt("Allow", "sts:AssumeRole", "*");
    let trust = |principal: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}]}}"#
        )
    };
    // Identity policy alone is not enough for a role trust policy that does not name the caller.
    let t = Set::new().id(&id_allow).res(
        ResourcePolicyKind::RoleTrust,
        &trust(r#"{"Service":"ec2.amazonaws.com"}"#),
    );
    check(TRUST, &t, ALICE, "sts:AssumeRole", role_arn, &no_ctx(), I);
    // Trust naming the user: allowed without an identity policy.
    let t = Set::new().res(
        ResourcePolicyKind::RoleTrust,
        &trust(&format!(r#"{{"AWS":"{ALICE}"}}"#)),
    );
    check(TRUST, &t, ALICE, "sts:AssumeRole", role_arn, &no_ctx(), A);
    // Trust naming the account: the identity policy must allow too.
    let t = Set::new().res(
        ResourcePolicyKind::RoleTrust,
        &trust(r#"{"AWS":"111122223333"}"#),
    );
    check(TRUST, &t, ALICE, "sts:AssumeRole", role_arn, &no_ctx(), I);
    let t = t.id(&id_allow);
    check(TRUST, &t, ALICE, "sts:AssumeRole", role_arn, &no_ctx(), A);
    // No trust policy at all: never.
    let mut no_trust = Set::new().id(&id_allow);
    no_trust.s.resource_kind = ResourcePolicyKind::RoleTrust;
    check(
        TRUST,
        &no_trust,
        ALICE,
        "sts:AssumeRole",
        role_arn,
        &no_ctx(),
        I,
    );
    // Web identity federation: only the trust policy decides.
    let t = Set::new().res(
        ResourcePolicyKind::RoleTrust,
        &trust(r#"{"Federated":"cognito-identity.amazonaws.com"}"#),
    );
    check(
        TRUST,
        &t,
        "federated:cognito-identity.amazonaws.com",
        "sts:AssumeRole",
        role_arn,
        &no_ctx(),
        A,
    );
    check(
        TRUST,
        &t,
        "federated:accounts.google.com",
        "sts:AssumeRole",
        role_arn,
        &no_ctx(),
        I,
    );

    // KMS: the default key policy names the account root, which enables IAM policies.
    let key = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    let default_policy = res_stmt(
        "Allow",
        r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
        "kms:*",
        "*",
    );
    let k = Set::new().res(ResourcePolicyKind::KmsKey, &default_policy);
    check(KMS, &k, ALICE, "kms:Decrypt", key, &no_ctx(), I);
    check(
        KMS,
        &k.id(&stmt("Allow", "kms:Decrypt", "*")),
        ALICE,
        "kms:Decrypt",
        key,
        &no_ctx(),
        A,
    );
    // A key policy that does not name the account: IAM policies alone do nothing.
    let k = Set::new().id(&stmt("Allow", "kms:*", "*")).res(
        ResourcePolicyKind::KmsKey,
        &res_stmt(
            "Allow",
            r#"{"AWS":"arn:aws:iam::111122223333:user/admin"}"#,
            "kms:*",
            "*",
        ),
    );
    check(KMS, &k, ALICE, "kms:Decrypt", key, &no_ctx(), I);
    check(
        KMS,
        &k,
        "arn:aws:iam::111122223333:user/admin",
        "kms:Decrypt",
        key,
        &no_ctx(),
        A,
    );
}

#[test]
fn steps5_to_7_identity_boundary_session_intersect() {
    let s3 = stmt("Allow", "s3:*", "*");
    let get = stmt("Allow", GET, "*");
    let ec2 = stmt("Allow", "ec2:*", "*");
    // 5: identity policy needed.
    check(
        LOGIC,
        &Set::new().owner(ACCT).id(&get),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        LOGIC,
        &Set::new().owner(ACCT).id(&ec2),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // 6: boundary must also allow; it never grants alone.
    check(
        BOUNDARY,
        &Set::new().owner(ACCT).id(&s3).pb(&get),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        BOUNDARY,
        &Set::new().owner(ACCT).id(&s3).pb(&ec2),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    check(
        BOUNDARY,
        &Set::new().owner(ACCT).pb(&s3),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // 7: session policy must also allow.
    check(
        SESSION,
        &Set::new().owner(ACCT).id(&s3).session(&get),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        SESSION,
        &Set::new().owner(ACCT).id(&s3).session(&ec2),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    check(
        SESSION,
        &Set::new().owner(ACCT).session(&s3),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
}

#[test]
fn cross_account_needs_both_sides() {
    let id = stmt("Allow", GET, "*");
    let names_bob = res_stmt("Allow", &format!(r#"{{"AWS":"{BOB_X}"}}"#), GET, "*");
    let names_acct = res_stmt("Allow", r#"{"AWS":"444455556666"}"#, GET, "*");
    let generic = ResourcePolicyKind::Generic;
    // Resource in 111122223333, caller bob in 444455556666.
    check(
        CROSS,
        &Set::new().owner(ACCT).id(&id),
        BOB_X,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    check(
        CROSS,
        &Set::new().owner(ACCT).res(generic, &names_bob),
        BOB_X,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    check(
        CROSS,
        &Set::new().owner(ACCT).id(&id).res(generic, &names_bob),
        BOB_X,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        CROSS,
        &Set::new().owner(ACCT).id(&id).res(generic, &names_acct),
        BOB_X,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // The boundary of the caller still applies.
    check(
        CROSS,
        &Set::new()
            .owner(ACCT)
            .id(&id)
            .pb(&stmt("Allow", "ec2:*", "*"))
            .res(generic, &names_bob),
        BOB_X,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // A resource policy naming a different account does not help.
    check(
        CROSS,
        &Set::new().owner(ACCT).id(&id).res(
            generic,
            &res_stmt("Allow", r#"{"AWS":"999988887777"}"#, GET, "*"),
        ),
        BOB_X,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // The owner comes from the resource ARN when it carries an account.
    let queue = "arn:aws:sqs:us-east-1:444455556666:q";
    check(
        CROSS,
        &Set::new().id(&stmt("Allow", "sqs:*", "*")),
        BOB_X,
        "sqs:SendMessage",
        queue,
        &no_ctx(),
        A,
    );
    check(
        CROSS,
        &Set::new().id(&stmt("Allow", "sqs:*", "*")),
        ALICE,
        "sqs:SendMessage",
        queue,
        &no_ctx(),
        I,
    );
}

#[test]
fn anonymous_only_via_star_principal() {
    let generic = ResourcePolicyKind::Generic;
    check(
        PRINCIPAL,
        &Set::new()
            .owner(ACCT)
            .res(generic, &res_stmt("Allow", r#""*""#, GET, "*")),
        "anonymous",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &Set::new()
            .owner(ACCT)
            .res(generic, &res_stmt("Allow", r#"{"AWS":"*"}"#, GET, "*")),
        "anonymous",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &Set::new().owner(ACCT).res(
            generic,
            &res_stmt("Allow", r#"{"AWS":"111122223333"}"#, GET, "*"),
        ),
        "anonymous",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // Identity policies do not exist for anonymous callers.
    check(
        LOGIC,
        &Set::new().owner(ACCT).id(&stmt("Allow", "*", "*")),
        "anonymous",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // Service principals are granted by name.
    let svc = res_stmt(
        "Allow",
        r#"{"Service":"cloudtrail.amazonaws.com"}"#,
        "s3:PutObject",
        "*",
    );
    check(
        PRINCIPAL,
        &Set::new().owner(ACCT).res(generic, &svc),
        "service:cloudtrail.amazonaws.com",
        "s3:PutObject",
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &Set::new().owner(ACCT).res(generic, &svc),
        "service:config.amazonaws.com",
        "s3:PutObject",
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
}

// ───────────────────────────── §7.2 statement matching ─────────────────────────────

#[test]
fn effect_must_be_allow_or_deny() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_effect.html
    for bad in ["allow", "Permit", "DENY"] {
        let src = stmt(bad, "*", "*");
        let errs = PolicyDocument::parse("p", &src).err().unwrap_or_default();
        assert!(
            errs.iter().any(|d| d.code == "INVALID_EFFECT"),
            "{bad}: {errs:?}"
        );
    }
}

#[test]
fn action_matching() {
    let set = |a: &str| Set::new().owner(ACCT).id(&stmt("Allow", a, "*"));
    // Case-insensitive.
    check(
        ACTION,
        &set("S3:getobject"),
        ALICE,
        "s3:GetObject",
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        ACTION,
        &set("s3:GetObject"),
        ALICE,
        "S3:GETOBJECT",
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // Wildcards anywhere.
    check(
        ACTION,
        &set("iam:*AccessKey*"),
        ALICE,
        "iam:CreateAccessKey",
        "*",
        &no_ctx(),
        A,
    );
    check(
        ACTION,
        &set("iam:*AccessKey*"),
        ALICE,
        "iam:ListAccessKeys",
        "*",
        &no_ctx(),
        A,
    );
    check(
        ACTION,
        &set("iam:*AccessKey*"),
        ALICE,
        "iam:CreateUser",
        "*",
        &no_ctx(),
        I,
    );
    check(
        ACTION,
        &set("s3:Get?bject"),
        ALICE,
        "s3:GetObject",
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        ACTION,
        &set("*"),
        ALICE,
        "ec2:RunInstances",
        "*",
        &no_ctx(),
        A,
    );
    check(
        ACTION,
        &set("s3:*"),
        ALICE,
        "s3express:CreateSession",
        "*",
        &no_ctx(),
        I,
    );
    // NotAction: everything else, in every service.
    let not = Set::new().owner(ACCT).id(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#);
    check(
        NOTACTION,
        &not,
        ALICE,
        "ec2:RunInstances",
        "*",
        &no_ctx(),
        A,
    );
    check(NOTACTION, &not, ALICE, "IAM:CreateUser", "*", &no_ctx(), I);
    // Deny + NotAction denies everything else.
    let deny_not = Set::new()
        .owner(ACCT)
        .id(&stmt("Allow", "*", "*"))
        .id(r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":["s3:*","sts:*"],"Resource":"*"}}"#);
    check(
        NOTACTION,
        &deny_not,
        ALICE,
        "ec2:RunInstances",
        "*",
        &no_ctx(),
        D,
    );
    check(NOTACTION, &deny_not, ALICE, GET, BUCKET_OBJ, &no_ctx(), A);
}

#[test]
fn resource_matching() {
    let set = |r: &str| Set::new().owner(ACCT).id(&stmt("Allow", "*", r));
    // Case-sensitive.
    check(
        RESOURCE,
        &set("arn:aws:s3:::bucket/key"),
        ALICE,
        GET,
        "arn:aws:s3:::bucket/key",
        &no_ctx(),
        A,
    );
    check(
        RESOURCE,
        &set("arn:aws:s3:::Bucket/key"),
        ALICE,
        GET,
        "arn:aws:s3:::bucket/key",
        &no_ctx(),
        I,
    );
    check(
        RESOURCE,
        &set("arn:aws:iam::111122223333:user/Bob"),
        ALICE,
        "iam:GetUser",
        "arn:aws:iam::111122223333:user/bob",
        &no_ctx(),
        I,
    );
    // `*` expands across `/` within a segment.
    check(
        RESOURCE,
        &set("arn:aws:s3:::bucket/*"),
        ALICE,
        GET,
        "arn:aws:s3:::bucket/a/b/c",
        &no_ctx(),
        A,
    );
    check(
        RESOURCE,
        &set("arn:aws:s3:::bucket/*"),
        ALICE,
        GET,
        "arn:aws:s3:::bucket2/a",
        &no_ctx(),
        I,
    );
    check(
        RESOURCE,
        &set("arn:aws:iam::111122223333:user/accounting/*"),
        ALICE,
        "iam:GetUser",
        "arn:aws:iam::111122223333:user/accounting/x",
        &no_ctx(),
        A,
    );
    // A trailing `*` of a segment crosses colons; one inside a segment does not.
    check(
        RESOURCE,
        &set("arn:aws:logs:*:*:log-group:app*"),
        ALICE,
        "logs:PutLogEvents",
        "arn:aws:logs:us-east-1:111122223333:log-group:app1:log-stream:s",
        &no_ctx(),
        A,
    );
    check(
        RESOURCE,
        &set("arn:aws:s3:::b/a*z"),
        ALICE,
        GET,
        "arn:aws:s3:::b/a:z",
        &no_ctx(),
        I,
    );
    check(
        RESOURCE,
        &set("arn:aws:s3:::b/a?c"),
        ALICE,
        GET,
        "arn:aws:s3:::b/abc",
        &no_ctx(),
        A,
    );
    // Variables in the resource (Version 2012-10-17 only).
    let home = Set::new().owner(ACCT).id(&stmt(
        "Allow",
        "s3:*",
        "arn:aws:s3:::bucket/home/${aws:username}/*",
    ));
    let ctx = Context::new().with("aws:username", "alice");
    check(
        VARS,
        &home,
        ALICE,
        GET,
        "arn:aws:s3:::bucket/home/alice/f",
        &ctx,
        A,
    );
    check(
        VARS,
        &home,
        ALICE,
        GET,
        "arn:aws:s3:::bucket/home/bob/f",
        &ctx,
        I,
    );
    check(
        VARS,
        &home,
        ALICE,
        GET,
        "arn:aws:s3:::bucket/home/alice/f",
        &no_ctx(),
        I,
    );
    let v2008 = Set::new().owner(ACCT).id(r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::bucket/${aws:username}"}}"#);
    check(
        VARS,
        &v2008,
        ALICE,
        GET,
        "arn:aws:s3:::bucket/alice",
        &ctx,
        I,
    );
    check(
        VARS,
        &v2008,
        ALICE,
        GET,
        "arn:aws:s3:::bucket/${aws:username}",
        &ctx,
        A,
    );
    // NotResource.
    let not = Set::new().owner(ACCT).id(r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","NotResource":"arn:aws:s3:::secret/*"}}"#);
    check(
        NOTRESOURCE,
        &not,
        ALICE,
        GET,
        "arn:aws:s3:::public/x",
        &no_ctx(),
        A,
    );
    check(
        NOTRESOURCE,
        &not,
        ALICE,
        GET,
        "arn:aws:s3:::secret/x",
        &no_ctx(),
        I,
    );
}

#[test]
fn principal_matching() {
    let generic = ResourcePolicyKind::Generic;
    let grant = |p: &str| {
        Set::new()
            .owner(ACCT)
            .res(generic, &res_stmt("Allow", p, GET, "*"))
    };
    let grant_id = |p: &str| grant(p).id(&stmt("Allow", GET, "*"));
    // "*" ≡ {"AWS":"*"}: everyone, anonymous included.
    for p in [r#""*""#, r#"{"AWS":"*"}"#] {
        check(PRINCIPAL, &grant(p), ALICE, GET, BUCKET_OBJ, &no_ctx(), A);
        check(
            PRINCIPAL,
            &grant(p),
            "anonymous",
            GET,
            BUCKET_OBJ,
            &no_ctx(),
            A,
        );
        check(
            PRINCIPAL,
            &grant(p).id(&stmt("Allow", GET, "*")),
            BOB_X,
            GET,
            BUCKET_OBJ,
            &no_ctx(),
            A,
        );
    }
    // Account id ≡ root ARN = any principal of the account (after delegation).
    for p in [
        r#"{"AWS":"111122223333"}"#,
        r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
    ] {
        check(
            PRINCIPAL,
            &grant_id(p),
            ALICE,
            GET,
            BUCKET_OBJ,
            &no_ctx(),
            A,
        );
        check(
            PRINCIPAL,
            &grant_id(p),
            SESSION_ARN,
            GET,
            BUCKET_OBJ,
            &no_ctx(),
            A,
        );
        check(
            PRINCIPAL,
            &grant_id(p),
            BOB_X,
            GET,
            BUCKET_OBJ,
            &no_ctx(),
            I,
        );
    }
    // User ARNs: exact, the name part case-sensitive.
    check(
        PRINCIPAL,
        &grant(&format!(r#"{{"AWS":"{ALICE}"}}"#)),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &grant(r#"{"AWS":"arn:aws:iam::111122223333:user/Alice"}"#),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // No partial wildcards in principal ARNs.
    check(
        PRINCIPAL,
        &grant(r#"{"AWS":"arn:aws:iam::111122223333:user/*"}"#),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // A role ARN matches the role's sessions (with or without a path in the policy).
    check(
        PRINCIPAL,
        &grant(&format!(r#"{{"AWS":"{ROLE}"}}"#)),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &grant(r#"{"AWS":"arn:aws:iam::111122223333:role/Other"}"#),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // A session ARN matches only that session.
    check(
        PRINCIPAL,
        &grant(&format!(r#"{{"AWS":"{SESSION_ARN}"}}"#)),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &grant(&format!(r#"{{"AWS":"{SESSION_ARN}"}}"#)),
        "arn:aws:sts::111122223333:assumed-role/Builder/s2",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
    // Service, Federated, CanonicalUser.
    check(
        PRINCIPAL,
        &grant(r#"{"Service":["ec2.amazonaws.com","lambda.amazonaws.com"]}"#),
        "service:lambda.amazonaws.com",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &grant(r#"{"Federated":"arn:aws:iam::111122223333:saml-provider/idp"}"#),
        "federated:arn:aws:iam::111122223333:saml-provider/idp",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &grant(r#"{"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"}"#),
        "canonical:79a59df900b949e55d96a1e698fbaced",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        PRINCIPAL,
        &grant(r#"{"CanonicalUser":"79a59df900b949e55d96a1e698fbaced"}"#),
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        I,
    );
}

#[test]
fn not_principal_star_names_everyone() {
    // `"*"` is the same as `{"AWS": "*"}` (reference_policies_elements_principal.html), so a
    // `NotPrincipal` of either spelling lists every principal and its statement applies to no one:
    // the Allow grants nothing, and the Deny denies nobody.
    let generic = ResourcePolicyKind::Generic;
    for not_principal in [r#""*""#, r#"{"AWS":"*"}"#] {
        let allow = Set::new().owner(ACCT).res(
            generic,
            &format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","NotPrincipal":{not_principal},"Action":"s3:GetObject","Resource":"*"}}}}"#
            ),
        );
        check(
            PRINCIPAL,
            &allow,
            "anonymous",
            GET,
            BUCKET_OBJ,
            &no_ctx(),
            I,
        );
        let deny = Set::new().owner(ACCT).res(
            generic,
            &format!(
                r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"}},{{"Effect":"Deny","NotPrincipal":{not_principal},"Action":"s3:GetObject","Resource":"*"}}]}}"#
            ),
        );
        check(PRINCIPAL, &deny, "anonymous", GET, BUCKET_OBJ, &no_ctx(), A);
    }
}

#[test]
fn not_principal() {
    let generic = ResourcePolicyKind::Generic;
    // Allow + NotPrincipal grants everyone else, anonymous included.
    let allow_not = Set::new().owner(ACCT).res(
        generic,
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotPrincipal":{"AWS":"arn:aws:iam::444455556666:user/bob"},"Action":"s3:GetObject","Resource":"*"}}"#,
    );
    check(
        NOTPRINCIPAL,
        &allow_not,
        "anonymous",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(
        NOTPRINCIPAL,
        &allow_not,
        ALICE,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    // Deny + NotPrincipal listing the session, the role and the account exempts that session only.
    let allow_all = res_stmt("Allow", r#""*""#, "s3:*", "*");
    let deny_not = |list: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{},{{"Effect":"Deny","NotPrincipal":{{"AWS":{list}}},"Action":"s3:*","Resource":"*"}}]}}"#,
            allow_all
                .trim_start_matches(r#"{"Version":"2012-10-17","Statement":["#)
                .trim_end_matches("]}")
        )
    };
    let full = deny_not(&format!(
        r#"["{SESSION_ARN}","{ROLE}","arn:aws:iam::111122223333:root"]"#
    ));
    let set = Set::new().owner(ACCT).res(generic, &full);
    check(
        NOTPRINCIPAL,
        &set,
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        A,
    );
    check(NOTPRINCIPAL, &set, ALICE, GET, BUCKET_OBJ, &no_ctx(), D);
    check(
        NOTPRINCIPAL,
        &set,
        "anonymous",
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
    // Without the account ARN, the Deny applies to the session too (its account layer is not listed).
    let partial = deny_not(&format!(r#"["{SESSION_ARN}","{ROLE}"]"#));
    check(
        NOTPRINCIPAL,
        &Set::new().owner(ACCT).res(generic, &partial),
        SESSION_ARN,
        GET,
        BUCKET_OBJ,
        &no_ctx(),
        D,
    );
}

#[test]
fn condition_block_logic() {
    let set = |c: &str| Set::new().owner(ACCT).id(&cond(c));
    // Operators AND, keys AND, values OR.
    let c = r#"{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"],"s3:prefix":"home/"},"Bool":{"aws:SecureTransport":"true"}}"#;
    let ok = Context::new()
        .with("aws:RequestedRegion", "eu-west-1")
        .with("s3:prefix", "home/")
        .with("aws:SecureTransport", "true");
    check(MULTI, &set(c), ALICE, GET, "*", &ok, A);
    check(
        MULTI,
        &set(c),
        ALICE,
        GET,
        "*",
        &ok.clone().with("aws:RequestedRegion", "ap-south-1"),
        I,
    );
    check(
        MULTI,
        &set(c),
        ALICE,
        GET,
        "*",
        &ok.clone().with("s3:prefix", "other/"),
        I,
    );
    check(
        MULTI,
        &set(c),
        ALICE,
        GET,
        "*",
        &ok.clone().with("aws:SecureTransport", "false"),
        I,
    );
    // Negated operator with several values: NOR.
    let n = r#"{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}"#;
    check(
        MULTI,
        &set(n),
        ALICE,
        GET,
        "*",
        &Context::new().with("aws:RequestedRegion", "eu-west-1"),
        I,
    );
    check(
        MULTI,
        &set(n),
        ALICE,
        GET,
        "*",
        &Context::new().with("aws:RequestedRegion", "ap-south-1"),
        A,
    );
    // Key names are case-insensitive (both in the policy and in the context).
    check(
        CONDITION,
        &set(r#"{"StringEquals":{"AWS:RequestedRegion":"us-east-1"}}"#),
        ALICE,
        GET,
        "*",
        &Context::new().with("aws:requestedregion", "us-east-1"),
        A,
    );
}

// ───────────────────────────── §7.3 condition operators and missing keys ─────────────────────────────

#[test]
fn missing_keys() {
    let set = |c: &str| Set::new().owner(ACCT).id(&cond(c));
    let none = no_ctx();
    // Positive operators: false when the key is absent.
    for c in [
        r#"{"StringEquals":{"k:x":"a"}}"#,
        r#"{"StringLike":{"k:x":"*"}}"#,
        r#"{"NumericLessThan":{"k:x":"5"}}"#,
        r#"{"DateGreaterThan":{"k:x":"2020-01-01T00:00:00Z"}}"#,
        r#"{"Bool":{"k:x":"false"}}"#,
        r#"{"BinaryEquals":{"k:x":"aGVsbG8="}}"#,
        r#"{"IpAddress":{"k:x":"0.0.0.0/0"}}"#,
        r#"{"ArnLike":{"k:x":"*"}}"#,
        r#"{"ArnEquals":{"k:x":"arn:aws:s3:::b"}}"#,
    ] {
        check(OPS, &set(c), ALICE, GET, "*", &none, I);
    }
    // Negated operators: true when the key is absent.
    for c in [
        r#"{"StringNotEquals":{"k:x":"a"}}"#,
        r#"{"StringNotLike":{"k:x":"*"}}"#,
        r#"{"NumericNotEquals":{"k:x":"5"}}"#,
        r#"{"DateNotEquals":{"k:x":"2020-01-01T00:00:00Z"}}"#,
        r#"{"NotIpAddress":{"k:x":"0.0.0.0/0"}}"#,
        r#"{"ArnNotLike":{"k:x":"*"}}"#,
        r#"{"ArnNotEquals":{"k:x":"arn:aws:s3:::b"}}"#,
        r#"{"StringNotEqualsIgnoreCase":{"k:x":"a"}}"#,
    ] {
        check(OPS, &set(c), ALICE, GET, "*", &none, A);
    }
    // …IfExists: true when absent; the normal test when present.
    for c in [
        r#"{"StringEqualsIfExists":{"k:x":"a"}}"#,
        r#"{"NumericLessThanIfExists":{"k:x":"5"}}"#,
        r#"{"IpAddressIfExists":{"k:x":"10.0.0.0/8"}}"#,
        r#"{"ForAnyValue:StringEqualsIfExists":{"k:x":"a"}}"#,
    ] {
        check(OPS, &set(c), ALICE, GET, "*", &none, A);
    }
    check(
        OPS,
        &set(r#"{"StringEqualsIfExists":{"k:x":"a"}}"#),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:x", "b"),
        I,
    );
    check(
        OPS,
        &set(r#"{"StringEqualsIfExists":{"k:x":"a"}}"#),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:x", "a"),
        A,
    );
    check(
        OPS,
        &set(r#"{"IpAddressIfExists":{"k:x":"10.0.0.0/8"}}"#),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:x", "192.0.2.1"),
        I,
    );
    // Null: "true" iff absent, "false" iff present.
    let present = Context::new().with("k:x", "v");
    check(
        OPS,
        &set(r#"{"Null":{"k:x":"true"}}"#),
        ALICE,
        GET,
        "*",
        &none,
        A,
    );
    check(
        OPS,
        &set(r#"{"Null":{"k:x":"true"}}"#),
        ALICE,
        GET,
        "*",
        &present,
        I,
    );
    check(
        OPS,
        &set(r#"{"Null":{"k:x":"false"}}"#),
        ALICE,
        GET,
        "*",
        &none,
        I,
    );
    check(
        OPS,
        &set(r#"{"Null":{"k:x":"false"}}"#),
        ALICE,
        GET,
        "*",
        &present,
        A,
    );
    check(
        OPS,
        &set(r#"{"Null":{"k:x":true}}"#),
        ALICE,
        GET,
        "*",
        &none,
        A,
    );
    // The missing keys are reported.
    let s = set(r#"{"StringEquals":{"k:x":"a"},"StringNotEquals":{"k:y":"b"}}"#);
    let got = eval_request(
        &s.s,
        &Request::new(caller(ALICE), GET, "*", Context::new().with("k:y", "c")),
    );
    assert_eq!(got.missing_context, vec!["k:x".to_owned()], "{OPS}");
}

#[test]
fn set_qualifiers() {
    let set = |c: &str| Set::new().owner(ACCT).id(&cond(c));
    let tags = |v: &[&str]| Context::new().with_list("aws:TagKeys", ContextKeyType::StringList, v);
    let all = r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["env","team"]}}"#;
    check(SETS, &set(all), ALICE, GET, "*", &tags(&["env"]), A);
    check(SETS, &set(all), ALICE, GET, "*", &tags(&["env", "team"]), A);
    check(SETS, &set(all), ALICE, GET, "*", &tags(&["env", "cost"]), I);
    // ForAllValues is true when the key is absent or empty.
    check(SETS, &set(all), ALICE, GET, "*", &no_ctx(), A);
    check(SETS, &set(all), ALICE, GET, "*", &tags(&[]), A);
    let any = r#"{"ForAnyValue:StringEquals":{"aws:TagKeys":["env","team"]}}"#;
    check(
        SETS,
        &set(any),
        ALICE,
        GET,
        "*",
        &tags(&["cost", "team"]),
        A,
    );
    check(SETS, &set(any), ALICE, GET, "*", &tags(&["cost"]), I);
    // ForAnyValue is false when the key is absent or empty.
    check(SETS, &set(any), ALICE, GET, "*", &no_ctx(), I);
    check(SETS, &set(any), ALICE, GET, "*", &tags(&[]), I);
    // Negated operators under qualifiers: ForAllValues:StringNotEquals = no request value is listed.
    let all_not = r#"{"ForAllValues:StringNotEquals":{"aws:TagKeys":["secret"]}}"#;
    check(
        SETS,
        &set(all_not),
        ALICE,
        GET,
        "*",
        &tags(&["env", "team"]),
        A,
    );
    check(
        SETS,
        &set(all_not),
        ALICE,
        GET,
        "*",
        &tags(&["env", "secret"]),
        I,
    );
    // ForAnyValue:StringNotEquals = some request value is not listed.
    let any_not = r#"{"ForAnyValue:StringNotEquals":{"aws:TagKeys":["env"]}}"#;
    check(SETS, &set(any_not), ALICE, GET, "*", &tags(&["env"]), I);
    check(
        SETS,
        &set(any_not),
        ALICE,
        GET,
        "*",
        &tags(&["env", "x"]),
        A,
    );
    // ForAnyValue with StringLike.
    check(
        SETS,
        &set(r#"{"ForAnyValue:StringLike":{"aws:TagKeys":"cost*"}}"#),
        ALICE,
        GET,
        "*",
        &tags(&["env", "costcenter"]),
        A,
    );
    // Multi-valued key with an unqualified operator: some value must match (positive), none (negated).
    let orgs = |v: &[&str]| {
        Context::new().with_list("aws:PrincipalOrgPaths", ContextKeyType::StringList, v)
    };
    check(
        SETS,
        &set(r#"{"StringLike":{"aws:PrincipalOrgPaths":"o-1/r-1/ou-a/*"}}"#),
        ALICE,
        GET,
        "*",
        &orgs(&["o-1/r-1/ou-b/", "o-1/r-1/ou-a/"]),
        A,
    );
    check(
        SETS,
        &set(r#"{"StringNotLike":{"aws:PrincipalOrgPaths":"o-1/r-1/ou-a/*"}}"#),
        ALICE,
        GET,
        "*",
        &orgs(&["o-1/r-1/ou-b/", "o-1/r-1/ou-a/"]),
        I,
    );
}

#[test]
fn string_operators() {
    let set = |c: &str| Set::new().owner(ACCT).id(&cond(c));
    let v = |s: &str| Context::new().with("k:x", s);
    check(
        OPS,
        &set(r#"{"StringEquals":{"k:x":"Prod"}}"#),
        ALICE,
        GET,
        "*",
        &v("Prod"),
        A,
    );
    check(
        OPS,
        &set(r#"{"StringEquals":{"k:x":"Prod"}}"#),
        ALICE,
        GET,
        "*",
        &v("prod"),
        I,
    );
    check(
        OPS,
        &set(r#"{"StringEquals":{"k:x":"P*"}}"#),
        ALICE,
        GET,
        "*",
        &v("Prod"),
        I,
    );
    check(
        OPS,
        &set(r#"{"StringEqualsIgnoreCase":{"k:x":"Prod"}}"#),
        ALICE,
        GET,
        "*",
        &v("pROD"),
        A,
    );
    check(
        OPS,
        &set(r#"{"StringNotEqualsIgnoreCase":{"k:x":"Prod"}}"#),
        ALICE,
        GET,
        "*",
        &v("pROD"),
        I,
    );
    check(
        OPS,
        &set(r#"{"StringNotEquals":{"k:x":"Prod"}}"#),
        ALICE,
        GET,
        "*",
        &v("prod"),
        A,
    );
    check(
        OPS,
        &set(r#"{"StringLike":{"k:x":"home/*/d?c"}}"#),
        ALICE,
        GET,
        "*",
        &v("home/alice/doc"),
        A,
    );
    check(
        OPS,
        &set(r#"{"StringLike":{"k:x":"home/*"}}"#),
        ALICE,
        GET,
        "*",
        &v("HOME/alice"),
        I,
    );
    check(
        OPS,
        &set(r#"{"StringNotLike":{"k:x":"home/*"}}"#),
        ALICE,
        GET,
        "*",
        &v("tmp/x"),
        A,
    );
}

#[test]
fn arn_operators() {
    let set = |c: &str| Set::new().owner(ACCT).id(&cond(c));
    let v = |s: &str| Context::new().with("aws:SourceArn", s);
    let like = r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic-*"}}"#;
    check(
        OPS,
        &set(like),
        ALICE,
        GET,
        "*",
        &v("arn:aws:sns:us-east-1:111122223333:topic-a"),
        A,
    );
    check(
        OPS,
        &set(like),
        ALICE,
        GET,
        "*",
        &v("arn:aws:sns:us-east-1:444455556666:topic-a"),
        I,
    );
    // Each of the six components is matched separately: `*` in the region cannot swallow colons.
    check(
        OPS,
        &set(r#"{"ArnLike":{"aws:SourceArn":"arn:aws:sns:*:topic"}}"#),
        ALICE,
        GET,
        "*",
        &v("arn:aws:sns:us-east-1:111122223333:topic"),
        I,
    );
    // ArnEquals behaves as ArnLike.
    check(
        OPS,
        &set(r#"{"ArnEquals":{"aws:SourceArn":"arn:aws:sns:*:111122223333:topic-a"}}"#),
        ALICE,
        GET,
        "*",
        &v("arn:aws:sns:us-east-1:111122223333:topic-a"),
        A,
    );
    check(
        OPS,
        &set(r#"{"ArnNotLike":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#),
        ALICE,
        GET,
        "*",
        &v("arn:aws:sns:us-east-1:444455556666:t"),
        A,
    );
    check(
        OPS,
        &set(r#"{"ArnNotEquals":{"aws:SourceArn":"arn:aws:sns:*:111122223333:*"}}"#),
        ALICE,
        GET,
        "*",
        &v("arn:aws:sns:us-east-1:111122223333:t"),
        I,
    );
    // Not an ARN: no match.
    check(OPS, &set(like), ALICE, GET, "*", &v("topic-a"), I);
}

#[test]
fn numeric_date_bool_binary_ip() {
    let set = |c: &str| Set::new().owner(ACCT).id(&cond(c));
    let v = |s: &str| Context::new().with("k:x", s);
    // Numeric: integers and decimals.
    check(
        OPS,
        &set(r#"{"NumericLessThan":{"k:x":"10"}}"#),
        ALICE,
        GET,
        "*",
        &v("9.99"),
        A,
    );
    check(
        OPS,
        &set(r#"{"NumericLessThan":{"k:x":"10"}}"#),
        ALICE,
        GET,
        "*",
        &v("10"),
        I,
    );
    check(
        OPS,
        &set(r#"{"NumericLessThanEquals":{"k:x":"10"}}"#),
        ALICE,
        GET,
        "*",
        &v("10.0"),
        A,
    );
    check(
        OPS,
        &set(r#"{"NumericEquals":{"k:x":"0.5"}}"#),
        ALICE,
        GET,
        "*",
        &v(".50"),
        A,
    );
    check(
        OPS,
        &set(r#"{"NumericGreaterThan":{"k:x":"-1"}}"#),
        ALICE,
        GET,
        "*",
        &v("0"),
        A,
    );
    check(
        OPS,
        &set(r#"{"NumericGreaterThanEquals":{"k:x":"3"}}"#),
        ALICE,
        GET,
        "*",
        &v("2"),
        I,
    );
    check(
        OPS,
        &set(r#"{"NumericNotEquals":{"k:x":"3"}}"#),
        ALICE,
        GET,
        "*",
        &v("3"),
        I,
    );
    check(
        OPS,
        &set(r#"{"NumericEquals":{"k:x":10}}"#),
        ALICE,
        GET,
        "*",
        &v("10"),
        A,
    );
    check(
        OPS,
        &set(r#"{"NumericEquals":{"k:x":"10"}}"#),
        ALICE,
        GET,
        "*",
        &v("ten"),
        I,
    );
    // Dates: ISO 8601 and epoch seconds, in the policy and in the context; no wildcards.
    let after = r#"{"DateGreaterThan":{"aws:CurrentTime":"2018-08-16T12:00:00Z"}}"#;
    let t = |s: &str| Context::new().with("aws:CurrentTime", s);
    check(
        OPS,
        &set(after),
        ALICE,
        GET,
        "*",
        &t("2019-04-25T11:00:00Z"),
        A,
    );
    check(
        OPS,
        &set(after),
        ALICE,
        GET,
        "*",
        &t("2014-04-25T11:00:00Z"),
        I,
    );
    check(OPS, &set(after), ALICE, GET, "*", &t("1556190000"), A);
    check(
        OPS,
        &set(r#"{"DateLessThan":{"aws:CurrentTime":"1534420800"}}"#),
        ALICE,
        GET,
        "*",
        &t("2018-08-16T11:59:59Z"),
        A,
    );
    check(
        OPS,
        &set(r#"{"DateEquals":{"aws:CurrentTime":"2020-08-01T00:00:00Z"}}"#),
        ALICE,
        GET,
        "*",
        &t("1596240000"),
        A,
    );
    check(
        OPS,
        &set(r#"{"DateNotEquals":{"aws:CurrentTime":"2020-08-01T00:00:00Z"}}"#),
        ALICE,
        GET,
        "*",
        &t("2020-08-01T02:00:00+02:00"),
        I,
    );
    check(
        OPS,
        &set(r#"{"DateLessThanEquals":{"aws:CurrentTime":"2020-08-01"}}"#),
        ALICE,
        GET,
        "*",
        &t("2020-08-01T00:00:00Z"),
        A,
    );
    check(
        OPS,
        &set(r#"{"DateGreaterThanEquals":{"aws:CurrentTime":"2020-*"}}"#),
        ALICE,
        GET,
        "*",
        &t("2021-01-01T00:00:00Z"),
        I,
    );
    // Bool.
    let st = |s: &str| Context::new().with("aws:SecureTransport", s);
    check(
        OPS,
        &set(r#"{"Bool":{"aws:SecureTransport":"true"}}"#),
        ALICE,
        GET,
        "*",
        &st("true"),
        A,
    );
    check(
        OPS,
        &set(r#"{"Bool":{"aws:SecureTransport":"true"}}"#),
        ALICE,
        GET,
        "*",
        &st("false"),
        I,
    );
    check(
        OPS,
        &set(r#"{"Bool":{"aws:SecureTransport":false}}"#),
        ALICE,
        GET,
        "*",
        &st("false"),
        A,
    );
    check(
        OPS,
        &set(r#"{"Bool":{"aws:SecureTransport":"true"}}"#),
        ALICE,
        GET,
        "*",
        &st("yes"),
        I,
    );
    // BinaryEquals: base64 values compared as bytes.
    check(
        OPS,
        &set(r#"{"BinaryEquals":{"k:x":"aGVsbG8="}}"#),
        ALICE,
        GET,
        "*",
        &v("aGVsbG8="),
        A,
    );
    check(
        OPS,
        &set(r#"{"BinaryEquals":{"k:x":"aGVsbG8="}}"#),
        ALICE,
        GET,
        "*",
        &v("aGVsbG8"),
        A,
    );
    check(
        OPS,
        &set(r#"{"BinaryEquals":{"k:x":"aGVsbG8="}}"#),
        ALICE,
        GET,
        "*",
        &v("d29ybGQ="),
        I,
    );
    // IpAddress: IPv4 and IPv6 CIDRs; a single address means /32 or /128.
    let ip = |s: &str| Context::new().with("aws:SourceIp", s);
    let nets =
        r#"{"IpAddress":{"aws:SourceIp":["203.0.113.0/24","2001:db8::/32","198.51.100.7"]}}"#;
    check(OPS, &set(nets), ALICE, GET, "*", &ip("203.0.113.200"), A);
    check(OPS, &set(nets), ALICE, GET, "*", &ip("2001:db8:1234::1"), A);
    check(OPS, &set(nets), ALICE, GET, "*", &ip("198.51.100.7"), A);
    check(OPS, &set(nets), ALICE, GET, "*", &ip("198.51.100.8"), I);
    check(OPS, &set(nets), ALICE, GET, "*", &ip("2001:db9::1"), I);
    check(
        OPS,
        &set(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#),
        ALICE,
        GET,
        "*",
        &ip("192.0.2.1"),
        A,
    );
    check(
        OPS,
        &set(r#"{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}"#),
        ALICE,
        GET,
        "*",
        &ip("203.0.113.1"),
        I,
    );
    // aws:SourceIp is absent for requests through a VPC endpoint: IpAddress is false.
    check(
        OPS,
        &set(nets),
        ALICE,
        GET,
        "*",
        &Context::new().with("aws:SourceVpce", "vpce-1"),
        I,
    );
}

#[test]
fn policy_variables_in_conditions() {
    let set = |c: &str| Set::new().owner(ACCT).id(&cond(c));
    let c = r#"{"StringEquals":{"s3:prefix":"home/${aws:username}/"}}"#;
    let ctx = Context::new().with("aws:username", "alice");
    check(
        VARS,
        &set(c),
        ALICE,
        GET,
        "*",
        &ctx.clone().with("s3:prefix", "home/alice/"),
        A,
    );
    check(
        VARS,
        &set(c),
        ALICE,
        GET,
        "*",
        &ctx.clone().with("s3:prefix", "home/bob/"),
        I,
    );
    // Absent variable: a positive operator cannot match, a negated one matches.
    check(
        VARS,
        &set(c),
        ALICE,
        GET,
        "*",
        &Context::new().with("s3:prefix", "home//"),
        I,
    );
    let neg = r#"{"StringNotEquals":{"s3:prefix":"home/${aws:username}/"}}"#;
    check(
        VARS,
        &set(neg),
        ALICE,
        GET,
        "*",
        &Context::new().with("s3:prefix", "home/alice/"),
        A,
    );
    // A default value is used when the key is absent.
    let d =
        r#"{"StringEquals":{"aws:ResourceTag/team":"${aws:PrincipalTag/team, 'company-wide'}"}}"#;
    check(
        VARS,
        &set(d),
        ALICE,
        GET,
        "*",
        &Context::new().with("aws:ResourceTag/team", "company-wide"),
        A,
    );
    check(
        VARS,
        &set(d),
        ALICE,
        GET,
        "*",
        &Context::new()
            .with("aws:ResourceTag/team", "red")
            .with("aws:PrincipalTag/team", "red"),
        A,
    );
    // Escapes: ${*} is a literal star, even under StringLike.
    let e = r#"{"StringLike":{"k:x":"a${*}b"}}"#;
    check(
        VARS,
        &set(e),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:x", "a*b"),
        A,
    );
    check(
        VARS,
        &set(e),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:x", "axb"),
        I,
    );
    check(
        VARS,
        &set(r#"{"StringLike":{"k:x":"a${?}b${$}"}}"#),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:x", "a?b$"),
        A,
    );
    check(
        VARS,
        &set(r#"{"StringLike":{"k:x":"a${?}b"}}"#),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:x", "axb"),
        I,
    );
    // Variables are not substituted in Numeric (or Date, Bool, Binary, IP) values: the text stays
    // literal and is not a number, so nothing matches.
    check(
        VARS,
        &set(r#"{"NumericEquals":{"k:n":"${k:m}"}}"#),
        ALICE,
        GET,
        "*",
        &Context::new().with("k:n", "5").with("k:m", "5"),
        I,
    );
    // A substituted value is literal: a `*` in the tag value is not a wildcard.
    let w = r#"{"StringLike":{"k:x":"${aws:PrincipalTag/p}"}}"#;
    check(
        VARS,
        &set(w),
        ALICE,
        GET,
        "*",
        &Context::new()
            .with("aws:PrincipalTag/p", "*")
            .with("k:x", "abc"),
        I,
    );
    // Only under Version 2012-10-17.
    let old = Set::new().owner(ACCT).id(r#"{"Version":"2008-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"k:x":"${aws:username}"}}}}"#);
    check(
        VARS,
        &old,
        ALICE,
        GET,
        "*",
        &ctx.clone().with("k:x", "alice"),
        I,
    );
    check(
        VARS,
        &old,
        ALICE,
        GET,
        "*",
        &ctx.clone().with("k:x", "${aws:username}"),
        A,
    );
    // Multi-valued keys cannot be variables.
    let m = r#"{"StringEquals":{"k:x":"${aws:TagKeys}"}}"#;
    check(
        VARS,
        &set(m),
        ALICE,
        GET,
        "*",
        &Context::new()
            .with_list("aws:TagKeys", ContextKeyType::StringList, &["a", "b"])
            .with("k:x", "a"),
        I,
    );
}

#[test]
fn one_policy_alone() {
    use perimeter_iam::eval::eval_policy;
    // The per-policy verdict: a Deny statement wins inside the policy, then an Allow, else implicit.
    let p = doc(
        "p",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}"#,
    );
    let ask = |action: &str, resource_policy: bool| {
        eval_policy(
            &p,
            &Request::new(caller(ALICE), action, BUCKET_OBJ, no_ctx()),
            resource_policy,
        )
        .decision
    };
    assert_eq!(ask("s3:GetObject", false), A, "{LOGIC}");
    assert_eq!(ask("s3:DeleteObject", false), D, "{LOGIC}");
    assert_eq!(ask("ec2:RunInstances", false), I, "{LOGIC}");
    // As a resource policy, statements without a Principal apply to nobody.
    assert_eq!(ask("s3:GetObject", true), I, "{PRINCIPAL}");
}
