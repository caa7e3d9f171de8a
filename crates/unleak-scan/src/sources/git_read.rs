//! What the git-backed sources (history, push, staged) share on top of the git layer: a blob
//! read for scanning (counted, size-limited, LFS pointers skipped) and a commit as findings
//! carry it.

use std::path::Path;
use std::sync::atomic::Ordering;

use crate::context::ScanContext;
use crate::finding::CommitInfo;
use crate::git::loose::{self, Loose};
use crate::git::{lfs, repo, ObjectId};

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
    ctx: &ScanContext<'_>,
    odb: &'o git2::Odb<'_>,
    objects_dir: &Path,
    id: ObjectId,
    path: &str,
) -> Option<BlobData<'o>> {
    match loose::read_blob(objects_dir, id, ctx.max_file_size) {
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
            ctx.unfinished(id.as_bytes());
            return None;
        }
    }
    let unreadable = |e: git2::Error| {
        ctx.warn(&format!(
            "object {id} (blob `{path}`): cannot read, skipped: {}",
            e.message()
        ));
        ctx.unfinished(id.as_bytes());
    };
    match repo::read_header(odb, id) {
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
    let obj = odb.read(id.to_git()).map_err(unreadable).ok()?;
    accept_blob(ctx, obj.data()).then_some(BlobData::Git(obj))
}

/// A blob over `--max-file-size`: counted and announced, not scanned.
pub fn skip_large(ctx: &ScanContext<'_>, path: &str, id: ObjectId, size: u64) {
    ctx.stats.skipped_large.fetch_add(1, Ordering::Relaxed);
    (ctx.on_warning)(&format!(
        "{path} (blob {id}): skipped, {size} bytes is over --max-file-size ({} bytes)",
        ctx.max_file_size
    ));
}

/// Count a blob that was read; false for a Git LFS pointer (nothing to scan in it).
pub fn accept_blob(ctx: &ScanContext<'_>, data: &[u8]) -> bool {
    ctx.stats.files.fetch_add(1, Ordering::Relaxed);
    ctx.stats
        .bytes
        .fetch_add(data.len() as u64, Ordering::Relaxed);
    !lfs::is_lfs_pointer(data)
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
}
