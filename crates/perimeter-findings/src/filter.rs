//! Filters (`FilterCriteriaMap` of `Criterion`) and sorting, as ListFindings and archive rules use them.
//!
//! Semantics (the API reference leaves list fields open; see access-analyzer.md §2.3 and §9.5):
//! - keys of the map are AND-ed; operators inside one criterion are AND-ed;
//! - a field is absent, one value, or a list of values (`action`, `sources`); an empty list is absent;
//! - `eq`: some value of the field equals one of the listed values;
//! - `neq`: no value of the field equals any listed value (exactly the negation of `eq`, so an
//!   absent field matches `neq`);
//! - `contains`: some value of the field contains one of the listed values as a substring;
//! - `exists: true`: the field is present; `exists: false`: it is absent;
//! - booleans compare as the strings `true` / `false`; `condition.<key>` matches the condition key
//!   case-insensitively (IAM condition keys are case-insensitive); other comparisons are case-sensitive.

use std::cmp::Ordering;

use crate::model::{Criterion, FilterCriteriaMap, Finding, OrderBy, SortCriteria};

/// The value of a filter key on a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    Absent,
    One(String),
    Many(Vec<String>),
}

impl FieldValue {
    fn values(&self) -> &[String] {
        match self {
            FieldValue::Absent => &[],
            FieldValue::One(v) => std::slice::from_ref(v),
            FieldValue::Many(vs) => vs,
        }
    }
}

/// Where a filter is used: archive rules accept fewer keys than ListFindings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterUse {
    ListFindings,
    ArchiveRule,
}

/// The longest list of values a criterion accepts (API `ValueList` max 20).
pub const MAX_CRITERION_VALUES: usize = 20;

/// Checks a filter: known keys, each criterion has an operator, 1–20 values per list.
/// Errors are one-line messages for a `ValidationException`.
pub fn validate_filter(filter: &FilterCriteriaMap, usage: FilterUse) -> Result<(), String> {
    for (key, criterion) in filter {
        let known = matches!(
            key.as_str(),
            "resource"
                | "resourceType"
                | "resourceOwnerAccount"
                | "isPublic"
                | "error"
                | "findingType"
                | "resourceControlPolicyRestriction"
                | "action"
                | "sources"
        ) || key.starts_with("principal.")
            || key.starts_with("condition.")
            || (usage == FilterUse::ListFindings && matches!(key.as_str(), "status" | "id"));
        if !known {
            return Err(format!("unsupported filter key `{key}`"));
        }
        if criterion.eq.is_none()
            && criterion.neq.is_none()
            && criterion.contains.is_none()
            && criterion.exists.is_none()
        {
            return Err(format!("the criterion for `{key}` has no operator"));
        }
        for (name, list) in [
            ("eq", &criterion.eq),
            ("neq", &criterion.neq),
            ("contains", &criterion.contains),
        ] {
            if let Some(values) = list
                && (values.is_empty() || values.len() > MAX_CRITERION_VALUES)
            {
                return Err(format!(
                    "`{key}.{name}` must have between 1 and {MAX_CRITERION_VALUES} values"
                ));
            }
        }
    }
    Ok(())
}

/// The value of a filter key on a finding.
pub fn field_value(finding: &Finding, key: &str) -> FieldValue {
    let one = |v: Option<&String>| v.map_or(FieldValue::Absent, |v| FieldValue::One(v.clone()));
    let many = |vs: Vec<String>| {
        if vs.is_empty() {
            FieldValue::Absent
        } else {
            FieldValue::Many(vs)
        }
    };
    match key {
        "id" => FieldValue::One(finding.id.clone()),
        "resource" => one(finding.resource.as_ref()),
        "resourceType" => FieldValue::One(finding.resource_type.clone()),
        "resourceOwnerAccount" => FieldValue::One(finding.resource_owner_account.clone()),
        "status" => FieldValue::One(finding.status.as_str().to_owned()),
        "isPublic" => finding
            .is_public
            .map_or(FieldValue::Absent, |b| FieldValue::One(b.to_string())),
        "error" => one(finding.error.as_ref()),
        "findingType" => FieldValue::One("ExternalAccess".to_owned()),
        "resourceControlPolicyRestriction" => {
            one(finding.resource_control_policy_restriction.as_ref())
        }
        "action" => many(finding.action.clone().unwrap_or_default()),
        "sources" => many(
            finding
                .sources
                .iter()
                .flatten()
                .map(|s| s.source_type.clone())
                .collect(),
        ),
        _ => {
            if let Some(kind) = key.strip_prefix("principal.") {
                one(finding.principal.as_ref().and_then(|p| p.get(kind)))
            } else if let Some(cond) = key.strip_prefix("condition.") {
                one(finding
                    .condition
                    .iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(cond))
                    .map(|(_, v)| v))
            } else {
                FieldValue::Absent
            }
        }
    }
}

