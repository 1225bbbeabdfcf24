//! Snapshot files → [`Snapshot`]. Pure: reads only the [`SnapshotFiles`] map.
//!
//! Each file is parsed with the spanned JSON parser; a file that is not JSON, or a value of the wrong
//! type, gives a [`Diagnostic`] with the file and JSON pointer, and the rest still loads. A missing
//! listing file marks its resource type as not analysed in that Region; a missing per-resource file
//! means the resource has no such configuration (CloudMapper writes no file for `NoSuchBucketPolicy`).

use std::collections::{BTreeMap, BTreeSet};

use perimeter_json::{LineIndex, Node, Value, escape_pointer_token};

use crate::files::{SnapshotFiles, percent_decode, quote_plus};
use crate::model::*;

/// The folder CloudMapper puts global services in (IAM, S3, Organizations, STS).
pub const DEFAULT_REGION: &str = "us-east-1";

/// Builds the snapshot from its files.
pub fn lower_snapshot(files: &SnapshotFiles) -> Snapshot {
    let mut cx = Lowering {
        files,
        diagnostics: Vec::new(),
        partition: "aws".to_owned(),
        account_id: None,
        default_region: DEFAULT_REGION.to_owned(),
    };
    let regions = cx.regions();
    cx.default_region = pick_default_region(files, &regions);
    cx.partition = partition_of(&cx.default_region).to_owned();
    cx.account_id = cx.caller_account();

    let mut out = Out::default();
    cx.iam(&mut out);
    if cx.account_id.is_none() {
        cx.account_id = out
            .iam
            .roles
            .iter()
            .map(|r| r.arn.as_str())
            .chain(out.iam.users.iter().map(|u| u.arn.as_str()))
            .find_map(|arn| arn_account(arn).map(str::to_owned));
    }
    cx.s3(&mut out, &regions);
    for region in &regions {
        cx.sqs(&mut out, region);
        cx.sns(&mut out, region);
        cx.ecr(&mut out, region);
        cx.lambda(&mut out, region);
        cx.lambda_layers(&mut out, region);
        cx.secrets(&mut out, region);
        cx.kms(&mut out, region);
        cx.efs(&mut out, region);
        cx.ec2_snapshots(&mut out, region);
        cx.rds_snapshots(&mut out, region, false);
        cx.rds_snapshots(&mut out, region, true);
        cx.dynamodb(&mut out, region);
        cx.directory_buckets(&mut out, region);
    }
    let organization = cx.organization();
    let resource_control_policies = cx.resource_control_policies();
    if cx.account_id.is_none() {
        cx.account_id = out
            .resources
            .iter()
            .find_map(|r| arn_account(&r.arn).map(str::to_owned));
    }
    if cx.account_id.is_none() && !files.is_empty() {
        cx.diagnostics.push(Diagnostic {
            severity: Severity::Warning,
            message: "cannot tell the account id: no `sts-get-caller-identity.json` and no account in any ARN"
                .to_owned(),
            origin: Origin::new(
                format!("{}/sts-get-caller-identity.json", cx.default_region),
                "",
            ),
            line_column: None,
        });
    }
    let account = cx.account_id.clone().unwrap_or_default();
    for r in &mut out.resources {
        if r.owner_account.is_empty() {
            r.owner_account.clone_from(&account);
        }
    }
    Snapshot {
        account_id: cx.account_id,
        partition: cx.partition,
        regions,
        default_region: cx.default_region,
        resources: out.resources,
        iam: out.iam,
        organization,
        resource_control_policies,
        coverage: out.coverage,
        diagnostics: cx.diagnostics,
    }
}

#[derive(Default)]
struct Out {
    resources: Vec<Resource>,
    iam: Iam,
    coverage: Vec<Coverage>,
}

impl Out {
    fn cover(&mut self, resource_type: ResourceType, region: &str, file: &str, present: bool) {
        self.coverage.push(Coverage {
            resource_type,
            region: region.to_owned(),
            status: if present {
                CoverageStatus::Analysed
            } else {
                CoverageStatus::NotAnalysed {
                    missing_file: file.to_owned(),
                }
            },
        });
    }
}

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn looks_like_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn pick_default_region(files: &SnapshotFiles, regions: &[String]) -> String {
    let gaad = |r: &str| files.contains(&format!("{r}/iam-get-account-authorization-details.json"));
    if regions.iter().any(|r| r == DEFAULT_REGION)
        || files.top_level_dirs().iter().any(|d| d == DEFAULT_REGION)
    {
        return DEFAULT_REGION.to_owned();
    }
    regions
        .iter()
        .find(|r| gaad(r))
        .or_else(|| regions.first())
        .cloned()
        .unwrap_or_else(|| DEFAULT_REGION.to_owned())
}

/// The account field of an ARN (`arn:partition:service:region:account:…`), when it is 12 digits.
pub fn arn_account(arn: &str) -> Option<&str> {
    let account = arn.split(':').nth(4)?;
    (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())).then_some(account)
}

/// A parsed file.
struct Doc {
    path: String,
    text: String,
    root: Node,
}

/// A value inside a parsed file, with its JSON pointer.
#[derive(Clone)]
struct At<'a> {
    doc: &'a Doc,
    node: &'a Node,
    ptr: String,
}

impl<'a> At<'a> {
    fn root(doc: &'a Doc) -> At<'a> {
        At {
            doc,
            node: &doc.root,
            ptr: String::new(),
        }
    }

    fn origin(&self) -> Origin {
        Origin::new(self.doc.path.clone(), self.ptr.clone())
    }

    fn diag(&self, d: &mut Vec<Diagnostic>, message: String) {
        d.push(Diagnostic {
            severity: Severity::Error,
            message,
            origin: self.origin(),
            line_column: None,
        });
    }

    /// The member `key`, when this is an object that has it.
    fn field(&self, key: &str) -> Option<At<'a>> {
        let node = self.node.get(key)?;
        Some(At {
            doc: self.doc,
            node,
            ptr: format!("{}/{}", self.ptr, escape_pointer_token(key)),
        })
    }

    /// Follows a path of member names.
    fn path(&self, keys: &[&str]) -> Option<At<'a>> {
        let mut at = self.clone();
        for key in keys {
            at = at.field(key)?;
        }
        Some(at)
    }

    /// The elements of an array (null gives none; another type gives a diagnostic).
    fn items(&self, d: &mut Vec<Diagnostic>) -> Vec<At<'a>> {
        match &self.node.value {
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, node)| At {
                    doc: self.doc,
                    node,
                    ptr: format!("{}/{i}", self.ptr),
                })
                .collect(),
            Value::Null => Vec::new(),
            other => {
                self.diag(
                    d,
                    format!("expected an array, found {}", article(other.type_name())),
                );
                Vec::new()
            }
        }
    }

    /// The members of an object (null gives none; another type gives a diagnostic).
    fn members(&self, d: &mut Vec<Diagnostic>) -> Vec<(String, At<'a>)> {
        match &self.node.value {
            Value::Object(members) => members
                .iter()
                .map(|m| {
                    (
                        m.key.clone(),
                        At {
                            doc: self.doc,
                            node: &m.value,
                            ptr: format!("{}/{}", self.ptr, escape_pointer_token(&m.key)),
                        },
                    )
                })
                .collect(),
            Value::Null => Vec::new(),
            other => {
                self.diag(
                    d,
                    format!("expected an object, found {}", article(other.type_name())),
                );
                Vec::new()
            }
        }
    }

    /// A string (null gives `None`; another type gives a diagnostic). Numbers are accepted as text, as
    /// some exports write account ids as numbers.
    fn text(&self, d: &mut Vec<Diagnostic>) -> Option<String> {
        match &self.node.value {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.clone()),
            Value::Null => None,
            other => {
                self.diag(
                    d,
                    format!("expected a string, found {}", article(other.type_name())),
                );
                None
            }
        }
    }

    fn str_field(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<String> {
        self.field(key).and_then(|a| a.text(d))
    }

    /// A boolean; `"true"`/`"false"` strings are accepted.
    fn flag(&self, d: &mut Vec<Diagnostic>) -> Option<bool> {
        match &self.node.value {
            Value::Bool(b) => Some(*b),
            Value::String(s) if s == "true" => Some(true),
            Value::String(s) if s == "false" => Some(false),
            Value::Null => None,
            other => {
                self.diag(
                    d,
                    format!("expected a boolean, found {}", article(other.type_name())),
                );
                None
            }
        }
    }

    fn bool_field(&self, key: &str, d: &mut Vec<Diagnostic>) -> Option<bool> {
        self.field(key).and_then(|a| a.flag(d))
    }

    fn strings(&self, d: &mut Vec<Diagnostic>) -> Vec<String> {
        self.items(d).iter().filter_map(|a| a.text(d)).collect()
    }
}

