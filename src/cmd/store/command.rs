//! `unleak store`: move a found secret into Secrets Manager (see `unleak_aws::store`), and with
//! `--rewrite` replace it in the source file with a reference (see `rewrite.rs`).

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use unleak_aws::fix_client::FixClients;
use unleak_aws::journal::Journal;
use unleak_aws::store::{self, Existing, StoreOutcome, StoreRequest};
use unleak_scan::finding::redact;
use unleak_scan::kind;
use unleak_scan::matcher::BlobOutcome;
use unleak_scan::Finding;

use super::rewrite;
use crate::cmd::common::{build_matcher, load_config};
use crate::cmd::confirm::{confirm, runtime};
use crate::output::{out, outln};
use crate::Outcome;

#[derive(Args)]
pub struct StoreArgs {
    /// A saved JSON report (`unleak scan -f json -o FILE`) to take the finding from.
    #[arg(long, value_name = "FILE", requires = "finding", conflicts_with_all = ["path", "line"])]
    pub report: Option<PathBuf>,

    /// The finding's `id` in the report.
    #[arg(long, value_name = "ID", requires = "report")]
    pub finding: Option<String>,

    /// Or: the file that holds the secret...
    #[arg(long, value_name = "PATH", requires = "line")]
    pub path: Option<PathBuf>,

    /// ...and the line it is on.
    #[arg(long, value_name = "N", requires = "path")]
    pub line: Option<u32>,

    /// With --path/--line: the rule id, when several secrets share the line.
    #[arg(long, value_name = "RULE")]
    pub rule: Option<String>,

    /// Secret name (default: unleak/REPO/PATH/RULE).
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Description of a new secret.
    #[arg(long)]
    pub description: Option<String>,

    /// Tag for a new secret (repeatable).
    #[arg(long = "tag", value_name = "KEY=VALUE", value_parser = parse_tag)]
    pub tags: Vec<(String, String)>,

    /// KMS key to encrypt a new secret with (default: the account's aws/secretsmanager key).
    #[arg(long, value_name = "KEY")]
    pub kms_key_id: Option<String>,

    /// If the secret exists with another value, store this one as its new version.
    #[arg(long)]
    pub update: bool,

    /// Replace the literal in the file with a reference to the secret.
    #[arg(long)]
    pub rewrite: bool,

    /// With --rewrite: the environment variable the code reads (default: from the key name).
    #[arg(long, value_name = "NAME")]
    pub env_var: Option<String>,

    /// Show what would happen and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Proceed without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// AWS profile to use.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Configuration file for the rescan (default: .unleak.toml found from the file).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Record what was done against the secret in this findings store.
    #[command(flatten)]
    pub store: crate::cmd::findings::StoreArg,
}

fn parse_tag(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(format!("`{s}`: a tag is KEY=VALUE")),
    }
}

/// The secret to store and where it is now.
struct Located {
    /// The file on disk (None for a report finding from stdin).
    file: Option<PathBuf>,
    /// The path as reports show it.
    display: String,
    /// Current position in the file and its bytes when read, for `--rewrite`.
    at: Option<(u32, u32, Vec<u8>)>,
    /// The commit a history finding was found in (abbreviated).
    commit: Option<String>,
    /// Every secret the scanner finds on the secret's line (its own included): a diff of the
    /// line must hide them all, not only the one being stored.
    line_secrets: Vec<String>,
    rule_id: String,
    kind: String,
    secret: String,
}

impl Located {
    /// Where it was found, as the user is told: the path, and the commit for history.
    fn origin(&self) -> String {
        match &self.commit {
            Some(c) => format!("{} (commit {c})", self.display),
            None => self.display.clone(),
        }
    }
}

