//! Replays the fuzz seeds (and any crash reproducers saved next to them) through the fuzz entry point,
//! so every input that once mattered to the fuzzer stays covered by `cargo test`.

#[test]
fn replay_fuzz_seeds() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/parse_policy");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        perimeter_iam::fuzz::parse_policy_bytes(&data);
        count += 1;
    }
    assert!(
        count >= 6,
        "expected the committed seeds in {}",
        dir.display()
    );
}

#[test]
fn hostile_inputs_do_not_panic() {
    let deep = "[".repeat(100_000);
    let huge = format!(
        r#"{{"Statement":{{"Sid":"{}"}}}}"#,
        "a".repeat(10 * 1024 * 1024)
    );
    for input in [
        deep.as_bytes(),
        huge.as_bytes(),
        b"\xff\xfe",
        b"",
        b"{\"Statement\":1e999999}",
    ] {
        perimeter_iam::fuzz::parse_policy_bytes(input);
    }
}
