//! Sources turn what the user points at (a working tree, stdin, git history, a push) into
//! blobs for the matcher, and collect the matcher's findings (as `Vec<Finding>`) with the
//! counters of what was read and skipped ([`ScanContext`]'s stats).

pub mod archive;
pub mod chunked;
pub mod git;
pub mod history;
pub mod objects;
pub mod pack;
pub mod push;
mod read_buffer;
pub mod stdin;
pub mod tree;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::Finding;
use crate::matcher::Matcher;

/// Default `--max-file-size`: larger blobs are skipped with a note (generated bundles, dumps).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 * 1024 * 1024;

/// [`ScanContext::wants_object`]: whether to read the object with this raw id.
pub type WantsObject<'a> = dyn Fn(&[u8]) -> bool + Sync + 'a;

/// Everything a source needs to scan: the matcher, the user's configuration, the limits, and
/// where to send findings and warnings as they come.
pub struct ScanContext<'a> {
    pub matcher: &'a Matcher,
    pub config: &'a Config,
    /// Findings already accepted (`--baseline`): not reported.
    pub baseline: Option<&'a Baseline>,
    pub max_file_size: u64,
    /// Called for each kept finding as soon as it is found (for streaming output).
    pub on_finding: &'a (dyn Fn(&Finding) + Sync),
    /// Called for each warning (unreadable file, corrupt object).
    pub on_warning: &'a (dyn Fn(&str) + Sync),
    pub stats: Stats,
    /// How inputs longer than a chunk are cut (tests use small chunks).
    pub chunking: chunked::Chunking,
    /// History scans: asked for each commit before its tree is diffed and for each distinct
    /// blob before any blob is read (raw object ids); `false` leaves it out. Incremental audits
    /// answer from the objects a store says were scanned before (and note the others, to
    /// record them once the scan is whole): a commit walked before added no blob that was not
    /// scanned then, so only new commits are diffed and only new blobs read.
    pub wants: Option<&'a WantsObject<'a>>,
}

impl<'a> ScanContext<'a> {
    pub fn new(matcher: &'a Matcher, config: &'a Config) -> Self {
        ScanContext {
            matcher,
            config,
            baseline: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            on_finding: &|_| {},
            on_warning: &|_| {},
            stats: Stats::default(),
            chunking: chunked::Chunking::DEFAULT,
            wants: None,
        }
    }

    /// Keep the findings the configuration does not suppress, announcing each.
    pub fn keep(&self, findings: Vec<Finding>) -> Vec<Finding> {
        let kept: Vec<Finding> = findings
            .into_iter()
            .filter(|f| {
                !self.config.finding_allowed(f) && !self.baseline.is_some_and(|b| b.contains(f))
            })
            .collect();
        for f in &kept {
            (self.on_finding)(f);
        }
        kept
    }

    /// Whether a history scan should read the object with raw id `id` (see [`Self::wants`]).
    pub fn wants_object(&self, id: &[u8]) -> bool {
        self.wants.is_none_or(|w| w(id))
    }

    pub fn warn(&self, message: &str) {
        self.stats.errors.fetch_add(1, Ordering::Relaxed);
        (self.on_warning)(message);
    }
}

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
        }
    }
}

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
