//! `unleak rotate`: rotate a leaked IAM access key end to end (see `unleak_aws::rotate`).

use anyhow::{bail, Result};
use clap::Args;
use unleak_aws::fix_client::FixClients;
use unleak_aws::journal::Journal;
use unleak_aws::rotate::{self, RotateOptions, RotateReport};

use super::confirm::{confirm, runtime};
use crate::output::outln;
use crate::Outcome;

#[derive(Args)]
pub struct RotateArgs {
    /// The leaked access key id (AKIA…).
    #[arg(value_name = "ACCESS_KEY_ID", required_unless_present = "status")]
    pub access_key_id: Option<String>,

    /// The IAM user that owns the key (default: the owner IAM reports).
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,

    /// Secrets Manager secret for the new key (default: unleak/iam-user/USER).
    #[arg(long, value_name = "NAME")]
    pub secret_name: Option<String>,

    /// Leave the old key inactive instead of deleting it.
    #[arg(long)]
    pub keep_old_inactive: bool,

    /// If AWS quarantined the key's user (`AWSCompromisedKeyQuarantine*`), detach that policy
    /// as the last journaled step. Only once someone has looked at what the key was used for.
    #[arg(long)]
    pub detach_quarantine: bool,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Proceed without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// List unfinished rotations (from the journal) and exit.
    #[arg(long, conflicts_with_all = ["access_key_id", "dry_run", "yes"])]
    pub status: bool,

    /// Configuration file for extra canary accounts (default: `.unleak.toml` here or at the git repo's top).
    #[arg(long, value_name = "FILE")]
    pub config: Option<std::path::PathBuf>,

    /// AWS profile with the auditor's credentials for the key's account.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Record the rotation against the key in this findings store.
    #[command(flatten)]
    pub store: super::findings::StoreArg,
}

pub fn run(args: RotateArgs) -> Result<Outcome> {
    let journal = Journal::open("rotations")?;
    if args.status {
        return status(&journal);
    }
    let Some(key) = args.access_key_id.clone() else {
        bail!("give the access key id to rotate (or --status)");
    };
    let opts = RotateOptions {
        old_key_id: key,
        user: args.user.clone(),
        secret_name: args.secret_name.clone(),
        keep_old_inactive: args.keep_old_inactive,
        detach_quarantine: args.detach_quarantine,
        // Self-hosted canaries listed in `.unleak.toml` (`[aws] canary_accounts`) are refused too.
        extra_canary_accounts: super::common::load_config(
            args.config.as_ref(),
            std::path::Path::new("."),
        )?
        .aws
        .canary_accounts,
    };
    runtime()?.block_on(rotate_now(&args, &journal, &opts))
}

async fn rotate_now(args: &RotateArgs, journal: &Journal, opts: &RotateOptions) -> Result<Outcome> {
    {
        let clients = FixClients::load(args.profile.as_deref()).await;
        let plan = rotate::plan(&clients, journal, opts).await?;
        if plan.already_done.is_some() {
            for line in plan.describe() {
                outln!("unleak rotate: {line}")?;
            }
            return Ok(Outcome::Clean);
        }
        outln!(
            "Rotate access key {} of IAM user `{}` (account {}, key {}):",
            plan.old_key_id,
            plan.user,
            plan.account,
            plan.old_key_status.as_deref().unwrap_or("already gone")
        )?;
        for (i, step) in plan.describe().iter().enumerate() {
            outln!("  {}. {step}", i + 1)?;
        }
        for line in plan
            .quarantine_notes()
            .iter()
            .chain(&before_you_confirm(&plan))
        {
            outln!("{line}")?;
        }
        if args.dry_run {
            outln!("Dry run: nothing was changed.")?;
            return Ok(Outcome::Clean);
        }
        confirm(args.yes, "Rotate the key now?")?;
        // One rotation of a key at a time; planned again under the lock, since another one
        // may have run (or finished) since the plan shown.
        let _lock = journal.lock(&opts.old_key_id)?;
        let plan = rotate::plan(&clients, journal, opts).await?;
        if plan.already_done.is_some() {
            for line in plan.describe() {
                outln!("unleak rotate: {line}")?;
            }
            return Ok(Outcome::Clean);
        }
        let report = rotate::execute(&clients, journal, &plan, &mut |line| {
            eprintln!("unleak: {line}")
        })
        .await?;
        print_report(&report)?;
        record(args, &report)?;
        Ok(Outcome::Clean)
    }
}

