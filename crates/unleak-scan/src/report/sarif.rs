//! SARIF 2.1.0, as GitHub code scanning accepts it: rules in `tool.driver.rules`, one result a
//! finding with a relative `artifactLocation.uri` and a region, and a partial fingerprint so
//! alerts follow code that moves.

use std::collections::BTreeMap;
use std::io::Write;

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};

use super::Style;
use crate::finding::{Finding, Status};
use crate::rules::RuleSet;

/// Characters escaped in a relative URI reference (`/` stays: it separates segments).
const URI_ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// A judged key's verdict sets how loud its alert is: a working key is an error, a key that
/// no longer works (or a canary, which must not be used) a lesser alert; unjudged, an error.
fn level(f: &Finding) -> &'static str {
    match f.verification.as_ref().map(|v| v.status) {
        Some(Status::Inactive | Status::Invalid) => "warning",
        Some(Status::Canary) => "note",
        Some(Status::Live | Status::Unknown) | None => "error",
    }
}

pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    rules: &RuleSet,
    style: Style,
) -> std::io::Result<()> {
    // Only the rules that produced results, in a stable order, each with its index.
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        let n = used.len();
        used.entry(f.rule_id.as_str()).or_insert(n);
    }
    let mut ordered: Vec<(&str, usize)> = used.iter().map(|(k, v)| (*k, *v)).collect();
    ordered.sort_by_key(|(_, i)| *i);
    let rule_objs: Vec<Value> = ordered
        .iter()
        .map(|(id, _)| {
            let (name, desc, advice, kind) = match rules.get(id) {
                Some(r) => (
                    r.spec.name.clone(),
                    if r.spec.description.is_empty() { r.spec.name.clone() } else { r.spec.description.clone() },
                    r.spec.advice.clone().unwrap_or_else(|| crate::matcher::default_advice(&r.spec.kind)),
                    r.spec.kind.clone(),
                ),
                None => (id.to_string(), id.to_string(), String::new(), String::new()),
            };
            json!({
                "id": id,
                "name": name,
                "shortDescription": {"text": name},
                "fullDescription": {"text": desc},
                "help": {"text": advice},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret", kind], "security-severity": "9.0", "precision": "high"}
            })
        })
        .collect();
    crate::fingerprint::precompute(findings);
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut region = json!({"startLine": f.line, "startColumn": f.column, "endLine": f.end_line.max(f.line)});
            if f.line == 0 {
                region = json!({"startLine": 1});
            }
            let mut message = format!("{}: {}", f.description, f.display_secret(style.show_secrets));
            if let Some(c) = &f.commit {
                message.push_str(&format!(" (introduced in commit {})", c.commit));
            }
            if let Some(v) = &f.verification {
                message.push_str(&format!(" [verified: {}]", v.status));
            }
            let mut result = json!({
                "ruleId": f.rule_id,
                "ruleIndex": used[f.rule_id.as_str()],
                "level": level(f),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": utf8_percent_encode(&f.path, URI_ESCAPE).to_string(), "uriBaseId": "%SRCROOT%"},
                        "region": region
                    }
                }],
                "partialFingerprints": {"unleakFingerprint/v2": f.fingerprint()}
            });
            if let Some(v) = &f.verification {
                result["properties"] = json!({"verification": v});
            }
            result
        })
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "unleak",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rule_objs
            }},
            "results": results
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
