//! The settings an audit's scanned records are made under, as one digest. An incremental
//! audit skips what the store says was scanned; that is only true of a scan with the same
//! rules, configuration and limits: a new rule, an allowlist taken out, a larger
//! `--max-file-size` or `--max-findings-per-file` can find something in an object scanned
//! before. So the store keeps, per repository, the digest its records were made under, and an
//! audit whose digest differs trusts none of them (it walks and reads everything, and its
//! records replace the old ones).

use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

/// What a scan of one repository leaves out: blobs over a size, findings of a blob past a
/// count. Part of the settings an audit's records are made under.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_file_size: u64,
    pub max_findings_per_file: usize,
}

/// SHA-256 (hex) over: this build (version, commit, features: the rules and the scanner's code
/// come with it), the built-in rule files, the `--config` file's bytes, the limits, and
/// which fingerprint key is set (as the keyed id of a fixed probe: findings are stored by id,
/// so ids made under another key are other secrets).
pub fn digest(config: Option<&Path>, limits: Limits) -> Result<String> {
    let mut h = Sha256::new();
    let mut part = |b: &[u8]| {
        h.update((b.len() as u64).to_le_bytes());
        h.update(b);
    };
    part(b"unleak audit settings 1");
    part(super::VERSION.as_bytes());
    for (name, text) in unleak_scan::rules::BUILTIN {
        part(name.as_bytes());
        part(text.as_bytes());
    }
    match config {
        Some(p) => {
            let text =
                unleak_scan::input_file::read_to_string(p, unleak_scan::input_file::CONFIG_LIMIT)
                    .with_context(|| format!("cannot read {}", p.display()))?;
            part(text.as_bytes());
        }
        None => part(b""),
    }
    part(&limits.max_file_size.to_le_bytes());
    part(&(limits.max_findings_per_file as u64).to_le_bytes());
    part(unleak_scan::fingerprint::of("unleak-audit-settings", "probe", true).as_bytes());
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(max_file_size: u64, max_findings_per_file: usize) -> Limits {
        Limits {
            max_file_size,
            max_findings_per_file,
        }
    }

    #[test]
    fn the_digest_follows_the_configuration_and_the_limits() {
        let dir = tempfile::tempdir().expect("tmp");
        let a = dir.path().join("a.toml");
        let b = dir.path().join("b.toml");
        std::fs::write(&a, "[allow]\npaths = [\"vendor/**\"]\n").expect("write");
        std::fs::write(&b, "[allow]\npaths = []\n").expect("write");
        let l = limits(1 << 20, 1000);
        let base = digest(None, l).expect("digest");
        assert_eq!(base, digest(None, l).expect("digest"), "stable");
        assert_eq!(base.len(), 64);
        assert_ne!(base, digest(None, limits(2 << 20, 1000)).expect("digest"));
        assert_ne!(base, digest(None, limits(1 << 20, 0)).expect("digest"));
        let with_a = digest(Some(&a), l).expect("digest");
        assert_ne!(base, with_a);
        assert_ne!(with_a, digest(Some(&b), l).expect("digest"));
    }
}
