//! Attribution: per (rule, secret, path), the oldest commit that introduced a matching blob
//! there, every path those blobs had, in how many commits they appear, and whether the secret
//! is at HEAD. Reads no trees for walked commits: which blob each commit has at a path follows
//! from the recorded changes, propagated from parents to children.

use std::collections::{HashMap, HashSet};

use git2::Repository;

use super::blobs::Matched;
use super::walk::{Changes, CommitNode, Interner, PathId};
use super::BlobPaths;
use crate::context::ScanContext;
use crate::finding::{CommitInfo, Finding};
use crate::git::{repo, tree_diff, ObjectId};
use crate::sources::git_read;

/// A commit, as its place in [`History`]'s parents-first order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct CommitNo(usize);

/// A matched blob at a path (a [`Matched`]), as its index in the scan's list of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Target(usize);

/// The walked commits, parents before children, with their changes.
pub(super) struct History {
    commits: Vec<CommitNode>,
    changes: Vec<Changes>,
    paths: Interner,
}

impl History {
    /// Lay the walk out with every walked parent before its children (depth-first,
    /// iterative), so attribution propagates in one sequential pass.
    pub fn parents_first(commits: Vec<CommitNode>, changes: Vec<Changes>, paths: Interner) -> Self {
        let order = parents_first(&commits);
        let mut slots: Vec<Option<(CommitNode, Changes)>> =
            commits.into_iter().zip(changes).map(Some).collect();
        let (commits, changes) = order.iter().filter_map(|&i| slots[i].take()).unzip();
        History {
            commits,
            changes,
            paths,
        }
    }

    pub fn len(&self) -> usize {
        self.commits.len()
    }

    fn commit(&self, c: CommitNo) -> &CommitNode {
        &self.commits[c.0]
    }

    /// At equal times the earlier in the layout (parents first) is the older.
    fn older(&self, a: CommitNo, b: CommitNo) -> bool {
        (self.commit(a).time, a) < (self.commit(b).time, b)
    }
}

/// Indices of `commits` with every walked parent before its children.
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
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    let n = commits.len();
    let mut mark = vec![Mark::New; n];
    let mut order = Vec::with_capacity(n);
    // (commit, parents visited so far)
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for start in 0..n {
        if mark[start] != Mark::New {
            continue;
        }
        mark[start] = Mark::Open;
        stack.push((start, 0));
        while let Some(top) = stack.last_mut() {
            let (v, i) = *top;
            if let Some(&p) = parent_idx[v].get(i) {
                top.1 += 1;
                if mark[p] == Mark::New {
                    mark[p] = Mark::Open;
                    stack.push((p, 0));
                }
            } else {
                mark[v] = Mark::Done;
                order.push(v);
                stack.pop();
            }
        }
    }
    order
}

/// A commit's first parent, as attribution follows it.
#[derive(Clone, Copy)]
enum FirstParent {
    Walked(CommitNo),
    /// Not walked (a narrowed scan, a shallow boundary): its tree is read when needed.
    Outside(ObjectId),
    Root,
}

/// The parent links of the walked commits, by commit.
struct Graph {
    by_id: HashMap<ObjectId, CommitNo>,
    /// Per commit, each parent as walked or not.
    parents: Vec<Vec<Option<CommitNo>>>,
    /// Flat, so the per-path pass reads memory in order.
    first_parent: Vec<FirstParent>,
}

impl Graph {
    fn new(history: &History) -> Self {
        let by_id: HashMap<ObjectId, CommitNo> = history
            .commits
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id, CommitNo(i)))
            .collect();
        let parents: Vec<Vec<Option<CommitNo>>> = history
            .commits
            .iter()
            .map(|c| c.parents.iter().map(|p| by_id.get(p).copied()).collect())
            .collect();
        let first_parent = history
            .commits
            .iter()
            .zip(&parents)
            .map(|(c, pi)| match (c.parents.first(), pi.first()) {
                (Some(_), Some(Some(fp))) => FirstParent::Walked(*fp),
                (Some(p), _) => FirstParent::Outside(*p),
                (None, _) => FirstParent::Root,
            })
            .collect();
        Graph {
            by_id,
            parents,
            first_parent,
        }
    }
}

/// Which blob a commit has at the path being traced: none, one no target there has, or the
/// `i`th target of the path. Small and `Copy`: no hashing or id compares in the hot loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BlobHere {
    Absent,
    Other,
    Target(u32),
}

