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

/// Print a serializable value as pretty JSON on stdout, with a trailing newline.
pub fn print_json<T: serde::Serialize>(value: &T) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(value)?;
    println!("{text}");
    Ok(())
}
