//! Full git history: every commit reachable from every ref (branches, remote-tracking branches,
//! tags, notes, stash and its reflog, HEAD), each distinct blob scanned once in parallel, and
//! only the blobs that matched traced back to the commit that introduced them.
//!
//! Cost model: one tree diff per commit against its first parent (unchanged subtrees skipped by
//! id) collects the distinct (blob, paths); commits and trees are read by our own object reader
//! (objects.rs), libgit2 only for what it cannot read; blobs come from the pack reader
//! (pack.rs), those over the size limit skipped from the object header without being inflated;
//! the per-commit attribution walk runs only along the paths of blobs that matched.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering};
use std::sync::Mutex;

use git2::{ObjectType, Oid, Repository, Sort};
use rayon::prelude::*;

use crate::context::ScanContext;
use crate::error::{Error, Result};
use crate::finding::{CommitInfo, Finding};
use crate::git::objects::{CommitHead, Objects, Reader};
use crate::git::pack;
use crate::git::repo::{self, Pool};
use crate::git::tree_diff::{self, DiffNotes, GitTrees, Trees};
use crate::git::ObjectId;
use crate::matcher::BlobOutcome;
use crate::sources::archive;
use crate::sources::git_read;

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
}

/// Counters a progress display may poll while a scan runs.
#[derive(Default)]
pub struct Progress {
    /// 0: walking commits, 1: scanning blobs, 2: attributing findings, 3: done.
    pub phase: AtomicU8,
    pub commits: AtomicU64,
    pub blobs_total: AtomicU64,
    pub blobs_done: AtomicU64,
    pub bytes: AtomicU64,
}

/// Findings of a history scan and how many commits it looked at.
pub struct HistoryOutput {
    pub findings: Vec<Finding>,
    pub commits: u64,
}

/// One commit as the walk saw it.
struct CommitNode {
    id: ObjectId,
    parents: Vec<ObjectId>,
    time: i64,
    /// Reached from no ref (`--all-objects` only).
    unreachable: bool,
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
    let (push, hide) = tips(ctx, &repo, opts)?;
    let objects_dir = repo::objects_dir(&repo);
    let (packs, unreadable) = pack::packs_in(&objects_dir);
    check_packs(ctx, &unreadable)?;
    let store = Objects::new(&packs, &objects_dir);
    let shallow = shallow_commits(&repo);
    // A full audit walks with our reader; ranges and `--since-commit` with libgit2, whose
    // revwalk stops at the hidden commits instead of reading all their ancestors.
    let (ids, heads) = if hide.is_empty() {
        let by_git = |id: &ObjectId| commit_head_git(&repo, id);
        commits_from(ctx, &mut store.reader(), &by_git, &push, &shallow)
    } else {
        (revwalk(ctx, &repo, &push, &hide)?, HashMap::new())
    };
    let mut seen: HashSet<ObjectId> = ids.iter().copied().collect();
    let mut extra = Vec::new();
    let mut orphans = Vec::new();
    if opts.all_objects {
        let (commits, blobs) = all_objects(ctx, &repo)?;
        extra = commits.into_iter().filter(|c| !seen.contains(c)).collect();
        seen.extend(extra.iter().copied());
        orphans = blobs;
    }

    let mut notes = DiffNotes::default();
    let mut blob_paths: HashMap<ObjectId, Vec<String>> = HashMap::new();
    let mut blob_path_seen: HashSet<(ObjectId, u32)> = HashSet::new();
    let mut interner = Interner::default();
    let mut commits = Vec::with_capacity(ids.len() + extra.len());
    let mut changes = Vec::with_capacity(ids.len() + extra.len());
    for (list, unreachable) in [(&ids, false), (&extra, true)] {
        let walked: Vec<_> = list
            .par_iter()
            .map_init(
                || (store.reader(), None),
                |(reader, lease), id| {
                    // Our own reader first; libgit2 for whatever it cannot read, and for the
                    // commits at a shallow boundary (libgit2 knows their grafted parents).
                    let out = match (!shallow.contains(id))
                        .then(|| diff_commit(reader, &heads, *id, unreachable))
                        .flatten()
                    {
                        Some(done) => Ok(done),
                        None => {
                            let lease = lease.get_or_insert_with(|| pool.lease());
                            let r = lease.as_ref().map_err(|e| e.to_string())?;
                            diff_commit_git(r, *id, unreachable)
                        }
                    };
                    progress.commits.fetch_add(1, Ordering::Relaxed);
                    out
                },
            )
            .collect();
        for w in walked {
            match w {
                Ok((node, added, n)) => {
                    let mut ch = Changes::default();
                    for (p, b) in added {
                        let pid = interner.id(&p);
                        ch.added.push((pid, b));
                        // A set of (blob, path) pairs seen, not a search of the blob's
                        // paths: one blob at 80,000 paths took 72 s that way.
                        if blob_path_seen.insert((b, pid)) {
                            let p = interner.name(pid);
                            blob_paths.entry(b).or_default().push(p.to_string());
                        }
                    }
                    ch.gone = n.gone.iter().map(|g| interner.id(g)).collect();
                    notes.submodules.extend(n.submodules);
                    for (id, p) in n.broken {
                        ctx.warn(&format!(
                            "object {id} (tree `{p}` in commit {}): cannot read, skipped",
                            node.id
                        ));
                    }
                    commits.push(node);
                    changes.push(ch);
                }
                Err(e) => ctx.warn(&e),
            }
        }
    }
    if !notes.submodules.is_empty() {
        notes.submodules.sort();
        notes.submodules.dedup();
        (ctx.on_warning)(&format!(
            "submodules are not followed (scan their repositories separately): {}",
            notes.submodules.join(", ")
        ));
    }

