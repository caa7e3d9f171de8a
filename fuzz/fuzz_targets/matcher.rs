//! The matcher over arbitrary bytes with every built-in rule, then every report format over
//! what it found. Checks what must hold for any input: no panic, positions that make sense,
//! reports that are written whole (JSON that parses), and no secret in a report written
//! without `--show-secrets`.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use unleak_scan::matcher::BlobOutcome;
use unleak_scan::report::{self, Format, Style};
use unleak_scan::stats::StatsSummary;
use unleak_scan::{Matcher, RuleSet};

/// Paths that select the path-bound rules (`.pgpass`, key files, …) as well as plain ones.
const PATHS: &[&str] = &[
    "app.env",
    "main.py",
    ".pgpass",
    "id_rsa",
    "server.ppk",
    ".npmrc",
    ".git-credentials",
    "deploy/secret.yaml",
    "settings.xml",
    ".aws/credentials",
];

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(RuleSet::builtin().expect("the built-in rules compile")))
}

fuzz_target!(|data: &[u8]| {
    let (path, body) = match data.split_first() {
        Some((b, rest)) => (PATHS[*b as usize % PATHS.len()], rest),
        None => ("empty", data),
    };
    let m = matcher();
    let BlobOutcome::Scanned(findings) = m.scan_bytes(path, body) else {
        return;
    };
    for f in &findings {
        assert!(f.line >= 1 && f.end_line >= f.line && f.column >= 1, "bad position");
        assert!(!f.secret.is_empty(), "empty secret from {}", f.rule_id);
    }
    let stats = StatsSummary::default();
    for format in [Format::Text, Format::Json, Format::Sarif] {
        let mut out = Vec::new();
        report::write(&mut out, format, &findings, &stats, m.rules(), Style::default())
            .expect("a report into memory never fails");
        if format != Format::Text {
            serde_json::from_slice::<serde_json::Value>(&out).expect("the report is JSON");
        }
        let out = String::from_utf8_lossy(&out);
        // Text the report carries anyway (rule names, advice, the path): a secret that is
        // a part of it proves nothing.
        let fixed: String = findings
            .iter()
            .flat_map(|f| [&f.description, &f.advice, &f.rule_id, &f.kind, &f.path])
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for f in findings.iter().filter(|f| !f.is_identifier()) {
            if f.secret.chars().count() >= 12 && !fixed.contains(&f.secret) {
                assert!(
                    !out.contains(&f.secret),
                    "{format:?} report shows the secret of {} in full",
                    f.rule_id
                );
            }
        }
    }
});
