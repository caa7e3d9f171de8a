//! Working trees: walk with the `ignore` crate (honouring `.gitignore` inside git work trees,
//! never reading `.git/`, scanning hidden files), then read and scan files in parallel with
//! rayon.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::sources::{scan_blob, ScanContext};

#[derive(Clone, Debug, Default)]
pub struct TreeOptions {
    /// Also scan files that `.gitignore` ignores.
    pub no_ignore: bool,
}

/// A file to scan: where it is, and the name reports give it.
struct Entry {
    path: PathBuf,
    display: String,
    len: u64,
}

/// Scan `root` (a directory or a single file).
pub fn scan(ctx: &ScanContext<'_>, root: &Path, opts: &TreeOptions) -> Result<Vec<Finding>> {
    let meta = std::fs::metadata(root).map_err(|e| Error::io(root, e))?;
    let entries = if meta.is_file() {
        let display = display_path(root, Path::new(""));
        vec![Entry {
            path: root.to_path_buf(),
            display,
            len: meta.len(),
        }]
    } else {
        walk(ctx, root, opts)
    };
    let findings: Vec<Finding> = entries
        .par_iter()
        .flat_map_iter(|e| READ_BUFFER.with_borrow_mut(|buf| scan_entry(ctx, e, buf)))
        .collect();
    Ok(findings)
}

fn walk(ctx: &ScanContext<'_>, root: &Path, opts: &TreeOptions) -> Vec<Entry> {
    let entries = Mutex::new(Vec::new());
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
        .threads(rayon::current_num_threads().min(4))
        .build_parallel();
    walker.run(|| {
        let entries = &entries;
        Box::new(move |result| {
            match result {
                Ok(e) => {
                    if e.file_type().is_some_and(|t| t.is_file()) {
                        let display = display_path(e.path(), root);
                        if ctx.config.path_allowed(&display) || is_active_config(ctx, e.path()) {
                            ctx.stats
                                .skipped_allowlisted
                                .fetch_add(1, Ordering::Relaxed);
                        } else {
                            let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                            entries
                                .lock()
                                .unwrap_or_else(|p| p.into_inner())
                                .push(Entry {
                                    path: e.into_path(),
                                    display,
                                    len,
                                });
                        }
                    }
                }
                Err(err) => ctx.warn(&format!("cannot walk: {err}")),
            }
            ignore::WalkState::Continue
        })
    });
    let mut v = entries.into_inner().unwrap_or_else(|p| p.into_inner());
    // Big files first: they bound the wall time, so start them early.
    v.sort_unstable_by_key(|e| std::cmp::Reverse(e.len));
    v
}

thread_local! {
    /// One read buffer a thread, reused for every file it scans.
    static READ_BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn scan_entry(ctx: &ScanContext<'_>, e: &Entry, buf: &mut Vec<u8>) -> Vec<Finding> {
    if e.len > ctx.max_file_size {
        ctx.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
        (ctx.on_warning)(&format!(
            "{}: skipped, {} bytes is over --max-file-size ({} bytes)",
            e.display, e.len, ctx.max_file_size
        ));
        return Vec::new();
    }
    buf.clear();
    buf.reserve(e.len as usize + 1);
    let read = File::open(&e.path).and_then(|mut f| f.read_to_end(buf));
    if let Err(err) = read {
        ctx.warn(&format!("{}: cannot read: {err}", e.display));
        return Vec::new();
    }
    scan_blob(ctx, &e.display, buf)
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
