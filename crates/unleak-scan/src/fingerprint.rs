//! Fingerprints: the stable id of a finding (the JSON report's `id`, SARIF's
//! `partialFingerprints`, baselines, `allow.fingerprints`, `store --id`).
//!
//! An id is committed (baselines, `.unleak.toml`) and uploaded (SARIF), so it must not give the
//! secret back. The first format, 16 hex digits of SHA-256 over rule id and secret, did: a
//! dictionary recovered a password from its id in milliseconds. The current one is Argon2id
//! (memory-hard, so a GPU or ASIC gains little over a CPU) over `rule_id NUL secret` with a fixed
//! domain salt, so the same secret has the same id on every machine; its cost is tuned to about
//! 1.5 ms and 2 MiB a fingerprint, paid once per distinct (rule, secret) in a process (a cache),
//! and only where an id is needed (JSON, SARIF, baselines, allowlists; never the text report).
//! That does not save a password from a short dictionary (10,000 guesses still cost only ~15 s
//! of CPU), which no unkeyed stable id can: an organisation that wants ids nobody outside can
//! test guesses against sets `UNLEAK_FINGERPRINT_KEY`, which becomes Argon2's secret input (a
//! keyed hash; ids then differ from unkeyed ones, and carry another prefix so a mix-up is named).
//! An AWS access key id, shown whole in every report, gets a SHA-256 id instead (see [`of`]).
//!
//! Formats: `v2:` + 32 hex digits (unkeyed), `k2:` + 32 hex digits (keyed), and the legacy 16 hex
//! digits, still matched in baselines and allowlists for one release with a warning.

use std::collections::{HashMap, HashSet};
use std::sync::{Mutex, OnceLock};

use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

/// Argon2id memory in KiB, passes, lanes. Measured (release build, 2-core machine, JSON report
/// of 2,000 distinct passwords against the text report): 4 MiB and one pass cost 3.1 ms of CPU
/// a fingerprint, 2 MiB 1.2–1.5 ms; time grows with memory.
const MEMORY_KIB: u32 = 2048;
const PASSES: u32 = 1;
const LANES: u32 = 1;
/// Bytes of output (32 hex digits): far beyond accidental collisions in any baseline.
const OUTPUT: usize = 16;
/// Argon2's salt: fixed, so ids are stable across machines, and specific to unleak, so a
/// table computed for another system's Argon2 hashes does not apply.
const DOMAIN_SALT: &[u8] = b"unleak finding fingerprint v2";

pub const PLAIN_PREFIX: &str = "v2:";
pub const KEYED_PREFIX: &str = "k2:";
/// Keys shorter than this could be guessed; refused.
pub const MIN_KEY_LEN: usize = 16;

/// What a fingerprint written somewhere (a baseline, an allowlist, a report) is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// `v2:…`, unkeyed Argon2id.
    Plain,
    /// `k2:…`, keyed Argon2id.
    Keyed,
    /// 16 hex digits: unsalted SHA-256, reversible; still matched for one release.
    Legacy,
}

/// The format of `s`, or None if it is not a fingerprint. Hex digits may be upper case.
pub fn format_of(s: &str) -> Option<Format> {
    let hex = |h: &str, n: usize| h.len() == n && h.bytes().all(|b| b.is_ascii_hexdigit());
    if let Some(h) = s.strip_prefix(PLAIN_PREFIX) {
        hex(h, OUTPUT * 2).then_some(Format::Plain)
    } else if let Some(h) = s.strip_prefix(KEYED_PREFIX) {
        hex(h, OUTPUT * 2).then_some(Format::Keyed)
    } else {
        hex(s, 16).then_some(Format::Legacy)
    }
}

/// A fingerprint as written, in the canonical (lower-case) form, or None if it is not one.
pub fn normalize(s: &str) -> Option<String> {
    format_of(s).map(|_| s.to_ascii_lowercase())
}

/// A human description of the accepted forms, for error messages.
pub const EXPECTED: &str = "a fingerprint (`v2:` or `k2:` and 32 hex digits, or 16 hex digits in the old format): a report's `id`";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the fingerprint key must be at least {MIN_KEY_LEN} bytes (use a long random value)")]
    TooShort,
    #[error("the fingerprint key is set once, before any fingerprint is computed")]
    AlreadySet,
}

static KEY: OnceLock<Option<Vec<u8>>> = OnceLock::new();

/// Use `key` (the organisation's `UNLEAK_FINGERPRINT_KEY`) for every fingerprint of this
/// process. Call before the first fingerprint; None means unkeyed.
pub fn set_key(key: Option<Vec<u8>>) -> Result<(), KeyError> {
    if key.as_ref().is_some_and(|k| k.len() < MIN_KEY_LEN) {
        return Err(KeyError::TooShort);
    }
    KEY.set(key).map_err(|_| KeyError::AlreadySet)
}

