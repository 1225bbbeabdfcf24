//! The snapshot as an in-memory set of files, and the file-name encoding CloudMapper uses.

use std::collections::BTreeMap;

/// The files of a snapshot, keyed by their path relative to the snapshot root with `/` separators
/// (`describe-regions.json`, `us-east-1/s3-get-bucket-policy/cloudmapper_demo`). The lowering reads only
/// this map, so it is pure and can be tested without a file system.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SnapshotFiles {
    files: BTreeMap<String, Vec<u8>>,
}

impl SnapshotFiles {
    pub fn new() -> SnapshotFiles {
        SnapshotFiles::default()
    }

    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }

    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// All paths, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// The paths directly inside a folder (`dir` without a trailing `/`), in order.
    pub fn files_in(&self, dir: &str) -> Vec<&str> {
        let prefix = format!("{dir}/");
        self.files
            .range(prefix.clone()..)
            .map(|(k, _)| k.as_str())
            .take_while(|k| k.starts_with(&prefix))
            .filter(|k| {
                k.get(prefix.len()..)
                    .is_some_and(|rest| !rest.contains('/'))
            })
            .collect()
    }

    /// The first path component of every file in a folder: the Region folders.
    pub fn top_level_dirs(&self) -> Vec<String> {
        let dirs: std::collections::BTreeSet<&str> = self
            .files
            .keys()
            .filter_map(|p| p.split_once('/').map(|(d, _)| d))
            .collect();
        dirs.into_iter().map(str::to_owned).collect()
    }
}

/// Python's `urllib.parse.quote_plus`: letters, digits and `_.-~` stay, a space becomes `+`, every
/// other byte becomes `%XX` (uppercase hex). CloudMapper names per-resource files this way.
pub fn quote_plus(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(char::from(b));
            }
            b' ' => out.push('+'),
            _ => {
                out.push('%');
                out.push(hex_digit(b >> 4));
                out.push(hex_digit(b & 0xf));
            }
        }
    }
    out
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16)
        .unwrap_or('0')
        .to_ascii_uppercase()
}

/// Decodes `%XX` escapes (RFC 3986 percent-encoding, as IAM uses for policy documents). `+` is left as is.
/// Returns `None` for a malformed escape or a result that is not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| char::from(*c).to_digit(16))?;
            let lo = bytes.get(i + 2).and_then(|c| char::from(*c).to_digit(16))?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, quoted: &str) {
        assert_eq!(quote_plus(input), quoted, "quote_plus({input:?})");
        // quote_plus output never contains `+` for anything but a space; percent_decode keeps `+`.
        if !input.contains(' ') {
            assert_eq!(percent_decode(quoted).as_deref(), Some(input));
        }
    }

    #[test]
    fn cloudmapper_file_names() {
        // Expected names are the file names in the cloudmapper-demo corpus (account-data/demo/us-east-1/…).
        check("cloudmapper_demo", "cloudmapper_demo");
        check(
            "arn:aws:sns:us-east-1:123456789012:demo_public",
            "arn%3Aaws%3Asns%3Aus-east-1%3A123456789012%3Ademo_public",
        );
        check(
            "https://queue.amazonaws.com/123456789012/demo",
            "https%3A%2F%2Fqueue.amazonaws.com%2F123456789012%2Fdemo",
        );
        check(
            "arn:aws:iam::123456789012:role/service-role/level1",
            "arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fservice-role%2Flevel1",
        );
        check("a b", "a+b");
        check("é", "%C3%A9");
    }

    #[test]
    fn percent_decode_rejects_bad_escapes() {
        assert_eq!(percent_decode("%7B%22a%22%7D").as_deref(), Some("{\"a\"}"));
        assert_eq!(percent_decode("%7"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%FF"), None);
    }
}
