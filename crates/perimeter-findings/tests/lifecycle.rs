//! Finding lifecycle against the documented Access Analyzer behaviour (access-analyzer.md §2:
//! access-analyzer-work-with-findings.html, access-analyzer-archive-rules.html, API_ApplyArchiveRule.html).

use std::collections::BTreeMap;

use perimeter_findings::*;

const DAY: i64 = 86_400_000;

#[cfg(test)]
fn t(day: i64) -> Timestamp {
    // 2026-01-01T00:00:00Z plus `day` days.
    Timestamp(1_767_225_600_000 + day * DAY)
}

#[cfg(test)]
fn input(resource: &str, account: &str, actions: &[&str]) -> FindingInput {
    FindingInput {
        resource: resource.to_owned(),
        resource_type: "AWS::S3::Bucket".to_owned(),
        resource_owner_account: "111111111111".to_owned(),
        principal: BTreeMap::from([("AWS".to_owned(), account.to_owned())]),
        action: actions.iter().map(|a| (*a).to_owned()).collect(),
        sources: vec![FindingSource {
            source_type: "POLICY".to_owned(),
            detail: None,
        }],
        explanation: vec![Explanation::Statement {
            file: "us-east-1/s3-get-bucket-policy/b".to_owned(),
            pointer: "/Policy".to_owned(),
            statement_index: 0,
            sid: Some("Partner".to_owned()),
            statement_pointer: "/Statement/0".to_owned(),
        }],
        ..FindingInput::default()
    }
}

#[cfg(test)]
fn public(resource: &str) -> FindingInput {
    let mut i = input(resource, "*", &["s3:GetObject"]);
    i.is_public = true;
    i
}

#[cfg(test)]
fn setup() -> (Store, String) {
    let mut store = Store::open_in_memory().unwrap();
    let a = store
        .ensure_analyzer(
            "perimeter",
            AnalyzerType::Account,
            "111111111111",
            "us-east-1",
            t(0),
        )
        .unwrap();
    assert_eq!(
        a.arn,
        "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/perimeter"
    );
    (store, a.arn)
}

#[cfg(test)]
fn all(store: &Store, arn: &str) -> Vec<Finding> {
    store
        .list_findings(
            arn,
            &ListFindingsQuery {
                max_results: Some(1000),
                ..ListFindingsQuery::default()
            },
        )
        .unwrap()
        .findings
}

#[cfg(test)]
fn eq(key: &str, values: &[&str]) -> FilterCriteriaMap {
    FilterCriteriaMap::from([(
        key.to_owned(),
        Criterion {
            eq: Some(values.iter().map(|v| (*v).to_owned()).collect()),
            ..Criterion::default()
        },
    )])
}

#[test]
#[cfg(test)]
fn ids_are_stable_across_rescans() {
    let (mut store, arn) = setup();
    let first = store
        .record_scan(
            &arn,
            vec![input(
                "arn:aws:s3:::b",
                "222222222222",
                &["s3:GetObject", "s3:ListBucket"],
            )],
            t(0),
        )
        .unwrap();
    assert_eq!((first.new, first.unchanged, first.resolved), (1, 0, 0));
    let before = all(&store, &arn);
    // Same access, actions in another order and repeated: the same finding (the action list is a set).
    let second = store
        .record_scan(
            &arn,
            vec![input(
                "arn:aws:s3:::b",
                "222222222222",
                &["s3:ListBucket", "s3:GetObject", "s3:GetObject"],
            )],
            t(1),
        )
        .unwrap();
    assert_eq!((second.new, second.unchanged, second.resolved), (0, 1, 0));
    assert!(
        second.events.is_empty(),
        "an unchanged finding emits no event"
    );
    let after = all(&store, &arn);
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].id, before[0].id);
    assert_eq!(after[0].created_at, t(0));
    assert_eq!(after[0].updated_at, t(0));
    assert_eq!(after[0].analyzed_at, t(1));
    assert_eq!(after[0].status, FindingStatus::Active);
    assert_eq!(
        after[0].action.as_deref(),
        Some(&["s3:GetObject".to_owned(), "s3:ListBucket".to_owned()][..])
    );
    assert_eq!(store.scan_count(&arn).unwrap(), 2);
}