/// Blobs at paths in commits outside the walk (narrowed scans, shallow boundaries, HEAD):
/// their trees are read through libgit2, each (commit, path) once.
struct Outside<'r> {
    repo: &'r Repository,
    seen: HashMap<(ObjectId, String), Option<ObjectId>>,
}

impl Outside<'_> {
    fn blob_at(&mut self, commit: ObjectId, path: &str) -> Option<ObjectId> {
        let repo = self.repo;
        *self
            .seen
            .entry((commit, path.to_string()))
            .or_insert_with(|| {
                repo::find_commit(repo, commit)
                    .ok()
                    .and_then(|c| c.tree().ok())
                    .and_then(|t| tree_diff::blob_at(&t, path))
            })
    }
}

/// Where one matched blob (at one path) is in history. Counts, not lists: a blob can sit in
/// tens of thousands of commits (16 MB of lists, twice, on a 30,000-commit history).
#[derive(Clone)]
struct Presence {
    commits: u32,
    oldest: Option<CommitNo>,
    all_unreachable: bool,
    /// The oldest commit that has it where no parent had it.
    introduced: Option<CommitNo>,
    at_head: bool,
}

impl Default for Presence {
    fn default() -> Self {
        Presence {
            commits: 0,
            oldest: None,
            all_unreachable: true,
            introduced: None,
            at_head: false,
        }
    }
}

/// See the module's documentation.
pub(super) fn attribute(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    history: &History,
    blobs: &[BlobPaths],
    matched: Vec<Matched>,
) -> Vec<Finding> {
    if matched.is_empty() {
        return Vec::new();
    }
    let graph = Graph::new(history);
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.target())
        .and_then(|id| repo::peel_to_commit(repo, id.into()).ok().flatten())
        .map(|c| ObjectId::from(c.id()));
    let mut outside = Outside {
        repo,
        seen: HashMap::new(),
    };
    let mut presence: Vec<Presence> = vec![Presence::default(); matched.len()];
    let mut by_path: HashMap<&str, Vec<Target>> = HashMap::new();
    for (t, m) in matched.iter().enumerate() {
        by_path.entry(m.path.as_str()).or_default().push(Target(t));
    }
    let touching = touching(history, &by_path);
    let mut blob_at: Vec<BlobHere> = vec![BlobHere::Absent; history.len()];
    for (path, targets) in by_path {
        let Some(pid) = history.paths.get(path) else {
            continue; // an unreachable blob named by id: in no commit
        };
        let wanted: Vec<ObjectId> = targets
            .iter()
            .map(|&t| blobs[matched[t.0].blob].id)
            .collect();
        let trace = PathTrace {
            history,
            graph: &graph,
            path,
            wanted: &wanted,
            targets: &targets,
        };
        let touches = touching.get(&pid).map_or(&[][..], |v| &v[..]);
        trace.propagate(touches, &mut blob_at, &mut outside);
        trace.count(&blob_at, head, &mut outside, &mut presence);
    }
    group(ctx, repo, history, blobs, &matched, &presence)
}

