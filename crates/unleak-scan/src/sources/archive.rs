//! Archives: the members of zip files (and everything that is one: jar, war, apk, whl, nupkg,
//! docx…), tar, tar.gz and gzip files are scanned as blobs of their own, named
//! `outer.zip!inner/path` (nested: `a.zip!b.tar.gz!c/.env`), with their own line numbers.
//!
//! Why: a leak inside an archive was counted as a skipped binary file and the scan ended
//! clean (issue 19). Archives are recognised by their magic bytes, never by their name, so a
//! renamed one is no hiding place.
//!
//! Cost on the hot path: [`scan_bytes`] looks at a few fixed bytes of every blob (the first
//! four, and a tar header's magic at offset 257); a plain text file pays nothing more. The
//! search for a zip's end record in the last 64 KiB runs only on blobs already judged binary.
//!
//! Bounds (all documented in the README): a member is inflated to at most `--max-file-size`
//! bytes and no further, whatever its header claims (nothing is allocated by a claimed size);
//! all members of one top-level archive together inflate to at most [`BUDGET_FACTOR`] times
//! that; at most [`MAX_MEMBERS`] members; archives nest at most [`MAX_DEPTH`] deep. A gzip
//! stream holding a tar is one layer (`x.tar.gz!member`). Memory stays at one member buffer
//! per open layer: a tar, in a gzip stream or not, is read member by member; a zip is read
//! where it lies (a file or a member, both within `--max-file-size`).
//!
//! What cannot be read makes the scan incomplete (a counted error, exit 3): a damaged or
//! truncated archive, an encrypted member, a compression method we do not decode. What a
//! chosen limit leaves out is a warning and a count, as for a file over `--max-file-size` in a
//! directory: a member over the limit (`skipped_large`), too deep, past the budget or the
//! member count, or a compressed format we do not open (bzip2, xz, zstd, 7z:
//! `skipped_archive`).
//!
//! The zip, tar and gzip-header parsing is our own (flate2, already a dependency, inflates):
//! the formats' few fields we need are simpler to bound ourselves than a crate's API, and no
//! new dependency enters the lock file.

use std::cell::{Cell, RefCell};
use std::io::Read;
use std::sync::atomic::Ordering;

use crate::context::ScanContext;
use crate::finding::Finding;
use crate::matcher::BlobOutcome;

/// Archives inside archives are opened to this depth: `a.zip!b.tar.gz!c.zip!d` has three
/// layers; a fourth is noted, not opened. Real nesting (a jar in a war in an ear, a wheel in
/// a tarball) rarely goes past three.
pub const MAX_DEPTH: usize = 3;
/// Members of one top-level archive, nested ones included, scanned at most. A large jar has
/// tens of thousands of classes.
pub const MAX_MEMBERS: u64 = 100_000;
/// All members of one top-level archive inflate to at most this many times
/// `--max-file-size` (400 MB at the default: a few seconds of inflating, then a note).
pub const BUDGET_FACTOR: u64 = 8;
/// A zip's end record lies within this many bytes of its end (22 bytes and a comment of at
/// most 65,535).
const EOCD_WINDOW: usize = 22 + 65_535;
/// A tar's long-name or pax header larger than this is taken for damage.
const MAX_TAR_META: u64 = 1 << 20;

/// An archive or compressed format, by its magic bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Zip,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    Zstd,
    SevenZip,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Zip => "zip",
            Format::Tar => "tar",
            Format::Gzip => "gzip",
            Format::Bzip2 => "bzip2",
            Format::Xz => "xz",
            Format::Zstd => "zstd",
            Format::SevenZip => "7z",
        }
    }
}

/// Why (part of) an archive was not scanned.
#[derive(Debug, thiserror::Error)]
pub enum Problem {
    #[error("damaged or truncated {format} archive ({detail}): the rest of it is not scanned")]
    Damaged {
        format: &'static str,
        detail: String,
    },
    #[error("encrypted member, not scanned")]
    Encrypted,
    #[error("compression method {0} is not supported, member not scanned")]
    Method(u16),
    #[error("{} data, not opened (only zip, tar and gzip are)", .0.name())]
    Unsupported(Format),
    #[error("member larger than --max-file-size ({0} bytes) once inflated, not scanned")]
    TooLarge(u64),
    #[error("archive nested deeper than {} levels, not opened", MAX_DEPTH)]
    Depth,
    #[error(
        "the archive's members inflate to more than {0} bytes ({factor} × --max-file-size): the rest is not scanned",
        factor = BUDGET_FACTOR
    )]
    Budget(u64),
    #[error("more than {} members: the rest are not scanned", MAX_MEMBERS)]
    Members,
}

