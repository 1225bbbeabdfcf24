//! The typed account snapshot: what the loader hands to the analysis.

use std::collections::BTreeMap;
use std::fmt;

/// The resource types of Access Analyzer's external-access analysis, spelled as the botocore
/// `accessanalyzer` model's `ResourceType` enum spells them (`AWS::IAM::User` is for unused access only
/// and is not a resource here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ResourceType {
    S3Bucket,
    S3ExpressDirectoryBucket,
    IamRole,
    KmsKey,
    LambdaFunction,
    LambdaLayerVersion,
    SqsQueue,
    SnsTopic,
    SecretsManagerSecret,
    EcrRepository,
    EfsFileSystem,
    Ec2Snapshot,
    RdsDbSnapshot,
    RdsDbClusterSnapshot,
    DynamoDbTable,
    DynamoDbStream,
}

impl ResourceType {
    /// Every type, in the order of the botocore enum's external-access members.
    pub const ALL: [ResourceType; 16] = [
        ResourceType::S3Bucket,
        ResourceType::IamRole,
        ResourceType::SqsQueue,
        ResourceType::LambdaFunction,
        ResourceType::LambdaLayerVersion,
        ResourceType::KmsKey,
        ResourceType::SecretsManagerSecret,
        ResourceType::EfsFileSystem,
        ResourceType::Ec2Snapshot,
        ResourceType::EcrRepository,
        ResourceType::RdsDbSnapshot,
        ResourceType::RdsDbClusterSnapshot,
        ResourceType::SnsTopic,
        ResourceType::S3ExpressDirectoryBucket,
        ResourceType::DynamoDbTable,
        ResourceType::DynamoDbStream,
    ];

    /// The API spelling, e.g. `AWS::S3::Bucket`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceType::S3Bucket => "AWS::S3::Bucket",
            ResourceType::S3ExpressDirectoryBucket => "AWS::S3Express::DirectoryBucket",
            ResourceType::IamRole => "AWS::IAM::Role",
            ResourceType::KmsKey => "AWS::KMS::Key",
            ResourceType::LambdaFunction => "AWS::Lambda::Function",
            ResourceType::LambdaLayerVersion => "AWS::Lambda::LayerVersion",
            ResourceType::SqsQueue => "AWS::SQS::Queue",
            ResourceType::SnsTopic => "AWS::SNS::Topic",
            ResourceType::SecretsManagerSecret => "AWS::SecretsManager::Secret",
            ResourceType::EcrRepository => "AWS::ECR::Repository",
            ResourceType::EfsFileSystem => "AWS::EFS::FileSystem",
            ResourceType::Ec2Snapshot => "AWS::EC2::Snapshot",
            ResourceType::RdsDbSnapshot => "AWS::RDS::DBSnapshot",
            ResourceType::RdsDbClusterSnapshot => "AWS::RDS::DBClusterSnapshot",
            ResourceType::DynamoDbTable => "AWS::DynamoDB::Table",
            ResourceType::DynamoDbStream => "AWS::DynamoDB::Stream",
        }
    }

    /// Parses the API spelling.
    pub fn parse(text: &str) -> Option<ResourceType> {
        ResourceType::ALL.into_iter().find(|t| t.as_str() == text)
    }

    /// Global types are collected once (in the default region folder) and are not per region.
    pub fn is_global(self) -> bool {
        matches!(self, ResourceType::S3Bucket | ResourceType::IamRole)
    }
}

impl fmt::Display for ResourceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a value came from: a file of the snapshot (path relative to the snapshot root, `/`-separated)
/// and a JSON pointer (RFC 6901) into it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Origin {
    pub file: String,
    pub pointer: String,
}

impl Origin {
    pub fn new(file: impl Into<String>, pointer: impl Into<String>) -> Origin {
        Origin {
            file: file.into(),
            pointer: pointer.into(),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.pointer.is_empty() {
            write!(f, "{}", self.file)
        } else {
            write!(f, "{}#{}", self.file, self.pointer)
        }
    }
}

/// How a policy document was stored in its file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyEncoding {
    /// A JSON string holding the policy JSON (`"Policy": "{\"Version\": …}"`), as most get-*-policy calls return it.
    JsonString,
    /// A URL-encoded JSON string (`%7B%22Version%22…`), as the raw IAM API returns GAAD documents.
    UrlEncoded,
    /// The policy is a JSON object inside the file (the aws CLI decodes GAAD documents this way).
    /// `offset` is the byte offset of the object in the file, so spans in `text` map back to the file.
    Embedded { offset: usize },
}

