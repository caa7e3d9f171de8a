//! `unleak aws keys`: audit every IAM access key of the account (see `unleak_aws::keys`),
//! joined with a scan report's leaks, and with `--fix` deactivate unused keys and rotate
//! stale and leaked ones through the existing rotation (same journal, same resumability).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use unleak_aws::canary::CanaryAccounts;
use unleak_aws::client::AwsSettings;
use unleak_aws::fix_client::FixClients;
use unleak_aws::journal::Journal;
use unleak_aws::keys::{self, Audit, AuditOptions, FlagKind, KeyAudit, Leak};
use unleak_aws::rotate::{self, RotateOptions};

use super::confirm::{confirm, runtime};
use crate::output::outln;
use crate::Outcome;

#[derive(Subcommand)]
pub enum AwsCommand {
    /// Audit every IAM user's access keys: age, last use, root keys, quarantine, leaks, access.
    Keys(KeysArgs),
}

#[derive(Args)]
pub struct KeysArgs {
    /// A scan report (`unleak scan --format json`, judged or not) to join: flags `leaked` and
    /// `leaked-live`.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Keys older than this many days are `stale`.
    #[arg(long, value_name = "DAYS", default_value_t = keys::DEFAULT_MAX_AGE_DAYS,
          value_parser = clap::value_parser!(i64).range(1..=36500))]
    pub max_age: i64,

    /// Output format.
    #[arg(long, short = 'f', default_value = "text", value_parser = ["text", "json"])]
    pub format: String,

    /// Deactivate unused keys and rotate stale and leaked ones (plan shown first).
    #[arg(long)]
    pub fix: bool,

    /// With --fix: print the plan and change nothing.
    #[arg(long, requires = "fix")]
    pub dry_run: bool,

    /// With --fix: proceed without asking.
    #[arg(long, short = 'y', requires = "fix")]
    pub yes: bool,

    /// Users read at the same time.
    #[arg(long, value_name = "N", default_value_t = keys::DEFAULT_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub concurrency: usize,

    /// Bound on the whole audit in seconds; what is not read by then is reported as missing.
    #[arg(long, value_name = "SECONDS", default_value_t = keys::DEFAULT_DEADLINE.as_secs(),
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub deadline: u64,

    /// AWS profile with the auditor's credentials.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Configuration file for extra canary accounts (default: `.unleak.toml` here or at the git repo's top).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

fn parse_concurrency(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n @ 1..=64) => Ok(n),
        _ => Err(format!("`{s}`: give a number from 1 to 64")),
    }
}

pub fn run(cmd: AwsCommand) -> Result<Outcome> {
    match cmd {
        AwsCommand::Keys(args) => keys_cmd(args),
    }
}

fn keys_cmd(args: KeysArgs) -> Result<Outcome> {
    if args.fix && args.format == "json" {
        // The plan and the question are text; JSON output is for tools that read it whole.
        bail!("--fix works with the text format: run `unleak aws keys --format json` to read, `--fix` to change");
    }
    let leaks = match &args.report {
        Some(p) => leaks_of(p)?,
        None => Vec::new(),
    };
    let config = super::common::load_config(args.config.as_ref(), std::path::Path::new("."))?;
    let opts = AuditOptions {
        aws: AwsSettings {
            profile: args.profile.clone(),
            ..AuditOptions::default().aws
        },
        concurrency: args.concurrency,
        deadline: Duration::from_secs(args.deadline),
        max_age_days: args.max_age,
        leaks,
        ..AuditOptions::default()
    };
    let rt = runtime()?;
    let audit = rt
        .block_on(keys::audit(&opts))
        .context("cannot audit the account's keys")?;
    if args.format == "json" {
        let mut out = std::io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &audit)?;
        std::io::Write::write_all(&mut out, b"\n")?;
    } else {
        print_text(&audit)?;
    }
    if args.fix {
        let canaries = CanaryAccounts::new(config.aws.canary_accounts.iter().cloned());
        return rt.block_on(fix(&args, &audit, &canaries, &config.aws.canary_accounts));
    }
    Ok(if audit.flagged() {
        Outcome::Findings
    } else if !audit.complete {
        Outcome::Incomplete
    } else {
        Outcome::Clean
    })
}

