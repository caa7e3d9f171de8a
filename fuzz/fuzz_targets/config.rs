//! `.unleak.toml` parsing on arbitrary text; a configuration that parses also builds its
//! matcher (extra rules compiled, examples run), as `unleak scan` does.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use unleak_scan::config::Config;
use unleak_scan::RuleSet;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(config) = Config::parse(Path::new(".unleak.toml"), text) else {
        return;
    };
    let Ok(mut rules) = RuleSet::builtin() else {
        return;
    };
    if rules.extend(config.extra_rules.clone()).is_ok() {
        let _ = rules.disable(&config.disable);
    }
});