#[test]
#[cfg(test)]
fn all_findings_is_every_list_findings_page_in_order() {
    // What `analyze --db` prints: the same findings, in the same order, as paging through
    // ListFindings with its default sort (createdAt ascending).
    let (mut store, arn) = setup();
    for day in 0..3 {
        let inputs: Vec<FindingInput> = (0..150)
            .map(|i| {
                input(
                    &format!("arn:aws:s3:::b{day}-{i}"),
                    "222222222222",
                    &["s3:GetObject"],
                )
            })
            .collect();
        store.record_scan(&arn, inputs, t(day)).unwrap();
    }
    let mut paged = Vec::new();
    let mut query = ListFindingsQuery::default();
    loop {
        let page = store.list_findings(&arn, &query).unwrap();
        paged.extend(page.findings);
        match page.next_token {
            Some(t) => query.next_token = Some(t),
            None => break,
        }
    }
    let all = store.all_findings(&arn).unwrap();
    assert_eq!(
        paged.len(),
        450,
        "three scans of 150 (older ones RESOLVED, still listed)"
    );
    assert_eq!(
        all.iter().map(|s| s.finding.clone()).collect::<Vec<_>>(),
        paged
    );
}

#[test]
#[cfg(test)]
fn analyzed_at_is_the_last_scan_for_open_findings_only() {
    // GetFinding's `analyzedAt`: "the time at which the resource was analyzed". Every scan analyses
    // every resource, so an open finding (ACTIVE or ARCHIVED) shows the last scan; a RESOLVED one
    // keeps the scan that resolved it.
    let (mut store, arn) = setup();
    let a = input("arn:aws:s3:::a", "222222222222", &["s3:GetObject"]);
    let b = input("arn:aws:s3:::b", "222222222222", &["s3:GetObject"]);
    store
        .record_scan(&arn, vec![a.clone(), b.clone()], t(0))
        .unwrap();
    let ids: BTreeMap<String, String> = all(&store, &arn)
        .into_iter()
        .map(|f| (f.resource.unwrap(), f.id))
        .collect();
    store
        .update_findings(
            &arn,
            FindingStatusUpdate::Archived,
            &FindingSelector::Ids(vec![ids["arn:aws:s3:::a"].clone()]),
            t(1),
        )
        .unwrap();
    store.record_scan(&arn, vec![a.clone()], t(2)).unwrap();
    store.record_scan(&arn, vec![a], t(3)).unwrap();
    let by_resource: BTreeMap<String, Finding> = all(&store, &arn)
        .into_iter()
        .map(|f| (f.resource.clone().unwrap(), f))
        .collect();
    let archived = &by_resource["arn:aws:s3:::a"];
    assert_eq!(archived.status, FindingStatus::Archived);
    assert_eq!(archived.analyzed_at, t(3));
    assert_eq!(archived.updated_at, t(1));
    let resolved = &by_resource["arn:aws:s3:::b"];
    assert_eq!(resolved.status, FindingStatus::Resolved);
    assert_eq!(resolved.analyzed_at, t(2));
    // GetFinding reads the same.
    let got = store.get_finding(&arn, &archived.id).unwrap().finding;
    assert_eq!(got.analyzed_at, t(3));
}

#[test]
#[cfg(test)]
fn a_rescan_reports_the_current_rcp_restriction() {
    // `resourceControlPolicyRestriction` describes the organization's RCPs, not the access
    // (botocore: APPLICABLE means the RCP is not included in the finding's permissions), so an RCP
    // added between scans keeps the finding and its id, and the field shows the new value.
    let (mut store, arn) = setup();
    let mut before = input("arn:aws:s3:::b", "222222222222", &["s3:GetObject"]);
    before.resource_control_policy_restriction = Some("NOT_APPLICABLE".to_owned());
    store.record_scan(&arn, vec![before.clone()], t(0)).unwrap();
    let first = all(&store, &arn);
    let mut after = before;
    after.resource_control_policy_restriction = Some("APPLICABLE".to_owned());
    let second = store.record_scan(&arn, vec![after], t(1)).unwrap();
    assert_eq!((second.new, second.unchanged, second.resolved), (0, 1, 0));
    let now = all(&store, &arn);
    assert_eq!(now[0].id, first[0].id);
    assert_eq!(
        now[0].resource_control_policy_restriction.as_deref(),
        Some("APPLICABLE")
    );
    assert_eq!(now[0].updated_at, t(1));
    assert_eq!(now[0].created_at, t(0));
}

