//! Git packfiles read directly: every object a scan wants is inflated exactly once, along its
//! delta chain, in parallel.
//!
//! Why not ask libgit2 for each blob: a pack stores most versions of a file as deltas against
//! another version, so reading blob by blob rebuilds the same chain prefixes again and again
//! (libgit2's delta-base cache helps only when the order happens to suit it), and each read
//! pays a lookup, cache and lock. Here the pack is read as the tree it is: an object stored
//! whole is a root, each delta a child of its base. Walking those trees depth first, each
//! object is inflated once and each delta applied once to its base, which is still in memory.
//! Subtrees with no wanted blob are never touched, so commits and trees cost nothing.
//!
//! The pack is read with positioned reads, not mapped: a scan reads every byte of it once,
//! and mapped pages would stay resident (a 107 MB pack showed as 107 MB more peak RSS).
//!
//! Formats (git's `Documentation/gitformat-pack.txt`): `.idx` version 2 (fan-out table, sorted
//! object ids, CRCs, 31-bit offsets with a 64-bit overflow table); `.pack` version 2 or 3 (a
//! header per object: type and size in a varint, then for OFS_DELTA the base as a negative
//! offset, for REF_DELTA the base's id; then zlib data). Anything else (SHA-256 repositories,
//! a damaged index) is an error and the caller reads those objects through libgit2 instead.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use memmap2::Mmap;
use rayon::prelude::*;

use std::cell::RefCell;

use crate::git::ObjectId;

#[derive(Debug, thiserror::Error)]
pub enum PackError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {why}", path.display())]
    Format { path: PathBuf, why: String },
    /// An index whose offsets point outside its pack: nothing may read it (libgit2 would
    /// read past the end of its map).
    #[error("{}: {why}", path.display())]
    Unsafe { path: PathBuf, why: String },
}

impl PackError {
    /// Whether the pack must not be handed to libgit2 either.
    pub fn is_unsafe(&self) -> bool {
        matches!(self, PackError::Unsafe { .. })
    }
}

const COMMIT: u8 = 1;
const TAG: u8 = 4;
const BLOB: u8 = 3;
const OFS_DELTA: u8 = 6;
const REF_DELTA: u8 = 7;
const NONE: u32 = u32::MAX;
/// Delta subtrees with at least this many objects to decode are handed to other threads.
const PARALLEL_WEIGHT: u32 = 256;

/// One `.pack` with its `.idx`.
pub struct Pack {
    path: PathBuf,
    file: File,
    /// Where the objects end (the trailing checksum follows).
    body_end: u64,
    /// Object ids in index order (sorted).
    ids: Vec<ObjectId>,
    /// `ids[fanout[b]..fanout[b + 1]]` are the ids whose first byte is `b`.
    fanout: Box<[u32; 257]>,
    /// (offset, id index), sorted by offset.
    by_offset: Vec<(u64, u32)>,
    /// For each id index, its entry (position in `by_offset`).
    entry_of_id: Vec<u32>,
}

/// A parsed object header, by entry (offset order). 16 bytes, also as an `Option` (the kind
/// is never 0): a pack of ten million objects keeps 160 MB of these.
#[derive(Clone, Copy)]
struct Entry {
    /// Object size, or for a delta the size of its delta data.
    size: u64,
    /// The base entry of a delta.
    base: u32,
    kind: std::num::NonZeroU8,
    /// Header bytes before the zlib stream.
    header_len: u8,
}

/// What a scan is given for a wanted blob.
pub enum Blob<'a> {
    Data(&'a [u8]),
    /// Over the size limit (the object, or the delta rebuilding it): not inflated, not to
    /// be scanned.
    TooLarge(u64),
    /// A delta on a base of this many bytes, over the size limit: the base is not inflated,
    /// so the blob cannot be rebuilt (skipped and counted, never read another way).
    BaseTooLarge(u64),
}

