//! Monitoring: finding events in EventBridge's "Access Analyzer Finding" shape
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-eventbridge.html).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{Finding, FindingSource, FindingStatus};
use crate::time::Timestamp;

/// Why an event was emitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FindingChange {
    /// A finding was created by a scan.
    New,
    /// An existing finding changed: its status was updated (UpdateFindings, ApplyArchiveRule), or a scan
    /// created it in place of a resolved finding on the same resource and principal (changed access).
    Changed,
    /// A scan no longer found the access: the finding is now RESOLVED.
    Resolved,
    /// The finding was deleted (an error finding whose cause is gone; a RESOLVED finding after 90 days).
    Deleted,
}

/// The `detail` of an "Access Analyzer Finding" event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FindingEventDetail {
    pub version: String,
    pub id: String,
    pub status: FindingStatus,
    pub resource_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub created_at: String,
    pub analyzed_at: String,
    pub updated_at: String,
    pub account_id: String,
    pub region: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<Vec<String>>,
    pub condition: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    pub is_deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<FindingSource>>,
}

/// An EventBridge event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingEvent {
    pub version: String,
    pub id: String,
    #[serde(rename = "detail-type")]
    pub detail_type: String,
    pub source: String,
    pub account: String,
    pub time: String,
    pub region: String,
    pub resources: Vec<String>,
    pub detail: FindingEventDetail,
}

/// An event and why it was emitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanEvent {
    pub change: FindingChange,
    pub event: FindingEvent,
}

/// Builds the event for a finding of an analyzer (`arn:aws:access-analyzer:<region>:<account>:analyzer/<name>`).
pub fn render_event(
    analyzer_arn: &str,
    finding: &Finding,
    change: FindingChange,
    now: Timestamp,
) -> ScanEvent {
    let mut parts = analyzer_arn.split(':');
    let region = parts.nth(3).unwrap_or_default().to_owned();
    let account = parts.next().unwrap_or_default().to_owned();
    let is_deleted = change == FindingChange::Deleted;
    // A stable event id: the same finding, change and time give the same id.
    let mut h = Sha256::new();
    for part in [
        analyzer_arn,
        &finding.id,
        &format!("{change:?}"),
        &now.millis().to_string(),
        finding.status.as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let id = crate::store::uuid_from_digest(&h.finalize());
    ScanEvent {
        change,
        event: FindingEvent {
            version: "0".to_owned(),
            id,
            detail_type: "Access Analyzer Finding".to_owned(),
            source: "aws.access-analyzer".to_owned(),
            account: account.clone(),
            time: now.render_event(),
            region: region.clone(),
            resources: vec![analyzer_arn.to_owned()],
            detail: FindingEventDetail {
                version: "1.0".to_owned(),
                id: finding.id.clone(),
                status: finding.status,
                resource_type: finding.resource_type.clone(),
                resource: finding.resource.clone(),
                created_at: finding.created_at.render_event(),
                analyzed_at: finding.analyzed_at.render_event(),
                updated_at: finding.updated_at.render_event(),
                account_id: account,
                region,
                principal: finding.principal.clone(),
                action: finding.action.clone(),
                condition: finding.condition.clone(),
                is_public: finding.is_public,
                is_deleted,
                error: finding.error.clone(),
                sources: finding.sources.clone(),
            },
        },
    }
}