impl Problem {
    /// Whether the scan is incomplete (a counted error): something there could not be read,
    /// rather than left out by a chosen limit.
    pub fn incomplete(&self) -> bool {
        matches!(
            self,
            Problem::Damaged { .. } | Problem::Encrypted | Problem::Method(_)
        )
    }

    fn damaged(format: Format, detail: impl Into<String>) -> Self {
        Problem::Damaged {
            format: format.name(),
            detail: detail.into(),
        }
    }
}

/// Scan a blob found at `path`: the matcher's outcome for plain blobs, and for an archive its
/// members' findings (paths `path!member`, not yet filtered by the configuration). Sources
/// call this where they called `Matcher::scan_bytes`.
/// At most `ctx.max_findings_per_file` findings come back ([`ScanContext::bound`]).
pub fn scan_bytes(ctx: &ScanContext<'_>, path: &str, bytes: &[u8]) -> BlobOutcome {
    let found = if let Some(format) = sniff(bytes) {
        scan(ctx, path, bytes, format)
    } else {
        match ctx.matcher.scan_bytes(path, bytes) {
            BlobOutcome::Binary => match zip_at_end(bytes) {
                Some(_) => scan(ctx, path, bytes, Format::Zip),
                None => return BlobOutcome::Binary,
            },
            BlobOutcome::Scanned(found) => found,
        }
    };
    BlobOutcome::Scanned(ctx.bound(path, found))
}

/// Note an archive that is not opened because it is read in chunks (larger than one chunk,
/// with a `--max-file-size` above it): it would have to be held whole.
pub fn note_unopened_chunked(ctx: &ScanContext<'_>, path: &str, first_chunk: &[u8]) -> bool {
    let Some(format) = sniff(first_chunk) else {
        return false;
    };
    ctx.stats.skipped_archive.fetch_add(1, Ordering::Relaxed);
    (ctx.on_warning)(&format!(
        "{path}: {} archive larger than one read chunk, not opened",
        format.name()
    ));
    true
}

/// The format whose magic bytes `bytes` start with (a tar: whose first header is valid).
/// A few byte comparisons: this runs on every blob.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    match bytes {
        [b'P', b'K', 3, 4, ..]
        | [b'P', b'K', 5, 6, ..]
        | [b'P', b'K', 7, 8, b'P', b'K', 3, 4, ..] => Some(Format::Zip),
        [0x1f, 0x8b, 8, ..] => Some(Format::Gzip),
        [b'B', b'Z', b'h', b'1'..=b'9', 0x31, 0x41, 0x59, 0x26, 0x53, 0x59, ..] => {
            Some(Format::Bzip2)
        }
        [0xFD, b'7', b'z', b'X', b'Z', 0, ..] => Some(Format::Xz),
        [0x28, 0xB5, 0x2F, 0xFD, ..] => Some(Format::Zstd),
        [b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C, ..] => Some(Format::SevenZip),
        _ if is_tar_header(bytes) => Some(Format::Tar),
        _ => None,
    }
}

/// A ustar header (POSIX or GNU) with a checksum that matches: text that merely holds
/// "ustar" at offset 257 is no tar.
fn is_tar_header(b: &[u8]) -> bool {
    b.get(257..262) == Some(b"ustar") && b.len() >= 512 && tar_checksum_ok(&b[..512])
}

fn tar_checksum_ok(h: &[u8]) -> bool {
    let Some(want) = octal(&h[148..156]) else {
        return false;
    };
    let sum: u64 = h
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            if (148..156).contains(&i) {
                32
            } else {
                b as u64
            }
        })
        .sum();
    sum == want
}

