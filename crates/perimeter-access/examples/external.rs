//! Benchmark of the external-access findings (issue 4, acceptance 4). Run:
//!
//! ```text
//! PERIMETER_CORPORA=/work/shared/corpora cargo run --release -p perimeter-access --example external
//! ```
//!
//! 1. the accessrefinery 15-statement / 5-key policy (`Scalability_05Keys/15`): findings, median of 21;
//! 2. a generated account: 10,000 resources with policies (every policy-bearing type, 1–20
//!    statements, conditions on restricting and attacker-controlled keys) and 5,000 roles with trust
//!    policies: full analysis (median of 3), then rescans with 1% of the policies changed, through
//!    the content-hash cache (median of 5).
//!
//! Prints medians; `--resources N --roles M` change the account size, `--threads T` analyses the
//! changed resources on T threads (default 1).

#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark binary: a broken input should stop it loudly"
)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use perimeter_access::external::{
    ExternalFinding, ExternalResource, FindingCache, ZoneOfTrust, find_resource_findings,
};

const OWN: &str = "111122223333";

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
}

/// (resource type, ARN template with `{i}`, actions used in policies)
const TYPES: [(&str, &str, &[&str]); 11] = [
    (
        "AWS::S3::Bucket",
        "arn:aws:s3:::bucket-{i}",
        &[
            "s3:GetObject",
            "s3:PutObject",
            "s3:List*",
            "s3:*",
            "s3:Get*",
        ],
    ),
    (
        "AWS::SQS::Queue",
        "arn:aws:sqs:us-east-1:111122223333:queue-{i}",
        &["sqs:SendMessage", "sqs:ReceiveMessage", "sqs:*"],
    ),
    (
        "AWS::SNS::Topic",
        "arn:aws:sns:us-east-1:111122223333:topic-{i}",
        &["sns:Publish", "sns:Subscribe", "sns:*"],
    ),
    (
        "AWS::KMS::Key",
        "arn:aws:kms:us-east-1:111122223333:key/key-{i}",
        &[
            "kms:Decrypt",
            "kms:Encrypt",
            "kms:GenerateDataKey*",
            "kms:*",
        ],
    ),
    (
        "AWS::Lambda::Function",
        "arn:aws:lambda:us-east-1:111122223333:function:fn-{i}",
        &["lambda:InvokeFunction", "lambda:GetFunction"],
    ),
    (
        "AWS::SecretsManager::Secret",
        "arn:aws:secretsmanager:us-east-1:111122223333:secret:s-{i}",
        &["secretsmanager:GetSecretValue", "secretsmanager:*"],
    ),
    (
        "AWS::ECR::Repository",
        "arn:aws:ecr:us-east-1:111122223333:repository/repo-{i}",
        &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:*"],
    ),
    (
        "AWS::EFS::FileSystem",
        "arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/fs-{i}",
        &[
            "elasticfilesystem:ClientMount",
            "elasticfilesystem:ClientWrite",
        ],
    ),
    (
        "AWS::DynamoDB::Table",
        "arn:aws:dynamodb:us-east-1:111122223333:table/t-{i}",
        &["dynamodb:GetItem", "dynamodb:Query", "dynamodb:*"],
    ),
    (
        "AWS::DynamoDB::Stream",
        "arn:aws:dynamodb:us-east-1:111122223333:table/t-{i}/stream/2026",
        &["dynamodb:GetRecords", "dynamodb:DescribeStream"],
    ),
    (
        "AWS::S3Express::DirectoryBucket",
        "arn:aws:s3express:us-east-1:111122223333:bucket/d-{i}--use1-az4--x-s3",
        &["s3express:CreateSession"],
    ),
];

const PRINCIPALS: [&str; 7] = [
    r#""*""#,
    r#"{"AWS":"444455556666"}"#,
    r#"{"AWS":"arn:aws:iam::777788889999:role/partner"}"#,
    r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
    r#"{"Service":"events.amazonaws.com"}"#,
    r#"{"AWS":["444455556666","arn:aws:iam::555566667777:user/u"]}"#,
    r#"{"AWS":"*"}"#,
];

