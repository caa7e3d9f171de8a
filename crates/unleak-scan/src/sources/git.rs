//! Git plumbing shared by the history, push and staged sources: opening a repository, a pool of
//! per-thread handles (libgit2's `Repository` is not `Sync`), tree diffs that skip unchanged
//! subtrees by object id, and "is this blob at this path in that commit" look-ups.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use git2::{ObjectType, Oid, Repository, Tree};

use crate::error::{Error, Result};
use crate::finding::CommitInfo;

/// The start of every Git LFS pointer file: such a file names an object, it holds no secret.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1\n";

/// Mode of a symbolic link in a tree: its blob is a link target, not file content.
const MODE_SYMLINK: i32 = 0o120000;

/// Open the repository at or above `path` (work tree, `.git` directory or bare repository).
pub fn open(path: &Path) -> Result<Repository> {
    tune_libgit2();
    Repository::open_ext(
        path,
        git2::RepositoryOpenFlags::empty(),
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            Error::Git(format!(
                "{}: not a git repository (nor inside one)",
                path.display()
            ))
        } else {
            Error::Git(format!(
                "{}: cannot open git repository: {}",
                path.display(),
                e.message()
            ))
        }
    })
}

/// Stop, naming it, at a pack whose index points outside the pack: libgit2 would crash on it.
pub fn refuse_unsafe_packs(repo: &Repository) -> Result<()> {
    match crate::sources::pack::unsafe_indexes(&repo.commondir().join("objects")).first() {
        Some(e) => Err(Error::Git(format!(
            "damaged pack: {e}; not read (repair it, e.g. from a clone, and scan again)"
        ))),
        None => Ok(()),
    }
}

/// Process-wide libgit2 settings, once: keep parsed trees of any size in the object cache
/// (history walks revisit the same big trees), and skip re-hashing every object read (zlib
/// still catches corruption, and we never write).
fn tune_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: called once, before any repository of ours is opened on other threads.
        unsafe {
            let _ = git2::opts::set_cache_object_limit(ObjectType::Tree, 4 << 20);
            let _ = git2::opts::set_cache_object_limit(ObjectType::Commit, 64 << 10);
            // Per repository handle; walks revisit recent trees, not old ones, so a small
            // cache keeps the hits without holding every tree of history in memory.
            let _ = git2::opts::set_cache_max_size(16 << 20);
        }
        git2::opts::strict_hash_verification(false);
    });
}

/// Repository handles for worker threads, reused across rayon jobs.
pub struct Pool {
    git_dir: PathBuf,
    free: Mutex<Vec<Repository>>,
}

/// A handle borrowed from a [`Pool`]; returned on drop.
pub struct Lease<'a> {
    pool: &'a Pool,
    repo: Option<Repository>,
}

impl Pool {
    pub fn new(repo: &Repository) -> Self {
        Pool::at(repo.path())
    }

    /// A pool for the repository whose git dir is `git_dir`.
    pub fn at(git_dir: &Path) -> Self {
        Pool {
            git_dir: git_dir.to_path_buf(),
            free: Mutex::new(Vec::new()),
        }
    }

    pub fn lease(&self) -> Result<Lease<'_>> {
        let cached = self.free.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let repo = match cached {
            Some(r) => r,
            None => Repository::open(&self.git_dir).map_err(|e| {
                Error::Git(format!(
                    "{}: cannot open git repository: {}",
                    self.git_dir.display(),
                    e.message()
                ))
            })?,
        };
        Ok(Lease {
            pool: self,
            repo: Some(repo),
        })
    }
}

impl std::ops::Deref for Lease<'_> {
    type Target = Repository;
    fn deref(&self) -> &Repository {
        self.repo
            .as_ref()
            .expect("a lease holds its repository until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(r) = self.repo.take() {
            self.pool
                .free
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(r);
        }
    }
}

