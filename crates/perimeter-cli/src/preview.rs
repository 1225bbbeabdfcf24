//! `perimeter create-access-preview --cli-input-json file://F`: the findings a proposed resource
//! configuration would have (offline `aws accessanalyzer create-access-preview` followed by
//! `list-access-preview-findings`).
//!
//! The input is the `CreateAccessPreview` request shape (`configurations`: resource ARN →
//! `Configuration` union) with a `zoneOfTrust` instead of `analyzerArn`:
//! `{"type":"ACCOUNT","accountId":…}` or `{"type":"ORGANIZATION","organizationId":…,"accounts":[…]}`.
//! The output is `{"findings":[…]}` in the `ListAccessPreviewFindings` shape. With `--db`, the
//! proposal is compared with the open findings of the zone's analyzer in that store (NEW / UNCHANGED /
//! CHANGED); without it every finding is NEW.
//!
//! `s3Bucket.accessPoints` (access point ARN → `S3AccessPointConfiguration`: `accessPointPolicy`,
//! `publicAccessBlock`, `networkOrigin`) is analysed with the bucket: a request through an access
//! point needs both policies. As the API documents, a proposed access point without
//! `publicAccessBlock` gets all settings on, and one without `networkOrigin` gets `Internet`; the
//! proposed access points replace the bucket's existing ones. An access point whose ARN names
//! another account is a cross-account access point: its policy is not analysed (Access Analyzer
//! cannot read it). This module also turns a snapshot bucket's access points into the same input
//! ([`access_point_inputs`], used by `analyze`).
//!
//! `resourceControlPolicyRestriction` is left out of every preview finding: the request names no
//! organization policies (AWS takes the RCPs of the analyzer's organization, which perimeter has no
//! analyzer to read them from), so perimeter cannot tell `APPLICABLE` from `NOT_APPLICABLE`. The
//! findings' access does not depend on it (Access Analyzer does not apply RCPs to external access).
//! `perimeter analyze` sets it from the snapshot's RCP files (`perimeter_account::rcp`).
//!
//! Not modelled: directory-bucket access points; the parts of an existing resource that the
//! configuration leaves out are taken as absent (AWS takes the deployed ones).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, anyhow, bail};
use perimeter_access::external::{
    AccessPointInput, AclGrantInput, ExternalFinding, ExternalResource, KmsGrantInput, ShareInput,
    ZoneOfTrust, find_resource_findings,
};
use perimeter_account::{AccessPointKind, S3BucketExtras};
use perimeter_findings::{
    AccessPreviewFinding, AnalyzerType, FindingInput, Store, analyzer_name_for,
};
use serde_json::Value;

use crate::output::{EXIT_CLEAN, EXIT_FINDINGS, print_json, read_value_arg};

#[derive(clap::Args, Debug)]
pub struct CreateAccessPreviewArgs {
    /// The request: `file://PATH` or inline JSON.
    #[arg(long)]
    pub cli_input_json: String,
    /// A findings store to compare with (the zone's analyzer in it).
    #[arg(long)]
    pub db: Option<PathBuf>,
}

const UNIONS: [(&str, &str); 14] = [
    ("s3Bucket", "AWS::S3::Bucket"),
    ("iamRole", "AWS::IAM::Role"),
    ("kmsKey", "AWS::KMS::Key"),
    ("sqsQueue", "AWS::SQS::Queue"),
    ("snsTopic", "AWS::SNS::Topic"),
    ("secretsManagerSecret", "AWS::SecretsManager::Secret"),
    ("ecrRepository", "AWS::ECR::Repository"),
    ("efsFileSystem", "AWS::EFS::FileSystem"),
    ("ebsSnapshot", "AWS::EC2::Snapshot"),
    ("rdsDbSnapshot", "AWS::RDS::DBSnapshot"),
    ("rdsDbClusterSnapshot", "AWS::RDS::DBClusterSnapshot"),
    ("dynamodbTable", "AWS::DynamoDB::Table"),
    ("dynamodbStream", "AWS::DynamoDB::Stream"),
    (
        "s3ExpressDirectoryBucket",
        "AWS::S3Express::DirectoryBucket",
    ),
];