pub fn run(args: StoreArgs) -> Result<Outcome> {
    // The state directory is checked before anything is planned or changed.
    let journal = Journal::open("stores")?;
    let loc = match (&args.report, &args.path) {
        (Some(report), _) => from_report(&args, report)?,
        (None, Some(path)) => from_location(&args, path)?,
        (None, None) => bail!("say which secret: --report FILE --finding ID, or --path P --line N"),
    };
    let name = match &args.name {
        Some(n) => n.clone(),
        None => default_name(&loc),
    };
    check_name(&name)?;

    // Plan the rewrite first: an unsupported file, or one outside the tree, is refused before
    // anything changes.
    let root = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .context("cannot resolve the current directory")?;
    let rw = if args.rewrite {
        let (Some(file), Some((line, col, bytes))) = (&loc.file, &loc.at) else {
            bail!("--rewrite needs the file the secret is in");
        };
        let file = rewrite::confine(&root, file)?;
        Some(rewrite::plan(
            &file,
            bytes,
            *line,
            *col,
            &loc.secret,
            &name,
            args.env_var.as_deref(),
        )?)
    } else {
        None
    };

    let mut tags = args.tags.clone();
    if !tags.iter().any(|(k, _)| k == "unleak:rule") {
        tags.push(("unleak:rule".into(), loc.rule_id.clone()));
    }
    let description = args
        .description
        .clone()
        .unwrap_or_else(|| format!("Found by unleak ({}) in {}", loc.rule_id, loc.origin()));

    let rt = runtime()?;
    let clients = rt.block_on(FixClients::load(args.profile.as_deref()));
    let existing = rt.block_on(store::inspect(&clients, &name, &loc.secret))?;
    outln!(
        "The {} found by {} in {} ({}):",
        loc.kind,
        loc.rule_id,
        loc.origin(),
        redact(&loc.secret)
    )?;
    match &existing {
        Existing::Absent => outln!("  - create Secrets Manager secret `{name}` with it")?,
        Existing::Same { .. } => outln!("  - secret `{name}` already holds it: no change")?,
        Existing::Different { .. } if args.update => {
            outln!("  - store it as the new current version of secret `{name}`")?
        }
        Existing::Different { .. } => bail!(
            "secret `{name}` already exists with a different value; pass --update to store this one as its new version (nothing was changed)"
        ),
    }
    if let Some(rw) = &rw {
        outln!(
            "  - rewrite {} ({}) to read it from {}:",
            loc.display,
            rw.style.name(),
            if rw.style == rewrite::Style::CloudFormation {
                "Secrets Manager at deploy time".to_string()
            } else {
                format!("${}", rw.var)
            }
        )?;
        out!("{}", rewrite::diff(&loc.display, rw, &loc.line_secrets))?;
    }
    if args.dry_run {
        outln!("Dry run: nothing was changed.")?;
        return Ok(Outcome::Clean);
    }
    let needs_change = !matches!(existing, Existing::Same { .. }) || rw.is_some();
    if needs_change {
        confirm(args.yes, "Proceed?")?;
    }

    // One store of a secret at a time (the file rewrite below included).
    let _lock = journal.lock(&name)?;
    let req = StoreRequest {
        name: &name,
        value: &loc.secret,
        description: Some(&description),
        tags: &tags,
        kms_key_id: args.kms_key_id.as_deref(),
        update: args.update,
    };
    let outcome = rt.block_on(store::store(&clients, &journal, &req))?;
    match &outcome {
        StoreOutcome::Created { .. } => outln!("Created secret `{name}`.")?,
        StoreOutcome::Unchanged { .. } => {
            outln!("Secret `{name}` already held this value: unchanged.")?
        }
        StoreOutcome::Updated { .. } => outln!("Stored a new version of secret `{name}`.")?,
    }
    outln!("  {}", outcome.arn())?;
    if let Some(mut store) = args.store.open()? {
        let done = match &outcome {
            StoreOutcome::Created { .. } => "created",
            StoreOutcome::Unchanged { .. } => "unchanged",
            StoreOutcome::Updated { .. } => "updated",
        };
        crate::cmd::store_record::action(
            &mut store,
            &loc.kind,
            Some(&loc.rule_id),
            &[&loc.secret],
            &unleak_store::Action {
                action: "store",
                outcome: done,
                detail: &format!("secret {name}"),
                who: &crate::cmd::store_record::who(),
            },
        )?;
    }

    if let (Some(rw), Some(file), Some((_, _, original))) = (&rw, &loc.file, &loc.at) {
        // Confined again: the tree may have changed while Secrets Manager was called.
        let file = rewrite::confine(&root, file)?;
        rewrite::write_atomic(&file, original, &rw.new_text)?;
        outln!("Rewrote {} line {}.", loc.display, rw.line)?;
        if let Some((n, import)) = &rw.import {
            outln!("  Added `{import}` at line {n}: the new line needs it.")?;
        }
        if let Some(note) = &rw.note {
            outln!("  Also: {note}.")?;
        }
        outln!("Load the secret where the application starts:")?;
        for l in rewrite::snippet(rw.style, &rw.var, &name).lines() {
            outln!("    {l}")?;
        }
    }
    outln!("Next:")?;
    outln!("  - The secret is still in git history: storing it does not make it safe.")?;
    match loc.kind.as_str() {
        // An AWS key has a command of its own, which also stores the new key: say so rather
        // than "store the new value with --update".
        kind::AWS_ACCESS_KEY_ID => outln!(
            "  - Rotate it: `unleak rotate {}` makes a new key, stores it in Secrets Manager and turns this one off.",
            loc.secret
        )?,
        kind::AWS_SECRET_ACCESS_KEY => outln!(
            "  - Rotate it: `unleak rotate ACCESS_KEY_ID`, with the access key id this secret key belongs to \
             (the AKIA… id next to it, or `aws iam list-access-keys`), makes a new key, stores it in \
             Secrets Manager and turns this one off."
        )?,
        other => outln!(
            "  - Rotate it where it is issued ({}), then store the new value with --update.",
            kind::rotate_where(other)
        )?,
    }
    Ok(Outcome::Clean)
}