    let mut blobs: Vec<BlobPaths> = blob_paths
        .into_iter()
        .map(|(id, paths)| BlobPaths { id, paths })
        .collect();
    // Blobs in no tree at all (`--all-objects`): named by id, attributed to no commit.
    let known: HashSet<ObjectId> = blobs.iter().map(|b| b.id).collect();
    for id in orphans.into_iter().filter(|id| !known.contains(id)) {
        blobs.push(BlobPaths {
            id,
            paths: vec![format!("(unreachable blob {id})")],
        });
    }
    // Versions of one file next to each other: for blobs read through libgit2 (not from a pack
    // we read ourselves), their deltas then share bases in libgit2's cache.
    blobs.sort_unstable_by(|a, b| a.paths[0].cmp(&b.paths[0]));
    drop(seen);

    progress.phase.store(1, Ordering::Relaxed);
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
    let matched = scan_blobs(ctx, &pool, &packs, &mut blobs, progress);
    drop(packs);
    drop(pool);
    let repo = Repository::open(&git_dir).map_err(git_err)?;
    progress.phase.store(2, Ordering::Relaxed);
    // Parents before children, so attribution can propagate in one sequential pass.
    let order = parents_first(&commits);
    let mut slots: Vec<Option<(CommitNode, Changes)>> =
        commits.into_iter().zip(changes).map(Some).collect();
    let (commits, changes): (Vec<CommitNode>, Vec<Changes>) =
        order.iter().filter_map(|&i| slots[i].take()).unzip();
    let history = History {
        commits: &commits,
        changes: &changes,
        interner: &interner,
    };
    let findings = attribute(ctx, &repo, &history, &blobs, matched);
    progress.phase.store(3, Ordering::Relaxed);
    Ok(HistoryOutput {
        findings: ctx.keep(findings),
        commits: commits.len() as u64,
    })
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

/// A commit's header through libgit2 (alternates, grafts at shallow boundaries, packs our
/// reader refused), for the walk when our own reader cannot give it.
fn commit_head_git(repo: &Repository, id: &ObjectId) -> Option<CommitHead> {
    let c = repo::find_commit(repo, *id).ok()?;
    Some(CommitHead {
        tree: c.tree_id().into(),
        parents: c.parent_ids().map(ObjectId::from).collect(),
        time: c.time().seconds(),
    })
}

/// The commits to start from and the ones to leave out, per the options.
fn tips(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    opts: &HistoryOptions,
) -> Result<(Vec<ObjectId>, Vec<ObjectId>)> {
    let mut push = Vec::new();
    let mut hide = Vec::new();
    if let Some(range) = &opts.range {
        let (from, to) = range
            .split_once("..")
            .ok_or_else(|| Error::Usage(format!("--range `{range}`: expected A..B")))?;
        let to = if to.is_empty() { "HEAD" } else { to };
        hide.push(resolve(repo, from)?);
        push.push(resolve(repo, to.trim_start_matches('.'))?);
    } else if let Some(b) = &opts.branch {
        push.push(resolve(repo, b)?);
    } else {
        let refs = repo.references().map_err(git_err)?;
        for r in refs {
            match r {
                Ok(r) => {
                    let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
                    if let Some(id) = ref_tip(ctx, repo, &name, r.resolve()) {
                        push.push(id);
                    }
                }
                Err(e) => ctx.warn(&format!("reference: cannot read: {}", e.message())),
            }
        }
        if let Some(id) = ref_tip(ctx, repo, "HEAD", repo.head()) {
            push.push(id);
        }
        // Older stashes live only in the stash's reflog.
        if let Ok(log) = repo.reflog("refs/stash") {
            push.extend(
                log.iter()
                    .map(|e| ObjectId::from(e.id_new()))
                    .filter(|id| !id.is_zero()),
            );
        }
        push.sort_unstable();
        push.dedup();
    }
    if let Some(s) = &opts.since_commit {
        hide.push(resolve(repo, s)?);
    }
    Ok((push, hide))
}

/// The commit a ref (already resolved to a direct one) leads to. A ref to a tree or a blob
/// leads to none; a symbolic ref to a missing branch (an unborn HEAD) is noted; a tip object
/// that cannot be read is named with the ref, and its id is kept, so that the walk counts it
/// where it fails to read it (it is never dropped silently).
fn ref_tip(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    name: &str,
    resolved: std::result::Result<git2::Reference<'_>, git2::Error>,
) -> Option<ObjectId> {
    let r = match resolved {
        Ok(r) => r,
        Err(e) if e.code() == git2::ErrorCode::UnbornBranch => return None,
        Err(e) => {
            (ctx.on_warning)(&format!("reference {name}: {}", e.message()));
            return None;
        }
    };
    let id = ObjectId::from(r.target()?);
    if let Err(e) = repo::find_object(repo, id) {
        // Kept: the walk tries it and counts it once, however many refs lead to it.
        (ctx.on_warning)(&format!(
            "reference {name}: its object {id} cannot be read: {}",
            e.message()
        ));
        return Some(id);
    }
    match repo::peel_to_commit(repo, id) {
        Ok(c) => c.map(|c| c.id().into()),
        // An annotated tag's chain may break on the way (a tag of a tree or blob is no commit).
        Err(e) => {
            ctx.warn(&format!(
                "reference {name}: cannot read what it points to: {}",
                e.message()
            ));
            None
        }
    }
}

fn resolve(repo: &Repository, rev: &str) -> Result<ObjectId> {
    repo.revparse_single(rev)
        .and_then(|o| o.peel_to_commit())
        .map(|c| c.id().into())
        .map_err(|e| Error::Usage(format!("`{rev}` is not a commit here: {}", e.message())))
}

/// Every commit and blob id in the object database (for `--all-objects`).
fn all_objects(ctx: &ScanContext<'_>, repo: &Repository) -> Result<(Vec<ObjectId>, Vec<ObjectId>)> {
    let odb = repo.odb().map_err(git_err)?;
    let mut all = Vec::new();
    odb.foreach(|id| {
        all.push(ObjectId::from(*id));
        true
    })
    .map_err(git_err)?;
    all.sort_unstable();
    all.dedup();
    let mut commits = Vec::new();
    let mut blobs = Vec::new();
    for id in all {
        match repo::read_header(&odb, id) {
            Ok((_, Some(ObjectType::Commit))) => commits.push(id),
            Ok((_, Some(ObjectType::Blob))) => blobs.push(id),
            Ok((_, Some(_))) => {}
            Ok((_, None)) => ctx.warn(&format!("object {id}: cannot read: damaged header")),
            Err(e) => ctx.warn(&format!("object {id}: cannot read: {}", e.message())),
        }
    }
    Ok((commits, blobs))
}

type Added = Vec<(Vec<u8>, ObjectId)>;

/// A commit's node and the blobs its tree has that its first parent's does not, read with our
/// own object reader (commit headers from `heads` where the walk kept them); None if any
/// object on the way cannot be read that way.
fn diff_commit(
    reader: &mut Reader<'_, '_>,
    heads: &HashMap<ObjectId, CommitHead>,
    id: ObjectId,
    unreachable: bool,
) -> Option<(CommitNode, Added, DiffNotes)> {
    let read;
    let head = match heads.get(&id) {
        Some(h) => h,
        None => {
            read = reader.commit(&id)?;
            &read
        }
    };
    let tree = reader.tree(head.tree)?;
    let base = match head.parents.first() {
        Some(p) => {
            let t = match heads.get(p) {
                Some(h) => h.tree,
                None => reader.commit(p)?.tree,
            };
            Some(reader.tree(t)?)
        }
        None => None,
    };
    let mut added = Vec::new();
    let mut notes = DiffNotes {
        record_gone: true,
        ..DiffNotes::default()
    };
    let whole = tree_diff::added_blobs(reader, &tree, base.as_ref(), &mut notes, &mut |p, b| {
        added.push((p.to_vec(), b))
    });
    if !whole || !notes.broken.is_empty() {
        return None;
    }
    let node = CommitNode {
        id,
        parents: head.parents.clone(),
        time: head.time,
        unreachable,
    };
    Some((node, added, notes))
}

/// [`diff_commit`] through libgit2, with its messages for what cannot be read.
fn diff_commit_git(
    repo: &Repository,
    id: ObjectId,
    unreachable: bool,
) -> std::result::Result<(CommitNode, Added, DiffNotes), String> {
    let commit = repo::find_commit(repo, id).map_err(|e| {
        format!(
            "object {id} (commit): cannot read, skipped: {}",
            e.message()
        )
    })?;
    let tree = commit.tree().map_err(|e| {
        format!(
            "object {} (tree of commit {id}): cannot read, skipped: {}",
            commit.tree_id(),
            e.message()
        )
    })?;
    let parents: Vec<ObjectId> = commit.parent_ids().map(ObjectId::from).collect();
    // A missing parent (shallow boundary, broken repository) counts as an empty tree.
    let base = parents
        .first()
        .and_then(|p| repo::find_commit(repo, *p).ok())
        .and_then(|p| p.tree().ok());
    let mut added = Vec::new();
    let mut notes = DiffNotes {
        record_gone: true,
        ..DiffNotes::default()
    };
    tree_diff::added_blobs(
        &mut GitTrees(repo),
        &tree,
        base.as_ref(),
        &mut notes,
        &mut |p, b| added.push((p.to_vec(), b)),
    );
    let node = CommitNode {
        id,
        parents,
        time: commit.time().seconds(),
        unreachable,
    };
    Ok((node, added, notes))
}

/// Every commit reachable from `tips` with its header, parents before children (a first-parent
/// line stays contiguous, so the diffs that follow read each tree right after its child did).
/// A commit our reader cannot read is asked of `fallback` (libgit2); one neither can read is
/// a counted warning naming it (what lies behind it was not reached): the walk goes on with
/// everything else, and the scan cannot end "clean".
fn commits_from(
    ctx: &ScanContext<'_>,
    reader: &mut Reader<'_, '_>,
    fallback: &dyn Fn(&ObjectId) -> Option<CommitHead>,
    tips: &[ObjectId],
    shallow: &HashSet<ObjectId>,
) -> (Vec<ObjectId>, HashMap<ObjectId, CommitHead>) {
    let mut heads: HashMap<ObjectId, CommitHead> = HashMap::new();
    let mut broken: HashSet<ObjectId> = HashSet::new();
    let mut order = Vec::new();
    let mut read = |id: &ObjectId, heads: &mut HashMap<ObjectId, CommitHead>| -> bool {
        match reader.commit(id).or_else(|| fallback(id)) {
            Some(h) => {
                heads.insert(*id, h);
                true
            }
            None => {
                ctx.warn(&format!(
                    "object {id} (commit): cannot read; it and the history only it reaches were not scanned"
                ));
                false
            }
        }
    };
    // (commit, parents visited so far); post-order depth first, iterative.
    let mut stack: Vec<(ObjectId, usize)> = Vec::new();
    for tip in tips {
        if heads.contains_key(tip) || broken.contains(tip) {
            continue;
        }
        if !read(tip, &mut heads) {
            broken.insert(*tip);
            continue;
        }
        stack.push((*tip, 0));
        while let Some(&(c, next)) = stack.last() {
            let head = &heads[&c];
            // A shallow commit's parents are not in the repository (libgit2 grafts them away).
            let parent = (!shallow.contains(&c))
                .then(|| head.parents.get(next).copied())
                .flatten();
            match parent {
                Some(p) => {
                    stack.last_mut().expect("not empty").1 += 1;
                    if heads.contains_key(&p) || broken.contains(&p) {
                        continue;
                    }
                    if read(&p, &mut heads) {
                        stack.push((p, 0));
                    } else {
                        broken.insert(p);
                    }
                }
                None => {
                    order.push(c);
                    stack.pop();
                }
            }
        }
    }
    (order, heads)
}

/// The commits of `push` minus those of `hide`, through libgit2.
fn revwalk(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    push: &[ObjectId],
    hide: &[ObjectId],
) -> Result<Vec<ObjectId>> {
    let mut walk = repo.revwalk().map_err(git_err)?;
    walk.set_sorting(Sort::TOPOLOGICAL).map_err(git_err)?;
    for id in push {
        walk.push(id.to_git()).map_err(git_err)?;
    }
    for id in hide {
        walk.hide(id.to_git()).map_err(git_err)?;
    }
    let mut ids = Vec::new();
    for r in walk {
        match r {
            Ok(id) => ids.push(id.into()),
            Err(e) => ctx.warn(&format!("commit walk: {}", e.message())),
        }
    }
    Ok(ids)
}

/// The commits a shallow clone cut off from their parents (`.git/shallow`).
fn shallow_commits(repo: &Repository) -> HashSet<ObjectId> {
    let Ok(text) = std::fs::read_to_string(repo.commondir().join("shallow")) else {
        return HashSet::new();
    };
    text.lines()
        .filter_map(|l| Oid::from_str(l.trim()).ok().map(ObjectId::from))
        .collect()
}

/// Findings of one blob at one path (before attribution).
struct Matched {
    blob: usize,
    path: String,
    findings: Vec<Finding>,
}

/// Scan each distinct blob once, in parallel; paths the config allowlists are dropped first.
/// Packed blobs are decoded pack by pack along their delta chains (pack.rs); whatever no pack
/// delivered (loose objects, alternates, a pack we cannot parse) is read through libgit2.
fn scan_blobs(
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

/// Paths as small numbers: the walk records every change by path id.
#[derive(Default)]
struct Interner {
    ids: HashMap<Vec<u8>, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, path: &[u8]) -> u32 {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = self.names.len() as u32;
        self.names.push(String::from_utf8_lossy(path).into_owned());
        self.ids.insert(path.to_vec(), id);
        id
    }

    fn name(&self, id: u32) -> &str {
        &self.names[id as usize]
    }

    fn get(&self, path: &str) -> Option<u32> {
        self.ids.get(path.as_bytes()).copied()
    }
}

/// What a commit changed against its first parent: blobs added at paths, paths gone.
#[derive(Default)]
struct Changes {
    added: Vec<(u32, ObjectId)>,
    gone: Vec<u32>,
}

/// The walked commits with their changes, as attribution reads them.
struct History<'a> {
    commits: &'a [CommitNode],
    changes: &'a [Changes],
    interner: &'a Interner,
}

