//! External-access findings (IAM Access Analyzer's external access analysis, access-analyzer.md §1).
//!
//! The input is neutral ([`ExternalResource`]): a resource ARN and type, its owner, its parsed policy
//! and the non-policy grants (S3 ACL grants and Block Public Access, KMS grants, snapshot shares). The
//! output is a list of [`ExternalFinding`]s, each a principal × restricting-condition cube with the
//! actions it may perform, in the shape of Access Analyzer's `Finding` minus the store's fields (id,
//! status, timestamps), plus what grants it ([`Source`]).
//!
//! Policy findings follow the stratified abstraction of Backes et al. (CAV 2020; papers.md §3):
//!
//! - the *strata* are the principal and each restricting condition key of the policy; each stratum's
//!   labels are `*` and the values the policy names for it, ordered by language inclusion;
//! - a cube is one label per stratum; starting from the coarsest cube, a cube is emitted when the
//!   allowed external requests inside it are not all inside its children (the maximal strictly
//!   finer cubes), else its children are visited;
//! - emitted cubes subsumed by another emitted cube are dropped.
//!
//! S3 buckets add access through access points and multi-Region access points (`access_points.rs`):
//! the bucket policy is partially evaluated for direct requests, requests through each of the owner's
//! access points (met with the access point policy's findings) and requests through other accounts'
//! access points.
//!
//! Invariant (soundness): every allowed external request lies in some emitted cube. A request in a
//! visited cube either makes the cube emitted or lies in a child; the finest cubes have no children.
//! Attacker-controlled keys are not strata, so they stay existentially quantified: a grant
//! conditioned only on them is still reported.

mod access_points;
mod engine;
mod grants;

pub use access_points::{
    ACCESS_POINT_ACCOUNT_KEY, ACCESS_POINT_ARN_KEY, NETWORK_ORIGIN_KEY, access_point_resource,
    bucket_resource,
};
pub use engine::{PolicyFinding, find_policy_findings};
pub use grants::{find_resource_findings, resource_policy_kind, service_prefixes};

use std::collections::BTreeMap;

use perimeter_iam::Policy;

/// The zone of trust of the analyzer (access-analyzer.md §1.1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ZoneOfTrust {
    /// One account.
    Account(String),
    /// An organization: its id and the member accounts known (may be empty).
    Organization { id: String, accounts: Vec<String> },
}

impl ZoneOfTrust {
    /// The accounts inside the zone.
    pub fn accounts(&self) -> Vec<String> {
        match self {
            ZoneOfTrust::Account(a) => vec![a.clone()],
            ZoneOfTrust::Organization { accounts, .. } => accounts.clone(),
        }
    }

    /// Whether an account id is inside the zone.
    pub fn contains_account(&self, account: &str) -> bool {
        self.accounts().iter().any(|a| a == account)
    }
}

/// An S3 ACL grant (`Grants[]` of `get-bucket-acl`, or a preview `bucketAclGrants` entry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AclGrantInput {
    /// `CanonicalUser`, `Group`, `AmazonCustomerByEmail`.
    pub grantee_type: String,
    pub grantee_id: Option<String>,
    pub grantee_uri: Option<String>,
    /// `READ`, `WRITE`, `READ_ACP`, `WRITE_ACP`, `FULL_CONTROL`.
    pub permission: String,
}

/// The Block Public Access settings that change the outcome (bucket and account level merged: a
/// setting is on when it is on at either level).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BlockPublicAccess {
    pub ignore_public_acls: bool,
    pub restrict_public_buckets: bool,
}

/// A KMS grant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KmsGrantInput {
    pub grant_id: String,
    pub grantee_principal: Option<String>,
    pub operations: Vec<String>,
}

/// A snapshot share entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShareInput {
    All,
    Account(String),
}