/// What a tree diff saw besides blobs.
#[derive(Default)]
pub struct DiffNotes {
    /// Paths of submodule entries (commits inside trees): not followed.
    pub submodules: Vec<String>,
    /// Trees that could not be read: `(object id, path)`.
    pub broken: Vec<(Oid, String)>,
    /// With `record_gone`: paths (files or whole directories) of the base that the tree no
    /// longer has as a regular blob or tree of the same kind.
    pub record_gone: bool,
    pub gone: Vec<Vec<u8>>,
}

/// One entry of a tree, however the tree was read.
pub struct TreeEntry<'t> {
    pub name: std::borrow::Cow<'t, [u8]>,
    pub id: Oid,
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
    fn tree(&mut self, id: Oid) -> Option<Self::Tree>;
    /// The entries of `tree` in stored order into `out`, or None if it is malformed.
    fn entries<'t>(&self, tree: &'t Self::Tree, out: &mut Vec<TreeEntry<'t>>) -> Option<()>;
}

/// Trees read through libgit2.
pub struct GitTrees<'r>(pub &'r Repository);

impl<'r> Trees for GitTrees<'r> {
    type Tree = Tree<'r>;

    fn tree(&mut self, id: Oid) -> Option<Tree<'r>> {
        guard(self.0, id).ok()?;
        self.0.find_tree(id).ok()
    }

    fn entries<'t>(&self, tree: &'t Tree<'r>, out: &mut Vec<TreeEntry<'t>>) -> Option<()> {
        out.clear();
        // libgit2 lends an entry's name only for the entry's own lifetime: copied.
        out.extend(tree.iter().map(|e| TreeEntry {
            name: std::borrow::Cow::Owned(e.name_bytes().to_vec()),
            id: e.id(),
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
    out: &mut dyn FnMut(&[u8], Oid),
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
    out: &mut dyn FnMut(&[u8], Oid),
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

/// Where git runs this repository's hooks from: `core.hooksPath` if set (relative to the work
/// tree's top, as git reads it), else the repository's own `hooks/` (shared by its worktrees).
pub fn hooks_dir(repo: &Repository) -> PathBuf {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        None => repo.commondir().join("hooks"),
    }
}

/// Whether bytes are a Git LFS pointer (an object name and a size, never a secret): the
/// whole pointer format of git-lfs's `docs/spec.md`, the version line, optional
/// `ext-N-name sha256:HEX` lines, `oid sha256:<64 hex>` and `size <digits>`, each ending in a
/// newline, and nothing else. Only the first line was checked before, so any small file
/// starting with it was never scanned (repro 05).
pub fn is_lfs_pointer(bytes: &[u8]) -> bool {
    let Some(rest) = bytes.strip_prefix(LFS_POINTER) else {
        return false;
    };
    if bytes.len() >= 1024 {
        return false;
    }
    let Some(rest) = rest.strip_suffix(b"\n") else {
        return false;
    };
    let sha = |v: &[u8]| {
        v.strip_prefix(b"sha256:").is_some_and(|h| {
            h.len() == 64
                && h.iter()
                    .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c))
        })
    };
    let mut lines = rest.split(|&b| b == b'\n').peekable();
    while let Some(ext) = lines.next_if(|l| l.starts_with(b"ext-")) {
        let Some(space) = memchr::memchr(b' ', ext) else {
            return false;
        };
        let (key, value) = (&ext[..space], &ext[space + 1..]);
        let name_ok = key[4..]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'-');
        if !name_ok || !sha(value) {
            return false;
        }
    }
    let oid = lines.next().and_then(|l| l.strip_prefix(b"oid "));
    let size = lines.next().and_then(|l| l.strip_prefix(b"size "));
    match (oid, size, lines.next()) {
        (Some(o), Some(n), None) => {
            sha(o) && (1..=20).contains(&n.len()) && n.iter().all(u8::is_ascii_digit)
        }
        _ => false,
    }
}

/// The blob id at `path` in `tree`, if that path is a (non-link) blob there.
pub fn blob_at(tree: &Tree<'_>, path: &str) -> Option<Oid> {
    let e = tree.get_path(Path::new(path)).ok()?;
    (e.kind() == Some(ObjectType::Blob) && e.filemode() != MODE_SYMLINK).then(|| e.id())
}