#[test]
#[cfg(test)]
fn fixed_access_becomes_resolved_and_changed_access_is_a_new_finding() {
    let (mut store, arn) = setup();
    store
        .record_scan(
            &arn,
            vec![
                input("arn:aws:s3:::b", "222222222222", &["s3:GetObject"]),
                public("arn:aws:s3:::p"),
            ],
            t(0),
        )
        .unwrap();
    let old = all(&store, &arn);
    let old_b = old
        .iter()
        .find(|f| f.resource.as_deref() == Some("arn:aws:s3:::b"))
        .unwrap()
        .clone();
    // The public bucket is fixed; the partner's access on b widens to s3:PutObject ("different
    // permissions … a new finding is generated"; the old one is resolved).
    let out = store
        .record_scan(
            &arn,
            vec![input(
                "arn:aws:s3:::b",
                "222222222222",
                &["s3:GetObject", "s3:PutObject"],
            )],
            t(1),
        )
        .unwrap();
    assert_eq!((out.new, out.unchanged, out.resolved), (1, 0, 2));
    let now = all(&store, &arn);
    assert_eq!(now.len(), 3);
    let resolved: Vec<&Finding> = now
        .iter()
        .filter(|f| f.status == FindingStatus::Resolved)
        .collect();
    assert_eq!(resolved.len(), 2);
    for f in &resolved {
        assert_eq!(f.updated_at, t(1));
    }
    let active: Vec<&Finding> = now
        .iter()
        .filter(|f| f.status == FindingStatus::Active)
        .collect();
    assert_eq!(active.len(), 1);
    assert_ne!(active[0].id, old_b.id);
    assert_eq!(active[0].created_at, t(1));
    // Events: one changed (new finding on the same resource and principal), two resolved.
    let mut kinds: Vec<FindingChange> = out.events.iter().map(|e| e.change).collect();
    kinds.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(
        kinds,
        vec![
            FindingChange::Changed,
            FindingChange::Resolved,
            FindingChange::Resolved
        ]
    );
    // The access comes back as it was: a new finding (new id), the resolved one stays resolved.
    let back = store
        .record_scan(&arn, vec![public("arn:aws:s3:::p")], t(2))
        .unwrap();
    assert_eq!(back.new, 1);
    let p: Vec<Finding> = all(&store, &arn)
        .into_iter()
        .filter(|f| f.resource.as_deref() == Some("arn:aws:s3:::p"))
        .collect();
    assert_eq!(p.len(), 2);
    assert_ne!(p[0].id, p[1].id);
}

#[test]
#[cfg(test)]
fn resolved_findings_are_deleted_after_90_days() {
    let (mut store, arn) = setup();
    store
        .record_scan(&arn, vec![public("arn:aws:s3:::p")], t(0))
        .unwrap();
    store.record_scan(&arn, vec![], t(1)).unwrap();
    assert_eq!(all(&store, &arn).len(), 1);
    // "Resolved findings are deleted 90 days after the last update".
    let out = store.record_scan(&arn, vec![], t(91)).unwrap();
    assert_eq!(out.deleted, 0);
    let out = store.record_scan(&arn, vec![], t(92)).unwrap();
    assert_eq!(out.deleted, 1);
    assert!(out.events[0].event.detail.is_deleted);
    assert!(all(&store, &arn).is_empty());
}

