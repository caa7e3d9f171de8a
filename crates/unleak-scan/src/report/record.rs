//! The JSON report as types: what `json` and `jsonl` write, and what `verify` and `store` read
//! back. One definition, so writer and readers cannot disagree (they once did, on what a
//! redacted secret looks like); fields this version does not know are kept (`extra`), so a
//! report written by a newer version survives a round trip through `verify`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::finding::{
    is_redacted, redact, shown_whole, CommitInfo, Confidence, Finding, Pair, Verification,
};
use crate::stats::StatsSummary;

/// The version in every JSON report's `version` field; readers refuse any other.
pub const SCHEMA_VERSION: u32 = 1;

/// `{"version": 1, "findings": [...], "stats": {...}}`: the `json` format.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub version: u32,
    pub findings: Vec<FindingRecord>,
    /// Absent in reports rebuilt from JSON Lines, which carry no statistics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stats: Option<StatsSummary>,
    /// Fields of a newer version, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One finding: an element of `findings`, and one line of the `jsonl` format.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct FindingRecord {
    /// The fingerprint (`v2:…`, `k2:…` when keyed): stable while the secret moves.
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub rule_id: String,
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// As the user named it: the scanned root as typed, then the path under it, `/`-separated
    /// (`scan lib test` gives `lib/a.py` and `test/a.py`); in history and staged scans,
    /// relative to the repository's top; `-` for stdin.
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub line: u32,
    #[serde(default)]
    pub end_line: u32,
    #[serde(default)]
    pub column: u32,
    /// Redacted (see [`is_redacted`]) unless the report was written with `--show-secrets`;
    /// AWS key ids are always whole.
    pub secret: String,
    #[serde(default)]
    pub confidence: Confidence,
    /// Shannon entropy of the secret in bits per character, two decimals.
    #[serde(default)]
    pub entropy: f64,
    #[serde(default)]
    pub advice: String,
    /// Private keys only: whether the key is passphrase-protected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pair: Option<PairRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<Box<CommitInfo>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Box<Verification>>,
    /// `json` only: how many findings of the report have this kind and secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub occurrences: Option<u64>,
    /// Fields of a newer version, kept as they were.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The partner of a paired finding, as reports carry it.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct PairRecord {
    #[serde(default)]
    pub rule_id: String,
    pub kind: String,
    /// Redacted like the finding's own secret, except for AWS key ids.
    pub secret: String,
    #[serde(default)]
    pub line: u32,
}

impl FindingRecord {
    /// The record of a finding, its secrets redacted unless `show`.
    pub fn new(f: &Finding, show: bool) -> Self {
        FindingRecord {
            id: f.fingerprint(),
            rule_id: f.rule_id.clone(),
            kind: f.kind.clone(),
            description: f.description.clone(),
            path: f.path.clone(),
            line: f.line,
            end_line: f.end_line,
            column: f.column,
            secret: f.display_secret(show),
            confidence: f.confidence,
            entropy: ((f.entropy as f64) * 100.0).round() / 100.0,
            advice: f.advice_shown(),
            encrypted: f.encrypted,
            pair: f.pair.as_ref().map(|p| PairRecord {
                rule_id: p.rule_id.clone(),
                kind: p.kind.clone(),
                secret: if show || shown_whole(&p.kind) {
                    p.secret.clone()
                } else {
                    redact(&p.secret)
                },
                line: p.line,
            }),
            commit: f.commit.clone(),
            verification: f.verification.clone(),
            occurrences: None,
            extra: Map::new(),
        }
    }

    /// Redact every full secret left in the record and its pair (identifiers stay whole).
    pub fn redact(&mut self) {
        if !shown_whole(&self.kind) && !is_redacted(&self.secret) {
            self.secret = redact(&self.secret);
        }
        if let Some(p) = &mut self.pair {
            if !shown_whole(&p.kind) && !is_redacted(&p.secret) {
                p.secret = redact(&p.secret);
            }
        }
    }

    /// The finding again, for the text report of a report read back. The line itself is not
    /// in the JSON: its preview is the secret as the report holds it.
    pub fn to_finding(&self) -> Finding {
        Finding {
            rule_id: self.rule_id.clone(),
            kind: self.kind.clone(),
            description: self.description.clone(),
            advice: self.advice.clone(),
            path: self.path.clone(),
            line: self.line,
            end_line: self.end_line,
            column: self.column,
            secret: self.secret.clone(),
            excerpt: Default::default(),
            confidence: self.confidence,
            entropy: self.entropy as f32,
            encrypted: self.encrypted,
            pair: self.pair.as_ref().map(|p| Pair {
                rule_id: p.rule_id.clone(),
                kind: p.kind.clone(),
                secret: p.secret.clone(),
                line: p.line,
            }),
            commit: self.commit.clone(),
            verification: self.verification.clone(),
        }
    }
}

/// Why a text is not a report `parse` can read.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    #[error(
        "report schema version {0} is not supported (this unleak reads version {SCHEMA_VERSION})"
    )]
    Version(u64),
    #[error("a JSON object with `version` and `findings` was expected")]
    NotAReport,
    #[error("not a valid report: {0}")]
    Invalid(serde_json::Error),
    #[error("line {line}: not a finding record: {error}")]
    Line {
        line: usize,
        error: serde_json::Error,
    },
    #[error("empty input")]
    Empty,
}

