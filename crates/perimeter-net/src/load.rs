//! The snapshot loader: the only module that touches the file system.
//!
//! An account snapshot is a folder. Two layouts are read:
//! - CloudMapper's: `DIR/<region>/ec2-describe-security-groups.json`, …, with per-resource calls in
//!   sub-folders (`ec2-get-managed-prefix-list-entries/<pl-id>`);
//! - Batfish's: `aws_configs/X.json`, `aws_configs/<region>/X.json` or `aws_configs/accounts/<acct>/<region>/X.json`,
//!   any file name.
//!
//! Every JSON file is dispatched on its top-level keys. Files of other services (`iam-…`, `s3-…`) are skipped.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::lower::{DocumentSource, NetworkBuilder};
use crate::model::{Diagnostic, Network, Severity};

/// An operational failure: the snapshot folder itself cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The folder does not exist or is not readable.
    #[error("cannot read snapshot folder `{path}`: {source}")]
    Folder {
        /// The folder.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
}

const NETWORK_SERVICES: &[&str] = &["ec2", "elbv2", "directconnect"];
const PER_RESOURCE_DIRS: &[&str] = &[
    "ec2-get-managed-prefix-list-entries",
    "ec2-search-transit-gateway-routes",
    "elbv2-describe-listeners",
    "elbv2-describe-target-health",
    "elbv2-describe-load-balancer-attributes",
];
const MAX_DEPTH: usize = 8;

fn is_region(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Folder of on-prem router configurations (Batfish's `configs/` next to `aws_configs/`).
const ROUTER_CONFIG_DIR: &str = "configs";

fn wanted(name: &str, parent: &str) -> bool {
    if PER_RESOURCE_DIRS.contains(&parent) || parent == ROUTER_CONFIG_DIR {
        return true;
    }
    let Some(stem) = name.strip_suffix(".json") else {
        return false;
    };
    match stem.split_once('-') {
        // CloudMapper names: `<service>-<command>`.
        Some((svc, _))
            if svc
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()) =>
        {
            NETWORK_SERVICES.contains(&svc)
        }
        _ => true,
    }
}

fn collect(dir: &Path, depth: usize, out: &mut Vec<PathBuf>, diags: &mut Vec<Diagnostic>) {
    if depth > MAX_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            diags.push(diag(dir, format!("cannot read folder: {e}")));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            collect(&p, depth + 1, out, diags);
        } else {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            let parent = p
                .parent()
                .and_then(|d| d.file_name())
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if wanted(name, parent) {
                out.push(p);
            }
        }
    }
}

fn diag(path: &Path, message: String) -> Diagnostic {
    Diagnostic {
        severity: Severity::Error,
        code: "PERIMETER_NET_UNREADABLE_FILE",
        message,
        file: path.display().to_string(),
        pointer: String::new(),
        resource_id: None,
    }
}

/// Work out account and region from the path below the snapshot root.
fn source_for(root: &Path, file: &Path) -> DocumentSource {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let comps: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let mut account = String::new();
    let mut region = String::new();
    let mut iter = comps.iter().peekable();
    while let Some(c) = iter.next() {
        if c == "accounts"
            && let Some(a) = iter.peek()
        {
            account = (*a).clone();
        }
        if is_region(c) {
            region.clone_from(c);
        }
    }
    let parent = file
        .parent()
        .and_then(|d| d.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let resource_id = if PER_RESOURCE_DIRS.contains(&parent) {
        file.file_name()
            .and_then(|n| n.to_str())
            .map(|n| decode_quote_plus(n.trim_end_matches(".json")))
    } else {
        None
    };
    DocumentSource {
        file: file.display().to_string(),
        account,
        region,
        resource_id,
    }
}

/// Undo Python's `urllib.parse.quote_plus`, which CloudMapper applies to per-resource file names.
fn decode_quote_plus(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                if let Some(v) = hex {
                    out.push(v);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            _ => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Load every network file under a snapshot folder. Problems in files become diagnostics in the
/// returned network; only an unreadable root folder is an error.
///
/// # Errors
/// [`LoadError::Folder`] when `dir` cannot be listed.
pub fn load_snapshot(dir: &Path) -> Result<Network, LoadError> {
    load_files(dir, None)
}

/// Load a snapshot, restricted to the files whose names are listed (Batfish tests load subsets).
///
/// # Errors
/// [`LoadError::Folder`] when `dir` cannot be listed.
pub fn load_files(dir: &Path, only: Option<&[String]>) -> Result<Network, LoadError> {
    std::fs::read_dir(dir).map_err(|source| LoadError::Folder {
        path: dir.display().to_string(),
        source,
    })?;
    let mut files = Vec::new();
    let mut diags = Vec::new();
    collect(dir, 0, &mut files, &mut diags);
    // Given Batfish's `aws_configs` folder itself, the router configurations are next to it.
    if dir.file_name().and_then(|n| n.to_str()) == Some("aws_configs")
        && let Some(sibling) = dir.parent().map(|p| p.join(ROUTER_CONFIG_DIR))
        && sibling.is_dir()
    {
        collect(&sibling, MAX_DEPTH, &mut files, &mut diags);
    }
    let mut builder = NetworkBuilder::new();
    for d in diags {
        builder.push_diagnostic(d);
    }
    for f in files {
        if let Some(only) = only {
            let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if !only.iter().any(|o| o == name) {
                continue;
            }
        }
        let src = source_for(dir, &f);
        let text = match std::fs::read_to_string(&f) {
            Ok(t) => t,
            Err(e) => {
                builder.push_diagnostic(diag(&f, format!("cannot read file: {e}")));
                continue;
            }
        };
        let parent = f
            .parent()
            .and_then(|d| d.file_name())
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if parent == ROUTER_CONFIG_DIR {
            builder.add_router_config(&text, &src);
            continue;
        }
        match serde_json::from_str::<Value>(&text) {
            Ok(v) => builder.add_document(&v, &src),
            Err(e) => builder.push_diagnostic(Diagnostic {
                code: "PERIMETER_NET_BAD_JSON",
                ..diag(
                    &f,
                    format!(
                        "not valid json: {e} (line {}, column {})",
                        e.line(),
                        e.column()
                    ),
                )
            }),
        }
    }
    Ok(builder.finish())
}