/// The policy member of each union member.
fn policy_member(member: &str) -> Option<&'static str> {
    Some(match member {
        "s3Bucket" | "s3ExpressDirectoryBucket" => "bucketPolicy",
        "iamRole" => "trustPolicy",
        "sqsQueue" => "queuePolicy",
        "snsTopic" => "topicPolicy",
        "secretsManagerSecret" => "secretPolicy",
        "ecrRepository" => "repositoryPolicy",
        "efsFileSystem" => "fileSystemPolicy",
        "dynamodbTable" => "tablePolicy",
        "dynamodbStream" => "streamPolicy",
        _ => return None,
    })
}

fn zone_of(v: &Value) -> anyhow::Result<(ZoneOfTrust, AnalyzerType, String)> {
    let ty = v.get("type").and_then(Value::as_str).unwrap_or_default();
    match ty {
        "ACCOUNT" => {
            let a = v
                .get("accountId")
                .and_then(Value::as_str)
                .ok_or_else(|| anyhow!("`zoneOfTrust.accountId` is required for type `ACCOUNT`"))?;
            Ok((
                ZoneOfTrust::Account(a.to_owned()),
                AnalyzerType::Account,
                a.to_owned(),
            ))
        }
        "ORGANIZATION" => {
            let id = v
                .get("organizationId")
                .and_then(Value::as_str)
                .ok_or_else(|| {
                    anyhow!("`zoneOfTrust.organizationId` is required for type `ORGANIZATION`")
                })?;
            let accounts: Vec<String> = v
                .get("accounts")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            let first = accounts.first().cloned().unwrap_or_default();
            Ok((
                ZoneOfTrust::Organization {
                    id: id.to_owned(),
                    accounts,
                },
                AnalyzerType::Organization,
                first,
            ))
        }
        other => bail!("`zoneOfTrust.type` must be `ACCOUNT` or `ORGANIZATION`, not `{other}`"),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// One configuration as the neutral analysis input.
fn resource_of(
    arn: &str,
    config: &Value,
    default_account: &str,
) -> anyhow::Result<ExternalResource> {
    let obj = config
        .as_object()
        .ok_or_else(|| anyhow!("the configuration of `{arn}` is not an object"))?;
    if obj.len() != 1 {
        bail!("the configuration of `{arn}` must have exactly one member");
    }
    let Some((member, body)) = obj.iter().next() else {
        bail!("the configuration of `{arn}` is empty");
    };
    let Some((_, ty)) = UNIONS.iter().find(|(m, _)| m == member) else {
        bail!("`{member}` is not a `Configuration` member");
    };
    let owner = arn
        .split(':')
        .nth(4)
        .filter(|a| !a.is_empty())
        .unwrap_or(default_account)
        .to_owned();
    let mut r = ExternalResource {
        arn: arn.to_owned(),
        resource_type: (*ty).to_owned(),
        owner_account: owner,
        ..ExternalResource::default()
    };
    let text = match member.as_str() {
        "kmsKey" => body
            .get("keyPolicies")
            .and_then(|p| p.get("default"))
            .and_then(Value::as_str),
        m => policy_member(m)
            .and_then(|p| body.get(p))
            .and_then(Value::as_str),
    };
    if let Some(t) = text.filter(|t| !t.is_empty()) {
        r.policy = Some(perimeter_iam::parse_and_lower(t).map_err(|d| {
            anyhow!(
                "the policy of `{arn}` does not parse: {}",
                d.first().map(|d| d.message.clone()).unwrap_or_default()
            )
        })?);
    }
    match member.as_str() {
        "s3Bucket" => {
            for g in body
                .get("bucketAclGrants")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let grantee = g.get("grantee");
                r.acl_grants.push(AclGrantInput {
                    grantee_type: String::new(),
                    grantee_id: grantee
                        .and_then(|x| x.get("id"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    grantee_uri: grantee
                        .and_then(|x| x.get("uri"))
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    permission: g
                        .get("permission")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                });
            }
            if let Some(b) = body.get("bucketPublicAccessBlock") {
                r.block_public_access.ignore_public_acls = b
                    .get("ignorePublicAcls")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                r.block_public_access.restrict_public_buckets = b
                    .get("restrictPublicBuckets")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
            }
            match body.get("accessPoints") {
                Some(Value::Object(aps)) => {
                    for (ap_arn, c) in aps {
                        r.access_points.push(preview_access_point(ap_arn, c)?);
                    }
                    r.access_points_known = true;
                }
                Some(Value::Null) | None => {
                    // AWS then uses the bucket's existing access points, which a preview does not
                    // know: a delegation to them is reported as written.
                }
                Some(_) => bail!("`accessPoints` of `{arn}` must be an object"),
            }
        }
        "kmsKey" => {
            for (i, g) in body
                .get("grants")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .enumerate()
            {
                r.kms_grants.push(KmsGrantInput {
                    grant_id: format!("preview-grant-{i}"),
                    grantee_principal: g
                        .get("granteePrincipal")
                        .and_then(Value::as_str)
                        .map(str::to_owned),
                    operations: strings(g.get("operations")),
                });
            }
        }
        "ebsSnapshot" => {
            for g in strings(body.get("groups")) {
                if g == "all" {
                    r.shares.push(ShareInput::All);
                }
            }
            for u in strings(body.get("userIds")) {
                r.shares.push(ShareInput::Account(u));
            }
        }
        "rdsDbSnapshot" | "rdsDbClusterSnapshot" => {
            let ids = strings(
                body.get("attributes")
                    .and_then(|a| a.get("restore"))
                    .and_then(|a| a.get("accountIds")),
            );
            for a in ids {
                r.shares.push(if a == "all" {
                    ShareInput::All
                } else {
                    ShareInput::Account(a)
                });
            }
        }
        _ => {}
    }
    Ok(r)
}

/// One `S3AccessPointConfiguration` of a preview.
fn preview_access_point(arn: &str, c: &Value) -> anyhow::Result<AccessPointInput> {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let (Some(&"arn"), Some(region), Some(account), Some(resource)) =
        (parts.first(), parts.get(3), parts.get(4), parts.get(5))
    else {
        bail!("`{arn}` is not an access point ARN");
    };
    if !resource.starts_with("accesspoint/") || account.is_empty() {
        bail!("`{arn}` is not an access point ARN");
    }
    let policy = match c.get("accessPointPolicy") {
        Some(Value::String(t)) if !t.is_empty() => {
            Some(perimeter_iam::parse_and_lower(t).map_err(|d| {
                anyhow!(
                    "the policy of `{arn}` does not parse: {}",
                    d.first().map(|d| d.message.clone()).unwrap_or_default()
                )
            })?)
        }
        _ => None,
    };
    // S3PublicAccessBlockConfiguration: "If the proposed configuration is for a new access point or
    // multi-region access point and the access point BPA configuration is not specified, the access
    // preview uses `true`."
    let restrict_public_buckets = c
        .get("publicAccessBlock")
        .map(|b| {
            b.get("restrictPublicBuckets")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        })
        .unwrap_or(true);
    // NetworkOriginConfiguration: a union of `vpcConfiguration` and `internetConfiguration`;
    // a new access point with neither is `Internet`. VPC configuration does not apply to
    // multi-Region access points.
    let vpc_id = c
        .get("networkOrigin")
        .and_then(|n| n.get("vpcConfiguration"))
        .filter(|_| !region.is_empty())
        .map(|v| {
            v.get("vpcId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        });
    Ok(AccessPointInput {
        arn: arn.to_owned(),
        account: (*account).to_owned(),
        policy,
        restrict_public_buckets,
        vpc_id,
        multi_region: region.is_empty(),
    })
}

/// A snapshot bucket's access points as analysis input (used by `analyze`).
pub struct AccessPointInputs {
    pub inputs: Vec<AccessPointInput>,
    /// Every access point of the bucket is known (the listings were collected).
    pub known: bool,
    /// Limitations, noted on the bucket's findings.
    pub notes: Vec<String>,
    /// Access point policies that do not parse (each becomes an `INTERNAL_ERROR` finding).
    pub problems: Vec<String>,
}

/// Converts a snapshot bucket's access points and multi-Region access points.
pub fn access_point_inputs(s3: &S3BucketExtras) -> AccessPointInputs {
    let mut out = AccessPointInputs {
        inputs: Vec::new(),
        known: s3.access_point_listings_missing.is_empty(),
        notes: Vec::new(),
        problems: Vec::new(),
    };
    if !out.known {
        out.notes.push(format!(
            "access points not analysed (missing {}): a bucket policy's delegation to them is reported as written",
            s3.access_point_listings_missing
                .iter()
                .map(|f| format!("`{f}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    for ap in &s3.access_points {
        let policy =
            ap.policy
                .as_ref()
                .and_then(|p| match perimeter_iam::parse_and_lower(&p.text) {
                    Ok(policy) => Some(policy),
                    Err(diags) => {
                        let first = diags.first().map(|d| d.message.clone()).unwrap_or_default();
                        out.problems.push(format!(
                            "the access point policy at {} does not parse: {first}",
                            p.origin
                        ));
                        None
                    }
                });
        if ap.public_access_block.is_none() {
            let file = match ap.kind {
                AccessPointKind::Regional => "get-access-point",
                AccessPointKind::MultiRegion => "list-multi-region-access-points",
            };
            out.notes.push(format!(
                "access point `{}`: its Block Public Access (`{file}`) was not collected and is taken as off",
                ap.arn
            ));
        }
        out.inputs.push(AccessPointInput {
            arn: ap.arn.clone(),
            account: ap.account.clone(),
            policy,
            restrict_public_buckets: ap
                .public_access_block
                .as_ref()
                .is_some_and(|b| b.restrict_public_buckets),
            vpc_id: ap
                .network_origin
                .eq_ignore_ascii_case("VPC")
                .then(|| ap.vpc_id.clone().unwrap_or_default()),
            multi_region: ap.kind == AccessPointKind::MultiRegion,
        });
    }
    out
}

fn input_of(r: &ExternalResource, f: &ExternalFinding) -> FindingInput {
    // Previews carry no explanation: the proposed policies have no file to point into.
    super::store_input(&r.arn, &r.resource_type, &r.owner_account, f, Vec::new())
}

/// The `ListAccessPreviewFindings` findings of a `CreateAccessPreview` request (JSON text), compared
/// with the findings already in `store`.
pub fn preview_request(
    text: &str,
    store: &mut Store,
    now: perimeter_findings::Timestamp,
) -> anyhow::Result<Vec<AccessPreviewFinding>> {
    let req: Value = serde_json::from_str(text).context("the request is not JSON")?;
    let zone_v = req.get("zoneOfTrust").ok_or_else(|| {
        anyhow!("`zoneOfTrust` is required (perimeter has no analyzer to name by `analyzerArn`)")
    })?;
    let (zone, ty, account) = zone_of(zone_v)?;
    let configs = req
        .get("configurations")
        .and_then(Value::as_object)
        .ok_or_else(|| anyhow!("`configurations` is required and must be an object"))?;
    let mut proposed = Vec::new();
    let mut arns = Vec::new();
    for (arn, config) in configs {
        let r = resource_of(arn, config, &account)?;
        for f in find_resource_findings(&r, &zone).map_err(|e| anyhow!("`{arn}`: {e}"))? {
            for n in &f.notes {
                eprintln!("perimeter: note: `{arn}`: {n}");
            }
            proposed.push(input_of(&r, &f));
        }
        arns.push(arn.clone());
    }
    let name = analyzer_name_for(&account, ty);
    let analyzer =
        store.ensure_analyzer(&name, ty, &account, perimeter_account::DEFAULT_REGION, now)?;
    Ok(store.preview_findings(&analyzer.arn, &arns, &proposed, now)?)
}

pub fn run(args: &CreateAccessPreviewArgs) -> anyhow::Result<ExitCode> {
    let (text, _) = read_value_arg(&args.cli_input_json)?;
    let now = crate::findings::now()?;
    let mut store = match &args.db {
        Some(db) => Store::open(db)?,
        None => Store::open_in_memory()?,
    };
    let findings = preview_request(&text, &mut store, now)?;
    let any = !findings.is_empty();
    print_json(&serde_json::json!({ "findings": findings }))?;
    Ok(ExitCode::from(if any { EXIT_FINDINGS } else { EXIT_CLEAN }))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One request, the expected (resource, principal, actions, isPublic, changeType) rows.
    fn check(request: &str, expected: &[(&str, &str, &[&str], bool, &str)]) {
        let mut store = Store::open_in_memory().unwrap();
        let now = perimeter_findings::Timestamp::parse("2026-01-15T09:30:00Z").unwrap();
        let got = preview_request(request, &mut store, now).unwrap();
        // The request carries no RCPs: the restriction is unknown and left out (module docs).
        assert!(
            got.iter()
                .all(|f| f.resource_control_policy_restriction.is_none())
        );
        let mut rows: Vec<(String, String, Vec<String>, bool, String)> = got
            .iter()
            .map(|f| {
                let v = serde_json::to_value(f).unwrap();
                (
                    f.resource.clone().unwrap_or_default(),
                    f.principal
                        .iter()
                        .flatten()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(","),
                    f.action.clone().unwrap_or_default(),
                    f.is_public.unwrap_or(false),
                    v["changeType"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        rows.sort();
        let mut want: Vec<(String, String, Vec<String>, bool, String)> = expected
            .iter()
            .map(|(r, p, a, public, c)| {
                (
                    (*r).to_owned(),
                    (*p).to_owned(),
                    a.iter().map(|s| (*s).to_owned()).collect(),
                    *public,
                    (*c).to_owned(),
                )
            })
            .collect();
        want.sort();
        assert_eq!(rows, want);
    }

    #[test]
    fn previews() {
        // access-analyzer.md §6.2: a proposed bucket policy granting another account, a proposed
        // public ACL, a role trust, snapshot shares; all NEW against an empty analyzer.
        check(
            r#"{"zoneOfTrust":{"type":"ACCOUNT","accountId":"111122223333"},
                "configurations":{
                  "arn:aws:s3:::b":{"s3Bucket":{
                    "bucketPolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"444455556666\"},\"Action\":\"s3:GetObject\",\"Resource\":\"arn:aws:s3:::b/*\"}]}",
                    "bucketAclGrants":[{"permission":"READ","grantee":{"uri":"http://acs.amazonaws.com/groups/global/AllUsers"}}]}},
                  "arn:aws:iam::111122223333:role/r":{"iamRole":{
                    "trustPolicy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},\"Action\":\"sts:AssumeRole\"}]}"}},
                  "arn:aws:ec2:us-east-1:111122223333:snapshot/snap-1":{"ebsSnapshot":{"userIds":["444455556666"],"groups":["all"]}}
                }}"#,
            &[
                (
                    "arn:aws:s3:::b",
                    "AWS=444455556666",
                    &["s3:GetObject"],
                    false,
                    "NEW",
                ),
                (
                    "arn:aws:s3:::b",
                    "AWS=*",
                    &[
                        "s3:ListBucket",
                        "s3:ListBucketMultipartUploads",
                        "s3:ListBucketVersions",
                    ],
                    true,
                    "NEW",
                ),
                (
                    "arn:aws:iam::111122223333:role/r",
                    "AWS=*",
                    &["sts:AssumeRole"],
                    true,
                    "NEW",
                ),
                (
                    "arn:aws:ec2:us-east-1:111122223333:snapshot/snap-1",
                    "AWS=*",
                    &["ec2:CopySnapshot", "ec2:CreateVolume"],
                    true,
                    "NEW",
                ),
                (
                    "arn:aws:ec2:us-east-1:111122223333:snapshot/snap-1",
                    "AWS=444455556666",
                    &["ec2:CopySnapshot", "ec2:CreateVolume"],
                    false,
                    "NEW",
                ),
            ],
        );
        // Within the organization zone, a member account is trusted.
        check(
            r#"{"zoneOfTrust":{"type":"ORGANIZATION","organizationId":"o-1","accounts":["111122223333","444455556666"]},
                "configurations":{"arn:aws:ec2:us-east-1:111122223333:snapshot/snap-1":{"ebsSnapshot":{"userIds":["444455556666"]}}}}"#,
            &[],
        );
    }

    const AP: &str = "arn:aws:s3:us-east-1:111122223333:accesspoint/ap";
    const MRAP: &str = "arn:aws:s3::111122223333:accesspoint/mfzwi23gnjvgw.mrap";

    /// The bucket policy delegating access control to the owner's access points (S3 user guide,
    /// "Delegating access control to access points").
    fn delegating_policy() -> String {
        serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*",
            "Action":"*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],
            "Condition":{"StringEquals":{"s3:DataAccessPointAccount":"111122223333"}}}]})
        .to_string()
    }

    fn ap_policy(ap: &str, principal: serde_json::Value) -> String {
        serde_json::json!({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":principal,
            "Action":"s3:GetObject","Resource":format!("{ap}/object/*")}]})
        .to_string()
    }

    /// (principal, actions, conditions, isPublic, sources as JSON) of each finding, sorted.
    type Row = (String, Vec<String>, Vec<String>, bool, String);

    fn rows_of(request: &serde_json::Value) -> Vec<Row> {
        let mut store = Store::open_in_memory().unwrap();
        let now = perimeter_findings::Timestamp::parse("2026-01-15T09:30:00Z").unwrap();
        let got = preview_request(&request.to_string(), &mut store, now).unwrap();
        let mut rows: Vec<Row> = got
            .iter()
            .map(|f| {
                let v = serde_json::to_value(f).unwrap();
                (
                    f.principal
                        .iter()
                        .flatten()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(","),
                    f.action.clone().unwrap_or_default(),
                    f.condition
                        .iter()
                        .flatten()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect(),
                    f.is_public.unwrap_or(false),
                    v["sources"].to_string(),
                )
            })
            .collect();
        rows.sort();
        rows
    }

    fn bucket_request(access_points: Option<serde_json::Value>) -> serde_json::Value {
        let mut b = serde_json::json!({"bucketPolicy": delegating_policy()});
        if let Some(aps) = access_points {
            b["accessPoints"] = aps;
        }
        serde_json::json!({"zoneOfTrust":{"type":"ACCOUNT","accountId":"111122223333"},
            "configurations":{"arn:aws:s3:::b":{"s3Bucket":b}}})
    }

    fn row(p: &str, a: &[&str], c: &[&str], public: bool, sources: serde_json::Value) -> Row {
        (
            p.to_owned(),
            a.iter().map(|s| (*s).to_owned()).collect(),
            c.iter().map(|s| (*s).to_owned()).collect(),
            public,
            sources.to_string(),
        )
    }

    #[test]
    fn preview_access_points() {
        // botocore accessanalyzer model: `S3BucketConfiguration.accessPoints` maps an access point
        // ARN to `S3AccessPointConfiguration` {accessPointPolicy, publicAccessBlock, networkOrigin}.
        // A public access point policy behind a delegating bucket is a public finding with source
        // `S3_ACCESS_POINT` and `detail.accessPointArn` (FindingSource, FindingSourceDetail).
        let off = serde_json::json!({"ignorePublicAcls":false,"restrictPublicBuckets":false});
        assert_eq!(
            rows_of(&bucket_request(Some(serde_json::json!({
                AP: {"accessPointPolicy": ap_policy(AP, serde_json::json!("*")), "publicAccessBlock": off}
            })))),
            vec![row(
                "AWS=*",
                &["s3:GetObject"],
                &[],
                true,
                serde_json::json!([{"type":"S3_ACCESS_POINT","detail":{"accessPointArn":AP}}])
            )]
        );
        // S3PublicAccessBlockConfiguration: "If the proposed configuration is for a new access point
        // or multi-region access point and the access point BPA configuration is not specified, the
        // access preview uses true": RestrictPublicBuckets then blocks the public policy.
        assert_eq!(
            rows_of(&bucket_request(Some(serde_json::json!({
                AP: {"accessPointPolicy": ap_policy(AP, serde_json::json!("*"))}
            })))),
            vec![]
        );
        // A VPC network origin: never public (S3 "The meaning of public"); the finding is restricted
        // to the VPC.
        assert_eq!(
            rows_of(&bucket_request(Some(serde_json::json!({
                AP: {"accessPointPolicy": ap_policy(AP, serde_json::json!("*")), "publicAccessBlock": off,
                     "networkOrigin": {"vpcConfiguration": {"vpcId": "vpc-1"}}}
            })))),
            vec![row(
                "AWS=*",
                &["s3:GetObject"],
                &["aws:SourceVpc=vpc-1"],
                false,
                serde_json::json!([{"type":"S3_ACCESS_POINT","detail":{"accessPointArn":AP}}])
            )]
        );
        // A multi-Region access point granting another account (S3 user guide, "Multi-Region
        // Access Point permissions": its policy and the bucket policy must both allow).
        assert_eq!(
            rows_of(&bucket_request(Some(serde_json::json!({
                MRAP: {"accessPointPolicy": ap_policy(MRAP, serde_json::json!({"AWS":"444455556666"})),
                       "publicAccessBlock": off}
            })))),
            vec![row(
                "AWS=444455556666",
                &["s3:GetObject"],
                &[],
                false,
                serde_json::json!([{"type":"S3_ACCESS_POINT","detail":{"accessPointArn":MRAP}}])
            )]
        );
    }

    #[test]
    fn preview_without_access_points_keeps_the_delegation_as_written() {
        // S3BucketConfiguration: without `accessPoints` AWS uses the bucket's existing access points,
        // which an offline preview does not know: the delegation is reported as the policy writes it
        // (non-public: `s3:DataAccessPointAccount` is a fixed value, S3 "The meaning of public").
        let rows = rows_of(&bucket_request(None));
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, "AWS=*");
        assert_eq!(
            rows[0].2,
            vec!["s3:DataAccessPointAccount=111122223333".to_owned()]
        );
        assert!(!rows[0].3);
        assert_eq!(
            rows[0].4,
            serde_json::json!([{"type":"POLICY"}]).to_string()
        );
    }

    /// A snapshot with a delegating bucket, a public Internet access point and a multi-Region access
    /// point granting another account, through `analyze`'s path (loader → inputs → findings).
    #[test]
    fn snapshot_access_points() {
        let mut files = perimeter_account::SnapshotFiles::new();
        let mut put = |path: &str, v: serde_json::Value| files.insert(path, v.to_string());
        put(
            "describe-regions.json",
            serde_json::json!({"Regions":[{"RegionName":"us-east-1"}]}),
        );
        put(
            "us-east-1/sts-get-caller-identity.json",
            serde_json::json!({"Account":"111122223333"}),
        );
        put(
            "us-east-1/s3-list-buckets.json",
            serde_json::json!({"Buckets":[{"Name":"b"}],"Owner":{"ID":"o"}}),
        );
        put(
            "us-east-1/s3-get-bucket-policy/b",
            serde_json::json!({"Policy": delegating_policy()}),
        );
        put(
            "us-east-1/s3control-list-access-points/111122223333",
            serde_json::json!({"AccessPointList":[{"Name":"ap","Bucket":"b","NetworkOrigin":"Internet",
                "AccessPointArn":AP,"BucketAccountId":"111122223333"}]}),
        );
        put(
            "us-east-1/s3control-get-access-point-policy/ap",
            serde_json::json!({"Policy": ap_policy(AP, serde_json::json!("*"))}),
        );
        put(
            "us-east-1/s3control-get-access-point/ap",
            serde_json::json!({"Name":"ap","Bucket":"b","NetworkOrigin":"Internet",
                "PublicAccessBlockConfiguration":{"BlockPublicAcls":false,"IgnorePublicAcls":false,
                "BlockPublicPolicy":false,"RestrictPublicBuckets":false}}),
        );
        put(
            "us-east-1/s3control-list-multi-region-access-points/111122223333",
            serde_json::json!({"AccessPoints":[{"Name":"m","Alias":"mfzwi23gnjvgw.mrap",
                "PublicAccessBlock":{"BlockPublicAcls":true,"IgnorePublicAcls":true,"BlockPublicPolicy":true,"RestrictPublicBuckets":true},
                "Regions":[{"Bucket":"b","Region":"us-east-1","BucketAccountId":"111122223333"}]}]}),
        );
        put(
            "us-east-1/s3control-get-multi-region-access-point-policy/m",
            serde_json::json!({"Policy":{"Established":{"Policy": ap_policy(MRAP, serde_json::json!({"AWS":"444455556666"}))}}}),
        );
        let snapshot = perimeter_account::lower_snapshot(&files);
        assert!(
            snapshot.diagnostics.is_empty(),
            "{:?}",
            snapshot.diagnostics
        );
        let zone = ZoneOfTrust::Account("111122223333".to_owned());
        let (inputs, notes) = super::super::analyze_snapshot(&snapshot, &zone);
        assert!(notes.is_empty(), "{notes:?}");
        let mut rows: Vec<(String, Vec<String>, bool, String)> = inputs
            .iter()
            .map(|f| {
                (
                    f.principal
                        .iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect(),
                    f.action.clone(),
                    f.is_public,
                    serde_json::to_string(&f.sources).unwrap(),
                )
            })
            .collect();
        rows.sort();
        // The public access point (its BPA off) gives a public finding; the multi-Region access point
        // grants account 444455556666 (not public; its own BPA does not restrict a non-public policy).
        assert_eq!(
            rows,
            vec![
                (
                    "AWS=*".to_owned(),
                    vec!["s3:GetObject".to_owned()],
                    true,
                    serde_json::json!([{"type":"S3_ACCESS_POINT","detail":{"accessPointArn":AP}}]).to_string()
                ),
                (
                    "AWS=444455556666".to_owned(),
                    vec!["s3:GetObject".to_owned()],
                    false,
                    serde_json::json!([{"type":"S3_ACCESS_POINT","detail":{"accessPointArn":MRAP}}]).to_string()
                ),
            ]
        );

        // The explanation names the bucket statement and the access point policy's statement.
        let public = inputs.iter().find(|f| f.is_public).unwrap();
        let files: Vec<String> = public
            .explanation
            .iter()
            .map(|e| match e {
                perimeter_findings::Explanation::Statement { file, .. } => file.clone(),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            files,
            vec![
                "us-east-1/s3-get-bucket-policy/b".to_owned(),
                "us-east-1/s3control-get-access-point-policy/ap".to_owned()
            ]
        );

        // Without the access point listings the delegation is reported as written, with a note.
        let mut files = perimeter_account::SnapshotFiles::new();
        for p in snapshot_paths_without_access_points() {
            files.insert(p.0, p.1);
        }
        let snapshot = perimeter_account::lower_snapshot(&files);
        let (inputs, notes) = super::super::analyze_snapshot(&snapshot, &zone);
        assert_eq!(inputs.len(), 1);
        assert_eq!(
            inputs[0].sources.first().map(|s| s.source_type.as_str()),
            Some("POLICY")
        );
        assert!(
            notes
                .iter()
                .any(|n| n.contains("access points not analysed")),
            "{notes:?}"
        );
    }

    fn snapshot_paths_without_access_points() -> Vec<(String, String)> {
        vec![
            (
                "describe-regions.json".to_owned(),
                serde_json::json!({"Regions":[{"RegionName":"us-east-1"}]}).to_string(),
            ),
            (
                "us-east-1/sts-get-caller-identity.json".to_owned(),
                serde_json::json!({"Account":"111122223333"}).to_string(),
            ),
            (
                "us-east-1/s3-list-buckets.json".to_owned(),
                serde_json::json!({"Buckets":[{"Name":"b"}]}).to_string(),
            ),
            (
                "us-east-1/s3-get-bucket-policy/b".to_owned(),
                serde_json::json!({"Policy": delegating_policy()}).to_string(),
            ),
        ]
    }
}
