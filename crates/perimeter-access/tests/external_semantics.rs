//! External-access semantics (access-analyzer.md §1), one table through one `check` helper. Each
//! expected value cites the AWS documentation it follows.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a policy that does not parse fails the test"
)]

use std::collections::BTreeMap;

use perimeter_access::external::{
    AclGrantInput, BlockPublicAccess, ExternalResource, ShareInput, ZoneOfTrust,
    find_resource_findings, resource_policy_kind,
};
use perimeter_access::witness::{Side, replay};

const OWN: &str = "111122223333";

/// (principal "TYPE=VALUE", actions, conditions "key=value", isPublic)
type Expected = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    bool,
);

fn check(r: ExternalResource, zone: ZoneOfTrust, expected: &[Expected]) {
    let fs = find_resource_findings(&r, &zone).unwrap();
    let got: Vec<(String, Vec<String>, Vec<String>, bool)> = fs
        .iter()
        .map(|f| {
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
            (p, f.action.clone(), c, f.is_public)
        })
        .collect();
    let want: Vec<(String, Vec<String>, Vec<String>, bool)> = expected
        .iter()
        .map(|(p, a, c, public)| {
            (
                (*p).to_owned(),
                a.iter().map(|s| (*s).to_owned()).collect(),
                c.iter().map(|s| (*s).to_owned()).collect(),
                *public,
            )
        })
        .collect();
    let mut g = got.clone();
    g.sort();
    let mut w = want.clone();
    w.sort();
    assert_eq!(g, w, "resource {}", r.arn);
    // Every policy finding's witness is allowed by the policy and made by an external caller.
    if let Some(policy) = &r.policy {
        for f in &fs {
            let Some(wit) = &f.witness else { continue };
            let side = Side::Resource(resource_policy_kind(&r.resource_type));
            assert_eq!(replay(policy, side, wit), Some(true), "witness {wit:?}");
            let acct = wit
                .principal
                .values()
                .find_map(|v| v.split(':').nth(4).map(str::to_owned));
            assert!(
                acct.is_none_or(|a| !zone.contains_account(&a)),
                "internal witness {wit:?}"
            );
        }
    }
}

fn res(ty: &str, arn: &str, policy: &str) -> ExternalResource {
    ExternalResource {
        arn: arn.to_owned(),
        resource_type: ty.to_owned(),
        owner_account: OWN.to_owned(),
        policy: (!policy.is_empty()).then(|| perimeter_iam::parse_and_lower(policy).unwrap()),
        ..ExternalResource::default()
    }
}

fn acct() -> ZoneOfTrust {
    ZoneOfTrust::Account(OWN.to_owned())
}

fn org() -> ZoneOfTrust {
    ZoneOfTrust::Organization {
        id: "o-abc123".to_owned(),
        accounts: vec![OWN.to_owned()],
    }
}

const QUEUE: &str = "arn:aws:sqs:us-east-1:111122223333:q";
const BUCKET: &str = "arn:aws:s3:::b";
const ROLE: &str = "arn:aws:iam::111122223333:role/r";

fn stmt(principal: &str, action: &str, resource: &str, condition: &str) -> String {
    let cond = if condition.is_empty() {
        String::new()
    } else {
        format!(r#","Condition":{condition}"#)
    };
    let res = if resource.is_empty() {
        String::new()
    } else {
        format!(r#","Resource":"{resource}""#)
    };
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{principal},"Action":"{action}"{res}{cond}}}]}}"#
    )
}

