//! The finding model and the request/response shapes, mirroring the botocore `accessanalyzer`
//! model (2019-11-01) field for field. `explanation` is perimeter's addition and is kept apart from
//! the API shapes.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// `FindingStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingStatus {
    Active,
    Archived,
    Resolved,
}

impl FindingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingStatus::Active => "ACTIVE",
            FindingStatus::Archived => "ARCHIVED",
            FindingStatus::Resolved => "RESOLVED",
        }
    }
    pub fn parse(text: &str) -> Option<FindingStatus> {
        match text {
            "ACTIVE" => Some(FindingStatus::Active),
            "ARCHIVED" => Some(FindingStatus::Archived),
            "RESOLVED" => Some(FindingStatus::Resolved),
            _ => None,
        }
    }
}

impl fmt::Display for FindingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `FindingStatusUpdate`: what `UpdateFindings` may set (never `RESOLVED`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingStatusUpdate {
    Active,
    Archived,
}

impl FindingStatusUpdate {
    pub fn parse(text: &str) -> Option<FindingStatusUpdate> {
        match text {
            "ACTIVE" => Some(FindingStatusUpdate::Active),
            "ARCHIVED" => Some(FindingStatusUpdate::Archived),
            _ => None,
        }
    }
    pub fn status(self) -> FindingStatus {
        match self {
            FindingStatusUpdate::Active => FindingStatus::Active,
            FindingStatusUpdate::Archived => FindingStatus::Archived,
        }
    }
}

/// `FindingSourceDetail`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingSourceDetail {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_point_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access_point_account: Option<String>,
}

/// `FindingSource`: `type` ∈ `POLICY`, `BUCKET_ACL`, `S3_ACCESS_POINT`, `S3_ACCESS_POINT_ACCOUNT`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingSource {
    #[serde(rename = "type")]
    pub source_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<FindingSourceDetail>,
}

/// Why a finding exists: the part of the configuration that grants the access (perimeter's addition).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Explanation {
    /// A policy statement: the policy's file and JSON pointer in the snapshot, the statement's index,
    /// Sid, and its JSON pointer inside the policy document (`/Statement/2`).
    #[serde(rename_all = "camelCase")]
    Statement {
        file: String,
        pointer: String,
        statement_index: u32,
        #[serde(skip_serializing_if = "Option::is_none")]
        sid: Option<String>,
        statement_pointer: String,
    },
    /// An S3 ACL grant.
    #[serde(rename_all = "camelCase")]
    AclGrant {
        file: String,
        pointer: String,
        grantee: String,
        permission: String,
    },
    /// A Block Public Access setting that is off (or on) and decides the outcome.
    #[serde(rename_all = "camelCase")]
    BlockPublicAccess {
        file: String,
        pointer: String,
        setting: String,
        value: bool,
    },
    /// A KMS grant.
    #[serde(rename_all = "camelCase")]
    KmsGrant {
        file: String,
        pointer: String,
        grant_id: String,
    },
    /// A snapshot share attribute entry (`createVolumePermission`, RDS `restore`).
    #[serde(rename_all = "camelCase")]
    SnapshotAttribute {
        file: String,
        pointer: String,
        attribute: String,
        value: String,
    },
}

/// What the analysis found on one resource: the input to [`crate::Store::record_scan`]. The store
/// assigns `id`, `status` and the timestamps.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FindingInput {
    pub resource: String,
    /// `ResourceType` spelling, e.g. `AWS::S3::Bucket`.
    pub resource_type: String,
    pub resource_owner_account: String,
    /// `PrincipalMap`: principal type (`AWS`, `Federated`, `CanonicalUser`, …) → value.
    pub principal: BTreeMap<String, String>,
    /// `ActionList`; order and duplicates do not matter (the store sorts and dedupes).
    pub action: Vec<String>,
    /// `ConditionKeyMap`.
    pub condition: BTreeMap<String, String>,
    pub is_public: bool,
    pub sources: Vec<FindingSource>,
    /// An error finding (`ACCESS_DENIED`, `INTERNAL_ERROR`): no principal/action/condition.
    pub error: Option<String>,
    /// `ResourceControlPolicyRestriction`, when known.
    pub resource_control_policy_restriction: Option<String>,
    pub explanation: Vec<Explanation>,
}