/// A tar numeric field: octal digits (spaces and NULs around them), or base-256 when the
/// top bit of the first byte is set (GNU, for sizes of 8 GiB and more).
fn octal(field: &[u8]) -> Option<u64> {
    if field.first().is_some_and(|b| b & 0x80 != 0) {
        let mut n: u64 = (field[0] & 0x7f) as u64;
        for &b in &field[1..] {
            n = n.checked_mul(256)?.checked_add(b as u64)?;
        }
        return Some(n);
    }
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c: char| c == ' ' || c == '\0');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

/// The end record of a zip whose data does not start at byte 0 (a self-extracting archive,
/// a jar behind a launcher script), checked to point at a central directory. Runs only on
/// blobs already judged binary.
fn zip_at_end(bytes: &[u8]) -> Option<Eocd> {
    let e = find_eocd(bytes).ok()?;
    (e.entries == 0 || has_sig(bytes, e.cd_start, b"PK\x01\x02")).then_some(e)
}

/// Scan the members of the archive `bytes` (of `format`) found at `path`.
pub fn scan(ctx: &ScanContext<'_>, path: &str, bytes: &[u8], format: Format) -> Vec<Finding> {
    let budget = ctx.max_file_size.saturating_mul(BUDGET_FACTOR);
    let walk = Walk {
        ctx,
        budget,
        left: Cell::new(budget),
        spent: Cell::new(false),
        members: Cell::new(0),
        stopped: Cell::new(false),
        found: RefCell::new(Vec::new()),
    };
    walk.layer(path, bytes, format, 1);
    walk.found.into_inner()
}

/// One top-level archive being walked (on one thread): its budget, counts and findings.
struct Walk<'c, 'a> {
    ctx: &'c ScanContext<'a>,
    budget: u64,
    /// Inflated bytes still allowed.
    left: Cell<u64>,
    /// A read wanted more than the budget allowed.
    spent: Cell<bool>,
    members: Cell<u64>,
    /// The budget or the member count ran out: nothing more is read.
    stopped: Cell<bool>,
    found: RefCell<Vec<Finding>>,
}

impl Walk<'_, '_> {
    /// Open one archive layer at `path` (`depth` 1 for the top-level archive).
    fn layer(&self, path: &str, bytes: &[u8], format: Format, depth: usize) {
        if depth > MAX_DEPTH {
            return self.report(path, Problem::Depth);
        }
        let done = match format {
            Format::Zip => self.zip(path, bytes, depth),
            Format::Tar => self.tar(path, &mut self.meter(bytes), depth, Format::Tar),
            Format::Gzip => self.gzip(path, bytes, depth),
            other => Err(Problem::Unsupported(other)),
        };
        if let Err(p) = done {
            self.report(path, p);
        }
    }

    /// Scan one member's bytes: a nested archive is opened one level deeper.
    fn member(&self, path: &str, bytes: &[u8], depth: usize) {
        let n = self.members.get() + 1;
        self.members.set(n);
        if n > MAX_MEMBERS {
            self.stopped.set(true);
            return self.report(path, Problem::Members);
        }
        let stats = &self.ctx.stats;
        stats.archive_members.fetch_add(1, Ordering::Relaxed);
        if let Some(format) = sniff(bytes) {
            return self.layer(path, bytes, format, depth + 1);
        }
        match self.ctx.matcher.scan_bytes(path, bytes) {
            BlobOutcome::Scanned(f) => self.found.borrow_mut().extend(f),
            BlobOutcome::Binary => {
                if zip_at_end(bytes).is_some() {
                    self.layer(path, bytes, Format::Zip, depth + 1);
                }
            }
        }
    }

    /// Say what was not scanned, and count it: a counted error when the scan is incomplete.
    fn report(&self, path: &str, p: Problem) {
        let ctx = self.ctx;
        let message = format!("{path}: {p}");
        if p.incomplete() {
            return ctx.warn(&message);
        }
        let counter = match p {
            Problem::TooLarge(_) => &ctx.stats.skipped_large,
            _ => &ctx.stats.skipped_archive,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        (ctx.on_warning)(&message);
    }

    fn meter<R: Read>(&self, inner: R) -> Meter<'_, R> {
        Meter {
            inner,
            left: &self.left,
            spent: &self.spent,
        }
    }

