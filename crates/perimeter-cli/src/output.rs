//! Output formats and argument helpers shared by every command.

use std::path::PathBuf;

/// `--output`, named as the aws CLI names it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    #[default]
    Json,
    Table,
    Text,
    Sarif,
}

/// Exit codes: 0 clean or PASS, 1 findings or FAIL, 2 usage, input or internal error.
pub const EXIT_CLEAN: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_ERROR: u8 = 2;

/// A value as the aws CLI takes it: inline text, or `file://PATH` read from disk.
/// Returns the text and, for `file://`, the path it came from.
pub fn read_value_arg(value: &str) -> anyhow::Result<(String, Option<PathBuf>)> {
    if let Some(path) = value.strip_prefix("file://") {
        let bytes =
            std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read `{path}`: {e}"))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!(
                "`{path}` is not valid UTF-8 (byte {})",
                e.utf8_error().valid_up_to()
            )
        })?;
        Ok((text, Some(PathBuf::from(path))))
    } else {
        Ok((value.to_owned(), None))
    }
}

/// The exit code when stdout's reader went away (`perimeter … | head`): what a shell reports for a
/// process ended by SIGPIPE (128 + 13). Never 0, so that a FAIL cannot turn into a pass in a
/// pipeline run with `pipefail`.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// Writes `text` to stdout. Write errors are returned, not panicked on (as `print!` does): a closed
/// pipe ends the command through [`is_broken_pipe`] in `main`.
pub fn write_stdout(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Whether an error is stdout's reader going away.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `print!` that returns write errors: `out!("{x}")?`.
#[allow(
    unused_macros,
    reason = "tests include this module without the commands"
)]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&format!($($arg)*))
    };
}

/// `println!` that returns write errors: `outln!("{x}")?`.
#[allow(
    unused_macros,
    reason = "tests include this module without the commands"
)]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::output::write_stdout(&format!("{}\n", format_args!($($arg)*)))
    };
}

#[allow(
    unused_imports,
    reason = "tests include this module without the commands"
)]
pub(crate) use {out, outln};

/// Print a serializable value as pretty JSON on stdout, with a trailing newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    outln!("{text}")?;
    Ok(())
}
