//! Commits and trees read straight from a repository's packs and loose object files, for the
//! history walk.
//!
//! Why not libgit2: a full-history walk reads every commit and, per commit, the trees that
//! changed on both sides of its diff. Through libgit2 each read takes a global pack lock, a
//! hash-table insert into its object cache and a parsed copy; on a 30,000-commit history that
//! was more than half of the scan. Here each thread keeps its own cache of recently read
//! objects (the versions a walk reads next are the bases of what it just read), reads are
//! positioned reads of the pack, and trees are merge-joined as raw bytes.
//!
//! Whatever this cannot read (an object in an alternate object directory, a damaged pack, a
//! delta against an object outside its pack) is reported as unreadable and the caller asks
//! libgit2 instead, so results never depend on this module.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::git::loose;
use crate::git::pack::{self, Pack};
use crate::git::tree_diff::{TreeEntry, Trees};
use crate::git::ObjectId;

const COMMIT: u8 = 1;
const TREE: u8 = 2;
const OFS_DELTA: u8 = 6;
/// Git writes delta chains of at most 50 by default (`--depth` 4095 at most): longer is a
/// damaged or hostile pack.
const MAX_CHAIN: usize = 5000;
/// Bytes of objects each thread's cache keeps (two generations of half this each).
const CACHE_BYTES: usize = 24 << 20;
/// Objects larger than this are not cached (one would evict everything else).
const CACHE_OBJECT_MAX: usize = 2 << 20;

/// A repository's object database as the walk reads it.
pub struct Objects<'p> {
    packs: &'p [Pack],
    /// The `objects` directory, for loose objects.
    dir: PathBuf,
    /// Caches of finished readers, for the next ones.
    spare: Mutex<Vec<Cache>>,
}

/// An object's type and bytes.
#[derive(Clone)]
pub struct Object {
    pub kind: u8,
    pub data: Arc<[u8]>,
}

/// The fields of a commit the walk needs.
pub struct CommitHead {
    pub tree: ObjectId,
    pub parents: Vec<ObjectId>,
    /// Committer time, seconds since the epoch.
    pub time: i64,
}

impl<'p> Objects<'p> {
    pub fn new(packs: &'p [Pack], objects_dir: &Path) -> Self {
        Objects {
            packs,
            dir: objects_dir.to_path_buf(),
            spare: Mutex::new(Vec::new()),
        }
    }

    /// A reader for one thread; its cache goes back to the pool when it is dropped.
    pub fn reader(&self) -> Reader<'_, 'p> {
        let cache = self
            .spare
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop()
            .unwrap_or_default();
        Reader {
            objects: self,
            cache,
        }
    }
}

/// Reads objects for one thread at a time, with a cache of recent ones.
pub struct Reader<'o, 'p> {
    objects: &'o Objects<'p>,
    cache: Cache,
}

impl Drop for Reader<'_, '_> {
    fn drop(&mut self) {
        self.objects
            .spare
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(std::mem::take(&mut self.cache));
    }
}

impl Reader<'_, '_> {
    /// The object `id`, or None if no pack or loose file here can give it.
    pub fn read(&mut self, id: &ObjectId) -> Option<Object> {
        for (p, pack) in self.objects.packs.iter().enumerate() {
            if let Some(e) = pack.find(id) {
                return self.packed(p, e);
            }
        }
        self.loose(id)
    }

    /// A commit's tree, parents and time.
    pub fn commit(&mut self, id: &ObjectId) -> Option<CommitHead> {
        let o = self.read(id)?;
        (o.kind == COMMIT).then(|| parse_commit(&o.data)).flatten()
    }

    /// Entry `e` of pack `p`, rebuilt along its delta chain from the nearest cached or whole
    /// object; every object of the chain is cached on the way (the walk's next reads are
    /// usually its neighbours in the chain).
    fn packed(&mut self, p: usize, e: usize) -> Option<Object> {
        let pack = &self.objects.packs[p];
        let mut deltas: Vec<(usize, Vec<u8>)> = Vec::new();
        let mut at = e;
        let mut object = loop {
            if let Some(hit) = self.cache.get((p as u32, at as u32)) {
                break hit;
            }
            let entry = pack.read_entry(at)?;
            match entry.base {
                None if entry.kind < OFS_DELTA => {
                    let o = Object {
                        kind: entry.kind,
                        data: entry.data.into(),
                    };
                    self.cache.put((p as u32, at as u32), &o);
                    break o;
                }
                None => return None,
                Some(base) => {
                    if deltas.len() >= MAX_CHAIN {
                        return None;
                    }
                    deltas.push((at, entry.data));
                    at = base;
                }
            }
        };
        for (entry, delta) in deltas.into_iter().rev() {
            object = Object {
                kind: object.kind,
                data: pack::apply_delta(&object.data, &delta)?.into(),
            };
            self.cache.put((p as u32, entry as u32), &object);
        }
        Some(object)
    }

    /// A loose object file (`objects/ab/cdef…`): zlib of `<type> <size>\0<data>`, read by the
    /// same bounded parser as `loose::read_blob`'s (no more data than the header says).
    fn loose(&self, id: &ObjectId) -> Option<Object> {
        let mut z = loose::open(&self.objects.dir, *id).ok()??;
        let (kind, size) = loose::header(&mut z).ok()?;
        let kind = match kind.as_str() {
            "commit" => COMMIT,
            "tree" => TREE,
            "blob" => 3,
            "tag" => 4,
            _ => return None,
        };
        let mut data = Vec::new();
        loose::body(&mut z, size, &mut data).ok()?;
        Some(Object {
            kind,
            data: data.into(),
        })
    }
}