/// An S3 access point or multi-Region access point of a bucket (access-analyzer.md §1.2, row "S3
/// bucket").
#[derive(Clone, Debug, Default)]
pub struct AccessPointInput {
    /// `arn:aws:s3:<region>:<account>:accesspoint/<name>`, or `arn:aws:s3::<account>:accesspoint/<alias>`
    /// for a multi-Region access point.
    pub arn: String,
    /// The account that owns the access point. When it is not the bucket owner, the access point is a
    /// cross-account access point: its policy is not analysed (Access Analyzer cannot read it).
    pub account: String,
    /// The access point policy; `None`: no policy (only the access point owner's identities may use it).
    pub policy: Option<Policy>,
    /// The access point's own `RestrictPublicBuckets` (Block Public Access).
    pub restrict_public_buckets: bool,
    /// `Some(vpc id)` when the network origin is `VPC` (the id may be empty when unknown).
    pub vpc_id: Option<String>,
    pub multi_region: bool,
}

/// One resource to analyse.
#[derive(Clone, Debug, Default)]
pub struct ExternalResource {
    pub arn: String,
    /// The Access Analyzer `ResourceType` spelling (`AWS::S3::Bucket`, …).
    pub resource_type: String,
    pub owner_account: String,
    /// The resource policy (bucket, key, trust, queue, … policy).
    pub policy: Option<Policy>,
    pub acl_grants: Vec<AclGrantInput>,
    /// The bucket owner's canonical user id (grants to it are not external).
    pub acl_owner_id: Option<String>,
    pub block_public_access: BlockPublicAccess,
    pub kms_grants: Vec<KmsGrantInput>,
    pub shares: Vec<ShareInput>,
    /// For snapshots: encrypted snapshots cannot be public.
    pub encrypted: Option<bool>,
    /// Limitations of the analysis of this resource (parts not analysed); copied to every finding.
    pub notes: Vec<String>,
    /// S3 buckets: the bucket's access points and multi-Region access points.
    pub access_points: Vec<AccessPointInput>,
    /// True when `access_points` lists every access point and multi-Region access point of the
    /// bucket's owner on the bucket. When false, a bucket policy's delegation to the owner's access
    /// points is reported as written (a `POLICY` finding), which keeps the cover sound.
    pub access_points_known: bool,
}

/// `FindingSourceDetail`: the access point behind an S3 finding.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessPointDetail {
    /// `accessPointArn`: the (multi-Region) access point that grants the access.
    pub access_point_arn: Option<String>,
    /// `accessPointAccount`: the account of the cross-account access point.
    pub access_point_account: Option<String>,
}

/// What grants a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// Policy statements (their indexes) whose allowed requests meet the cube. For S3 access point
    /// findings (`S3_ACCESS_POINT`, `S3_ACCESS_POINT_ACCOUNT`) these are the bucket policy's statements
    /// that let the access through (the delegation); the access point is in
    /// [`ExternalFinding::source_detail`].
    Policy { statements: Vec<usize> },
    /// An S3 ACL grant (index into [`ExternalResource::acl_grants`]).
    AclGrant(usize),
    /// A KMS grant (index into [`ExternalResource::kms_grants`]).
    KmsGrant(usize),
    /// A snapshot share entry (index into [`ExternalResource::shares`]).
    Share(usize),
}

/// One external-access finding, before the store gives it an id, status and timestamps.
#[derive(Clone, Debug, PartialEq)]
pub struct ExternalFinding {
    /// `PrincipalMap`.
    pub principal: BTreeMap<String, String>,
    /// Sorted, deduplicated.
    pub action: Vec<String>,
    /// `ConditionKeyMap`.
    pub condition: BTreeMap<String, String>,
    pub is_public: bool,
    pub source: Source,
    /// The `sources[].type` of S3 findings (`POLICY`, `BUCKET_ACL`, `S3_ACCESS_POINT`,
    /// `S3_ACCESS_POINT_ACCOUNT`).
    pub source_type: Option<&'static str>,
    /// The `sources[].detail` of access point findings.
    pub source_detail: Option<AccessPointDetail>,
    /// `S3_ACCESS_POINT` findings: the access point policy's Allow statements (indexes) whose allowed
    /// requests meet the cube (the bucket side is in [`ExternalFinding::source`]).
    pub access_point_statements: Vec<usize>,
    /// What is over-approximated and why (empty when exact with respect to the labels).
    pub notes: Vec<String>,
    /// A concrete allowed external request inside the finding, when one was built.
    pub witness: Option<crate::witness::RequestWitness>,
}

