//! S3 access points and multi-Region access points in external-access findings
//! (access-analyzer.md §1.2, row "S3 bucket"). One table through one `check` helper; every expected
//! value cites the AWS documentation it follows. Every witness is replayed through the concrete
//! evaluator under both policies, and a brute-force sweep over concrete requests checks that every
//! allowed external request through an access point lies inside some finding (soundness).

#![expect(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test helpers: a policy that does not parse, or a finding without a witness, fails the test"
)]

use std::collections::BTreeMap;

use perimeter_access::external::{
    AccessPointInput, BlockPublicAccess, ExternalFinding, ExternalResource, ZoneOfTrust,
    find_resource_findings,
};
use perimeter_access::witness::{Side, replay};
use perimeter_iam::Policy;
use perimeter_iam::eval::{
    Caller, Context, ContextKeyType, Decision, PolicyDocument, PolicySet, PolicyType, Request,
    ResourcePolicyKind, eval_request,
};

const OWN: &str = "111122223333";
const OTHER: &str = "444455556666";
const BUCKET: &str = "arn:aws:s3:::b";
const AP: &str = "arn:aws:s3:us-east-1:111122223333:accesspoint/ap";
const AP2: &str = "arn:aws:s3:us-east-1:111122223333:accesspoint/other";
const MRAP: &str = "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap";

fn parse(text: &str) -> Policy {
    perimeter_iam::parse_and_lower(text).unwrap()
}

fn policy(statements: &[String]) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    )
}

fn allow(principal: &str, action: &str, resource: &str, condition: &str) -> String {
    let cond = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    format!(
        r#"{{"Effect":"Allow","Principal":{principal},"Action":"{action}","Resource":{resource}{cond}}}"#
    )
}