fn article(type_name: &str) -> String {
    match type_name {
        "array" | "object" => format!("an {type_name}"),
        "null" => "null".to_owned(),
        _ => format!("a {type_name}"),
    }
}

/// Decodes a policy value: a JSON string holding JSON, a URL-encoded JSON string, or an embedded object.
/// `Ok(None)` for null or an empty string.
fn decode_policy(at: &At<'_>) -> Result<Option<PolicyDocument>, String> {
    match &at.node.value {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => Ok(None),
        Value::String(s) => {
            let trimmed = s.trim_start();
            if trimmed.starts_with('{') {
                return Ok(Some(PolicyDocument {
                    text: s.clone(),
                    encoding: PolicyEncoding::JsonString,
                    origin: at.origin(),
                }));
            }
            if trimmed.starts_with('%') {
                if let Some(decoded) = percent_decode(s)
                    && decoded.trim_start().starts_with('{')
                {
                    return Ok(Some(PolicyDocument {
                        text: decoded,
                        encoding: PolicyEncoding::UrlEncoded,
                        origin: at.origin(),
                    }));
                }
                return Err("the policy is neither JSON nor URL-encoded JSON".to_owned());
            }
            Err("the policy is a string that does not hold a JSON object".to_owned())
        }
        Value::Object(_) => {
            let start = at.node.span.start as usize;
            let end = at.node.span.end as usize;
            let text = at
                .doc
                .text
                .get(start..end)
                .map(str::to_owned)
                .unwrap_or_else(|| at.node.print());
            Ok(Some(PolicyDocument {
                text,
                encoding: PolicyEncoding::Embedded { offset: start },
                origin: at.origin(),
            }))
        }
        other => Err(format!(
            "expected a policy document, found {}",
            article(other.type_name())
        )),
    }
}

fn public_access_block(at: &At<'_>, d: &mut Vec<Diagnostic>) -> PublicAccessBlock {
    PublicAccessBlock {
        block_public_acls: at.bool_field("BlockPublicAcls", d).unwrap_or(false),
        ignore_public_acls: at.bool_field("IgnorePublicAcls", d).unwrap_or(false),
        block_public_policy: at.bool_field("BlockPublicPolicy", d).unwrap_or(false),
        restrict_public_buckets: at.bool_field("RestrictPublicBuckets", d).unwrap_or(false),
        origin: at.origin(),
    }
}

struct Lowering<'f> {
    files: &'f SnapshotFiles,
    diagnostics: Vec<Diagnostic>,
    partition: String,
    account_id: Option<String>,
    default_region: String,
}