/// Whether a field value satisfies a criterion (all its operators).
pub fn criterion_matches(value: &FieldValue, criterion: &Criterion) -> bool {
    let values = value.values();
    let any_eq = |list: &[String]| values.iter().any(|v| list.iter().any(|w| v == w));
    if let Some(list) = &criterion.eq
        && !any_eq(list)
    {
        return false;
    }
    if let Some(list) = &criterion.neq
        && any_eq(list)
    {
        return false;
    }
    if let Some(list) = &criterion.contains
        && !values
            .iter()
            .any(|v| list.iter().any(|w| v.contains(w.as_str())))
    {
        return false;
    }
    if let Some(exists) = criterion.exists
        && exists == values.is_empty()
    {
        return false;
    }
    true
}

/// Whether a finding matches every criterion of a filter.
pub fn filter_matches(finding: &Finding, filter: &FilterCriteriaMap) -> bool {
    filter
        .iter()
        .all(|(key, criterion)| criterion_matches(&field_value(finding, key), criterion))
}

/// The attribute names `sort` accepts.
pub const SORT_ATTRIBUTES: &[&str] = &[
    "id",
    "resource",
    "resourceType",
    "resourceOwnerAccount",
    "status",
    "isPublic",
    "error",
    "findingType",
    "createdAt",
    "analyzedAt",
    "updatedAt",
];

