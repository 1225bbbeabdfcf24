//! Soundness of the external-access findings (the cover invariant of docs/external-access.md): for
//! random bucket-free queue policies over restricting and attacker-controlled keys, every concrete
//! request that the reference evaluator allows and that comes from outside the zone lies inside some
//! finding (its principal, every condition value and its action match the request).

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers over fixed tables"
)]

use std::net::Ipv4Addr;

use perimeter_access::external::{
    ExternalFinding, ExternalResource, ZoneOfTrust, find_resource_findings,
};
use perimeter_access::witness::{CallerKey, RequestWitness, Side, replay};
use perimeter_iam::eval::{ContextKeyType, ResourcePolicyKind};
use proptest::prelude::*;

const OWN: &str = "111122223333";
const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:q";

const PRINCIPALS: [&str; 4] = [
    r#""*""#,
    r#"{"AWS":"444455556666"}"#,
    r#"{"AWS":"111122223333"}"#,
    r#"{"Service":"sns.amazonaws.com"}"#,
];
const CONDITIONS: [&str; 9] = [
    r#""IpAddress":{"aws:SourceIp":"10.0.0.0/8"}"#,
    r#""IpAddress":{"aws:SourceIp":"10.1.0.0/16"}"#,
    r#""NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}"#,
    r#""StringLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:user/a*"}"#,
    r#""StringLike":{"aws:PrincipalArn":"arn:aws:iam::444455556666:user/*b"}"#,
    r#""StringLike":{"aws:PrincipalArn":"arn:aws:iam::*:user/ab"}"#,
    r#""StringEquals":{"aws:SourceVpc":["vpc-1","vpc-2"]}"#,
    r#""StringNotEquals":{"aws:SourceVpc":"vpc-1"}"#,
    r#""StringLike":{"aws:UserAgent":"*x*"}"#,
];
const CALLERS: [&str; 7] = [
    "arn:aws:iam::444455556666:user/a",
    "arn:aws:iam::444455556666:user/ab",
    "arn:aws:iam::444455556666:user/xb",
    "arn:aws:iam::444455556666:root",
    "arn:aws:iam::999988887777:user/ab",
    "anonymous",
    "arn:aws:iam::111122223333:user/ab",
];
const IPS: [Option<&str>; 5] = [
    Some("10.1.2.3"),
    Some("10.2.0.1"),
    Some("203.0.113.5"),
    Some("8.8.8.8"),
    None,
];
const VPCS: [Option<&str>; 4] = [Some("vpc-1"), Some("vpc-2"), Some("vpc-3"), None];
const AGENTS: [Option<&str>; 3] = [Some("axb"), Some("zzz"), None];

fn policy(stmts: &[(bool, usize, Vec<usize>)]) -> String {
    let mut out = Vec::new();
    for (allow, p, conds) in stmts {
        let mut cs: Vec<&str> = Vec::new();
        for c in conds {
            let text = CONDITIONS[*c];
            // One operator per condition block member: skip a second use of the same operator.
            let op = text.split(':').next().unwrap();
            if !cs.iter().any(|x| x.split(':').next().unwrap() == op) {
                cs.push(text);
            }
        }
        let cond = if cs.is_empty() {
            String::new()
        } else {
            format!(r#","Condition":{{{}}}"#, cs.join(","))
        };
        out.push(format!(
            r#"{{"Effect":"{}","Principal":{},"Action":"sqs:SendMessage","Resource":"{QUEUE}"{cond}}}"#,
            if *allow { "Allow" } else { "Deny" },
            PRINCIPALS[*p]
        ));
    }
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        out.join(",")
    )
}

fn glob(p: &str, s: &str) -> bool {
    match p.split_once('*') {
        None => p == s,
        Some((head, rest)) => {
            let Some(s) = s.strip_prefix(head) else {
                return false;
            };
            (0..=s.len()).any(|i| s.is_char_boundary(i) && glob(rest, &s[i..]))
        }
    }
}

