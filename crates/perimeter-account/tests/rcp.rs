//! Resource control policies: loading (shapes of the botocore `organizations` model's ListPolicies,
//! DescribePolicy, ListTargetsForPolicy and ListParents responses; missing and malformed files) and the
//! `resourceControlPolicyRestriction` decision, case by case, each citing the AWS statement it follows.
//!
//! Sources cited below:
//! - [model]: botocore `accessanalyzer` 2019-11-01, `ExternalAccessDetails.resourceControlPolicyRestriction`:
//!   APPLICABLE "There is an RCP present in the organization but IAM Access Analyzer does not include it
//!   in the evaluation of effective permissions"; NOT_APPLICABLE "There was no RCP present in the
//!   organization, or there was no RCP applicable to the resource. For example, the resource being
//!   analyzed is an Amazon RDS snapshot and there is an RCP in the organization, but the RCP only impacts
//!   Amazon S3 buckets"; FAILED_TO_EVALUATE_RCP "There was an error evaluating the RCP".
//! - [rcps]: AWS Organizations user guide, orgs_manage_policies_rcps.html: "RCPs don't affect resources
//!   in the management account"; RCPs apply to a subset of services (S3, STS, KMS, SQS, Secrets Manager,
//!   …); an RCP affects only resources of accounts in the organization; RCPs attach to the root, OUs
//!   or accounts and are inherited down the tree.
//! - [syntax]: orgs_manage_policies_rcps_syntax.html: "The effect of `Allow` is only supported for the
//!   `RCPFullAWSAccess` policy", attached everywhere, which "does not grant access" and lets everything
//!   pass RCP evaluation.
//! - [resource]: IAM user guide, reference_policies_elements_resource.html (wildcards in ARNs).

#![expect(
    clippy::unwrap_used,
    reason = "test fixtures: a malformed fixture fails the test"
)]

use perimeter_account::rcp::{RcpIndex, RcpRestriction};
use perimeter_account::*;

const MEMBER: &str = "111111111111";
const MANAGEMENT: &str = "999999999999";
const D: &str = "us-east-1";
const BUCKET: &str = "arn:aws:s3:::b";
const QUEUE: &str = "arn:aws:sqs:us-east-1:111111111111:q";
const KEY: &str = "arn:aws:kms:us-east-1:111111111111:key/k";
const TOPIC: &str = "arn:aws:sns:us-east-1:111111111111:t";
const ROLE: &str = "arn:aws:iam::111111111111:role/r";
const RDS: &str = "arn:aws:rds:us-east-1:111111111111:snapshot:s";

const DENY_S3_OUTSIDE_ORG: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"OrgOnly","Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"o-1"},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}"#;
const FULL_ACCESS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}"#;

/// One RCP of a fixture: id, content (`None`: no describe-policy file), targets JSON (`None`: no file).
struct Rcp<'a> {
    id: &'a str,
    aws_managed: bool,
    content: Option<&'a str>,
    targets: Option<&'a str>,
}

fn rcp<'a>(id: &'a str, content: &'a str, targets: &'a str) -> Rcp<'a> {
    Rcp {
        id,
        aws_managed: false,
        content: Some(content),
        targets: Some(targets),
    }
}

fn root_target() -> &'static str {
    r#"{"Targets":[{"TargetId":"r-ab12","Arn":"arn:aws:organizations::999999999999:root/o-1/r-ab12","Name":"Root","Type":"ROOT"}]}"#
}

fn deny(action: &str, resource: &str) -> String {
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":{action},"Resource":{resource}}}]}}"#
    )
}