#[test]
#[cfg(test)]
fn error_findings_are_removed_not_resolved() {
    let (mut store, arn) = setup();
    let err = FindingInput {
        resource: "arn:aws:kms:us-east-1:111111111111:key/k".to_owned(),
        resource_type: "AWS::KMS::Key".to_owned(),
        resource_owner_account: "111111111111".to_owned(),
        error: Some("ACCESS_DENIED".to_owned()),
        ..FindingInput::default()
    };
    store.record_scan(&arn, vec![err], t(0)).unwrap();
    let f = &all(&store, &arn)[0];
    // The documented error finding has no principal, action or isPublic.
    assert_eq!(
        (f.principal.as_ref(), f.action.as_ref(), f.is_public),
        (None, None, None)
    );
    assert_eq!(f.error.as_deref(), Some("ACCESS_DENIED"));
    let out = store.record_scan(&arn, vec![], t(1)).unwrap();
    assert_eq!((out.resolved, out.deleted), (0, 1));
    assert!(all(&store, &arn).is_empty());
}

#[test]
#[cfg(test)]
fn archive_rule_archives_new_findings_only() {
    let (mut store, arn) = setup();
    store
        .record_scan(
            &arn,
            vec![input("arn:aws:s3:::old", "222222222222", &["s3:GetObject"])],
            t(0),
        )
        .unwrap();
    store
        .create_archive_rule(
            "perimeter",
            "partner",
            eq("principal.AWS", &["222222222222"]),
            t(0),
        )
        .unwrap();
    // "Archive rules automatically archive new findings … Existing findings are not automatically archived."
    let out = store
        .record_scan(
            &arn,
            vec![
                input("arn:aws:s3:::old", "222222222222", &["s3:GetObject"]),
                input("arn:aws:s3:::new", "222222222222", &["s3:GetObject"]),
                input("arn:aws:s3:::new", "333333333333", &["s3:GetObject"]),
            ],
            t(1),
        )
        .unwrap();
    assert_eq!((out.new, out.archived_by_rule), (2, 1));
    let f = all(&store, &arn);
    let status = |res: &str, acct: &str| {
        f.iter()
            .find(|x| {
                x.resource.as_deref() == Some(res)
                    && x.principal
                        .as_ref()
                        .and_then(|p| p.get("AWS"))
                        .map(String::as_str)
                        == Some(acct)
            })
            .unwrap()
            .status
    };
    assert_eq!(
        status("arn:aws:s3:::old", "222222222222"),
        FindingStatus::Active
    );
    assert_eq!(
        status("arn:aws:s3:::new", "222222222222"),
        FindingStatus::Archived
    );
    assert_eq!(
        status("arn:aws:s3:::new", "333333333333"),
        FindingStatus::Active
    );
    // An archived finding stays archived on rescan.
    store
        .record_scan(
            &arn,
            vec![input("arn:aws:s3:::new", "222222222222", &["s3:GetObject"])],
            t(2),
        )
        .unwrap();
    let f = all(&store, &arn);
    assert_eq!(
        f.iter()
            .filter(|x| x.status == FindingStatus::Archived)
            .count(),
        1
    );
}

#[test]
#[cfg(test)]
fn apply_archive_rule_archives_existing_matches() {
    let (mut store, arn) = setup();
    store
        .record_scan(
            &arn,
            vec![
                input("arn:aws:s3:::a", "222222222222", &["s3:GetObject"]),
                public("arn:aws:s3:::p"),
            ],
            t(0),
        )
        .unwrap();
    store
        .create_archive_rule("perimeter", "not-public", eq("isPublic", &["false"]), t(0))
        .unwrap();
    assert_eq!(
        all(&store, &arn)
            .iter()
            .filter(|f| f.status == FindingStatus::Archived)
            .count(),
        0
    );
    let events = store.apply_archive_rule(&arn, "not-public", t(1)).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].change, FindingChange::Changed);
    assert_eq!(events[0].event.detail.status, FindingStatus::Archived);
    let f = all(&store, &arn);
    let a = f
        .iter()
        .find(|x| x.resource.as_deref() == Some("arn:aws:s3:::a"))
        .unwrap();
    assert_eq!((a.status, a.updated_at), (FindingStatus::Archived, t(1)));
    let p = f
        .iter()
        .find(|x| x.resource.as_deref() == Some("arn:aws:s3:::p"))
        .unwrap();
    assert_eq!(p.status, FindingStatus::Active);
    // Applying again changes nothing.
    assert!(
        store
            .apply_archive_rule(&arn, "not-public", t(2))
            .unwrap()
            .is_empty()
    );
}

