//! The walk: the commits to scan, and per commit the blobs its tree adds against its first
//! parent's and the paths it removes, with every distinct blob's paths.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;

use git2::{ObjectType, Oid, Repository, Sort};
use rayon::prelude::*;

use super::{git_err, BlobPaths, HistoryOptions, Progress};
use crate::context::ScanContext;
use crate::error::{Error, Result};
use crate::git::objects::{CommitHead, Objects, Reader};
use crate::git::repo::{self, Pool};
use crate::git::tree_diff::{self, DiffNotes, GitTrees, Trees};
use crate::git::ObjectId;

/// One commit as the walk saw it.
pub(super) struct CommitNode {
    pub id: ObjectId,
    pub parents: Vec<ObjectId>,
    pub time: i64,
    /// Reached from no ref (`--all-objects` only).
    pub unreachable: bool,
}

/// What the walk found, for the blob scan and attribution.
pub(super) struct Walked {
    /// In walk order; `changes[i]` is what `commits[i]` changed.
    pub commits: Vec<CommitNode>,
    pub changes: Vec<Changes>,
    pub paths: Interner,
    /// Every distinct blob with its paths, versions of one file next to each other.
    pub blobs: Vec<BlobPaths>,
}

/// Commits diffed at once (in parallel) before their diffs are folded into the walk's tables.
/// Diffing every commit first and folding afterwards held all the diffs at once: on the git/git
/// mirror (203,352 commits from every ref, 781,386 added (path, blob) entries) RSS grew by
/// 317 MiB while they were collected (153 MiB of heap by massif: each entry a path allocation
/// and 48 bytes, plus rayon's result lists), to a 610 MiB peak. A chunk holds 2% of that and
/// still gives each of the threads a thousand or more commits between joins: the walk now
/// peaks at 315 MiB of RSS, below the blob phase, at the same CPU time (README, "Memory").
const DIFF_CHUNK: usize = 4096;

/// Walk the commits `opts` selects (and with `--all-objects` every commit and blob of the
/// object database), diffing each against its first parent.
pub(super) fn walk(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    pool: &Pool,
    store: &Objects<'_>,
    opts: &HistoryOptions,
    progress: &Progress,
) -> Result<Walked> {
    walk_in_chunks(ctx, repo, pool, store, opts, progress, DIFF_CHUNK)
}

/// [`walk`], diffing `chunk` commits at a time (the result does not depend on it).
fn walk_in_chunks(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    pool: &Pool,
    store: &Objects<'_>,
    opts: &HistoryOptions,
    progress: &Progress,
    chunk: usize,
) -> Result<Walked> {
    // Commits are listed through a libgit2 handle of its own, closed before the diffs: libgit2
    // maps the pack windows it reads, and peeling git/git's 4,294 refs left 63 MiB of its pack
    // and index resident through the whole walk (commits and trees come from our reader).
    let listing = Repository::open(repo.path()).map_err(git_err)?;
    let repo = &listing;
    let (push, hide) = tips(ctx, repo, opts)?;
    let shallow = shallow_commits(repo);
    // A full audit walks with our reader; ranges and `--since-commit` with libgit2, whose
    // revwalk stops at the hidden commits instead of reading all their ancestors.
    let (ids, heads) = if hide.is_empty() {
        let by_git = |id: &ObjectId| commit_head_git(repo, id);
        commits_from(ctx, &mut store.reader(), &by_git, &push, &shallow)
    } else {
        (revwalk(ctx, repo, &push, &hide)?, HashMap::new())
    };
    let mut extra = Vec::new();
    let mut orphans = Vec::new();
    if opts.all_objects {
        let seen: HashSet<ObjectId> = ids.iter().copied().collect();
        let (commits, blobs) = all_objects(ctx, repo)?;
        extra = commits.into_iter().filter(|c| !seen.contains(c)).collect();
        orphans = blobs;
    }
    drop(listing);

    let mut tables = Tables::with_capacity(ids.len() + extra.len());
    for (list, unreachable) in [(&ids, false), (&extra, true)] {
        for part in list.chunks(chunk.max(1)) {
            let diffs: Vec<_> = part
                .par_iter()
                .filter(|id| ctx.wants_object(id.as_bytes()))
                .map_init(
                    || (store.reader(), None),
                    |(reader, lease), id| {
                        // Our own reader first; libgit2 for whatever it cannot read, and for
                        // the commits at a shallow boundary (libgit2 knows their grafted
                        // parents).
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
                        if out.is_err() {
                            ctx.unfinished(id.as_bytes());
                        }
                        out
                    },
                )
                .collect();
            for d in diffs {
                match d {
                    Ok(diff) => tables.add(ctx, diff),
                    Err(e) => ctx.warn(&e),
                }
            }
        }
    }
    drop(heads);
    Ok(tables.finish(ctx, orphans))
}

