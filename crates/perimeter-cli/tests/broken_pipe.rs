//! stdout whose reader is gone (`perimeter … | head`): the command stops quietly, without a panic
//! message, with the exit code a shell reports for SIGPIPE (141), never 0.

use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_the_command_quietly_with_141() {
    let (reader, writer) = std::io::pipe().unwrap();
    // The read end is closed before the command starts: its first write fails with EPIPE.
    drop(reader);
    let policy = |action: &str| {
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
        )
    };
    let out = Command::new(env!("CARGO_BIN_EXE_perimeter"))
        .args([
            "check-no-new-access",
            "--existing-policy-document",
            &policy("s3:GetObject"),
            "--new-policy-document",
            &policy("s3:*"),
            "--policy-type",
            "IDENTITY_POLICY",
        ])
        .stdout(Stdio::from(writer))
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    // A FAIL (exit 1) that could not be printed must not look like a PASS (exit 0).
    assert_eq!(out.status.code(), Some(141));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