fn files(rcps: Option<&[Rcp<'_>]>, parents: &[(&str, &str)]) -> SnapshotFiles {
    let mut f = SnapshotFiles::new();
    f.insert(
        "describe-regions.json",
        r#"{"Regions":[{"RegionName":"us-east-1"}]}"#,
    );
    f.insert(
        format!("{D}/sts-get-caller-identity.json"),
        format!(r#"{{"Account":"{MEMBER}"}}"#),
    );
    f.insert(
        format!("{D}/organizations-describe-organization.json"),
        format!(
            r#"{{"Organization":{{"Id":"o-1","Arn":"arn:aws:organizations::{MANAGEMENT}:organization/o-1","MasterAccountId":"{MANAGEMENT}"}}}}"#
        ),
    );
    if let Some(rcps) = rcps {
        let entries: Vec<String> = rcps
            .iter()
            .map(|r| {
                format!(
                    r#"{{"Id":"{}","Arn":"arn:aws:organizations::aws:policy/resource_control_policy/{}","Name":"{}","Description":"","Type":"RESOURCE_CONTROL_POLICY","AwsManaged":{}}}"#,
                    r.id,
                    r.id,
                    if r.aws_managed { "RCPFullAWSAccess" } else { r.id },
                    r.aws_managed
                )
            })
            .collect();
        f.insert(
            format!("{D}/organizations-list-policies/RESOURCE_CONTROL_POLICY"),
            format!(r#"{{"Policies":[{}]}}"#, entries.join(",")),
        );
        for r in rcps {
            if let Some(c) = r.content {
                let content = serde_json::to_string(c).unwrap();
                f.insert(
                    format!("{D}/organizations-describe-policy/{}", r.id),
                    format!(
                        r#"{{"Policy":{{"PolicySummary":{{"Id":"{}","Type":"RESOURCE_CONTROL_POLICY","AwsManaged":{}}},"Content":{content}}}}}"#,
                        r.id, r.aws_managed
                    ),
                );
            }
            if let Some(t) = r.targets {
                f.insert(
                    format!("{D}/organizations-list-targets-for-policy/{}", r.id),
                    t.to_owned(),
                );
            }
        }
    }
    for (child, body) in parents {
        f.insert(
            format!("{D}/organizations-list-parents/{child}"),
            (*body).to_owned(),
        );
    }
    f
}

fn snapshot(rcps: Option<&[Rcp<'_>]>, parents: &[(&str, &str)]) -> Snapshot {
    lower_snapshot(&files(rcps, parents))
}

fn decide(s: &Snapshot, ty: ResourceType, arn: &str) -> Option<RcpRestriction> {
    RcpIndex::new(s).decide(ty, arn, MEMBER).restriction
}

const APPLICABLE: Option<RcpRestriction> = Some(RcpRestriction::Applicable);
const NOT_APPLICABLE: Option<RcpRestriction> = Some(RcpRestriction::NotApplicable);
const FAILED: Option<RcpRestriction> = Some(RcpRestriction::FailedToEvaluateRcp);

// ---------------------------------------------------------------------------------------------
// Loading.

#[test]
fn loads_the_response_shapes() {
    // Shapes: botocore organizations 2016-11-28, ListPoliciesResponse.Policies[] (PolicySummary: Id,
    // Arn, Name, Description, Type, AwsManaged), DescribePolicyResponse.Policy{PolicySummary, Content},
    // ListTargetsForPolicyResponse.Targets[] (TargetId, Arn, Name, Type), ListParentsResponse.Parents[]
    // (Id, Type).
    let s = snapshot(
        Some(&[
            Rcp {
                id: "p-RCPFullAWSAccess",
                aws_managed: true,
                content: Some(FULL_ACCESS),
                targets: Some(root_target()),
            },
            rcp("p-s3org", DENY_S3_OUTSIDE_ORG, root_target()),
        ]),
        &[
            (
                MEMBER,
                r#"{"Parents":[{"Id":"ou-ab12-11111111","Type":"ORGANIZATIONAL_UNIT"}]}"#,
            ),
            (
                "ou-ab12-11111111",
                r#"{"Parents":[{"Id":"r-ab12","Type":"ROOT"}]}"#,
            ),
        ],
    );
    assert!(s.diagnostics.is_empty(), "{:#?}", s.diagnostics);
    let rcps = s.resource_control_policies.as_ref().unwrap();
    assert_eq!(
        rcps.origin.file,
        "us-east-1/organizations-list-policies/RESOURCE_CONTROL_POLICY"
    );
    assert_eq!(rcps.policies.len(), 2);
    let full = &rcps.policies[0];
    assert!(full.aws_managed);
    assert_eq!(full.name.as_deref(), Some("RCPFullAWSAccess"));
    let p = &rcps.policies[1];
    assert_eq!(p.id, "p-s3org");
    assert!(!p.aws_managed);
    assert_eq!(p.origin.pointer, "/Policies/1");
    let RcpPart::Collected(doc) = &p.content else {
        panic!("{:?}", p.content)
    };
    assert_eq!(doc.text, DENY_S3_OUTSIDE_ORG);
    assert_eq!(
        doc.origin.file,
        "us-east-1/organizations-describe-policy/p-s3org"
    );
    assert_eq!(doc.origin.pointer, "/Policy/Content");
    let RcpPart::Collected(targets) = &p.targets else {
        panic!("{:?}", p.targets)
    };
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].target_id, "r-ab12");
    assert_eq!(targets[0].target_type, "ROOT");
    assert_eq!(targets[0].name.as_deref(), Some("Root"));
    assert_eq!(targets[0].origin.pointer, "/Targets/0");
    assert_eq!(rcps.parents[MEMBER][0].id, "ou-ab12-11111111");
    assert_eq!(rcps.parents[MEMBER][0].parent_type, "ORGANIZATIONAL_UNIT");
    assert_eq!(rcps.parents["ou-ab12-11111111"][0].parent_type, "ROOT");
}

#[test]
fn missing_files_are_not_collected() {
    // No listing at all: nothing is known about RCPs.
    let s = snapshot(None, &[]);
    assert!(s.resource_control_policies.is_none());
    assert!(s.diagnostics.is_empty());
    // A listed policy without its describe-policy / list-targets-for-policy files.
    let s = snapshot(
        Some(&[Rcp {
            id: "p-1",
            aws_managed: false,
            content: None,
            targets: None,
        }]),
        &[],
    );
    assert!(s.diagnostics.is_empty(), "{:#?}", s.diagnostics);
    let p = &s.resource_control_policies.as_ref().unwrap().policies[0];
    assert_eq!(
        p.content.missing(),
        Some("us-east-1/organizations-describe-policy/p-1")
    );
    assert_eq!(
        p.targets.missing(),
        Some("us-east-1/organizations-list-targets-for-policy/p-1")
    );
}

#[test]
fn malformed_files_give_file_and_pointer() {
    let mut f = files(
        Some(&[
            rcp(
                "p-bad",
                "{\"Version\": \"2012-10-17\", \"Statement\": [",
                root_target(),
            ),
            rcp(
                "p-badtarget",
                DENY_S3_OUTSIDE_ORG,
                r#"{"Targets":[{"TargetId":"r-ab12","Type":"GALAXY"}]}"#,
            ),
        ]),
        &[(MEMBER, r#"{"Parents":[{"Id":"ou-1"}]}"#)],
    );
    // A listing entry without `Id` is skipped with a diagnostic; the others load.
    let listing = "us-east-1/organizations-list-policies/RESOURCE_CONTROL_POLICY";
    let text = String::from_utf8(f.get(listing).unwrap().to_vec()).unwrap();
    f.insert(
        listing,
        text.replace(r#"{"Policies":["#, r#"{"Policies":[{"Name":"x"},"#),
    );
    let s = lower_snapshot(&f);
    let got: Vec<(String, String)> = s
        .diagnostics
        .iter()
        .map(|d| (d.origin.file.clone(), d.origin.pointer.clone()))
        .collect();
    assert_eq!(
        got,
        vec![
            (listing.to_owned(), "/Policies/0".to_owned()),
            (
                "us-east-1/organizations-describe-policy/p-bad".to_owned(),
                "/Policy/Content".to_owned()
            ),
            (
                "us-east-1/organizations-list-targets-for-policy/p-badtarget".to_owned(),
                "/Targets/0".to_owned()
            ),
            (
                "us-east-1/organizations-list-parents/111111111111".to_owned(),
                "/Parents/0".to_owned()
            ),
        ],
        "{:#?}",
        s.diagnostics
    );
    let rcps = s.resource_control_policies.as_ref().unwrap();
    assert_eq!(rcps.policies.len(), 2);
    assert!(matches!(
        rcps.policies[0].content,
        RcpPart::Malformed { .. }
    ));
    assert!(matches!(
        rcps.policies[1].targets,
        RcpPart::Malformed { .. }
    ));
    // The account's place in the tree is unknown, not wrong.
    assert!(rcps.parents.is_empty());
    // A listing that is not JSON: a diagnostic with line and column, and RCPs count as not collected.
    let mut f = files(Some(&[]), &[]);
    f.insert(listing, "{\"Policies\": [");
    let s = lower_snapshot(&f);
    assert!(s.resource_control_policies.is_none());
    assert_eq!(s.diagnostics.len(), 1);
    assert_eq!(s.diagnostics[0].origin.file, listing);
    assert!(s.diagnostics[0].line_column.is_some());
}

// ---------------------------------------------------------------------------------------------
// The decision.

#[test]
fn not_collected_leaves_the_field_out() {
    // perimeter's rule: without the listing nothing is known, so the field is absent rather than a
    // guess (the model has no "unknown" member).
    let s = snapshot(None, &[]);
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), None);
}

#[test]
fn only_rcp_full_aws_access_is_not_applicable() {
    // [syntax]: RCPFullAWSAccess lets everything pass RCP evaluation; [model]: NOT_APPLICABLE when no
    // RCP applies to the resource.
    let s = snapshot(
        Some(&[Rcp {
            id: "p-RCPFullAWSAccess",
            aws_managed: true,
            content: Some(FULL_ACCESS),
            targets: Some(root_target()),
        }]),
        &[],
    );
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), NOT_APPLICABLE);
    // [model]: no RCP present at all.
    let s = snapshot(Some(&[]), &[]);
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), NOT_APPLICABLE);
}