/// The walk's tables, filled one diffed commit at a time, in walk order.
struct Tables {
    commits: Vec<CommitNode>,
    changes: Vec<Changes>,
    paths: Interner,
    /// Distinct blobs by number, in first-seen order.
    blob_ids: Vec<ObjectId>,
    blob_no: HashMap<ObjectId, u32>,
    /// Every distinct (blob number, path) pair in the order first seen: one flat list, not a
    /// list per blob (most blobs have one path, and a small list costs 56 bytes for 4).
    pairs: Vec<(u32, PathId)>,
    /// (blob number, path) pairs already recorded, as `number << 32 | path`: a set, not a
    /// search of the blob's paths (one blob at 80,000 paths took 72 s that way), and 8 bytes
    /// a pair, not the 24 of (id, path).
    recorded: HashSet<u64>,
    submodules: Vec<String>,
}

impl Tables {
    fn with_capacity(commits: usize) -> Self {
        Tables {
            commits: Vec::with_capacity(commits),
            changes: Vec::with_capacity(commits),
            paths: Interner::default(),
            blob_ids: Vec::new(),
            blob_no: HashMap::new(),
            pairs: Vec::new(),
            recorded: HashSet::new(),
            submodules: Vec::new(),
        }
    }

    /// Record one commit's diff.
    fn add(&mut self, ctx: &ScanContext<'_>, (node, added, notes): Diff) {
        let mut ch = Changes {
            added: Vec::with_capacity(added.len()),
            gone: Vec::new(),
        };
        for (p, b) in added {
            let pid = self.paths.id(&p);
            ch.added.push((pid, b));
            let next = self.blob_ids.len() as u32;
            let no = *self.blob_no.entry(b).or_insert(next);
            if no == next {
                self.blob_ids.push(b);
            }
            if self.recorded.insert(u64::from(no) << 32 | u64::from(pid.0)) {
                self.pairs.push((no, pid));
            }
        }
        ch.gone = notes.gone.iter().map(|g| self.paths.id(g)).collect();
        self.submodules.extend(notes.submodules);
        if !notes.broken.is_empty() {
            ctx.unfinished(node.id.as_bytes());
        }
        for (id, p) in notes.broken {
            ctx.warn(&format!(
                "object {id} (tree `{p}` in commit {}): cannot read, skipped",
                node.id
            ));
        }
        self.commits.push(node);
        self.changes.push(ch);
    }

