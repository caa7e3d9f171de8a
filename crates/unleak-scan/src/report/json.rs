//! `json` (one document) and `jsonl` (one finding a line) output. Schema version 1:
//! `{"version": 1, "findings": [Finding], "stats": Stats}`, documented in README.md.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{json, Map, Value};

use super::Style;
use crate::finding::Finding;
use crate::sources::StatsSummary;

pub const SCHEMA_VERSION: u32 = 1;

/// One finding as JSON, with its secret redacted unless `show`.
pub fn finding_value(f: &Finding, show: bool) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(f.fingerprint()));
    m.insert("rule_id".into(), json!(f.rule_id));
    m.insert("kind".into(), json!(f.kind));
    m.insert("description".into(), json!(f.description));
    m.insert("path".into(), json!(f.path));
    m.insert("line".into(), json!(f.line));
    m.insert("end_line".into(), json!(f.end_line));
    m.insert("column".into(), json!(f.column));
    m.insert("secret".into(), json!(f.display_secret(show)));
    m.insert("confidence".into(), json!(f.confidence.as_str()));
    m.insert(
        "entropy".into(),
        json!(((f.entropy as f64) * 100.0).round() / 100.0),
    );
    m.insert("advice".into(), json!(f.advice));
    if let Some(enc) = f.encrypted {
        m.insert("encrypted".into(), json!(enc));
    }
    if let Some(p) = &f.pair {
        let secret = if show || p.kind == "aws-access-key-id" {
            p.secret.clone()
        } else {
            crate::finding::redact(&p.secret)
        };
        m.insert(
            "pair".into(),
            json!({"rule_id": p.rule_id, "kind": p.kind, "secret": secret, "line": p.line}),
        );
    }
    if let Some(c) = &f.commit {
        m.insert(
            "commit".into(),
            serde_json::to_value(c).unwrap_or(Value::Null),
        );
    }
    if let Some(v) = &f.verification {
        m.insert(
            "verification".into(),
            serde_json::to_value(v).unwrap_or(Value::Null),
        );
    }
    Value::Object(m)
}

pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    stats: &StatsSummary,
    style: Style,
) -> std::io::Result<()> {
    crate::fingerprint::precompute(findings);
    // How many findings of this report share each finding's secret (and kind): the text report
    // shows them as one entry; here every location stays a record and says how many there are.
    let mut occurrences: HashMap<(&str, &str), u64> = HashMap::new();
    for f in findings {
        *occurrences.entry((&f.kind, &f.secret)).or_default() += 1;
    }
    let records: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut v = finding_value(f, style.show_secrets);
            if let Value::Object(m) = &mut v {
                m.insert(
                    "occurrences".into(),
                    json!(occurrences[&(f.kind.as_str(), f.secret.as_str())]),
                );
            }
            v
        })
        .collect();
    let doc = json!({
        "version": SCHEMA_VERSION,
        "findings": records,
        "stats": stats,
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// One JSON Lines record.
pub fn write_line(out: &mut dyn Write, f: &Finding, style: Style) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, &finding_value(f, style.show_secrets))?;
    writeln!(out)
}
