//! `-`: scan standard input as one blob named `-`.

use std::io::Read;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::sources::{scan_blob, ScanContext};

pub fn scan(ctx: &ScanContext<'_>, mut input: impl Read) -> Result<Vec<Finding>> {
    let mut buf = Vec::new();
    input
        .read_to_end(&mut buf)
        .map_err(|e| Error::io("<stdin>", e))?;
    Ok(scan_blob(ctx, "-", &buf))
}