impl Lowering<'_> {
    /// Reads and parses a file. `None` when it is missing, or not JSON (with a diagnostic).
    fn doc(&mut self, path: &str) -> Option<Doc> {
        let bytes = self.files.get(path)?;
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t.to_owned(),
            Err(e) => {
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    message: format!("the file is not UTF-8 (byte {})", e.valid_up_to()),
                    origin: Origin::new(path, ""),
                    line_column: None,
                });
                return None;
            }
        };
        match perimeter_json::parse(&text) {
            Ok(root) => Some(Doc {
                path: path.to_owned(),
                text,
                root,
            }),
            Err(e) => {
                let pos = LineIndex::new(&text).position(e.offset);
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Error,
                    message: format!("the file is not JSON: {}", e.message),
                    origin: Origin::new(path, ""),
                    line_column: Some((pos.line, pos.column)),
                });
                None
            }
        }
    }

    /// The policy at `keys` in the file at `path`, when the file exists and holds one.
    fn policy_file(&mut self, path: &str, keys: &[&str]) -> Option<PolicyDocument> {
        let doc = self.doc(path)?;
        let at = At::root(&doc).path(keys)?;
        self.policy(&at)
    }

    fn policy(&mut self, at: &At<'_>) -> Option<PolicyDocument> {
        match decode_policy(at) {
            Ok(p) => p,
            Err(message) => {
                at.diag(&mut self.diagnostics, message);
                None
            }
        }
    }

    /// The Regions: `describe-regions.json`, else the Region-like folders.
    fn regions(&mut self) -> Vec<String> {
        let mut regions = Vec::new();
        if let Some(doc) = self.doc("describe-regions.json") {
            let d = &mut self.diagnostics;
            if let Some(list) = At::root(&doc).field("Regions") {
                for r in list.items(d) {
                    if let Some(name) = r.str_field("RegionName", d) {
                        regions.push(name);
                    }
                }
            }
        }
        if regions.is_empty() {
            regions = self
                .files
                .top_level_dirs()
                .into_iter()
                .filter(|d| looks_like_region(d))
                .collect();
        }
        regions.sort();
        regions.dedup();
        regions
    }

    /// The path of a global-service file: in the default Region folder, else in any Region folder.
    fn global_path(&self, name: &str) -> String {
        let preferred = format!("{}/{name}", self.default_region);
        if self.files.contains(&preferred) {
            return preferred;
        }
        self.files
            .top_level_dirs()
            .into_iter()
            .map(|d| format!("{d}/{name}"))
            .find(|p| self.files.contains(p))
            .unwrap_or(preferred)
    }

    fn caller_account(&mut self) -> Option<String> {
        let path = self.global_path("sts-get-caller-identity.json");
        let doc = self.doc(&path)?;
        At::root(&doc).str_field("Account", &mut self.diagnostics)
    }

    fn account(&self) -> String {
        self.account_id.clone().unwrap_or_default()
    }

    fn resource(
        &self,
        arn: String,
        resource_type: ResourceType,
        region: &str,
        policy: Option<PolicyDocument>,
        extras: ResourceExtras,
        origin: Origin,
    ) -> Resource {
        let owner_account = arn_account(&arn)
            .map(str::to_owned)
            .unwrap_or_else(|| self.account());
        Resource {
            arn,
            resource_type,
            owner_account,
            region: region.to_owned(),
            policy,
            extras,
            origin,
        }
    }

    fn named_policies(
        &mut self,
        list: Option<At<'_>>,
        name_key: &str,
        doc_key: &str,
    ) -> Vec<NamedPolicy> {
        let Some(list) = list else { return Vec::new() };
        let mut out = Vec::new();
        for item in list.items(&mut self.diagnostics) {
            let name = item
                .str_field(name_key, &mut self.diagnostics)
                .unwrap_or_default();
            if let Some(document) = item.field(doc_key).and_then(|a| self.policy(&a)) {
                out.push(NamedPolicy { name, document });
            }
        }
        out
    }

    fn attached(&mut self, item: &At<'_>) -> Vec<String> {
        let d = &mut self.diagnostics;
        item.field("AttachedManagedPolicies")
            .map(|a| {
                a.items(d)
                    .iter()
                    .filter_map(|p| p.str_field("PolicyArn", d))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn iam(&mut self, out: &mut Out) {
        let name = "iam-get-account-authorization-details.json";
        let path = self.global_path(name);
        let region = self.default_region.clone();
        let present = self.files.contains(&path);
        out.cover(ResourceType::IamRole, &region, &path, present);
        let Some(doc) = self.doc(&path) else { return };
        let root = At::root(&doc);
        if let Some(list) = root.field("RoleDetailList") {
            for item in list.items(&mut self.diagnostics) {
                let d = &mut self.diagnostics;
                let (Some(role_name), Some(arn)) =
                    (item.str_field("RoleName", d), item.str_field("Arn", d))
                else {
                    item.diag(d, "a role without `RoleName` or `Arn`".to_owned());
                    continue;
                };
                let permissions_boundary_arn = item
                    .path(&["PermissionsBoundary", "PermissionsBoundaryArn"])
                    .and_then(|a| a.text(d));
                let trust_policy = item
                    .field("AssumeRolePolicyDocument")
                    .and_then(|a| self.policy(&a));
                let inline_policies = self.named_policies(
                    item.field("RolePolicyList"),
                    "PolicyName",
                    "PolicyDocument",
                );
                let attached_policy_arns = self.attached(&item);
                out.resources.push(self.resource(
                    arn.clone(),
                    ResourceType::IamRole,
                    &region,
                    trust_policy.clone(),
                    ResourceExtras::None,
                    item.origin(),
                ));
                out.iam.roles.push(IamRole {
                    name: role_name,
                    arn,
                    trust_policy,
                    inline_policies,
                    attached_policy_arns,
                    permissions_boundary_arn,
                    origin: item.origin(),
                });
            }
        }
        if let Some(list) = root.field("UserDetailList") {
            for item in list.items(&mut self.diagnostics) {
                let d = &mut self.diagnostics;
                let (Some(user_name), Some(arn)) =
                    (item.str_field("UserName", d), item.str_field("Arn", d))
                else {
                    item.diag(d, "a user without `UserName` or `Arn`".to_owned());
                    continue;
                };
                let group_names = item
                    .field("GroupList")
                    .map(|a| a.strings(d))
                    .unwrap_or_default();
                let permissions_boundary_arn = item
                    .path(&["PermissionsBoundary", "PermissionsBoundaryArn"])
                    .and_then(|a| a.text(d));
                let inline_policies = self.named_policies(
                    item.field("UserPolicyList"),
                    "PolicyName",
                    "PolicyDocument",
                );
                let attached_policy_arns = self.attached(&item);
                out.iam.users.push(IamUser {
                    name: user_name,
                    arn,
                    inline_policies,
                    attached_policy_arns,
                    group_names,
                    permissions_boundary_arn,
                    origin: item.origin(),
                });
            }
        }
        if let Some(list) = root.field("GroupDetailList") {
            for item in list.items(&mut self.diagnostics) {
                let d = &mut self.diagnostics;
                let (Some(group_name), Some(arn)) =
                    (item.str_field("GroupName", d), item.str_field("Arn", d))
                else {
                    item.diag(d, "a group without `GroupName` or `Arn`".to_owned());
                    continue;
                };
                let inline_policies = self.named_policies(
                    item.field("GroupPolicyList"),
                    "PolicyName",
                    "PolicyDocument",
                );
                let attached_policy_arns = self.attached(&item);
                out.iam.groups.push(IamGroup {
                    name: group_name,
                    arn,
                    inline_policies,
                    attached_policy_arns,
                    origin: item.origin(),
                });
            }
        }
        if let Some(list) = root.field("Policies") {
            for item in list.items(&mut self.diagnostics) {
                let d = &mut self.diagnostics;
                let Some(arn) = item.str_field("Arn", d) else {
                    item.diag(d, "a policy without `Arn`".to_owned());
                    continue;
                };
                // moto's GAAD leaves out `PolicyName`; the ARN's last path segment is the name.
                let policy_name = item
                    .str_field("PolicyName", d)
                    .unwrap_or_else(|| arn.rsplit('/').next().unwrap_or_default().to_owned());
                let default_version = item.str_field("DefaultVersionId", d);
                let attachment_count = item
                    .field("AttachmentCount")
                    .and_then(|a| a.text(d))
                    .and_then(|t| t.parse().ok());
                let versions = item
                    .field("PolicyVersionList")
                    .map(|a| a.items(d))
                    .unwrap_or_default();
                let chosen = versions.iter().find(|v| {
                    v.bool_field("IsDefaultVersion", d) == Some(true)
                        || (default_version.is_some()
                            && v.str_field("VersionId", d) == default_version)
                });
                let document = chosen
                    .and_then(|v| v.field("Document"))
                    .and_then(|a| self.policy(&a));
                out.iam.policies.push(ManagedPolicy {
                    name: policy_name,
                    arn,
                    document,
                    attachment_count,
                    origin: item.origin(),
                });
            }
        }
    }

    fn s3(&mut self, out: &mut Out, regions: &[String]) {
        let list_path = self.global_path("s3-list-buckets.json");
        let dir = list_path
            .rsplit_once('/')
            .map(|(d, _)| d.to_owned())
            .unwrap_or_else(|| self.default_region.clone());
        let present = self.files.contains(&list_path);
        out.cover(
            ResourceType::S3Bucket,
            &self.default_region.clone(),
            &list_path,
            present,
        );
        let Some(doc) = self.doc(&list_path) else {
            return;
        };

        // Account-level Block Public Access (s3control is collected in the default Region folder).
        let account_bpa = {
            let bpa_dir = format!("{dir}/s3control-get-public-access-block");
            let wanted = self
                .account_id
                .as_deref()
                .map(|a| format!("{bpa_dir}/{}", quote_plus(a)));
            let path = wanted.filter(|p| self.files.contains(p)).or_else(|| {
                self.files
                    .files_in(&bpa_dir)
                    .first()
                    .map(|p| (*p).to_owned())
            });
            path.and_then(|p| self.bpa_file(&p))
        };

        // Access points, in every Region folder, and multi-Region access points (global, in the
        // default Region folder), grouped by bucket. Access points of a bucket in another account
        // are not this account's buckets' access points: they are left out.
        let mut access_points: BTreeMap<String, Vec<AccessPoint>> = BTreeMap::new();
        let own = self.account_id.clone();
        let mut listed_regions: BTreeSet<String> = BTreeSet::new();
        for region in regions {
            let (aps, listed) = self.access_points(region);
            if listed {
                listed_regions.insert(region.clone());
            }
            for ap in aps {
                access_points.entry(ap.bucket.clone()).or_default().push(ap);
            }
        }
        let (mraps, mraps_listed) = self.multi_region_access_points(&dir);
        for ap in mraps {
            if ap.bucket_account_id.is_some() && ap.bucket_account_id != own {
                continue;
            }
            access_points.entry(ap.bucket.clone()).or_default().push(ap);
        }

        let root = At::root(&doc);
        let owner_id = root
            .path(&["Owner", "ID"])
            .and_then(|a| a.text(&mut self.diagnostics));
        let Some(list) = root.field("Buckets") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let Some(name) = item.str_field("Name", &mut self.diagnostics) else {
                item.diag(&mut self.diagnostics, "a bucket without `Name`".to_owned());
                continue;
            };
            let q = quote_plus(&name);
            let region = self
                .doc(&format!("{dir}/s3-get-bucket-location/{q}"))
                .and_then(|loc| {
                    At::root(&loc)
                        .field("LocationConstraint")
                        .map(|a| a.text(&mut self.diagnostics))
                })
                .map(|lc| match lc.as_deref() {
                    None | Some("") => "us-east-1".to_owned(),
                    Some("EU") => "eu-west-1".to_owned(),
                    Some(other) => other.to_owned(),
                })
                .unwrap_or_else(|| self.default_region.clone());
            let policy = self.policy_file(&format!("{dir}/s3-get-bucket-policy/{q}"), &["Policy"]);
            let mut acl_owner_id = owner_id.clone();
            let acl_grants = self
                .doc(&format!("{dir}/s3-get-bucket-acl/{q}"))
                .map(|acl| {
                    let d = &mut self.diagnostics;
                    let root = At::root(&acl);
                    if let Some(id) = root.path(&["Owner", "ID"]).and_then(|a| a.text(d)) {
                        acl_owner_id = Some(id);
                    }
                    root.field("Grants")
                        .map(|g| g.items(d))
                        .unwrap_or_default()
                        .iter()
                        .map(|g| AclGrant {
                            grantee_type: g
                                .path(&["Grantee", "Type"])
                                .and_then(|a| a.text(d))
                                .unwrap_or_default(),
                            grantee_id: g.path(&["Grantee", "ID"]).and_then(|a| a.text(d)),
                            grantee_uri: g.path(&["Grantee", "URI"]).and_then(|a| a.text(d)),
                            grantee_email: g
                                .path(&["Grantee", "EmailAddress"])
                                .and_then(|a| a.text(d)),
                            permission: g.str_field("Permission", d).unwrap_or_default(),
                            origin: g.origin(),
                        })
                        .collect()
                });
            let bucket_public_access_block =
                self.bpa_file(&format!("{dir}/s3-get-public-access-block/{q}"));
            let mut access_point_listings_missing = Vec::new();
            let account_q = quote_plus(&self.account());
            if !listed_regions.contains(&region) {
                access_point_listings_missing
                    .push(format!("{region}/s3control-list-access-points/{account_q}"));
            }
            if !mraps_listed {
                access_point_listings_missing.push(format!(
                    "{dir}/s3control-list-multi-region-access-points/{account_q}"
                ));
            }
            let extras = S3BucketExtras {
                acl_grants,
                acl_owner_id,
                bucket_public_access_block,
                account_public_access_block: account_bpa.clone(),
                access_points: access_points.remove(&name).unwrap_or_default(),
                access_point_listings_missing,
            };
            let arn = format!("arn:{}:s3:::{name}", self.partition);
            out.resources.push(self.resource(
                arn,
                ResourceType::S3Bucket,
                &region,
                policy,
                ResourceExtras::S3Bucket(extras),
                item.origin(),
            ));
        }
        for (bucket, aps) in access_points {
            if let Some(ap) = aps.first() {
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    message: format!("access point `{}` names bucket `{bucket}`, which is not in `s3-list-buckets.json`", ap.name),
                    origin: ap.origin.clone(),
                    line_column: None,
                });
            }
        }
    }

    /// The `PublicAccessBlockConfiguration` in the file at `path`, when present.
    fn bpa_file(&mut self, path: &str) -> Option<PublicAccessBlock> {
        let doc = self.doc(path)?;
        At::root(&doc)
            .field("PublicAccessBlockConfiguration")
            .map(|a| public_access_block(&a, &mut self.diagnostics))
    }

    /// `PolicyStatus.IsPublic` (or `Established.IsPublic`) in the file at `path`, when present.
    fn policy_status_file(&mut self, path: &str, keys: &[&str]) -> Option<bool> {
        let doc = self.doc(path)?;
        At::root(&doc)
            .path(keys)
            .and_then(|a| a.flag(&mut self.diagnostics))
    }

    /// Calls `item` on each element of `key` in every file of the listing folder `dir`; `item` returns
    /// false for an element it cannot read. Returns whether the listing is there and readable: some
    /// file, each one JSON, `key` an array (or null, or absent) and every element read.
    fn listing(
        &mut self,
        dir: &str,
        key: &str,
        mut item: impl FnMut(&mut Self, At<'_>) -> bool,
    ) -> bool {
        let paths: Vec<String> = self
            .files
            .files_in(dir)
            .into_iter()
            .map(str::to_owned)
            .collect();
        let mut listed = !paths.is_empty();
        for path in paths {
            let Some(doc) = self.doc(&path) else {
                listed = false;
                continue;
            };
            let Some(list) = At::root(&doc).field(key) else {
                continue;
            };
            if !matches!(list.node.value, Value::Array(_) | Value::Null) {
                listed = false;
            }
            for at in list.items(&mut self.diagnostics) {
                if !item(self, at) {
                    listed = false;
                }
            }
        }
        listed
    }

    /// The access points listed in a Region, and whether the listing is there and readable (else
    /// the Region's access points are unknown).
    fn access_points(&mut self, region: &str) -> (Vec<AccessPoint>, bool) {
        let mut out = Vec::new();
        let dir = format!("{region}/s3control-list-access-points");
        let listed = self.listing(&dir, "AccessPointList", |cx, item| {
            let d = &mut cx.diagnostics;
            let (Some(name), Some(bucket)) =
                (item.str_field("Name", d), item.str_field("Bucket", d))
            else {
                item.diag(d, "an access point without `Name` or `Bucket`".to_owned());
                return false;
            };
            let q = quote_plus(&name);
            let network_origin = item
                .str_field("NetworkOrigin", d)
                .unwrap_or_else(|| "Internet".to_owned());
            let vpc_id = item
                .path(&["VpcConfiguration", "VpcId"])
                .and_then(|a| a.text(d));
            let alias = item.str_field("Alias", d);
            let bucket_account_id = item.str_field("BucketAccountId", d);
            let arn = item.str_field("AccessPointArn", d).unwrap_or_else(|| {
                format!(
                    "arn:{}:s3:{region}:{}:accesspoint/{name}",
                    cx.partition,
                    cx.account_id.clone().unwrap_or_default()
                )
            });
            let origin = item.origin();
            let policy = cx.policy_file(
                &format!("{region}/s3control-get-access-point-policy/{q}"),
                &["Policy"],
            );
            let public_access_block =
                cx.bpa_file(&format!("{region}/s3control-get-access-point/{q}"));
            let policy_is_public = cx.policy_status_file(
                &format!("{region}/s3control-get-access-point-policy-status/{q}"),
                &["PolicyStatus", "IsPublic"],
            );
            let account = arn_account(&arn)
                .map(str::to_owned)
                .unwrap_or_else(|| cx.account());
            out.push(AccessPoint {
                kind: AccessPointKind::Regional,
                name,
                arn,
                account,
                region: region.to_owned(),
                alias,
                bucket,
                bucket_account_id,
                network_origin,
                vpc_id,
                policy,
                public_access_block,
                policy_is_public,
                origin,
            });
            true
        });
        (out, listed)
    }

    /// Multi-Region access points (`s3control list-multi-region-access-points`, a global listing in
    /// the default Region folder): one entry per (access point, bucket in the account).
    fn multi_region_access_points(&mut self, dir: &str) -> (Vec<AccessPoint>, bool) {
        let mut out = Vec::new();
        let list_dir = format!("{dir}/s3control-list-multi-region-access-points");
        let listed = self.listing(&list_dir, "AccessPoints", |cx, item| {
            let d = &mut cx.diagnostics;
            let (Some(name), Some(alias)) = (item.str_field("Name", d), item.str_field("Alias", d))
            else {
                item.diag(
                    d,
                    "a multi-Region access point without `Name` or `Alias`".to_owned(),
                );
                return false;
            };
            let public_access_block = item
                .field("PublicAccessBlock")
                .map(|a| public_access_block(&a, d));
            // A Region without `Bucket` is left out, and the listing counts as not fully read.
            let mut complete = true;
            let mut regions = Vec::new();
            for r in item
                .field("Regions")
                .map(|r| r.items(d))
                .unwrap_or_default()
            {
                let Some(bucket) = r.str_field("Bucket", d) else {
                    r.diag(
                        d,
                        "a multi-Region access point Region without `Bucket`".to_owned(),
                    );
                    complete = false;
                    continue;
                };
                regions.push((bucket, r.str_field("BucketAccountId", d), r.origin()));
            }
            let account = cx.account();
            let arn = format!("arn:{}:s3::{account}:accesspoint/{alias}", cx.partition);
            let q = quote_plus(&name);
            let policy = cx.policy_file(
                &format!("{dir}/s3control-get-multi-region-access-point-policy/{q}"),
                &["Policy", "Established", "Policy"],
            );
            let policy_is_public = cx.policy_status_file(
                &format!("{dir}/s3control-get-multi-region-access-point-policy-status/{q}"),
                &["Established", "IsPublic"],
            );
            for (bucket, bucket_account_id, origin) in regions {
                out.push(AccessPoint {
                    kind: AccessPointKind::MultiRegion,
                    name: name.clone(),
                    arn: arn.clone(),
                    account: account.clone(),
                    region: String::new(),
                    alias: Some(alias.clone()),
                    bucket,
                    bucket_account_id,
                    network_origin: "Internet".to_owned(),
                    vpc_id: None,
                    policy: policy.clone(),
                    public_access_block: public_access_block.clone(),
                    policy_is_public,
                    origin,
                });
            }
            complete
        });
        (out, listed)
    }

    fn directory_buckets(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/s3-list-directory-buckets.json");
        let present = self.files.contains(&list_path);
        out.cover(
            ResourceType::S3ExpressDirectoryBucket,
            region,
            &list_path,
            present,
        );
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("Buckets") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let Some(name) = item.str_field("Name", &mut self.diagnostics) else {
                continue;
            };
            // Directory bucket names end in `--<zone id>--x-s3` (S3 User Guide, directory bucket
            // naming rules); anything else is a general purpose bucket listed by mistake (moto does).
            if !name.ends_with("--x-s3") {
                self.diagnostics.push(Diagnostic {
                    severity: Severity::Warning,
                    message: format!(
                        "`{name}` is not a directory bucket name (no `--x-s3` suffix); skipped"
                    ),
                    origin: item
                        .field("Name")
                        .map(|a| a.origin())
                        .unwrap_or_else(|| item.origin()),
                    line_column: None,
                });
                continue;
            }
            let bucket_region = item
                .str_field("BucketRegion", &mut self.diagnostics)
                .unwrap_or_else(|| region.to_owned());
            let policy = self.policy_file(
                &format!("{region}/s3-get-bucket-policy/{}", quote_plus(&name)),
                &["Policy"],
            );
            let arn = format!(
                "arn:{}:s3express:{bucket_region}:{}:bucket/{name}",
                self.partition,
                self.account()
            );
            out.resources.push(self.resource(
                arn,
                ResourceType::S3ExpressDirectoryBucket,
                &bucket_region,
                policy,
                ResourceExtras::None,
                item.origin(),
            ));
        }
    }

    fn sqs(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/sqs-list-queues.json");
        let present = self.files.contains(&list_path);
        out.cover(ResourceType::SqsQueue, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("QueueUrls") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let Some(url) = item.text(&mut self.diagnostics) else {
                continue;
            };
            let mut arn = None;
            let mut policy = None;
            if let Some(attrs) = self.doc(&format!(
                "{region}/sqs-get-queue-attributes/{}",
                quote_plus(&url)
            )) {
                let root = At::root(&attrs);
                arn = root
                    .path(&["Attributes", "QueueArn"])
                    .and_then(|a| a.text(&mut self.diagnostics));
                policy = root
                    .path(&["Attributes", "Policy"])
                    .and_then(|a| self.policy(&a));
            }
            let arn = arn.unwrap_or_else(|| {
                // https://sqs.<region>.amazonaws.com/<account>/<name>
                let mut parts = url.trim_end_matches('/').rsplit('/');
                let name = parts.next().unwrap_or_default();
                let account = parts.next().unwrap_or_default();
                format!("arn:{}:sqs:{region}:{account}:{name}", self.partition)
            });
            out.resources.push(self.resource(
                arn,
                ResourceType::SqsQueue,
                region,
                policy,
                ResourceExtras::None,
                item.origin(),
            ));
        }
    }

    fn sns(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/sns-list-topics.json");
        let present = self.files.contains(&list_path);
        out.cover(ResourceType::SnsTopic, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("Topics") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let Some(arn) = item.str_field("TopicArn", &mut self.diagnostics) else {
                continue;
            };
            let policy = self.policy_file(
                &format!("{region}/sns-get-topic-attributes/{}", quote_plus(&arn)),
                &["Attributes", "Policy"],
            );
            out.resources.push(self.resource(
                arn,
                ResourceType::SnsTopic,
                region,
                policy,
                ResourceExtras::None,
                item.origin(),
            ));
        }
    }

    fn ecr(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/ecr-describe-repositories.json");
        let present = self.files.contains(&list_path);
        out.cover(ResourceType::EcrRepository, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("repositories") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let d = &mut self.diagnostics;
            let (Some(name), Some(arn)) = (
                item.str_field("repositoryName", d),
                item.str_field("repositoryArn", d),
            ) else {
                item.diag(
                    d,
                    "a repository without `repositoryName` or `repositoryArn`".to_owned(),
                );
                continue;
            };
            let policy = self.policy_file(
                &format!("{region}/ecr-get-repository-policy/{}", quote_plus(&name)),
                &["policyText"],
            );
            out.resources.push(self.resource(
                arn,
                ResourceType::EcrRepository,
                region,
                policy,
                ResourceExtras::None,
                item.origin(),
            ));
        }
    }

    fn lambda(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/lambda-list-functions.json");
        let present = self.files.contains(&list_path);
        out.cover(ResourceType::LambdaFunction, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("Functions") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let d = &mut self.diagnostics;
            let (Some(name), Some(arn)) = (
                item.str_field("FunctionName", d),
                item.str_field("FunctionArn", d),
            ) else {
                item.diag(
                    d,
                    "a function without `FunctionName` or `FunctionArn`".to_owned(),
                );
                continue;
            };
            let policy = self.policy_file(
                &format!("{region}/lambda-get-policy/{}", quote_plus(&name)),
                &["Policy"],
            );
            out.resources.push(self.resource(
                arn,
                ResourceType::LambdaFunction,
                region,
                policy,
                ResourceExtras::None,
                item.origin(),
            ));
        }
    }

    fn lambda_layers(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/lambda-list-layers.json");
        let present = self.files.contains(&list_path);
        out.cover(
            ResourceType::LambdaLayerVersion,
            region,
            &list_path,
            present,
        );
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("Layers") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let Some(layer) = item.str_field("LayerName", &mut self.diagnostics) else {
                continue;
            };
            let mut versions: Vec<(String, Origin)> = Vec::new();
            if let Some(vdoc) = self.doc(&format!(
                "{region}/lambda-list-layer-versions/{}",
                quote_plus(&layer)
            )) {
                let d = &mut self.diagnostics;
                if let Some(vlist) = At::root(&vdoc).field("LayerVersions") {
                    for v in vlist.items(d) {
                        if let Some(arn) = v.str_field("LayerVersionArn", d) {
                            versions.push((arn, v.origin()));
                        }
                    }
                }
            } else if let Some(latest) = item.path(&["LatestMatchingVersion", "LayerVersionArn"])
                && let Some(arn) = latest.text(&mut self.diagnostics)
            {
                versions.push((arn, latest.origin()));
            }
            for (arn, origin) in versions {
                let policy = self.policy_file(
                    &format!(
                        "{region}/lambda-get-layer-version-policy/{}",
                        quote_plus(&arn)
                    ),
                    &["Policy"],
                );
                out.resources.push(self.resource(
                    arn,
                    ResourceType::LambdaLayerVersion,
                    region,
                    policy,
                    ResourceExtras::None,
                    origin,
                ));
            }
        }
    }

    fn secrets(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/secretsmanager-list-secrets.json");
        let present = self.files.contains(&list_path);
        out.cover(
            ResourceType::SecretsManagerSecret,
            region,
            &list_path,
            present,
        );
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("SecretList") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let d = &mut self.diagnostics;
            let (Some(name), Some(arn)) = (item.str_field("Name", d), item.str_field("ARN", d))
            else {
                item.diag(d, "a secret without `Name` or `ARN`".to_owned());
                continue;
            };
            let kms_key_id = item.str_field("KmsKeyId", d);
            let policy = self.policy_file(
                &format!(
                    "{region}/secretsmanager-get-resource-policy/{}",
                    quote_plus(&name)
                ),
                &["ResourcePolicy"],
            );
            out.resources.push(self.resource(
                arn,
                ResourceType::SecretsManagerSecret,
                region,
                policy,
                ResourceExtras::SecretsManagerSecret(SecretExtras { kms_key_id }),
                item.origin(),
            ));
        }
    }

    fn kms(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/kms-list-keys.json");
        let present = self.files.contains(&list_path);
        out.cover(ResourceType::KmsKey, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("Keys") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let Some(key_id) = item.str_field("KeyId", &mut self.diagnostics) else {
                item.diag(&mut self.diagnostics, "a key without `KeyId`".to_owned());
                continue;
            };
            let q = quote_plus(&key_id);
            let arn = item
                .str_field("KeyArn", &mut self.diagnostics)
                .unwrap_or_else(|| {
                    format!(
                        "arn:{}:kms:{region}:{}:key/{key_id}",
                        self.partition,
                        self.account()
                    )
                });
            let policy_path = format!("{region}/kms-get-key-policy/{q}");
            let key_policy_missing = !self.files.contains(&policy_path);
            let policy = self.policy_file(&policy_path, &["Policy"]);
            let grants_path = format!("{region}/kms-list-grants/{q}");
            let grants_missing = !self.files.contains(&grants_path);
            let mut grants = Vec::new();
            if let Some(gdoc) = self.doc(&grants_path) {
                let d = &mut self.diagnostics;
                for g in At::root(&gdoc)
                    .field("Grants")
                    .map(|a| a.items(d))
                    .unwrap_or_default()
                {
                    let context =
                        |key: &str, d: &mut Vec<Diagnostic>| -> BTreeMap<String, String> {
                            g.path(&["Constraints", key])
                                .map(|a| a.members(d))
                                .unwrap_or_default()
                                .into_iter()
                                .filter_map(|(k, v)| v.text(d).map(|v| (k, v)))
                                .collect()
                        };
                    let encryption_context_equals = context("EncryptionContextEquals", d);
                    let encryption_context_subset = context("EncryptionContextSubset", d);
                    grants.push(KmsGrant {
                        grant_id: g.str_field("GrantId", d).unwrap_or_default(),
                        name: g.str_field("Name", d).filter(|n| !n.is_empty()),
                        grantee_principal: g.str_field("GranteePrincipal", d),
                        retiring_principal: g.str_field("RetiringPrincipal", d),
                        issuing_account: g.str_field("IssuingAccount", d),
                        operations: g
                            .field("Operations")
                            .map(|a| a.strings(d))
                            .unwrap_or_default(),
                        encryption_context_equals,
                        encryption_context_subset,
                        origin: g.origin(),
                    });
                }
            }
            let key_manager = self
                .doc(&format!("{region}/kms-describe-key/{q}"))
                .and_then(|k| {
                    At::root(&k)
                        .path(&["KeyMetadata", "KeyManager"])
                        .and_then(|a| a.text(&mut self.diagnostics))
                });
            let extras = KmsKeyExtras {
                grants,
                grants_missing,
                key_policy_missing,
                key_manager,
            };
            out.resources.push(self.resource(
                arn,
                ResourceType::KmsKey,
                region,
                policy,
                ResourceExtras::KmsKey(extras),
                item.origin(),
            ));
        }
    }

    fn efs(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/efs-describe-file-systems.json");
        let present = self.files.contains(&list_path);
        out.cover(ResourceType::EfsFileSystem, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("FileSystems") else {
            return;
        };
        let account = self.account();
        for item in list.items(&mut self.diagnostics) {
            let d = &mut self.diagnostics;
            let Some(id) = item.str_field("FileSystemId", d) else {
                item.diag(d, "a file system without `FileSystemId`".to_owned());
                continue;
            };
            let owner = item
                .str_field("OwnerId", d)
                .unwrap_or_else(|| account.clone());
            let arn = item.str_field("FileSystemArn", d).unwrap_or_else(|| {
                format!(
                    "arn:{}:elasticfilesystem:{region}:{owner}:file-system/{id}",
                    self.partition
                )
            });
            let policy = self.policy_file(
                &format!(
                    "{region}/efs-describe-file-system-policy/{}",
                    quote_plus(&id)
                ),
                &["Policy"],
            );
            out.resources.push(self.resource(
                arn,
                ResourceType::EfsFileSystem,
                region,
                policy,
                ResourceExtras::None,
                item.origin(),
            ));
        }
    }

    fn ec2_snapshots(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/ec2-describe-snapshots.json");
        let present = self.files.contains(&list_path);
        out.cover(ResourceType::Ec2Snapshot, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field("Snapshots") else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let d = &mut self.diagnostics;
            let Some(id) = item.str_field("SnapshotId", d) else {
                item.diag(d, "a snapshot without `SnapshotId`".to_owned());
                continue;
            };
            let owner = item.str_field("OwnerId", d);
            let encrypted = item.bool_field("Encrypted", d);
            let kms_key_id = item.str_field("KmsKeyId", d);
            let attr_path = format!(
                "{region}/ec2-describe-snapshot-attribute/{}",
                quote_plus(&id)
            );
            let attribute_missing = !self.files.contains(&attr_path);
            let mut create_volume_permissions = Vec::new();
            if let Some(adoc) = self.doc(&attr_path) {
                let d = &mut self.diagnostics;
                for p in At::root(&adoc)
                    .field("CreateVolumePermissions")
                    .map(|a| a.items(d))
                    .unwrap_or_default()
                {
                    let target = match (p.str_field("Group", d), p.str_field("UserId", d)) {
                        (Some(g), _) if g == "all" => ShareTarget::All,
                        (_, Some(account)) => ShareTarget::Account(account),
                        _ => {
                            p.diag(
                                d,
                                "a permission with neither `Group` `all` nor `UserId`".to_owned(),
                            );
                            continue;
                        }
                    };
                    create_volume_permissions.push(SharePermission {
                        target,
                        origin: p.origin(),
                    });
                }
            }
            let arn = format!("arn:{}:ec2:{region}::snapshot/{id}", self.partition);
            let mut r = self.resource(
                arn,
                ResourceType::Ec2Snapshot,
                region,
                None,
                ResourceExtras::Ec2Snapshot(Ec2SnapshotExtras {
                    create_volume_permissions,
                    attribute_missing,
                    encrypted,
                    kms_key_id,
                }),
                item.origin(),
            );
            if let Some(owner) = owner {
                r.owner_account = owner;
            }
            out.resources.push(r);
        }
    }

    fn rds_snapshots(&mut self, out: &mut Out, region: &str, cluster: bool) {
        let (
            resource_type,
            list_name,
            list_key,
            id_key,
            arn_key,
            enc_key,
            attr_cmd,
            result_key,
            attrs_key,
        ) = if cluster {
            (
                ResourceType::RdsDbClusterSnapshot,
                "rds-describe-db-cluster-snapshots.json",
                "DBClusterSnapshots",
                "DBClusterSnapshotIdentifier",
                "DBClusterSnapshotArn",
                "StorageEncrypted",
                "rds-describe-db-cluster-snapshot-attributes",
                "DBClusterSnapshotAttributesResult",
                "DBClusterSnapshotAttributes",
            )
        } else {
            (
                ResourceType::RdsDbSnapshot,
                "rds-describe-db-snapshots.json",
                "DBSnapshots",
                "DBSnapshotIdentifier",
                "DBSnapshotArn",
                "Encrypted",
                "rds-describe-db-snapshot-attributes",
                "DBSnapshotAttributesResult",
                "DBSnapshotAttributes",
            )
        };
        let list_path = format!("{region}/{list_name}");
        let present = self.files.contains(&list_path);
        out.cover(resource_type, region, &list_path, present);
        let Some(doc) = self.doc(&list_path) else {
            return;
        };
        let Some(list) = At::root(&doc).field(list_key) else {
            return;
        };
        for item in list.items(&mut self.diagnostics) {
            let d = &mut self.diagnostics;
            let Some(id) = item.str_field(id_key, d) else {
                item.diag(d, format!("a snapshot without `{id_key}`"));
                continue;
            };
            // Automated snapshots cannot be shared; only manual ones are analysed.
            if item.str_field("SnapshotType", d).as_deref() == Some("automated") {
                continue;
            }
            let encrypted = item.bool_field(enc_key, d);
            let kms_key_id = item.str_field("KmsKeyId", d);
            let kind = if cluster {
                "cluster-snapshot"
            } else {
                "snapshot"
            };
            let arn = item.str_field(arn_key, d).unwrap_or_else(|| {
                format!(
                    "arn:{}:rds:{region}:{}:{kind}:{id}",
                    self.partition,
                    self.account()
                )
            });
            let attr_path = format!("{region}/{attr_cmd}/{}", quote_plus(&id));
            let attribute_missing = !self.files.contains(&attr_path);
            let mut restore = Vec::new();
            if let Some(adoc) = self.doc(&attr_path) {
                let d = &mut self.diagnostics;
                let attrs = At::root(&adoc)
                    .path(&[result_key, attrs_key])
                    .map(|a| a.items(d))
                    .unwrap_or_default();
                for attr in attrs {
                    if attr.str_field("AttributeName", d).as_deref() != Some("restore") {
                        continue;
                    }
                    for v in attr
                        .field("AttributeValues")
                        .map(|a| a.items(d))
                        .unwrap_or_default()
                    {
                        if let Some(value) = v.text(d) {
                            let target = if value == "all" {
                                ShareTarget::All
                            } else {
                                ShareTarget::Account(value)
                            };
                            restore.push(SharePermission {
                                target,
                                origin: v.origin(),
                            });
                        }
                    }
                }
            }
            let extras = ResourceExtras::RdsSnapshot(RdsSnapshotExtras {
                restore,
                attribute_missing,
                encrypted,
                kms_key_id,
            });
            out.resources.push(self.resource(
                arn,
                resource_type,
                region,
                None,
                extras,
                item.origin(),
            ));
        }
    }

    fn dynamodb(&mut self, out: &mut Out, region: &str) {
        let list_path = format!("{region}/dynamodb-list-tables.json");
        let describe_dir = format!("{region}/dynamodb-describe-table");
        let doc = self.doc(&list_path);
        let items = doc
            .as_ref()
            .and_then(|d| At::root(d).field("TableNames"))
            .map(|l| l.items(&mut self.diagnostics))
            .unwrap_or_default();
        // CloudMapper collects `list-tables` but neither `describe-table` nor the resource policies:
        // with tables listed and no describe-table file, the policies were not collected.
        let missing = if !self.files.contains(&list_path) {
            Some(list_path.clone())
        } else if !items.is_empty() && self.files.files_in(&describe_dir).is_empty() {
            Some(format!("{describe_dir}/"))
        } else {
            None
        };
        for t in [ResourceType::DynamoDbTable, ResourceType::DynamoDbStream] {
            out.cover(
                t,
                region,
                missing.as_deref().unwrap_or(&list_path),
                missing.is_none(),
            );
        }
        if missing.is_some() {
            return;
        }
        for item in items {
            let Some(name) = item.text(&mut self.diagnostics) else {
                continue;
            };
            let mut arn = None;
            let mut stream = None;
            if let Some(tdoc) = self.doc(&format!(
                "{region}/dynamodb-describe-table/{}",
                quote_plus(&name)
            )) {
                let d = &mut self.diagnostics;
                let table = At::root(&tdoc).field("Table");
                arn = table.as_ref().and_then(|t| t.str_field("TableArn", d));
                stream = table
                    .as_ref()
                    .and_then(|t| t.field("LatestStreamArn"))
                    .and_then(|a| a.text(d).map(|s| (s, a.origin())));
            }
            let arn = arn.unwrap_or_else(|| {
                format!(
                    "arn:{}:dynamodb:{region}:{}:table/{name}",
                    self.partition,
                    self.account()
                )
            });
            let policy = self.policy_file(
                &format!("{region}/dynamodb-get-resource-policy/{}", quote_plus(&arn)),
                &["Policy"],
            );
            out.resources.push(self.resource(
                arn,
                ResourceType::DynamoDbTable,
                region,
                policy,
                ResourceExtras::None,
                item.origin(),
            ));
            if let Some((stream_arn, origin)) = stream {
                let policy = self.policy_file(
                    &format!(
                        "{region}/dynamodb-get-resource-policy/{}",
                        quote_plus(&stream_arn)
                    ),
                    &["Policy"],
                );
                out.resources.push(self.resource(
                    stream_arn,
                    ResourceType::DynamoDbStream,
                    region,
                    policy,
                    ResourceExtras::None,
                    origin,
                ));
            }
        }
    }

    fn organization(&mut self) -> Option<Organization> {
        let path = self.global_path("organizations-describe-organization.json");
        let doc = self.doc(&path)?;
        let org = At::root(&doc).field("Organization")?;
        let d = &mut self.diagnostics;
        let Some(id) = org.str_field("Id", d) else {
            org.diag(d, "an organization without `Id`".to_owned());
            return None;
        };
        let arn = org.str_field("Arn", d);
        let management_account_id = org.str_field("MasterAccountId", d);
        let mut accounts = Vec::new();
        let accounts_path = self.global_path("organizations-list-accounts.json");
        if let Some(adoc) = self.doc(&accounts_path) {
            let d = &mut self.diagnostics;
            let mut seen = BTreeSet::new();
            for a in At::root(&adoc)
                .field("Accounts")
                .map(|a| a.items(d))
                .unwrap_or_default()
            {
                if let Some(account_id) = a.str_field("Id", d)
                    && seen.insert(account_id.clone())
                {
                    accounts.push(OrganizationAccount {
                        id: account_id,
                        name: a.str_field("Name", d),
                        status: a.str_field("Status", d),
                    });
                }
            }
        }
        Some(Organization {
            id,
            arn,
            management_account_id,
            accounts,
            origin: org.origin(),
        })
    }
}