#[test]
fn policy_semantics() {
    // §1.4: aws:UserAgent is attacker-controlled, so the grant stays public.
    check(
        res(
            "AWS::SQS::Queue",
            QUEUE,
            &stmt(
                r#""*""#,
                "sqs:SendMessage",
                QUEUE,
                r#"{"StringLike":{"aws:UserAgent":"*sdk*"}}"#,
            ),
        ),
        acct(),
        &[("AWS=*", &["sqs:SendMessage"], &[], true)],
    );
    // §1.5: a service principal alone is never a finding.
    check(
        res(
            "AWS::SQS::Queue",
            QUEUE,
            &stmt(
                r#"{"Service":"sns.amazonaws.com"}"#,
                "sqs:SendMessage",
                QUEUE,
                "",
            ),
        ),
        acct(),
        &[],
    );
    // §1.6 EventBridge example: another account's read is cross-account, not public.
    check(
        res(
            "AWS::S3::Bucket",
            BUCKET,
            &stmt(
                r#"{"AWS":"999988887777"}"#,
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                "",
            ),
        ),
        acct(),
        &[("AWS=999988887777", &["s3:GetObject"], &[], false)],
    );
    // §1.1: the zone's own account is trusted.
    check(
        res(
            "AWS::S3::Bucket",
            BUCKET,
            &stmt(
                r#"{"AWS":"arn:aws:iam::111122223333:root"}"#,
                "s3:GetObject",
                "arn:aws:s3:::b/*",
                "",
            ),
        ),
        acct(),
        &[],
    );
    // §1.4: aws:PrincipalOrgID = own org is inside an ORGANIZATION zone, outside an ACCOUNT zone.
    let org_policy = stmt(
        r#""*""#,
        "sqs:SendMessage",
        QUEUE,
        r#"{"StringEquals":{"aws:PrincipalOrgID":"o-abc123"}}"#,
    );
    check(res("AWS::SQS::Queue", QUEUE, &org_policy), org(), &[]);
    check(
        res("AWS::SQS::Queue", QUEUE, &org_policy),
        acct(),
        &[(
            "AWS=*",
            &["sqs:SendMessage"],
            &["aws:PrincipalOrgID=o-abc123"],
            false,
        )],
    );
    // §1.3 (S3 "public" definition): StringLike vpc-* is public, StringEquals on one VPC is not.
    check(
        res(
            "AWS::SQS::Queue",
            QUEUE,
            &stmt(
                r#""*""#,
                "sqs:SendMessage",
                QUEUE,
                r#"{"StringLike":{"aws:SourceVpc":"vpc-*"}}"#,
            ),
        ),
        acct(),
        &[(
            "AWS=*",
            &["sqs:SendMessage"],
            &["aws:SourceVpc=vpc-*"],
            true,
        )],
    );
    check(
        res(
            "AWS::SQS::Queue",
            QUEUE,
            &stmt(
                r#""*""#,
                "sqs:SendMessage",
                QUEUE,
                r#"{"StringEquals":{"aws:SourceVpc":"vpc-91237329"}}"#,
            ),
        ),
        acct(),
        &[(
            "AWS=*",
            &["sqs:SendMessage"],
            &["aws:SourceVpc=vpc-91237329"],
            false,
        )],
    );
    // §1.3: an aws:SourceIp range broader than /8 is public.
    check(
        res(
            "AWS::SQS::Queue",
            QUEUE,
            &stmt(
                r#""*""#,
                "sqs:SendMessage",
                QUEUE,
                r#"{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}"#,
            ),
        ),
        acct(),
        &[(
            "AWS=*",
            &["sqs:SendMessage"],
            &["aws:SourceIp=0.0.0.0/1"],
            true,
        )],
    );
    // §1.2: kms:CallerAccount naming the trusted account gives no finding.
    check(
        res(
            "AWS::KMS::Key",
            "arn:aws:kms:us-east-1:111122223333:key/k",
            &stmt(
                r#""*""#,
                "kms:Decrypt",
                "*",
                r#"{"StringEquals":{"kms:CallerAccount":"111122223333"}}"#,
            ),
        ),
        acct(),
        &[],
    );
    // §1.6 get-finding example: a Cognito trust pinned by its audience.
    check(
        res(
            "AWS::IAM::Role",
            ROLE,
            &stmt(
                r#"{"Federated":"cognito-identity.amazonaws.com"}"#,
                "sts:AssumeRoleWithWebIdentity",
                "",
                r#"{"StringEquals":{"cognito-identity.amazonaws.com:aud":"us-west-2:EXAMPLE0-0000-0000-0000-000000000000"}}"#,
            ),
        ),
        acct(),
        &[(
            "Federated=cognito-identity.amazonaws.com",
            &["sts:AssumeRoleWithWebIdentity"],
            &["cognito-identity.amazonaws.com:aud=us-west-2:EXAMPLE0-0000-0000-0000-000000000000"],
            false,
        )],
    );
}

#[test]
fn grants_and_block_public_access() {
    let public_policy = stmt(r#""*""#, "s3:GetObject", "arn:aws:s3:::b/*", "");
    let all_users = AclGrantInput {
        grantee_type: "Group".to_owned(),
        grantee_uri: Some("http://acs.amazonaws.com/groups/global/AllUsers".to_owned()),
        permission: "READ".to_owned(),
        ..AclGrantInput::default()
    };
    // S3 user guide, block public access: RestrictPublicBuckets cuts a public policy's access,
    // IgnorePublicAcls ignores ACL grants to AllUsers / AuthenticatedUsers.
    let mut b = res("AWS::S3::Bucket", BUCKET, &public_policy);
    b.acl_grants = vec![all_users.clone()];
    check(
        b.clone(),
        acct(),
        &[
            ("AWS=*", &["s3:GetObject"], &[], true),
            (
                "AWS=*",
                &[
                    "s3:ListBucket",
                    "s3:ListBucketMultipartUploads",
                    "s3:ListBucketVersions",
                ],
                &[],
                true,
            ),
        ],
    );
    b.block_public_access = BlockPublicAccess {
        ignore_public_acls: true,
        restrict_public_buckets: true,
    };
    check(b, acct(), &[]);
    // §1.2: EBS snapshots shared with `all` are public, with an account cross-account.
    let mut s = res(
        "AWS::EC2::Snapshot",
        "arn:aws:ec2:us-east-1:111122223333:snapshot/snap-1",
        "",
    );
    s.shares = vec![
        ShareInput::All,
        ShareInput::Account("444455556666".to_owned()),
        ShareInput::Account(OWN.to_owned()),
    ];
    check(
        s,
        acct(),
        &[
            (
                "AWS=*",
                &["ec2:CopySnapshot", "ec2:CreateVolume"],
                &[],
                true,
            ),
            (
                "AWS=444455556666",
                &["ec2:CopySnapshot", "ec2:CreateVolume"],
                &[],
                false,
            ),
        ],
    );
    let _ = BTreeMap::<String, String>::new();
}
