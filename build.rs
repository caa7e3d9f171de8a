//! Sets `UNLEAK_VERSION` for `unleak --version`: the release, the commit it was built from
//! (`git`, when the sources are the top of a git checkout and git is installed), and the
//! features built in. Without git (a crate from a registry, a
//! source tarball) the commit is left out rather than the build failing.

use std::path::Path;
use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(manifest_dir())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn manifest_dir() -> std::path::PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(Into::into)
        .unwrap_or_default()
}

/// Whether the sources are a checkout's top (a packaged crate unpacked inside some other
/// repository, `cargo package`'s own build included, is not: that repository's commit is not
/// this build's).
fn is_checkout() -> bool {
    let here = manifest_dir().canonicalize().ok();
    git(&["rev-parse", "--show-toplevel"])
        .and_then(|t| Path::new(&t).canonicalize().ok())
        .is_some_and(|t| Some(t) == here)
}

fn main() {
    let mut features = Vec::new();
    if std::env::var_os("CARGO_FEATURE_AWS").is_some() {
        features.push("aws");
    }
    if std::env::var_os("CARGO_FEATURE_DB").is_some() {
        features.push("db");
    }
    if std::env::var_os("CARGO_FEATURE_PG").is_some() {
        features.push("pg");
    }
    let features = if features.is_empty() {
        "none: scanner only".to_string()
    } else {
        features.join(", ")
    };
    let checkout = is_checkout();
    let commit = checkout
        .then(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .flatten()
        .map(|c| format!("commit {c}, "));
    println!(
        "cargo:rustc-env=UNLEAK_VERSION={} ({}features: {features})",
        env!("CARGO_PKG_VERSION"),
        commit.unwrap_or_default()
    );
    // Rebuild when HEAD moves: HEAD itself and the ref it points at (in a worktree, the
    // worktree's own git dir and the common one).
    // Only files that exist: cargo reruns a script on every build for a missing one.
    let dirs = [
        git(&["rev-parse", "--git-dir"]),
        git(&["rev-parse", "--git-common-dir"]),
    ];
    let head_ref = git(&["symbolic-ref", "-q", "HEAD"]);
    for dir in dirs.into_iter().flatten().filter(|_| checkout) {
        let dir = manifest_dir().join(dir);
        let mut files = vec![dir.join("HEAD"), dir.join("packed-refs")];
        files.extend(head_ref.as_ref().map(|r| dir.join(r)));
        for f in files.into_iter().filter(|f| f.is_file()) {
            println!("cargo:rerun-if-changed={}", f.display());
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
}