impl ExternalFinding {
    /// The finding of a policy's cube, with the S3 source type and access point detail to report.
    pub(crate) fn from_policy(
        f: engine::PolicyFinding,
        source_type: Option<&'static str>,
        source_detail: Option<AccessPointDetail>,
    ) -> ExternalFinding {
        ExternalFinding {
            principal: f.principal,
            action: f.action,
            condition: f.condition,
            is_public: f.is_public,
            source: Source::Policy {
                statements: f.statements,
            },
            source_type,
            source_detail,
            access_point_statements: Vec::new(),
            notes: f.notes,
            witness: f.witness,
        }
    }
}

/// An operational failure of the analysis (not a problem in the input).
#[derive(Debug, thiserror::Error)]
pub enum ExternalError {
    #[error("{0}")]
    Compile(#[from] crate::compile::CompileError),
    #[error("{0}")]
    Logic(#[from] perimeter_logic::LogicError),
}

/// Findings by content: a rescan analyses only resources whose content changed.
///
/// The key hashes what decides the findings: the resource ARN, type and owner, the policy's source
/// text, the non-policy grants and the zone of trust. The hash is SipHash with fixed keys
/// (`DefaultHasher::new`), so keys are stable within one build; a collision would reuse another
/// resource's findings, which the 64-bit key makes negligible for account-sized inputs.
#[derive(Debug, Default)]
pub struct FindingCache {
    entries: std::collections::HashMap<u64, Vec<ExternalFinding>>,
    /// Lookups answered from the cache since creation.
    pub hits: usize,
    /// Lookups that ran the analysis.
    pub misses: usize,
}

impl FindingCache {
    /// The content key of a resource whose policy source text is `policy_text`.
    pub fn content_key(
        arn: &str,
        resource_type: &str,
        owner_account: &str,
        policy_text: &str,
        grants: &str,
        zone: &ZoneOfTrust,
    ) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (arn, resource_type, owner_account, policy_text, grants).hash(&mut h);
        format!("{zone:?}").hash(&mut h);
        h.finish()
    }

    /// The findings for `key`, computing them with `analyse` (which builds and analyses the
    /// resource; parsing happens only on a miss) when the key is new.
    pub fn get_or_analyse(
        &mut self,
        key: u64,
        analyse: impl FnOnce() -> Result<Vec<ExternalFinding>, ExternalError>,
    ) -> Result<&[ExternalFinding], ExternalError> {
        if self.entries.contains_key(&key) {
            self.hits += 1;
        } else {
            self.misses += 1;
            let v = analyse()?;
            self.entries.insert(key, v);
        }
        Ok(self
            .entries
            .get(&key)
            .map(Vec::as_slice)
            .unwrap_or_default())
    }

    /// Whether the findings for `key` are cached (counts as a hit when they are).
    pub fn lookup(&mut self, key: u64) -> Option<&[ExternalFinding]> {
        let v = self.entries.get(&key).map(Vec::as_slice);
        if v.is_some() {
            self.hits += 1;
        }
        v
    }

    /// Stores findings computed elsewhere (for example on another thread).
    pub fn insert(&mut self, key: u64, findings: Vec<ExternalFinding>) {
        self.misses += 1;
        self.entries.insert(key, findings);
    }

    /// Drops entries not in `live` (keys seen in the last scan).
    pub fn retain(&mut self, live: &std::collections::HashSet<u64>) {
        self.entries.retain(|k, _| live.contains(k));
    }
}
