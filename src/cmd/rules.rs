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
    /// Print every rule: id, kind, description.
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
                    .map(|r| serde_json::json!({"id": r.spec.id, "kind": r.spec.kind, "name": r.spec.name, "description": r.spec.description}))
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
                for r in &rules.rules {
                    let d = if r.spec.description.is_empty() {
                        &r.spec.name
                    } else {
                        &r.spec.description
                    };
                    outln!("{:w$}  {:k$}  {}", r.spec.id, r.spec.kind, d)?;
                }
                outln!("{} rules", rules.rules.len())?;
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
