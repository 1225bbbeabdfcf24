//! Properties of the reference evaluator on random policies and requests (proptest):
//! - adding a Deny statement never turns a denied request into an allowed one;
//! - adding an Allow statement never turns an allowed request into a denied one (nor an explicit deny
//!   into anything else);
//! - the order of statements, of policies and of SCP/RCP levels never matters.
//!
//! These follow from the evaluation logic: "an explicit deny in any policy overrides any allow", and
//! every other step asks whether *some* statement allows
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html).

#![expect(
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test code: fixed vocabularies indexed by generated in-range indices; a generated policy that does not parse is a bug in the generator"
)]

use perimeter_iam::eval::{
    Caller, Context, ContextKeyType, Decision, Evaluation, PolicyDocument, PolicySet, Request,
    ResourcePolicyKind, eval_request,
};
use proptest::prelude::*;

// Broad patterns appear twice so that allowed requests are common.
const ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "s3:*",
    "s3:*",
    "*",
    "*",
    "ec2:*",
    "s3:Get*",
    "ec2:RunInstances",
];
const RESOURCES: &[&str] = &[
    "*",
    "*",
    "arn:aws:s3:::b/*",
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::c/*",
    "arn:aws:s3:::b/${aws:username}",
];
const PRINCIPALS: &[&str] = &[
    r#""*""#,
    r#"{"AWS":"111122223333"}"#,
    r#"{"AWS":"arn:aws:iam::111122223333:user/alice"}"#,
    r#"{"AWS":"arn:aws:iam::111122223333:role/R"}"#,
    r#"{"AWS":"arn:aws:sts::111122223333:assumed-role/R/s"}"#,
    r#"{"AWS":"444455556666"}"#,
    r#"{"Service":"x.amazonaws.com"}"#,
];
const CONDITIONS: &[&str] = &[
    r#"{"StringEquals":{"aws:username":"alice"}}"#,
    r#"{"Bool":{"aws:SecureTransport":"true"}}"#,
    r#"{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}"#,
    r#"{"ForAllValues:StringEquals":{"aws:TagKeys":["a","b"]}}"#,
    r#"{"ForAnyValue:StringLike":{"aws:TagKeys":"a*"}}"#,
    r#"{"StringNotEqualsIfExists":{"k:x":"v"}}"#,
    r#"{"Null":{"k:x":"true"}}"#,
    r#"{"NumericLessThan":{"k:n":"5"}}"#,
    r#"{"StringEquals":{"k:x":"${aws:username}"}}"#,
];
const CALLERS: &[&str] = &[
    "arn:aws:iam::111122223333:user/alice",
    "arn:aws:sts::111122223333:assumed-role/R/s",
    "arn:aws:iam::444455556666:user/bob",
    "arn:aws:iam::111122223333:root",
    "anonymous",
    "service",
];
const REQ_ACTIONS: &[&str] = &[
    "s3:GetObject",
    "s3:PutObject",
    "ec2:RunInstances",
    "S3:getobject",
];
const REQ_RESOURCES: &[&str] = &[
    "arn:aws:s3:::b/k",
    "arn:aws:s3:::b/alice",
    "arn:aws:s3:::c/x",
    "*",
];

#[derive(Clone, Debug)]
struct Stmt {
    allow: bool,
    not_action: bool,
    action: usize,
    not_resource: bool,
    resource: usize,
    principal: Option<usize>,
    condition: Option<usize>,
}

impl Stmt {
    fn render(&self, with_principal: bool) -> String {
        let mut s = format!(
            r#"{{"Effect":"{}","{}":"{}","{}":"{}""#,
            if self.allow { "Allow" } else { "Deny" },
            if self.not_action {
                "NotAction"
            } else {
                "Action"
            },
            ACTIONS[self.action],
            if self.not_resource {
                "NotResource"
            } else {
                "Resource"
            },
            RESOURCES[self.resource],
        );
        if with_principal {
            s.push_str(&format!(
                r#","Principal":{}"#,
                PRINCIPALS[self.principal.unwrap_or(0)]
            ));
        }
        if let Some(c) = self.condition {
            s.push_str(&format!(r#","Condition":{}"#, CONDITIONS[c]));
        }
        s.push('}');
        s
    }
}

fn stmt(allow: Option<bool>) -> impl Strategy<Value = Stmt> {
    (
        // Mostly Allow, so that all three decisions are common (see generators_reach_every_decision).
        prop::bool::weighted(0.85),
        prop::bool::weighted(0.15),
        0..ACTIONS.len(),
        prop::bool::weighted(0.15),
        0..RESOURCES.len(),
        prop::option::of(0..PRINCIPALS.len()),
        prop::option::weighted(0.3, 0..CONDITIONS.len()),
    )
        .prop_map(
            move |(a, na, action, nr, resource, principal, condition)| Stmt {
                allow: allow.unwrap_or(a),
                not_action: na,
                action,
                not_resource: nr,
                resource,
                principal,
                condition,
            },
        )
}

/// A policy set: each group is a list of policies, each a list of statements.
#[derive(Clone, Debug)]
struct Spec {
    identity: Vec<Vec<Stmt>>,
    boundary: Vec<Vec<Stmt>>,
    session: Vec<Vec<Stmt>>,
    scp: Vec<Vec<Vec<Stmt>>>,
    rcp: Vec<Vec<Vec<Stmt>>>,
    resource: Vec<Vec<Stmt>>,
    kind: u8,
}

fn policies(max: usize) -> impl Strategy<Value = Vec<Vec<Stmt>>> {
    prop::collection::vec(prop::collection::vec(stmt(None), 1..4), 0..=max)
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        policies(2),
        policies(1),
        policies(1),
        prop::collection::vec(
            prop::collection::vec(prop::collection::vec(stmt(None), 1..3), 1..3),
            0..3,
        ),
        prop::collection::vec(
            prop::collection::vec(prop::collection::vec(stmt(None), 1..3), 1..2),
            0..2,
        ),
        policies(1),
        // Mostly generic resource policies; role trust and KMS key policies must always allow.
        prop::sample::select(vec![0u8, 0, 0, 0, 1, 2]),
    )
        .prop_map(
            |(identity, boundary, session, scp, rcp, resource, kind)| Spec {
                identity,
                boundary,
                session,
                scp,
                rcp,
                resource,
                kind,
            },
        )
}

fn render(stmts: &[Stmt], with_principal: bool) -> String {
    let body: Vec<String> = stmts.iter().map(|s| s.render(with_principal)).collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        body.join(",")
    )
}

fn docs(list: &[Vec<Stmt>], p: bool) -> Vec<PolicyDocument> {
    list.iter()
        .enumerate()
        .map(
            |(i, s)| match PolicyDocument::parse(format!("p{i}"), &render(s, p)) {
                Ok(d) => d,
                Err(e) => panic!("generated policy does not parse: {e:?}\n{}", render(s, p)),
            },
        )
        .collect()
}

impl Spec {
    fn build(&self) -> PolicySet {
        PolicySet {
            identity: docs(&self.identity, false),
            permissions_boundary: docs(&self.boundary, false),
            session: docs(&self.session, false),
            scp_levels: self.scp.iter().map(|l| docs(l, false)).collect(),
            rcp_levels: self.rcp.iter().map(|l| docs(l, true)).collect(),
            resource: docs(&self.resource, true).into_iter().next(),
            resource_kind: match self.kind {
                0 => ResourcePolicyKind::Generic,
                1 => ResourcePolicyKind::RoleTrust,
                _ => ResourcePolicyKind::KmsKey,
            },
            resource_owner: Some("111122223333".to_owned()),
        }
    }

    /// Every existing policy, as a mutable statement list.
    fn slots(&mut self) -> Vec<&mut Vec<Stmt>> {
        let mut out: Vec<&mut Vec<Stmt>> = Vec::new();
        out.extend(self.identity.iter_mut());
        out.extend(self.boundary.iter_mut());
        out.extend(self.session.iter_mut());
        for l in &mut self.scp {
            out.extend(l.iter_mut());
        }
        for l in &mut self.rcp {
            out.extend(l.iter_mut());
        }
        out.extend(self.resource.iter_mut().take(1));
        out
    }

    /// Reverses every list: statements, policies and levels.
    fn reversed(&self) -> Spec {
        let rev = |l: &[Vec<Stmt>]| -> Vec<Vec<Stmt>> {
            l.iter()
                .rev()
                .map(|p| p.iter().rev().cloned().collect())
                .collect()
        };
        Spec {
            identity: rev(&self.identity),
            boundary: rev(&self.boundary),
            session: rev(&self.session),
            scp: self.scp.iter().rev().map(|l| rev(l)).collect(),
            rcp: self.rcp.iter().rev().map(|l| rev(l)).collect(),
            // The resource policy is one document: reverse its statements only.
            resource: self
                .resource
                .iter()
                .take(1)
                .map(|p| p.iter().rev().cloned().collect())
                .collect(),
            kind: self.kind,
        }
    }

    fn rotated(&self, by: usize) -> Spec {
        let rot = |l: &[Vec<Stmt>]| -> Vec<Vec<Stmt>> {
            let mut v: Vec<Vec<Stmt>> = l
                .iter()
                .map(|p| {
                    let mut p = p.clone();
                    if !p.is_empty() {
                        let k = by % p.len();
                        p.rotate_left(k);
                    }
                    p
                })
                .collect();
            if !v.is_empty() {
                let k = by % v.len();
                v.rotate_left(k);
            }
            v
        };
        Spec {
            identity: rot(&self.identity),
            boundary: rot(&self.boundary),
            session: rot(&self.session),
            scp: self.scp.iter().map(|l| rot(l)).collect(),
            rcp: self.rcp.iter().map(|l| rot(l)).collect(),
            resource: self
                .resource
                .iter()
                .take(1)
                .map(|p| {
                    let mut p = p.clone();
                    if !p.is_empty() {
                        let k = by % p.len();
                        p.rotate_left(k);
                    }
                    p
                })
                .collect(),
            kind: self.kind,
        }
    }
}

#[derive(Clone, Debug)]
struct Req {
    caller: usize,
    action: usize,
    resource: usize,
    username: Option<bool>,
    secure: Option<bool>,
    ip: Option<bool>,
    tags: Option<Vec<bool>>,
    x: Option<bool>,
    n: Option<u8>,
}

fn req() -> impl Strategy<Value = Req> {
    (
        0..CALLERS.len(),
        0..REQ_ACTIONS.len(),
        0..REQ_RESOURCES.len(),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(any::<bool>()),
        prop::option::of(prop::collection::vec(any::<bool>(), 0..3)),
        prop::option::of(any::<bool>()),
        prop::option::of(0u8..10),
    )
        .prop_map(
            |(caller, action, resource, username, secure, ip, tags, x, n)| Req {
                caller,
                action,
                resource,
                username,
                secure,
                ip,
                tags,
                x,
                n,
            },
        )
}

impl Req {
    fn build(&self) -> Request {
        let caller = match CALLERS[self.caller] {
            "anonymous" => Caller::Anonymous,
            "service" => Caller::Service("x.amazonaws.com".to_owned()),
            arn => Caller::from_arn(arn).unwrap_or(Caller::Anonymous),
        };
        let mut ctx = Context::new();
        if let Some(u) = self.username {
            ctx = ctx.with("aws:username", if u { "alice" } else { "bob" });
        }
        if let Some(s) = self.secure {
            ctx = ctx.with("aws:SecureTransport", if s { "true" } else { "false" });
        }
        if let Some(i) = self.ip {
            ctx = ctx.with("aws:SourceIp", if i { "10.1.2.3" } else { "192.0.2.1" });
        }
        if let Some(t) = &self.tags {
            let vals: Vec<&str> = t.iter().map(|b| if *b { "a" } else { "z" }).collect();
            ctx = ctx.with_list("aws:TagKeys", ContextKeyType::StringList, &vals);
        }
        if let Some(x) = self.x {
            ctx = ctx.with("k:x", if x { "v" } else { "alice" });
        }
        if let Some(n) = self.n {
            ctx = ctx.with("k:n", &n.to_string());
        }
        Request::new(
            caller,
            REQ_ACTIONS[self.action],
            REQ_RESOURCES[self.resource],
            ctx,
        )
    }
}

fn decide(spec: &Spec, r: &Req) -> Evaluation {
    eval_request(&spec.build(), &r.build())
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, .. ProptestConfig::default() })]

    #[test]
    fn adding_a_deny_never_allows_more(spec in spec(), r in req(), extra in stmt(Some(false)), at in any::<usize>()) {
        let before = decide(&spec, &r).decision;
        let mut after_spec = spec.clone();
        let mut slots = after_spec.slots();
        if slots.is_empty() {
            return Ok(());
        }
        let n = slots.len();
        if let Some(s) = slots.get_mut(at % n) {
            s.push(extra);
        }
        let after = decide(&after_spec, &r).decision;
        if before != Decision::Allowed {
            prop_assert_ne!(after, Decision::Allowed);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    #[test]
    fn adding_an_allow_never_denies_more(spec in spec(), r in req(), extra in stmt(Some(true)), at in any::<usize>()) {
        let before = decide(&spec, &r).decision;
        let mut after_spec = spec.clone();
        let mut slots = after_spec.slots();
        if slots.is_empty() {
            return Ok(());
        }
        let n = slots.len();
        if let Some(s) = slots.get_mut(at % n) {
            s.push(extra);
        }
        let after = decide(&after_spec, &r).decision;
        if before == Decision::Allowed {
            prop_assert_eq!(after, Decision::Allowed);
        }
        if before == Decision::ExplicitDeny {
            prop_assert_eq!(after, Decision::ExplicitDeny);
        }
    }

    /// Adding a condition to an Allow statement never allows more; adding one to a Deny statement
    /// never denies more (conditions only narrow when a statement applies).
    #[test]
    fn conditions_only_narrow(spec in spec(), r in req(), at in any::<usize>(), c in 0..CONDITIONS.len()) {
        let before = decide(&spec, &r).decision;
        let mut after_spec = spec.clone();
        let mut slots = after_spec.slots();
        let n = slots.len();
        if n == 0 {
            return Ok(());
        }
        let Some(policy) = slots.get_mut(at % n) else { return Ok(()) };
        let m = policy.len();
        let Some(st) = policy.get_mut((at / n) % m.max(1)) else { return Ok(()) };
        if st.condition.is_some() {
            return Ok(());
        }
        st.condition = Some(c);
        let was_allow = st.allow;
        let after = decide(&after_spec, &r).decision;
        if was_allow {
            // Narrowing an Allow: an allowed request may become denied, never the reverse.
            if before != Decision::Allowed {
                prop_assert_ne!(after, Decision::Allowed);
            }
        } else {
            // Narrowing a Deny: an explicit deny may go away, a non-denied request stays non-denied.
            if before != Decision::ExplicitDeny {
                prop_assert_ne!(after, Decision::ExplicitDeny);
            }
            if before == Decision::Allowed {
                prop_assert_eq!(after, Decision::Allowed);
            }
        }
    }

    #[test]
    fn order_never_matters(spec in spec(), r in req(), by in 1usize..5) {
        let base = decide(&spec, &r);
        for other in [spec.reversed(), spec.rotated(by)] {
            let e = decide(&other, &r);
            prop_assert_eq!(e.decision, base.decision);
            prop_assert_eq!(sorted(e.missing_context.clone()), sorted(base.missing_context.clone()));
            prop_assert_eq!(e.matched.len(), base.matched.len());
        }
    }
}

/// The properties above are not vacuous: the generators reach all three decisions often.
#[test]
fn generators_reach_every_decision() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new_with_rng(
        Config::default(),
        proptest::test_runner::TestRng::deterministic_rng(
            proptest::test_runner::RngAlgorithm::ChaCha,
        ),
    );
    let mut counts = [0usize; 3];
    for _ in 0..600 {
        let (Ok(s), Ok(r)) = (spec().new_tree(&mut runner), req().new_tree(&mut runner)) else {
            continue;
        };
        match decide(&s.current(), &r.current()).decision {
            Decision::Allowed => counts[0] += 1,
            Decision::ExplicitDeny => counts[1] += 1,
            Decision::ImplicitDeny => counts[2] += 1,
        }
    }
    eprintln!("decision counts (allowed, explicitDeny, implicitDeny) = {counts:?}");
    assert!(
        counts.iter().all(|c| *c >= 30),
        "decision counts (allowed, explicitDeny, implicitDeny) = {counts:?}"
    );
}