/// Commit indices with every walked parent before its children (depth-first, iterative).
fn parents_first(commits: &[CommitNode]) -> Vec<usize> {
    let by_id: HashMap<ObjectId, usize> =
        commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let parent_idx: Vec<Vec<usize>> = commits
        .iter()
        .map(|c| {
            c.parents
                .iter()
                .filter_map(|p| by_id.get(p).copied())
                .collect()
        })
        .collect();
    let n = commits.len();
    let mut state = vec![0u8; n];
    let mut order = Vec::with_capacity(n);
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        state[start] = 1;
        stack.push((start, 0));
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            if let Some(&p) = parent_idx[v].get(i) {
                top.1 += 1;
                if state[p] == 0 {
                    state[p] = 1;
                    stack.push((p, 0));
                }
            } else {
                state[v] = 2;
                order.push(v);
                stack.pop();
            }
        }
    }
    order
}

/// Where one matched blob (at one path) is in history.
#[derive(Clone)]
struct Presence {
    commits: u32,
    oldest: Option<usize>,
    all_unreachable: bool,
}

impl Default for Presence {
    fn default() -> Self {
        Presence {
            commits: 0,
            oldest: None,
            all_unreachable: true,
        }
    }
}

#[derive(Clone, Copy)]
enum FirstParent {
    Walked(usize),
    Outside(ObjectId),
    Root,
}