/// What tells a `json` document from one `jsonl` record before either is read in full.
#[derive(Deserialize)]
struct Probe {
    version: Option<u64>,
    rule_id: Option<serde::de::IgnoredAny>,
}

/// Read a `json` report or `jsonl` records (which have no statistics).
pub fn parse(text: &str) -> Result<Report, ParseError> {
    let lines_report = |findings| Report {
        version: SCHEMA_VERSION,
        findings,
        stats: None,
        extra: Map::new(),
    };
    match serde_json::from_str::<Probe>(text) {
        Ok(Probe {
            version: Some(v), ..
        }) if v == u64::from(SCHEMA_VERSION) => {
            serde_json::from_str(text).map_err(ParseError::Invalid)
        }
        Ok(Probe {
            version: Some(v), ..
        }) => Err(ParseError::Version(v)),
        Ok(Probe {
            version: None,
            rule_id: Some(_),
        }) => Ok(lines_report(vec![
            serde_json::from_str(text).map_err(|error| ParseError::Line { line: 1, error })?
        ])),
        Ok(_) => Err(ParseError::NotAReport),
        Err(whole) => {
            let mut findings = Vec::new();
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<FindingRecord>(line) {
                    Ok(f) => findings.push(f),
                    // Not even the first record: the text as one document says best what is
                    // wrong (`[]` is no report; a cut-off report fails at its last line).
                    Err(_) if findings.is_empty() => {
                        return Err(if whole.is_data() {
                            ParseError::NotAReport
                        } else {
                            ParseError::Invalid(whole)
                        })
                    }
                    Err(error) => return Err(ParseError::Line { line: i + 1, error }),
                }
            }
            if findings.is_empty() {
                return Err(ParseError::Empty);
            }
            Ok(lines_report(findings))
        }
    }
}

/// The JSON Schema (draft 2020-12) of the `json` report, generated from these types; the copy
/// in `docs/report.schema.json` is checked against it by a test.
pub fn schema() -> String {
    let schema = schemars::schema_for!(Report);
    let mut text = serde_json::to_string_pretty(&schema).expect("a schema serialises");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(kind: &str, secret: &str) -> String {
        format!(r#"{{"rule_id":"r","kind":"{kind}","secret":"{secret}"}}"#)
    }

    /// The published schema is the one the types give. `UNLEAK_BLESS=1` rewrites the file after
    /// a deliberate change of the report (and the change shows in review).
    #[test]
    fn the_published_schema_is_the_generated_one() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/report.schema.json");
        let generated = schema();
        if std::env::var_os("UNLEAK_BLESS").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let published = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            published == generated,
            "docs/report.schema.json differs from the report's types: if the change is meant, \
             run `UNLEAK_BLESS=1 cargo test -p unleak-scan --lib record` and commit the file"
        );
    }

    #[test]
    fn reports_must_look_like_reports() {
        assert!(matches!(parse("[]"), Err(ParseError::NotAReport)));
        assert!(matches!(parse("42"), Err(ParseError::NotAReport)));
        assert!(matches!(
            parse(r#"{"version": 9, "findings": []}"#),
            Err(ParseError::Version(9))
        ));
        assert!(matches!(
            parse(r#"{"findings": []}"#),
            Err(ParseError::NotAReport)
        ));
        assert!(parse("not json").is_err());
        assert!(matches!(parse("\n\n"), Err(ParseError::Empty)));
        assert!(parse(r#"{"version": 1, "findings": []}"#)
            .unwrap()
            .findings
            .is_empty());
        // A record without its secret is refused, with the line that lacks it.
        let lines = format!(
            "{}\n{{\"rule_id\":\"r\",\"kind\":\"k\"}}\n",
            record("k", "a")
        );
        assert!(matches!(
            parse(&lines),
            Err(ParseError::Line { line: 2, .. })
        ));
    }

    #[test]
    fn json_lines_and_a_single_record_are_read() {
        let two = format!("{}\n\n{}\n", record("k", "a"), record("k", "b"));
        let r = parse(&two).unwrap();
        assert_eq!(r.findings.len(), 2);
        assert!(r.stats.is_none());
        assert_eq!(parse(&record("k", "c")).unwrap().findings[0].secret, "c");
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let text = r#"{"version":1,"generator":"unleak 9","findings":[{"kind":"k","secret":"s…","triage":{"status":"accepted"}}]}"#;
        let report = parse(text).unwrap();
        let again = serde_json::to_value(&report).unwrap();
        assert_eq!(again["generator"], "unleak 9");
        assert_eq!(again["findings"][0]["triage"]["status"], "accepted");
    }

    #[test]
    fn redaction_keeps_ids_whole_and_is_idempotent() {
        let mut r: FindingRecord = serde_json::from_str(
            r#"{"kind":"aws-secret-access-key","secret":"wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz","pair":{"kind":"aws-access-key-id","secret":"AKIA0000000000000000"}}"#,
        )
        .unwrap();
        r.redact();
        assert_eq!(r.secret, "wJal…");
        assert_eq!(r.pair.as_ref().unwrap().secret, "AKIA0000000000000000");
        r.redact();
        assert_eq!(r.secret, "wJal…");
    }
}