/// A policy document: its JSON text, exactly as the IAM parser should see it, and where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyDocument {
    pub text: String,
    pub encoding: PolicyEncoding,
    pub origin: Origin,
}

/// One external-access resource.
#[derive(Clone, Debug, PartialEq)]
pub struct Resource {
    pub arn: String,
    pub resource_type: ResourceType,
    /// The owner account (from the ARN, else the snapshot's account).
    pub owner_account: String,
    /// The resource's Region; IAM roles are global and carry the snapshot's default Region.
    pub region: String,
    /// The resource-based policy (the trust policy for a role, the `default` key policy for a key).
    /// `None`: the resource has no policy (no file, or the file holds no policy).
    pub policy: Option<PolicyDocument>,
    pub extras: ResourceExtras,
    /// Where the resource was listed.
    pub origin: Origin,
}

/// Type-specific inputs to the analysis besides the policy.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum ResourceExtras {
    #[default]
    None,
    S3Bucket(S3BucketExtras),
    KmsKey(KmsKeyExtras),
    Ec2Snapshot(Ec2SnapshotExtras),
    RdsSnapshot(RdsSnapshotExtras),
    SecretsManagerSecret(SecretExtras),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct S3BucketExtras {
    /// The bucket ACL grants; `None` when the ACL file is missing (not collected).
    pub acl_grants: Option<Vec<AclGrant>>,
    /// The ACL owner's canonical user id.
    pub acl_owner_id: Option<String>,
    /// Bucket-level Block Public Access; `None` when there is no configuration (or it was not collected).
    pub bucket_public_access_block: Option<PublicAccessBlock>,
    /// Account-level Block Public Access; `None` when there is no configuration (or it was not collected).
    pub account_public_access_block: Option<PublicAccessBlock>,
    /// Access points and multi-Region access points in the snapshot's account whose bucket is this one.
    pub access_points: Vec<AccessPoint>,
    /// Access point listings that were not collected (relative paths of the missing listing files):
    /// the bucket's Region's `s3control-list-access-points/<account>` and the global
    /// `s3control-list-multi-region-access-points/<account>`. Non-empty means the access points are
    /// not (fully) analysed.
    pub access_point_listings_missing: Vec<String>,
}