/// `--report FILE --finding ID`: the report's finding; its secret in full from the report
/// (`--show-secrets`) or, when redacted, from rescanning the file.
fn from_report(args: &StoreArgs, report: &Path) -> Result<Located> {
    let id = args.finding.as_deref().unwrap_or_default();
    let text =
        unleak_scan::input_file::read_to_string(report, unleak_scan::input_file::REPORT_LIMIT)
            .with_context(|| format!("cannot read report {}", report.display()))?;
    let doc = unleak_scan::report::record::parse(&text).with_context(|| {
        format!(
            "{} is not a JSON report (unleak scan -f json)",
            report.display()
        )
    })?;
    let f = doc
        .findings
        .into_iter()
        .find(|f| f.id == id)
        .with_context(|| format!("no finding with id `{id}` in {}", report.display()))?;
    let (display, rule_id, kind, reported) = (f.path, f.rule_id, f.kind, f.secret);
    let (line, column) = (f.line, f.column);
    let full = !reported.is_empty() && !unleak_scan::finding::is_redacted(&reported);
    // A finding of a history scan: its secret may be in no file of the working tree any more,
    // so it comes from the report, and nothing is rewritten.
    if let Some(commit) = f.commit.map(|c| c.commit) {
        let commit: String = commit.chars().take(12).collect();
        if args.rewrite {
            bail!("finding `{id}` is in git history (commit {commit}): --rewrite works on the working tree; store it without --rewrite");
        }
        if !full {
            bail!("finding `{id}` is in git history (commit {commit}) and the report has its secret redacted: scan the history again with --show-secrets to store it");
        }
        return Ok(Located {
            file: None,
            display,
            commit: Some(commit),
            line_secrets: Vec::new(),
            at: None,
            rule_id,
            kind,
            secret: reported,
        });
    }

    let file = (display != "-").then(|| PathBuf::from(&display));
    let current = match &file {
        Some(p) if p.is_file() => Some(rescan_for(args, p, &display, id)?),
        _ => None,
    };
    match current {
        Some((found, line_secrets, bytes)) => {
            if args.rewrite && (found.line, found.column) != (line, column) {
                bail!(
                    "{display} changed since the scan (the secret moved from line {line} to {}); scan again before --rewrite",
                    found.line
                );
            }
            Ok(Located {
                at: Some((found.line, found.column, bytes)),
                commit: None,
                line_secrets,
                file,
                display,
                rule_id,
                kind,
                secret: found.secret,
            })
        }
        None if full => Ok(Located {
            file: None,
            display,
            commit: None,
            line_secrets: Vec::new(),
            at: None,
            rule_id,
            kind,
            secret: reported,
        }),
        None => bail!(
            "the report has the secret redacted and {display} cannot be read from here; run from the scanned directory, or scan with --show-secrets"
        ),
    }
}