#[test]
fn management_account_resources_are_not_applicable() {
    // [rcps]: "RCPs don't affect resources in the management account."
    let s = snapshot(
        Some(&[rcp("p-s3org", DENY_S3_OUTSIDE_ORG, root_target())]),
        &[],
    );
    let d = RcpIndex::new(&s).decide(ResourceType::S3Bucket, BUCKET, MANAGEMENT);
    assert_eq!(d.restriction, NOT_APPLICABLE);
    // … and a member account's bucket is restricted by the same RCP.
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), APPLICABLE);
}

#[test]
fn accounts_outside_the_organization_are_not_applicable() {
    // [rcps]: an RCP only affects resources of accounts that are part of the organization.
    let mut f = files(
        Some(&[rcp("p-s3org", DENY_S3_OUTSIDE_ORG, root_target())]),
        &[],
    );
    f.insert(
        format!("{D}/organizations-list-accounts.json"),
        format!(r#"{{"Accounts":[{{"Id":"{MEMBER}"}},{{"Id":"{MANAGEMENT}"}}]}}"#),
    );
    let s = lower_snapshot(&f);
    let d = RcpIndex::new(&s).decide(ResourceType::S3Bucket, BUCKET, "222222222222");
    assert_eq!(d.restriction, NOT_APPLICABLE);
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), APPLICABLE);
}

