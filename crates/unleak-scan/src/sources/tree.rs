//! Working trees: walk with the `ignore` crate (honouring `.gitignore` inside git work trees,
//! never reading `.git/`, scanning hidden files) on one thread per core, each thread scanning
//! the files it walks.
//!
//! Why not a walker feeding rayon through a channel (the first design): on a 13,000-file tree
//! the hand-over cost ~45,000 futex calls and a context switch per few files, and the walker
//! threads competed with the scanners for two cores; scanning where the walk happens needs no
//! hand-over at all (29 futex calls on the same tree).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use crate::context::ScanContext;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::sources::chunked;
use crate::sources::read_buffer::ReadBuffer;

#[derive(Clone, Debug, Default)]
pub struct TreeOptions {
    /// Also scan files that `.gitignore` ignores.
    pub no_ignore: bool,
}

/// A file to scan: where it is, and the name reports give it.
struct Entry {
    path: PathBuf,
    display: String,
}

/// Scan `root`: a directory, or anything else given by name, which is read whole whatever it
/// is: a regular file, or a stream (a FIFO, `/dev/stdin`, a shell's `<(cmd)`), up to
/// `--max-file-size`. Something named explicitly that is not read in full (unreadable, over
/// the limit) is a counted warning, so the scan cannot end clean; in a directory walk, files
/// over the limit are a documented, uncounted skip.
pub fn scan(ctx: &ScanContext<'_>, root: &Path, opts: &TreeOptions) -> Result<Vec<Finding>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if !meta.is_dir() {
        let e = Entry {
            path: root.to_path_buf(),
            display: display_path(root, Path::new("")),
        };
        return Ok(READ_BUFFER.with_borrow_mut(|buf| scan_explicit(ctx, &e, buf)));
    }
    let found = Mutex::new(Vec::new());
    let scan = |e: Entry| {
        let mut f = READ_BUFFER.with_borrow_mut(|buf| scan_entry(ctx, &e, buf));
        if !f.is_empty() {
            found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .append(&mut f);
        }
    };
    let top = (!opts.no_ignore).then(|| work_tree_top(root)).flatten();
    // `.gitignore` files the walker would read: refused unless regular and small, and then
    // not applied at all where they are (everything there is scanned, a note says so).
    let unsafe_above = top.as_ref().and_then(|t| {
        ignore_files_above(root, t)
            .into_iter()
            .find(|p| unsafe_ignore_file(p))
    });
    if let Some(p) = &unsafe_above {
        note_unsafe_ignore(ctx, p);
    }
    let ignoring = top.is_some() && unsafe_above.is_none();
    let seen = ignoring.then(|| Mutex::new(Vec::new()));
    let mut pruned = walk(ctx, root, root, ignoring, seen.as_ref(), &scan);
    while let Some(dir) = pruned.pop() {
        pruned.extend(walk(ctx, root, &dir, false, seen.as_ref(), &scan));
    }
    // Tracked files are scanned even where `.gitignore` ignores them (`git add -f`): they
    // are committed. The walk recorded what it saw; the index names what it did not.
    if let (Some(top), Some(seen)) = (&top, seen) {
        let seen = seen.into_inner().unwrap_or_else(|p| p.into_inner());
        for e in tracked_unseen(ctx, root, top, seen) {
            scan(e);
        }
    }
    Ok(found.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// The largest `.gitignore` read (git's own are kilobytes; the `ignore` crate reads a file
/// line by line into memory without a bound, so `/dev/zero` behind a link took 4 GB).
const MAX_IGNORE_FILE: u64 = 1 << 20;

/// Whether the `.gitignore` at `path` must not be read: not a regular file (a link, which
/// git itself refuses to follow; a FIFO, which would block the walk forever; a device) or too
/// large. Costs one `lstat` per directory.
fn unsafe_ignore_file(path: &Path) -> bool {
    match std::fs::symlink_metadata(path) {
        Ok(m) => !m.file_type().is_file() || m.len() > MAX_IGNORE_FILE,
        Err(_) => false,
    }
}

fn note_unsafe_ignore(ctx: &ScanContext<'_>, path: &Path) {
    let dir = path.parent().unwrap_or(Path::new("."));
    (ctx.on_warning)(&format!(
        "{}: not a regular file or over {} bytes, not read; no ignore rules apply under {}, every file there is scanned",
        path.display(),
        MAX_IGNORE_FILE,
        dir.display()
    ));
}

/// The `.gitignore` files of `root` and of its parents up to the work tree's `top`.
fn ignore_files_above(root: &Path, top: &Path) -> Vec<PathBuf> {
    let (Ok(abs), Ok(top)) = (root.canonicalize(), top.canonicalize()) else {
        return Vec::new();
    };
    abs.ancestors()
        .take_while(|d| d.starts_with(&top))
        .map(|d| d.join(".gitignore"))
        .collect()
}

/// The top of the git work tree holding `root`, if any.
fn work_tree_top(root: &Path) -> Option<PathBuf> {
    let repo = git2::Repository::discover(root).ok()?;
    repo.workdir().map(Path::to_path_buf)
}

/// Walk `dir` (inside the scan's `root`) on one thread per core and call `visit` for every
/// file to scan, on the thread that found it; with `ignoring`, apply `.gitignore` rules. Every
/// file seen is recorded in `seen`. Returns the directories left out because their
/// `.gitignore` is unsafe to read: the caller walks them without ignore rules.
fn walk(
    ctx: &ScanContext<'_>,
    root: &Path,
    dir: &Path,
    ignoring: bool,
    seen: Option<&Mutex<Vec<PathBuf>>>,
    visit: &(dyn Fn(Entry) + Sync),
) -> Vec<PathBuf> {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    // The entry filter must be 'static: the pruned directories are shared through an Arc
    // and announced after the walk.
    let pruned = std::sync::Arc::new(Mutex::new(Vec::new()));
    let pruned_ref = pruned.clone();
    let walker = ignore::WalkBuilder::new(dir)
        .hidden(false)
        .ignore(false)
        .parents(ignoring)
        .git_ignore(ignoring)
        .git_exclude(ignoring)
        .git_global(ignoring)
        .require_git(true)
        .follow_links(false)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if ignoring && e.depth() > 0 && e.file_type().is_some_and(|t| t.is_dir()) {
                let gi = e.path().join(".gitignore");
                if unsafe_ignore_file(&gi) {
                    pruned_ref
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push(e.path().to_path_buf());
                    return false;
                }
            }
            true
        })
        .threads(threads)
        .build_parallel();
    walker.run(|| {
        let mut local = Seen {
            paths: Vec::new(),
            shared: seen,
        };
        Box::new(move |result| {
            match result {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    if local.shared.is_some() {
                        local.paths.push(e.path().to_path_buf());
                    }
                    let rel = display_path(e.path(), root);
                    if ctx.config.path_allowed(&rel) || is_active_config(ctx, e.path()) {
                        ctx.stats
                            .skipped_allowlisted
                            .fetch_add(1, Ordering::Relaxed);
                    } else {
                        visit(Entry {
                            display: as_typed(e.path()),
                            path: e.into_path(),
                        });
                    }
                }
                Ok(_) => {}
                Err(err) => ctx.warn(&format!("cannot walk: {err}")),
            }
            ignore::WalkState::Continue
        })
    });
    let pruned = std::mem::take(&mut *pruned.lock().unwrap_or_else(|p| p.into_inner()));
    for d in &pruned {
        note_unsafe_ignore(ctx, &d.join(".gitignore"));
    }
    pruned
}

