//! Full git history: every commit reachable from every ref (branches, remote-tracking branches,
//! tags, notes, stash and its reflog, HEAD), each distinct blob scanned once in parallel, and
//! only the blobs that matched traced back to the commit that introduced them.
//!
//! In three phases, a file each: the walk (walk.rs: one tree diff per commit against its first
//! parent, unchanged subtrees skipped by id, collecting the distinct (blob, paths); commits and
//! trees read by the git layer's object reader, libgit2 only for what it cannot read), the
//! blobs (blobs.rs: decoded by the pack reader, those over the size limit skipped from the
//! object header without being inflated), and attribution (attribute.rs: the per-commit walk
//! runs only along the paths of blobs that matched).

mod attribute;
mod blobs;
mod tips;
mod walk;

pub use tips::ref_tips;

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use git2::Repository;

use crate::context::ScanContext;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::git::objects::Objects;
use crate::git::repo::{self, Pool};
use crate::git::{pack, ObjectId};

/// What part of history to scan.
#[derive(Clone, Debug, Default)]
pub struct HistoryOptions {
    /// Also scan objects no ref reaches (rewritten or dangling commits, loose blobs).
    pub all_objects: bool,
    /// Only commits after this one (it and its ancestors are left out).
    pub since_commit: Option<String>,
    /// Only commits reachable from this ref instead of from every ref.
    pub branch: Option<String>,
    /// Only the commits of `A..B`.
    pub range: Option<String>,
    /// Commits (hex ids) whose whole history an earlier scan read (an incremental audit's
    /// stored ref tips): they and their ancestors are not walked.
    pub scanned_tips: Vec<String>,
}

/// Where a scan is, for a progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Phase {
    /// Walking commits and diffing their trees.
    Walk = 0,
    /// Scanning the distinct blobs.
    Blobs = 1,
    /// Tracing findings back to commits.
    Attribution = 2,
    Done = 3,
}

/// Counters a progress display may poll while a scan runs.
#[derive(Default)]
pub struct Progress {
    phase: AtomicU8,
    pub commits: AtomicU64,
    pub blobs_total: AtomicU64,
    pub blobs_done: AtomicU64,
    pub bytes: AtomicU64,
}

impl Progress {
    pub fn phase(&self) -> Phase {
        match self.phase.load(Ordering::Relaxed) {
            0 => Phase::Walk,
            1 => Phase::Blobs,
            2 => Phase::Attribution,
            _ => Phase::Done,
        }
    }

    fn set_phase(&self, phase: Phase) {
        self.phase.store(phase as u8, Ordering::Relaxed);
    }
}

/// Findings of a history scan and how many commits it looked at.
pub struct HistoryOutput {
    pub findings: Vec<Finding>,
    pub commits: u64,
}

/// A distinct blob and every path it had.
struct BlobPaths {
    id: ObjectId,
    paths: Vec<String>,
}

/// Scan the history of the repository at or above `path`.
pub fn scan(
    ctx: &ScanContext<'_>,
    path: &std::path::Path,
    opts: &HistoryOptions,
    progress: &Progress,
) -> Result<HistoryOutput> {
    let repo = repo::open(path)?;
    if repo.is_shallow() {
        (ctx.on_warning)(
            "shallow clone: history before the shallow boundary is not in this repository and was not scanned (run `git fetch --unshallow` for a complete audit)",
        );
    }
    let pool = Pool::new(&repo);
    let objects_dir = repo::objects_dir(&repo);
    let (packs, unreadable) = pack::packs_in(&objects_dir);
    check_packs(ctx, &unreadable)?;
    let store = Objects::new(&packs, &objects_dir);
    let walked = walk::walk(ctx, &repo, &pool, &store, opts, progress)?;
    let mut blobs = walked.blobs;

    progress.set_phase(Phase::Blobs);
    // libgit2 maps the packs it reads, and mapped pages count as resident: the walk touched
    // the commits and trees of every pack. Blobs come from pack.rs, which reads, not maps;
    // closing every handle now unmaps the walk's windows (sqlalchemy: 305 MB peak RSS when
    // libgit2 also read the blobs, 155 MB now), and fresh handles read whatever packs cannot
    // give and serve attribution. (Capping libgit2's windows instead cost 8 s of remapping
    // syscalls on git/git.)
    let git_dir = repo.path().to_path_buf();
    drop(store);
    drop(pool);
    drop(repo);
    let pool = Pool::at(&git_dir);
    let matched = blobs::scan_blobs(ctx, &pool, &packs, &mut blobs, progress);
    drop(packs);
    drop(pool);
    let repo = Repository::open(&git_dir).map_err(git_err)?;

    unfinished_commits(ctx, &walked.commits, &walked.changes);

    progress.set_phase(Phase::Attribution);
    let history = attribute::History::parents_first(walked.commits, walked.changes, walked.paths);
    let findings = attribute::attribute(ctx, &repo, &history, &blobs, matched);
    progress.set_phase(Phase::Done);
    Ok(HistoryOutput {
        findings: ctx.keep(findings),
        commits: history.len() as u64,
    })
}

/// A commit that added a blob the scan could not read is unfinished too: an incremental audit
/// that skipped the commit next time would never meet the blob again.
fn unfinished_commits(
    ctx: &ScanContext<'_>,
    commits: &[walk::CommitNode],
    changes: &[walk::Changes],
) {
    let mut unfinished = ctx.unfinished.lock().unwrap_or_else(|p| p.into_inner());
    if unfinished.is_empty() {
        return;
    }
    for (c, ch) in commits.iter().zip(changes) {
        if ch
            .added
            .iter()
            .any(|(_, b)| unfinished.contains(&b.as_bytes()[..]))
        {
            unfinished.insert(c.id.as_bytes().to_vec());
        }
    }
}

fn git_err(e: git2::Error) -> Error {
    Error::Git(e.message().to_string())
}

/// Name every pack our reader refused. A pack whose index points outside the pack is not
/// handed to libgit2 either: libgit2 1.9.7 trusts those offsets and reads past its map
/// (a segfault, repro 09), so the scan stops with an error naming it instead of crashing.
/// Other refusals (a format our reader does not know, such as SHA-256) are read by libgit2,
/// and whatever it cannot read is a warning of its own.
fn check_packs(ctx: &ScanContext<'_>, unreadable: &[pack::PackError]) -> Result<()> {
    for e in unreadable {
        if e.is_unsafe() {
            return Err(Error::Git(format!(
                "damaged pack: {e}; not read (repair it, e.g. from a clone, and scan again)"
            )));
        }
        (ctx.on_warning)(&format!(
            "pack not readable by unleak's reader, read through libgit2: {e}"
        ));
    }
    Ok(())
}
