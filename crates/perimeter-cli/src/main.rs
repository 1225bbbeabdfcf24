//! The `perimeter` command line: an offline drop-in for `aws accessanalyzer …` and friends.
//!
//! Each command lives in its own module, takes the aws CLI's flags (and `--cli-input-json`), and
//! prints the AWS response shape with `--output json`. stdout carries results only; errors go to
//! stderr. Exit codes: 0 clean or PASS, 1 findings or FAIL, 2 usage, input or internal error.

mod analyze;
mod checks;
mod findings;
mod net;
mod notify;
mod output;
mod sarif;
mod simulate;
mod validate;
mod watch;

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
    /// Check a policy for errors, security warnings and suggestions (offline
    /// `aws accessanalyzer validate-policy`).
    ValidatePolicy(validate::ValidatePolicyArgs),
    /// PASS if the new policy grants no access the existing one does not, with a witness request
    /// otherwise (offline `aws accessanalyzer check-no-new-access`).
    CheckNoNewAccess(checks::NoNewAccessArgs),
    /// PASS if the policy grants none of the given actions or resources (offline
    /// `aws accessanalyzer check-access-not-granted`).
    CheckAccessNotGranted(checks::AccessNotGrantedArgs),
    /// PASS if the resource policy grants no public access (offline
    /// `aws accessanalyzer check-no-public-access`).
    CheckNoPublicAccess(checks::NoPublicAccessArgs),
    /// Compare two policies: equivalent, more or less permissive, or incomparable, with witnesses.
    ComparePolicies(checks::ComparePoliciesArgs),
    /// Evaluate policies against requests, with the whole AWS decision pipeline (offline
    /// `aws iam simulate-custom-policy`, extended with SCPs, RCPs and session policies).
    SimulateCustomPolicy(simulate::SimulateArgs),
    /// Answer network path questions between instances, ENIs, gateways and the internet, hop by
    /// hop (offline VPC Reachability Analyzer).
    Reach(net::ReachArgs),
    #[command(flatten)]
    Findings(findings::FindingsCommand),
    /// Analyze an account snapshot: external-access findings for every resource that grants access
    /// outside the zone of trust, and internet exposure of every network interface.
    Analyze(analyze::AnalyzeArgs),
    /// Preview the external-access findings a proposed resource configuration would produce (offline
    /// `aws accessanalyzer create-access-preview` plus `list-access-preview-findings`).
    CreateAccessPreview(analyze::preview::CreateAccessPreviewArgs),
    /// Rescan an account snapshot whenever it changes, and send each scan's finding events (new,
    /// changed, resolved) in EventBridge's "Access Analyzer Finding" shape (`--notify`; stdout by default).
    Watch(watch::WatchArgs),
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
        Command::ValidatePolicy(args) => validate::run(args),
        Command::CheckNoNewAccess(args) => checks::run_no_new_access(args),
        Command::CheckAccessNotGranted(args) => checks::run_access_not_granted(args),
        Command::CheckNoPublicAccess(args) => checks::run_no_public_access(args),
        Command::ComparePolicies(args) => checks::run_compare_policies(args),
        Command::SimulateCustomPolicy(args) => simulate::run(args),
        Command::Reach(args) => net::run_reach(args),
        Command::Analyze(args) => analyze::run(args),
        Command::CreateAccessPreview(args) => analyze::preview::run(args),
        Command::Watch(args) => watch::run(args),
        Command::Findings(cmd) => findings::run(cmd),
    };
    match result {
        Ok(code) => code,
        // The reader of stdout went away (`| head`): stop quietly, with SIGPIPE's exit code.
        Err(e) if output::is_broken_pipe(&e) => ExitCode::from(output::EXIT_BROKEN_PIPE),
        Err(e) => {
            eprintln!("perimeter: error: {e:#}");
            ExitCode::from(output::EXIT_ERROR)
        }
    }
}