    /// What a read that ended early means: the budget ran out, or the data did.
    fn ended(&self, format: Format, what: &str) -> Problem {
        if self.spent.get() {
            self.stopped.set(true);
            Problem::Budget(self.budget)
        } else {
            Problem::damaged(format, format!("{what} ends early"))
        }
    }

    fn io(&self, format: Format, e: std::io::Error) -> Problem {
        if self.spent.get() {
            self.stopped.set(true);
            return Problem::Budget(self.budget);
        }
        Problem::damaged(format, e.to_string())
    }

    /// Read a member of `size` bytes (as claimed) from `input` into memory, within
    /// `--max-file-size`: `None` (and the claimed bytes skipped) when it is larger.
    fn read_member(
        &self,
        input: &mut dyn Read,
        format: Format,
        size: Option<u64>,
    ) -> Result<Option<Vec<u8>>, Problem> {
        let max = self.ctx.max_file_size;
        if let Some(s) = size.filter(|&s| s > max) {
            // Claimed too large: skipped unread (in a gzip stream, inflated to skip it).
            let skipped = std::io::copy(&mut Read::take(&mut *input, s), &mut std::io::sink())
                .map_err(|e| self.io(format, e))?;
            if skipped < s {
                return Err(self.ended(format, "a member"));
            }
            return Ok(None);
        }
        let mut data = Vec::new();
        let want = size.map_or(max.saturating_add(1), |s| s.min(max.saturating_add(1)));
        Read::take(&mut *input, want)
            .read_to_end(&mut data)
            .map_err(|e| self.io(format, e))?;
        if self.spent.get() {
            return Err(self.ended(format, "a member"));
        }
        if data.len() as u64 > max {
            return Ok(None); // no size known: inflating stopped one byte past the limit
        }
        if size.is_some_and(|s| (data.len() as u64) < s) {
            return Err(self.ended(format, "a member"));
        }
        Ok(Some(data))
    }

    /// A gzip stream (concatenated members too): a tar inside is read as this layer's
    /// members; anything else is the layer's one member, named after the outer name.
    fn gzip(&self, path: &str, bytes: &[u8], depth: usize) -> Result<(), Problem> {
        let mut input = self.meter(flate2::read::MultiGzDecoder::new(bytes));
        let mut head = Vec::with_capacity(512);
        (&mut input)
            .take(512)
            .read_to_end(&mut head)
            .map_err(|e| self.io(Format::Gzip, e))?;
        if is_tar_header(&head) {
            let mut tar = (&head[..]).chain(input);
            return self.tar(path, &mut tar, depth, Format::Gzip);
        }
        let name = gunzipped_name(path, bytes);
        let inner = format!("{path}!{name}");
        let mut rest = (&head[..]).chain(input);
        match self.read_member(&mut rest, Format::Gzip, None)? {
            Some(data) => self.member(&inner, &data, depth),
            None => self.report(&inner, Problem::TooLarge(self.ctx.max_file_size)),
        }
        Ok(())
    }

