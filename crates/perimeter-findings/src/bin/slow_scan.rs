//! Test support for the durability test: records one scan slowly, printing `wrote N` after each
//! finding, so the test can kill it (SIGKILL) in the middle of the transaction.
//!
//! Usage: perimeter-findings-slow-scan DB ANALYZER_ARN COUNT DELAY_MS NOW_MS

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use perimeter_findings::{FindingInput, Store, Timestamp};

/// The findings the durability test expects: one cross-account read per resource.
fn synthetic(count: usize) -> Vec<FindingInput> {
    (0..count)
        .map(|i| FindingInput {
            resource: format!("arn:aws:s3:::bucket-{i:04}"),
            resource_type: "AWS::S3::Bucket".to_owned(),
            resource_owner_account: "111111111111".to_owned(),
            principal: [("AWS".to_owned(), "222222222222".to_owned())].into(),
            action: vec!["s3:GetObject".to_owned()],
            ..FindingInput::default()
        })
        .collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, db, arn, count, delay, now] = args.as_slice() else {
        eprintln!("usage: perimeter-findings-slow-scan DB ANALYZER_ARN COUNT DELAY_MS NOW_MS");
        return ExitCode::from(2);
    };
    let (Ok(count), Ok(delay), Ok(now)) = (
        count.parse::<usize>(),
        delay.parse::<u64>(),
        now.parse::<i64>(),
    ) else {
        eprintln!("COUNT, DELAY_MS and NOW_MS must be numbers");
        return ExitCode::from(2);
    };
    let mut store = match Store::open(Path::new(db)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let mut stdout = std::io::stdout();
    let result = store.record_scan_with_progress(arn, synthetic(count), Timestamp(now), &mut |n| {
        let _ = writeln!(stdout, "wrote {n}");
        let _ = stdout.flush();
        std::thread::sleep(Duration::from_millis(delay));
    });
    match result {
        Ok(outcome) => {
            println!(
                "committed new={} unchanged={} resolved={}",
                outcome.new, outcome.unchanged, outcome.resolved
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(2)
        }
    }
}