#[test]
#[cfg(test)]
fn update_findings_by_ids_and_resource() {
    let (mut store, arn) = setup();
    store
        .record_scan(
            &arn,
            vec![
                input("arn:aws:s3:::a", "222222222222", &["s3:GetObject"]),
                input("arn:aws:s3:::a", "333333333333", &["s3:GetObject"]),
                public("arn:aws:s3:::p"),
            ],
            t(0),
        )
        .unwrap();
    let ev = store
        .update_findings(
            &arn,
            FindingStatusUpdate::Archived,
            &FindingSelector::ResourceArn("arn:aws:s3:::a".to_owned()),
            t(1),
        )
        .unwrap();
    assert_eq!(ev.len(), 2);
    let p_id = all(&store, &arn)
        .into_iter()
        .find(|f| f.resource.as_deref() == Some("arn:aws:s3:::p"))
        .unwrap()
        .id;
    store
        .update_findings(
            &arn,
            FindingStatusUpdate::Archived,
            &FindingSelector::Ids(vec![p_id.clone()]),
            t(1),
        )
        .unwrap();
    assert!(
        all(&store, &arn)
            .iter()
            .all(|f| f.status == FindingStatus::Archived)
    );
    // Un-archive.
    store
        .update_findings(
            &arn,
            FindingStatusUpdate::Active,
            &FindingSelector::Ids(vec![p_id.clone()]),
            t(2),
        )
        .unwrap();
    assert_eq!(
        store.get_finding(&arn, &p_id).unwrap().finding.status,
        FindingStatus::Active
    );
    assert!(matches!(
        store.update_findings(
            &arn,
            FindingStatusUpdate::Active,
            &FindingSelector::Ids(vec!["nope".to_owned()]),
            t(2)
        ),
        Err(StoreError::NotFound(_))
    ));
    // RESOLVED is never user-settable: a resolved finding is left resolved.
    store.record_scan(&arn, vec![], t(3)).unwrap();
    let ev = store
        .update_findings(
            &arn,
            FindingStatusUpdate::Active,
            &FindingSelector::Ids(vec![p_id.clone()]),
            t(4),
        )
        .unwrap();
    assert!(ev.is_empty());
    assert_eq!(
        store.get_finding(&arn, &p_id).unwrap().finding.status,
        FindingStatus::Resolved
    );
}

#[test]
#[cfg(test)]
fn archive_rule_crud_and_validation() {
    let (mut store, _arn) = setup();
    store
        .create_archive_rule(
            "perimeter",
            "r1",
            eq("resourceType", &["AWS::SQS::Queue"]),
            t(0),
        )
        .unwrap();
    assert!(matches!(
        store.create_archive_rule("perimeter", "r1", eq("resourceType", &["x"]), t(0)),
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store.create_archive_rule("perimeter", "1bad", eq("resourceType", &["x"]), t(0)),
        Err(StoreError::Validation(_))
    ));
    // `status` is a ListFindings key, not an archive-rule key.
    assert!(matches!(
        store.create_archive_rule("perimeter", "r2", eq("status", &["ACTIVE"]), t(0)),
        Err(StoreError::Validation(_))
    ));
    assert!(matches!(
        store.create_archive_rule("nope", "r2", eq("resourceType", &["x"]), t(0)),
        Err(StoreError::NotFound(_))
    ));
    store
        .update_archive_rule(
            "perimeter",
            "r1",
            eq("resourceType", &["AWS::SNS::Topic"]),
            t(5),
        )
        .unwrap();
    let r = store
        .get_archive_rule("perimeter", "r1")
        .unwrap()
        .archive_rule;
    assert_eq!((r.created_at, r.updated_at), (t(0), t(5)));
    assert_eq!(r.filter, eq("resourceType", &["AWS::SNS::Topic"]));
    store
        .create_archive_rule("perimeter", "r0", eq("isPublic", &["false"]), t(0))
        .unwrap();
    let list = store
        .list_archive_rules("perimeter", Some(1), None)
        .unwrap();
    assert_eq!(list.archive_rules[0].rule_name, "r0");
    assert_eq!(list.next_token.as_deref(), Some("1"));
    let list = store
        .list_archive_rules("perimeter", Some(1), Some("1"))
        .unwrap();
    assert_eq!(list.archive_rules[0].rule_name, "r1");
    assert_eq!(list.next_token, None);
    store.delete_archive_rule("perimeter", "r1").unwrap();
    assert!(matches!(
        store.delete_archive_rule("perimeter", "r1"),
        Err(StoreError::NotFound(_))
    ));
}