    /// A tar stream, header by header; members are read one at a time. `format` names the
    /// outer format in notes (a tar in gzip is damaged as gzip when the inflating fails).
    fn tar(
        &self,
        path: &str,
        input: &mut dyn Read,
        depth: usize,
        format: Format,
    ) -> Result<(), Problem> {
        let mut header = [0u8; 512];
        let mut long_name: Option<String> = None;
        let mut pax_path: Option<String> = None;
        loop {
            if self.stopped.get() {
                return Ok(());
            }
            let got = read_full(input, &mut header).map_err(|e| self.io(format, e))?;
            // Missing end-of-archive blocks (POSIX requires them; GNU tar and Python write
            // them) are taken for a cut: a tar cut between members would otherwise look whole.
            if got < header.len() {
                return Err(self.ended(format, "a tar header"));
            }
            if header.iter().all(|&b| b == 0) {
                return Ok(());
            }
            if !tar_checksum_ok(&header) {
                return Err(Problem::damaged(
                    Format::Tar,
                    "a header's checksum does not match",
                ));
            }
            let size = octal(&header[124..136])
                .ok_or_else(|| Problem::damaged(Format::Tar, "a header's size is not a number"))?;
            let padded = size
                .checked_next_multiple_of(512)
                .ok_or_else(|| Problem::damaged(Format::Tar, "a header's size is too large"))?;
            let padding = padded - size;
            match header[156] {
                kind @ (b'L' | b'x' | b'g') => {
                    if size > MAX_TAR_META {
                        return Err(Problem::damaged(
                            Format::Tar,
                            "an extended header is too large",
                        ));
                    }
                    let meta = self
                        .read_member(input, format, Some(size))?
                        .unwrap_or_default();
                    skip(input, padding).map_err(|e| self.io(format, e))?;
                    match kind {
                        b'L' => long_name = Some(c_string(&meta)),
                        b'x' => pax_path = pax_value(&meta, "path").or(pax_path),
                        _ => {}
                    }
                }
                b'0' | 0 | b'7' => {
                    let name = pax_path
                        .take()
                        .or(long_name.take())
                        .unwrap_or_else(|| header_name(&header));
                    let inner = format!("{path}!{}", clean_name(&name));
                    let data = self.read_member(input, format, Some(size))?;
                    skip(input, padding).map_err(|e| self.io(format, e))?;
                    match data {
                        Some(d) => self.member(&inner, &d, depth),
                        None => self.report(&inner, Problem::TooLarge(self.ctx.max_file_size)),
                    }
                }
                _ => {
                    // Directories, links, devices: no content of their own.
                    pax_path = None;
                    long_name = None;
                    let skipped =
                        std::io::copy(&mut Read::take(&mut *input, padded), &mut std::io::sink())
                            .map_err(|e| self.io(format, e))?;
                    if skipped < padded {
                        return Err(self.ended(format, "an entry"));
                    }
                }
            }
        }
    }

    /// A zip, read where it lies through its central directory.
    fn zip(&self, path: &str, bytes: &[u8], depth: usize) -> Result<(), Problem> {
        let dir = find_eocd(bytes)?;
        let mut at = dir.cd_start;
        for _ in 0..dir.entries {
            if self.stopped.get() {
                return Ok(());
            }
            let e = central_entry(bytes, at)?;
            at = e.next;
            if e.name.ends_with('/') {
                continue; // a directory
            }
            let inner = format!("{path}!{}", clean_name(&e.name));
            if e.flags & 1 != 0 {
                self.report(&inner, Problem::Encrypted);
                continue;
            }
            let data = local_data(bytes, e.local.checked_add(dir.shift), e.compressed)?;
            let max = self.ctx.max_file_size;
            match e.method {
                0 => {
                    if data.len() as u64 > max {
                        self.report(&inner, Problem::TooLarge(max));
                        continue;
                    }
                    let left = self.left.get();
                    if data.len() as u64 > left {
                        self.stopped.set(true);
                        return Err(Problem::Budget(self.budget));
                    }
                    self.left.set(left - data.len() as u64);
                    self.member(&inner, data, depth);
                }
                8 => {
                    let mut inflate = self.meter(flate2::read::DeflateDecoder::new(data));
                    match self.read_member(&mut inflate, Format::Zip, None)? {
                        Some(d) if d.len() as u64 != e.uncompressed => {
                            return Err(zip_damage(
                                "a member inflates to another size than recorded",
                            ))
                        }
                        Some(d) => self.member(&inner, &d, depth),
                        None => self.report(&inner, Problem::TooLarge(max)),
                    }
                }
                m => self.report(&inner, Problem::Method(m)),
            }
        }
        Ok(())
    }
}

/// Counts inflated bytes against a walk's budget, and ends the stream where it runs out.
struct Meter<'w, R> {
    inner: R,
    left: &'w Cell<u64>,
    spent: &'w Cell<bool>,
}

impl<R: Read> Read for Meter<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        let left = self.left.get();
        if left == 0 {
            // At the bound: more data means the budget is spent, none means it fit exactly.
            let n = self.inner.read(&mut buf[..1])?;
            if n > 0 {
                self.spent.set(true);
            }
            return Ok(0);
        }
        let n = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..n])?;
        self.left.set(left - n as u64);
        Ok(n)
    }
}

