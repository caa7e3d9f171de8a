//! Fake key material, generated per call (never a real credential, and never the same twice
//! in a run, so a test can tell its own secrets apart): AWS key ids that encode a chosen
//! account, secret access keys, passwords, and secret-looking values.

use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};

/// A seed that differs on every call: a counter, the time and the process, through the
/// standard library's randomly keyed hasher.
fn seed() -> u64 {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(SEQ.fetch_add(1, Ordering::Relaxed));
    h.write_u32(std::process::id());
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish() | 1
}

/// `len` characters drawn from `sets` in turn (one set: any of it), by xorshift from [`seed`].
fn draw(sets: &[&[u8]], len: usize) -> String {
    let mut x = seed();
    (0..len)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let set = sets[i % sets.len()];
            set[(x % set.len() as u64) as usize] as char
        })
        .collect()
}

const BASE32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Encode `account` into a key id the way AWS (and moto) lay it out: `prefix`, 8 characters
/// of `account / 2 + 2^39` in base 32, one for the account's last bit, then `tail`.
pub fn key_id_for_account(prefix: &str, account: u64, tail: &str) -> String {
    let v = account / 2 + (1u64 << 39);
    let mut id = prefix.to_string();
    for i in (0..8).rev() {
        id.push(BASE32[((v >> (5 * i)) & 31) as usize] as char);
    }
    id.push(BASE32[if account % 2 == 1 { 16 } else { 0 }] as char);
    id.push_str(tail);
    id
}

/// A long-term (`AKIA`) key id of `account` with a random tail, 20 characters.
pub fn random_key_id_for_account(account: u64) -> String {
    key_id_for_account("AKIA", account, &draw(&[BASE32], 7))
}

/// A random 40-character secret access key.
pub fn secret_access_key() -> String {
    draw(
        &[b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+"],
        40,
    )
}

/// `prefix` and 24 random letters and digits: a secret value for stores and configs.
pub fn fake_secret(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push_str(&draw(
        &[b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"],
        24,
    ));
    s
}

/// A 14-character password of upper case, lower case and digits in turn (strong enough for
/// the password rules, without look-alike characters).
pub fn password() -> String {
    draw(
        &[
            b"ABCDEFGHJKLMNPQRSTUVWXYZ",
            b"abcdefghjkmnpqrstuvwxyz",
            b"23456789",
        ],
        14,
    )
}

/// A line holding `pw` as a database password (found by the `db-password-uri` rule).
pub fn db_url(pw: &str) -> String {
    format!("DATABASE_URL=postgres://app:{pw}@db.internal:5432/app\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_differ_and_keep_their_shape() {
        let (a, b) = (password(), password());
        assert_ne!(a, b);
        assert_eq!(a.len(), 14);
        assert_eq!(secret_access_key().len(), 40);
        assert!(fake_secret("pw-").starts_with("pw-"));
        assert_eq!(random_key_id_for_account(123_456_789_012).len(), 20);
    }
}