#[test]
fn an_s3_rcp_applies_to_buckets_only() {
    // [model]: an RCP that only impacts S3 buckets is NOT_APPLICABLE to an RDS snapshot; [rcps]: SNS
    // and RDS are not RCP services, SQS and KMS are, but this RCP denies only `s3:*`.
    let s = snapshot(
        Some(&[rcp("p-s3org", DENY_S3_OUTSIDE_ORG, root_target())]),
        &[],
    );
    let index = RcpIndex::new(&s);
    let d = index.decide(ResourceType::S3Bucket, BUCKET, MEMBER);
    assert_eq!(d.restriction, APPLICABLE);
    assert_eq!(d.policy_ids, vec!["p-s3org".to_owned()]);
    for (ty, arn) in [
        (ResourceType::RdsDbSnapshot, RDS),
        (ResourceType::SnsTopic, TOPIC),
        (ResourceType::SqsQueue, QUEUE),
        (ResourceType::KmsKey, KEY),
        (ResourceType::IamRole, ROLE),
    ] {
        assert_eq!(
            index.decide(ty, arn, MEMBER).restriction,
            NOT_APPLICABLE,
            "{ty}"
        );
    }
}

#[test]
fn rcp_services_follow_the_catalog() {
    // [rcps]: RCPs apply to S3, STS (role trust: `sts:AssumeRole`), KMS, SQS and Secrets Manager;
    // not to SNS, Lambda or RDS. A `Deny *` RCP therefore restricts the first and not the others.
    let all = deny(r#""*""#, r#""*""#);
    let s = snapshot(Some(&[rcp("p-all", &all, root_target())]), &[]);
    let index = RcpIndex::new(&s);
    for (ty, arn, want) in [
        (ResourceType::S3Bucket, BUCKET, APPLICABLE),
        (ResourceType::IamRole, ROLE, APPLICABLE),
        (ResourceType::KmsKey, KEY, APPLICABLE),
        (ResourceType::SqsQueue, QUEUE, APPLICABLE),
        (
            ResourceType::SecretsManagerSecret,
            "arn:aws:secretsmanager:us-east-1:111111111111:secret:s-AbCdEf",
            APPLICABLE,
        ),
        (ResourceType::SnsTopic, TOPIC, NOT_APPLICABLE),
        (
            ResourceType::LambdaFunction,
            "arn:aws:lambda:us-east-1:111111111111:function:f",
            NOT_APPLICABLE,
        ),
        (ResourceType::RdsDbSnapshot, RDS, NOT_APPLICABLE),
    ] {
        assert_eq!(index.decide(ty, arn, MEMBER).restriction, want, "{ty}");
    }
}

#[test]
fn action_and_not_action() {
    // IAM: `NotAction` matches every action not listed (reference_policies_elements_notaction.html).
    let not_s3 = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"s3:*","Resource":"*"}]}"#;
    let s = snapshot(Some(&[rcp("p-nots3", not_s3, root_target())]), &[]);
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), NOT_APPLICABLE);
    assert_eq!(decide(&s, ResourceType::KmsKey, KEY), APPLICABLE);
    // Action names match ignoring case, with wildcards.
    let s = snapshot(
        Some(&[rcp(
            "p-sqs",
            &deny(r#"["SQS:send*"]"#, r#""*""#),
            root_target(),
        )]),
        &[],
    );
    assert_eq!(decide(&s, ResourceType::SqsQueue, QUEUE), APPLICABLE);
    assert_eq!(decide(&s, ResourceType::KmsKey, KEY), NOT_APPLICABLE);
}