/// What to know before saying yes: when and where the old key was last used (applications
/// still using it stop working when it is turned off), and what deleting it means. Deleting
/// stays the default: an inactive key can be turned back on by anyone allowed to manage it,
/// so a leaked key is only dealt with once it is gone; `--keep-old-inactive` is the way back
/// for whoever cannot yet say which applications use it.
fn before_you_confirm(plan: &rotate::Plan) -> Vec<String> {
    if plan.old_key_status.is_none() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    match &plan.last_used {
        Some(lu) => {
            let when = lu
                .date
                .as_deref()
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            lines.push(format!(
                "Old key {} was last used with {} in {}{when}.",
                plan.old_key_id, lu.service, lu.region
            ));
            if lu.service.eq_ignore_ascii_case("sts") {
                lines.push(
                    "  That may be unleak's own check (`--verify` calls STS GetCallerIdentity with the key), not an application."
                        .to_string(),
                );
            }
        }
        None => lines.push(format!(
            "IAM has no record of old key {} being used.",
            plan.old_key_id
        )),
    }
    if plan.keep_old_inactive {
        lines.push(
            "The old key is turned off and kept (inactive): applications still using it stop working; turning it back on is possible until you delete it."
                .to_string(),
        );
    } else {
        lines.push(
            "Warning: the old key is deleted, for good: any application still using it stops working and it cannot be turned back on. Use --keep-old-inactive to keep it (inactive) while you move applications to the new key."
                .to_string(),
        );
    }
    lines
}

/// `--store`: the rotation, against the old key id's secret.
fn record(args: &RotateArgs, r: &RotateReport) -> Result<()> {
    let Some(mut store) = args.store.open()? else {
        return Ok(());
    };
    let detail = format!(
        "new key {} in secret {}; old key {}",
        r.new_key_id,
        r.secret_name,
        if r.old_key_deleted {
            "deleted"
        } else {
            "inactive"
        }
    );
    super::store_record::rotation(
        &mut store,
        unleak_scan::kind::AWS_ACCESS_KEY_ID,
        None,
        &[&r.old_key_id],
        &unleak_store::Action {
            action: "rotate",
            outcome: "rotated",
            detail: &detail,
            who: &super::store_record::who(),
        },
    )?;
    Ok(())
}

fn status(journal: &Journal) -> Result<Outcome> {
    let open = rotate::unfinished(journal)?;
    if open.is_empty() {
        outln!("No unfinished rotations.")?;
        return Ok(Outcome::Clean);
    }
    outln!("Unfinished rotations (re-run `unleak rotate KEY` to resume):")?;
    for r in open {
        outln!(
            "  {}  user {}  secret {}  started {}  last step: {}",
            r.old_key_id,
            r.user,
            r.secret_name,
            rotate::fmt_time(r.started_at),
            r.step
        )?;
    }
    // Unfinished work is something to act on, like a finding.
    Ok(Outcome::Findings)
}

fn print_report(r: &RotateReport) -> Result<()> {
    let verb = if r.resumed {
        "Resumed and finished"
    } else {
        "Finished"
    };
    outln!(
        "{verb} the rotation of {} (IAM user `{}`, account {}).",
        r.old_key_id,
        r.user,
        r.account
    )?;
    outln!(
        "  New key {} is in Secrets Manager secret `{}`",
        r.new_key_id,
        r.secret_name
    )?;
    outln!("    {}", r.secret_arn)?;
    if r.old_key_deleted {
        outln!("  Old key {} is deleted.", r.old_key_id)?;
    } else {
        outln!(
            "  Old key {} is inactive (kept): delete it once nothing needs it:\n    aws iam delete-access-key --user-name {} --access-key-id {}",
            r.old_key_id, r.user, r.old_key_id
        )?;
    }
    outln!("Next:")?;
    match &r.last_used {
        Some(lu) => outln!(
            "  - Move the applications that used the old key to the new one: it was last used with {} in {}{}.",
            lu.service,
            lu.region,
            lu.date
                .as_deref()
                .map(|d| format!(" on {d}"))
                .unwrap_or_default()
        )?,
        None => outln!("  - IAM has no record of the old key being used: no application should miss it.")?,
    }
    outln!(
        "  - Load the new key from the secret, e.g.\n      aws secretsmanager get-secret-value --secret-id {} --query SecretString --output text",
        r.secret_name
    )?;
    outln!(
        "  - The old key is still in your git history. It is dead now, which is what matters; remove it from the code."
    )?;
    Ok(())
}
