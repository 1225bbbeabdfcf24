//! The only part of perimeter below the CLI that touches the file system: reads a snapshot folder
//! into [`SnapshotFiles`], then lowers it.

use std::fs;
use std::path::{Path, PathBuf};

use crate::files::SnapshotFiles;
use crate::lower::lower_snapshot;
use crate::model::Snapshot;

/// Prefixes (after the Region folder) of the files the lowering reads; other files are not read.
const WANTED_PREFIXES: &[&str] = &[
    "sts-get-caller-identity",
    "iam-get-account-authorization-details",
    "s3-",
    "s3control-",
    "sqs-",
    "sns-",
    "ecr-",
    "lambda-",
    "secretsmanager-",
    "kms-",
    "efs-",
    "ec2-describe-snapshot",
    "rds-describe-db-snapshot",
    "rds-describe-db-cluster-snapshot",
    "dynamodb-",
    "organizations-",
];

/// Deepest folder nesting read below the snapshot root (`<region>/<command>/<param>/<param>`).
const MAX_DEPTH: usize = 4;

#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("`{0}` is not a snapshot folder (no `describe-regions.json` and no Region folders)")]
    NotASnapshot(PathBuf),
}

/// Finds the snapshot root: `dir` itself when it holds `describe-regions.json` or a Region folder,
/// else its only child folder that does (so `account-data/` and `account-data/<name>/` both work).
pub fn find_snapshot_root(dir: &Path) -> Result<PathBuf, LoadError> {
    if is_root(dir) {
        return Ok(dir.to_path_buf());
    }
    let mut candidates = Vec::new();
    for entry in read_dir(dir)? {
        let path = entry.path();
        if path.is_dir() {
            if is_root(&path) {
                candidates.push(path);
            } else if path.file_name().is_some_and(|n| n == "account-data")
                && let Ok(inner) = find_snapshot_root(&path)
            {
                candidates.push(inner);
            }
        }
    }
    match candidates.len() {
        1 => Ok(candidates.remove(0)),
        _ => Err(LoadError::NotASnapshot(dir.to_path_buf())),
    }
}

fn is_root(dir: &Path) -> bool {
    if dir.join("describe-regions.json").is_file() {
        return true;
    }
    fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            e.path().is_dir()
                && e.file_name().to_str().is_some_and(|n| {
                    n.split('-').count() >= 3 && n.ends_with(|c: char| c.is_ascii_digit())
                })
        })
    })
}

fn read_dir(dir: &Path) -> Result<Vec<fs::DirEntry>, LoadError> {
    let entries = fs::read_dir(dir).map_err(|source| LoadError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out: Vec<fs::DirEntry> = entries.flatten().collect();
    out.sort_by_key(fs::DirEntry::file_name);
    Ok(out)
}

/// Reads the snapshot files under `root` (see [`find_snapshot_root`]) that the lowering needs.
pub fn read_snapshot_files(root: &Path) -> Result<SnapshotFiles, LoadError> {
    let mut files = SnapshotFiles::new();
    let regions = root.join("describe-regions.json");
    if regions.is_file() {
        files.insert("describe-regions.json", read(&regions)?);
    }
    for entry in read_dir(root)? {
        let path = entry.path();
        let Some(region) = entry.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        if !path.is_dir() {
            continue;
        }
        for child in read_dir(&path)? {
            let Some(name) = child.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            if !WANTED_PREFIXES.iter().any(|p| name.starts_with(p)) {
                continue;
            }
            walk(&child.path(), &format!("{region}/{name}"), 2, &mut files)?;
        }
    }
    Ok(files)
}

fn walk(path: &Path, rel: &str, depth: usize, files: &mut SnapshotFiles) -> Result<(), LoadError> {
    if path.is_dir() {
        if depth >= MAX_DEPTH {
            return Ok(());
        }
        for entry in read_dir(path)? {
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                continue;
            };
            walk(&entry.path(), &format!("{rel}/{name}"), depth + 1, files)?;
        }
    } else if path.is_file() {
        files.insert(rel, read(path)?);
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, LoadError> {
    fs::read(path).map_err(|source| LoadError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Loads a snapshot folder: finds the root, reads the files, lowers them. Problems inside files are
/// diagnostics in the returned snapshot; only an unreadable folder is an error.
pub fn load_snapshot(dir: &Path) -> Result<Snapshot, LoadError> {
    let root = find_snapshot_root(dir)?;
    let files = read_snapshot_files(&root)?;
    Ok(lower_snapshot(&files))
}
