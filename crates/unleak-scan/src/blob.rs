//! Turning raw bytes into scannable text: binary detection, UTF-16 decoding, line numbers.

use std::borrow::Cow;

/// How much of a blob's start is inspected for NUL bytes to tell binary from text, and to
/// recognise UTF-16 and UTF-32 without a byte-order mark.
const BINARY_PROBE: usize = 8192;
/// A probe with fewer NULs than one in this many bytes is text: one NUL (or a few) no longer
/// hides a whole text file. Binary formats have far more: executables and object files are
/// mostly NULs, and compressed data (PNG, zip) has one in 256 plus its zero-padded headers.
const NUL_SHARE: usize = 64;
/// Raw bytes of a file decoded from UTF-16/32 are scanned too when they hold a run of this
/// many printable ASCII bytes, which real UTF-16 of ASCII text never has (every other byte is
/// NUL): a byte-order mark in front of plain text cannot hide it.
const RAW_RUN: usize = 16;

/// What a blob is, as far as the matcher cares.
pub enum Decoded<'a> {
    /// Text (any ASCII-compatible encoding, or UTF-16/32 converted to UTF-8).
    Text(Cow<'a, [u8]>),
    /// Decoded from UTF-16/32, and the raw bytes look like text as well: scan both.
    Both(Vec<u8>, &'a [u8]),
    /// Binary content: not scanned.
    Binary,
}

/// A Unicode encoding wider than a byte.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Wide {
    Utf16 { le: bool },
    Utf32 { le: bool },
}

/// Decode a blob: UTF-16 and UTF-32 (by byte-order mark, or by where the NULs of ASCII text
/// fall) become UTF-8; many NUL bytes near the start mean binary. Everything else is scanned
/// as bytes, so invalid UTF-8 never drops a file.
///
/// Cost on plain text: one `memchr` for a NUL over the first 8 KiB and a look at the first
/// four bytes, as before; the counting below runs only when a NUL or a byte-order mark is there.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    let bom = bom(bytes);
    if bom.is_none() && memchr::memchr(0, probe).is_none() {
        return Decoded::Text(Cow::Borrowed(bytes));
    }
    let (wide, body) = match bom {
        Some((w, len)) => (Some(w), &bytes[len..]),
        None => (sniff_wide(probe), bytes),
    };
    if let Some(w) = wide {
        let text = decode_wide(w, body).into_bytes();
        return if has_ascii_run(body) {
            Decoded::Both(text, bytes)
        } else {
            Decoded::Text(Cow::Owned(text))
        };
    }
    let nuls = memchr::memchr_iter(0, probe).count();
    if nuls * NUL_SHARE >= probe.len() {
        return Decoded::Binary;
    }
    Decoded::Text(Cow::Borrowed(bytes))
}

/// The encoding a byte-order mark announces, and the mark's length.
fn bom(bytes: &[u8]) -> Option<(Wide, usize)> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some((Wide::Utf32 { le: true }, 4)),
        [0, 0, 0xFE, 0xFF, ..] => Some((Wide::Utf32 { le: false }, 4)),
        [0xFF, 0xFE, ..] => Some((Wide::Utf16 { le: true }, 2)),
        [0xFE, 0xFF, ..] => Some((Wide::Utf16 { le: false }, 2)),
        _ => None,
    }
}