/// Read until `buf` is full or the input ends; how many bytes came.
fn read_full(input: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Skip a tar entry's padding (a missing end of padding is tolerated: no data is lost).
fn skip(input: &mut dyn Read, n: u64) -> std::io::Result<()> {
    std::io::copy(&mut Read::take(input, n), &mut std::io::sink()).map(drop)
}

fn c_string(b: &[u8]) -> String {
    let end = memchr::memchr(0, b).unwrap_or(b.len());
    String::from_utf8_lossy(&b[..end]).into_owned()
}

/// A ustar header's name: its prefix field, when the magic is POSIX's, and the name field.
fn header_name(h: &[u8; 512]) -> String {
    let name = c_string(&h[..100]);
    if &h[257..263] == b"ustar\0" {
        let prefix = c_string(&h[345..500]);
        if !prefix.is_empty() {
            return format!("{prefix}/{name}");
        }
    }
    name
}

/// The value of `key` in pax extended header records (`LEN key=value\n`).
fn pax_value(records: &[u8], key: &str) -> Option<String> {
    let mut rest = records;
    while !rest.is_empty() {
        let space = memchr::memchr(b' ', rest)?;
        let len: usize = std::str::from_utf8(&rest[..space]).ok()?.parse().ok()?;
        let record = rest.get(space + 1..len)?;
        let record = record.strip_suffix(b"\n").unwrap_or(record);
        if let Some(v) = record
            .strip_prefix(key.as_bytes())
            .and_then(|r| r.strip_prefix(b"="))
        {
            return Some(String::from_utf8_lossy(v).into_owned());
        }
        rest = &rest[len..];
    }
    None
}

/// A member name as reports show it: `/`-separated, without a leading `./` or `/`.
fn clean_name(name: &str) -> String {
    let name = name.replace('\\', "/");
    let mut s = name.as_str();
    loop {
        if let Some(r) = s.strip_prefix("./") {
            s = r;
        } else if let Some(r) = s.strip_prefix('/') {
            s = r;
        } else {
            break;
        }
    }
    if s.is_empty() {
        "-".to_string()
    } else {
        s.to_string()
    }
}

/// The name of a gzip stream's content: the outer name without `.gz` (`.tgz` → `.tar`), or
/// the name the gzip header recorded, or the outer name.
fn gunzipped_name(path: &str, gz: &[u8]) -> String {
    let base = path.rsplit(['/', '!']).next().unwrap_or(path);
    let lower = base.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix(".gz").map(|s| &base[..s.len()]) {
        if !stem.is_empty() {
            return stem.to_string();
        }
    }
    if lower.ends_with(".tgz") {
        return format!("{}.tar", &base[..base.len() - 4]);
    }
    gzip_header_name(gz).unwrap_or_else(|| base.to_string())
}

/// FNAME of a gzip header (RFC 1952: after FEXTRA, when FLG.FNAME is set).
fn gzip_header_name(gz: &[u8]) -> Option<String> {
    let flags = *gz.get(3)?;
    if flags & 0x08 == 0 {
        return None;
    }
    let mut at = 10;
    if flags & 0x04 != 0 {
        let xlen = u16::from_le_bytes([*gz.get(10)?, *gz.get(11)?]) as usize;
        at += 2 + xlen;
    }
    let rest = gz.get(at..)?;
    let end = memchr::memchr(0, rest)?;
    let name = clean_name(&String::from_utf8_lossy(&rest[..end]));
    Some(name.rsplit('/').next().unwrap_or(&name).to_string())
}

/// The `N` bytes at `at`, if all are there (offsets come from the data: no overflow).
fn bytes_at<const N: usize>(b: &[u8], at: usize) -> Option<[u8; N]> {
    b.get(at..at.checked_add(N)?)?.try_into().ok()
}

fn has_sig(b: &[u8], at: usize, sig: &[u8; 4]) -> bool {
    bytes_at::<4>(b, at).is_some_and(|s| &s == sig)
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    bytes_at(b, at).map(u16::from_le_bytes)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    bytes_at(b, at).map(u32::from_le_bytes)
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    bytes_at(b, at).map(u64::from_le_bytes)
}

/// Where a zip's central directory is, from its end record.
struct Eocd {
    entries: u64,
    /// Offset of the central directory in `bytes`.
    cd_start: usize,
    /// Bytes before the archive's own offset 0 (a launcher script in front of a jar).
    shift: usize,
}

fn zip_damage(detail: &str) -> Problem {
    Problem::damaged(Format::Zip, detail)
}

/// Find and read the end of central directory record (zip64's too).
fn find_eocd(bytes: &[u8]) -> Result<Eocd, Problem> {
    let from = bytes.len().saturating_sub(EOCD_WINDOW);
    let at = memchr::memmem::rfind(&bytes[from..], b"PK\x05\x06")
        .map(|i| from + i)
        .ok_or_else(|| zip_damage("no end of central directory"))?;
    let bad = || zip_damage("end of central directory");
    if bytes.len() - at < 22 {
        return Err(bad()); // the record is cut
    }
    let mut entries = u16_at(bytes, at + 10).ok_or_else(bad)? as u64;
    let mut cd_size = u32_at(bytes, at + 12).ok_or_else(bad)? as u64;
    let mut cd_offset = u32_at(bytes, at + 16).ok_or_else(bad)? as u64;
    let mut cd_end = at;
    if entries == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
        // Zip64: a locator just before the record points at the zip64 end record.
        let loc = at.checked_sub(20).ok_or_else(bad)?;
        if !has_sig(bytes, loc, b"PK\x06\x07") {
            return Err(zip_damage("zip64 end of central directory locator"));
        }
        let rec = usize::try_from(u64_at(bytes, loc + 8).ok_or_else(bad)?).map_err(|_| bad())?;
        // The record's offset is the archive's own: find it relative to the locator when
        // data sits in front (it is 56 bytes, or more with an extensible data sector).
        let rec = if has_sig(bytes, rec, b"PK\x06\x06") {
            rec
        } else {
            loc.checked_sub(56)
                .filter(|&r| has_sig(bytes, r, b"PK\x06\x06"))
                .ok_or_else(|| zip_damage("zip64 end of central directory"))?
        };
        entries = u64_at(bytes, rec + 32).ok_or_else(bad)?;
        cd_size = u64_at(bytes, rec + 40).ok_or_else(bad)?;
        cd_offset = u64_at(bytes, rec + 48).ok_or_else(bad)?;
        cd_end = rec;
    }
    let cd_size = usize::try_from(cd_size).map_err(|_| bad())?;
    let cd_start = cd_end
        .checked_sub(cd_size)
        .ok_or_else(|| zip_damage("central directory larger than the file"))?;
    let shift = usize::try_from(cd_offset)
        .ok()
        .and_then(|o| cd_start.checked_sub(o))
        .ok_or_else(|| zip_damage("central directory offset past its place"))?;
    // Data in front of a zip is a launcher script; a zip that starts with a member of its own
    // and still seems shifted has lost its end: what was found is a stored inner zip's record.
    if shift > 0 && has_sig(bytes, 0, b"PK\x03\x04") {
        return Err(zip_damage("its end of central directory is missing"));
    }
    Ok(Eocd {
        entries,
        cd_start,
        shift,
    })
}