const CONDITIONS: [&str; 8] = [
    r#""StringEquals":{"aws:PrincipalOrgID":"o-abc123"}"#,
    r#""IpAddress":{"aws:SourceIp":["10.0.0.0/8","203.0.113.0/24"]}"#,
    r#""ArnLike":{"aws:SourceArn":"arn:aws:sns:us-east-1:444455556666:*"}"#,
    r#""StringEquals":{"aws:SourceVpc":"vpc-1234"}"#,
    r#""StringLike":{"aws:UserAgent":"*sdk*"}"#,
    r#""StringLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:role/app-*"}"#,
    r#""Bool":{"aws:SecureTransport":"true"}"#,
    r#""StringEquals":{"aws:SourceAccount":"111122223333"}"#,
];

fn policy_text(rng: &mut Rng, arn: &str, actions: &[&str], trust: bool, salt: usize) -> String {
    let n = 1 + rng.below(20);
    let mut sts = Vec::new();
    for k in 0..n {
        let effect = if rng.below(10) == 0 { "Deny" } else { "Allow" };
        let principal = rng.pick(&PRINCIPALS);
        let action = if trust {
            "sts:AssumeRole"
        } else {
            rng.pick(actions)
        };
        let mut conds: Vec<&str> = Vec::new();
        for _ in 0..rng.below(3) {
            let c = rng.pick(&CONDITIONS);
            if !conds
                .iter()
                .any(|x| x.split(':').next() == c.split(':').next())
            {
                conds.push(c);
            }
        }
        let cond = if conds.is_empty() {
            String::new()
        } else {
            format!(r#","Condition":{{{}}}"#, conds.join(","))
        };
        let resource = if trust {
            String::new()
        } else {
            format!(r#","Resource":["{arn}","{arn}/*"]"#)
        };
        sts.push(format!(
            r#"{{"Sid":"S{k}x{salt}","Effect":"{effect}","Principal":{principal},"Action":"{action}"{resource}{cond}}}"#
        ));
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        sts.join(",")
    )
}

struct Item {
    arn: String,
    ty: &'static str,
    text: String,
}

fn account(resources: usize, roles: usize, seed: u64) -> Vec<Item> {
    let mut rng = Rng(seed);
    let mut out = Vec::new();
    for i in 0..resources {
        let (ty, tmpl, actions) = TYPES[i % TYPES.len()];
        let arn = tmpl.replace("{i}", &i.to_string());
        let text = policy_text(&mut rng, &arn, actions, false, 0);
        out.push(Item { arn, ty, text });
    }
    for i in 0..roles {
        let arn = format!("arn:aws:iam::{OWN}:role/role-{i}");
        let text = policy_text(&mut rng, &arn, &[], true, 0);
        out.push(Item {
            arn,
            ty: "AWS::IAM::Role",
            text,
        });
    }
    out
}

fn analyse(it: &Item, zone: &ZoneOfTrust) -> Vec<ExternalFinding> {
    let r = ExternalResource {
        arn: it.arn.clone(),
        resource_type: it.ty.to_owned(),
        owner_account: OWN.to_owned(),
        policy: Some(perimeter_iam::parse_and_lower(&it.text).expect("generated policy parses")),
        ..ExternalResource::default()
    };
    find_resource_findings(&r, zone).unwrap()
}

/// One scan through the cache on `threads` threads; returns (findings, analysed).
fn scan(
    items: &[Item],
    cache: &mut FindingCache,
    zone: &ZoneOfTrust,
    threads: usize,
) -> (usize, usize) {
    let misses = cache.misses;
    let keys: Vec<u64> = items
        .iter()
        .map(|it| FindingCache::content_key(&it.arn, it.ty, OWN, &it.text, "", zone))
        .collect();
    let todo: Vec<(u64, &Item)> = keys
        .iter()
        .zip(items)
        .filter(|(k, _)| cache.lookup(**k).is_none())
        .map(|(k, it)| (*k, it))
        .collect();
    let chunk = todo.len().div_ceil(threads.max(1)).max(1);
    let results: Vec<(u64, Vec<ExternalFinding>)> = std::thread::scope(|s| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|(k, it)| (*k, analyse(it, zone)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    for (k, v) in results {
        cache.insert(k, v);
    }
    let live: HashSet<u64> = keys.iter().copied().collect();
    cache.retain(&live);
    let n = keys
        .iter()
        .map(|k| cache.lookup(*k).map_or(0, <[ExternalFinding]>::len))
        .sum();
    (n, cache.misses - misses)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str, default: usize| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let resources = arg("--resources", 10_000);
    let roles = arg("--roles", 5_000);
    let threads = arg("--threads", 1);
    let zone = ZoneOfTrust::Account(OWN.to_owned());

    if let Some(root) = std::env::var_os("PERIMETER_CORPORA") {
        let text =
            std::fs::read_to_string(std::path::Path::new(&root).join("accessrefinery/cases.jsonl"))
                .unwrap();
        for id in [
            "Scalability_05Keys/15_allow",
            "Scalability_06Keys/15_allow",
            "Scalability_05Keys/11_allow",
        ] {
            let Some(line) = text.lines().find(|l| {
                l.contains(&format!("\"id\": \"{id}\"")) || l.contains(&format!("\"id\":\"{id}\""))
            }) else {
                println!("accessrefinery {id}: not found");
                continue;
            };
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let policy = perimeter_iam::parse_and_lower(&case["policy"].to_string()).unwrap();
            let r = ExternalResource {
                arn: "arn:aws:s3:::antsknmath".to_owned(),
                resource_type: "AWS::S3::Bucket".to_owned(),
                owner_account: "222634363387".to_owned(),
                policy: Some(policy),
                ..ExternalResource::default()
            };
            let z = ZoneOfTrust::Account("222634363387".to_owned());
            let mut times = Vec::new();
            let mut count = 0;
            for _ in 0..21 {
                let t = Instant::now();
                count = find_resource_findings(&r, &z).unwrap().len();
                times.push(t.elapsed());
            }
            println!(
                "accessrefinery {id}: {count} findings, median {:.2} ms (AWS: {} s)",
                median(times).as_secs_f64() * 1e3,
                case["aws_elapsed_s"]
            );
        }
    } else {
        println!("PERIMETER_CORPORA unset: accessrefinery timing skipped");
    }

    let t = Instant::now();
    let items = account(resources, roles, 0x9e37_79b9_7f4a_7c15);
    println!(
        "generated {} resources ({resources} + {roles} roles) in {:.2} s",
        items.len(),
        t.elapsed().as_secs_f64()
    );
    let mut full = Vec::new();
    let mut cache = FindingCache::default();
    let mut findings = 0;
    for _ in 0..3 {
        cache = FindingCache::default();
        let t = Instant::now();
        findings = scan(&items, &mut cache, &zone, threads).0;
        full.push(t.elapsed());
    }
    println!(
        "full analysis ({threads} thread(s)): {findings} findings, median {:.3} s over 3 runs",
        median(full).as_secs_f64()
    );

    let mut rescans = Vec::new();
    let mut items = items;
    let mut rng = Rng(7);
    for round in 1..=5 {
        let changed = items.len() / 100;
        for _ in 0..changed {
            let i = rng.below(items.len());
            let it = &items[i];
            let actions = TYPES
                .iter()
                .find(|t| t.0 == it.ty)
                .map(|t| t.2)
                .unwrap_or(&[]);
            let text = policy_text(&mut rng, &it.arn, actions, it.ty == "AWS::IAM::Role", round);
            items[i].text = text;
        }
        let t = Instant::now();
        let (_, analysed) = scan(&items, &mut cache, &zone, threads);
        rescans.push(t.elapsed());
        println!("rescan {round}: {changed} policies changed, {analysed} analysed");
    }
    println!(
        "rescan with 1% changed: median {:.3} s over 5 runs",
        median(rescans).as_secs_f64()
    );
}
