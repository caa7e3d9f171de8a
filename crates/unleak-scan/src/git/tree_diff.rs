//! Tree diffs: the blobs a tree has that a base tree does not, merge-joining both in git's
//! order and skipping subtrees with the same id on both sides without reading them; trees come
//! from libgit2 ([`GitTrees`]) or from the object reader (objects.rs).

use std::path::Path;

use git2::{ObjectType, Repository, Tree};

use crate::git::{repo, ObjectId};

/// Mode of a symbolic link in a tree: its blob is a link target, not file content.
const MODE_SYMLINK: i32 = 0o120000;

/// What a tree diff saw besides blobs.
#[derive(Default)]
pub struct DiffNotes {
    /// Paths of submodule entries (commits inside trees): not followed.
    pub submodules: Vec<String>,
    /// Trees that could not be read: `(object id, path)`.
    pub broken: Vec<(ObjectId, String)>,
    /// With `record_gone`: paths (files or whole directories) of the base that the tree no
    /// longer has as a regular blob or tree of the same kind.
    pub record_gone: bool,
    pub gone: Vec<Vec<u8>>,
}

/// One entry of a tree, however the tree was read.
pub struct TreeEntry<'t> {
    pub name: std::borrow::Cow<'t, [u8]>,
    pub id: ObjectId,
    /// The mode as stored (`0o100644`, `0o40000`, ...).
    pub mode: i32,
}

/// Entry kinds by mode, as git and libgit2 read them.
const MODE_TYPE: i32 = 0o170000;
const MODE_TREE: i32 = 0o040000;
const MODE_GITLINK: i32 = 0o160000;

/// Where tree diffs read trees from: libgit2 ([`GitTrees`]) or our own pack reader.
pub trait Trees {
    type Tree;
    /// The tree `id`, or None if it cannot be read.
    fn tree(&mut self, id: ObjectId) -> Option<Self::Tree>;
    /// The entries of `tree` in stored order into `out`, or None if it is malformed.
    fn entries<'t>(&self, tree: &'t Self::Tree, out: &mut Vec<TreeEntry<'t>>) -> Option<()>;
}

/// Trees read through libgit2.
pub struct GitTrees<'r>(pub &'r Repository);

impl<'r> Trees for GitTrees<'r> {
    type Tree = Tree<'r>;

    fn tree(&mut self, id: ObjectId) -> Option<Tree<'r>> {
        repo::find_tree(self.0, id).ok()
    }

    fn entries<'t>(&self, tree: &'t Tree<'r>, out: &mut Vec<TreeEntry<'t>>) -> Option<()> {
        out.clear();
        // libgit2 lends an entry's name only for the entry's own lifetime: copied.
        out.extend(tree.iter().map(|e| TreeEntry {
            name: std::borrow::Cow::Owned(e.name_bytes().to_vec()),
            id: e.id().into(),
            mode: e.filemode(),
        }));
        Some(())
    }
}

/// Every blob of `tree` whose (path, id) is not in `base`, with its path. Subtrees with the
/// same id on both sides are skipped without being read; symbolic links are skipped. False
/// if `tree` itself is malformed (libgit2 never hands out such a tree; our reader can).
pub fn added_blobs<T: Trees>(
    trees: &mut T,
    tree: &T::Tree,
    base: Option<&T::Tree>,
    notes: &mut DiffNotes,
    out: &mut dyn FnMut(&[u8], ObjectId),
) -> bool {
    added_rec(trees, tree, base, &mut Vec::new(), notes, out)
}

/// False if `tree` itself is malformed (nothing reported for it).
fn added_rec<T: Trees>(
    trees: &mut T,
    tree: &T::Tree,
    base: Option<&T::Tree>,
    prefix: &mut Vec<u8>,
    notes: &mut DiffNotes,
    out: &mut dyn FnMut(&[u8], ObjectId),
) -> bool {
    let mut new = Vec::new();
    if trees.entries(tree, &mut new).is_none() {
        return false;
    }
    // A malformed base is compared as an empty tree: everything in `tree` counts as added.
    let mut old_entries = Vec::new();
    if let Some(b) = base {
        if trees.entries(b, &mut old_entries).is_none() {
            old_entries.clear();
        }
    }
    // Both trees are sorted in git's order: a merge join finds each entry's old self without
    // a lookup per entry.
    let mut j = 0;
    let gone = |notes: &mut DiffNotes, prefix: &[u8], name: &[u8]| {
        if notes.record_gone {
            let mut p = prefix.to_vec();
            if !p.is_empty() {
                p.push(b'/');
            }
            p.extend_from_slice(name);
            notes.gone.push(p);
        }
    };
    for entry in &new {
        let name: &[u8] = &entry.name;
        let is_tree = entry.mode & MODE_TYPE == MODE_TREE;
        let mut old = None;
        while let Some(o) = old_entries.get(j) {
            let ord = git_order(&o.name, o.mode & MODE_TYPE == MODE_TREE, name, is_tree);
            if ord == std::cmp::Ordering::Less {
                gone(notes, prefix, &o.name);
                j += 1;
                continue;
            }
            if ord == std::cmp::Ordering::Equal {
                old = Some(o);
                j += 1;
            }
            break;
        }
        if old.is_some_and(|o| o.id == entry.id) {
            continue;
        }
        let len = prefix.len();
        if !prefix.is_empty() {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(name);
        match entry.mode & MODE_TYPE {
            MODE_TREE => {
                let sub = trees.tree(entry.id);
                let ok = sub.as_ref().is_some_and(|sub| {
                    let old_sub = old.and_then(|o| trees.tree(o.id));
                    added_rec(trees, sub, old_sub.as_ref(), prefix, notes, out)
                });
                if !ok {
                    notes
                        .broken
                        .push((entry.id, String::from_utf8_lossy(prefix).into_owned()));
                }
            }
            MODE_GITLINK => {
                notes
                    .submodules
                    .push(String::from_utf8_lossy(prefix).into_owned());
                if old.is_some() {
                    gone(notes, &[], prefix);
                }
            }
            MODE_SYMLINK => {
                if old.is_some() {
                    gone(notes, &[], prefix);
                }
            }
            _ => out(prefix, entry.id),
        }
        prefix.truncate(len);
    }
    for o in &old_entries[j..] {
        gone(notes, prefix, &o.name);
    }
    true
}

/// Git's tree entry order: names compared bytewise, a tree's name as if it ended in `/`.
fn git_order(a: &[u8], a_tree: bool, b: &[u8], b_tree: bool) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    match a[..n].cmp(&b[..n]) {
        std::cmp::Ordering::Equal => {}
        o => return o,
    }
    let next = |s: &[u8], tree: bool| match s.get(n) {
        Some(&c) => c,
        None if tree => b'/',
        None => 0,
    };
    next(a, a_tree).cmp(&next(b, b_tree))
}

/// The blob id at `path` in `tree`, if that path is a (non-link) blob there.
pub fn blob_at(tree: &Tree<'_>, path: &str) -> Option<ObjectId> {
    let e = tree.get_path(Path::new(path)).ok()?;
    (e.kind() == Some(ObjectType::Blob) && e.filemode() != MODE_SYMLINK).then(|| e.id().into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_order_puts_a_directory_after_a_same_prefix_file() {
        use std::cmp::Ordering::*;
        assert_eq!(git_order(b"a", false, b"a", false), Equal);
        assert_eq!(git_order(b"a", true, b"a.c", false), Greater); // "a/" > "a."
        assert_eq!(git_order(b"a", true, b"a0", false), Less); // "a/" < "a0"
        assert_eq!(git_order(b"a", false, b"a", true), Less);
    }
}