/// One central directory entry.
struct Entry {
    flags: u16,
    method: u16,
    compressed: u64,
    uncompressed: u64,
    local: usize,
    name: String,
    /// Where the next entry starts.
    next: usize,
}

fn central_entry(b: &[u8], at: usize) -> Result<Entry, Problem> {
    let bad = || zip_damage("central directory entry");
    if !has_sig(b, at, b"PK\x01\x02") {
        return Err(bad());
    }
    let field16 = |o: usize| u16_at(b, at + o).ok_or_else(bad);
    let field32 = |o: usize| u32_at(b, at + o).ok_or_else(bad);
    let flags = field16(8)?;
    let method = field16(10)?;
    let mut compressed = field32(20)? as u64;
    let mut uncompressed = field32(24)? as u64;
    let name_len = field16(28)? as usize;
    let extra_len = field16(30)? as usize;
    let comment_len = field16(32)? as usize;
    let mut local = field32(42)? as u64;
    let name_at = at + 46;
    let name = b.get(name_at..name_at + name_len).ok_or_else(bad)?;
    let extra = b
        .get(name_at + name_len..name_at + name_len + extra_len)
        .ok_or_else(bad)?;
    // Zip64 extended information: 64-bit values for the fields that hold 0xFFFFFFFF, in
    // this order.
    if let Some(mut z) = zip64_extra(extra) {
        let mut take = || -> Result<u64, Problem> {
            let v = u64_at(z, 0).ok_or_else(bad)?;
            z = &z[8..];
            Ok(v)
        };
        if uncompressed == 0xFFFF_FFFF {
            uncompressed = take()?;
        }
        if compressed == 0xFFFF_FFFF {
            compressed = take()?;
        }
        if local == 0xFFFF_FFFF {
            local = take()?;
        }
    }
    Ok(Entry {
        flags,
        method,
        compressed,
        uncompressed,
        local: usize::try_from(local).map_err(|_| bad())?,
        name: String::from_utf8_lossy(name).into_owned(),
        next: name_at + name_len + extra_len + comment_len,
    })
}

