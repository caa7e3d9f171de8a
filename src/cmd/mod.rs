//! Subcommands, one file each.

mod common;
mod history;
mod hook;
mod rules;
mod scan;

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
    /// Git hooks: the pre-push check, and installing the hooks.
    #[command(subcommand)]
    Hook(hook::HookCommand),
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Hook(cmd) => hook::run(cmd),
    }
}
