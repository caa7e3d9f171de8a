//! A rules file (`unleak rules check FILE`, the format of `patterns/*.toml`) on arbitrary
//! text: parsed, compiled eagerly, and every example run through a matcher.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unleak_scan::rules::{parse_rules, RuleSet};
use unleak_scan::Matcher;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(specs) = parse_rules("fuzz.toml", text) else {
        return;
    };
    let examples: Vec<String> = specs
        .iter()
        .flat_map(|s| s.examples.iter().map(|e| e.text().to_string()))
        .collect();
    let Ok(set) = RuleSet::from_specs(specs, true) else {
        return;
    };
    let m = Matcher::new(set);
    for e in examples {
        let _ = m.scan_bytes("example.txt", e.as_bytes());
    }
});