/// Rescan `path` and return the finding with fingerprint `id`, the secrets on its line and
/// the bytes scanned.
fn rescan_for(
    args: &StoreArgs,
    path: &Path,
    display: &str,
    id: &str,
) -> Result<(Finding, Vec<String>, Vec<u8>)> {
    let (findings, bytes) = scan_file(args, path, display)?;
    let f = findings.iter().find(|f| f.has_fingerprint(id)).cloned().with_context(|| {
        format!("finding `{id}` is no longer in {display}: the file changed since the scan; scan again")
    })?;
    let on_line = secrets_on_line(&findings, f.line);
    Ok((f, on_line, bytes))
}

/// The secrets of every finding that covers `line`.
fn secrets_on_line(findings: &[Finding], line: u32) -> Vec<String> {
    findings
        .iter()
        .filter(|f| f.line <= line && line <= f.end_line)
        .map(|f| f.secret.clone())
        .collect()
}

fn scan_file(args: &StoreArgs, path: &Path, display: &str) -> Result<(Vec<Finding>, Vec<u8>)> {
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let config = load_config(args.config.as_ref(), root)?;
    let matcher = build_matcher(&config)?;
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    match matcher.scan_bytes(display, &bytes) {
        BlobOutcome::Scanned(f) => Ok((f, bytes)),
        BlobOutcome::Binary => bail!("{display} is a binary file"),
    }
}

/// `--path P --line N [--rule R]`: the one secret on that line (key ids yield to secrets).
fn from_location(args: &StoreArgs, path: &Path) -> Result<Located> {
    let line = args.line.unwrap_or(0);
    let display = path.to_string_lossy().replace('\\', "/");
    let display = display.strip_prefix("./").unwrap_or(&display).to_string();
    let (findings, bytes) = scan_file(args, path, &display)?;
    let mut here: Vec<Finding> = findings
        .iter()
        .filter(|f| f.line <= line && line <= f.end_line)
        .filter(|f| args.rule.as_ref().is_none_or(|r| *r == f.rule_id))
        .cloned()
        .collect();
    if here.iter().any(|f| !f.is_identifier()) {
        here.retain(|f| !f.is_identifier());
    }
    let f = match here.len() {
        0 => bail!("no secret found on {display} line {line}"),
        1 => here.remove(0),
        _ => bail!(
            "several secrets on {display} line {line}: pick one with --rule ({})",
            here.iter()
                .map(|f| f.rule_id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Ok(Located {
        commit: None,
        line_secrets: secrets_on_line(&findings, f.line),
        file: Some(path.to_path_buf()),
        display,
        at: Some((f.line, f.column, bytes)),
        rule_id: f.rule_id,
        kind: f.kind,
        secret: f.secret,
    })
}

/// `unleak/<repo>/<path>/<rule>`: repo is the git top directory's name (else the current one).
fn default_name(loc: &Located) -> String {
    let abs = loc
        .file
        .as_ref()
        .and_then(|f| std::fs::canonicalize(f).ok())
        .or_else(|| std::env::current_dir().ok());
    let top = abs
        .as_deref()
        .and_then(|p| p.ancestors().find(|a| a.join(".git").exists()))
        .map(Path::to_path_buf)
        .or_else(|| std::env::current_dir().ok());
    let repo = top
        .as_ref()
        .and_then(|t| t.file_name())
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "repo".into());
    let rel = match (&abs, &top) {
        (Some(a), Some(t)) if loc.file.is_some() => a
            .strip_prefix(t)
            .map(|r| r.to_string_lossy().replace('\\', "/"))
            .unwrap_or_else(|_| loc.display.clone()),
        _ => loc.display.clone(),
    };
    let raw = format!("unleak/{repo}/{rel}/{}", loc.rule_id);
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "/_+=.@-".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    clean.chars().take(512).collect()
}

/// Secrets Manager names: 1–512 of letters, digits and `/_+=.@-`.
fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 512
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_+=.@-".contains(c));
    if !ok {
        bail!("`{name}` is not a valid secret name (1-512 of letters, digits and /_+=.@-)");
    }
    Ok(())
}
