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

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::sources::read_buffer::ReadBuffer;
use crate::sources::{chunked, ScanContext};

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

/// Scan `root` (a directory or a single file).
pub fn scan(ctx: &ScanContext<'_>, root: &Path, opts: &TreeOptions) -> Result<Vec<Finding>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    if meta.is_file() {
        let e = Entry {
            path: root.to_path_buf(),
            display: display_path(root, Path::new("")),
        };
        return Ok(READ_BUFFER.with_borrow_mut(|buf| scan_entry(ctx, &e, buf)));
    }
    let found = Mutex::new(Vec::new());
    walk(ctx, root, opts, |e| {
        let mut f = READ_BUFFER.with_borrow_mut(|buf| scan_entry(ctx, &e, buf));
        if !f.is_empty() {
            found
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .append(&mut f);
        }
    });
    Ok(found.into_inner().unwrap_or_else(|p| p.into_inner()))
}

/// Walk `root` on one thread per core and call `visit` for every file to scan, on the thread
/// that found it.
fn walk(ctx: &ScanContext<'_>, root: &Path, opts: &TreeOptions, visit: impl Fn(Entry) + Sync) {
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .ignore(false)
        .parents(true)
        .git_ignore(!opts.no_ignore)
        .git_exclude(!opts.no_ignore)
        .git_global(!opts.no_ignore)
        .require_git(true)
        .follow_links(false)
        .filter_entry(|e| e.file_name() != ".git")
        .threads(threads)
        .build_parallel();
    walker.run(|| {
        let visit = &visit;
        Box::new(move |result| {
            match result {
                Ok(e) if e.file_type().is_some_and(|t| t.is_file()) => {
                    let display = display_path(e.path(), root);
                    if ctx.config.path_allowed(&display) || is_active_config(ctx, e.path()) {
                        ctx.stats
                            .skipped_allowlisted
                            .fetch_add(1, Ordering::Relaxed);
                    } else {
                        visit(Entry {
                            path: e.into_path(),
                            display,
                        });
                    }
                }
                Ok(_) => {}
                Err(err) => ctx.warn(&format!("cannot walk: {err}")),
            }
            ignore::WalkState::Continue
        })
    });
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