impl Trees for Reader<'_, '_> {
    type Tree = Arc<[u8]>;

    fn tree(&mut self, id: ObjectId) -> Option<Arc<[u8]>> {
        let o = self.read(&id)?;
        (o.kind == TREE).then_some(o.data)
    }

    fn entries<'t>(&self, tree: &'t Arc<[u8]>, out: &mut Vec<TreeEntry<'t>>) -> Option<()> {
        tree_entries(tree, out)
    }
}

/// A tree object's entries, in stored order: `<octal mode> <name>\0<20-byte id>` each. None if
/// the bytes are not a well-formed tree.
fn tree_entries<'t>(mut data: &'t [u8], out: &mut Vec<TreeEntry<'t>>) -> Option<()> {
    out.clear();
    while !data.is_empty() {
        let space = memchr::memchr(b' ', data)?;
        let mut mode = 0i32;
        for &d in &data[..space] {
            if !(b'0'..=b'7').contains(&d) || mode > 0o7777777 {
                return None;
            }
            mode = mode * 8 + i32::from(d - b'0');
        }
        if space == 0 {
            return None;
        }
        let rest = &data[space + 1..];
        let nul = memchr::memchr(0, rest)?;
        let id = rest.get(nul + 1..nul + 21)?;
        out.push(TreeEntry {
            name: std::borrow::Cow::Borrowed(&rest[..nul]),
            id: ObjectId::from_slice(id)?,
            mode,
        });
        data = &rest[nul + 21..];
    }
    Some(())
}

/// Tree id, parent ids and committer time from a commit's header lines.
fn parse_commit(data: &[u8]) -> Option<CommitHead> {
    let mut tree = None;
    let mut parents = Vec::new();
    let mut time = None;
    for line in data.split(|&b| b == b'\n') {
        if line.is_empty() {
            break; // the message follows
        }
        if let Some(hex) = line.strip_prefix(b"tree ") {
            tree = Some(ObjectId::from_hex(hex)?);
        } else if let Some(hex) = line.strip_prefix(b"parent ") {
            parents.push(ObjectId::from_hex(hex)?);
        } else if let Some(who) = line.strip_prefix(b"committer ") {
            // `Name <email> <seconds> <zone>`
            let mut fields = who.rsplit(|&b| b == b' ');
            let _zone = fields.next()?;
            time = std::str::from_utf8(fields.next()?).ok()?.parse().ok();
        }
    }
    Some(CommitHead {
        tree: tree?,
        parents,
        time: time?,
    })
}

/// Recently read objects by (pack, entry): two generations, the older dropped whole when the
/// newer fills up; a hit in the older one moves the object to the newer.
#[derive(Default)]
struct Cache {
    young: HashMap<(u32, u32), Object>,
    old: HashMap<(u32, u32), Object>,
    young_bytes: usize,
}

impl Cache {
    fn get(&mut self, key: (u32, u32)) -> Option<Object> {
        if let Some(o) = self.young.get(&key) {
            return Some(o.clone());
        }
        let o = self.old.remove(&key)?;
        self.put(key, &o);
        Some(o)
    }

    fn put(&mut self, key: (u32, u32), o: &Object) {
        if o.data.len() > CACHE_OBJECT_MAX {
            return;
        }
        self.young_bytes += o.data.len() + 64;
        self.young.insert(key, o.clone());
        if self.young_bytes > CACHE_BYTES / 2 {
            self.old = std::mem::take(&mut self.young);
            self.young_bytes = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_headers() {
        let c = b"tree 4b825dc642cb6eb9a060e54bf8d69288fbee4904\n\
parent 1111111111111111111111111111111111111111\n\
parent 2222222222222222222222222222222222222222\n\
author A U Thor <a@example.com> 1700000000 +0100\n\
committer C O Mitter <c@example.com> 1700000100 -0500\n\
gpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n\
\n\
committer in the message is not a header\n";
        let h = parse_commit(c).unwrap();
        assert_eq!(
            h.tree.to_string(),
            "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
        );
        assert_eq!(h.parents.len(), 2);
        assert_eq!(h.time, 1_700_000_100);
        assert!(parse_commit(b"tree 12\ncommitter x <y> 1 +0000\n").is_none());
        assert!(parse_commit(b"author x <y> 1 +0000\n").is_none());
    }

    #[test]
    fn tree_bytes() {
        let mut t = Vec::new();
        t.extend_from_slice(b"100644 a.txt\0");
        t.extend_from_slice(&[1u8; 20]);
        t.extend_from_slice(b"40000 dir\0");
        t.extend_from_slice(&[2u8; 20]);
        let mut out = Vec::new();
        tree_entries(&t, &mut out).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(&*out[0].name, b"a.txt");
        assert_eq!(out[0].mode, 0o100644);
        assert_eq!(out[1].mode, 0o40000);
        assert_eq!(out[1].id.as_bytes(), &[2u8; 20]);
        assert!(
            tree_entries(&t[..t.len() - 1], &mut out).is_none(),
            "short id"
        );
        assert!(tree_entries(b"10x644 a\0", &mut out).is_none(), "bad mode");
        assert!(tree_entries(b" a\0", &mut out).is_none(), "no mode");
    }
}
