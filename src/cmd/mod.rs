//! Subcommands, one file each (`hook_check` holds what the two hook checks share).

mod audit;
mod audit_settings;
#[cfg(feature = "aws")]
mod aws_keys;
mod common;
#[cfg(feature = "aws")]
mod confirm;
mod docs;
mod findings;
mod history;
mod hook;
mod hook_check;
mod hook_commit;
#[cfg(feature = "aws")]
mod rotate;
#[cfg(feature = "db")]
mod rotate_db;
mod rules;
mod sarif_root;
mod scan;
mod store;
#[cfg(feature = "aws")]
mod store_record;
#[cfg(feature = "aws")]
mod verify;
#[cfg(feature = "db")]
mod verify_db;

use clap::{Parser, Subcommand};

use crate::Outcome;

/// `--version`: the release, the commit it was built from and the features built in (a
/// scanner-only build has no `verify`, `rotate`, `store`): build.rs sets UNLEAK_VERSION.
const VERSION: &str = env!("UNLEAK_VERSION");

#[derive(Parser)]
#[command(
    name = "unleak",
    version = VERSION,
    about = "Find leaked secrets in working trees and git history, judge AWS keys, and fix them."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// More on standard error: how the command was set up, counts and timings (`--log-level debug`).
    #[arg(
        short = 'v',
        long = "verbose",
        global = true,
        conflicts_with = "log_level"
    )]
    verbose: bool,

    /// What goes to standard error besides errors: error, warn, info (default), debug.
    #[arg(long, value_enum, value_name = "LEVEL", global = true)]
    log_level: Option<crate::output::Level>,

    /// The exit status when findings are reported (default 1; e.g. 0 to never fail on them).
    #[arg(long, value_name = "N", global = true, value_parser = clap::value_parser!(u8))]
    pub exit_code: Option<u8>,
}

// Parsed once per process: the size of the largest variant (scan's options) costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Scan files, directories, stdin (`-`) or git history for secrets.
    Scan(scan::ScanArgs),
    /// Audit the full history of every repository of a list (URLs or paths), into one report.
    Audit(audit::AuditArgs),
    /// The findings store: list, show and triage the secrets audits found.
    #[command(subcommand)]
    Findings(findings::FindingsCommand),
    /// List the rules, or check a rules file of your own.
    #[command(subcommand)]
    Rules(rules::RulesCommand),
    /// Rotate a leaked IAM access key: new key into Secrets Manager, old key off (resumable).
    #[cfg(feature = "aws")]
    Rotate(rotate::RotateArgs),
    /// Rotate a leaked PostgreSQL or MySQL/MariaDB password through Secrets Manager (resumable).
    #[cfg(feature = "db")]
    RotateDb(rotate_db::RotateDbArgs),
    /// The AWS account's side: `aws keys` audits every IAM access key.
    #[cfg(feature = "aws")]
    #[command(subcommand)]
    Aws(aws_keys::AwsCommand),
    /// Move a found secret into AWS Secrets Manager (and optionally rewrite the source).
    #[cfg(feature = "aws")]
    Store(store::StoreArgs),
    /// Git hooks: the pre-push check, and installing the hooks.
    #[command(subcommand)]
    Hook(hook::HookCommand),
    /// Judge the AWS keys of a saved JSON report: live, inactive, invalid, canary or unknown.
    #[cfg(feature = "aws")]
    Verify(verify::VerifyCmdArgs),
    /// Print a shell completion script: `unleak completions bash > /etc/bash_completion.d/unleak`.
    Completions(docs::CompletionsArgs),
    /// Print the manual page (roff): `unleak man | man -l -`.
    Man(docs::ManArgs),
}

pub fn run(cli: Cli) -> anyhow::Result<Outcome> {
    if let Some(level) = cli.log_level {
        crate::output::set_level(level);
    } else if cli.verbose {
        crate::output::set_level(crate::output::Level::Debug);
    }
    fingerprint_key()?;
    match cli.command {
        Command::Scan(args) => scan::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Findings(cmd) => findings::run(cmd),
        Command::Rules(cmd) => rules::run(cmd),
        #[cfg(feature = "aws")]
        Command::Rotate(args) => rotate::run(args),
        #[cfg(feature = "db")]
        Command::RotateDb(args) => rotate_db::run(args),
        #[cfg(feature = "aws")]
        Command::Store(args) => store::run(args),
        #[cfg(feature = "aws")]
        Command::Aws(cmd) => aws_keys::run(cmd),
        Command::Hook(cmd) => hook::run(cmd),
        #[cfg(feature = "aws")]
        Command::Verify(args) => verify::run(args),
        Command::Completions(args) => docs::completions(args),
        Command::Man(args) => docs::man(args),
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