/// Per (rule, secret, path): the oldest commit that introduced a matching blob there, every
/// path those blobs had, in how many commits they appear, and whether the secret is at HEAD.
/// Reads no trees for walked commits: which blob each commit has at a path follows from the
/// recorded changes, propagated from parents to children.
fn attribute(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    history: &History<'_>,
    blobs: &[BlobPaths],
    matched: Vec<Matched>,
) -> Vec<Finding> {
    if matched.is_empty() {
        return Vec::new();
    }
    let commits = history.commits;
    let n = commits.len();
    let by_id: HashMap<ObjectId, usize> =
        commits.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let parent_idx: Vec<Vec<Option<usize>>> = commits
        .iter()
        .map(|c| c.parents.iter().map(|p| by_id.get(p).copied()).collect())
        .collect();
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.target())
        .and_then(|id| repo::peel_to_commit(repo, id.into()).ok().flatten())
        .map(|c| ObjectId::from(c.id()));
    // Commits outside the walk (narrowed scans, shallow boundaries, HEAD): read their trees.
    let mut outside: HashMap<(ObjectId, String), Option<ObjectId>> = HashMap::new();
    let mut lookup = |commit: ObjectId, path: &str| -> Option<ObjectId> {
        *outside
            .entry((commit, path.to_string()))
            .or_insert_with(|| {
                repo::find_commit(repo, commit)
                    .ok()
                    .and_then(|c| c.tree().ok())
                    .and_then(|t| tree_diff::blob_at(&t, path))
            })
    };

    // Per target: in how many commits it is, the oldest of them, whether all are unreachable.
    // Counts, not lists: a blob can sit in tens of thousands of commits (16 MB of lists, twice,
    // on a 30,000-commit history).
    let mut presence: Vec<Presence> = vec![Presence::default(); matched.len()];
    let mut introduced: Vec<Option<usize>> = vec![None; matched.len()];
    let mut at_head: Vec<bool> = vec![false; matched.len()];
    // Commits are laid out parents first, so at equal times the smaller index is older.
    let older = |a: usize, b: usize| (commits[a].time, a) < (commits[b].time, b);
    let mut by_path: HashMap<&str, Vec<usize>> = HashMap::new();
    for (t, m) in matched.iter().enumerate() {
        by_path.entry(m.path.as_str()).or_default().push(t);
    }
    // Per target path, the commits that change it, in commit order: (commit, new blob or gone).
    let target_pids: HashMap<u32, &str> = by_path
        .keys()
        .filter_map(|p| history.interner.get(p).map(|id| (id, *p)))
        .collect();
    let mut touching: HashMap<u32, Vec<(usize, Option<ObjectId>)>> = HashMap::new();
    for (c, ch) in history.changes.iter().enumerate() {
        for g in &ch.gone {
            let g = history.interner.name(*g);
            for (pid, p) in &target_pids {
                if *p == g || (p.starts_with(g) && p.as_bytes().get(g.len()) == Some(&b'/')) {
                    touching.entry(*pid).or_default().push((c, None));
                }
            }
        }
        for (pid, b) in &ch.added {
            if target_pids.contains_key(pid) {
                touching.entry(*pid).or_default().push((c, Some(*b)));
            }
        }
    }
    // Flat, so the per-path pass below reads memory in order.
    let first_parent: Vec<FirstParent> = commits
        .iter()
        .zip(&parent_idx)
        .map(|(c, pi)| match (c.parents.first(), pi.first()) {
            (Some(_), Some(Some(fp))) => FirstParent::Walked(*fp),
            (Some(p), _) => FirstParent::Outside(*p),
            (None, _) => FirstParent::Root,
        })
        .collect();
    // Per path, each commit's blob there as a small code: NONE (no blob), OTHER (a blob no
    // target has), or the index of a target blob. No hashing or FFI compares in the hot loop.
    const NONE: u32 = u32::MAX;
    const OTHER: u32 = u32::MAX - 1;
    let mut blob_at: Vec<u32> = vec![NONE; n];
    for (path, targets) in by_path {
        let Some(pid) = history.interner.get(path) else {
            continue; // an unreachable blob named by id: in no commit
        };
        let wanted: Vec<ObjectId> = targets.iter().map(|&t| blobs[matched[t].blob].id).collect();
        let code = |b: Option<ObjectId>| match b {
            None => NONE,
            Some(b) => wanted
                .iter()
                .position(|w| *w == b)
                .map_or(OTHER, |i| i as u32),
        };
        let touches = touching.get(&pid).map_or(&[][..], |v| &v[..]);
        let mut k = 0;
        for c in 0..n {
            let mut changed = None;
            while k < touches.len() && touches[k].0 == c {
                changed = Some(touches[k].1); // an addition (listed last) wins over a deletion
                k += 1;
            }
            blob_at[c] = match changed {
                Some(b) => code(b),
                None => match first_parent[c] {
                    FirstParent::Walked(fp) => blob_at[fp],
                    FirstParent::Outside(p) => code(lookup(p, path)),
                    FirstParent::Root => NONE,
                },
            };
        }
        let head_code = head.map(|h| match by_id.get(&h) {
            Some(&hi) => blob_at[hi],
            None => code(lookup(h, path)),
        });
        for (i, &t) in targets.iter().enumerate() {
            at_head[t] = head_code == Some(i as u32);
        }
        // One pass over the commits, whatever the target count.
        for (c, &want) in blob_at.iter().enumerate() {
            let Some(&t) = targets.get(want as usize) else {
                continue; // NONE or OTHER
            };
            let p = &mut presence[t];
            p.commits += 1;
            p.all_unreachable &= commits[c].unreachable;
            if p.oldest.is_none_or(|cur| older(c, cur)) {
                p.oldest = Some(c);
            }
            if let FirstParent::Walked(fp) = first_parent[c] {
                if blob_at[fp] == want {
                    continue; // the usual case: inherited from the first parent
                }
            }
            let in_parent = commits[c]
                .parents
                .iter()
                .zip(&parent_idx[c])
                .any(|(p, pi)| match pi {
                    Some(pi) => blob_at[*pi] == want,
                    None => code(lookup(*p, path)) == want,
                });
            if !in_parent && introduced[t].is_none_or(|cur| older(c, cur)) {
                introduced[t] = Some(c);
            }
        }
        // A narrowed scan can hold a blob whose introducing commit was left out.
        for &t in &targets {
            if introduced[t].is_none() {
                introduced[t] = presence[t].oldest;
            }
        }
    }
    let head_secrets: HashSet<(&str, &str)> = matched
        .iter()
        .enumerate()
        .filter(|(t, _)| at_head[*t])
        .flat_map(|(_, m)| {
            m.findings
                .iter()
                .map(|f| (f.rule_id.as_str(), f.secret.as_str()))
        })
        .collect();

    // The targets of one group share a path and differ in blob, and a commit has one blob at
    // a path: their commit sets are disjoint, so counts add up (each target counted once,
    // however many lines of it hold the secret).
    struct Group {
        finding: Finding,
        intro: Option<usize>,
        targets: Vec<usize>,
        commits: u32,
        all_unreachable: bool,
        paths: Vec<String>,
    }
    let mut groups: HashMap<(String, String, String), Group> = HashMap::new();
    let mut order = Vec::new();
    for (t, m) in matched.iter().enumerate() {
        let intro = introduced[t];
        for f in &m.findings {
            let key = (f.rule_id.clone(), f.secret.clone(), f.path.clone());
            let g = groups.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                Group {
                    finding: f.clone(),
                    intro,
                    targets: Vec::new(),
                    commits: 0,
                    all_unreachable: true,
                    paths: vec![f.path.clone()],
                }
            });
            let better = match (intro, g.intro) {
                (Some(a), Some(b)) => older(a, b),
                (Some(_), None) => true,
                _ => false,
            };
            if better {
                g.finding = f.clone();
                g.intro = intro;
            }
            // A target's findings come together: a target is new to the group when it is
            // not the last one added. Its paths are added once, and made distinct at the end
            // (searching the group's paths for each one was quadratic in a blob's paths).
            if g.targets.last() != Some(&t) {
                g.targets.push(t);
                g.commits += presence[t].commits;
                g.all_unreachable &= presence[t].all_unreachable;
                g.paths.extend(blobs[m.blob].paths.iter().cloned());
            }
        }
    }
    let mut out = Vec::with_capacity(order.len());
    for key in order {
        let Some(g) = groups.remove(&key) else {
            continue;
        };
        let mut f = g.finding;
        let mut info = match g.intro.map(|ci| repo::find_commit(repo, commits[ci].id)) {
            Some(Ok(c)) => git_read::commit_info(&c),
            Some(Err(e)) => {
                ctx.warn(&format!("commit: cannot read: {}", e.message()));
                CommitInfo::default()
            }
            None => CommitInfo::default(),
        };
        // The finding's own path first, the others sorted (the walk's order is no order).
        let mut paths = g.paths;
        let own = paths.swap_remove(0);
        paths.retain(|p| *p != own);
        paths.sort_unstable();
        paths.dedup();
        paths.insert(0, own);
        info.paths = paths;
        info.commits = g.commits;
        info.in_head = Some(head_secrets.contains(&(f.rule_id.as_str(), f.secret.as_str())));
        info.unreachable = g.all_unreachable;
        f.commit = Some(info);
        out.push(f);
    }
    out
}