#[test]
#[cfg(test)]
fn list_findings_filter_sort_page_and_shapes() {
    let (mut store, arn) = setup();
    store
        .record_scan(
            &arn,
            vec![
                input("arn:aws:s3:::a", "222222222222", &["s3:GetObject"]),
                public("arn:aws:s3:::p"),
            ],
            t(0),
        )
        .unwrap();
    let q = ListFindingsQuery {
        filter: eq("isPublic", &["true"]),
        ..ListFindingsQuery::default()
    };
    let r = store.list_findings(&arn, &q).unwrap();
    assert_eq!(r.findings.len(), 1);
    assert_eq!(r.findings[0].resource.as_deref(), Some("arn:aws:s3:::p"));
    let q = ListFindingsQuery {
        sort: Some(SortCriteria {
            attribute_name: Some("resource".to_owned()),
            order_by: Some(OrderBy::Desc),
        }),
        max_results: Some(1),
        ..ListFindingsQuery::default()
    };
    let r = store.list_findings(&arn, &q).unwrap();
    assert_eq!(r.findings[0].resource.as_deref(), Some("arn:aws:s3:::p"));
    assert_eq!(r.next_token.as_deref(), Some("1"));
    // JSON shape: the API's member names, timestamps as the aws CLI prints them.
    let v = serde_json::to_value(&r).unwrap();
    let f = &v["findings"][0];
    for key in [
        "id",
        "principal",
        "action",
        "resource",
        "isPublic",
        "resourceType",
        "condition",
        "createdAt",
        "analyzedAt",
        "updatedAt",
        "status",
        "resourceOwnerAccount",
        "sources",
    ] {
        assert!(f.get(key).is_some(), "{key} missing in {f}");
    }
    assert_eq!(f["createdAt"], "2026-01-01T00:00:00.000000+00:00");
    assert_eq!(f["sources"][0]["type"], "POLICY");
    assert!(
        f.get("explanation").is_none(),
        "the API shape has no explanation"
    );
    let v2 = store
        .list_findings_v2(&arn, &ListFindingsQuery::default())
        .unwrap();
    assert_eq!(v2.findings[0].finding_type, "ExternalAccess");
    let id = v2.findings[0].id.clone();
    let g = store.get_finding_v2(&arn, &id).unwrap();
    assert_eq!(g.finding_details.len(), 1);
    let stored = store.stored_finding(&arn, &id).unwrap();
    assert_eq!(stored.explanation.len(), 1);
    assert!(matches!(
        store.list_findings(
            "arn:aws:access-analyzer:us-east-1:111111111111:analyzer/nope",
            &ListFindingsQuery::default()
        ),
        Err(StoreError::NotFound(_))
    ));
    let bad = ListFindingsQuery {
        next_token: Some("x".to_owned()),
        ..ListFindingsQuery::default()
    };
    assert!(matches!(
        store.list_findings(&arn, &bad),
        Err(StoreError::Validation(_))
    ));
}

