//! The git sources of `unleak scan`: `--history` (with its narrowing flags) and `--staged`.
//! Kept apart from `scan.rs` so the flags arrive there as one flattened group.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{bail, Result};
use clap::Args;
use unleak_scan::sources::history::{self, HistoryOptions, Phase, Progress};
use unleak_scan::sources::{push, ScanContext};
use unleak_scan::Finding;

#[derive(Args, Default)]
pub struct HistoryArgs {
    /// Scan the git history of the repository at PATH: every blob of every commit reachable
    /// from any ref (branches, remotes, tags, notes, stash), each once.
    #[arg(long, help_heading = "Git")]
    pub history: bool,

    /// With --history: also scan objects no ref reaches (rewritten or dangling commits, loose
    /// blobs).
    #[arg(long, help_heading = "Git")]
    pub all_objects: bool,

    /// With --history: only commits after REV (REV and its ancestors are left out).
    #[arg(long, value_name = "REV", help_heading = "Git")]
    pub since_commit: Option<String>,

    /// With --history: only commits reachable from REF instead of from every ref.
    #[arg(
        long,
        value_name = "REF",
        conflicts_with = "range",
        help_heading = "Git"
    )]
    pub branch: Option<String>,

    /// With --history: only the commits of A..B (reachable from B, not from A).
    #[arg(
        long,
        value_name = "A..B",
        conflicts_with = "since_commit",
        help_heading = "Git"
    )]
    pub range: Option<String>,

    /// Scan only the changes staged for commit (for a pre-commit hook).
    #[arg(long, conflicts_with = "history", help_heading = "Git")]
    pub staged: bool,
}

impl HistoryArgs {
    /// Whether a git source replaces the file walk (the narrowing flags imply `--history`).
    pub fn active(&self) -> bool {
        self.history || self.staged || self.narrowed()
    }

    fn narrowed(&self) -> bool {
        self.all_objects
            || self.since_commit.is_some()
            || self.branch.is_some()
            || self.range.is_some()
    }

    /// Scan each repository in `paths`; returns the findings and the number of commits seen.
    pub fn scan(
        &self,
        ctx: &ScanContext<'_>,
        paths: &[PathBuf],
        quiet: bool,
    ) -> Result<(Vec<Finding>, u64)> {
        if self.staged && self.narrowed() {
            bail!("--staged cannot be combined with --all-objects, --since-commit, --branch or --range");
        }
        let mut findings = Vec::new();
        let mut commits = 0;
        for p in paths {
            if p.as_os_str() == "-" {
                bail!("a git scan needs a repository path, not `-`");
            }
            if self.staged {
                findings.extend(push::scan_staged(ctx, p)?.findings);
                continue;
            }
            let (local, _) = crate::remote::local_repo(p, quiet)?;
            let opts = HistoryOptions {
                all_objects: self.all_objects,
                since_commit: self.since_commit.clone(),
                branch: self.branch.clone(),
                range: self.range.clone(),
                ..HistoryOptions::default()
            };
            let progress = Progress::default();
            let show = !quiet && std::io::stderr().is_terminal();
            let done = std::sync::atomic::AtomicBool::new(false);
            let out = std::thread::scope(|s| {
                if show {
                    s.spawn(|| draw_progress(&progress, &done));
                }
                let out = history::scan(ctx, &local, &opts, &progress);
                done.store(true, Ordering::Relaxed);
                out
            })?;
            findings.extend(out.findings);
            commits += out.commits;
        }
        Ok((findings, commits))
    }
}

/// A progress bar on stderr: commits walked, then blobs and bytes scanned.
fn draw_progress(p: &Progress, done: &std::sync::atomic::AtomicBool) {
    let bar = indicatif::ProgressBar::new(0);
    let style = indicatif::ProgressStyle::with_template(
        "{spinner} [{bar:30}] {pos}/{len} blobs, {msg} ({elapsed})",
    )
    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
    .progress_chars("=> ");
    bar.set_style(style);
    while !done.load(Ordering::Relaxed) {
        let commits = p.commits.load(Ordering::Relaxed);
        match p.phase() {
            Phase::Walk => bar.set_message(format!("{commits} commits walked")),
            Phase::Blobs => {
                let mb = p.bytes.load(Ordering::Relaxed) as f64 / 1e6;
                bar.set_message(format!("{mb:.1} MB from {commits} commits"));
                bar.set_length(p.blobs_total.load(Ordering::Relaxed));
                bar.set_position(p.blobs_done.load(Ordering::Relaxed));
            }
            _ => bar.set_message("attributing findings to commits".to_string()),
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bar.finish_and_clear();
}
