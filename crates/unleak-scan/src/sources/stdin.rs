//! `-`: scan standard input as one blob named `-`.

use std::io::Read;
use std::sync::atomic::Ordering;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::sources::{scan_blob, ScanContext};

/// Read at most `--max-file-size` bytes; more is a counted warning (the scan is incomplete)
/// and nothing is scanned, as for an explicit file over the limit.
pub fn scan(ctx: &ScanContext<'_>, input: impl Read) -> Result<Vec<Finding>> {
    let mut buf = Vec::new();
    input
        .take(ctx.max_file_size.saturating_add(1))
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("<stdin>", e))?;
    if buf.len() as u64 > ctx.max_file_size {
        ctx.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
        ctx.warn(&format!(
            "-: standard input not scanned, larger than --max-file-size ({} bytes)",
            ctx.max_file_size
        ));
        return Ok(Vec::new());
    }
    Ok(scan_blob(ctx, "-", &buf))
}
