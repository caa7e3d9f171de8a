//! What a push would publish (the pre-push hook) and what a commit would record (staged
//! changes): only the blobs those introduce, and in them only the secrets that the versions they
//! replace did not already hold, so an old leak already published never blocks new work.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::Ordering;

use git2::{Oid, Repository, Tree};

use crate::context::ScanContext;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::git::tree_diff::{self, DiffNotes, GitTrees};
use crate::git::{repo, ObjectId};
use crate::matcher::BlobOutcome;
use crate::sources::git_read;

/// One line of git's pre-push input: `<local ref> <local sha> <remote ref> <remote sha>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushUpdate {
    pub local_ref: String,
    pub local_sha: ObjectId,
    pub remote_ref: String,
    pub remote_sha: ObjectId,
}

impl PushUpdate {
    /// A branch or tag deletion publishes nothing.
    pub fn is_deletion(&self) -> bool {
        self.local_sha.is_zero()
    }
}

/// Parse git's pre-push standard input. Blank lines are ignored; anything else malformed is an
/// error (a hook must not silently pass a push it could not read).
pub fn parse_pre_push(input: &str) -> Result<Vec<PushUpdate>> {
    let mut out = Vec::new();
    for (n, line) in input.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split_whitespace().collect();
        let bad = || {
            Error::Usage(format!("pre-push input line {}: expected `<local ref> <local sha> <remote ref> <remote sha>`, got `{line}`", n + 1))
        };
        let [local_ref, local_sha, remote_ref, remote_sha] = parts[..] else {
            return Err(bad());
        };
        // libgit2's parser, as before: it also takes an abbreviated id (zero-padded).
        let oid = |s: &str| Oid::from_str(s).map(ObjectId::from).map_err(|_| bad());
        out.push(PushUpdate {
            local_ref: local_ref.to_string(),
            local_sha: oid(local_sha)?,
            remote_ref: remote_ref.to_string(),
            remote_sha: oid(remote_sha)?,
        });
    }
    Ok(out)
}

/// The result of a push or staged scan.
pub struct PushOutput {
    pub findings: Vec<Finding>,
    pub commits: u64,
}

/// Scan what pushing `updates` to `remote` would publish, in the repository at `path`.
pub fn scan_push(
    ctx: &ScanContext<'_>,
    path: &Path,
    remote: &str,
    updates: &[PushUpdate],
) -> Result<PushOutput> {
    let repo = repo::open(path)?;
    repo::refuse_unsafe_packs(&repo)?;
    let commits = commits_to_publish(&repo, remote, updates)?;
    let mut cache = BlobCache::default();
    let mut findings = Vec::new();
    for id in &commits {
        let commit = match repo::find_commit(&repo, *id) {
            Ok(c) => c,
            Err(e) => {
                ctx.warn(&format!(
                    "object {id} (commit): cannot read: {}",
                    e.message()
                ));
                continue;
            }
        };
        let Ok(tree) = commit.tree() else {
            ctx.warn(&format!(
                "object {} (tree of commit {id}): cannot read",
                commit.tree_id()
            ));
            continue;
        };
        let parents: Vec<Tree<'_>> = commit.parents().filter_map(|p| p.tree().ok()).collect();
        let added = added_vs_all(&repo, &tree, &parents);
        if added.is_empty() {
            continue;
        }
        let mut previous: Option<HashSet<(String, String)>> = None;
        for (p, blob) in added {
            let found = cache.scan(ctx, &repo, &p, blob);
            if found.is_empty() {
                continue;
            }
            // What the replaced versions held is not introduced here.
            let prev = previous.get_or_insert_with(|| {
                let mut old = Vec::new();
                let mut notes = DiffNotes::default();
                for pt in &parents {
                    tree_diff::added_blobs(
                        &mut GitTrees(&repo),
                        pt,
                        Some(&tree),
                        &mut notes,
                        &mut |p, b| old.push((String::from_utf8_lossy(p).into_owned(), b)),
                    );
                }
                old.into_iter()
                    .flat_map(|(p, b)| cache.scan(ctx, &repo, &p, b))
                    .map(|f| (f.rule_id, f.secret))
                    .collect()
            });
            for mut f in found {
                if prev.contains(&(f.rule_id.clone(), f.secret.clone())) {
                    continue;
                }
                let mut info = git_read::commit_info(&commit);
                info.paths = vec![p.clone()];
                info.commits = 1;
                f.commit = Some(Box::new(info));
                findings.push(f);
            }
        }
    }
    Ok(PushOutput {
        findings: ctx.keep(dedup(findings)),
        commits: commits.len() as u64,
    })
}

