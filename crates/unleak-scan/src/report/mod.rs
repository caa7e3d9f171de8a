//! Reports: text for people, JSON / JSON Lines for tools, SARIF for code-scanning services.
//! Secrets are redacted here, in one place, unless the user asked to see them.

pub mod json;
pub mod record;
pub mod redact;
pub mod sarif;
pub mod text;

use std::io::Write;

use crate::finding::Finding;
use crate::rules::RuleSet;
use crate::stats::StatsSummary;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Jsonl,
    Sarif,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(Format::Text),
            "json" => Ok(Format::Json),
            "jsonl" => Ok(Format::Jsonl),
            "sarif" => Ok(Format::Sarif),
            _ => Err(format!("unknown format `{s}` (text, json, jsonl, sarif)")),
        }
    }
}

/// How to print.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub show_secrets: bool,
    pub color: bool,
}

/// Write a whole report (JSON Lines streams its findings elsewhere and ends with nothing).
/// SARIF URIs are the paths as they are, taken as relative to the repository's top.
pub fn write(
    out: &mut dyn Write,
    format: Format,
    findings: &[Finding],
    stats: &StatsSummary,
    rules: &RuleSet,
    style: Style,
) -> std::io::Result<()> {
    let root = sarif::SrcRoot::default();
    write_located(out, format, findings, stats, rules, style, &root)
}

/// [`write`], with where the paths are for SARIF's URIs relative to `%SRCROOT%`.
pub fn write_located(
    out: &mut dyn Write,
    format: Format,
    findings: &[Finding],
    stats: &StatsSummary,
    rules: &RuleSet,
    style: Style,
    root: &sarif::SrcRoot,
) -> std::io::Result<()> {
    match format {
        Format::Text => text::write(out, findings, stats, style),
        Format::Json => json::write(out, findings, stats, style),
        Format::Jsonl => Ok(()),
        Format::Sarif => sarif::write(out, findings, rules, style, root),
    }
}

/// Escape control characters (terminal injection through file names or file content).
pub fn escape_control(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        // Bidirectional overrides and isolates reorder what a terminal shows.
        if (c.is_control() && c != '\t')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}
