//! The scan context: what every source needs to scan (the matcher, the configuration, the
//! limits) and where it sends findings, warnings and counts as they come. Apart from the
//! sources so that what only reads the counts (reports) depends on no source.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use crate::baseline::Baseline;
use crate::config::Config;
use crate::finding::Finding;
use crate::matcher::Matcher;
use crate::stats::Stats;

/// Default `--max-file-size`: larger blobs are skipped with a note (generated bundles, dumps).
pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 * 1024 * 1024;

/// Default `--max-findings-per-file`. A file with more findings than this is generated data or
/// an attack: a crafted megabyte of distinct `password = "…"` lines held 35,000 findings, and a
/// JSON or SARIF report pays an Argon2 id (1.2-1.5 ms) for each, 44 s a megabyte. The most
/// confident are listed, so no decoy pushes a real key out; the count of the rest is reported.
pub const DEFAULT_MAX_FINDINGS_PER_FILE: usize = 1000;

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
    /// Findings listed of one file (one blob, an archive with its members); 0: no limit.
    pub max_findings_per_file: usize,
    /// Called for each kept finding as soon as it is found (for streaming output).
    pub on_finding: &'a (dyn Fn(&Finding) + Sync),
    /// Called for each warning (unreadable file, corrupt object).
    pub on_warning: &'a (dyn Fn(&str) + Sync),
    pub stats: Stats,
    /// How inputs longer than a chunk are cut (tests use small chunks).
    pub chunking: Chunking,
    /// History scans: asked for each commit before its tree is diffed and for each distinct
    /// blob before any blob is read (raw object ids); `false` leaves it out. Incremental audits
    /// answer from the objects a store says were scanned before (and note the others, to
    /// record them once the scan is whole): a commit walked before added no blob that was not
    /// scanned then, so only new commits are diffed and only new blobs read.
    pub wants: Option<&'a WantsObject<'a>>,
    /// History scans: the objects (raw ids) the scan could not finish: blobs it could not
    /// read, commits whose tree it could not read whole or which added such a blob. An
    /// incremental audit records what it scanned minus these, so the next one retries them.
    pub unfinished: Mutex<HashSet<Vec<u8>>>,
}

impl<'a> ScanContext<'a> {
    pub fn new(matcher: &'a Matcher, config: &'a Config) -> Self {
        ScanContext {
            matcher,
            config,
            baseline: None,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_findings_per_file: DEFAULT_MAX_FINDINGS_PER_FILE,
            on_finding: &|_| {},
            on_warning: &|_| {},
            stats: Stats::default(),
            chunking: Chunking::DEFAULT,
            wants: None,
            unfinished: Mutex::new(HashSet::new()),
        }
    }

    /// Note that the object with raw id `id` could not be scanned whole (see
    /// [`Self::unfinished`]); its warning is the caller's.
    pub fn unfinished(&self, id: &[u8]) {
        self.unfinished
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id.to_vec());
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

    /// The findings of one file, at most `max_findings_per_file` of them (see
    /// [`keep_most_confident`]); the rest are counted and named in a warning, which does not
    /// make the scan incomplete: the file is reported, and a listed finding fails the scan
    /// wherever a left-out one would, since none left out is more confident than one listed.
    pub fn bound(&self, path: &str, mut found: Vec<Finding>) -> Vec<Finding> {
        let total = found.len();
        let left_out = keep_most_confident(&mut found, self.max_findings_per_file);
        self.note_unlisted(path, total, left_out);
        found
    }

    /// Count and name the `left_out` of a file's `total` findings that are not listed.
    pub fn note_unlisted(&self, path: &str, total: usize, left_out: usize) {
        if left_out == 0 {
            return;
        }
        self.stats
            .unlisted
            .fetch_add(left_out as u64, Ordering::Relaxed);
        (self.on_warning)(&format!(
            "{path}: {total} findings in one file; the {} most confident are listed, {left_out} more are not (generated data? `--max-findings-per-file 0` lists every one)",
            total - left_out
        ));
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

/// Keep the `limit` most confident of `found` (0: all), in their order; among equals the first
/// in the file (by line and column: the matcher's order is by rule). Returns how many were
/// left out. The most confident of a file so far and of the next part are the most confident
/// of both, so a file read in chunks is bounded chunk by chunk.
pub fn keep_most_confident(found: &mut Vec<Finding>, limit: usize) -> usize {
    if limit == 0 || found.len() <= limit {
        return 0;
    }
    let mut order: Vec<usize> = (0..found.len()).collect();
    order.sort_by_key(|&i| {
        let f = &found[i];
        (std::cmp::Reverse(f.confidence), f.line, f.column)
    });
    let mut keep = vec![false; found.len()];
    for &i in &order[..limit] {
        keep[i] = true;
    }
    let left_out = found.len() - limit;
    let mut k = keep.into_iter();
    found.retain(|_| k.next().unwrap_or(false));
    left_out
}

/// How a long input is cut.
#[derive(Clone, Copy, Debug)]
pub struct Chunking {
    /// Bytes of new input in each chunk.
    pub chunk: usize,
    /// Bytes at least that a chunk repeats of the one before: more than the longest match a
    /// rule can make (a private key block is a few KB; 1 MiB is far beyond any).
    pub overlap: usize,
}

impl Chunking {
    /// 64 MiB chunks: above the default 50 MB `--max-file-size`, so files within the default
    /// limit are never cut.
    pub const DEFAULT: Chunking = Chunking {
        chunk: 64 << 20,
        overlap: 1 << 20,
    };
}