    /// The walk's result, with the blobs of `orphans` no tree has (`--all-objects`).
    fn finish(mut self, ctx: &ScanContext<'_>, orphans: Vec<ObjectId>) -> Walked {
        if !self.submodules.is_empty() {
            self.submodules.sort();
            self.submodules.dedup();
            (ctx.on_warning)(&format!(
                "submodules are not followed (scan their repositories separately): {}",
                self.submodules.join(", ")
            ));
        }
        drop(self.recorded);
        // Each blob's paths in the order the walk first saw them there.
        let mut count = vec![0usize; self.blob_ids.len()];
        for &(no, _) in &self.pairs {
            count[no as usize] += 1;
        }
        let mut blobs: Vec<BlobPaths> = self
            .blob_ids
            .iter()
            .zip(count)
            .map(|(&id, n)| BlobPaths {
                id,
                paths: Vec::with_capacity(n),
            })
            .collect();
        for &(no, pid) in &self.pairs {
            blobs[no as usize]
                .paths
                .push(self.paths.name(pid).to_string());
        }
        drop(self.pairs);
        // Blobs in no tree at all (`--all-objects`): named by id, attributed to no commit.
        for id in orphans
            .into_iter()
            .filter(|id| !self.blob_no.contains_key(id))
        {
            blobs.push(BlobPaths {
                id,
                paths: vec![format!("(unreachable blob {id})")],
            });
        }
        blobs.retain(|b| ctx.wants_object(b.id.as_bytes()));
        // Versions of one file next to each other: for blobs read through libgit2 (not from a
        // pack we read ourselves), their deltas then share bases in libgit2's cache.
        blobs.sort_unstable_by(|a, b| a.paths[0].cmp(&b.paths[0]));
        Walked {
            commits: self.commits,
            changes: self.changes,
            paths: self.paths,
            blobs,
        }
    }
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
    // Tips an earlier complete scan had: what they reach was scanned then. A tip that is gone
    // (force-pushed away and collected) hides nothing.
    hide.extend(
        opts.scanned_tips
            .iter()
            .filter_map(|t| resolve(repo, t).ok()),
    );
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
/// A commit's node, the blobs its tree adds and what else its diff saw.
type Diff = (CommitNode, Added, DiffNotes);

/// A commit's node and the blobs its tree has that its first parent's does not, read with our
/// own object reader (commit headers from `heads` where the walk kept them); None if any
/// object on the way cannot be read that way.
fn diff_commit(
    reader: &mut Reader<'_, '_>,
    heads: &HashMap<ObjectId, CommitHead>,
    id: ObjectId,
    unreachable: bool,
) -> Option<Diff> {
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
) -> std::result::Result<Diff, String> {
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

/// A path of the walk, as a small number.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) struct PathId(u32);

/// Paths as small numbers: the walk records every change by path id.
#[derive(Default)]
pub(super) struct Interner {
    ids: HashMap<Vec<u8>, PathId>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, path: &[u8]) -> PathId {
        if let Some(&id) = self.ids.get(path) {
            return id;
        }
        let id = PathId(self.names.len() as u32);
        self.names.push(String::from_utf8_lossy(path).into_owned());
        self.ids.insert(path.to_vec(), id);
        id
    }

    pub fn name(&self, id: PathId) -> &str {
        &self.names[id.0 as usize]
    }

    pub fn get(&self, path: &str) -> Option<PathId> {
        self.ids.get(path.as_bytes()).copied()
    }
}

/// What a commit changed against its first parent: blobs added at paths, paths gone.
#[derive(Default)]
pub(super) struct Changes {
    pub added: Vec<(PathId, ObjectId)>,
    pub gone: Vec<PathId>,
}

// Unix only: the history it builds has a symbolic link and an executable bit.
#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use crate::git::pack;
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