#[test]
#[cfg(test)]
fn event_shape_matches_eventbridge_example() {
    // access-analyzer-eventbridge.html: detail-type "Access Analyzer Finding", source
    // "aws.access-analyzer", resources [analyzer ARN], detail with version "1.0", accountId, region, isDeleted.
    let (mut store, arn) = setup();
    let out = store
        .record_scan(
            &arn,
            vec![input(
                "arn:aws:s3:::my-bucket",
                "999988887777",
                &["s3:GetObject"],
            )],
            t(0),
        )
        .unwrap();
    let e = serde_json::to_value(&out.events[0].event).unwrap();
    assert_eq!(e["detail-type"], "Access Analyzer Finding");
    assert_eq!(e["source"], "aws.access-analyzer");
    assert_eq!(e["account"], "111111111111");
    assert_eq!(e["region"], "us-east-1");
    assert_eq!(e["resources"][0], arn.as_str());
    let d = &e["detail"];
    assert_eq!(d["version"], "1.0");
    assert_eq!(d["accountId"], "111111111111");
    assert_eq!(d["principal"]["AWS"], "999988887777");
    assert_eq!(d["isDeleted"], false);
    assert_eq!(d["isPublic"], false);
    assert_eq!(d["status"], "ACTIVE");
    assert_eq!(d["createdAt"], "2026-01-01T00:00:00Z");
}

#[test]
fn access_preview_new_unchanged_changed() {
    // AccessPreviewFinding.changeType (botocore model documentation): New = newly introduced access;
    // Unchanged = an existing finding that would remain; Changed = an existing finding whose status
    // changes, e.g. ACTIVE -> RESOLVED when the proposal removes the access.
    let (mut store, arn) = setup();
    store
        .record_scan(
            &arn,
            vec![
                input("arn:aws:s3:::b", "222222222222", &["s3:GetObject"]),
                input("arn:aws:s3:::b", "333333333333", &["s3:GetObject"]),
                public("arn:aws:s3:::other"),
            ],
            t(0),
        )
        .unwrap();
    store
        .create_archive_rule(
            "perimeter",
            "partner5",
            eq("principal.AWS", &["555555555555"]),
            t(0),
        )
        .unwrap();
    let before = all(&store, &arn);
    let keep = before
        .iter()
        .find(|f| f.principal.as_ref().unwrap()["AWS"] == "222222222222")
        .unwrap();
    let proposed = vec![
        input("arn:aws:s3:::b", "222222222222", &["s3:GetObject"]),
        input("arn:aws:s3:::b", "444444444444", &["s3:GetObject"]),
        input("arn:aws:s3:::b", "555555555555", &["s3:GetObject"]),
    ];
    let preview = store
        .preview_findings(&arn, &["arn:aws:s3:::b".to_owned()], &proposed, t(1))
        .unwrap();
    assert_eq!(preview.len(), 4);
    let by = |acct: &str| {
        preview
            .iter()
            .find(|p| p.principal.as_ref().unwrap()["AWS"] == acct)
            .unwrap()
    };
    let u = by("222222222222");
    assert_eq!(
        (u.change_type, u.status),
        (FindingChangeType::Unchanged, FindingStatus::Active)
    );
    assert_eq!(u.existing_finding_id.as_deref(), Some(keep.id.as_str()));
    let n = by("444444444444");
    assert_eq!(
        (n.change_type, n.status, n.existing_finding_id.as_ref()),
        (FindingChangeType::New, FindingStatus::Active, None)
    );
    // A new finding an archive rule matches would be archived on deployment.
    assert_eq!(by("555555555555").status, FindingStatus::Archived);
    let c = by("333333333333");
    assert_eq!(
        (c.change_type, c.status, c.existing_finding_status),
        (
            FindingChangeType::Changed,
            FindingStatus::Resolved,
            Some(FindingStatus::Active)
        )
    );
    // The other bucket is not part of the preview; nothing was written.
    assert!(
        preview
            .iter()
            .all(|p| p.resource.as_deref() == Some("arn:aws:s3:::b"))
    );
    assert_eq!(all(&store, &arn), before);
    let v = serde_json::to_value(c).unwrap();
    assert_eq!(v["changeType"], "CHANGED");
    assert_eq!(v["existingFindingStatus"], "ACTIVE");
}
