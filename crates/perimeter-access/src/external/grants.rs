//! All findings of one resource: its policy (through [`super::find_policy_findings`]) and the grants
//! outside policies: S3 ACL grants under Block Public Access, KMS grants, snapshot shares.

use std::collections::BTreeMap;

use perimeter_iam::arn::{Arn, is_account_id};
use perimeter_iam::eval::ResourcePolicyKind;
use perimeter_logic::{Case, Pattern};

use super::engine::find_policy_findings;
use super::{ExternalError, ExternalFinding, ExternalResource, ShareInput, Source, ZoneOfTrust};

/// The services whose actions a resource type's findings list.
pub fn service_prefixes(resource_type: &str) -> &'static [&'static str] {
    match resource_type {
        "AWS::S3::Bucket" => &["s3"],
        "AWS::S3Express::DirectoryBucket" => &["s3express"],
        "AWS::IAM::Role" => &["sts"],
        "AWS::KMS::Key" => &["kms"],
        "AWS::Lambda::Function" | "AWS::Lambda::LayerVersion" => &["lambda"],
        "AWS::SQS::Queue" => &["sqs"],
        "AWS::SNS::Topic" => &["sns"],
        "AWS::SecretsManager::Secret" => &["secretsmanager"],
        "AWS::ECR::Repository" => &["ecr"],
        "AWS::EFS::FileSystem" => &["elasticfilesystem"],
        "AWS::DynamoDB::Table" | "AWS::DynamoDB::Stream" => &["dynamodb"],
        "AWS::EC2::Snapshot" => &["ec2"],
        "AWS::RDS::DBSnapshot" | "AWS::RDS::DBClusterSnapshot" => &["rds"],
        _ => &[],
    }
}

/// How the reference evaluator combines this resource's policy.
pub fn resource_policy_kind(resource_type: &str) -> ResourcePolicyKind {
    match resource_type {
        "AWS::IAM::Role" => ResourcePolicyKind::RoleTrust,
        "AWS::KMS::Key" => ResourcePolicyKind::KmsKey,
        _ => ResourcePolicyKind::Generic,
    }
}

/// The request resources a resource's policy governs.
fn resource_patterns(resource_type: &str, arn: &str) -> Vec<Pattern> {
    let mut v = vec![Pattern::literal(arn, Case::Sensitive)];
    match resource_type {
        "AWS::S3::Bucket" | "AWS::S3Express::DirectoryBucket" | "AWS::DynamoDB::Table" => {
            v.push(Pattern::whole(glob_suffix(arn, "/"), Case::Sensitive));
        }
        "AWS::Lambda::Function" => {
            v.push(Pattern::whole(glob_suffix(arn, ":"), Case::Sensitive));
        }
        _ => {}
    }
    v
}

/// `text` + `sep` + any string, with `text` read literally.
pub(super) fn glob_suffix(text: &str, sep: &str) -> perimeter_logic::Glob {
    let mut toks: Vec<perimeter_logic::GlobToken> = text
        .chars()
        .chain(sep.chars())
        .map(perimeter_logic::GlobToken::Char)
        .collect();
    toks.push(perimeter_logic::GlobToken::AnyString);
    perimeter_logic::Glob::from_tokens(toks)
}

fn acl_actions(permission: &str) -> Vec<&'static str> {
    let read = [
        "s3:ListBucket",
        "s3:ListBucketMultipartUploads",
        "s3:ListBucketVersions",
    ];
    let write = ["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:PutObject"];
    match permission {
        "READ" => read.to_vec(),
        "WRITE" => write.to_vec(),
        "READ_ACP" => vec!["s3:GetBucketAcl"],
        "WRITE_ACP" => vec!["s3:PutBucketAcl"],
        _ => {
            let mut v: Vec<&str> = read.iter().chain(write.iter()).copied().collect();
            v.extend(["s3:GetBucketAcl", "s3:PutBucketAcl"]);
            v.sort_unstable();
            v
        }
    }
}

const ALL_USERS: &str = "http://acs.amazonaws.com/groups/global/AllUsers";
const AUTHENTICATED_USERS: &str = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers";

fn account_of(principal: &str) -> Option<String> {
    if is_account_id(principal) {
        return Some(principal.to_owned());
    }
    Arn::parse(principal).map(|a| a.account.to_owned())
}

fn aws(value: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("AWS".to_owned(), value.to_owned())])
}

fn plain(
    principal: BTreeMap<String, String>,
    action: Vec<String>,
    is_public: bool,
    source: Source,
    source_type: Option<&'static str>,
    notes: Vec<String>,
) -> ExternalFinding {
    ExternalFinding {
        principal,
        action,
        condition: BTreeMap::new(),
        is_public,
        source,
        source_type,
        source_detail: None,
        access_point_statements: Vec::new(),
        notes,
        witness: None,
    }
}