/// One ACL grant, as `get-bucket-acl` returns it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AclGrant {
    /// `CanonicalUser`, `Group` or `AmazonCustomerByEmail`.
    pub grantee_type: String,
    pub grantee_id: Option<String>,
    /// For groups: `http://acs.amazonaws.com/groups/global/AllUsers`, `…/AuthenticatedUsers`, `…/s3/LogDelivery`.
    pub grantee_uri: Option<String>,
    pub grantee_email: Option<String>,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP` or `FULL_CONTROL`.
    pub permission: String,
    pub origin: Origin,
}

/// A Block Public Access configuration (bucket, account or access point level).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublicAccessBlock {
    pub block_public_acls: bool,
    pub ignore_public_acls: bool,
    pub block_public_policy: bool,
    pub restrict_public_buckets: bool,
    pub origin: Origin,
}

/// Whether an access point is a (Regional) access point or a multi-Region access point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AccessPointKind {
    #[default]
    Regional,
    MultiRegion,
}

/// An S3 access point (`list-access-points`, `get-access-point`, `get-access-point-policy`,
/// `get-access-point-policy-status`) or multi-Region access point (`list-multi-region-access-points`,
/// `get-multi-region-access-point-policy`).
#[derive(Clone, Debug, PartialEq)]
pub struct AccessPoint {
    pub kind: AccessPointKind,
    pub name: String,
    /// `arn:aws:s3:<region>:<account>:accesspoint/<name>`, or for a multi-Region access point
    /// `arn:aws:s3::<account>:accesspoint/<alias>`.
    pub arn: String,
    /// The account that owns the access point (from its ARN, else the snapshot's account).
    pub account: String,
    /// The Region of a Regional access point; empty for a multi-Region access point.
    pub region: String,
    pub alias: Option<String>,
    pub bucket: String,
    /// The bucket owner (`BucketAccountId`), when the listing gives it.
    pub bucket_account_id: Option<String>,
    /// `Internet` or `VPC` (multi-Region access points are always `Internet`).
    pub network_origin: String,
    pub vpc_id: Option<String>,
    pub policy: Option<PolicyDocument>,
    /// The access point's own Block Public Access; `None` when `get-access-point` was not collected
    /// (or, for a multi-Region access point, the listing has none).
    pub public_access_block: Option<PublicAccessBlock>,
    /// `get-access-point-policy-status` / `get-multi-region-access-point-policy-status`
    /// `PolicyStatus.IsPublic` (S3's own verdict), when collected. Informational.
    pub policy_is_public: Option<bool>,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct KmsKeyExtras {
    pub grants: Vec<KmsGrant>,
    /// True when `kms-list-grants` was not collected for the key (grants unknown).
    pub grants_missing: bool,
    /// True when the key policy file is missing: Access Analyzer reports an `ACCESS_DENIED` error finding
    /// when it cannot read a key policy.
    pub key_policy_missing: bool,
    /// `AWS` or `CUSTOMER` when known (from `kms-describe-key`).
    pub key_manager: Option<String>,
}

/// A KMS grant, as `list-grants` returns it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KmsGrant {
    pub grant_id: String,
    pub name: Option<String>,
    pub grantee_principal: Option<String>,
    pub retiring_principal: Option<String>,
    pub issuing_account: Option<String>,
    pub operations: Vec<String>,
    pub encryption_context_equals: BTreeMap<String, String>,
    pub encryption_context_subset: BTreeMap<String, String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ec2SnapshotExtras {
    /// `createVolumePermission` entries: `Group` `all`, or account ids.
    pub create_volume_permissions: Vec<SharePermission>,
    /// True when the attribute file is missing (sharing unknown).
    pub attribute_missing: bool,
    pub encrypted: Option<bool>,
    pub kms_key_id: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RdsSnapshotExtras {
    /// Values of the `restore` attribute: account ids, or `all`.
    pub restore: Vec<SharePermission>,
    pub attribute_missing: bool,
    pub encrypted: Option<bool>,
    pub kms_key_id: Option<String>,
}

/// One sharing entry of a snapshot: `all` (public) or an account id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareTarget {
    All,
    Account(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SharePermission {
    pub target: ShareTarget,
    pub origin: Origin,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SecretExtras {
    pub kms_key_id: Option<String>,
}

/// IAM entities from `get-account-authorization-details`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Iam {
    pub users: Vec<IamUser>,
    pub groups: Vec<IamGroup>,
    pub roles: Vec<IamRole>,
    pub policies: Vec<ManagedPolicy>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NamedPolicy {
    pub name: String,
    pub document: PolicyDocument,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IamUser {
    pub name: String,
    pub arn: String,
    pub inline_policies: Vec<NamedPolicy>,
    pub attached_policy_arns: Vec<String>,
    pub group_names: Vec<String>,
    pub permissions_boundary_arn: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IamGroup {
    pub name: String,
    pub arn: String,
    pub inline_policies: Vec<NamedPolicy>,
    pub attached_policy_arns: Vec<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IamRole {
    pub name: String,
    pub arn: String,
    pub trust_policy: Option<PolicyDocument>,
    pub inline_policies: Vec<NamedPolicy>,
    pub attached_policy_arns: Vec<String>,
    pub permissions_boundary_arn: Option<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ManagedPolicy {
    pub name: String,
    pub arn: String,
    /// The default version's document.
    pub document: Option<PolicyDocument>,
    pub attachment_count: Option<u64>,
    pub origin: Origin,
}

/// The AWS Organization, for the organization zone of trust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: String,
    pub arn: Option<String>,
    pub management_account_id: Option<String>,
    /// Member accounts; empty when `list-accounts` was not collected (it only works from the management account).
    pub accounts: Vec<OrganizationAccount>,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationAccount {
    pub id: String,
    pub name: Option<String>,
    pub status: Option<String>,
}

/// The organization's resource control policies (RCPs), from `organizations-list-policies/RESOURCE_CONTROL_POLICY`
/// and the per-policy `organizations-describe-policy/<id>` and `organizations-list-targets-for-policy/<id>`
/// files, with the organization tree from `organizations-list-parents/<child id>`.
///
/// `Snapshot::resource_control_policies` is `None` when the listing was not collected (it needs the
/// management account or a delegated administrator).
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceControlPolicies {
    /// Every RCP of the listing, the AWS-managed `RCPFullAWSAccess` included, in listing order.
    pub policies: Vec<ResourceControlPolicy>,
    /// `list-parents`: child id (account or OU) → its parents (an OU or the root), for the children
    /// whose file was collected.
    pub parents: BTreeMap<String, Vec<OrganizationParent>>,
    /// The listing file.
    pub origin: Origin,
}

/// One RCP: its `PolicySummary`, its content and its targets.
#[derive(Clone, Debug, PartialEq)]
pub struct ResourceControlPolicy {
    /// `p-…`.
    pub id: String,
    pub arn: Option<String>,
    pub name: Option<String>,
    /// `AwsManaged`: true for `RCPFullAWSAccess`, which allows everything and restricts nothing.
    pub aws_managed: bool,
    /// `describe-policy`'s `Policy.Content`.
    pub content: RcpPart<PolicyDocument>,
    /// `list-targets-for-policy`'s `Targets[]`.
    pub targets: RcpPart<Vec<PolicyTarget>>,
    /// The entry in the listing.
    pub origin: Origin,
}

/// A per-policy part of an RCP: collected, not collected (file missing), or malformed (a diagnostic
/// names the file and JSON pointer).
#[derive(Clone, Debug, PartialEq)]
pub enum RcpPart<T> {
    Collected(T),
    NotCollected { missing_file: String },
    Malformed { origin: Origin, message: String },
}

impl<T> RcpPart<T> {
    /// The missing file, when not collected.
    pub fn missing(&self) -> Option<&str> {
        match self {
            RcpPart::NotCollected { missing_file } => Some(missing_file),
            _ => None,
        }
    }
}

/// `PolicyTargetSummary`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyTarget {
    /// `r-…` (root), `ou-…` or a 12-digit account id.
    pub target_id: String,
    /// `ROOT`, `ORGANIZATIONAL_UNIT` or `ACCOUNT` (`TargetType`).
    pub target_type: String,
    pub name: Option<String>,
    pub origin: Origin,
}

/// `Parent`: `Id` and `Type` (`ROOT` or `ORGANIZATIONAL_UNIT`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationParent {
    pub id: String,
    pub parent_type: String,
}

/// Whether a resource type was analysed in a Region.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coverage {
    pub resource_type: ResourceType,
    /// The Region; for global types the default Region the files were collected in.
    pub region: String,
    pub status: CoverageStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoverageStatus {
    Analysed,
    /// The listing file is missing; the type is not analysed in this Region.
    NotAnalysed {
        missing_file: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

/// A problem in the snapshot, with its location. The rest of the snapshot still loads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Lowercase, one line, user input in backticks.
    pub message: String,
    /// The file and JSON pointer of the offending value (the pointer is empty for a file that is not JSON).
    pub origin: Origin,
    /// For a file that is not JSON: line (1-based) and column (0-based) of the error.
    pub line_column: Option<(u32, u32)>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}", self.origin.file)?;
        if let Some((line, column)) = self.line_column {
            write!(f, ":{line}:{column}")?;
        }
        if !self.origin.pointer.is_empty() {
            write!(f, " at `{}`", self.origin.pointer)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// The whole account snapshot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The account id (from `sts-get-caller-identity.json`, else inferred from IAM ARNs).
    pub account_id: Option<String>,
    pub partition: String,
    /// The Regions collected (from `describe-regions.json`, else the Region folders present).
    pub regions: Vec<String>,
    /// The Region folder holding the global services (IAM, S3, Organizations): `us-east-1` in CloudMapper.
    pub default_region: String,
    pub resources: Vec<Resource>,
    pub iam: Iam,
    pub organization: Option<Organization>,
    /// The organization's RCPs; `None` when `organizations-list-policies/RESOURCE_CONTROL_POLICY` was
    /// not collected.
    pub resource_control_policies: Option<ResourceControlPolicies>,
    pub coverage: Vec<Coverage>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Snapshot {
    /// The resource with this ARN.
    pub fn resource(&self, arn: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.arn == arn)
    }

    /// True when the type was analysed in at least one Region.
    pub fn is_analysed(&self, resource_type: ResourceType) -> bool {
        self.coverage
            .iter()
            .any(|c| c.resource_type == resource_type && c.status == CoverageStatus::Analysed)
    }
}