/// Per target path, the commits that change it, in commit order: (commit, new blob or gone).
fn touching(
    history: &History,
    by_path: &HashMap<&str, Vec<Target>>,
) -> HashMap<PathId, Vec<(CommitNo, Option<ObjectId>)>> {
    let target_pids: HashMap<PathId, &str> = by_path
        .keys()
        .filter_map(|p| history.paths.get(p).map(|id| (id, *p)))
        .collect();
    let mut touching: HashMap<PathId, Vec<(CommitNo, Option<ObjectId>)>> = HashMap::new();
    for (c, ch) in history.changes.iter().enumerate() {
        let c = CommitNo(c);
        for g in &ch.gone {
            let g = history.paths.name(*g);
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
    touching
}

/// The targets of one path, traced through the commits.
struct PathTrace<'a> {
    history: &'a History,
    graph: &'a Graph,
    path: &'a str,
    /// The blob of each target.
    wanted: &'a [ObjectId],
    targets: &'a [Target],
}

impl PathTrace<'_> {
    fn here(&self, blob: Option<ObjectId>) -> BlobHere {
        match blob {
            None => BlobHere::Absent,
            Some(b) => self
                .wanted
                .iter()
                .position(|w| *w == b)
                .map_or(BlobHere::Other, |i| BlobHere::Target(i as u32)),
        }
    }

    /// Each commit's blob at the path: what it changed there, else its first parent's.
    fn propagate(
        &self,
        touches: &[(CommitNo, Option<ObjectId>)],
        blob_at: &mut [BlobHere],
        outside: &mut Outside<'_>,
    ) {
        let mut k = 0;
        for c in 0..blob_at.len() {
            let mut changed = None;
            while k < touches.len() && touches[k].0 == CommitNo(c) {
                changed = Some(touches[k].1); // an addition (listed last) wins over a deletion
                k += 1;
            }
            blob_at[c] = match changed {
                Some(b) => self.here(b),
                None => match self.graph.first_parent[c] {
                    FirstParent::Walked(fp) => blob_at[fp.0],
                    FirstParent::Outside(p) => self.here(outside.blob_at(p, self.path)),
                    FirstParent::Root => BlobHere::Absent,
                },
            };
        }
    }

    /// Count each target's commits, and find its oldest and its introducing commit, in one
    /// pass over the commits whatever the target count.
    fn count(
        &self,
        blob_at: &[BlobHere],
        head: Option<ObjectId>,
        outside: &mut Outside<'_>,
        presence: &mut [Presence],
    ) {
        let history = self.history;
        let head_here = head.map(|h| match self.graph.by_id.get(&h) {
            Some(&hi) => blob_at[hi.0],
            None => self.here(outside.blob_at(h, self.path)),
        });
        for (i, &t) in self.targets.iter().enumerate() {
            presence[t.0].at_head = head_here == Some(BlobHere::Target(i as u32));
        }
        for (c, &here) in blob_at.iter().enumerate() {
            let BlobHere::Target(i) = here else {
                continue;
            };
            let t = self.targets[i as usize];
            let c = CommitNo(c);
            let p = &mut presence[t.0];
            p.commits += 1;
            p.all_unreachable &= history.commit(c).unreachable;
            if p.oldest.is_none_or(|cur| history.older(c, cur)) {
                p.oldest = Some(c);
            }
            if let FirstParent::Walked(fp) = self.graph.first_parent[c.0] {
                if blob_at[fp.0] == here {
                    continue; // the usual case: inherited from the first parent
                }
            }
            let in_parent = history
                .commit(c)
                .parents
                .iter()
                .zip(&self.graph.parents[c.0])
                .any(|(p, pi)| match pi {
                    Some(pi) => blob_at[pi.0] == here,
                    None => self.here(outside.blob_at(*p, self.path)) == here,
                });
            let p = &mut presence[t.0];
            if !in_parent && p.introduced.is_none_or(|cur| history.older(c, cur)) {
                p.introduced = Some(c);
            }
        }
        // A narrowed scan can hold a blob whose introducing commit was left out.
        for &t in self.targets {
            let p = &mut presence[t.0];
            if p.introduced.is_none() {
                p.introduced = p.oldest;
            }
        }
    }
}

/// One finding per (rule, secret, path), from the targets that hold it. The targets of one
/// group share a path and differ in blob, and a commit has one blob at a path: their commit
/// sets are disjoint, so counts add up (each target counted once, however many lines of it
/// hold the secret).
fn group(
    ctx: &ScanContext<'_>,
    repo: &Repository,
    history: &History,
    blobs: &[BlobPaths],
    matched: &[Matched],
    presence: &[Presence],
) -> Vec<Finding> {
    let head_secrets: HashSet<(&str, &str)> = matched
        .iter()
        .zip(presence)
        .filter(|(_, p)| p.at_head)
        .flat_map(|(m, _)| {
            m.findings
                .iter()
                .map(|f| (f.rule_id.as_str(), f.secret.as_str()))
        })
        .collect();
    struct Group {
        finding: Finding,
        intro: Option<CommitNo>,
        targets: Vec<Target>,
        commits: u32,
        all_unreachable: bool,
        paths: Vec<String>,
    }
    let mut groups: HashMap<(String, String, String), Group> = HashMap::new();
    let mut order = Vec::new();
    for (t, m) in matched.iter().enumerate() {
        let t = Target(t);
        let intro = presence[t.0].introduced;
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
                (Some(a), Some(b)) => history.older(a, b),
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
                g.commits += presence[t.0].commits;
                g.all_unreachable &= presence[t.0].all_unreachable;
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
        let mut info = match g
            .intro
            .map(|c| repo::find_commit(repo, history.commit(c).id))
        {
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
        f.commit = Some(Box::new(info));
        out.push(f);
    }
    out
}