/// Every external-access finding of one resource.
pub fn find_resource_findings(
    r: &ExternalResource,
    zone: &ZoneOfTrust,
) -> Result<Vec<ExternalFinding>, ExternalError> {
    let s3 = r.resource_type == "AWS::S3::Bucket";
    let source_type = s3.then_some("POLICY");
    let mut out = Vec::new();
    if let Some(policy) = &r.policy {
        let trust = r.resource_type == "AWS::IAM::Role";
        let fs = find_policy_findings(
            policy,
            &resource_patterns(&r.resource_type, &r.arn),
            service_prefixes(&r.resource_type),
            trust,
            zone,
        )?;
        // RestrictPublicBuckets: a public bucket policy then grants only the owner account and
        // service principals, so none of its findings stand (S3 user guide, "Block public access").
        let blocked =
            s3 && r.block_public_access.restrict_public_buckets && fs.iter().any(|f| f.is_public);
        if s3 && !blocked {
            // Access through access points: delegation findings become access point findings.
            out.extend(super::access_points::bucket_policy_findings(
                r, policy, fs, zone,
            )?);
        } else if !blocked {
            for f in fs {
                out.push(ExternalFinding::from_policy(f, source_type, None));
            }
        }
    }
    for (i, g) in r.acl_grants.iter().enumerate() {
        let actions: Vec<String> = acl_actions(&g.permission)
            .into_iter()
            .map(str::to_owned)
            .collect();
        match (g.grantee_uri.as_deref(), g.grantee_id.as_deref()) {
            (Some(uri), _) if uri == ALL_USERS || uri == AUTHENTICATED_USERS => {
                if r.block_public_access.ignore_public_acls {
                    continue;
                }
                out.push(plain(
                    aws("*"),
                    actions,
                    true,
                    Source::AclGrant(i),
                    Some("BUCKET_ACL"),
                    Vec::new(),
                ));
            }
            (_, Some(id)) if r.acl_owner_id.as_deref() != Some(id) => {
                let p = BTreeMap::from([("CanonicalUser".to_owned(), id.to_owned())]);
                let notes = if r.acl_owner_id.is_none() {
                    vec!["the bucket owner's canonical id is unknown: the grantee is assumed external".to_owned()]
                } else {
                    Vec::new()
                };
                out.push(plain(
                    p,
                    actions,
                    false,
                    Source::AclGrant(i),
                    Some("BUCKET_ACL"),
                    notes,
                ));
            }
            _ => {}
        }
    }
    for (i, g) in r.kms_grants.iter().enumerate() {
        let Some(grantee) = g.grantee_principal.as_deref() else {
            continue;
        };
        if grantee.ends_with(".amazonaws.com") {
            continue;
        }
        if account_of(grantee).is_some_and(|a| zone.contains_account(&a)) {
            continue;
        }
        let mut actions: Vec<String> = g.operations.iter().map(|o| format!("kms:{o}")).collect();
        actions.sort();
        actions.dedup();
        // An account's root ARN is reported as the account id (access-analyzer.md §1.6 examples).
        let shown = match Arn::parse(grantee) {
            Some(a) if a.service == "iam" && a.resource == "root" => a.account.to_owned(),
            _ => grantee.to_owned(),
        };
        out.push(plain(
            aws(&shown),
            actions,
            false,
            Source::KmsGrant(i),
            None,
            Vec::new(),
        ));
    }
    let share_actions: &[&str] = match r.resource_type.as_str() {
        "AWS::EC2::Snapshot" => &["ec2:CopySnapshot", "ec2:CreateVolume"],
        "AWS::RDS::DBSnapshot" => &["rds:CopyDBSnapshot", "rds:RestoreDBInstanceFromDBSnapshot"],
        "AWS::RDS::DBClusterSnapshot" => &[
            "rds:CopyDBClusterSnapshot",
            "rds:RestoreDBClusterFromSnapshot",
        ],
        _ => &[],
    };
    let share_actions: Vec<String> = share_actions.iter().map(|s| (*s).to_owned()).collect();
    for (i, s) in r.shares.iter().enumerate() {
        match s {
            ShareInput::All => out.push(plain(
                aws("*"),
                share_actions.clone(),
                true,
                Source::Share(i),
                None,
                Vec::new(),
            )),
            ShareInput::Account(a) if !zone.contains_account(a) => {
                out.push(plain(
                    aws(a),
                    share_actions.clone(),
                    false,
                    Source::Share(i),
                    None,
                    Vec::new(),
                ));
            }
            ShareInput::Account(_) => {}
        }
    }
    for f in &mut out {
        f.notes.extend(r.notes.iter().cloned());
    }
    Ok(out)
}
