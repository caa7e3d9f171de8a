//! Counters of what a scan read and skipped, shared by its threads, and the snapshot of them
//! that reports print.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Counters shared by the scanning threads.
#[derive(Default)]
pub struct Stats {
    pub files: AtomicU64,
    pub bytes: AtomicU64,
    pub skipped_binary: AtomicU64,
    pub skipped_large: AtomicU64,
    pub skipped_allowlisted: AtomicU64,
    /// Archives (or parts of them) not opened: a format not decoded (bzip2, xz, zstd, 7z),
    /// nested too deep, past the inflating budget or the member count (archive.rs).
    pub skipped_archive: AtomicU64,
    /// Members of archives scanned (not counted in `files`).
    pub archive_members: AtomicU64,
    pub errors: AtomicU64,
    /// History scans: blobs rebuilt by unleak's own pack reader (the rest came through
    /// libgit2: loose objects, alternates, packs it cannot read).
    pub packed_blobs: AtomicU64,
    /// Findings past `--max-findings-per-file` in a file: found, not listed.
    pub unlisted: AtomicU64,
}

/// A snapshot of [`Stats`] with the duration, as reports print it (and read it back: a field
/// a report lacks reads as zero).
#[derive(Clone, Debug, Default, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub struct StatsSummary {
    pub files: u64,
    pub bytes: u64,
    pub skipped_binary: u64,
    pub skipped_large: u64,
    pub skipped_allowlisted: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub skipped_archive: u64,
    #[serde(skip_serializing_if = "is_zero")]
    pub archive_members: u64,
    pub errors: u64,
    pub duration_ms: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commits: Option<u64>,
    #[serde(skip_serializing_if = "is_zero")]
    pub packed_blobs: u64,
    /// Findings not listed: past `--max-findings-per-file` in a file (the least confident).
    #[serde(skip_serializing_if = "is_zero")]
    pub unlisted: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl Stats {
    pub fn summary(&self, duration: Duration) -> StatsSummary {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSummary {
            files: g(&self.files),
            bytes: g(&self.bytes),
            skipped_binary: g(&self.skipped_binary),
            skipped_large: g(&self.skipped_large),
            skipped_allowlisted: g(&self.skipped_allowlisted),
            skipped_archive: g(&self.skipped_archive),
            archive_members: g(&self.archive_members),
            errors: g(&self.errors),
            duration_ms: duration.as_millis() as u64,
            commits: None,
            packed_blobs: g(&self.packed_blobs),
            unlisted: g(&self.unlisted),
        }
    }
}