#[test]
fn resource_and_not_resource() {
    // [resource]: the RCP must name the resource; for a bucket its objects (`b/*`) count, since the
    // bucket's findings cover object actions.
    for (resource, want) in [
        (r#""arn:aws:s3:::b""#, APPLICABLE),
        (r#""arn:aws:s3:::b/*""#, APPLICABLE),
        (r#""arn:aws:s3:::other/*""#, NOT_APPLICABLE),
        (r#""arn:aws:s3:::b-*""#, NOT_APPLICABLE),
        (r#""arn:aws:s3:::${aws:PrincipalTag/bucket}""#, APPLICABLE),
    ] {
        let s = snapshot(
            Some(&[rcp("p", &deny(r#""s3:*""#, resource), root_target())]),
            &[],
        );
        assert_eq!(
            decide(&s, ResourceType::S3Bucket, BUCKET),
            want,
            "{resource}"
        );
    }
    // NotResource: the statement applies to everything not listed.
    for (not_resource, want) in [
        (r#"["arn:aws:s3:::b","arn:aws:s3:::b/*"]"#, NOT_APPLICABLE),
        // The bucket is exempt, its objects are not.
        (r#""arn:aws:s3:::b""#, APPLICABLE),
        (r#""arn:aws:s3:::other""#, APPLICABLE),
    ] {
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"s3:*","NotResource":{not_resource}}}]}}"#
        );
        let s = snapshot(Some(&[rcp("p", &policy, root_target())]), &[]);
        assert_eq!(
            decide(&s, ResourceType::S3Bucket, BUCKET),
            want,
            "{not_resource}"
        );
    }
    // A queue has nothing under it: NotResource naming it exempts it.
    let policy = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Deny","Principal":"*","Action":"sqs:*","NotResource":"{QUEUE}"}}]}}"#
    );
    let s = snapshot(Some(&[rcp("p", &policy, root_target())]), &[]);
    assert_eq!(decide(&s, ResourceType::SqsQueue, QUEUE), NOT_APPLICABLE);
}

#[test]
fn targets_and_the_organization_tree() {
    // [rcps]: an RCP attached to the root applies to every account, to an OU to the accounts below it,
    // to an account to that account.
    let ou = r#"{"Targets":[{"TargetId":"ou-ab12-11111111","Type":"ORGANIZATIONAL_UNIT"}]}"#;
    let account = |id: &str| format!(r#"{{"Targets":[{{"TargetId":"{id}","Type":"ACCOUNT"}}]}}"#);
    let tree_in = [
        (
            MEMBER,
            r#"{"Parents":[{"Id":"ou-ab12-22222222","Type":"ORGANIZATIONAL_UNIT"}]}"#,
        ),
        (
            "ou-ab12-22222222",
            r#"{"Parents":[{"Id":"ou-ab12-11111111","Type":"ORGANIZATIONAL_UNIT"}]}"#,
        ),
        (
            "ou-ab12-11111111",
            r#"{"Parents":[{"Id":"r-ab12","Type":"ROOT"}]}"#,
        ),
    ];
    let tree_elsewhere = [
        (
            MEMBER,
            r#"{"Parents":[{"Id":"ou-ab12-33333333","Type":"ORGANIZATIONAL_UNIT"}]}"#,
        ),
        (
            "ou-ab12-33333333",
            r#"{"Parents":[{"Id":"r-ab12","Type":"ROOT"}]}"#,
        ),
    ];
    let own = account(MEMBER);
    let other = account("222222222222");
    for (targets, parents, want) in [
        (own.as_str(), &[][..], APPLICABLE),
        (other.as_str(), &[][..], NOT_APPLICABLE),
        (ou, &tree_in[..], APPLICABLE),
        (ou, &tree_elsewhere[..], NOT_APPLICABLE),
        (r#"{"Targets":[]}"#, &[][..], NOT_APPLICABLE),
    ] {
        let s = snapshot(Some(&[rcp("p", DENY_S3_OUTSIDE_ORG, targets)]), parents);
        let d = RcpIndex::new(&s).decide(ResourceType::S3Bucket, BUCKET, MEMBER);
        assert_eq!(d.restriction, want, "{targets} {parents:?}");
        assert!(d.assumed_ou_targets.is_empty());
    }
    // An OU target whose membership is unknown (no list-parents files) counts as applying, and says so.
    let s = snapshot(Some(&[rcp("p", DENY_S3_OUTSIDE_ORG, ou)]), &[]);
    let d = RcpIndex::new(&s).decide(ResourceType::S3Bucket, BUCKET, MEMBER);
    assert_eq!(d.restriction, APPLICABLE);
    assert_eq!(d.assumed_ou_targets, vec!["p".to_owned()]);
}

#[test]
fn malformed_and_missing_rcps() {
    // [model]: FAILED_TO_EVALUATE_RCP, "there was an error evaluating the RCP".
    let bad = rcp(
        "p-bad",
        "{\"Version\": \"2012-10-17\", \"Statement\": [",
        root_target(),
    );
    let s = snapshot(Some(&[bad]), &[]);
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), FAILED);
    // The service rule comes first: an RCP cannot reach an SNS topic, malformed or not.
    assert_eq!(decide(&s, ResourceType::SnsTopic, TOPIC), NOT_APPLICABLE);
    // Malformed targets with content that cannot apply to the resource: still decided.
    let bad_targets = r#"{"Targets":[{"TargetId":"x","Type":"GALAXY"}]}"#;
    let s = snapshot(
        Some(&[rcp("p-t", &deny(r#""kms:*""#, r#""*""#), bad_targets)]),
        &[],
    );
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), NOT_APPLICABLE);
    assert_eq!(decide(&s, ResourceType::KmsKey, KEY), FAILED);
    // One RCP applies, another is malformed: APPLICABLE (an RCP is present and applies).
    let s = snapshot(
        Some(&[
            rcp("p-bad", "not json", root_target()),
            rcp("p-s3org", DENY_S3_OUTSIDE_ORG, root_target()),
        ]),
        &[],
    );
    let d = RcpIndex::new(&s).decide(ResourceType::S3Bucket, BUCKET, MEMBER);
    assert_eq!(d.restriction, APPLICABLE);
    assert_eq!(d.policy_ids, vec!["p-s3org".to_owned()]);
    // Content not collected: unknown, the field is left out, and the id is named.
    let s = snapshot(
        Some(&[Rcp {
            id: "p-unseen",
            aws_managed: false,
            content: None,
            targets: Some(root_target()),
        }]),
        &[],
    );
    let d = RcpIndex::new(&s).decide(ResourceType::S3Bucket, BUCKET, MEMBER);
    assert_eq!(d.restriction, None);
    assert_eq!(d.policy_ids, vec!["p-unseen".to_owned()]);
    let notes = RcpIndex::new(&s).notes(&s, &[d]);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("organizations-describe-policy/p-unseen")),
        "{notes:?}"
    );
    // … unless its targets show it cannot reach the account.
    let s = snapshot(
        Some(&[Rcp {
            id: "p-unseen",
            aws_managed: false,
            content: None,
            targets: Some(r#"{"Targets":[{"TargetId":"222222222222","Type":"ACCOUNT"}]}"#),
        }]),
        &[],
    );
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), NOT_APPLICABLE);
}

#[test]
fn allow_statements_do_not_restrict() {
    // [syntax]: `Allow` is only for RCPFullAWSAccess; an Allow statement restricts nothing.
    let allow = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}"#;
    let s = snapshot(Some(&[rcp("p-allow", allow, root_target())]), &[]);
    assert_eq!(decide(&s, ResourceType::S3Bucket, BUCKET), NOT_APPLICABLE);
}

#[test]
fn not_collected_note_only_in_an_organization() {
    // perimeter's rule (snapshot-format.md): one note when the organization is known but its RCPs
    // were not collected; none for an account with no organization file.
    let s = snapshot(None, &[]);
    let notes = RcpIndex::new(&s).notes(&s, &[]);
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("organizations-list-policies/RESOURCE_CONTROL_POLICY"));
    let mut f = files(None, &[]);
    f.insert(
        format!("{D}/organizations-describe-organization.json"),
        "{}".to_owned(),
    );
    let s = lower_snapshot(&f);
    assert!(s.organization.is_none());
    assert!(RcpIndex::new(&s).notes(&s, &[]).is_empty());
}
