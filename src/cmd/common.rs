//! Set-up shared by the subcommands that scan: configuration, rules, matcher.

use std::path::{Path, PathBuf};

use anyhow::Result;
use unleak_scan::config::Config;
use unleak_scan::{Confidence, Matcher, RuleSet};

/// The configuration: `--config FILE`, else `.unleak.toml` discovered from `root`.
pub fn load_config(explicit: Option<&PathBuf>, root: &Path) -> Result<Config> {
    Ok(match explicit {
        Some(p) => Config::load(p)?,
        None => Config::discover(root)?,
    })
}

/// Built-in rules, plus the config's extra rules, minus the disabled ones.
pub fn build_matcher(config: &Config) -> Result<Matcher> {
    let mut rules = RuleSet::builtin()?;
    if !config.extra_rules.is_empty() {
        rules.extend(config.extra_rules.clone())?;
    }
    rules.disable(&config.disable)?;
    Ok(Matcher::new(rules))
}

/// `10M`, `512k`, `1G`, `4096`: a size in bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, mult) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        None => (s, 1u64),
        Some((i, _)) => {
            let unit = s[i..].trim().to_ascii_lowercase();
            let mult = match unit.trim_end_matches("ib").trim_end_matches('b') {
                "" => 1,
                "k" => 1 << 10,
                "m" => 1 << 20,
                "g" => 1 << 30,
                _ => return Err(format!("`{s}`: unknown size unit (use k, M or G)")),
            };
            (&s[..i], mult)
        }
    };
    let n: u64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a size (e.g. 10M)"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{s}` is too large"))
}

/// `low`, `medium` or `high`.
pub fn parse_confidence(s: &str) -> Result<Confidence, String> {
    s.parse()
}

/// The note for findings below `--min-confidence`: how many, what they do not do (`effect`:
/// "do not refuse the push"), and where they are listed (`listed`). One wording for `scan`
/// and both hooks.
pub fn below_minimum_note(n: usize, min: Confidence, effect: &str, listed: &str) -> String {
    format!(
        "{n} finding(s) below {} confidence (illustrative passwords, fixtures under tests and docs) {effect}; {listed}",
        min.as_str()
    )
}