/// Paths one walking thread saw, handed over when the thread's visitor is dropped (no lock
/// per file).
struct Seen<'a> {
    paths: Vec<PathBuf>,
    shared: Option<&'a Mutex<Vec<PathBuf>>>,
}

impl Drop for Seen<'_> {
    fn drop(&mut self) {
        if let Some(s) = self.shared {
            s.lock()
                .unwrap_or_else(|p| p.into_inner())
                .append(&mut self.paths);
        }
    }
}

/// Tracked files under `root` (from the git index at `top`) that the walk did not see: the
/// ones `.gitignore` hides although they are committed. Links, submodules and files not
/// checked out are left out, as the walk leaves them out.
fn tracked_unseen(
    ctx: &ScanContext<'_>,
    root: &Path,
    top: &Path,
    seen: Vec<PathBuf>,
) -> Vec<Entry> {
    let Ok(repo) = git2::Repository::open(top) else {
        return Vec::new();
    };
    let index = match repo.index() {
        Ok(i) => i,
        Err(e) => {
            ctx.warn(&format!(
                "{}: cannot read the git index ({}): files that .gitignore ignores but git tracks may be missed",
                top.display(),
                e.message()
            ));
            return Vec::new();
        }
    };
    let (Ok(abs_root), Ok(abs_top)) = (root.canonicalize(), top.canonicalize()) else {
        return Vec::new();
    };
    let Ok(prefix) = abs_root.strip_prefix(&abs_top) else {
        return Vec::new();
    };
    let seen: std::collections::HashSet<PathBuf> = seen.into_iter().collect();
    let mut out = Vec::new();
    for entry in index.iter() {
        if entry.mode & 0o170000 != 0o100000 {
            continue; // links, submodules
        }
        let rel = Path::new(std::str::from_utf8(&entry.path).unwrap_or_default());
        let Ok(under) = rel.strip_prefix(prefix) else {
            continue;
        };
        if under.as_os_str().is_empty() {
            continue;
        }
        let path = root.join(under);
        if seen.contains(&path)
            || !std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_file())
        {
            continue;
        }
        if ctx.config.path_allowed(&display_path(&path, root)) || is_active_config(ctx, &path) {
            continue;
        }
        out.push(Entry {
            display: as_typed(&path),
            path,
        });
    }
    out
}

