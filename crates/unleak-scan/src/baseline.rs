//! Baselines: the fingerprints of accepted findings, one a line, sorted, with the rule id and
//! nothing that changes when code moves (no line numbers, no dates), so the file does not churn
//! and merges cleanly.

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Result};
use crate::finding::Finding;

const HEADER: &str =
    "# unleak baseline: one `fingerprint rule-id` a line; findings listed here are not reported.\n";

pub struct Baseline {
    fingerprints: std::collections::HashSet<String>,
}

impl Baseline {
    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::input_file::read_to_string(path, crate::input_file::BASELINE_LIMIT)
            .map_err(|e| Error::io(path, e))?;
        let mut fingerprints = std::collections::HashSet::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fp = line.split_whitespace().next().unwrap_or("");
            if fp.len() != 16 || !fp.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(Error::Config {
                    path: path.to_path_buf(),
                    message: format!("line {}: not a baseline entry: `{line}`", i + 1),
                });
            }
            fingerprints.insert(fp.to_ascii_lowercase());
        }
        Ok(Baseline { fingerprints })
    }

    pub fn contains(&self, f: &Finding) -> bool {
        self.fingerprints.contains(&f.fingerprint())
    }

    /// The baseline text for these findings.
    pub fn render(findings: &[Finding]) -> String {
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
