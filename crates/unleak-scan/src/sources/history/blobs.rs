//! The blobs: each distinct blob scanned once, in parallel, and its findings given to every
//! path it had.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use git2::Repository;
use rayon::prelude::*;

use super::{BlobPaths, Progress};
use crate::context::ScanContext;
use crate::finding::Finding;
use crate::git::repo::{self, Pool};
use crate::git::{pack, ObjectId};
use crate::matcher::BlobOutcome;
use crate::sources::{archive, git_read};

/// Findings of one blob at one path (before attribution).
pub(super) struct Matched {
    /// The blob, as its index in the scan's list.
    pub blob: usize,
    pub path: String,
    pub findings: Vec<Finding>,
}

/// Scan each distinct blob once, in parallel; paths the config allowlists are dropped first.
/// Packed blobs are decoded pack by pack along their delta chains (pack.rs); whatever no pack
/// delivered (loose objects, alternates, a pack we cannot parse) is read through libgit2.
pub(super) fn scan_blobs(
    ctx: &ScanContext<'_>,
    pool: &Pool,
    packs: &[pack::Pack],
    blobs: &mut [BlobPaths],
    progress: &Progress,
) -> Vec<Matched> {
    for b in blobs.iter_mut() {
        let before = b.paths.len();
        b.paths.retain(|p| !ctx.config.path_allowed(p));
        if b.paths.is_empty() && before > 0 {
            ctx.stats
                .skipped_allowlisted
                .fetch_add(1, Ordering::Relaxed);
        }
    }
    progress
        .blobs_total
        .store(blobs.len() as u64, Ordering::Relaxed);
    let blobs: &[BlobPaths] = blobs;
    let done: Vec<AtomicBool> = blobs
        .iter()
        .map(|b| AtomicBool::new(b.paths.is_empty()))
        .collect();
    progress.blobs_done.fetch_add(
        blobs.iter().filter(|b| b.paths.is_empty()).count() as u64,
        Ordering::Relaxed,
    );
    let index: HashMap<ObjectId, usize> = blobs
        .iter()
        .enumerate()
        .filter(|(_, b)| !b.paths.is_empty())
        .map(|(i, b)| (b.id, i))
        .collect();
    let found = Mutex::new(Vec::new());
    for p in packs {
        let want = |id: &ObjectId| {
            let i = *index.get(id)?;
            (!done[i].load(Ordering::Relaxed)).then_some(i)
        };
        let visit = |i: usize, blob: pack::Blob<'_>| {
            if done[i].swap(true, Ordering::Relaxed) {
                return; // also in an earlier pack
            }
            progress.blobs_done.fetch_add(1, Ordering::Relaxed);
            ctx.stats.packed_blobs.fetch_add(1, Ordering::Relaxed);
            let b = &blobs[i];
            let bytes = match blob {
                pack::Blob::TooLarge(size) => {
                    return git_read::skip_large(ctx, &b.paths[0], b.id, size)
                }
                pack::Blob::BaseTooLarge(size) => {
                    ctx.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
                    return (ctx.on_warning)(&format!(
                        "{} (blob {}): skipped, a delta on a base of {size} bytes, over \
                         --max-file-size ({} bytes)",
                        b.paths[0], b.id, ctx.max_file_size
                    ));
                }
                pack::Blob::Data(bytes) => bytes,
            };
            if !git_read::accept_blob(ctx, bytes) {
                return;
            }
            let mut m = scan_read(ctx, progress, i, b, bytes);
            if !m.is_empty() {
                found
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .append(&mut m);
            }
        };
        // Blobs this pack could not deliver stay not done: libgit2 reads them below.
        p.decode_wanted(&want, ctx.max_file_size, &visit);
    }
    let rest: Vec<usize> = (0..blobs.len())
        .filter(|&i| !done[i].load(Ordering::Relaxed))
        .collect();
    let mut found = found.into_inner().unwrap_or_else(|p| p.into_inner());
    found.par_extend(
        rest.par_iter()
            .map_init(
                || pool.lease().ok(),
                |lease, &i| {
                    progress.blobs_done.fetch_add(1, Ordering::Relaxed);
                    let b = &blobs[i];
                    let Some(repo) = lease.as_ref() else {
                        ctx.warn(&format!("object {}: no repository handle, skipped", b.id));
                        ctx.unfinished(b.id.as_bytes());
                        return Vec::new();
                    };
                    scan_one(ctx, repo, i, b, progress)
                },
            )
            .flatten(),
    );
    // Packs deliver in no fixed order: give attribution and reports a stable one.
    found.sort_by(|a, b| (a.blob, &a.path).cmp(&(b.blob, &b.path)));
    found
}

fn scan_one(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    index: usize,
    b: &BlobPaths,
    progress: &Progress,
) -> Vec<Matched> {
    let odb = match repo.odb() {
        Ok(o) => o,
        Err(e) => {
            ctx.warn(&format!("object {}: {}", b.id, e.message()));
            ctx.unfinished(b.id.as_bytes());
            return Vec::new();
        }
    };
    let Some(obj) = git_read::read_blob(ctx, &odb, &repo::objects_dir(repo), b.id, &b.paths[0])
    else {
        return Vec::new();
    };
    scan_read(ctx, progress, index, b, obj.data())
}

/// Scan the bytes of blob `index`, however they were read (pack reader or libgit2).
fn scan_read(
    ctx: &ScanContext<'_>,
    progress: &Progress,
    index: usize,
    b: &BlobPaths,
    bytes: &[u8],
) -> Vec<Matched> {
    progress
        .bytes
        .fetch_add(bytes.len() as u64, Ordering::Relaxed);
    scan_paths(ctx, index, &b.paths, bytes)
}

/// Scan `bytes` once per distinct set of path-bound rules that `paths` select, and give each
/// path its findings (an archive's findings keep their member part: `path!member`).
fn scan_paths(ctx: &ScanContext<'_>, index: usize, paths: &[String], bytes: &[u8]) -> Vec<Matched> {
    let rules = &ctx.matcher.rules().rules;
    let signature = |p: &str| -> Vec<bool> {
        rules
            .iter()
            .filter(|r| r.paths.is_some())
            .map(|r| r.applies_to(p))
            .collect()
    };
    // (signature, the path scanned, its findings)
    let mut done: Vec<(Vec<bool>, &str, Vec<Finding>)> = Vec::new();
    let mut out = Vec::new();
    for p in paths {
        let sig = signature(p);
        let (scanned_as, found) = match done.iter().find(|(s, _, _)| *s == sig) {
            Some((_, q, f)) => (*q, f.clone()),
            None => {
                let f = match archive::scan_bytes(ctx, p, bytes) {
                    BlobOutcome::Binary => {
                        ctx.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
                        return Vec::new();
                    }
                    BlobOutcome::Scanned(f) => f,
                };
                done.push((sig, p, f.clone()));
                (p.as_str(), f)
            }
        };
        if !found.is_empty() {
            let findings = found
                .into_iter()
                .map(|mut f| {
                    f.path = match f.path.strip_prefix(scanned_as) {
                        Some(member) if member.starts_with('!') => format!("{p}{member}"),
                        _ => p.clone(),
                    };
                    f
                })
                .collect();
            out.push(Matched {
                blob: index,
                path: p.clone(),
                findings,
            });
        }
    }
    out
}
