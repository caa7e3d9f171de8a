//! Files that steer unleak itself (a configuration, a baseline, a report to judge): read
//! whole, so they are refused unless they are regular files, and read up to a bound. A FIFO
//! given as `--config` hung the process forever, and `/dev/zero` read 4 GB before failing.

use std::io::{Error, ErrorKind, Read};
use std::path::Path;

/// Bound of a configuration file (a large one holds a few hundred rules: ~100 KB).
pub const CONFIG_LIMIT: u64 = 16 << 20;
/// Bound of a baseline (a line of ~50 bytes a finding: over a million findings).
pub const BASELINE_LIMIT: u64 = 256 << 20;
/// Bound of a JSON report (~1 KB a finding).
pub const REPORT_LIMIT: u64 = 1 << 30;

/// The text of `path`, a regular file (after symlinks) of at most `limit` bytes in UTF-8.
/// The null device reads as empty (`--config /dev/null`: no configuration). Anything else is
/// an error that says what the path is, before reading a byte from it.
pub fn read_to_string(path: &Path, limit: u64) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    let kind = meta.file_type();
    if is_null_device(&meta) {
        return Ok(String::new());
    }
    if !kind.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            format!("not a regular file (it is {})", describe(kind)),
        ));
    }
    let file = std::fs::File::open(path)?;
    // The path may have been replaced between the two looks: judge what was opened.
    if !file.metadata()?.file_type().is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {limit} bytes, too large for this kind of file"),
        ));
    }
    String::from_utf8(bytes).map_err(|_| Error::new(ErrorKind::InvalidData, "not UTF-8 text"))
}

/// The same device as `/dev/null` (by device number, whatever the path's name).
fn is_null_device(meta: &std::fs::Metadata) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        meta.file_type().is_char_device()
            && std::fs::metadata("/dev/null").is_ok_and(|null| null.rdev() == meta.rdev())
    }
    #[cfg(not(unix))]
    {
        let _ = meta;
        false
    }
}

fn describe(kind: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_char_device() {
            return "a character device";
        }
        if kind.is_block_device() {
            return "a block device";
        }
        if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_regular_files_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.toml");
        std::fs::write(&p, "x = 1\n").unwrap();
        assert_eq!(read_to_string(&p, 6).unwrap(), "x = 1\n");
        let err = read_to_string(&p, 5).unwrap_err();
        assert!(err.to_string().contains("larger than 5 bytes"), "{err}");
    }

    #[test]
    fn refuses_devices_and_directories_at_once() {
        assert_eq!(read_to_string(Path::new("/dev/null"), 1 << 20).unwrap(), "");
        let err = read_to_string(Path::new("/dev/zero"), 1 << 20).unwrap_err();
        assert_eq!(
            err.to_string(),
            "not a regular file (it is a character device)"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = read_to_string(dir.path(), 1 << 20).unwrap_err();
        assert_eq!(err.to_string(), "not a regular file (it is a directory)");
    }
}
