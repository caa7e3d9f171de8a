//! Fake key material for tests: key ids that encode a chosen account, random secrets.

#![allow(dead_code)]

/// Encode `account` into a key id the way AWS (and moto) lay it out, for round trips.
pub fn key_id_for_account(prefix: &str, account: u64, tail: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let v = account / 2 + (1u64 << 39);
    let mut id = prefix.to_string();
    for i in (0..8).rev() {
        id.push(ALPHABET[((v >> (5 * i)) & 31) as usize] as char);
    }
    id.push(ALPHABET[if account % 2 == 1 { 16 } else { 0 }] as char);
    id.push_str(tail);
    id
}

/// A random 40-character secret access key (never a real one: generated per run).
pub fn fake_secret() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
    let mut x = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    (0..40)
        .map(|_| {
            // xorshift: enough to make each run's fake secrets differ.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % 64) as usize] as char
        })
        .collect()
}
