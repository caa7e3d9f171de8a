//! `json` (one document) and `jsonl` (one finding a line) output. Schema version 1:
//! `{"version": 1, "findings": [Finding], "stats": Stats}`, documented in README.md.

use std::collections::HashMap;
use std::io::Write;

use super::record::{FindingRecord, Report};
use super::Style;
use crate::finding::Finding;
use crate::stats::StatsSummary;

pub use super::record::SCHEMA_VERSION;

pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    stats: &StatsSummary,
    style: Style,
) -> std::io::Result<()> {
    Finding::precompute_fingerprints(findings);
    // How many findings of this report share each finding's secret (and kind): the text report
    // shows them as one entry; here every location stays a record and says how many there are.
    let mut occurrences: HashMap<(&str, &str), u64> = HashMap::new();
    for f in findings {
        *occurrences.entry((&f.kind, &f.secret)).or_default() += 1;
    }
    let report = Report {
        version: SCHEMA_VERSION,
        findings: findings
            .iter()
            .map(|f| FindingRecord {
                occurrences: Some(occurrences[&(f.kind.as_str(), f.secret.as_str())]),
                ..FindingRecord::new(f, style.show_secrets)
            })
            .collect(),
        stats: Some(stats.clone()),
        extra: Default::default(),
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

/// One JSON Lines record.
pub fn write_line(out: &mut dyn Write, f: &Finding, style: Style) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &FindingRecord::new(f, style.show_secrets))?;
    writeln!(out)
}
