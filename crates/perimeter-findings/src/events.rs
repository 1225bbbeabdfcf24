//! Monitoring: finding events in EventBridge's "Access Analyzer Finding" shape
//! (https://docs.aws.amazon.com/IAM/latest/UserGuide/access-analyzer-eventbridge.html).
//!
//! The envelope is EventBridge's (`version` "0", `id`, `detail-type`, `source`, `account`, `time`,
//! `region`, `resources` = the analyzer ARN). The `detail` follows the documented examples: `version`
//! "1.0", the finding's `id`, `status`, `resourceType`, `resource`, the three timestamps, `accountId`
//! and `region` of the finding, `isDeleted`, and, for an access finding, `principal`, `action`,
//! `condition`, `isPublic` (and `sources`, `resourceControlPolicyRestriction` when the finding has
//! them); an error finding carries `error` instead of the access members, as AWS's error example does.

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
    /// Absent for error findings (AWS's error-finding example has no `condition`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<BTreeMap<String, String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_public: Option<bool>,
    pub is_deleted: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sources: Option<Vec<FindingSource>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resource_control_policy_restriction: Option<String>,
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
///
/// The envelope's `account` and `region` are the analyzer's (where EventBridge delivers the event);
/// `detail.accountId` is the account reported in the finding, its resource owner (another member
/// account for an organization analyzer), and `detail.region` the analyzer's region, where the
/// finding lives.
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
                account_id: if finding.resource_owner_account.is_empty() {
                    account
                } else {
                    finding.resource_owner_account.clone()
                },
                region,
                principal: finding.principal.clone(),
                action: finding.action.clone(),
                condition: finding.error.is_none().then(|| finding.condition.clone()),
                is_public: finding.is_public,
                is_deleted,
                error: finding.error.clone(),
                sources: finding.sources.clone(),
                resource_control_policy_restriction: finding
                    .resource_control_policy_restriction
                    .clone(),
            },
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    /// The finding of AWS's example event (IAM User Guide, "Monitoring IAM Access Analyzer with
    /// Amazon EventBridge", example findings events).
    fn doc_finding() -> Finding {
        Finding {
            id: "22222222-dcba-4444-dcba-333333333333".to_owned(),
            principal: Some(BTreeMap::from([(
                "AWS".to_owned(),
                "999988887777".to_owned(),
            )])),
            action: Some(vec!["s3:GetObject".to_owned()]),
            resource: Some("arn:aws:s3:::my-bucket".to_owned()),
            is_public: Some(false),
            resource_type: "AWS::S3::Bucket".to_owned(),
            condition: BTreeMap::new(),
            created_at: at("2019-11-20T04:58:50Z"),
            analyzed_at: at("2019-11-21T01:22:22Z"),
            updated_at: at("2019-11-21T01:14:07Z"),
            status: FindingStatus::Active,
            resource_owner_account: "111122223333".to_owned(),
            error: None,
            sources: None,
            resource_control_policy_restriction: None,
        }
    }

    const ANALYZER: &str = "arn:aws:access-analyzer:us-west-2:111122223333:analyzer/MyAnalyzer";

    /// Renders the event and drops the envelope `id` (EventBridge's own, not derived from the finding).
    fn check(finding: &Finding, change: FindingChange, expected: serde_json::Value) {
        let event = render_event(ANALYZER, finding, change, at("2019-11-21T01:22:33Z"));
        assert_eq!(event.change, change);
        let mut v = serde_json::to_value(&event.event).unwrap();
        let id = v
            .as_object_mut()
            .unwrap()
            .remove("id")
            .unwrap()
            .as_str()
            .unwrap()
            .to_owned();
        // A UUID-shaped event id.
        assert_eq!(
            id.split('-').map(str::len).collect::<Vec<_>>(),
            vec![8, 4, 4, 4, 12]
        );
        assert_eq!(v, expected);
    }

    #[test]
    fn access_finding_event_matches_the_documented_example() {
        check(
            &doc_finding(),
            FindingChange::New,
            serde_json::json!({
                "account": "111122223333",
                "detail": {
                    "accountId": "111122223333",
                    "action": ["s3:GetObject"],
                    "analyzedAt": "2019-11-21T01:22:22Z",
                    "condition": {},
                    "createdAt": "2019-11-20T04:58:50Z",
                    "id": "22222222-dcba-4444-dcba-333333333333",
                    "isDeleted": false,
                    "isPublic": false,
                    "principal": {"AWS": "999988887777"},
                    "region": "us-west-2",
                    "resource": "arn:aws:s3:::my-bucket",
                    "resourceType": "AWS::S3::Bucket",
                    "status": "ACTIVE",
                    "updatedAt": "2019-11-21T01:14:07Z",
                    "version": "1.0"
                },
                "detail-type": "Access Analyzer Finding",
                "region": "us-west-2",
                "resources": [ANALYZER],
                "source": "aws.access-analyzer",
                "time": "2019-11-21T01:22:33Z",
                "version": "0"
            }),
        );
    }

    #[test]
    fn error_finding_event_matches_the_documented_example() {
        let finding = Finding {
            principal: None,
            action: None,
            is_public: None,
            error: Some("ACCESS_DENIED".to_owned()),
            ..doc_finding()
        };
        check(
            &finding,
            FindingChange::New,
            serde_json::json!({
                "account": "111122223333",
                "detail": {
                    "accountId": "111122223333",
                    "analyzedAt": "2019-11-21T01:22:22Z",
                    "createdAt": "2019-11-20T04:58:50Z",
                    "error": "ACCESS_DENIED",
                    "id": "22222222-dcba-4444-dcba-333333333333",
                    "isDeleted": false,
                    "region": "us-west-2",
                    "resource": "arn:aws:s3:::my-bucket",
                    "resourceType": "AWS::S3::Bucket",
                    "status": "ACTIVE",
                    "updatedAt": "2019-11-21T01:14:07Z",
                    "version": "1.0"
                },
                "detail-type": "Access Analyzer Finding",
                "region": "us-west-2",
                "resources": [ANALYZER],
                "source": "aws.access-analyzer",
                "time": "2019-11-21T01:22:33Z",
                "version": "0"
            }),
        );
    }

    /// "When a finding is deleted, the finding status is not changed. Instead, the isDeleted attribute
    /// is set to true." A finding of another member account (organization analyzer) reports that
    /// account in `detail.accountId`, while the envelope keeps the analyzer's account.
    #[test]
    fn deleted_and_member_account_findings() {
        let finding = Finding {
            status: FindingStatus::Resolved,
            resource_owner_account: "444455556666".to_owned(),
            ..doc_finding()
        };
        let event = render_event(
            ANALYZER,
            &finding,
            FindingChange::Deleted,
            at("2020-02-20T00:00:00Z"),
        );
        let v = serde_json::to_value(&event.event).unwrap();
        assert_eq!(v["account"], "111122223333");
        assert_eq!(v["detail"]["accountId"], "444455556666");
        assert_eq!(v["detail"]["status"], "RESOLVED");
        assert_eq!(v["detail"]["isDeleted"], true);
    }

    /// The event id is EventBridge's id of this delivery: a different change or time of the same
    /// finding is a different event; the same ones give the same id (receivers can deduplicate retries).
    #[test]
    fn event_ids_identify_the_change() {
        let f = doc_finding();
        let t = at("2019-11-21T01:22:33Z");
        let a = render_event(ANALYZER, &f, FindingChange::New, t).event.id;
        assert_eq!(
            a,
            render_event(ANALYZER, &f, FindingChange::New, t).event.id
        );
        assert_ne!(
            a,
            render_event(ANALYZER, &f, FindingChange::Resolved, t)
                .event
                .id
        );
        assert_ne!(
            a,
            render_event(ANALYZER, &f, FindingChange::New, at("2019-11-21T01:22:34Z"))
                .event
                .id
        );
    }
}
