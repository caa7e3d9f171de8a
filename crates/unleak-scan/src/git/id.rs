//! The one object id of the git layer and of everything above it.
//!
//! Why not `git2::Oid` throughout: `Oid`'s `==` and `Ord` are calls into libgit2
//! (`git_oid_equal`, `git_oid_cmp`), and building one from bytes is another
//! (`git_oid_fromraw`). The history walk compares and hashes ids in its hottest loops (tree
//! merge joins, hash-map look-ups per commit and per blob), where these are plain 20-byte
//! compares. libgit2 ids are converted only where a libgit2 call takes or returns one.

use std::fmt;

/// A SHA-1 object id: the 20 bytes packs, trees and indexes store.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId([u8; 20]);

impl ObjectId {
    pub const fn new(bytes: [u8; 20]) -> Self {
        ObjectId(bytes)
    }

    /// The id of 20 raw bytes; None for any other length.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        bytes.try_into().ok().map(ObjectId)
    }

    /// The id written as exactly 40 hex digits (either case), as commit headers write it.
    pub fn from_hex(hex: &[u8]) -> Option<Self> {
        if hex.len() != 40 {
            return None;
        }
        let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
        let mut out = [0u8; 20];
        for (o, pair) in out.iter_mut().zip(hex.chunks_exact(2)) {
            *o = digit(pair[0])? << 4 | digit(pair[1])?;
        }
        Some(ObjectId(out))
    }

    pub fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    pub fn is_zero(&self) -> bool {
        self.0 == [0; 20]
    }

    /// The same id for a libgit2 call.
    pub fn to_git(self) -> git2::Oid {
        git2::Oid::from_bytes(&self.0).expect("20 bytes are a SHA-1 id")
    }
}

impl From<git2::Oid> for ObjectId {
    fn from(id: git2::Oid) -> Self {
        let mut out = [0u8; 20];
        out.copy_from_slice(&id.as_bytes()[..20]);
        ObjectId(out)
    }
}

/// Lowercase hex, as git (and `git2::Oid`) print ids.
impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut text = [0u8; 40];
        for (pair, b) in text.chunks_exact_mut(2).zip(self.0) {
            pair[0] = HEX[(b >> 4) as usize];
            pair[1] = HEX[(b & 15) as usize];
        }
        f.write_str(std::str::from_utf8(&text).expect("hex digits are ASCII"))
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_parses_and_converts_as_libgit2_does() {
        let hex = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
        let git = git2::Oid::from_str(hex).unwrap();
        let id = ObjectId::from_hex(hex.as_bytes()).unwrap();
        assert_eq!(id.to_string(), hex);
        assert_eq!(id.to_string(), git.to_string());
        assert_eq!(ObjectId::from(git), id);
        assert_eq!(id.to_git(), git);
        assert_eq!(
            ObjectId::from_hex(hex.to_ascii_uppercase().as_bytes()),
            Some(id)
        );
        assert_eq!(ObjectId::from_hex(&hex.as_bytes()[..39]), None);
        assert_eq!(
            ObjectId::from_hex(b"4b825dc642cb6eb9a060e54bf8d69288fbee490g"),
            None
        );
        assert_eq!(ObjectId::from_slice(git.as_bytes()), Some(id));
        assert_eq!(ObjectId::from_slice(&[0; 19]), None);
        assert!(ObjectId::default().is_zero() && !id.is_zero());
        // The order libgit2 sorts ids in (tips are sorted and deduplicated).
        let other = git2::Oid::from_str("4b825dc642cb6eb9a060e54bf8d69288fbee4905").unwrap();
        assert_eq!(id.cmp(&ObjectId::from(other)), git.cmp(&other));
    }
}
