//! What a key id tells offline: its type (from the 4-letter prefix) and, for new-format ids,
//! the AWS account that owns it. Nothing here touches the network, so a canary key can be
//! recognised before any request is made.

/// Base32 (RFC 4648) value of one key-id character, `None` outside `A–Z2–7`.
fn b32(c: u8) -> Option<u64> {
    match c {
        b'A'..=b'Z' => Some((c - b'A') as u64),
        b'2'..=b'7' => Some((c - b'2') as u64 + 26),
        _ => None,
    }
}

/// Whether `id` looks like an access key id: a known 4-letter prefix and 16 base32 characters.
pub fn is_key_id(id: &str) -> bool {
    id.len() == 20
        && matches!(&id[..4], "AKIA" | "ASIA" | "ABIA" | "ACCA")
        && id.bytes().skip(4).all(|c| b32(c).is_some())
}

/// Long-term IAM user key (`AKIA`): the only kind IAM can tell us about.
pub fn is_long_term(id: &str) -> bool {
    id.starts_with("AKIA")
}

/// New-format ids (5th character in `Q–Z` or `2–7`) carry their account; older ones do not.
pub fn is_new_format(id: &str) -> bool {
    is_key_id(id) && matches!(id.as_bytes()[4], b'Q'..=b'Z' | b'2'..=b'7')
}

/// The 12-digit account id encoded in a new-format key id: the first 48 bits after the
/// prefix, masked to bits 7..47. `None` for old-format or malformed ids.
pub fn decode_account(id: &str) -> Option<String> {
    if !is_new_format(id) {
        return None;
    }
    // 10 base32 characters = 50 bits; the first 48 are the integer AWS documents.
    let bits50 = id.as_bytes()[4..14]
        .iter()
        .try_fold(0u64, |acc, &c| Some((acc << 5) | b32(c)?))?;
    let z = bits50 >> 2;
    let account = (z & 0x7FFF_FFFF_FF80) >> 7;
    Some(format!("{account:012}"))
}
