//! Benchmark: one evaluation of the reference evaluator on an identity policy set of 100 statements,
//! plus a permissions boundary and three SCP levels (target ≤ 5 µs median; Cedar's authorizer median
//! is 4–11 µs).
//!
//! Run: `cargo bench -p perimeter-iam --bench simulate`. A plain `std::time::Instant` loop: warm-up,
//! then many samples of a batch of evaluations each; the median per evaluation is reported, with the
//! baseline of matching the same 100 statements' actions through the uncompiled
//! `pattern::Template::matches` (what an evaluator without compiled patterns would pay for the action
//! test alone).

use std::hint::black_box;
use std::time::Instant;

use perimeter_iam::eval::{
    Caller, Context, Decision, PolicyDocument, PolicySet, Request, ResourcePolicyKind, eval_request,
};

const SERVICES: [&str; 10] = [
    "s3",
    "ec2",
    "iam",
    "kms",
    "sqs",
    "sns",
    "lambda",
    "dynamodb",
    "logs",
    "cloudwatch",
];
const VERBS: [&str; 10] = [
    "Get", "Put", "List", "Describe", "Create", "Delete", "Update", "Tag", "Untag", "Start",
];

/// 100 statements over 10 services: specific actions, wildcards, resource ARNs, some conditions and
/// a few Deny statements (none matching the benchmark requests).
fn identity_policies() -> Vec<String> {
    let mut policies = Vec::new();
    for p in 0..10 {
        let mut stmts = Vec::new();
        for s in 0..10 {
            let i = p * 10 + s;
            let svc = SERVICES.get(i % 10).copied().unwrap_or("s3");
            let verb = VERBS.get((i / 10) % 10).copied().unwrap_or("Get");
            let action = match i % 4 {
                0 => format!("{svc}:{verb}Object{i}"),
                1 => format!("{svc}:{verb}*"),
                2 => format!("{svc}:{verb}Thing{i}"),
                _ => format!("{svc}:*Item{i}*"),
            };
            let resource = match i % 3 {
                0 => "*".to_owned(),
                1 => format!("arn:aws:{svc}:us-east-1:111122223333:thing/{i}/*"),
                _ => format!("arn:aws:{svc}:*:111122223333:other-{i}"),
            };
            let effect = if i % 17 == 5 { "Deny" } else { "Allow" };
            let cond = if i % 5 == 0 {
                r#","Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]},"Bool":{"aws:SecureTransport":"true"}}"#
            } else {
                ""
            };
            stmts.push(format!(
                r#"{{"Sid":"S{i}","Effect":"{effect}","Action":"{action}","Resource":"{resource}"{cond}}}"#
            ));
        }
        policies.push(format!(
            r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
            stmts.join(",")
        ));
    }
    policies
}

fn doc(id: &str, src: &str) -> PolicyDocument {
    match PolicyDocument::parse(id, src) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("benchmark policy {id} does not parse: {e:?}");
            std::process::exit(2);
        }
    }
}

fn policy_set() -> PolicySet {
    let identity = identity_policies()
        .iter()
        .enumerate()
        .map(|(i, p)| doc(&format!("identity{i}"), p))
        .collect();
    let boundary = doc(
        "boundary",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","ec2:*","iam:Get*","iam:List*","kms:*","sqs:*","sns:*","lambda:*","dynamodb:*","logs:*","cloudwatch:*"],"Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":"us-east-1"}}}]}"#,
    );
    let full =
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}"#;
    let region_guard = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":["iam:*","sts:*","cloudfront:*","route53:*","support:*"],"Resource":"*","Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}"#;
    let deny_leave = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["organizations:LeaveOrganization","account:CloseAccount"],"Resource":"*"}]}"#;
    PolicySet {
        identity,
        permissions_boundary: vec![boundary],
        session: Vec::new(),
        scp_levels: vec![
            vec![doc("scp-root", full)],
            vec![doc("scp-ou", full), doc("scp-ou-region", region_guard)],
            vec![
                doc("scp-account", full),
                doc("scp-account-deny", deny_leave),
            ],
        ],
        rcp_levels: Vec::new(),
        resource: None,
        resource_kind: ResourcePolicyKind::Generic,
        resource_owner: Some("111122223333".to_owned()),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Median nanoseconds per call of `f` over `samples` batches of `batch` calls, after a warm-up.
fn measure(samples: usize, batch: usize, mut f: impl FnMut()) -> f64 {
    for _ in 0..batch * 20 {
        f();
    }
    let mut per_call = Vec::with_capacity(samples);
    for _ in 0..samples {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        per_call.push(t.elapsed().as_nanos() as f64 / batch as f64);
    }
    median(per_call)
}

fn main() {
    let set = policy_set();
    let alice =
        || Caller::from_arn("arn:aws:iam::111122223333:user/alice").unwrap_or(Caller::Anonymous);
    let ctx = Context::new()
        .with("aws:RequestedRegion", "us-east-1")
        .with("aws:SecureTransport", "true");
    let requests = [
        (
            "allowed (matched by statement 95, a wildcard)",
            Request::new(
                alice(),
                "sns:StartItem95Now",
                "arn:aws:sns:us-east-1:111122223333:other-95",
                ctx.clone(),
            ),
            Decision::Allowed,
        ),
        (
            "allowed (condition statement 40)",
            Request::new(
                alice(),
                "s3:CreateObject40",
                "arn:aws:s3:us-east-1:111122223333:thing/40/x",
                ctx.clone(),
            ),
            Decision::Allowed,
        ),
        (
            "implicit deny (no statement matches)",
            Request::new(
                alice(),
                "s3:GetObject",
                "arn:aws:s3:::bucket/key",
                ctx.clone(),
            ),
            Decision::ImplicitDeny,
        ),
        (
            "explicit deny (SCP region guard)",
            Request::new(
                alice(),
                "s3:CreateObject40",
                "arn:aws:s3:us-east-1:111122223333:thing/40/x",
                ctx.clone().with("aws:RequestedRegion", "ap-south-1"),
            ),
            Decision::ExplicitDeny,
        ),
    ];
    for (name, req, expected) in &requests {
        let got = eval_request(&set, req).decision;
        if got != *expected {
            eprintln!("benchmark request `{name}` decided {got:?}, expected {expected:?}");
            std::process::exit(2);
        }
    }

    println!("eval_request: 100 identity statements + permissions boundary + 3 SCP levels");
    let mut main_median = f64::NAN;
    for (i, (name, req, _)) in requests.iter().enumerate() {
        let ns = measure(2001, 100, || {
            black_box(eval_request(black_box(&set), black_box(req)));
        });
        if i == 0 {
            main_median = ns;
        }
        println!("  {name:<45} median {:>8.0} ns/eval", ns);
    }

    // Baseline: the action test alone through the uncompiled matcher, for the same 100 statements.
    let templates: Vec<_> = set
        .identity
        .iter()
        .flat_map(|d| d.policy.statements.iter())
        .flat_map(|s| s.action.patterns.iter().cloned())
        .collect();
    let action = "sns:StartItem95Now";
    let baseline = measure(501, 10, || {
        let n = templates
            .iter()
            .filter(|t| t.matches(black_box(action), true))
            .count();
        black_box(n);
    });
    println!(
        "baseline: action test of the 100 statements via pattern::Template::matches  median {:>8.0} ns",
        baseline
    );
    println!(
        "target ≤ 5000 ns; measured {:.0} ns ({}); baseline/measured = {:.1}x",
        main_median,
        if main_median <= 5000.0 {
            "met"
        } else {
            "NOT met"
        },
        baseline / main_median
    );
}