/// Author, date and subject of a commit, as findings carry them.
pub fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let author = commit.author();
    CommitInfo {
        commit: commit.id().to_string(),
        author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
        date: rfc3339_utc(author.when().seconds()),
        message: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default()).into_owned(),
        ..CommitInfo::default()
    }
}

/// Seconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ` (proleptic Gregorian, UTC).
pub fn rfc3339_utc(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm, written out).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// A blob's bytes as [`read_blob`] got them: from its loose file (read here) or from libgit2.
pub enum BlobData<'o> {
    Loose(Vec<u8>),
    Git(git2::OdbObject<'o>),
}

impl BlobData<'_> {
    pub fn data(&self) -> &[u8] {
        match self {
            BlobData::Loose(v) => v,
            BlobData::Git(o) => o.data(),
        }
    }
}

/// Read a blob to scan, or None: over `--max-file-size` (known from the object header, so it is
/// never inflated; counted and noted), unreadable (a warning naming the object), or an LFS
/// pointer (counted as scanned, holds no secret). `path` names the blob in messages.
/// A loose blob in `objects_dir` is read here, bounded by its header's size, and never handed
/// to libgit2: libgit2 1.9.7 spins forever on a damaged loose blob whose data inflates past
/// its header's size (found by the `repository` fuzz target, `scan --history --all-objects`).
pub fn read_blob<'o>(
    ctx: &crate::sources::ScanContext<'_>,
    odb: &'o git2::Odb<'_>,
    objects_dir: &Path,
    id: git2::Oid,
    path: &str,
) -> Option<BlobData<'o>> {
    match read_loose_blob(objects_dir, id, ctx.max_file_size) {
        Loose::Absent => {}
        Loose::Blob(data) => return accept_blob(ctx, &data).then_some(BlobData::Loose(data)),
        Loose::TooLarge(size) => {
            skip_large(ctx, path, id, size);
            return None;
        }
        Loose::Damaged(why) => {
            ctx.warn(&format!(
                "object {id} (blob `{path}`): cannot read, skipped: damaged loose object ({why})"
            ));
            return None;
        }
    }
    let unreadable = |e: git2::Error| {
        ctx.warn(&format!(
            "object {id} (blob `{path}`): cannot read, skipped: {}",
            e.message()
        ));
    };
    match read_header(odb, id) {
        Ok((size, _)) if size as u64 > ctx.max_file_size => {
            skip_large(ctx, path, id, size as u64);
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            unreadable(e);
            return None;
        }
    }
    let obj = odb.read(id).map_err(unreadable).ok()?;
    accept_blob(ctx, obj.data()).then_some(BlobData::Git(obj))
}

/// What the loose file of a blob holds.
enum Loose {
    /// No loose file of that id here (packed, in an alternate, or missing): ask libgit2.
    Absent,
    Blob(Vec<u8>),
    TooLarge(u64),
    Damaged(String),
}