/// Every pack in a repository's object directory (`objects/pack/*.pack` with an `.idx`).
pub fn packs_in(objects: &Path) -> (Vec<Pack>, Vec<PackError>) {
    let dir = objects.join("pack");
    let mut packs = Vec::new();
    let mut errors = Vec::new();
    let Ok(list) = std::fs::read_dir(&dir) else {
        return (packs, errors);
    };
    let mut idx: Vec<PathBuf> = list
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "idx"))
        .collect();
    idx.sort();
    for i in idx {
        match Pack::open(&i, &i.with_extension("pack")) {
            Ok(p) => packs.push(p),
            Err(e) => errors.push(e),
        }
    }
    (packs, errors)
}

/// Indexes in `objects/pack` with an object offset outside their pack, for scans that read
/// only through libgit2 (pre-push, `--staged`): libgit2 trusts those offsets and reads past
/// the end of the pack (repro 09). One pass over each offset table, no allocation: a
/// malformed index that is not this is left to libgit2, which refuses it with an error.
pub fn unsafe_indexes(objects: &Path) -> Vec<PackError> {
    let Ok(list) = std::fs::read_dir(objects.join("pack")) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for idx_path in list.filter_map(|e| e.ok().map(|e| e.path())) {
        if idx_path.extension().is_none_or(|e| e != "idx") {
            continue;
        }
        let Ok(pack_len) = std::fs::metadata(idx_path.with_extension("pack")).map(|m| m.len())
        else {
            continue;
        };
        let Ok(idx) = map(&idx_path) else { continue };
        if idx.len() < 8 + 1024 + 40 || idx[..4] != [0xff, b't', b'O', b'c'] || be32(&idx, 4) != 2 {
            continue;
        }
        let n = be32(&idx, 8 + 255 * 4) as usize;
        let offs_at = 8 + 1024 + n * 24;
        let large_at = offs_at + n * 4;
        let Some(large_len) = idx.len().checked_sub(large_at + 40) else {
            continue;
        };
        let body_end = pack_len.saturating_sub(20);
        let bad = (0..n).any(|i| {
            let o = be32(&idx, offs_at + i * 4);
            let offset = if o & 0x8000_0000 == 0 {
                o as u64
            } else {
                let at = (o & 0x7fff_ffff) as usize * 8;
                if at + 8 > large_len {
                    return true;
                }
                u64::from_be_bytes(
                    idx[large_at + at..large_at + at + 8]
                        .try_into()
                        .expect("8 bytes"),
                )
            };
            !(12..body_end).contains(&offset)
        });
        if bad {
            out.push(PackError::Unsafe {
                path: idx_path,
                why: "object offset outside the pack".to_string(),
            });
        }
    }
    out
}

fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

// The one unsafe call here: memory-mapping packs is what makes reading history fast.
#[allow(unsafe_code)]
fn map(path: &Path) -> Result<Mmap, PackError> {
    let f = File::open(path).map_err(|e| io_error(path, e))?;
    // SAFETY: the map is read-only; git never rewrites a pack or index in place (new ones
    // are written under new names and renamed), so the bytes cannot change under us.
    unsafe { Mmap::map(&f) }.map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, source: std::io::Error) -> PackError {
    PackError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Fill `buf` from `file` at `offset`.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        let mut done = 0;
        while done < buf.len() {
            let n = std::os::windows::fs::FileExt::seek_read(
                file,
                &mut buf[done..],
                offset + done as u64,
            )?;
            if n == 0 {
                return Err(std::io::ErrorKind::UnexpectedEof.into());
            }
            done += n;
        }
        Ok(())
    }
}

/// The bytes of a pack read at once when parsing headers.
const CHUNK: u64 = 4 << 20;
/// No object header is longer than this (type/size varint, then a base offset or id).
const HEADER_MAX: u64 = 64;

thread_local! {
    /// Compressed bytes of the entry being inflated, one buffer a thread.
    static COMPRESSED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    static INFLATER: RefCell<libdeflater::Decompressor> =
        RefCell::new(libdeflater::Decompressor::new());
}

