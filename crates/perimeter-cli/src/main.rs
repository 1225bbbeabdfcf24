//! The `perimeter` command line: an offline drop-in for `aws accessanalyzer …` and friends.
//!
//! Each command lives in its own module, takes the aws CLI's flags (and `--cli-input-json`), and
//! prints the AWS response shape with `--output json`. stdout carries results only; errors go to
//! stderr. Exit codes: 0 clean or PASS, 1 findings or FAIL, 2 usage, input or internal error.

mod output;
mod simulate;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

fn long_version() -> &'static str {
    static VERSION: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    VERSION.get_or_init(|| {
        let meta = perimeter_iam::catalog::meta();
        format!(
            "{} (IAM catalog {} {} dated {}: {} services, {} actions)",
            env!("CARGO_PKG_VERSION"),
            meta.package,
            meta.version,
            meta.data_date,
            meta.services,
            meta.actions
        )
    })
}

#[derive(Parser)]
#[command(name = "perimeter", version = long_version(), about = "Offline, provable access analysis for AWS: IAM policies, resource policies and VPC reachability.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Evaluate policies against requests, with the whole AWS decision pipeline (offline
    /// `aws iam simulate-custom-policy`, extended with SCPs, RCPs and session policies).
    SimulateCustomPolicy(simulate::SimulateArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                output::EXIT_ERROR
            } else {
                output::EXIT_CLEAN
            };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result: anyhow::Result<ExitCode> = match &cli.command {
        Command::SimulateCustomPolicy(args) => simulate::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("perimeter: error: {e:#}");
            ExitCode::from(output::EXIT_ERROR)
        }
    }
}