/// `Finding` (GetFinding), which is also `FindingSummary` (ListFindings): the same members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Finding {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    pub resource_type: String,
    pub condition: BTreeMap<String, String>,
    pub created_at: Timestamp,
    pub analyzed_at: Timestamp,
    pub updated_at: Timestamp,
    pub status: FindingStatus,
    pub resource_owner_account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<FindingSource>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_control_policy_restriction: Option<String>,
}

/// A finding as stored: the API shape plus the explanation and the content key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredFinding {
    pub finding: Finding,
    pub explanation: Vec<Explanation>,
    /// Hex SHA-256 of the canonical (resource, resourceType, principal, action, condition, sources, error).
    pub key: String,
}

/// `FindingSummaryV2`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingSummaryV2 {
    pub analyzed_at: Timestamp,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub resource_type: String,
    pub resource_owner_account: String,
    pub status: FindingStatus,
    pub updated_at: Timestamp,
    pub finding_type: String,
}

/// `ExternalAccessDetails`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalAccessDetails {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Vec<String>>,
    pub condition: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<FindingSource>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_control_policy_restriction: Option<String>,
}

/// `FindingDetails` (the external-access member only: the other members belong to other analyzer types).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingDetails {
    pub external_access_details: ExternalAccessDetails,
}

/// `GetFindingV2Response`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFindingV2Response {
    pub analyzed_at: Timestamp,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub resource_type: String,
    pub resource_owner_account: String,
    pub status: FindingStatus,
    pub updated_at: Timestamp,
    pub finding_details: Vec<FindingDetails>,
    pub finding_type: String,
}

/// `GetFindingResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GetFindingResponse {
    pub finding: Finding,
}

/// `ListFindingsResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFindingsResponse {
    pub findings: Vec<Finding>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `ListFindingsV2Response`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListFindingsV2Response {
    pub findings: Vec<FindingSummaryV2>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `Criterion`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eq: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub neq: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contains: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

/// `FilterCriteriaMap`.
pub type FilterCriteriaMap = BTreeMap<String, Criterion>;

/// `OrderBy`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OrderBy {
    #[default]
    Asc,
    Desc,
}

/// `SortCriteria`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SortCriteria {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attribute_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_by: Option<OrderBy>,
}

/// The paging and filtering part of `ListFindingsRequest` / `ListFindingsV2Request`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ListFindingsQuery {
    pub filter: FilterCriteriaMap,
    pub sort: Option<SortCriteria>,
    pub max_results: Option<u32>,
    pub next_token: Option<String>,
}

/// `ArchiveRuleSummary`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ArchiveRuleSummary {
    pub rule_name: String,
    pub filter: FilterCriteriaMap,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// `ListArchiveRulesResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ListArchiveRulesResponse {
    pub archive_rules: Vec<ArchiveRuleSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_token: Option<String>,
}

/// `GetArchiveRuleResponse`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetArchiveRuleResponse {
    pub archive_rule: ArchiveRuleSummary,
}

/// Analyzer `Type` (external-access types only).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AnalyzerType {
    Account,
    Organization,
}

impl AnalyzerType {
    pub fn as_str(self) -> &'static str {
        match self {
            AnalyzerType::Account => "ACCOUNT",
            AnalyzerType::Organization => "ORGANIZATION",
        }
    }
    pub fn parse(text: &str) -> Option<AnalyzerType> {
        match text {
            "ACCOUNT" => Some(AnalyzerType::Account),
            "ORGANIZATION" => Some(AnalyzerType::Organization),
            _ => None,
        }
    }
}

/// `AnalyzerSummary` (the members perimeter fills).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnalyzerSummary {
    pub arn: String,
    pub name: String,
    #[serde(rename = "type")]
    pub analyzer_type: AnalyzerType,
    pub created_at: Timestamp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_resource_analyzed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_resource_analyzed_at: Option<Timestamp>,
    pub status: String,
}

/// `FindingChangeType`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FindingChangeType {
    Changed,
    New,
    Unchanged,
}

/// `AccessPreviewFinding`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessPreviewFinding {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_finding_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub existing_finding_status: Option<FindingStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    pub resource_type: String,
    pub created_at: Timestamp,
    pub change_type: FindingChangeType,
    pub status: FindingStatus,
    pub resource_owner_account: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<FindingSource>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_control_policy_restriction: Option<String>,
}