/// UTF-16 or UTF-32 without a mark, from the NULs mostly-ASCII text has in them: in every
/// other byte (UTF-16), or three bytes of four (UTF-32), and nowhere else.
fn sniff_wide(probe: &[u8]) -> Option<Wide> {
    let n = probe.len() / 4 * 4;
    if n < 8 {
        return None;
    }
    let mut nul = [0usize; 4];
    for (i, &b) in probe[..n].iter().enumerate() {
        nul[i % 4] += (b == 0) as usize;
    }
    let lane = n / 4;
    // "Mostly": 90% of a lane's bytes, "never": under 2%; text in other scripts has fewer
    // NULs and then stays bytes (its ASCII secrets are then in 16-bit units we do not see,
    // but such a file holds few).
    let full = |k: usize| nul[k] * 10 >= lane * 9;
    let empty = |k: usize| nul[k] * 50 <= lane;
    if full(1) && full(2) && full(3) && empty(0) {
        return Some(Wide::Utf32 { le: true });
    }
    if full(0) && full(1) && full(2) && empty(3) {
        return Some(Wide::Utf32 { le: false });
    }
    if full(1) && full(3) && empty(0) && empty(2) {
        return Some(Wide::Utf16 { le: true });
    }
    if full(0) && full(2) && empty(1) && empty(3) {
        return Some(Wide::Utf16 { le: false });
    }
    None
}

fn decode_wide(w: Wide, body: &[u8]) -> String {
    match w {
        Wide::Utf16 { le } => {
            let units = body.chunks_exact(2).map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            });
            char::decode_utf16(units)
                .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
                .collect()
        }
        Wide::Utf32 { le } => body
            .chunks_exact(4)
            .map(|c| {
                let b = [c[0], c[1], c[2], c[3]];
                let u = if le {
                    u32::from_le_bytes(b)
                } else {
                    u32::from_be_bytes(b)
                };
                char::from_u32(u).unwrap_or(char::REPLACEMENT_CHARACTER)
            })
            .collect(),
    }
}

/// Whether `bytes` hold [`RAW_RUN`] printable ASCII bytes in a row.
fn has_ascii_run(bytes: &[u8]) -> bool {
    let mut run = 0;
    for &b in bytes {
        if b.is_ascii_graphic() || b == b' ' {
            run += 1;
            if run >= RAW_RUN {
                return true;
            }
        } else {
            run = 0;
        }
    }
    false
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
            _ => panic!("UTF-16 of ASCII is decoded, and its raw bytes are no text"),
        }
    }

    fn text(d: Decoded<'_>) -> Vec<u8> {
        match d {
            Decoded::Text(t) => t.into_owned(),
            Decoded::Both(t, _) => t,
            Decoded::Binary => panic!("taken for binary"),
        }
    }

    #[test]
    fn many_nuls_mean_binary_and_invalid_utf8_is_text() {
        let mut bin = vec![0u8; 100];
        bin.extend_from_slice(&[1, 2, 3, 0, 0, 7]);
        assert!(matches!(decode(&bin), Decoded::Binary));
        assert!(matches!(decode(b"ab\xff\xfecd"), Decoded::Text(_)));
    }

    #[test]
    fn a_few_nuls_do_not_hide_text() {
        let mut t = b"\0".to_vec();
        t.extend(b"line of ordinary text\n".repeat(20));
        assert_eq!(text(decode(&t)), t);
    }

    #[test]
    fn wide_text_without_a_mark_is_decoded() {
        let s = "token = AKIA and more text\n".repeat(4);
        let le16: Vec<u8> = s.encode_utf16().flat_map(u16::to_le_bytes).collect();
        let be16: Vec<u8> = s.encode_utf16().flat_map(u16::to_be_bytes).collect();
        let le32: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
        let be32: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
        for b in [le16, be16, le32, be32] {
            assert_eq!(text(decode(&b)), s.as_bytes());
        }
        let mut bom32 = vec![0xFF, 0xFE, 0, 0];
        bom32.extend(s.chars().flat_map(|c| (c as u32).to_le_bytes()));
        assert_eq!(text(decode(&bom32)), s.as_bytes());
    }

    #[test]
    fn a_mark_in_front_of_plain_text_does_not_hide_it() {
        let mut b = vec![0xFF, 0xFE];
        b.extend_from_slice(b"AWS_SECRET_ACCESS_KEY=plain ascii after a UTF-16 mark\n");
        match decode(&b) {
            Decoded::Both(_, raw) => assert_eq!(raw, &b[..]),
            _ => panic!("the raw bytes must be scanned too"),
        }
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
