//! `perimeter analyze SNAPSHOT`: everything perimeter can say about an account snapshot.
//!
//! Today that is the network half: internet exposure of every ENI and instance, hop by hop
//! (`perimeter-net`). External-access findings over resource policies (IAM Access Analyzer's job)
//! are not computed yet; the command says so on stderr instead of implying a clean bill.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::output::OutputFormat;

#[derive(clap::Args, Debug)]
pub struct AnalyzeArgs {
    /// The snapshot folder, in CloudMapper's collect layout (`DIR/<region>/ec2-describe-*.json`, …).
    pub snapshot: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "json")]
    pub output: OutputFormat,
}

pub fn run(args: &AnalyzeArgs) -> anyhow::Result<ExitCode> {
    if !args.snapshot.is_dir() {
        anyhow::bail!("`{}` is not a folder", args.snapshot.display());
    }
    eprintln!(
        "perimeter: note: external-access findings over resource policies are not computed yet; this run reports network exposure only"
    );
    crate::net::run_exposure(&args.snapshot, args.output)
}
