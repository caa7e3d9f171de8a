//! `%SRCROOT%` for SARIF: the directory its artifact URIs are relative to. Code scanning
//! matches a URI against the repository's files, so the default is the top of the repository
//! the scan looked at, wherever the command ran from (`scan .` in a sub-directory, `scan lib
//! test`); outside a repository, the deepest directory holding every scanned root. `--sarif-root
//! DIR` names it when the report is uploaded for another checkout layout.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use unleak_scan::report::sarif::SrcRoot;

/// Where the paths of a scan of `roots` are, and `%SRCROOT%`. `history`: the paths are
/// relative to the repository's top, not to the current directory.
pub fn sarif_root(explicit: Option<&Path>, roots: &[PathBuf], history: bool) -> Result<SrcRoot> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let cwd = cwd.canonicalize().unwrap_or(cwd);
    let dirs: Vec<PathBuf> = roots
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .filter_map(|p| dir_of(p))
        .collect();
    let top = dirs.first().and_then(|d| repository_top(d));
    let dir = match explicit {
        Some(d) => d
            .canonicalize()
            .with_context(|| format!("--sarif-root {}", d.display()))?,
        None => top
            .clone()
            .or_else(|| common_ancestor(&dirs))
            .unwrap_or_else(|| cwd.clone()),
    };
    let paths_from = match (history, top) {
        (true, Some(t)) => t,
        _ => cwd,
    };
    Ok(SrcRoot {
        dir: Some(dir),
        paths_from,
    })
}

/// A root's directory, absolute: itself, or a file's parent.
fn dir_of(path: &Path) -> Option<PathBuf> {
    let p = path.canonicalize().ok()?;
    if p.is_dir() {
        Some(p)
    } else {
        p.parent().map(Path::to_path_buf)
    }
}

/// The work tree's top of the repository holding `dir`, if any (a bare one: itself).
fn repository_top(dir: &Path) -> Option<PathBuf> {
    let repo = unleak_scan::sources::git::open(dir).ok()?;
    let top = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.to_path_buf());
    Some(top.canonicalize().unwrap_or(top))
}

/// The deepest directory that holds all of `dirs`.
fn common_ancestor(dirs: &[PathBuf]) -> Option<PathBuf> {
    let mut common = dirs.first()?.clone();
    for d in &dirs[1..] {
        while !d.starts_with(&common) {
            if !common.pop() {
                return None;
            }
        }
    }
    Some(common)
}