/// Scan the changes staged in the index against HEAD (what `git commit` would record).
pub fn scan_staged(ctx: &ScanContext<'_>, path: &Path) -> Result<PushOutput> {
    let repo = repo::open(path)?;
    repo::refuse_unsafe_packs(&repo)?;
    let index = repo
        .index()
        .map_err(|e| Error::Git(format!("cannot read the index: {}", e.message())))?;
    let head = repo.head().and_then(|h| h.peel_to_tree()).ok();
    let diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), None)
        .map_err(|e| {
            Error::Git(format!(
                "cannot diff the index against HEAD: {}",
                e.message()
            ))
        })?;
    let mut added = Vec::new();
    let mut old = Vec::new();
    for d in diff.deltas() {
        let path_of = |f: &git2::DiffFile<'_>| {
            f.path_bytes()
                .map(|p| String::from_utf8_lossy(p).into_owned())
        };
        let (new, prev) = (d.new_file(), d.old_file());
        let is_blob = |m: git2::FileMode| {
            matches!(
                m,
                git2::FileMode::Blob
                    | git2::FileMode::BlobExecutable
                    | git2::FileMode::BlobGroupWritable
            )
        };
        if !prev.id().is_zero() && is_blob(prev.mode()) {
            if let Some(p) = path_of(&prev) {
                old.push((p, ObjectId::from(prev.id())));
            }
        }
        if !new.id().is_zero() && is_blob(new.mode()) {
            if let Some(p) = path_of(&new) {
                added.push((p, ObjectId::from(new.id())));
            }
        }
    }
    let mut cache = BlobCache::default();
    let mut findings = Vec::new();
    let mut prev: Option<HashSet<(String, String)>> = None;
    for (p, blob) in added {
        let found = cache.scan(ctx, &repo, &p, blob);
        if found.is_empty() {
            continue;
        }
        let prev = prev.get_or_insert_with(|| {
            old.iter()
                .flat_map(|(p, b)| cache.scan(ctx, &repo, p, *b))
                .map(|f| (f.rule_id, f.secret))
                .collect()
        });
        findings.extend(
            found
                .into_iter()
                .filter(|f| !prev.contains(&(f.rule_id.clone(), f.secret.clone()))),
        );
    }
    Ok(PushOutput {
        findings: ctx.keep(dedup(findings)),
        commits: 0,
    })
}

/// The commits a push would publish: reachable from the pushed tips, not from what the remote
/// already has (the old remote tip, and every remote-tracking ref of that remote).
fn commits_to_publish(
    repo: &Repository,
    remote: &str,
    updates: &[PushUpdate],
) -> Result<Vec<ObjectId>> {
    let live: Vec<&PushUpdate> = updates.iter().filter(|u| !u.is_deletion()).collect();
    if live.is_empty() {
        return Ok(Vec::new());
    }
    let mut walk = repo
        .revwalk()
        .map_err(|e| Error::Git(e.message().to_string()))?;
    for u in &live {
        let id = repo::peel_to_commit(repo, u.local_sha)
            .and_then(|c| c.ok_or_else(|| git2::Error::from_str("not a commit")))
            .map_err(|e| Error::Git(format!("pushed object {}: {}", u.local_sha, e.message())))?
            .id();
        walk.push(id)
            .map_err(|e| Error::Git(e.message().to_string()))?;
        if !u.remote_sha.is_zero() {
            // Unknown locally (not fetched): the tracking refs below stand in for it.
            if let Ok(c) = repo::find_commit(repo, u.remote_sha) {
                let _ = walk.hide(c.id());
            }
        }
    }
    if let Ok(refs) = repo.references_glob(&format!("refs/remotes/{remote}/*")) {
        for r in refs.flatten() {
            if let Some(c) = r
                .target()
                .and_then(|id| repo::peel_to_commit(repo, id.into()).ok().flatten())
            {
                let _ = walk.hide(c.id());
            }
        }
    }
    let mut out = Vec::new();
    for r in walk {
        let id = r.map_err(|e| Error::Git(format!("commit walk: {}", e.message())))?;
        out.push(id.into());
    }
    Ok(out)
}