impl Pack {
    pub fn open(idx_path: &Path, pack_path: &Path) -> Result<Pack, PackError> {
        let bad = |path: &Path, why: &str| PackError::Format {
            path: path.to_path_buf(),
            why: why.to_string(),
        };
        let unsafe_idx = |why: &str| PackError::Unsafe {
            path: idx_path.to_path_buf(),
            why: why.to_string(),
        };
        let idx = map(idx_path)?;
        if idx.len() < 8 + 1024 + 40 || idx[..4] != [0xff, b't', b'O', b'c'] || be32(&idx, 4) != 2 {
            return Err(bad(idx_path, "not a version 2 pack index"));
        }
        let n = be32(&idx, 8 + 255 * 4) as usize;
        let ids_at = 8 + 1024;
        let offs_at = ids_at + n * 24; // after the ids and the CRCs
        let large_at = offs_at + n * 4;
        // The 64-bit table's length is whatever lies between the offsets and the trailer: a
        // SHA-256 index (32-byte ids) fails this arithmetic.
        let Some(large_len) = idx.len().checked_sub(large_at + 40) else {
            return Err(bad(idx_path, "truncated, or ids are not SHA-1"));
        };
        if large_len % 8 != 0 {
            return Err(bad(idx_path, "unexpected length (not a SHA-1 index?)"));
        }
        let file = File::open(pack_path).map_err(|e| io_error(pack_path, e))?;
        let len = file.metadata().map_err(|e| io_error(pack_path, e))?.len();
        let mut head = [0u8; 12];
        if len < 32
            || read_at(&file, &mut head, 0).is_err()
            || &head[..4] != b"PACK"
            || !matches!(be32(&head, 4), 2 | 3)
            || be32(&head, 8) as usize != n
        {
            return Err(bad(pack_path, "not a version 2/3 pack matching its index"));
        }
        let body_end = len - 20;
        let mut ids: Vec<ObjectId> = Vec::with_capacity(n);
        let mut by_offset = Vec::with_capacity(n);
        for i in 0..n {
            let at = ids_at + i * 20;
            ids.push(ObjectId::new(
                idx[at..at + 20].try_into().expect("20 bytes"),
            ));
            let o = be32(&idx, offs_at + i * 4);
            let offset = if o & 0x8000_0000 == 0 {
                o as u64
            } else {
                let at = large_at + (o & 0x7fff_ffff) as usize * 8;
                if at + 8 > large_at + large_len {
                    return Err(unsafe_idx("64-bit offset out of range"));
                }
                u64::from_be_bytes(idx[at..at + 8].try_into().expect("8 bytes"))
            };
            if !(12..body_end).contains(&offset) {
                return Err(unsafe_idx("object offset outside the pack"));
            }
            by_offset.push((offset, i as u32));
        }
        by_offset.sort_unstable();
        let mut fanout = Box::new([0u32; 257]);
        for id in &ids {
            fanout[id.as_bytes()[0] as usize + 1] += 1;
        }
        for b in 1..257 {
            fanout[b] += fanout[b - 1];
        }
        let mut entry_of_id = vec![NONE; n];
        for (e, &(_, i)) in by_offset.iter().enumerate() {
            entry_of_id[i as usize] = e as u32;
        }
        Ok(Pack {
            path: pack_path.to_path_buf(),
            file,
            body_end,
            ids,
            fanout,
            by_offset,
            entry_of_id,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many objects the pack holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Where entry `e` (in offset order) ends.
    fn end_of(&self, e: usize) -> u64 {
        self.by_offset.get(e + 1).map_or(self.body_end, |n| n.0)
    }

    /// Every entry's header, read in large chunks in parallel; None where damaged.
    fn headers(&self) -> Vec<Option<Entry>> {
        let chunks = self.body_end.div_ceil(CHUNK) as usize;
        let mut out: Vec<Option<Entry>> = Vec::with_capacity(self.by_offset.len());
        let per_chunk: Vec<Vec<Option<Entry>>> = (0..chunks)
            .into_par_iter()
            .map(|k| {
                let from = k as u64 * CHUNK;
                let to = ((k as u64 + 1) * CHUNK + HEADER_MAX).min(self.body_end);
                let first = self.by_offset.partition_point(|x| x.0 < from);
                let last = self.by_offset.partition_point(|x| x.0 < from + CHUNK);
                if first == last {
                    return Vec::new();
                }
                let mut buf = vec![0u8; (to - from) as usize];
                if read_at(&self.file, &mut buf, from).is_err() {
                    return vec![None; last - first];
                }
                (first..last)
                    .map(|e| {
                        let at = (self.by_offset[e].0 - from) as usize;
                        let stop = (self.end_of(e) - from).min(buf.len() as u64) as usize;
                        self.entry(e, &buf[at..stop])
                    })
                    .collect()
            })
            .collect();
        for c in per_chunk {
            out.extend(c);
        }
        out
    }

    /// The header of the entry at `by_offset[e]` from its first bytes, or None if damaged.
    fn entry(&self, e: usize, bytes: &[u8]) -> Option<Entry> {
        let (offset, _) = self.by_offset[e];
        let mut at = 0;
        let mut byte = *bytes.first()?;
        let kind = (byte >> 4) & 7;
        let mut size = (byte & 15) as u64;
        let mut shift = 4;
        while byte & 0x80 != 0 {
            at += 1;
            byte = *bytes.get(at)?;
            if shift > 57 {
                return None;
            }
            size |= ((byte & 0x7f) as u64) << shift;
            shift += 7;
        }
        at += 1;
        let base = match kind {
            OFS_DELTA => {
                let mut byte = *bytes.get(at)?;
                let mut back = (byte & 0x7f) as u64;
                while byte & 0x80 != 0 {
                    at += 1;
                    byte = *bytes.get(at)?;
                    back = back.checked_add(1)?.checked_mul(128)? | (byte & 0x7f) as u64;
                }
                at += 1;
                let base_offset = offset.checked_sub(back)?;
                let b = self
                    .by_offset
                    .binary_search_by_key(&base_offset, |x| x.0)
                    .ok()?;
                b as u32
            }
            REF_DELTA => {
                let id = ObjectId::from_slice(bytes.get(at..at + 20)?)?;
                at += 20;
                // A base outside this pack (a thin pack): the caller reads it otherwise.
                self.entry_of_id[self.index_of(&id)?]
            }
            COMMIT..=TAG => NONE,
            _ => return None,
        };
        Some(Entry {
            size,
            base,
            kind: std::num::NonZeroU8::new(kind)?,
            header_len: u8::try_from(at).ok()?,
        })
    }

    /// Inflate and rebuild every blob that `want` selects (by id, to a caller's index) and
    /// call `visit` with it, from several threads. Returns the wanted indices this pack holds
    /// but could not deliver (damaged entries, bases outside the pack): read those another
    /// way. Blobs over `max_size` are not inflated unless a delta needs them.
    pub fn decode_wanted(
        &self,
        want: &(dyn Fn(&ObjectId) -> Option<usize> + Sync),
        max_size: u64,
        visit: &(dyn Fn(usize, Blob<'_>) + Sync),
    ) -> Vec<usize> {
        let n = self.by_offset.len();
        let entries = self.headers();
        let wanted: Vec<u32> = self
            .by_offset
            .par_iter()
            .map(|&(_, i)| want(&self.ids[i as usize]).map_or(NONE, |w| w as u32))
            .collect();

        // Children of each entry, as one flat list (CSR).
        let mut first_child = vec![0u32; n + 1];
        for e in entries.iter().flatten() {
            if e.base != NONE {
                first_child[e.base as usize + 1] += 1;
            }
        }
        for i in 0..n {
            first_child[i + 1] += first_child[i];
        }
        let mut fill = first_child.clone();
        let mut children = vec![0u32; first_child[n] as usize];
        for (c, e) in entries.iter().enumerate() {
            if let Some(e) = e.filter(|e| e.base != NONE) {
                children[fill[e.base as usize] as usize] = c as u32;
                fill[e.base as usize] += 1;
            }
        }
        let tree = Children {
            first: first_child,
            list: children,
        };
        let kids = |e: usize| tree.of(e);

        // Breadth first from the whole objects: parents before children. Entries not reached
        // (damaged, or in a delta cycle) are never decoded.
        let mut order: Vec<u32> = (0..n as u32)
            .filter(|&e| entries[e as usize].is_some_and(|x| x.base == NONE))
            .collect();
        let roots = order.len();
        let mut kind = vec![0u8; n];
        let mut i = 0;
        while i < order.len() {
            let e = order[i] as usize;
            let own = entries[e].map_or(0, |x| x.kind.get());
            kind[e] = if own >= OFS_DELTA {
                kind[entries[e].map_or(0, |x| x.base) as usize]
            } else {
                own
            };
            order.extend_from_slice(kids(e));
            i += 1;
        }
        // A subtree's weight is how many objects in it must be decoded: 0 when it holds no
        // wanted blob (never touched); big ones are split between threads.
        let mut weight = vec![0u32; n];
        for &e in order.iter().rev() {
            let e = e as usize;
            let below: u32 = kids(e).iter().map(|&c| weight[c as usize]).sum();
            if below > 0 || (wanted[e] != NONE && kind[e] == BLOB) {
                weight[e] = below + 1;
            }
        }
        let reached: Vec<bool> = {
            let mut r = vec![false; n];
            for &e in &order {
                r[e as usize] = true;
            }
            r
        };

        let failed = Mutex::new(Vec::new());
        let walk = Walk {
            pack: self,
            entries: &entries,
            wanted: &wanted,
            kind: &kind,
            weight: &weight,
            tree: &tree,
            max_size,
            visit,
            failed: &failed,
        };
        order[..roots]
            .par_iter()
            .filter(|&&r| weight[r as usize] > 0)
            .for_each(|&r| walk.subtree(r as usize, None));

        let mut failed = failed.into_inner().unwrap_or_else(|p| p.into_inner());
        // Wanted ids the walk could not reach, or that are not blobs here (a damaged type).
        for e in 0..n {
            if wanted[e] != NONE && (!reached[e] || kind[e] != BLOB) {
                failed.push(wanted[e] as usize);
            }
        }
        failed.sort_unstable();
        failed.dedup();
        failed
    }

    /// Entry `i`'s zlib data, inflated.
    fn inflate(&self, i: usize, e: &Entry) -> Option<Vec<u8>> {
        let start = self.by_offset[i].0 + e.header_len as u64;
        self.with_bytes(start, self.end_of(i), |z| inflate_exact(z, e.size))
    }

    /// `f` on the pack's bytes `start..end`, read into this thread's buffer.
    fn with_bytes<R>(&self, start: u64, end: u64, f: impl FnOnce(&[u8]) -> Option<R>) -> Option<R> {
        let len = end.checked_sub(start)?;
        COMPRESSED.with_borrow_mut(|buf| {
            buf.resize(len as usize, 0);
            read_at(&self.file, buf, start).ok()?;
            f(buf)
        })
    }

    /// The entry holding object `id`, if this pack has it.
    pub(crate) fn find(&self, id: &ObjectId) -> Option<usize> {
        Some(self.entry_of_id[self.index_of(id)?] as usize)
    }

    /// Where `id` is in `ids`. Among the ids of its first byte, compared as two big-endian
    /// integers: a history walk looks up every commit and tree it reads, and `binary_search`
    /// over the whole list (a `memcmp` call a step) was 3% of a full audit's CPU.
    fn index_of(&self, id: &ObjectId) -> Option<usize> {
        let key = |id: &ObjectId| {
            let (head, tail) = id.as_bytes().split_at(16);
            (
                u128::from_be_bytes(head.try_into().expect("16 bytes")),
                u32::from_be_bytes(tail.try_into().expect("4 bytes")),
            )
        };
        let first = id.as_bytes()[0] as usize;
        let (from, to) = (self.fanout[first] as usize, self.fanout[first + 1] as usize);
        let want = key(id);
        self.ids[from..to]
            .binary_search_by(|probe| key(probe).cmp(&want))
            .ok()
            .map(|i| from + i)
    }

    /// Entry `e` on its own: its type (a delta's own type is 6 or 7), its base entry if it is
    /// a delta, and its inflated data: the object, or the delta to apply to the base. One
    /// positioned read. None if damaged, or for a delta whose base is not in this pack.
    pub(crate) fn read_entry(&self, e: usize) -> Option<RawEntry> {
        let start = self.by_offset.get(e)?.0;
        self.with_bytes(start, self.end_of(e), |buf| {
            let entry = self.entry(e, buf)?;
            let data = inflate_exact(&buf[entry.header_len as usize..], entry.size)?;
            Some(RawEntry {
                kind: entry.kind.get(),
                base: (entry.base != NONE).then_some(entry.base as usize),
                data,
            })
        })
    }
}

/// One pack entry as [`Pack::read_entry`] gives it.
pub(crate) struct RawEntry {
    pub kind: u8,
    pub base: Option<usize>,
    pub data: Vec<u8>,
}

/// Inflate a zlib stream that must hold exactly `size` bytes; None if damaged. libdeflate,
/// not zlib: the whole stream and its exact size are known up front, which is the case
/// libdeflate is built for (on the generated 30,000-commit history, inflating was a third of
/// the scan with zlib).
fn inflate_exact(input: &[u8], size: u64) -> Option<Vec<u8>> {
    // zlib cannot expand more than ~1032:1: a larger size is a damaged header, and must not
    // become a huge allocation.
    if size > (input.len() as u64).saturating_mul(1100) + 1024 {
        return None;
    }
    let mut out = vec![0u8; usize::try_from(size).ok()?];
    let n = INFLATER.with_borrow_mut(|z| z.zlib_decompress(input, &mut out).ok())?;
    (n == out.len()).then_some(out)
}

/// The deltas of each entry, as one flat list.
struct Children {
    first: Vec<u32>,
    list: Vec<u32>,
}

impl Children {
    fn of(&self, e: usize) -> &[u32] {
        &self.list[self.first[e] as usize..self.first[e + 1] as usize]
    }
}

/// The depth-first decode of delta trees.
struct Walk<'a> {
    pack: &'a Pack,
    entries: &'a [Option<Entry>],
    wanted: &'a [u32],
    kind: &'a [u8],
    weight: &'a [u32],
    tree: &'a Children,
    max_size: u64,
    visit: &'a (dyn Fn(usize, Blob<'_>) + Sync),
    failed: &'a Mutex<Vec<usize>>,
}

impl Walk<'_> {
    /// Decode entry `e` (from `base` if it is a delta) and every needed entry below it. A
    /// chain of single children is followed in a loop, freeing each base as it goes.
    fn subtree(&self, mut e: usize, base: Option<&[u8]>) {
        let mut owned: Option<Vec<u8>>;
        let mut base = base;
        loop {
            let Some(entry) = self.entries[e] else {
                return self.fail(e);
            };
            let needed_below: Vec<u32> = self
                .tree
                .of(e)
                .iter()
                .copied()
                .filter(|&c| self.weight[c as usize] > 0)
                .collect();
            let wanted = self.wanted[e] != NONE && self.kind[e] == BLOB;
            // Sizes are checked before anything is inflated: an object, or a delta's
            // instructions, and then what the delta rebuilds. A 1 GB base was inflated for
            // its deltas despite the 50 MB limit (2.1 GB of memory).
            if entry.size > self.max_size {
                return self.too_large(e, wanted, entry.size);
            }
            let Some(raw) = self.pack.inflate(e, &entry) else {
                return self.fail(e);
            };
            let data = match base {
                None => raw,
                Some(b) => match delta_result_size(&raw) {
                    Some(size) if size > self.max_size => return self.too_large(e, wanted, size),
                    _ => match apply_delta(b, &raw) {
                        Some(d) => d,
                        None => return self.fail(e),
                    },
                },
            };
            if wanted {
                let blob = if data.len() as u64 > self.max_size {
                    Blob::TooLarge(data.len() as u64)
                } else {
                    Blob::Data(&data)
                };
                (self.visit)(self.wanted[e] as usize, blob);
            }
            match needed_below.as_slice() {
                [] => return,
                [only] => {
                    owned = Some(data);
                    base = owned.as_deref();
                    e = *only as usize;
                }
                many => {
                    // Big subtrees go to other threads; small ones are not worth a task (tiny
                    // tasks cost more in wake-ups than they save).
                    let (big, small): (Vec<u32>, Vec<u32>) = many
                        .iter()
                        .partition(|&&c| self.weight[c as usize] >= PARALLEL_WEIGHT);
                    rayon::join(
                        || {
                            big.par_iter()
                                .for_each(|&c| self.subtree(c as usize, Some(&data)))
                        },
                        || {
                            small
                                .iter()
                                .for_each(|&c| self.subtree(c as usize, Some(&data)))
                        },
                    );
                    return;
                }
            }
        }
    }

    /// Entry `e` is `size` bytes, over the limit: it is skipped as too large, and the wanted
    /// blobs below it as deltas on a base too large.
    fn too_large(&self, e: usize, wanted: bool, size: u64) {
        if wanted {
            (self.visit)(self.wanted[e] as usize, Blob::TooLarge(size));
        }
        let mut stack: Vec<usize> = self.tree.of(e).iter().map(|&c| c as usize).collect();
        while let Some(x) = stack.pop() {
            if self.wanted[x] != NONE && self.kind[x] == BLOB {
                (self.visit)(self.wanted[x] as usize, Blob::BaseTooLarge(size));
            }
            stack.extend(self.tree.of(x).iter().map(|&c| c as usize));
        }
    }

    /// Entry `e` cannot be decoded: neither can anything below it.
    fn fail(&self, e: usize) {
        let mut stack = vec![e];
        let mut lost = Vec::new();
        while let Some(x) = stack.pop() {
            if self.wanted[x] != NONE {
                lost.push(self.wanted[x] as usize);
            }
            stack.extend(self.tree.of(x).iter().map(|&c| c as usize));
        }
        self.failed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(lost);
    }
}

/// A varint of a delta's header.
fn delta_size(d: &[u8], at: &mut usize) -> Option<u64> {
    let mut size = 0u64;
    let mut shift = 0;
    loop {
        let b = *d.get(*at)?;
        *at += 1;
        if shift > 57 {
            return None;
        }
        size |= ((b & 0x7f) as u64) << shift;
        shift += 7;
        if b & 0x80 == 0 {
            return Some(size);
        }
    }
}

/// The size of the object a delta rebuilds, from its header.
fn delta_result_size(delta: &[u8]) -> Option<u64> {
    let mut at = 0;
    delta_size(delta, &mut at)?;
    delta_size(delta, &mut at)
}

/// Rebuild an object from its base and a git delta (copy and insert instructions).
pub fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    if delta_size(delta, &mut at)? != base.len() as u64 {
        return None;
    }
    let size = delta_size(delta, &mut at)?;
    // Each delta byte yields at most 64 KiB: a bigger size is a damaged header.
    if size > (delta.len() as u64).saturating_mul(0x10000) {
        return None;
    }
    let mut out = Vec::with_capacity(size as usize);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut field = |bits: u8, first_shift: u32| -> Option<usize> {
                let mut v = 0usize;
                for k in 0..bits {
                    if op & (1 << (first_shift + k as u32)) != 0 {
                        v |= (*delta.get(at)? as usize) << (8 * k as u32);
                        at += 1;
                    }
                }
                Some(v)
            };
            let offset = field(4, 0)?;
            let mut len = field(3, 4)?;
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            let len = op as usize;
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None; // reserved
        }
        if out.len() as u64 > size {
            return None;
        }
    }
    (out.len() as u64 == size).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_headers_stay_small() {
        assert_eq!(std::mem::size_of::<Option<Entry>>(), 16);
    }

    #[test]
    fn delta_copies_and_inserts() {
        let base = b"0123456789abcdef";
        // src 16, dst 9; copy offset 2 len 4; insert "xyz"; copy offset 14 len 2
        let delta = [
            16,
            9,
            0x80 | 0x01 | 0x10,
            2,
            4,
            3,
            b'x',
            b'y',
            b'z',
            0x80 | 0x01 | 0x10,
            14,
            2,
        ];
        assert_eq!(apply_delta(base, &delta).unwrap(), b"2345xyzef");
    }

    #[test]
    fn damaged_deltas_are_refused_not_panics() {
        let base = b"0123456789";
        assert!(
            apply_delta(base, &[11, 1, 1, b'a']).is_none(),
            "wrong base size"
        );
        assert!(
            apply_delta(base, &[10, 4, 0x91, 8, 4]).is_none(),
            "copy past the end"
        );
        assert!(apply_delta(base, &[10, 1, 0]).is_none(), "reserved opcode");
        assert!(
            apply_delta(base, &[10, 2, 1, b'a']).is_none(),
            "short result"
        );
        assert!(
            apply_delta(base, &[10, 0xff, 0xff, 0xff, 0x7f]).is_none(),
            "huge size"
        );
        assert!(apply_delta(base, &[10]).is_none(), "truncated header");
    }
}
