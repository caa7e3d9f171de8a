//! `unleak rules list` and `unleak rules check FILE`.

use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::Subcommand;
use unleak_scan::rules::{parse_rules, RuleSet};
use unleak_scan::selftest;

use crate::output::outln;
use crate::Outcome;

#[derive(Subcommand)]
pub enum RulesCommand {
    /// Print every rule: family, id, kind, description; then the count per family.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Compile a rules file (same format as patterns/*.toml) and run its examples.
    Check {
        /// The rules file.
        file: PathBuf,
    },
}

pub fn run(cmd: RulesCommand) -> Result<Outcome> {
    match cmd {
        RulesCommand::List { json } => {
            let rules = RuleSet::builtin()?;
            if json {
                let v: Vec<_> = rules
                    .rules
                    .iter()
                    .map(|r| serde_json::json!({"id": r.spec.id, "family": r.spec.family(), "kind": r.spec.kind, "name": r.spec.name, "description": r.spec.description, "confidence": r.spec.confidence}))
                    .collect();
                outln!("{}", serde_json::to_string_pretty(&v)?)?;
            } else {
                let w = rules
                    .rules
                    .iter()
                    .map(|r| r.spec.id.len())
                    .max()
                    .unwrap_or(0);
                let k = rules
                    .rules
                    .iter()
                    .map(|r| r.spec.kind.len())
                    .max()
                    .unwrap_or(0);
                let f = rules
                    .rules
                    .iter()
                    .map(|r| r.spec.family().len())
                    .max()
                    .unwrap_or(0);
                for r in &rules.rules {
                    let d = if r.spec.description.is_empty() {
                        &r.spec.name
                    } else {
                        &r.spec.description
                    };
                    outln!(
                        "{:f$}  {:w$}  {:k$}  {}",
                        r.spec.family(),
                        r.spec.id,
                        r.spec.kind,
                        d
                    )?;
                }
                // Families in the order their files are embedded, each with its count.
                let mut families: Vec<(&str, usize)> = Vec::new();
                for r in &rules.rules {
                    match families
                        .iter_mut()
                        .find(|(name, _)| *name == r.spec.family())
                    {
                        Some((_, n)) => *n += 1,
                        None => families.push((r.spec.family(), 1)),
                    }
                }
                let counts: Vec<String> =
                    families.iter().map(|(f, n)| format!("{f} {n}")).collect();
                outln!(
                    "{} rules in {} families: {}",
                    rules.rules.len(),
                    families.len(),
                    counts.join(", ")
                )?;
            }
            Ok(Outcome::Clean)
        }
        RulesCommand::Check { file } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let specs = parse_rules(&file.display().to_string(), &text)?;
            if specs.is_empty() {
                bail!("{}: no [[rules]] in this file", file.display());
            }
            let set = RuleSet::from_specs(specs, true)?;
            let failures = selftest::check_examples(&set);
            for f in &failures {
                // A failure quotes the rule's example text: escaped like every message.
                eprintln!("{}", unleak_scan::report::escape_control(f));
            }
            if failures.is_empty() {
                outln!(
                    "{}: {} rules compile and pass their examples",
                    file.display(),
                    set.rules.len()
                )?;
                Ok(Outcome::Clean)
            } else {
                bail!(
                    "{}: {} example check(s) failed",
                    file.display(),
                    failures.len()
                )
            }
        }
    }
}