/// The bucket policy delegating everything to the owner's access points (S3 user guide,
/// "Delegating access control to access points": Principal `*`, Action `*`, the bucket and its
/// objects, `StringEquals` `s3:DataAccessPointAccount` = the bucket owner).
fn delegate_to_account(account: &str) -> String {
    policy(&[allow(
        r#""*""#,
        "*",
        r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#,
        &format!(r#"{{"StringEquals":{{"s3:DataAccessPointAccount":"{account}"}}}}"#),
    )])
}

fn delegate_to_arn(arn: &str) -> String {
    policy(&[allow(
        r#""*""#,
        "*",
        r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#,
        &format!(r#"{{"StringEquals":{{"s3:DataAccessPointArn":"{arn}"}}}}"#),
    )])
}

/// An access point policy allowing `principal` `s3:GetObject` on every object through `ap`.
fn ap_get(ap: &str, principal: &str) -> String {
    policy(&[allow(
        principal,
        "s3:GetObject",
        &format!(r#""{ap}/object/*""#),
        "",
    )])
}

fn point(arn: &str, policy: Option<&str>) -> AccessPointInput {
    AccessPointInput {
        arn: arn.to_owned(),
        account: arn.split(':').nth(4).unwrap().to_owned(),
        policy: policy.map(parse),
        multi_region: arn.split(':').nth(3) == Some(""),
        ..AccessPointInput::default()
    }
}

fn bucket(bucket_policy: &str, aps: Vec<AccessPointInput>) -> ExternalResource {
    ExternalResource {
        arn: BUCKET.to_owned(),
        resource_type: "AWS::S3::Bucket".to_owned(),
        owner_account: OWN.to_owned(),
        policy: (!bucket_policy.is_empty()).then(|| parse(bucket_policy)),
        access_points: aps,
        access_points_known: true,
        ..ExternalResource::default()
    }
}

fn zone() -> ZoneOfTrust {
    ZoneOfTrust::Account(OWN.to_owned())
}

/// (principal "TYPE=VALUE", actions, conditions "key=value", isPublic, source type, access point
/// ARN or account in the source detail)
type Expected = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    bool,
    &'static str,
    &'static str,
);

fn row(f: &ExternalFinding) -> (String, Vec<String>, Vec<String>, bool, String, String) {
    let p = f
        .principal
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(",");
    let c = f
        .condition
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    let detail = f
        .source_detail
        .as_ref()
        .and_then(|d| {
            d.access_point_arn
                .clone()
                .or_else(|| d.access_point_account.clone())
        })
        .unwrap_or_default();
    (
        p,
        f.action.clone(),
        c,
        f.is_public,
        f.source_type.unwrap_or_default().to_owned(),
        detail,
    )
}

fn check(r: &ExternalResource, expected: &[Expected]) -> Vec<ExternalFinding> {
    let fs = find_resource_findings(r, &zone()).unwrap();
    let mut got: Vec<_> = fs.iter().map(row).collect();
    got.sort();
    let mut want: Vec<_> = expected
        .iter()
        .map(|(p, a, c, public, ty, d)| {
            (
                (*p).to_owned(),
                a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
                c.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>(),
                *public,
                (*ty).to_owned(),
                (*d).to_owned(),
            )
        })
        .collect();
    want.sort();
    assert_eq!(got, want);
    replay_witnesses(r, &fs);
    let allowed = sweep(r, &fs);
    // The sweep is not vacuous: when there are findings (and Block Public Access does not hide
    // them from the evaluator), some concrete request is allowed through an access point.
    if !expected.is_empty() {
        assert!(allowed > 0, "no allowed request in the sweep");
    }
    fs
}

fn caller_account(w: &perimeter_access::witness::RequestWitness) -> Option<String> {
    w.principal
        .values()
        .find_map(|v| v.split(':').nth(4).map(str::to_owned))
}

/// The bucket-side resource of an access point request, written out independently of the code
/// under test: `<ap>/object/<key>` is the object `<bucket>/<key>`, `<ap>` the bucket.
fn to_bucket(ap: &str, resource: &str) -> String {
    if resource == ap {
        BUCKET.to_owned()
    } else {
        resource.replacen(&format!("{ap}/object/"), &format!("{BUCKET}/"), 1)
    }
}

fn replay_witnesses(r: &ExternalResource, fs: &[ExternalFinding]) {
    let side = Side::Resource(ResourcePolicyKind::Generic);
    let bucket_policy = r.policy.as_ref().unwrap();
    for f in fs {
        let w = f
            .witness
            .as_ref()
            .unwrap_or_else(|| panic!("no witness: {f:?}"));
        assert!(
            caller_account(w).is_none_or(|a| a != OWN),
            "internal witness {w:?}"
        );
        assert!(f.action.contains(&w.action), "witness action {w:?}");
        if f.source_type == Some("S3_ACCESS_POINT") {
            let ap_arn = f
                .source_detail
                .as_ref()
                .and_then(|d| d.access_point_arn.clone())
                .unwrap();
            let ap = r.access_points.iter().find(|a| a.arn == ap_arn).unwrap();
            // The request goes to the access point, with the keys S3 sets for it.
            assert!(w.resource.starts_with(&ap_arn), "{w:?}");
            let key = |k: &str| {
                w.entries
                    .iter()
                    .find(|(n, _, _)| n == k)
                    .map(|e| e.2.clone())
            };
            assert_eq!(key("s3:DataAccessPointArn"), Some(vec![ap_arn.clone()]));
            assert_eq!(
                key("s3:DataAccessPointAccount"),
                Some(vec![ap.account.clone()])
            );
            let origin = if ap.vpc_id.is_some() {
                "VPC"
            } else {
                "Internet"
            };
            assert_eq!(
                key("s3:AccessPointNetworkOrigin"),
                Some(vec![origin.to_owned()])
            );
            assert_eq!(
                replay(ap.policy.as_ref().unwrap(), side, w),
                Some(true),
                "access point policy, witness {w:?}"
            );
            let mut b = w.clone();
            b.resource = to_bucket(&ap_arn, &w.resource);
            assert_eq!(
                replay(bucket_policy, side, &b),
                Some(true),
                "bucket policy, {b:?}"
            );
        } else {
            assert_eq!(replay(bucket_policy, side, w), Some(true), "witness {w:?}");
        }
    }
}

/// Concrete callers: anonymous, a foreign account's root and role, a foreign user in a third account.
fn callers() -> Vec<(Caller, BTreeMap<String, String>)> {
    let role = |acct: &str| Caller::AssumedRole {
        arn: format!("arn:aws:sts::{acct}:assumed-role/r/s"),
        account: acct.to_owned(),
        role_name: "r".to_owned(),
    };
    vec![
        (Caller::Anonymous, BTreeMap::new()),
        (
            Caller::Root {
                account: OTHER.to_owned(),
            },
            BTreeMap::new(),
        ),
        (role(OTHER), BTreeMap::new()),
        (
            Caller::User {
                arn: "arn:aws:iam::777788889999:user/u".to_owned(),
                account: "777788889999".to_owned(),
            },
            BTreeMap::new(),
        ),
    ]
}

fn caller_in(caller: &Caller, principal: &BTreeMap<String, String>) -> bool {
    let (acct, arn) = match caller {
        Caller::Anonymous => (None, None),
        Caller::Root { account } => (Some(account.clone()), None),
        Caller::AssumedRole { account, .. } => (
            Some(account.clone()),
            Some(format!("arn:aws:iam::{account}:role/r")),
        ),
        Caller::User { arn, account } => (Some(account.clone()), Some(arn.clone())),
        _ => (None, None),
    };
    principal.values().all(|v| {
        v == "*"
            || acct.as_deref() == Some(v.as_str())
            || arn.as_deref() == Some(v.as_str())
            || acct
                .as_ref()
                .is_some_and(|a| v == &format!("arn:aws:iam::{a}:root"))
    })
}

/// The request lies inside the finding's cube: one of its actions, its principal, and each
/// condition value (a label, read as an IAM wildcard pattern) matching the request's value of the key
/// (principal keys derived from the caller).
fn in_finding(f: &ExternalFinding, caller: &Caller, action: &str, ctx: &[(&str, &str)]) -> bool {
    let account = match caller {
        Caller::Root { account }
        | Caller::AssumedRole { account, .. }
        | Caller::User { account, .. } => Some(account.clone()),
        _ => None,
    };
    f.action.iter().any(|a| a == action)
        && caller_in(caller, &f.principal)
        && f.condition.iter().all(|(k, v)| {
            let value = if k.eq_ignore_ascii_case("aws:PrincipalAccount") {
                account.clone()
            } else {
                ctx.iter()
                    .find(|(ck, _)| ck.eq_ignore_ascii_case(k))
                    .map(|(_, cv)| (*cv).to_owned())
            };
            value.is_some_and(|x| {
                perimeter_logic::Pattern::glob(v, perimeter_logic::Case::Sensitive).matches(&x)
            })
        })
}

fn allowed(
    policy: &Policy,
    caller: &Caller,
    action: &str,
    resource: &str,
    ctx: &[(&str, &str)],
) -> bool {
    let mut c = Context::new();
    for (k, v) in ctx {
        c.insert(k, ContextKeyType::String, vec![(*v).to_owned()]);
    }
    let req = Request::new(caller.clone(), action, resource, c);
    let set = PolicySet {
        resource: Some(PolicyDocument::new("p", policy.clone())),
        resource_kind: ResourcePolicyKind::Generic,
        ..PolicySet::default()
    };
    eval_request(&set, &req).details.get(PolicyType::Resource) == Some(Decision::Allowed)
}

/// Soundness by brute force: every concrete external request through an access point of the bucket
/// (or through a cross-account access point) that both policies allow lies inside some finding.
fn sweep(r: &ExternalResource, fs: &[ExternalFinding]) -> usize {
    let mut count = 0;
    let Some(bucket_policy) = &r.policy else {
        return 0;
    };
    let actions = ["s3:GetObject", "s3:PutObject", "s3:ListBucket"];
    let vpcs: [Option<&str>; 2] = [None, Some("vpc-1")];
    for (caller, _) in callers() {
        for action in actions {
            let key = if action == "s3:ListBucket" { "" } else { "/k" };
            for vpc in vpcs {
                // Through each access point of the owner.
                for ap in &r.access_points {
                    let Some(ap_policy) = &ap.policy else {
                        continue;
                    };
                    if ap.restrict_public_buckets || r.block_public_access.restrict_public_buckets {
                        // The evaluator does not model Block Public Access; those cases are checked
                        // by their expected findings only.
                        continue;
                    }
                    if ap.vpc_id.as_deref().is_some_and(|v| Some(v) != vpc) {
                        continue; // a VPC access point only takes requests from its VPC
                    }
                    let origin = if ap.vpc_id.is_some() {
                        "VPC"
                    } else {
                        "Internet"
                    };
                    let mut ctx = vec![
                        ("s3:DataAccessPointArn", ap.arn.as_str()),
                        ("s3:DataAccessPointAccount", ap.account.as_str()),
                        ("s3:AccessPointNetworkOrigin", origin),
                    ];
                    if let Some(v) = vpc {
                        ctx.push(("aws:SourceVpc", v));
                    }
                    let ap_res = if key.is_empty() {
                        ap.arn.clone()
                    } else {
                        format!("{}/object{key}", ap.arn)
                    };
                    let b_res = format!("{BUCKET}{key}");
                    if !(allowed(ap_policy, &caller, action, &ap_res, &ctx)
                        && allowed(bucket_policy, &caller, action, &b_res, &ctx))
                    {
                        continue;
                    }
                    count += 1;
                    let inside = fs.iter().any(|f| in_finding(f, &caller, action, &ctx));
                    assert!(
                        inside,
                        "uncovered: {caller:?} {action} via {} vpc {vpc:?}",
                        ap.arn
                    );
                }
                // Through a cross-account access point in account OTHER.
                let foreign = format!("arn:aws:s3:us-east-1:{OTHER}:accesspoint/x");
                let ctx = vec![
                    ("s3:DataAccessPointArn", foreign.as_str()),
                    ("s3:DataAccessPointAccount", OTHER),
                ];
                let b_res = format!("{BUCKET}{key}");
                if allowed(bucket_policy, &caller, action, &b_res, &ctx)
                    && !r.block_public_access.restrict_public_buckets
                {
                    count += 1;
                    let inside = fs.iter().any(|f| in_finding(f, &caller, action, &ctx));
                    assert!(
                        inside,
                        "uncovered: {caller:?} {action} via a cross-account access point"
                    );
                }
            }
        }
    }
    count
}

#[test]
fn public_access_point_policy_with_delegating_bucket_is_public() {
    // IAM user guide, access-analyzer-resources.html: a finding is generated when "an access point,
    // including a multi-Region access point, applied to a bucket grants access to an external
    // entity". S3 user guide, "Configuring IAM policies for using access points": the access point
    // and the underlying bucket must both permit the request; the bucket delegates with
    // `s3:DataAccessPointAccount` = owner ("Delegating access control to access points"). The access
    // point policy grants `*` with no condition: public (S3 "The meaning of public"). Source type
    // `S3_ACCESS_POINT` with `detail.accessPointArn` (API reference, FindingSource /
    // FindingSourceDetail: "The ARN of the access point that generated the finding").
    let r = bucket(
        &delegate_to_account(OWN),
        vec![point(AP, Some(&ap_get(AP, r#""*""#)))],
    );
    check(
        &r,
        &[("AWS=*", &["s3:GetObject"], &[], true, "S3_ACCESS_POINT", AP)],
    );
}

#[test]
fn vpc_access_point_is_not_public() {
    // S3 user guide, "The meaning of public": access points with a VPC network origin are always
    // non-public. The access is still external (any principal from within the VPC), so the finding
    // stays, restricted by the VPC (`aws:SourceVpc`, a filter key of access-analyzer-reference-filter-keys).
    let mut p = point(AP, Some(&ap_get(AP, r#""*""#)));
    p.vpc_id = Some("vpc-1".to_owned());
    let r = bucket(&delegate_to_account(OWN), vec![p]);
    check(
        &r,
        &[(
            "AWS=*",
            &["s3:GetObject"],
            &["aws:SourceVpc=vpc-1"],
            false,
            "S3_ACCESS_POINT",
            AP,
        )],
    );
}

#[test]
fn block_public_access_on_the_access_point_removes_the_public_finding() {
    // S3 user guide, "Blocking public access": RestrictPublicBuckets on an access point restricts a
    // public access point policy to service principals and the owner's principals; the settings of
    // the access point, the bucket and the account all apply to requests through the access point.
    // IAM user guide: "Amazon S3 Block Public Access settings override … the access point policies".
    let mut p = point(AP, Some(&ap_get(AP, r#""*""#)));
    p.restrict_public_buckets = true;
    check(&bucket(&delegate_to_account(OWN), vec![p]), &[]);
    // The same at the bucket (or account) level.
    let mut r = bucket(
        &delegate_to_account(OWN),
        vec![point(AP, Some(&ap_get(AP, r#""*""#)))],
    );
    r.block_public_access = BlockPublicAccess {
        ignore_public_acls: false,
        restrict_public_buckets: true,
    };
    check(&r, &[]);
}

#[test]
fn no_access_point_finding_without_delegation() {
    // S3 user guide: "Permissions granted in an access point policy are effective only if the
    // underlying bucket also allows the same access." A bucket policy granting only its own account
    // (or no bucket policy) gives no external access through the access point.
    let own_only = policy(&[allow(
        &format!(r#"{{"AWS":"arn:aws:iam::{OWN}:root"}}"#),
        "s3:*",
        r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#,
        "",
    )]);
    check(
        &bucket(&own_only, vec![point(AP, Some(&ap_get(AP, r#""*""#)))]),
        &[],
    );
    // A bucket delegating to another access point only: nothing through `ap`.
    check(
        &bucket(
            &delegate_to_arn(AP2),
            vec![
                point(AP, Some(&ap_get(AP, r#""*""#))),
                point(AP2, Some(&ap_get(AP2, &format!(r#"{{"AWS":"{OWN}"}}"#)))),
            ],
        ),
        &[],
    );
}

#[test]
fn access_point_grant_to_another_account_is_cross_account() {
    // The bucket delegates to its access points; the access point grants account OTHER: the finding's
    // principal is that account and it is not public (S3 "The meaning of public": a grant to a fixed
    // AWS account is not public). The bucket statement's `*` principal is narrowed by the access point.
    let r = bucket(
        &delegate_to_account(OWN),
        vec![point(
            AP,
            Some(&ap_get(AP, &format!(r#"{{"AWS":"{OTHER}"}}"#))),
        )],
    );
    check(
        &r,
        &[(
            "AWS=444455556666",
            &["s3:GetObject"],
            &[],
            false,
            "S3_ACCESS_POINT",
            AP,
        )],
    );
}

#[test]
fn cross_account_access_point_public_then_account_under_bpa() {
    // IAM user guide, access-analyzer-resources.html: "IAM Access Analyzer doesn't analyze the access
    // point policy attached to cross-account access points … IAM Access Analyzer generates a public
    // finding when a bucket delegates access to a cross-account access point and Block Public Access
    // is not enabled on the bucket or account. When you enable Block Public Access, the public
    // finding is resolved and IAM Access Analyzer generates a cross-account finding for the
    // cross-account access point." Source type `S3_ACCESS_POINT_ACCOUNT`, `detail.accessPointAccount`
    // "The account of the cross-account access point that generated the finding".
    let r = bucket(&delegate_to_account(OTHER), vec![]);
    let fs = find_resource_findings(&r, &zone()).unwrap();
    assert!(!fs.is_empty());
    let all_s3: Vec<String> = fs[0].action.clone();
    assert!(all_s3.contains(&"s3:GetObject".to_owned()));
    let rows: Vec<_> = fs.iter().map(row).collect();
    assert_eq!(
        rows,
        vec![(
            "AWS=*".to_owned(),
            all_s3.clone(),
            vec!["s3:DataAccessPointAccount=444455556666".to_owned()],
            true,
            "S3_ACCESS_POINT_ACCOUNT".to_owned(),
            OTHER.to_owned()
        )]
    );
    replay_witnesses(&r, &fs);
    assert!(sweep(&r, &fs) > 0);

    let mut r = r;
    r.block_public_access.restrict_public_buckets = true;
    let fs = find_resource_findings(&r, &zone()).unwrap();
    let rows: Vec<_> = fs.iter().map(row).collect();
    assert_eq!(
        rows,
        vec![(
            "AWS=444455556666".to_owned(),
            all_s3,
            vec!["s3:DataAccessPointAccount=444455556666".to_owned()],
            false,
            "S3_ACCESS_POINT_ACCOUNT".to_owned(),
            OTHER.to_owned()
        )]
    );
}

#[test]
fn multi_region_access_point() {
    // S3 user guide, "Multi-Region Access Point permissions": for a cross-account request the
    // multi-Region access point policy and the underlying bucket policy must both permit it. IAM user
    // guide: findings cover "access point, including a multi-Region access point"; FindingSourceDetail:
    // "The ARN format depends on whether the ARN represents an access point or a multi-region access
    // point". Here the bucket delegates by `s3:DataAccessPointArn` = the multi-Region access point.
    let r = bucket(
        &delegate_to_arn(MRAP),
        vec![point(
            MRAP,
            Some(&ap_get(MRAP, &format!(r#"{{"AWS":"{OTHER}"}}"#))),
        )],
    );
    check(
        &r,
        &[(
            "AWS=444455556666",
            &["s3:GetObject"],
            &[],
            false,
            "S3_ACCESS_POINT",
            MRAP,
        )],
    );
    // A public multi-Region access point policy under its own Block Public Access: nothing
    // (S3 user guide, "Multi-Region Access Point permissions", managing public access: the
    // multi-Region access point's own settings apply).
    let mut p = point(MRAP, Some(&ap_get(MRAP, r#""*""#)));
    p.restrict_public_buckets = true;
    check(&bucket(&delegate_to_arn(MRAP), vec![p]), &[]);
}

#[test]
fn direct_grant_is_still_a_policy_finding() {
    // A bucket policy grant without access point conditions applies to direct requests: it stays a
    // `POLICY` finding (FindingSource type POLICY), and an access point grant it already contains adds
    // no finding of its own.
    let direct = policy(&[
        allow(
            &format!(r#"{{"AWS":"{OTHER}"}}"#),
            "s3:GetObject",
            r#""arn:aws:s3:::b/*""#,
            "",
        ),
        allow(
            r#""*""#,
            "*",
            r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#,
            &format!(r#"{{"StringEquals":{{"s3:DataAccessPointAccount":"{OWN}"}}}}"#),
        ),
    ]);
    let r = bucket(
        &direct,
        vec![point(
            AP,
            Some(&ap_get(AP, &format!(r#"{{"AWS":"{OTHER}"}}"#))),
        )],
    );
    check(
        &r,
        &[(
            "AWS=444455556666",
            &["s3:GetObject"],
            &[],
            false,
            "POLICY",
            "",
        )],
    );
}

#[test]
fn unknown_access_points_keep_the_delegation_as_written() {
    // When the access points were not collected the delegation cannot be resolved: it is reported as
    // the bucket policy writes it (a sound over-approximation; docs/external-access.md).
    let mut r = bucket(&delegate_to_account(OWN), vec![]);
    r.access_points_known = false;
    let fs = find_resource_findings(&r, &zone()).unwrap();
    assert_eq!(fs.len(), 1);
    assert_eq!(fs[0].source_type, Some("POLICY"));
    assert_eq!(
        fs[0]
            .condition
            .get("s3:DataAccessPointAccount")
            .map(String::as_str),
        Some(OWN)
    );
    assert!(!fs[0].is_public);
    replay_witnesses(&r, &fs);
}

/// A grid of bucket policies × access point policies × network origins: every finding's witness
/// replays under both policies and the brute-force sweep finds every allowed request inside a finding
/// (soundness, S3 user guide: a request through an access point needs both policies to allow it).
#[test]
fn grid_is_sound_and_witnessed() {
    let both = r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#;
    let deleg = |cond: &str| allow(r#""*""#, "*", both, cond);
    let buckets: Vec<String> = vec![
        delegate_to_account(OWN),
        delegate_to_arn(AP),
        policy(&[deleg(&format!(
            r#"{{"ArnLike":{{"s3:DataAccessPointArn":"arn:aws:s3:*:{OWN}:accesspoint/*"}}}}"#
        ))]),
        policy(&[
            allow(
                &format!(r#"{{"AWS":"{OTHER}"}}"#),
                "s3:GetObject",
                r#""arn:aws:s3:::b/*""#,
                "",
            ),
            deleg(&format!(
                r#"{{"StringEquals":{{"s3:DataAccessPointAccount":"{OWN}"}}}}"#
            )),
        ]),
        policy(&[
            deleg(&format!(
                r#"{{"StringEquals":{{"s3:DataAccessPointAccount":"{OWN}"}}}}"#
            )),
            r#"{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"StringNotEquals":{"s3:AccessPointNetworkOrigin":"VPC"}}}"#.to_owned(),
        ]),
        policy(&[deleg(&format!(
            r#"{{"StringEquals":{{"s3:DataAccessPointAccount":["{OWN}","{OTHER}"]}}}}"#
        ))]),
        policy(&[deleg(&format!(
            r#"{{"StringNotEquals":{{"s3:DataAccessPointAccount":"{OWN}"}}}}"#
        ))]),
        policy(&[deleg(&format!(
            r#"{{"StringEquals":{{"s3:DataAccessPointAccount":"{OWN}","aws:SourceVpc":"vpc-1"}}}}"#
        ))]),
    ];
    let ap_policies: Vec<String> = vec![
        ap_get(AP, r#""*""#),
        policy(&[allow(
            &format!(r#"{{"AWS":"{OTHER}"}}"#),
            "s3:*",
            &format!(r#"["{AP}","{AP}/object/*"]"#),
            "",
        )]),
        policy(&[allow(
            r#""*""#,
            "s3:GetObject",
            &format!(r#""{AP}/object/*""#),
            &format!(r#"{{"StringEquals":{{"aws:PrincipalAccount":"{OTHER}"}}}}"#),
        )]),
        policy(&[
            allow(
                r#""*""#,
                "s3:*",
                &format!(r#"["{AP}","{AP}/object/*"]"#),
                "",
            ),
            format!(
                r#"{{"Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"{AP}/object/*"}}"#
            ),
        ]),
        policy(&[allow(
            r#""*""#,
            "s3:GetObject",
            &format!(r#""{AP}/object/*""#),
            r#"{"StringEquals":{"aws:SourceVpc":"vpc-1"}}"#,
        )]),
    ];
    let mut cases = 0;
    let mut allowed_requests = 0;
    for b in &buckets {
        for a in &ap_policies {
            for vpc in [None, Some("vpc-1")] {
                let mut p = point(AP, Some(a));
                p.vpc_id = vpc.map(str::to_owned);
                let r = bucket(b, vec![p]);
                let fs = find_resource_findings(&r, &zone()).unwrap();
                replay_witnesses(&r, &fs);
                allowed_requests += sweep(&r, &fs);
                for f in &fs {
                    // A VPC access point's findings are never public (S3 "The meaning of public").
                    if vpc.is_some() && f.source_type == Some("S3_ACCESS_POINT") {
                        assert!(!f.is_public, "{f:?}");
                    }
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 80);
    assert!(allowed_requests > 100, "{allowed_requests}");
}

#[test]
fn delegation_to_own_and_cross_account_access_points() {
    // The bucket delegates to the owner's access points and to account OTHER's. Through the owner's
    // public access point: a public `S3_ACCESS_POINT` finding. Through OTHER's access points (policy
    // unreadable): a public `S3_ACCESS_POINT_ACCOUNT` finding for OTHER (IAM user guide,
    // access-analyzer-resources.html, cross-account access points). Nothing is reported as a
    // cross-account access point of the owner's own account.
    let r = bucket(
        &policy(&[allow(
            r#""*""#,
            "*",
            r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#,
            &format!(r#"{{"StringEquals":{{"s3:DataAccessPointAccount":["{OWN}","{OTHER}"]}}}}"#),
        )]),
        vec![point(AP, Some(&ap_get(AP, r#""*""#)))],
    );
    let fs = find_resource_findings(&r, &zone()).unwrap();
    let rows: Vec<_> = fs
        .iter()
        .map(|f| {
            let (p, _, c, public, ty, d) = row(f);
            (p, c, public, ty, d)
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "AWS=*".to_owned(),
                vec!["s3:DataAccessPointAccount=444455556666".to_owned()],
                true,
                "S3_ACCESS_POINT_ACCOUNT".to_owned(),
                OTHER.to_owned()
            ),
            (
                "AWS=*".to_owned(),
                vec![],
                true,
                "S3_ACCESS_POINT".to_owned(),
                AP.to_owned()
            ),
        ]
    );
    assert_eq!(fs[1].action, vec!["s3:GetObject".to_owned()]);
    replay_witnesses(&r, &fs);
    assert!(sweep(&r, &fs) > 0);
}