/// Sorts findings. Without `sort`: by `createdAt`, then `id` (ascending). Ties always break on `id`.
pub fn sort_findings(findings: &mut [Finding], sort: Option<&SortCriteria>) -> Result<(), String> {
    let attribute = sort
        .and_then(|s| s.attribute_name.clone())
        .unwrap_or_else(|| "createdAt".to_owned());
    if !SORT_ATTRIBUTES.contains(&attribute.as_str()) {
        return Err(format!("unsupported sort attribute `{attribute}`"));
    }
    let order = sort.and_then(|s| s.order_by).unwrap_or_default();
    let key = |f: &Finding| -> (i64, String) {
        match attribute.as_str() {
            "createdAt" => (f.created_at.millis(), String::new()),
            "analyzedAt" => (f.analyzed_at.millis(), String::new()),
            "updatedAt" => (f.updated_at.millis(), String::new()),
            other => (0, field_value(f, other).values().join(",")),
        }
    };
    findings.sort_by(|a, b| {
        let ord = key(a).cmp(&key(b));
        let ord = if order == OrderBy::Desc {
            ord.reverse()
        } else {
            ord
        };
        if ord == Ordering::Equal {
            a.id.cmp(&b.id)
        } else {
            ord
        }
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::{FindingSource, FindingStatus};
    use crate::time::Timestamp;

    fn finding() -> Finding {
        Finding {
            id: "f1".to_owned(),
            principal: Some(BTreeMap::from([(
                "AWS".to_owned(),
                "444455556666".to_owned(),
            )])),
            action: Some(vec!["s3:GetObject".to_owned(), "s3:ListBucket".to_owned()]),
            resource: Some("arn:aws:s3:::my-bucket".to_owned()),
            is_public: Some(false),
            resource_type: "AWS::S3::Bucket".to_owned(),
            condition: BTreeMap::from([("aws:SourceVpc".to_owned(), "vpc-123".to_owned())]),
            created_at: Timestamp(0),
            analyzed_at: Timestamp(0),
            updated_at: Timestamp(0),
            status: FindingStatus::Active,
            resource_owner_account: "111122223333".to_owned(),
            error: None,
            sources: Some(vec![FindingSource {
                source_type: "POLICY".to_owned(),
                detail: None,
            }]),
            resource_control_policy_restriction: None,
        }
    }

    fn crit(op: &str, values: &[&str]) -> Criterion {
        let v = Some(values.iter().map(|s| (*s).to_owned()).collect());
        match op {
            "eq" => Criterion {
                eq: v,
                ..Criterion::default()
            },
            "neq" => Criterion {
                neq: v,
                ..Criterion::default()
            },
            "contains" => Criterion {
                contains: v,
                ..Criterion::default()
            },
            "exists" => Criterion {
                exists: Some(values == ["true"]),
                ..Criterion::default()
            },
            _ => unreachable!(),
        }
    }

    /// `(key, operator, values, expected)` against [`finding`].
    fn check(key: &str, op: &str, values: &[&str], expected: bool) {
        let filter = FilterCriteriaMap::from([(key.to_owned(), crit(op, values))]);
        assert_eq!(
            validate_filter(&filter, FilterUse::ListFindings),
            Ok(()),
            "{key} {op}"
        );
        assert_eq!(
            filter_matches(&finding(), &filter),
            expected,
            "{key} {op} {values:?}"
        );
    }

    #[test]
    fn semantics_table() {
        // Scalar fields. eq/neq/contains/exists as the Criterion API reference describes them
        // (API_Criterion.html): eq "equals", neq "does not equal", contains "contains", exists "exists".
        check("resourceType", "eq", &["AWS::S3::Bucket"], true);
        check(
            "resourceType",
            "eq",
            &["AWS::SQS::Queue", "AWS::S3::Bucket"],
            true,
        ); // any listed value
        check("resourceType", "eq", &["AWS::S3::bucket"], false); // case-sensitive
        check("resourceType", "neq", &["AWS::SQS::Queue"], true);
        check(
            "resourceType",
            "neq",
            &["AWS::SQS::Queue", "AWS::S3::Bucket"],
            false,
        ); // equals none
        check("resource", "contains", &["my-"], true);
        check("resource", "contains", &["other", "bucket"], true);
        check("resource", "contains", &["nope"], false);
        check("resource", "exists", &["true"], true);
        check("error", "exists", &["true"], false);
        check("error", "exists", &["false"], true);
        // Booleans compare as strings (`{"isPublic": {"eq": ["false"]}}`, access-analyzer.md §2.3).
        check("isPublic", "eq", &["false"], true);
        check("isPublic", "eq", &["true"], false);
        // Map fields by path.
        check("principal.AWS", "eq", &["444455556666"], true);
        check("principal.Federated", "exists", &["false"], true);
        check("principal.Federated", "eq", &["x"], false);
        check("principal.Federated", "neq", &["x"], true); // absent matches neq (negation of eq)
        check("condition.aws:SourceVpc", "eq", &["vpc-123"], true);
        check("condition.aws:sourcevpc", "eq", &["vpc-123"], true); // condition keys are case-insensitive
        check("condition.aws:SourceIp", "exists", &["true"], false);
        // List fields (our choice, §9.5): eq = some element equals; neq = no element equals;
        // contains = some element contains; exists = non-empty.
        check("action", "eq", &["s3:GetObject"], true);
        check("action", "eq", &["s3:PutObject"], false);
        check("action", "neq", &["s3:PutObject"], true);
        check("action", "neq", &["s3:ListBucket"], false);
        check("action", "contains", &["List"], true);
        check("action", "contains", &["Put"], false);
        check("action", "exists", &["true"], true);
        check("sources", "eq", &["POLICY"], true);
        check("sources", "neq", &["BUCKET_ACL"], true);
        check("status", "eq", &["ACTIVE"], true);
        check("findingType", "eq", &["ExternalAccess"], true);
    }

    #[test]
    fn operators_and_keys_are_anded() {
        let filter = FilterCriteriaMap::from([(
            "resourceType".to_owned(),
            Criterion {
                eq: Some(vec!["AWS::S3::Bucket".to_owned()]),
                neq: Some(vec!["AWS::S3::Bucket".to_owned()]),
                ..Criterion::default()
            },
        )]);
        assert!(!filter_matches(&finding(), &filter));
        let filter = FilterCriteriaMap::from([
            ("resourceType".to_owned(), crit("eq", &["AWS::S3::Bucket"])),
            ("isPublic".to_owned(), crit("eq", &["true"])),
        ]);
        assert!(!filter_matches(&finding(), &filter));
        assert!(filter_matches(&finding(), &FilterCriteriaMap::new()));
    }

    #[test]
    fn validation() {
        let bad = |key: &str, c: Criterion, usage: FilterUse| {
            validate_filter(&FilterCriteriaMap::from([(key.to_owned(), c)]), usage)
        };
        assert!(
            bad("nope", crit("eq", &["x"]), FilterUse::ListFindings)
                .unwrap_err()
                .contains("`nope`")
        );
        // status and id are list-only keys, not archive-rule keys (filter-keys reference).
        assert!(bad("status", crit("eq", &["ACTIVE"]), FilterUse::ArchiveRule).is_err());
        assert!(bad("status", crit("eq", &["ACTIVE"]), FilterUse::ListFindings).is_ok());
        assert!(
            bad("resource", Criterion::default(), FilterUse::ListFindings)
                .unwrap_err()
                .contains("no operator")
        );
        assert!(bad("resource", crit("eq", &[]), FilterUse::ListFindings).is_err());
        let many: Vec<String> = (0..21).map(|i| i.to_string()).collect();
        let c = Criterion {
            eq: Some(many),
            ..Criterion::default()
        };
        assert!(
            bad("resource", c, FilterUse::ListFindings)
                .unwrap_err()
                .contains("between 1 and 20")
        );
    }

    #[test]
    fn sorting() {
        let mut a = finding();
        a.id = "a".to_owned();
        a.created_at = Timestamp(2);
        a.resource_type = "AWS::SQS::Queue".to_owned();
        let mut b = finding();
        b.id = "b".to_owned();
        b.created_at = Timestamp(1);
        let mut c = finding();
        c.id = "c".to_owned();
        c.created_at = Timestamp(1);
        let ids = |v: &[Finding]| v.iter().map(|f| f.id.clone()).collect::<Vec<_>>();
        let mut v = vec![a.clone(), b.clone(), c.clone()];
        sort_findings(&mut v, None).unwrap();
        assert_eq!(ids(&v), ["b", "c", "a"]);
        let s = SortCriteria {
            attribute_name: Some("resourceType".to_owned()),
            order_by: Some(OrderBy::Desc),
        };
        sort_findings(&mut v, Some(&s)).unwrap();
        assert_eq!(ids(&v), ["a", "b", "c"]);
        let s = SortCriteria {
            attribute_name: Some("bogus".to_owned()),
            order_by: None,
        };
        assert!(sort_findings(&mut v, Some(&s)).is_err());
    }
}
