//! Shared by the tests that scan the bundled example account: a scratch copy of it, and in-place
//! edits of its files.

#![expect(
    clippy::unwrap_used,
    reason = "test helpers: a missing example file fails the test"
)]

use std::path::{Path, PathBuf};

/// The findings of the example account: the seven rows of `examples/account/README.md`.
pub const N: usize = 7;

/// A fresh copy of the bundled example account at `<tmp>/perimeter-<suite>-<test>-<pid>/snap`;
/// returns the folder above `snap`, for the test's other files.
pub fn example_copy(suite: &str, test: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("perimeter-{suite}-{test}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/account"),
        &root.join("snap"),
    );
    root
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Replaces the one occurrence of `from` in the file by `to`.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from} in {}",
        path.display()
    );
    std::fs::write(path, text.replace(from, to)).unwrap();
}
