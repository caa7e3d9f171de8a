//! `unleak hook`: the pre-push hook itself, and installing the hook scripts into a repository.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Args, Subcommand};
use unleak_scan::sources::push::{self, PushUpdate};
use unleak_scan::sources::{ScanContext, DEFAULT_MAX_FILE_SIZE};
use unleak_scan::{report, Finding};

use super::common::{below_minimum_note, build_matcher, load_config};
use super::hook_check::{listing, CheckArgs};
use crate::output;
use crate::Outcome;

/// The scripts `hook install` writes, exactly as shipped in `hooks/`.
const PRE_PUSH: &str = include_str!("../../hooks/pre-push");
const PRE_COMMIT: &str = include_str!("../../hooks/pre-commit");
/// What earlier releases installed: unleak's own, so replaced without `--force`.
const PREVIOUS: &[&str] = &[
    include_str!("../../hooks/previous/pre-push.1"),
    include_str!("../../hooks/previous/pre-commit.1"),
    include_str!("../../hooks/previous/pre-commit.2"),
];

#[derive(Subcommand)]
pub enum HookCommand {
    /// Run as git's pre-push hook: read the pushed refs on standard input and refuse (exit 1)
    /// if the commits the push would publish add a secret.
    ///
    /// Call it as `unleak hook pre-push [OPTIONS] -- REMOTE URL`: without `--`, a remote named
    /// like an option would be read as one.
    // No `--help` flag: a remote named `--help` must not print help and let the push through
    // (`unleak help hook pre-push` still works).
    #[command(disable_help_flag = true)]
    PrePush(PrePushArgs),
    /// Run as a pre-commit hook: refuse (exit 1) if the changes staged for this commit add a
    /// secret, or, given files (`-- FILE...`, as the pre-commit framework passes them), if
    /// those files hold one.
    PreCommit(super::hook_commit::PreCommitArgs),
    /// Install unleak's hooks into a repository (both when neither flag is given).
    Install(InstallArgs),
}

#[derive(Args)]
pub struct PrePushArgs {
    /// The remote's name (git passes it).
    pub remote: Option<String>,
    /// The remote's URL (git passes it; unused).
    pub url: Option<String>,
    #[command(flatten)]
    pub check: CheckArgs,
}

#[derive(Args)]
pub struct InstallArgs {
    /// Install the pre-push hook.
    #[arg(long)]
    pub pre_push: bool,
    /// Install the pre-commit hook (scans staged changes).
    #[arg(long)]
    pub pre_commit: bool,
    /// Replace an existing hook that is not unleak's (it is kept as `<hook>.unleak-backup`).
    #[arg(long)]
    pub force: bool,
    /// The repository.
    #[arg(default_value = ".")]
    pub path: PathBuf,
}

pub fn run(cmd: HookCommand) -> Result<Outcome> {
    match cmd {
        HookCommand::PrePush(a) => pre_push(a),
        HookCommand::PreCommit(a) => super::hook_commit::pre_commit(a),
        HookCommand::Install(a) => install(a),
    }
}

fn pre_push(args: PrePushArgs) -> Result<Outcome> {
    // git passes both the remote's name and its URL (the pre-commit framework neither). One
    // alone means an option-looking name was parsed as an option by a hook script without
    // `--` (a remote named `--show-secrets`): refuse rather than obey it.
    if args.remote.is_some() != args.url.is_some() {
        bail!(
            "expected the remote's name and URL (as git passes them) after `--`, got one value: \
             a remote or URL that looks like an option was read as one. Reinstall the hook \
             (`unleak hook install`), whose script passes `--`"
        );
    }
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the pushed refs from standard input")?;
    let mut updates = push::parse_pre_push(&input)?;
    // The pre-commit framework hands the range over in its environment, not on stdin.
    if updates.is_empty() {
        if let Some(u) = pre_commit_framework_update()? {
            updates.push(u);
        }
    }
    let remote = args
        .remote
        .or_else(|| std::env::var("PRE_COMMIT_REMOTE_NAME").ok())
        .unwrap_or_default();
    let config = load_config(args.check.config.as_ref(), Path::new("."))?;
    config.warnings().iter().for_each(|w| output::warn(w));
    let matcher = build_matcher(&config)?;
    let warn = |m: &str| output::warn(m);
    let mut ctx = ScanContext::new(&matcher, &config);
    ctx.max_file_size = DEFAULT_MAX_FILE_SIZE;
    ctx.on_warning = &warn;
    let mut out = push::scan_push(&ctx, Path::new("."), &remote, &updates)?;
    let unread = ctx.stats.errors.load(std::sync::atomic::Ordering::Relaxed);
    args.check.drop_false_positives(&mut out.findings)?;
    let found = out.findings.len();
    out.findings
        .retain(|f| f.confidence >= args.check.min_confidence);
    if out.findings.len() < found {
        output::note(&below_minimum_note(
            found - out.findings.len(),
            args.check.min_confidence,
            "do not refuse the push",
            "`unleak scan --history --range REMOTE/BRANCH..HEAD -f json` lists them",
        ));
    }
    if out.findings.is_empty() {
        if unread > 0 {
            eprintln!(
                "unleak: push refused: {unread} object(s) of this push could not be read (see the warnings above), so it was not fully checked; repair the repository (git fsck), or push with `git push --no-verify` deliberately"
            );
        }
        return Ok(Outcome::of_scan(false, unread));
    }
    eprint!(
        "{}",
        refusal(&out.findings, &remote, args.check.show_secrets)
    );
    Ok(Outcome::Findings)
}