/// The leaked AWS key ids of a scan report, with where they are and their verdict.
fn leaks_of(path: &std::path::Path) -> Result<Vec<Leak>> {
    let (text, name) = super::verify::read_report(path)?;
    let report = unleak_scan::report::record::parse(&text)
        .with_context(|| format!("{name} is not a report unleak can read"))?;
    Ok(report
        .findings
        .iter()
        .filter_map(|f| {
            let key = super::verify::key_of_record(f)?;
            Some(Leak {
                key_id: key.access_key_id,
                place: format!("{}:{}", f.path, f.line),
                commit: f.commit.as_ref().map(|c| c.commit.clone()),
                judged: f.verification.as_ref().map(|v| v.status.to_string()),
            })
        })
        .collect())
}

fn days(n: i64) -> String {
    if n == 1 {
        "1 day".into()
    } else {
        format!("{n} days")
    }
}

fn print_text(a: &Audit) -> Result<()> {
    outln!(
        "Account {}: {} IAM users, {} access keys (read in {:.1} s)",
        a.account,
        a.users,
        a.keys.len(),
        a.duration_ms as f64 / 1000.0
    )?;
    let root = if !a.root.known {
        "unknown (no root row in the credential report)".to_string()
    } else if a.root.active_access_keys == 0 {
        "no active access keys".to_string()
    } else {
        format!("{} ACTIVE ACCESS KEY(S)", a.root.active_access_keys)
    };
    outln!("Root user: {root}")?;
    for f in &a.account_flags {
        outln!("  {}: {}\n    do: {}", f.kind.as_str(), f.reason, f.action)?;
    }
    outln!()?;
    for k in &a.keys {
        print_key(k)?;
    }
    if !a.console.is_empty() {
        outln!("Console passwords:")?;
        for c in &a.console {
            outln!("  {}: {}\n    do: {}", c.user, c.flag.reason, c.flag.action)?;
        }
        outln!()?;
    }
    let flagged = a.keys.iter().filter(|k| !k.flags.is_empty()).count();
    outln!(
        "{flagged} of {} keys flagged{}.",
        a.keys.len(),
        if a.account_flags.is_empty() {
            String::new()
        } else {
            format!(", {} account flag(s)", a.account_flags.len())
        }
    )?;
    if !a.missing.is_empty() {
        outln!("Incomplete: this result lacks")?;
        for m in &a.missing {
            outln!("  - {m}")?;
        }
    }
    Ok(())
}

fn print_key(k: &KeyAudit) -> Result<()> {
    let tag = k
        .flags
        .first()
        .map(|f| f.kind.as_str().to_ascii_uppercase())
        .unwrap_or_else(|| "ok".into());
    let created = match (&k.created, k.age_days) {
        (Some(c), Some(d)) => format!("created {} ({} old)", &c[..c.len().min(10)], days(d)),
        _ => "created ?".into(),
    };
    let used = match &k.last_used {
        Some(lu) => format!(
            "last used {} ({} ago) {} {}",
            &lu.date[..lu.date.len().min(10)],
            days(lu.days_ago),
            lu.service,
            lu.region
        ),
        None => "never used".into(),
    };
    outln!(
        "{tag:<13} {}  user {}  {}  {created}  {used}",
        k.key_id,
        k.user,
        k.status
    )?;
    if let Some(a) = &k.access {
        outln!("  can: {}", a.line())?;
    }
    for f in &k.flags {
        outln!("  {}: {}\n    do: {}", f.kind.as_str(), f.reason, f.action)?;
    }
    Ok(())
}

