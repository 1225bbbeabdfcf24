//! Store benchmark: record a scan of N findings into a fresh file database, rescan it unchanged,
//! list with a filter, apply an archive rule. Prints the median of R runs per step.
//!
//! cargo run --release -p perimeter-findings --example store_bench -- [N] [R]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use perimeter_findings::*;

fn inputs(n: usize) -> Vec<FindingInput> {
    (0..n)
        .map(|i| FindingInput {
            resource: format!("arn:aws:s3:::bucket-{:05}", i / 4),
            resource_type: "AWS::S3::Bucket".to_owned(),
            resource_owner_account: "111111111111".to_owned(),
            principal: BTreeMap::from([(
                "AWS".to_owned(),
                format!("{:012}", 200_000_000_000u64 + (i % 4) as u64),
            )]),
            action: vec!["s3:GetObject".to_owned(), "s3:ListBucket".to_owned()],
            is_public: i % 10 == 0,
            sources: vec![FindingSource {
                source_type: "POLICY".to_owned(),
                detail: None,
            }],
            ..FindingInput::default()
        })
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn main() -> Result<(), StoreError> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(10_000);
    let runs = args.get(1).copied().unwrap_or(5);
    let dir = std::env::temp_dir().join(format!("perimeter-store-bench-{}", std::process::id()));
    let (mut first, mut rescan, mut list, mut apply) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for run in 0..runs {
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| StoreError::Validation(e.to_string()))?;
        let mut store = Store::open(&dir.join(format!("bench-{run}.db")))?;
        let arn = store
            .ensure_analyzer(
                "bench",
                AnalyzerType::Account,
                "111111111111",
                "us-east-1",
                Timestamp(0),
            )?
            .arn;
        let t = Instant::now();
        store.record_scan(&arn, inputs(n), Timestamp(1))?;
        first.push(t.elapsed());
        let t = Instant::now();
        let out = store.record_scan(&arn, inputs(n), Timestamp(2))?;
        rescan.push(t.elapsed());
        assert_eq!(out.unchanged, n);
        let filter = FilterCriteriaMap::from([(
            "isPublic".to_owned(),
            Criterion {
                eq: Some(vec!["true".to_owned()]),
                ..Criterion::default()
            },
        )]);
        let t = Instant::now();
        let r = store.list_findings(
            &arn,
            &ListFindingsQuery {
                filter: filter.clone(),
                max_results: Some(100),
                ..ListFindingsQuery::default()
            },
        )?;
        list.push(t.elapsed());
        assert_eq!(r.findings.len(), 100.min(n.div_ceil(10)));
        store.create_archive_rule("bench", "public", filter, Timestamp(3))?;
        let t = Instant::now();
        store.apply_archive_rule(&arn, "public", Timestamp(4))?;
        apply.push(t.elapsed());
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!("findings {n}, runs {runs} (medians)");
    println!("  first scan (all new)     {:?}", median(first));
    println!("  rescan (all unchanged)   {:?}", median(rescan));
    println!("  list-findings (filtered) {:?}", median(list));
    println!("  apply-archive-rule       {:?}", median(apply));
    Ok(())
}