fn key() -> Option<&'static [u8]> {
    KEY.get_or_init(|| None).as_deref()
}

/// Whether fingerprints of this process are keyed.
pub fn keyed() -> bool {
    key().is_some()
}

/// Computed fingerprints by (rule id, secret): one Argon2 run per distinct secret a process.
type Cache = Mutex<HashMap<(String, String), String>>;
fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The current fingerprint of a finding: [`fingerprint`], or for an identifier (an AWS access
/// key id, which every report shows whole, so a slow hash would protect nothing) a
/// domain-separated SHA-256, which keeps reports of many key ids cheap.
pub fn of(rule_id: &str, secret: &str, identifier: bool) -> String {
    if !identifier {
        return fingerprint(rule_id, secret);
    }
    let mut h = Sha256::new();
    h.update(DOMAIN_SALT);
    h.update([0u8]);
    if let Some(k) = key() {
        h.update(Sha256::digest(k));
    }
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    let prefix = if keyed() { KEYED_PREFIX } else { PLAIN_PREFIX };
    format!("{prefix}{}", hex(&h.finalize()[..OUTPUT]))
}

/// The current fingerprint of `secret` found by `rule_id` (Argon2id, cached).
pub fn fingerprint(rule_id: &str, secret: &str) -> String {
    let k = (rule_id.to_string(), secret.to_string());
    if let Some(fp) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&k) {
        return fp.clone();
    }
    // Computed outside the lock, so threads fingerprinting different secrets do not queue.
    let fp = compute(rule_id, secret, key());
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(k, fp.clone());
    fp
}

/// Fill the cache for these (rule id, secret) pairs in parallel, so a report of many findings
/// pays the Argon2 cost once per distinct secret, spread over every core. The pairs are those
/// that get an Argon2 id (not identifiers: see [`of`]); `Finding::precompute_fingerprints`
/// picks them, so this module knows nothing of findings.
pub fn precompute<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) {
    use rayon::prelude::*;
    let missing: Vec<(&str, &str)> = {
        let c = cache().lock().unwrap_or_else(|p| p.into_inner());
        let mut seen = HashSet::new();
        pairs
            .into_iter()
            .filter(|&(r, s)| {
                !c.contains_key(&(r.to_string(), s.to_string())) && seen.insert((r, s))
            })
            .collect()
    };
    let done: Vec<((String, String), String)> = missing
        .par_iter()
        .map(|&(r, s)| ((r.to_string(), s.to_string()), compute(r, s, key())))
        .collect();
    cache()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .extend(done);
}

fn compute(rule_id: &str, secret: &str, key: Option<&[u8]>) -> String {
    let params = Params::new(MEMORY_KIB, PASSES, LANES, Some(OUTPUT)).expect("valid parameters");
    let argon = match key {
        Some(k) => Argon2::new_with_secret(k, Algorithm::Argon2id, Version::V0x13, params)
            .expect("key length checked by set_key"),
        None => Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
    };
    let mut input = Vec::with_capacity(rule_id.len() + 1 + secret.len());
    input.extend_from_slice(rule_id.as_bytes());
    input.push(0);
    input.extend_from_slice(secret.as_bytes());
    let mut out = [0u8; OUTPUT];
    argon
        .hash_password_into(&input, DOMAIN_SALT, &mut out)
        .expect("input and salt lengths are within Argon2's limits");
    let prefix = if key.is_some() {
        KEYED_PREFIX
    } else {
        PLAIN_PREFIX
    };
    format!("{prefix}{}", hex(&out))
}

