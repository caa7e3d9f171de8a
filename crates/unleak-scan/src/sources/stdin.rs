//! `-`: scan standard input as one blob named `-`, within `--max-file-size`, in bounded
//! chunks when it is long (chunked.rs).

use std::io::Read;
use std::sync::atomic::Ordering;

use crate::context::ScanContext;
use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::sources::chunked;
use crate::sources::read_buffer::ReadBuffer;

/// Read at most `--max-file-size` bytes, in bounded chunks; more is a counted warning (the
/// scan is incomplete) and nothing is scanned, as for an explicit file over the limit.
pub fn scan(ctx: &ScanContext<'_>, mut input: impl Read) -> Result<Vec<Finding>> {
    let mut buf = ReadBuffer::default();
    let found = chunked::scan_reader(
        ctx,
        "-",
        &mut input,
        &mut buf,
        ctx.max_file_size,
        ctx.chunking,
    )
    .map_err(|e| Error::io("<stdin>", e))?;
    Ok(found.unwrap_or_else(|| {
        ctx.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
        ctx.warn(&format!(
            "-: standard input not scanned, larger than --max-file-size ({} bytes)",
            ctx.max_file_size
        ));
        Vec::new()
    }))
}
