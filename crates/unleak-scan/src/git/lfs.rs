//! Git LFS pointer files: a file that names a large object stored elsewhere holds no secret.

/// The start of every Git LFS pointer file.
const LFS_POINTER: &[u8] = b"version https://git-lfs.github.com/spec/v1\n";

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

#[cfg(test)]
mod tests {
    use super::*;

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