/// The legacy fingerprint: 16 hex digits of SHA-256 over `rule_id NUL secret`. Only to match
/// entries written by earlier releases; never written.
pub fn legacy(rule_id: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    hex(&h.finalize()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `id` (as found in a report or given by the user) names this finding's (rule,
/// secret), in the current format or the legacy one.
pub fn matches(id: &str, rule_id: &str, secret: &str, identifier: bool) -> bool {
    let id = id.to_ascii_lowercase();
    match format_of(&id) {
        Some(Format::Legacy) => legacy(rule_id, secret) == id,
        Some(_) => of(rule_id, secret, identifier) == id,
        None => false,
    }
}

/// Fingerprints accepted by a baseline or an allowlist, in any format.
#[derive(Debug, Default)]
pub struct FingerprintSet {
    current: HashSet<String>,
    legacy: HashSet<String>,
    /// The rule ids entries were written with: a finding of another rule cannot match one, so
    /// its (costly) fingerprint is not computed. None once an entry names no rule.
    rules: Option<HashSet<String>>,
    keyed: usize,
}

impl FingerprintSet {
    pub fn new() -> Self {
        FingerprintSet {
            rules: Some(HashSet::new()),
            ..Default::default()
        }
    }

    /// Add `fp` (of rule `rule_id`, if known). False if `fp` is not a fingerprint.
    pub fn insert(&mut self, fp: &str, rule_id: Option<&str>) -> bool {
        let Some(format) = format_of(fp) else {
            return false;
        };
        let fp = fp.to_ascii_lowercase();
        match format {
            Format::Legacy => {
                self.legacy.insert(fp);
            }
            Format::Keyed => {
                self.keyed += 1;
                self.current.insert(fp);
            }
            Format::Plain => {
                self.current.insert(fp);
            }
        }
        match (rule_id, self.rules.as_mut()) {
            (Some(r), Some(rules)) => {
                rules.insert(r.to_string());
            }
            (None, _) => self.rules = None,
            _ => {}
        }
        true
    }

    pub fn is_empty(&self) -> bool {
        self.current.is_empty() && self.legacy.is_empty()
    }

    /// Whether the finding of `rule_id` with this secret is in the set.
    pub fn contains(&self, rule_id: &str, secret: &str, identifier: bool) -> bool {
        if self.is_empty() || self.rules.as_ref().is_some_and(|r| !r.contains(rule_id)) {
            return false;
        }
        (!self.legacy.is_empty() && self.legacy.contains(&legacy(rule_id, secret)))
            || (!self.current.is_empty() && self.current.contains(&of(rule_id, secret, identifier)))
    }

    /// What the user should know about these entries (`what`: where they come from).
    pub fn warnings(&self, what: &str) -> Vec<String> {
        let mut w = Vec::new();
        if !self.legacy.is_empty() {
            w.push(format!(
                "{what}: {} fingerprint(s) in the old format (16 hex digits), which can be \
                 reversed to the secret by guessing; they still match in this release, not in \
                 the next: replace them with the `id` a JSON report now gives (for a baseline, \
                 rewrite it with `--write-baseline`)",
                self.legacy.len()
            ));
        }
        let plain = self.current.len() - self.keyed.min(self.current.len());
        if self.keyed > 0 && !keyed() {
            w.push(format!(
                "{what}: {} keyed fingerprint(s) (`k2:`) but UNLEAK_FINGERPRINT_KEY is not set: \
                 they match nothing",
                self.keyed
            ));
        }
        if plain > 0 && keyed() {
            w.push(format!(
                "{what}: {plain} unkeyed fingerprint(s) (`v2:`) but UNLEAK_FINGERPRINT_KEY is \
                 set: they match nothing (rewrite them with the key set)"
            ));
        }
        w
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_depends_on_rule_and_secret() {
        let a = compute("a", "x", None);
        assert_eq!(a, compute("a", "x", None));
        assert_ne!(a, compute("b", "x", None));
        assert_ne!(compute("ab", "x", None), compute("a", "bx", None));
        assert_eq!(format_of(&a), Some(Format::Plain));
        assert!(a.starts_with(PLAIN_PREFIX) && a.len() == 3 + 32, "{a}");
    }

    #[test]
    fn keyed_differs_by_key_and_from_unkeyed() {
        let k1 = compute("r", "s", Some(b"0123456789abcdef"));
        let k2 = compute("r", "s", Some(b"0123456789abcdeg"));
        assert_ne!(k1, k2);
        assert_eq!(format_of(&k1), Some(Format::Keyed));
        assert_ne!(&k1[3..], &compute("r", "s", None)[3..]);
    }

    #[test]
    fn legacy_is_the_old_format_and_still_matches() {
        // The id earlier releases gave the README's example key id (computed independently).
        let key_id = format!("{}{}", "AKIA", "53SKXVNR5HSXUM4I");
        let old = legacy("aws-access-key-id", &key_id);
        assert_eq!(old, "8a119df679e05454");
        assert_eq!(format_of(&old), Some(Format::Legacy));
        assert!(matches(
            &old.to_ascii_uppercase(),
            "aws-access-key-id",
            &key_id,
            true
        ));
        assert!(matches(&fingerprint("a", "x"), "a", "x", false));
        assert!(!matches(&fingerprint("a", "y"), "a", "x", false));
        assert!(!matches("zz", "a", "x", false));
        let id = of("a", "x", true);
        assert!(matches(&id, "a", "x", true) && format_of(&id) == Some(Format::Plain));
        assert_ne!(id, fingerprint("a", "x"));
    }

    #[test]
    fn formats_are_recognised() {
        assert_eq!(format_of("8a119df679e05454"), Some(Format::Legacy));
        assert_eq!(
            format_of(&format!("v2:{}", "0".repeat(32))),
            Some(Format::Plain)
        );
        assert_eq!(
            format_of(&format!("k2:{}", "A".repeat(32))),
            Some(Format::Keyed)
        );
        assert_eq!(format_of(&format!("v2:{}", "0".repeat(31))), None);
        assert_eq!(format_of("v2:"), None);
        assert_eq!(format_of("hunter2"), None);
    }
}