/// The RCP listing file, relative to the folder of the global services.
pub const RCP_LISTING: &str = "organizations-list-policies/RESOURCE_CONTROL_POLICY";

impl Lowering<'_> {
    /// The organization's RCPs (see [`ResourceControlPolicies`]); `None` when the listing is missing
    /// or is not JSON.
    fn resource_control_policies(&mut self) -> Option<ResourceControlPolicies> {
        let path = self.global_path(RCP_LISTING);
        let dir = path
            .strip_suffix(RCP_LISTING)
            .unwrap_or_default()
            .to_owned();
        let doc = self.doc(&path)?;
        let mut policies = Vec::new();
        let mut seen = BTreeSet::new();
        let root = At::root(&doc);
        let Some(list) = root.field("Policies") else {
            root.diag(
                &mut self.diagnostics,
                "a policy listing without `Policies`".to_owned(),
            );
            return None;
        };
        for entry in list.items(&mut self.diagnostics) {
            let d = &mut self.diagnostics;
            let Some(id) = entry.str_field("Id", d) else {
                entry.diag(d, "a policy without `Id`".to_owned());
                continue;
            };
            if let Some(ty) = entry.str_field("Type", d)
                && ty != "RESOURCE_CONTROL_POLICY"
            {
                entry.diag(
                    d,
                    format!("a policy of type `{ty}` in the RESOURCE_CONTROL_POLICY listing; it is skipped"),
                );
                continue;
            }
            if !seen.insert(id.clone()) {
                continue;
            }
            let aws_managed = entry.bool_field("AwsManaged", d).unwrap_or(false);
            let name = entry.str_field("Name", d);
            let arn = entry.str_field("Arn", d);
            let q = quote_plus(&id);
            let content = self.rcp_content(&format!("{dir}organizations-describe-policy/{q}"));
            let targets =
                self.rcp_targets(&format!("{dir}organizations-list-targets-for-policy/{q}"));
            policies.push(ResourceControlPolicy {
                id,
                arn,
                name,
                aws_managed,
                content,
                targets,
                origin: entry.origin(),
            });
        }
        let mut parents = BTreeMap::new();
        let parents_dir = format!("{dir}organizations-list-parents");
        let files: Vec<String> = self
            .files
            .files_in(&parents_dir)
            .into_iter()
            .map(str::to_owned)
            .collect();
        for file in files {
            let name = file.rsplit('/').next().unwrap_or_default();
            let child = percent_decode(name).unwrap_or_else(|| name.to_owned());
            let Some(pdoc) = self.doc(&file) else {
                continue;
            };
            let d = &mut self.diagnostics;
            let mut list = Vec::new();
            let mut ok = true;
            for p in At::root(&pdoc)
                .field("Parents")
                .map(|a| a.items(d))
                .unwrap_or_default()
            {
                match (p.str_field("Id", d), p.str_field("Type", d)) {
                    (Some(id), Some(parent_type))
                        if parent_type == "ROOT" || parent_type == "ORGANIZATIONAL_UNIT" =>
                    {
                        list.push(OrganizationParent { id, parent_type });
                    }
                    _ => {
                        p.diag(
                            d,
                            "a parent needs `Id` and a `Type` of `ROOT` or `ORGANIZATIONAL_UNIT`"
                                .to_owned(),
                        );
                        ok = false;
                    }
                }
            }
            // A child with a malformed parent entry is left out: its place in the tree is unknown.
            if ok && !list.is_empty() {
                parents.insert(child, list);
            }
        }
        Some(ResourceControlPolicies {
            policies,
            parents,
            origin: Origin::new(path, ""),
        })
    }

    /// The file of a per-policy RCP part; the part itself when the file is missing (not collected)
    /// or not JSON (malformed).
    fn rcp_file<T>(&mut self, path: &str) -> Result<Doc, RcpPart<T>> {
        if !self.files.contains(path) {
            return Err(RcpPart::NotCollected {
                missing_file: path.to_owned(),
            });
        }
        self.doc(path).ok_or_else(|| RcpPart::Malformed {
            origin: Origin::new(path, ""),
            message: "the file is not JSON".to_owned(),
        })
    }

    /// `describe-policy`: `Policy.Content`, which must be a policy IAM's parser accepts.
    fn rcp_content(&mut self, path: &str) -> RcpPart<PolicyDocument> {
        let doc = match self.rcp_file(path) {
            Ok(doc) => doc,
            Err(part) => return part,
        };
        let Some(at) = At::root(&doc).path(&["Policy", "Content"]) else {
            let message = "a policy description without `Policy.Content`".to_owned();
            At::root(&doc).diag(&mut self.diagnostics, message.clone());
            return RcpPart::Malformed {
                origin: Origin::new(path, ""),
                message,
            };
        };
        let malformed = |cx: &mut Self, message: String| {
            at.diag(&mut cx.diagnostics, message.clone());
            RcpPart::Malformed {
                origin: at.origin(),
                message,
            }
        };
        match decode_policy(&at) {
            Ok(Some(policy)) => match perimeter_iam::parse_and_lower(&policy.text) {
                Ok(_) => RcpPart::Collected(policy),
                Err(diags) => {
                    let first = diags
                        .iter()
                        .find(|d| d.is_error())
                        .or(diags.first())
                        .map(|d| {
                            let inner = d
                                .locations
                                .first()
                                .map(|l| perimeter_iam::diagnostic::path_to_pointer(&l.path))
                                .unwrap_or_default();
                            if inner.is_empty() {
                                d.message.clone()
                            } else {
                                format!("{} (at `{inner}` in the policy)", d.message)
                            }
                        })
                        .unwrap_or_default();
                    malformed(
                        self,
                        format!("the resource control policy does not parse: {first}"),
                    )
                }
            },
            Ok(None) => malformed(self, "the resource control policy is empty".to_owned()),
            Err(message) => malformed(self, message),
        }
    }

    /// `list-targets-for-policy`: `Targets[]`. Any malformed entry makes the whole list malformed (the
    /// accounts that entry covers are unknown).
    fn rcp_targets(&mut self, path: &str) -> RcpPart<Vec<PolicyTarget>> {
        let doc = match self.rcp_file(path) {
            Ok(doc) => doc,
            Err(part) => return part,
        };
        let root = At::root(&doc);
        let Some(list) = root.field("Targets") else {
            let message = "a target listing without `Targets`".to_owned();
            root.diag(&mut self.diagnostics, message.clone());
            return RcpPart::Malformed {
                origin: root.origin(),
                message,
            };
        };
        let d = &mut self.diagnostics;
        let before = d.len();
        let items = list.items(d);
        if d.len() > before {
            return RcpPart::Malformed {
                origin: list.origin(),
                message: "`Targets` is not an array".to_owned(),
            };
        }
        let mut targets = Vec::new();
        for t in items {
            match (t.str_field("TargetId", d), t.str_field("Type", d)) {
                (Some(target_id), Some(target_type))
                    if matches!(
                        target_type.as_str(),
                        "ROOT" | "ORGANIZATIONAL_UNIT" | "ACCOUNT"
                    ) =>
                {
                    targets.push(PolicyTarget {
                        target_id,
                        target_type,
                        name: t.str_field("Name", d),
                        origin: t.origin(),
                    });
                }
                _ => {
                    let message =
                        "a target needs `TargetId` and a `Type` of `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT`"
                            .to_owned();
                    t.diag(d, message.clone());
                    return RcpPart::Malformed {
                        origin: t.origin(),
                        message,
                    };
                }
            }
        }
        RcpPart::Collected(targets)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        Doc {
            path: "f.json".to_owned(),
            text: text.to_owned(),
            root: perimeter_json::parse(text).unwrap(),
        }
    }

    /// `(file text, expected (text, encoding) or error substring)`; the policy is the member `P`.
    fn check(input: &str, expected: Result<Option<(&str, PolicyEncoding)>, &str>) {
        let d = doc(input);
        let at = At::root(&d).field("P").unwrap();
        let got = decode_policy(&at);
        match (got, expected) {
            (Ok(None), Ok(None)) => {}
            (Ok(Some(p)), Ok(Some((text, encoding)))) => {
                assert_eq!(p.text, text, "{input}");
                assert_eq!(p.encoding, encoding, "{input}");
                assert_eq!(p.origin, Origin::new("f.json", "/P"));
            }
            (Err(e), Err(want)) => assert!(e.contains(want), "{input}: {e}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn policy_encodings() {
        // JSON string holding JSON: the s3-get-bucket-policy shape in the cloudmapper-demo corpus.
        check(
            r#"{"P": "{\"Version\":\"2012-10-17\"}"}"#,
            Ok(Some((
                r#"{"Version":"2012-10-17"}"#,
                PolicyEncoding::JsonString,
            ))),
        );
        // URL-encoded, as the raw IAM API returns GAAD documents (RFC 3986 escapes).
        check(
            r#"{"P": "%7B%22Version%22%3A%222012-10-17%22%7D"}"#,
            Ok(Some((
                r#"{"Version":"2012-10-17"}"#,
                PolicyEncoding::UrlEncoded,
            ))),
        );
        // Embedded object, as the aws CLI prints GAAD documents: the text is the file's own slice.
        check(
            r#"{"P": {"Version": "2012-10-17"}}"#,
            Ok(Some((
                r#"{"Version": "2012-10-17"}"#,
                PolicyEncoding::Embedded { offset: 6 },
            ))),
        );
        check(r#"{"P": null}"#, Ok(None));
        check(r#"{"P": ""}"#, Ok(None));
        check(
            r#"{"P": "not a policy"}"#,
            Err("does not hold a JSON object"),
        );
        check(r#"{"P": "%zz"}"#, Err("neither JSON nor URL-encoded"));
        check(r#"{"P": 3}"#, Err("found a number"));
    }

    #[test]
    fn region_names() {
        for (name, want) in [
            ("us-east-1", true),
            ("us-gov-west-1", true),
            ("cn-north-1", true),
            ("describe-regions.json", false),
            ("demo", false),
            ("us-east", false),
        ] {
            assert_eq!(looks_like_region(name), want, "{name}");
        }
    }

    #[test]
    fn arn_accounts() {
        for (arn, want) in [
            (
                "arn:aws:sqs:us-east-1:123456789012:demo",
                Some("123456789012"),
            ),
            ("arn:aws:s3:::bucket", None),
            ("arn:aws:ec2:us-east-1::snapshot/snap-1", None),
            ("arn:aws:iam::aws:policy/ReadOnlyAccess", None),
            // cloudmapper-demo's secret ARN has a 13-digit account (SOURCE.md, caveats).
            (
                "arn:aws:secretsmanager:us-east-1:0123456789012:secret:demo-secret-lfUPRe",
                None,
            ),
        ] {
            assert_eq!(arn_account(arn), want, "{arn}");
        }
    }
}