fn zip64_extra(mut extra: &[u8]) -> Option<&[u8]> {
    while extra.len() >= 4 {
        let id = u16_at(extra, 0)?;
        let len = u16_at(extra, 2)? as usize;
        let body = extra.get(4..4 + len)?;
        if id == 1 {
            return Some(body);
        }
        extra = &extra[4 + len..];
    }
    None
}

/// A member's stored bytes, after its local header.
fn local_data(b: &[u8], local: Option<usize>, compressed: u64) -> Result<&[u8], Problem> {
    let bad = || zip_damage("a member's local header or data is missing");
    let at = local.ok_or_else(bad)?;
    if !has_sig(b, at, b"PK\x03\x04") {
        return Err(bad());
    }
    let name_len = u16_at(b, at + 26).ok_or_else(bad)? as usize;
    let extra_len = u16_at(b, at + 28).ok_or_else(bad)? as usize;
    let start = at + 30 + name_len + extra_len;
    let len = usize::try_from(compressed).map_err(|_| bad())?;
    b.get(start..start.checked_add(len).ok_or_else(bad)?)
        .ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(sniff(b"PK\x03\x04rest"), Some(Format::Zip));
        assert_eq!(sniff(&[0x1f, 0x8b, 8, 0]), Some(Format::Gzip));
        assert_eq!(sniff(b"BZh91AY&SY"), Some(Format::Bzip2));
        assert_eq!(sniff(b"plain text"), None);
        let mut fake_tar = vec![b' '; 600];
        fake_tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(sniff(&fake_tar), None, "text with ustar at 257 is no tar");
    }

    #[test]
    fn numbers_and_names() {
        assert_eq!(octal(b"0000644 \0"), Some(0o644));
        assert_eq!(octal(b"\0\0\0"), Some(0));
        assert_eq!(octal(&[0x80, 0, 0, 1, 0]), Some(256));
        assert_eq!(octal(b"9"), None);
        assert_eq!(clean_name("./a/b"), "a/b");
        assert_eq!(clean_name("/etc/x"), "etc/x");
        assert_eq!(
            pax_value(b"18 path=a/long/nm\n", "path").as_deref(),
            Some("a/long/nm")
        );
        assert_eq!(pax_value(b"99 path=x\n", "path"), None);
        assert_eq!(gunzipped_name("d/foo.sql.gz", b""), "foo.sql");
        assert_eq!(gunzipped_name("a.zip!x.tgz", b""), "x.tar");
    }

    #[test]
    fn damaged_zip_records_are_errors_not_panics() {
        for b in [
            &b"PK\x05\x06"[..],
            b"PK\x05\x06\0\0\0\0\x01\0\x01\0\xff\xff\0\0\0\0\0\0\0\0",
            b"PK\x03\x04",
        ] {
            assert!(find_eocd(b).is_err() || central_entry(b, 0).is_err());
        }
        assert!(local_data(b"PK\x03\x04", Some(0), 5).is_err());
        assert!(local_data(b"", Some(usize::MAX), 5).is_err());
    }
}
