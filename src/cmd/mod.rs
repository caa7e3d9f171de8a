//! Subcommands, one file each.

mod common;
#[cfg(feature = "aws")]
mod confirm;
mod history;
mod hook;
#[cfg(feature = "aws")]
mod rotate;
mod rules;
mod scan;
#[cfg(feature = "aws")]
mod store;
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
    /// Rotate a leaked IAM access key: new key into Secrets Manager, old key off (resumable).
    #[cfg(feature = "aws")]
    Rotate(rotate::RotateArgs),
    /// Move a found secret into AWS Secrets Manager (and optionally rewrite the source).
    #[cfg(feature = "aws")]
    Store(store::StoreArgs),
    /// Git hooks: the pre-push check, and installing the hooks.
    #[command(subcommand)]
    Hook(hook::HookCommand),
    /// Judge the AWS keys of a saved JSON report: live, inactive, invalid, canary or unknown.
    #[cfg(feature = "aws")]
    Verify(verify::VerifyCmdArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    fingerprint_key()?;
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Rules(cmd) => rules::run(cmd),
        #[cfg(feature = "aws")]
        Command::Rotate(args) => rotate::run(args),
        #[cfg(feature = "aws")]
        Command::Store(args) => store::run(args),
        Command::Hook(cmd) => hook::run(cmd),
        #[cfg(feature = "aws")]
        Command::Verify(args) => verify::run(args),
    }
}

/// An organisation's key for fingerprints (`UNLEAK_FINGERPRINT_KEY`), for every id of this run.
fn fingerprint_key() -> anyhow::Result<()> {
    let key = std::env::var_os("UNLEAK_FINGERPRINT_KEY").filter(|k| !k.is_empty());
    #[cfg(unix)]
    let key = key.map(std::os::unix::ffi::OsStringExt::into_vec);
    #[cfg(not(unix))]
    let key = key.map(|k| k.to_string_lossy().into_owned().into_bytes());
    unleak_scan::fingerprint::set_key(key)
        .map_err(|e| anyhow::anyhow!("UNLEAK_FINGERPRINT_KEY: {e}"))
}