thread_local! {
    /// One read buffer a thread, reused for every file it scans.
    static READ_BUFFER: std::cell::RefCell<ReadBuffer> = std::cell::RefCell::new(ReadBuffer::default());
}

fn scan_entry(ctx: &ScanContext<'_>, e: &Entry, buf: &mut ReadBuffer) -> Vec<Finding> {
    match read_and_scan(ctx, e, buf) {
        Ok(Some(found)) => found,
        Ok(None) => {
            ctx.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
            (ctx.on_warning)(&format!(
                "{}: skipped, larger than --max-file-size ({} bytes)",
                e.display, ctx.max_file_size
            ));
            Vec::new()
        }
        Err(err) => {
            ctx.warn(&format!("{}: cannot read: {err}", e.display));
            Vec::new()
        }
    }
}

/// A file or stream the user named: like [`scan_entry`], but not reading all of it counts.
fn scan_explicit(ctx: &ScanContext<'_>, e: &Entry, buf: &mut ReadBuffer) -> Vec<Finding> {
    match read_and_scan(ctx, e, buf) {
        Ok(Some(found)) => found,
        Ok(None) => {
            ctx.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
            ctx.warn(&format!(
                "{}: not scanned, larger than --max-file-size ({} bytes)",
                e.display, ctx.max_file_size
            ));
            Vec::new()
        }
        Err(err) => {
            ctx.warn(&format!("{}: cannot read: {err}", e.display));
            Vec::new()
        }
    }
}

/// Read and scan a file unless it is larger than `--max-file-size` (then `Ok(None)`), in
/// bounded chunks if it is longer than one (chunked.rs). One open and reads into a buffer the
/// thread reuses; no fstat (13,000 statx calls were 7% of the system time on a source tree):
/// reading stops one byte past the limit, which is how an oversize file shows, also one that
/// grows while we read.
fn read_and_scan(
    ctx: &ScanContext<'_>,
    e: &Entry,
    buf: &mut ReadBuffer,
) -> std::io::Result<Option<Vec<Finding>>> {
    let mut f = File::open(&e.path)?;
    chunked::scan_reader(
        ctx,
        &e.display,
        &mut f,
        buf,
        ctx.max_file_size,
        ctx.chunking,
    )
}

/// The configuration in use holds rule examples by design: it is not scanned.
fn is_active_config(ctx: &ScanContext<'_>, path: &Path) -> bool {
    let Some(src) = ctx.config.source.as_deref() else {
        return false;
    };
    path.file_name() == src.file_name()
        && path
            .canonicalize()
            .ok()
            .is_some_and(|p| src.canonicalize().ok() == Some(p))
}

/// How a walked file is reported: the scanned root as the user typed it, then the path under
/// it, `/`-separated, without a leading `./` (`scan lib test` reports `lib/a.py` and
/// `test/a.py`; only relative to their roots, both were `a.py`). Allowlists still match the
/// path under the root ([`display_path`]), as they always have.
fn as_typed(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest.trim_start_matches('/');
    }
    s.to_string()
}

/// `path` relative to `root`, `/`-separated; a lone file keeps the name it was given.
fn display_path(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let rel = if rel.as_os_str().is_empty() {
        path
    } else {
        rel
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_string).unwrap_or(s)
}