/// One change `--fix` makes.
enum Fix<'a> {
    Deactivate(&'a KeyAudit),
    Rotate(&'a KeyAudit, Box<rotate::Plan>),
    /// Flagged, but nothing unleak does safely by itself.
    Skip(&'a KeyAudit, String),
}

async fn fix(
    args: &KeysArgs,
    audit: &Audit,
    canaries: &CanaryAccounts,
    extra_canaries: &[String],
) -> Result<Outcome> {
    if canaries.contains(&audit.account) {
        bail!(
            "refusing --fix: account {} is a known canary (honeytoken) account; touching its keys alerts whoever planted them. Nothing was changed",
            audit.account
        );
    }
    let clients = FixClients::load(args.profile.as_deref()).await;
    let rotations = Journal::open("rotations")?;
    let deactivations = Journal::open(keys::fix::JOURNAL)?;
    let mut plan = Vec::new();
    for k in audit.keys.iter().filter(|k| k.is_active()) {
        let rotate_it =
            k.has(FlagKind::LeakedLive) || k.has(FlagKind::Leaked) || k.has(FlagKind::Stale);
        if k.has(FlagKind::Quarantined) {
            // AWS restricts the user until a person has looked: a new key would be as
            // restricted, so this is theirs to decide (`unleak rotate` says what stays).
            plan.push(Fix::Skip(
                k,
                format!(
                    "quarantined by AWS: investigate first, then `unleak rotate {}` (add --detach-quarantine once you are sure)",
                    k.key_id
                ),
            ));
        } else if rotate_it {
            let opts = RotateOptions {
                old_key_id: k.key_id.clone(),
                user: Some(k.user.clone()),
                extra_canary_accounts: extra_canaries.to_vec(),
                ..RotateOptions::default()
            };
            match rotate::plan(&clients, &rotations, &opts).await {
                Ok(p) => plan.push(Fix::Rotate(k, Box::new(p))),
                Err(e) => plan.push(Fix::Skip(k, format!("cannot rotate: {e}"))),
            }
        } else if k.has(FlagKind::Unused) {
            plan.push(Fix::Deactivate(k));
        } else if k.has(FlagKind::TwoActive) {
            plan.push(Fix::Skip(
                k,
                "two active keys: only you know which one is in use; deactivate the other".into(),
            ));
        }
    }
    outln!()?;
    if plan.is_empty() {
        outln!("Nothing to fix.")?;
        return Ok(if audit.flagged() {
            Outcome::Findings
        } else {
            Outcome::Clean
        });
    }
    outln!("Fix plan (root keys and console passwords are never touched):")?;
    for (i, f) in plan.iter().enumerate() {
        match f {
            Fix::Deactivate(k) => outln!(
                "  {}. deactivate unused key {} of user `{}` (journaled; turn it back on with aws iam update-access-key --status Active)",
                i + 1, k.key_id, k.user
            )?,
            Fix::Rotate(k, p) => {
                outln!("  {}. rotate key {} of user `{}`:", i + 1, k.key_id, k.user)?;
                for step in p.describe() {
                    outln!("       - {step}")?;
                }
                for line in p.quarantine_notes() {
                    outln!("     {line}")?;
                }
            }
            Fix::Skip(k, why) => outln!("  {}. skip {}: {why}", i + 1, k.key_id)?,
        }
    }
    if args.dry_run {
        outln!("Dry run: nothing was changed.")?;
        return Ok(Outcome::Findings);
    }
    confirm(args.yes, "Make these changes now?")?;
    let mut failed = false;
    for f in &plan {
        match f {
            Fix::Deactivate(k) => {
                let reason = k
                    .flags
                    .iter()
                    .find(|f| f.kind == FlagKind::Unused)
                    .map(|f| f.reason.clone())
                    .unwrap_or_default();
                match keys::fix::deactivate(
                    &clients,
                    &deactivations,
                    &audit.account,
                    &k.user,
                    &k.key_id,
                    &reason,
                )
                .await
                {
                    Ok(true) => eprintln!("unleak: deactivated {} of user `{}`", k.key_id, k.user),
                    Ok(false) => eprintln!("unleak: {} was already deleted", k.key_id),
                    Err(e) => {
                        failed = true;
                        eprintln!("unleak: cannot deactivate {}: {e}", k.key_id)
                    }
                }
            }
            Fix::Rotate(k, _) => {
                // Planned again under the lock, as `rotate` does.
                let opts = RotateOptions {
                    old_key_id: k.key_id.clone(),
                    user: Some(k.user.clone()),
                    extra_canary_accounts: extra_canaries.to_vec(),
                    ..RotateOptions::default()
                };
                let done = async {
                    let _lock = rotations.lock(&k.key_id)?;
                    let p = rotate::plan(&clients, &rotations, &opts).await?;
                    rotate::execute(&clients, &rotations, &p, &mut |l| eprintln!("unleak: {l}"))
                        .await
                        .map_err(anyhow::Error::from)
                }
                .await;
                match done {
                    Ok(r) => eprintln!(
                        "unleak: rotated {} of user `{}`: new key {} in secret `{}`",
                        r.old_key_id, r.user, r.new_key_id, r.secret_name
                    ),
                    Err(e) => {
                        failed = true;
                        eprintln!("unleak: cannot rotate {}: {e:#}", k.key_id)
                    }
                }
            }
            Fix::Skip(..) => failed = true,
        }
    }
    Ok(
        if failed || !audit.account_flags.is_empty() || !audit.console.is_empty() {
            Outcome::Findings
        } else {
            Outcome::Clean
        },
    )
}