/// The loose file of object `id`, opened for inflating, or None when there is none.
pub(crate) fn open_loose(
    objects_dir: &Path,
    id: git2::Oid,
) -> std::io::Result<Option<flate2::read::ZlibDecoder<std::io::BufReader<std::fs::File>>>> {
    let hex = id.to_string();
    match std::fs::File::open(objects_dir.join(&hex[..2]).join(&hex[2..])) {
        Ok(f) => Ok(Some(flate2::read::ZlibDecoder::new(
            std::io::BufReader::new(f),
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A loose object's header, `<type> <size>\0`: the type and the size.
pub(crate) fn loose_header(
    z: &mut impl std::io::Read,
) -> std::result::Result<(String, u64), String> {
    let mut head = Vec::with_capacity(32);
    let mut byte = [0u8; 1];
    loop {
        match z.read(&mut byte) {
            Ok(1) if byte[0] == 0 => break,
            Ok(1) if head.len() < 32 => head.push(byte[0]),
            Ok(_) => return Err("no object header".into()),
            Err(e) => return Err(e.to_string()),
        }
    }
    let text = std::str::from_utf8(&head).map_err(|_| "bad object header".to_string())?;
    let (kind, size) = text.split_once(' ').ok_or("bad object header")?;
    let size = size
        .parse::<u64>()
        .ok()
        .filter(|_| size.bytes().all(|b| b.is_ascii_digit()))
        .ok_or("bad size in the object header")?;
    Ok((kind.to_string(), size))
}

/// Read up to `size + 1` bytes of `z` into `out`: exactly `size` is a whole object.
pub(crate) fn loose_body(
    z: &mut impl std::io::Read,
    size: u64,
    out: &mut impl std::io::Write,
) -> std::result::Result<(), String> {
    use std::io::Read;
    let n = std::io::copy(&mut z.take(size + 1), out).map_err(|e| e.to_string())?;
    match n.cmp(&size) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Greater => Err(format!("more data than the header's {size} bytes")),
        std::cmp::Ordering::Less => Err(format!("less data than the header's {size} bytes")),
    }
}

/// Read the loose object `id` of `objects_dir` as a blob: `blob <size>\0` then exactly `size`
/// bytes. Nothing past `max` is inflated.
fn read_loose_blob(objects_dir: &Path, id: git2::Oid, max: u64) -> Loose {
    let mut z = match open_loose(objects_dir, id) {
        Ok(Some(z)) => z,
        Ok(None) => return Loose::Absent,
        Err(e) => return Loose::Damaged(e.to_string()),
    };
    let size = match loose_header(&mut z) {
        Ok((kind, size)) if kind == "blob" => size,
        Ok((kind, _)) => return Loose::Damaged(format!("a {kind}, not a blob")),
        Err(why) => return Loose::Damaged(why),
    };
    if size > max {
        return Loose::TooLarge(size);
    }
    let mut data = Vec::with_capacity(size as usize);
    match loose_body(&mut z, size, &mut data) {
        Ok(()) => Loose::Blob(data),
        Err(why) => Loose::Damaged(why),
    }
}

/// Why the loose file of `id` in `repo` is damaged, if it is: read through, in constant
/// memory, before libgit2 may read it, since libgit2 1.9.7 spins forever on some damaged loose
/// objects (a ref's tip, a commit, a tree: found by the mutation test and the fuzz targets).
/// None when there is no loose file (packed objects are checked by `pack.rs`) or it is whole.
pub fn loose_damage(repo: &Repository, id: Oid) -> Option<String> {
    let objects_dir = repo.commondir().join("objects");
    let mut z = match open_loose(&objects_dir, id) {
        Ok(Some(z)) => z,
        Ok(None) => return None,
        Err(e) => return Some(e.to_string()),
    };
    let checked =
        loose_header(&mut z).and_then(|(_, size)| loose_body(&mut z, size, &mut std::io::sink()));
    checked
        .err()
        .map(|why| format!("damaged loose object ({why})"))
}

/// `repo.find_commit`, refusing a damaged loose object before libgit2 reads it.
pub fn find_commit(
    repo: &Repository,
    id: Oid,
) -> std::result::Result<git2::Commit<'_>, git2::Error> {
    guard(repo, id)?;
    repo.find_commit(id)
}

/// The commit `id` names, through annotated tags, each object checked as `find_object` does
/// before libgit2 reads it (`Object::peel` reads a tag's target unchecked: a damaged loose
/// commit behind HEAD or a tag spun libgit2's inflate loop forever). `Ok(None)`: it names a
/// tree or a blob, no commit.
pub fn peel_to_commit(
    repo: &Repository,
    mut id: Oid,
) -> std::result::Result<Option<git2::Commit<'_>>, git2::Error> {
    // Tags of tags are legal but never deep; a loop of them is damage.
    for _ in 0..16 {
        let obj = find_object(repo, id)?;
        match obj.kind() {
            Some(git2::ObjectType::Tag) => match obj.as_tag() {
                Some(t) => id = t.target_id(),
                None => return Err(git2::Error::from_str("a tag that cannot be read")),
            },
            Some(git2::ObjectType::Commit) => return Ok(obj.into_commit().ok()),
            _ => return Ok(None),
        }
    }
    Err(git2::Error::from_str("a chain of more than 16 tags"))
}

/// `repo.find_object`, refusing a damaged loose object before libgit2 reads it.
pub fn find_object(
    repo: &Repository,
    id: Oid,
) -> std::result::Result<git2::Object<'_>, git2::Error> {
    guard(repo, id)?;
    repo.find_object(id, None)
}

fn guard(repo: &Repository, id: Oid) -> std::result::Result<(), git2::Error> {
    match loose_damage(repo, id) {
        Some(why) => Err(git2::Error::from_str(&why)),
        None => Ok(()),
    }
}

/// An object's size and type from its header, without inflating it; the type is None when
/// libgit2 reports none of the four object types (a damaged pack entry). git2's own
/// `Odb::read_header` unwraps that type and panicked on mutated packs (248 of 1,200 runs).
pub fn read_header(
    odb: &git2::Odb<'_>,
    id: git2::Oid,
) -> std::result::Result<(usize, Option<ObjectType>), git2::Error> {
    use git2::Binding;
    let mut size: usize = 0;
    let mut kind = libgit2_sys::GIT_OBJECT_ANY;
    // SAFETY: both handles are live for the call; libgit2 writes only the two out-params.
    let rc = unsafe { libgit2_sys::git_odb_read_header(&mut size, &mut kind, odb.raw(), id.raw()) };
    if rc < 0 {
        return Err(git2::Error::last_error(rc));
    }
    Ok((size, ObjectType::from_raw(kind)))
}

/// A blob over `--max-file-size`: counted and announced, not scanned.
pub fn skip_large(ctx: &crate::sources::ScanContext<'_>, path: &str, id: git2::Oid, size: u64) {
    ctx.stats
        .skipped_large
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    (ctx.on_warning)(&format!(
        "{path} (blob {id}): skipped, {size} bytes is over --max-file-size ({} bytes)",
        ctx.max_file_size
    ));
}

/// Count a blob that was read; false for a Git LFS pointer (nothing to scan in it).
pub fn accept_blob(ctx: &crate::sources::ScanContext<'_>, data: &[u8]) -> bool {
    use std::sync::atomic::Ordering;
    ctx.stats.files.fetch_add(1, Ordering::Relaxed);
    ctx.stats
        .bytes
        .fetch_add(data.len() as u64, Ordering::Relaxed);
    !is_lfs_pointer(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn tree_order_puts_a_directory_after_a_same_prefix_file() {
        use std::cmp::Ordering::*;
        assert_eq!(git_order(b"a", false, b"a", false), Equal);
        assert_eq!(git_order(b"a", true, b"a.c", false), Greater); // "a/" > "a."
        assert_eq!(git_order(b"a", true, b"a0", false), Less); // "a/" < "a0"
        assert_eq!(git_order(b"a", false, b"a", true), Less);
    }

    #[test]
    fn lfs_pointers_are_recognised() {
        let oid = "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393";
        let p =
            format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 12345\n");
        assert!(is_lfs_pointer(p.as_bytes()));
        let ext = format!(
            "version https://git-lfs.github.com/spec/v1\next-0-foo sha256:{oid}\noid sha256:{oid}\nsize 1\n"
        );
        assert!(is_lfs_pointer(ext.as_bytes()));
        assert!(!is_lfs_pointer(b"version 1\n"));
        // The header line alone, or followed by anything else, is not a pointer.
        let header = "version https://git-lfs.github.com/spec/v1\n";
        assert!(!is_lfs_pointer(header.as_bytes()));
        for extra in [
            format!("oid sha256:{oid}\nsize 12\nDB_PASSWORD=x\n"),
            format!("DB_PASSWORD=x\noid sha256:{oid}\nsize 12\n"),
            format!("oid sha256:{}\nsize 12\n", &oid[..60]),
            format!("oid sha256:{oid}\nsize 12"),
            format!("oid sha256:{oid}\nsize 12 x\n"),
        ] {
            assert!(
                !is_lfs_pointer(format!("{header}{extra}").as_bytes()),
                "{extra}"
            );
        }
    }
}
