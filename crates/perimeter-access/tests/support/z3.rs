//! Running z3 as a subprocess: test and benchmark support only, so that `perimeter-access` itself
//! does no I/O. The SMT-LIB text and the parsing of answers live in `perimeter_access::smt`.

use std::io::Write as _;
use std::process::{Command, Stdio};

use perimeter_access::smt::{SmtAnswer, parse_z3_answers, z3_script};

/// The z3 binary to use: `$PERIMETER_Z3` (the test command points it at z3 5.4 from PyPI), else
/// `z3` on `PATH`.
pub fn z3_binary() -> String {
    std::env::var("PERIMETER_Z3").unwrap_or_else(|_| "z3".to_owned())
}

/// Runs the blocks in one z3 process (`BINARY -in`), in order, one answer per block; `Err` if z3
/// cannot be run. Blocks are written from a second thread so that z3's output never blocks it.
pub fn run_z3(binary: &str, blocks: &[String], timeout_ms: u32) -> std::io::Result<Vec<SmtAnswer>> {
    let mut child = Command::new(binary)
        .arg("-in")
        .arg(format!("-t:{timeout_ms}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let script = z3_script(blocks);
    let stdin = child.stdin.take();
    let writer = std::thread::spawn(move || -> std::io::Result<()> {
        if let Some(mut stdin) = stdin {
            stdin.write_all(script.as_bytes())?;
        }
        Ok(())
    });
    let out = child.wait_with_output()?;
    let _ = writer.join();
    Ok(parse_z3_answers(&String::from_utf8_lossy(&out.stdout)))
}
