//! `unleak hook pre-commit`: the pre-commit check, staged changes (git's hook, the framework's
//! `unleak-staged`) or the files it is given (the framework's `unleak` hook, which passes the
//! files being committed, or every file with `pre-commit run --all-files`).
//!
//! A plain `unleak scan` report said only what was found; a refused commit must also say that
//! it was refused and how to get out of it, as the pre-push refusal does.

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use unleak_scan::sources::push;
use unleak_scan::sources::tree::{self, TreeOptions};
use unleak_scan::sources::{sort_findings, ScanContext, DEFAULT_MAX_FILE_SIZE};

use super::common::{below_minimum_note, build_matcher, load_config};
use super::hook_check::{listing, CheckArgs};
use crate::output;
use crate::Outcome;

#[derive(Args)]
pub struct PreCommitArgs {
    /// Files to check instead of the staged changes (what the pre-commit framework passes).
    /// Put them after `--`: a file named like an option is then never read as one.
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub check: CheckArgs,
}

pub fn pre_commit(args: PreCommitArgs) -> Result<Outcome> {
    let config = load_config(
        args.check.config.as_ref(),
        args.files.first().map_or(Path::new("."), PathBuf::as_path),
    )?;
    config.warnings().iter().for_each(|w| output::warn(w));
    let matcher = build_matcher(&config)?;
    let warn = |m: &str| output::warn(m);
    let mut ctx = ScanContext::new(&matcher, &config);
    ctx.max_file_size = DEFAULT_MAX_FILE_SIZE;
    ctx.on_warning = &warn;
    let staged = args.files.is_empty();
    let mut findings = Vec::new();
    if staged {
        findings = push::scan_staged(&ctx, Path::new("."))?.findings;
    } else {
        let opts = TreeOptions { no_ignore: false };
        // Named files are read whatever they are; the configuration's allowed paths still
        // apply (the framework passes paths relative to the repository's top, the cwd).
        for f in &args.files {
            if config.path_allowed(&f.to_string_lossy()) {
                continue;
            }
            findings.extend(tree::scan(&ctx, f, &opts)?);
        }
    }
    sort_findings(&mut findings);
    args.check.drop_false_positives(&mut findings)?;
    let found = findings.len();
    findings.retain(|f| f.confidence >= args.check.min_confidence);
    if findings.len() < found {
        output::note(&below_minimum_note(
            found - findings.len(),
            args.check.min_confidence,
            "do not refuse the commit",
            "`unleak scan -f json` lists them",
        ));
    }
    let unread = ctx.stats.errors.load(std::sync::atomic::Ordering::Relaxed);
    if findings.is_empty() {
        if unread > 0 {
            output::message(
                "commit refused",
                &format!(
                    "{unread} item(s) could not be read (see the warnings above), so the commit \
                     was not fully checked; fix that, or commit with `git commit --no-verify` \
                     deliberately"
                ),
            );
        }
        return Ok(Outcome::of_scan(false, unread));
    }
    let n = findings.len();
    let mut s = format!(
        "unleak: commit refused: {n} secret{} in {}:\n\n",
        if n == 1 { "" } else { "s" },
        if staged {
            "the changes staged for this commit"
        } else {
            "the files checked"
        }
    );
    let all = if staged {
        "unleak scan --staged"
    } else {
        "unleak scan FILE..."
    };
    s.push_str(&listing(&findings, args.check.show_secrets, all));
    s.push_str(
        "\nWhat to do:\n\
         \x20 - Take the secret out of the file (read it from the environment or a secret store;\n\
         \x20   `unleak store` moves it into AWS Secrets Manager), `git add` the file, commit again.\n\
         \x20 - If it was committed or pushed before, rotate it: treat it as exposed.\n\
         \x20 - A false positive? Add `unleak:allow` in a comment on that line, or put its\n\
         \x20   fingerprint under [allow] fingerprints in .unleak.toml.\n\
         \x20 - To commit anyway, deliberately: git commit --no-verify\n\
         \x20   (with the pre-commit framework: SKIP=unleak git commit).\n",
    );
    eprint!("{s}");
    Ok(Outcome::Findings)
}
