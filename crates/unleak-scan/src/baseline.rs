//! Baselines: the fingerprints of accepted findings, one a line, sorted, with the rule id and
//! nothing that changes when code moves (no line numbers, no dates), so the file does not churn
//! and merges cleanly.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::fingerprint::FingerprintSet;

const HEADER: &str =
    "# unleak baseline: one `fingerprint rule-id` a line; findings listed here are not reported.\n";

pub struct Baseline {
    fingerprints: FingerprintSet,
}

impl Baseline {
    /// Load `path`. A line that is not an entry is an error naming its number and what was
    /// expected, never its text: a wrong file given as a baseline (`.env`) holds secrets.
    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::input_file::read_to_string(path, crate::input_file::BASELINE_LIMIT)
            .map_err(|e| Error::io(path, e))?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let mut fingerprints = FingerprintSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let fp = fields.next().unwrap_or("");
            let rule = fields.next();
            if fields.next().is_some() || !fingerprints.insert(fp, rule) {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: format!(
                        "line {}: not a baseline entry (expected `FINGERPRINT RULE-ID`, FINGERPRINT being {}); is this a baseline written by `--write-baseline`?",
                        i + 1,
                        crate::fingerprint::EXPECTED
                    ),
                });
            }
        }
        Ok(Baseline { fingerprints })
    }

    /// What the user should know about this baseline's entries (old format, key mismatch).
    pub fn warnings(&self, path: &Path) -> Vec<String> {
        self.fingerprints
            .warnings(&format!("baseline {}", path.display()))
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.fingerprints
            .contains(&f.rule_id, &f.secret, f.is_identifier())
    }

    /// The baseline text for these findings.
    pub fn render(findings: &[Finding]) -> String {
        Finding::precompute_fingerprints(findings);
        let entries: BTreeMap<String, &str> = findings
            .iter()
            .map(|f| (f.fingerprint(), f.rule_id.as_str()))
            .collect();
        let mut out = String::from(HEADER);
        for (fp, rule) in entries {
            out.push_str(&fp);
            out.push(' ');
            out.push_str(rule);
            out.push('\n');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_refused_without_echoing_it() {
        let e = Baseline::parse(Path::new("b"), "# ok\n\nDB_PASSWORD=Xq7-Tz9pLm2\n")
            .err()
            .expect("refused");
        let m = e.to_string();
        assert!(
            m.contains("line 3") && m.contains("FINGERPRINT RULE-ID"),
            "{m}"
        );
        assert!(!m.contains("Xq7") && !m.contains("DB_PASSWORD"), "{m}");
    }

    #[test]
    fn old_and_new_entries_match_and_old_ones_are_warned_about() {
        let (rule, secret) = ("db-password-assignment", "Xq7-Tz9pLm2");
        let old = crate::fingerprint::legacy(rule, secret);
        let b = Baseline::parse(Path::new("b"), &format!("{old} {rule}\n")).unwrap();
        let w = b.warnings(Path::new("b"));
        assert!(w.len() == 1 && w[0].contains("old format"), "{w:?}");
        let new = crate::fingerprint::fingerprint(rule, secret);
        let b2 = Baseline::parse(Path::new("b"), &format!("{new} {rule}\n")).unwrap();
        assert!(b2.warnings(Path::new("b")).is_empty());
        for b in [&b, &b2] {
            assert!(b.fingerprints.contains(rule, secret, false));
            assert!(!b.fingerprints.contains(rule, "other", false));
            assert!(!b.fingerprints.contains("other-rule", secret, false));
        }
    }
}
