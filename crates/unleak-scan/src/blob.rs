//! Turning raw bytes into scannable text: binary detection, UTF-16 decoding, line numbers.

use std::borrow::Cow;

/// How much of a blob's start is inspected for NUL bytes to call it binary.
const BINARY_PROBE: usize = 8192;

/// What a blob is, as far as the matcher cares.
pub enum Decoded<'a> {
    /// Text (any ASCII-compatible encoding, or UTF-16 converted to UTF-8).
    Text(Cow<'a, [u8]>),
    /// Binary content: not scanned.
    Binary,
}

/// Decode a blob: UTF-16 with a BOM becomes UTF-8; NUL bytes near the start mean binary.
/// Everything else is scanned as bytes, so invalid UTF-8 never drops a file.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some(text) = decode_utf16(bytes) {
        return Decoded::Text(Cow::Owned(text.into_bytes()));
    }
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    if memchr::memchr(0, probe).is_some() {
        return Decoded::Binary;
    }
    Decoded::Text(Cow::Borrowed(bytes))
}

fn decode_utf16(bytes: &[u8]) -> Option<String> {
    let (le, body) = match bytes {
        [0xFF, 0xFE, rest @ ..] => (true, rest),
        [0xFE, 0xFF, rest @ ..] => (false, rest),
        _ => return None,
    };
    let units = body.chunks_exact(2).map(|c| {
        if le {
            u16::from_le_bytes([c[0], c[1]])
        } else {
            u16::from_be_bytes([c[0], c[1]])
        }
    });
    Some(
        char::decode_utf16(units)
            .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect(),
    )
}

/// 1-based line number of byte `offset`.
pub fn line_of(text: &[u8], offset: usize) -> u32 {
    memchr::memchr_iter(b'\n', &text[..offset.min(text.len())]).count() as u32 + 1
}

/// Start of the line holding `offset`.
pub fn line_start(text: &[u8], offset: usize) -> usize {
    memchr::memrchr(b'\n', &text[..offset.min(text.len())]).map_or(0, |i| i + 1)
}

/// End (exclusive, before any `\r\n`) of the line holding `offset`.
pub fn line_end(text: &[u8], offset: usize) -> usize {
    let end =
        memchr::memchr(b'\n', &text[offset.min(text.len())..]).map_or(text.len(), |i| offset + i);
    if end > 0 && text.get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_is_decoded() {
        let mut b = vec![0xFF, 0xFE];
        for u in "key=AKIA".encode_utf16() {
            b.extend_from_slice(&u.to_le_bytes());
        }
        match decode(&b) {
            Decoded::Text(t) => assert_eq!(&*t, b"key=AKIA"),
            Decoded::Binary => panic!("UTF-16 taken for binary"),
        }
    }

    #[test]
    fn nul_means_binary_and_invalid_utf8_is_text() {
        assert!(matches!(decode(b"ab\0cd"), Decoded::Binary));
        assert!(matches!(decode(b"ab\xff\xfecd"), Decoded::Text(_)));
    }

    #[test]
    fn lines() {
        let t = b"a\r\nbc\nd";
        assert_eq!(line_of(t, 0), 1);
        assert_eq!(line_of(t, 3), 2);
        assert_eq!(line_of(t, 6), 3);
        assert_eq!(line_start(t, 4), 3);
        assert_eq!(line_end(t, 0), 1);
        assert_eq!(line_end(t, 4), 5);
    }
}