fn in_cidr(cidr: &str, ip: &str) -> bool {
    let (net, len) = cidr.split_once('/').unwrap();
    let (net, ip): (Ipv4Addr, Ipv4Addr) = (net.parse().unwrap(), ip.parse().unwrap());
    let len: u32 = len.parse().unwrap();
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    u32::from(net) & mask == u32::from(ip) & mask
}

fn covers(f: &ExternalFinding, caller: &str, ip: Option<&str>, vpc: Option<&str>) -> bool {
    let account = caller.split(':').nth(4);
    let principal_ok = match f.principal.get("AWS").map(String::as_str) {
        Some("*") => true,
        Some(v) if v.len() == 12 => account == Some(v),
        Some(v) => v == caller,
        None => false,
    };
    principal_ok
        && f.action.iter().any(|a| a == "sqs:SendMessage")
        && f.condition
            .iter()
            .all(|(k, v)| match k.to_ascii_lowercase().as_str() {
                "aws:principalarn" => caller != "anonymous" && glob(v, caller),
                "aws:sourceip" => ip.is_some_and(|ip| in_cidr(v, ip)),
                "aws:sourcevpc" => vpc == Some(v.as_str()),
                _ => false,
            })
}

fn request(
    caller: &str,
    ip: Option<&str>,
    vpc: Option<&str>,
    agent: Option<&str>,
) -> RequestWitness {
    let mut entries = Vec::new();
    if let Some(ip) = ip {
        entries.push((
            "aws:SourceIp".to_owned(),
            ContextKeyType::Ip,
            vec![ip.to_owned()],
        ));
    }
    if let Some(v) = vpc {
        entries.push((
            "aws:SourceVpc".to_owned(),
            ContextKeyType::String,
            vec![v.to_owned()],
        ));
    }
    if let Some(a) = agent {
        entries.push((
            "aws:UserAgent".to_owned(),
            ContextKeyType::String,
            vec![a.to_owned()],
        ));
    }
    if caller != "anonymous" {
        entries.push((
            "aws:PrincipalArn".to_owned(),
            ContextKeyType::String,
            vec![caller.to_owned()],
        ));
        let acct = caller.split(':').nth(4).unwrap().to_owned();
        entries.push((
            "aws:PrincipalAccount".to_owned(),
            ContextKeyType::String,
            vec![acct],
        ));
    }
    RequestWitness {
        principal: Default::default(),
        action: "sqs:SendMessage".to_owned(),
        resource: QUEUE.to_owned(),
        context: Default::default(),
        caller: CallerKey(caller.to_owned()),
        entries,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn every_allowed_external_request_is_in_a_finding(
        stmts in prop::collection::vec(
            (prop::bool::weighted(0.75), 0..PRINCIPALS.len(), prop::collection::vec(0..CONDITIONS.len(), 0..3)),
            1..5,
        )
    ) {
        let text = policy(&stmts);
        let p = perimeter_iam::parse_and_lower(&text).unwrap();
        let r = ExternalResource {
            arn: QUEUE.to_owned(),
            resource_type: "AWS::SQS::Queue".to_owned(),
            owner_account: OWN.to_owned(),
            policy: Some(p.clone()),
            ..ExternalResource::default()
        };
        let fs = find_resource_findings(&r, &ZoneOfTrust::Account(OWN.to_owned())).unwrap();
        for caller in CALLERS {
            if caller.split(':').nth(4) == Some(OWN) {
                continue;
            }
            for ip in IPS {
                for vpc in VPCS {
                    for agent in AGENTS {
                        let w = request(caller, ip, vpc, agent);
                        if replay(&p, Side::Resource(ResourcePolicyKind::Generic), &w) == Some(true) {
                            prop_assert!(
                                fs.iter().any(|f| covers(f, caller, ip, vpc)),
                                "{text}\nrequest {caller} {ip:?} {vpc:?} {agent:?} allowed but in no finding: {fs:#?}"
                            );
                        }
                    }
                }
            }
        }
    }
}