/// (path, blob) of `tree` that differ from that path in every parent: the commit's own change
/// (for a merge, only what no parent had: an "evil merge").
fn added_vs_all(
    repo: &Repository,
    tree: &Tree<'_>,
    parents: &[Tree<'_>],
) -> Vec<(String, ObjectId)> {
    let mut added = Vec::new();
    let mut notes = DiffNotes::default();
    tree_diff::added_blobs(
        &mut GitTrees(repo),
        tree,
        parents.first(),
        &mut notes,
        &mut |p, b| added.push((String::from_utf8_lossy(p).into_owned(), b)),
    );
    added.retain(|(p, b)| {
        parents
            .iter()
            .skip(1)
            .all(|pt| tree_diff::blob_at(pt, p) != Some(*b))
    });
    added
}

/// Each (blob, path) scanned once per run.
#[derive(Default)]
struct BlobCache {
    done: HashMap<(ObjectId, String), Vec<Finding>>,
}

impl BlobCache {
    fn scan(
        &mut self,
        ctx: &ScanContext<'_>,
        repo: &Repository,
        path: &str,
        id: ObjectId,
    ) -> Vec<Finding> {
        let key = (id, path.to_string());
        if let Some(f) = self.done.get(&key) {
            return f.clone();
        }
        let found = scan_one(ctx, repo, path, id);
        self.done.insert(key, found.clone());
        found
    }
}

fn scan_one(ctx: &ScanContext<'_>, repo: &Repository, path: &str, id: ObjectId) -> Vec<Finding> {
    if ctx.config.path_allowed(path) {
        ctx.stats
            .skipped_allowlisted
            .fetch_add(1, Ordering::Relaxed);
        return Vec::new();
    }
    let Ok(odb) = repo.odb() else {
        return Vec::new();
    };
    let objects_dir = repo::objects_dir(repo);
    let Some(obj) = git_read::read_blob(ctx, &odb, &objects_dir, id, path) else {
        return Vec::new();
    };
    let bytes = obj.data();
    match crate::sources::archive::scan_bytes(ctx, path, bytes) {
        BlobOutcome::Binary => {
            ctx.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
            Vec::new()
        }
        BlobOutcome::Scanned(f) => f,
    }
}

/// One finding per (rule, secret, path), attributed to the oldest commit that introduced it,
/// counting the commits that did.
fn dedup(findings: Vec<Finding>) -> Vec<Finding> {
    let date = |f: &Finding| {
        f.commit
            .as_ref()
            .map(|c| c.date.clone())
            .unwrap_or_default()
    };
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    let mut out: Vec<Finding> = Vec::new();
    for f in findings {
        let key = (f.rule_id.clone(), f.secret.clone(), f.path.clone());
        let Some(&i) = seen.get(&key) else {
            seen.insert(key, out.len());
            out.push(f);
            continue;
        };
        let n = out[i].commit.as_ref().map_or(1, |c| c.commits) + 1;
        if date(&f) < date(&out[i]) {
            out[i] = f;
        }
        if let Some(c) = &mut out[i].commit {
            c.commits = n;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pre_push_lines_parse() {
        let z = "0".repeat(40);
        let a = "a".repeat(40);
        let input =
            format!("refs/heads/x {a} refs/heads/x {z}\n\nrefs/heads/y {z} refs/heads/y {a}\n");
        let u = parse_pre_push(&input).unwrap();
        assert_eq!(u.len(), 2);
        assert!(!u[0].is_deletion());
        assert!(u[0].remote_sha.is_zero());
        assert!(u[1].is_deletion());
        assert!(parse_pre_push("refs/heads/x abc").is_err());
    }
}