    /// An empty repository with an author set, in a temp dir.
    fn new_repo() -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        let d = tmp.path();
        git(d, &["init", "-q", "-b", "main"]);
        for (k, v) in [("user.name", "T"), ("user.email", "t@example.test")] {
            git(d, &["config", k, v]);
        }
        tmp
    }

    /// A history with what tree diffs must get right: nested directories changing a little
    /// in each commit (so packing makes tree deltas), a file replaced by a directory and back,
    /// deletions, a symbolic link, a mode change, a submodule entry, a merge, and commits left
    /// loose after the repack.
    fn history() -> tempfile::TempDir {
        let tmp = new_repo();
        let d = tmp.path();
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

    /// A history with what the walk's tables must get right across chunk boundaries: one blob
    /// at many paths, renames (the same blob at a new path), a revert (a blob back at a path
    /// it had), merges of branches that touch the same files, a file that becomes a directory,
    /// a deletion, and a commit no ref reaches (for `--all-objects`).
    fn crafted() -> tempfile::TempDir {
        let tmp = new_repo();
        let d = tmp.path();
        let commit = |msg: &str| {
            git(d, &["add", "-A"]);
            git(d, &["commit", "-q", "--allow-empty", "-m", msg]);
        };
        for k in 0..60 {
            write(d, &format!("copies/{}/same.txt", k % 7), "one blob\n");
            write(d, &format!("copies/k{k}.txt"), "one blob\n");
        }
        write(d, "a.txt", "first a\n");
        commit("many copies");
        for round in 0..6 {
            git(d, &["mv", "a.txt", &format!("moved{round}.txt")]);
            commit(&format!("rename {round}"));
            git(d, &["mv", &format!("moved{round}.txt"), "a.txt"]);
            write(d, "a.txt", &format!("a in round {round}\n"));
            commit(&format!("edit {round}"));
            git(d, &["checkout", "-q", "-b", &format!("side{round}")]);
            write(d, "a.txt", "first a\n"); // the first blob back at its path
            write(d, &format!("side/{round}.txt"), "one blob\n");
            commit(&format!("side {round}"));
            git(d, &["checkout", "-q", "main"]);
            write(d, &format!("main{round}.txt"), &format!("main {round}\n"));
            std::fs::remove_file(d.join(format!("copies/k{round}.txt"))).unwrap();
            commit(&format!("main {round}"));
            let merge = ["merge", "-q", "--no-ff", "-X", "theirs", "-m", "merge"];
            git(d, &[&merge[..], &[&format!("side{round}")]].concat());
        }
        std::fs::remove_dir_all(d.join("copies/3")).unwrap();
        write(d, "copies/3", "a file where a directory was\n");
        commit("directory to file");
        git(d, &["checkout", "-q", "-b", "gone"]);
        write(d, "dangling.txt", "only in a commit no ref reaches\n");
        commit("dangling");
        git(d, &["checkout", "-q", "main"]);
        git(d, &["branch", "-q", "-D", "gone"]);
        git(d, &["repack", "-adq"]);
        tmp
    }

    /// What a walk gave, in comparable form.
    #[allow(clippy::type_complexity)]
    fn summary(
        w: &Walked,
    ) -> (
        Vec<(
            ObjectId,
            Vec<ObjectId>,
            bool,
            Vec<(String, ObjectId)>,
            Vec<String>,
        )>,
        Vec<(ObjectId, Vec<String>)>,
    ) {
        let commits = w
            .commits
            .iter()
            .zip(&w.changes)
            .map(|(c, ch)| {
                let added = ch
                    .added
                    .iter()
                    .map(|(p, b)| (w.paths.name(*p).to_string(), *b))
                    .collect();
                let gone = ch
                    .gone
                    .iter()
                    .map(|p| w.paths.name(*p).to_string())
                    .collect();
                (c.id, c.parents.clone(), c.unreachable, added, gone)
            })
            .collect();
        let blobs = w.blobs.iter().map(|b| (b.id, b.paths.clone())).collect();
        (commits, blobs)
    }

    #[test]
    fn chunked_walk_gives_what_one_chunk_gives() {
        for (tmp, all_objects, copies) in [
            (crafted(), false, 60),
            (crafted(), true, 60),
            (history(), false, 1),
        ] {
            let repo = Repository::open(tmp.path()).unwrap();
            let pool = Pool::new(&repo);
            let objects_dir = repo::objects_dir(&repo);
            let (packs, _) = pack::packs_in(&objects_dir);
            let store = Objects::new(&packs, &objects_dir);
            let matcher = crate::matcher::Matcher::new(crate::rules::RuleSet { rules: Vec::new() });
            let config = crate::config::Config::default();
            let ctx = ScanContext::new(&matcher, &config);
            let opts = HistoryOptions {
                all_objects,
                ..HistoryOptions::default()
            };
            let run = |chunk| {
                let w = walk_in_chunks(
                    &ctx,
                    &repo,
                    &pool,
                    &store,
                    &opts,
                    &Progress::default(),
                    chunk,
                )
                .unwrap();
                summary(&w)
            };
            let whole = run(usize::MAX);
            let (commits, blobs) = &whole;
            assert!(commits.len() > 20, "{} commits", commits.len());
            assert!(
                commits.iter().any(|c| c.2) == all_objects,
                "an unreachable commit with --all-objects only"
            );
            let most = blobs.iter().map(|b| b.1.len()).max().unwrap();
            assert!(most >= copies, "one blob at many paths: {most}");
            for chunk in [1, 2, 7] {
                assert_eq!(run(chunk), whole, "chunks of {chunk}");
            }
        }
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