fn pre_commit_framework_update() -> Result<Option<PushUpdate>> {
    let (Ok(to), from) = (
        std::env::var("PRE_COMMIT_TO_REF"),
        std::env::var("PRE_COMMIT_FROM_REF").unwrap_or_default(),
    ) else {
        return Ok(None);
    };
    let zero = "0".repeat(40);
    let line = format!(
        "{} {to} {} {}",
        std::env::var("PRE_COMMIT_LOCAL_BRANCH").unwrap_or_else(|_| "HEAD".into()),
        std::env::var("PRE_COMMIT_REMOTE_BRANCH").unwrap_or_else(|_| "HEAD".into()),
        if from.len() == 40 { from } else { zero }
    );
    Ok(push::parse_pre_push(&line)?.pop())
}

/// The message that tells the pusher what was found and what to do.
fn refusal(findings: &[Finding], remote: &str, show: bool) -> String {
    let mut s = format!(
        "unleak: push refused: {} secret{} in the commits you are pushing{}:\n\n",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        if remote.is_empty() {
            String::new()
        } else {
            format!(" to {}", report::escape_control(remote))
        }
    );
    s.push_str(&listing(
        findings,
        show,
        "unleak scan --history --range REMOTE/BRANCH..HEAD",
    ));
    s.push_str(
        "\nWhat to do:\n\
         \x20 - Remove the secret and rewrite the unpushed commits that hold it\n\
         \x20   (`git rebase -i` onto the remote branch, or `git commit --amend` for the last one),\n\
         \x20   then rotate it: treat it as exposed.\n\
         \x20 - A false positive? Add `unleak:allow` in a comment on that line, or put its\n\
         \x20   fingerprint under [allow] fingerprints in .unleak.toml.\n\
         \x20 - To push anyway, deliberately: git push --no-verify\n",
    );
    s
}

fn install(args: InstallArgs) -> Result<Outcome> {
    let repo = unleak_scan::sources::git::open(&args.path)?;
    let dir = unleak_scan::sources::git::hooks_dir(&repo);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let both = !args.pre_push && !args.pre_commit;
    let mut wanted = Vec::new();
    if args.pre_push || both {
        wanted.push(("pre-push", PRE_PUSH));
    }
    if args.pre_commit || both {
        wanted.push(("pre-commit", PRE_COMMIT));
    }
    // Check all first, so a refusal leaves nothing half-installed. Asked for both (the
    // default), a foreign hook does not keep the other, free one from being installed: that
    // one is installed, and the command still fails (exit 2), naming the hook it left alone.
    let foreign = |name: &str, script: &str| {
        std::fs::read_to_string(dir.join(name))
            .is_ok_and(|existing| existing != script && !PREVIOUS.contains(&existing.as_str()))
    };
    let mut left_alone = Vec::new();
    if !args.force {
        let (blocked, free): (Vec<_>, Vec<_>) = wanted
            .into_iter()
            .partition(|(name, script)| foreign(name, script));
        if !blocked.is_empty() && (!both || free.is_empty()) {
            bail!(
                "{} exists and is not unleak's hook; not replacing it (use --force to replace it, keeping a backup)",
                dir.join(blocked[0].0).display()
            );
        }
        left_alone = blocked.into_iter().map(|(name, _)| name).collect();
        wanted = free;
    }
    for (name, script) in wanted {
        let target = dir.join(name);
        match std::fs::read_to_string(&target) {
            Ok(existing) if existing == script => {
                output::note(&format!("{} already installed", target.display()));
                continue;
            }
            Ok(existing) if PREVIOUS.contains(&existing.as_str()) => {
                output::note(&format!("updating unleak's {name} hook"));
            }
            Ok(_) => {
                let backup = dir.join(format!("{name}.unleak-backup"));
                std::fs::rename(&target, &backup)
                    .with_context(|| format!("cannot back up {}", target.display()))?;
                output::note(&format!("previous hook kept as {}", backup.display()));
            }
            Err(_) => {}
        }
        std::fs::write(&target, script)
            .with_context(|| format!("cannot write {}", target.display()))?;
        make_executable(&target)?;
        output::note(&format!("installed {}", target.display()));
    }
    if let Some(name) = left_alone.first() {
        bail!(
            "{} exists and is not unleak's hook; left it alone (the other hook is installed). \
             Replace it with `unleak hook install --{name} --force` (it is kept as a backup), \
             or call `unleak hook {name}` from it yourself",
            dir.join(name).display()
        );
    }
    Ok(Outcome::Clean)
}

#[cfg(unix)]
fn make_executable(p: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755))
        .with_context(|| format!("cannot make {} executable", p.display()))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<()> {
    Ok(())
}
