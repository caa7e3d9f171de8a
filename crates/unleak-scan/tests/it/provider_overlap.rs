//! The broad rules (generic assignments, credentials in URLs, context-bound provider rules)
//! must not report a second time what a specific rule of another kind already reports: every
//! example of every built-in rule yields findings of that rule's kind only.

use unleak_scan::rules::BUILTIN;
use unleak_scan::{Matcher, RuleSet};

/// The ids of the rules in `patterns/providers/*.toml`.
fn provider_rule_ids() -> Vec<String> {
    BUILTIN
        .iter()
        .filter(|(name, _)| name.starts_with("providers/"))
        .flat_map(|(name, text)| {
            unleak_scan::rules::parse_rules(name, text)
                .unwrap_or_else(|e| panic!("{name} parses: {e}"))
        })
        .map(|r| r.id)
        .collect()
}

/// A rule file added under `patterns/providers/` but not to `BUILTIN` would never be loaded.
#[test]
fn every_provider_rule_file_is_embedded() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../patterns/providers");
    let mut on_disk: Vec<String> = std::fs::read_dir(dir)
        .expect("patterns/providers is readable")
        .map(|e| {
            e.expect("directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".toml"))
        .map(|n| format!("providers/{n}"))
        .collect();
    on_disk.sort();
    let mut embedded: Vec<String> = BUILTIN
        .iter()
        .map(|(n, _)| n.to_string())
        .filter(|n| n.starts_with("providers/"))
        .collect();
    embedded.sort();
    assert_eq!(on_disk, embedded);
}

#[test]
fn examples_are_reported_under_their_own_kind_only() {
    let set = RuleSet::builtin_with_examples().expect("built-in rules load");
    let providers = provider_rule_ids();
    let specs: Vec<_> = set.rules.iter().map(|r| r.spec.clone()).collect();
    let matcher = Matcher::new(set);
    let mut failures = Vec::new();
    for spec in &specs {
        for ex in &spec.examples {
            for f in matcher.scan_text(ex.path(), ex.text().as_bytes()) {
                let partner = spec.pair.as_ref().is_some_and(|p| p.kind == f.kind);
                // The GCP rule names a private key that the private-key family also reports.
                let gcp = spec.id == "gcp-service-account-key" && f.kind == "private-key";
                let ours = providers.contains(&f.rule_id) || providers.contains(&spec.id);
                if f.kind != spec.kind && !partner && !gcp && ours && !others_rule(&f.rule_id) {
                    failures.push(format!(
                        "example of `{}` also reported as {} by `{}`: {:?}",
                        spec.id,
                        f.kind,
                        f.rule_id,
                        ex.text()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Rules of another family that report provider tokens under their own kind (a token
/// assigned to `password`): theirs to narrow, listed in the closing note.
fn others_rule(id: &str) -> bool {
    id == "db-password-assignment"
}

/// The other families' negative examples (placeholders, env lookups, hashes) stay clean under
/// the provider rules too.
#[test]
fn other_families_negative_examples_stay_clean() {
    let set = RuleSet::builtin_with_examples().expect("built-in rules load");
    let providers = provider_rule_ids();
    let specs: Vec<_> = set.rules.iter().map(|r| r.spec.clone()).collect();
    let matcher = Matcher::new(set);
    let mut failures = Vec::new();
    for spec in specs.iter().filter(|s| !providers.contains(&s.id)) {
        for ex in spec.negative_examples.iter().chain(&spec.examples) {
            for f in matcher.scan_text(ex.path(), ex.text().as_bytes()) {
                if providers.contains(&f.rule_id) && f.rule_id != "gcp-service-account-key" {
                    failures.push(format!(
                        "`{}` fired on an example of `{}`: {:?}",
                        f.rule_id,
                        spec.id,
                        ex.text()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A candidate that pairing drops (no partner in reach) must not hide a broad rule's finding
/// of the same bytes: here a 32-character value in a file that names Twilio, but no SID
/// within 4 lines of it, stays a generic API key.
#[test]
fn unpaired_candidates_do_not_hide_generic_findings() {
    let matcher = Matcher::new(RuleSet::builtin().expect("built-in rules load"));
    let sid = format!("AC{}", "4f1e0d9c8b7a6f5e4d3c2b1a0f9e8d7c");
    let text = format!(
        "TWILIO_ACCOUNT_SID={sid}\nA=1\nB=2\nC=3\nD=4\nE=5\nACME_API_KEY={}\n",
        "Zq3vN8pR2xK7mW4tY6hJ9bC1dF5gL0sA"
    );
    let found = matcher.scan_text("settings.env", text.as_bytes());
    let kinds: Vec<&str> = found.iter().map(|f| f.kind.as_str()).collect();
    assert_eq!(kinds, ["generic-api-key"], "{found:?}");
}
