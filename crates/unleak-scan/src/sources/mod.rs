//! Sources turn what the user points at (a working tree, stdin, an archive, git history, a
//! push or the staged changes) into blobs for the matcher, and return the findings it kept
//! (as `Vec<Finding>`; history and push also say how many commits they read). What they read
//! and skipped is counted in the [`ScanContext`]'s [`Stats`]. The git-backed ones read objects
//! through the git layer (`crate::git`).

pub mod archive;
pub mod chunked;
mod git_read;
pub mod history;
pub mod push;
mod read_buffer;
pub mod stdin;
pub mod tree;

use std::sync::atomic::Ordering;

// Where these lived before the scan context, stats and git layer became modules of their own;
// the binary still names them here.
pub use crate::context::{ScanContext, DEFAULT_MAX_FILE_SIZE};
pub use crate::git::repo as git;
pub use crate::stats::{Stats, StatsSummary};
/// Commit dates' format, also the findings store's timestamps.
pub use git_read::rfc3339_utc;

use crate::finding::Finding;

/// Scan one blob's bytes found at `path` (an archive's members too), counting it, and keep
/// what the config allows.
pub fn scan_blob(ctx: &ScanContext<'_>, path: &str, bytes: &[u8]) -> Vec<Finding> {
    ctx.stats.files.fetch_add(1, Ordering::Relaxed);
    ctx.stats
        .bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    match archive::scan_bytes(ctx, path, bytes) {
        crate::matcher::BlobOutcome::Binary => {
            ctx.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
            Vec::new()
        }
        crate::matcher::BlobOutcome::Scanned(found) => ctx.keep(found),
    }
}

fn commit_id(f: &Finding) -> Option<&str> {
    f.commit.as_ref().map(|c| c.commit.as_str())
}

/// Findings in a stable order: path, line, column, rule; then end line, secret and commit, so
/// two findings starting at one place (versions of a file in history) never swap between runs.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (&a.path, a.line, a.column, &a.rule_id)
            .cmp(&(&b.path, b.line, b.column, &b.rule_id))
            .then_with(|| (a.end_line, &a.secret).cmp(&(b.end_line, &b.secret)))
            .then_with(|| commit_id(a).cmp(&commit_id(b)))
    });
}
