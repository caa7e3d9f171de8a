//! The JSON report reader (`unleak verify` and `unleak store` read reports through it) on
//! arbitrary text, and on the reports unleak itself writes of arbitrary bytes. What must hold:
//! no panic; a text that reads as a report survives a round trip (written again and read
//! again, it is the same report: unknown fields kept); every report unleak writes, `json` or
//! `jsonl`, reads back with all its findings.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use unleak_scan::matcher::BlobOutcome;
use unleak_scan::report::{self, record, Format, Style};
use unleak_scan::stats::StatsSummary;
use unleak_scan::{Matcher, RuleSet};

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(RuleSet::builtin().expect("the built-in rules compile")))
}

/// A report read from text, written again as JSON and read again: the same JSON both times.
fn round_trip(text: &str) {
    let Ok(first) = record::parse(text) else {
        return;
    };
    let written = serde_json::to_string(&first).expect("a report read is written");
    let again = record::parse(&written).expect("a report written is read");
    let rewritten = serde_json::to_string(&again).expect("written again");
    assert_eq!(written, rewritten, "the round trip changed the report");
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 1 == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            round_trip(text);
        }
        return;
    }
    let m = matcher();
    let BlobOutcome::Scanned(findings) = m.scan_bytes("app.env", rest) else {
        return;
    };
    let stats = StatsSummary::default();
    let style = Style {
        show_secrets: mode & 2 != 0,
        ..Style::default()
    };
    let mut json = Vec::new();
    report::write(&mut json, Format::Json, &findings, &stats, m.rules(), style)
        .expect("a report into memory never fails");
    let mut lines = Vec::new();
    for f in &findings {
        report::json::write_line(&mut lines, f, style).expect("a line into memory never fails");
    }
    for (format, out) in [("json", json), ("jsonl", lines)] {
        if out.is_empty() {
            continue; // JSON Lines of no finding: nothing for the reader to read
        }
        let text = String::from_utf8(out).expect("a report is UTF-8");
        let read = record::parse(&text).expect("a report unleak wrote reads back");
        assert_eq!(read.findings.len(), findings.len(), "{format}: findings lost");
        round_trip(&text);
    }
});