// Unix only: the history it builds has a symbolic link and an executable bit.
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::path::Path;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// A history with what tree diffs must get right: nested directories changing a little
    /// in each commit (so packing makes tree deltas), a file replaced by a directory and back,
    /// deletions, a symbolic link, a mode change, a submodule entry, a merge, and commits left
    /// loose after the repack.
    fn history() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        git(d, &["init", "-q", "-b", "main"]);
        for (k, v) in [("user.name", "T"), ("user.email", "t@example.test")] {
            git(d, &["config", k, v]);
        }
        let commit = |msg: &str| {
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "--allow-empty", "-m", msg]);
        };
        for c in 0..40 {
            for k in 0..6 {
                let lines: String = (0..30)
                    .map(|i| format!("{k} {i} {}\n", if i == c % 30 { c } else { 0 }))
                    .collect();
                write(d, &format!("src/m{}/deep/f{k}.txt", k % 3), &lines);
            }
            write(d, &format!("docs/page{c}.md"), &format!("page {c}\n"));
            match c {
                5 => write(d, "x", "a file named x\n"),
                10 => {
                    std::fs::remove_file(d.join("x")).unwrap();
                    write(d, "x/inside.txt", "x is a directory now\n");
                }
                15 => {
                    std::fs::remove_dir_all(d.join("x")).unwrap();
                    write(d, "x", "a file again\n");
                }
                20 => std::os::unix::fs::symlink("src", d.join("link")).unwrap(),
                25 => {
                    let f = d.join("docs/page3.md");
                    let mut perm = std::fs::metadata(&f).unwrap().permissions();
                    std::os::unix::fs::PermissionsExt::set_mode(&mut perm, 0o755);
                    std::fs::set_permissions(&f, perm).unwrap();
                }
                30 => std::fs::remove_dir_all(d.join("src/m1")).unwrap(),
                _ => {}
            }
            if c == 22 {
                let head = git(d, &["rev-parse", "HEAD"]);
                git(
                    d,
                    &[
                        "update-index",
                        "--add",
                        "--cacheinfo",
                        &format!("160000,{head},vendor/sub"),
                    ],
                );
                git(d, &["commit", "-q", "-m", "submodule entry"]);
            }
            commit(&format!("c{c}"));
            if c == 32 {
                git(d, &["checkout", "-q", "-b", "side", "HEAD~4"]);
                write(d, "side.txt", "only on the side branch\n");
                commit("side");
                git(d, &["checkout", "-q", "main"]);
                git(d, &["merge", "-q", "--no-ff", "-m", "merge side", "side"]);
            }
            if c == 36 {
                git(d, &["repack", "-adfq", "--depth=20", "--window=50"]);
            }
        }
        tmp
    }

    #[test]
    fn own_reader_walks_and_diffs_like_libgit2() {
        let tmp = history();
        let repo = Repository::open(tmp.path()).unwrap();
        let objects_dir = repo::objects_dir(&repo);
        let (packs, errors) = pack::packs_in(&objects_dir);
        assert!(errors.is_empty() && packs.len() == 1);
        let store = Objects::new(&packs, &objects_dir);
        let mut reader = store.reader();

        let tips: Vec<ObjectId> = ["main", "side"]
            .iter()
            .map(|b| ObjectId::from(repo.revparse_single(b).unwrap().id()))
            .collect();
        let matcher = crate::matcher::Matcher::new(crate::rules::RuleSet { rules: Vec::new() });
        let config = crate::config::Config::default();
        let ctx = ScanContext::new(&matcher, &config);
        let (order, heads) = commits_from(&ctx, &mut reader, &|_| None, &tips, &HashSet::new());
        assert_eq!(ctx.stats.errors.load(Ordering::Relaxed), 0);
        let mut expected = revwalk(&ctx, &repo, &tips, &[]).unwrap();
        assert_eq!(
            expected.len(),
            43,
            "40 commits, the submodule one, side, merge"
        );
        let mut got = order.clone();
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "the same commits as libgit2's revwalk");
        let at: HashMap<ObjectId, usize> = order.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        for c in &order {
            for p in &heads[c].parents {
                assert!(at[p] < at[c], "parents come before their children");
            }
        }

        let mut saw_gone = false;
        let mut saw_submodule = false;
        for id in &order {
            let (node, added, notes) =
                diff_commit(&mut reader, &heads, *id, false).expect("our reader reads it all");
            let (git_node, git_added, git_notes) = diff_commit_git(&repo, *id, false).unwrap();
            assert_eq!(node.parents, git_node.parents, "{id}");
            assert_eq!(node.time, git_node.time, "{id}");
            assert_eq!(added, git_added, "{id}");
            assert_eq!(notes.gone, git_notes.gone, "{id}");
            assert_eq!(notes.submodules, git_notes.submodules, "{id}");
            saw_gone |= !notes.gone.is_empty();
            saw_submodule |= !notes.submodules.is_empty();
            // Without the walk's headers, the reader reads the commits itself.
            let alone = diff_commit(&mut reader, &HashMap::new(), *id, false).unwrap();
            assert_eq!(alone.1, added);
        }
        assert!(saw_gone && saw_submodule);
    }
}
