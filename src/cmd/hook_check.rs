//! What the two hook checks (`hook pre-push`, `hook pre-commit`) share: their options and
//! the listing of refused findings. Its own module so that `hook` (the command, pre-push and
//! install) and `hook_commit` (pre-commit) both import it and not each other.

use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use unleak_scan::{report, Confidence, Finding};

use super::common::parse_confidence;

/// What the pre-push and pre-commit checks share: the configuration, redaction and the
/// confidence policy (the same default as `scan`).
#[derive(Args)]
pub struct CheckArgs {
    /// Configuration file (default: .unleak.toml at the repository's top).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print secrets in full (they are redacted by default).
    #[arg(long)]
    pub show_secrets: bool,
    /// Findings below this confidence (illustrative passwords) do not refuse the push or commit.
    #[arg(long, value_name = "LEVEL", default_value = Confidence::DEFAULT_MINIMUM.as_str(), value_parser = parse_confidence)]
    pub min_confidence: Confidence,
    /// A findings store whose false positives do not refuse the push or commit (read only).
    #[command(flatten)]
    pub store: super::findings::StoreArg,
}

impl CheckArgs {
    /// Leave out the secrets the store (if any) has triaged as false positives.
    pub fn drop_false_positives(&self, findings: &mut Vec<Finding>) -> Result<()> {
        if let Some(mut store) = self.store.open()? {
            let fps = store.false_positives()?;
            findings.retain(|f| !fps.contains(&f.fingerprint()));
        }
        Ok(())
    }
}

/// How many findings a refused push or commit lists in detail.
const LISTED: usize = 50;

/// The refused findings, the first [`LISTED`] in detail: place, rule, redacted secret, commit.
/// `all` says which command lists them all when there are more.
pub fn listing(findings: &[Finding], show: bool, all: &str) -> String {
    let mut s = String::new();
    // The first ones in detail (each costs a fingerprint; a push of thousands of findings would
    // print pages nobody reads): the count says how many more there are.
    let listed = &findings[..findings.len().min(LISTED)];
    Finding::precompute_fingerprints(listed);
    for f in listed {
        s.push_str(&format!(
            "  {}:{}  {}  {}\n",
            report::escape_control(&f.path),
            f.line,
            f.rule_id,
            report::escape_control(&f.display_secret(show))
        ));
        if let Some(c) = &f.commit {
            // A commit message may quote the secret ("remove key wJal…"): hidden there too.
            let message = if show {
                c.message.clone()
            } else {
                report::redact::hide(&c.message, &[&f.secret])
            };
            s.push_str(&format!(
                "    commit {} by {} on {}: {}\n",
                c.commit.get(..12).unwrap_or(&c.commit),
                report::escape_control(&c.author),
                report::escape_control(&c.date),
                report::escape_control(&message)
            ));
        }
        s.push_str(&format!("    fingerprint {}\n", f.fingerprint()));
    }
    if findings.len() > listed.len() {
        s.push_str(&format!(
            "  … and {} more (`{all}` lists them all)\n",
            findings.len() - listed.len()
        ));
    }
    s
}
