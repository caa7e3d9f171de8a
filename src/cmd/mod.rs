//! Subcommands, one file each.

mod common;
mod rules;
mod scan;
#[cfg(feature = "aws")]
mod verify;

use clap::{Parser, Subcommand};

use crate::Outcome;

#[derive(Parser)]
#[command(
    name = "unleak",
    version,
    about = "Find leaked secrets in working trees and git history, judge AWS keys, and fix them."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan files, directories, stdin (`-`) or git history for secrets.
    Scan(scan::ScanArgs),
    /// List the rules, or check a rules file of your own.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Judge the AWS keys of a saved JSON report: live, inactive, invalid, canary or unknown.
    #[cfg(feature = "aws")]
    Verify(verify::VerifyCmdArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(cmd) => rules::run(cmd),
        #[cfg(feature = "aws")]
        Command::Verify(args) => verify::run(args),
    }
}
