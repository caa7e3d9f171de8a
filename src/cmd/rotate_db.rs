//! `unleak rotate-db`: rotate a leaked PostgreSQL or MySQL/MariaDB password end to end,
//! through Secrets Manager's rotation protocol (see `unleak_aws::rotate_db`). This file finds
//! the credential (a connection URI, FILE:LINE of a found password, or a report's finding),
//! asks, runs the rotation, and with `--rewrite` replaces the literal as `store` does.

use std::io::{BufRead, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::Args;
use unleak_aws::fix_client::FixClients;
use unleak_aws::journal::Journal;
use unleak_aws::rotate_db::{self, DbRotateOptions, DbRotateReport, JOURNAL_KIND};
use unleak_db::{Credential, JudgeOptions};
use unleak_scan::kind::DB_PASSWORD;
use unleak_scan::matcher::BlobOutcome;
use unleak_scan::Finding;

use super::common::{build_matcher, load_config};
use super::confirm::{confirm, runtime};
use super::store::rewrite;
use crate::output::{out, outln};
use crate::Outcome;

#[derive(Args)]
pub struct RotateDbArgs {
    /// What to rotate: a connection URI (`-` reads it from standard input, out of sight of
    /// `ps`), FILE:LINE of a found database password, or with --report a finding's id.
    #[arg(value_name = "TARGET", required_unless_present = "status")]
    pub target: Option<String>,

    /// A saved JSON report (`unleak scan -f json -o FILE`): TARGET is then a finding's id.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// Change the password as this administrator (a connection URI) instead of as the
    /// credential itself.
    #[arg(long, value_name = "URI", conflicts_with = "admin_secret")]
    pub admin: Option<String>,

    /// Or: the administrator's credential from this Secrets Manager secret (RDS JSON).
    #[arg(long, value_name = "NAME")]
    pub admin_secret: Option<String>,

    /// Secrets Manager secret for the credential (default: unleak/db/HOST/PORT/USER).
    #[arg(long, value_name = "NAME")]
    pub secret_name: Option<String>,

    /// Rotate a superuser's password too (refused by default).
    #[arg(long)]
    pub allow_superuser: bool,

    /// Replace the password's literal in the file with a reference to an environment variable.
    #[arg(long)]
    pub rewrite: bool,

    /// With --rewrite: the environment variable the code reads (default: from the key name).
    #[arg(long, value_name = "NAME", requires = "rewrite")]
    pub env_var: Option<String>,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Proceed without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// List unfinished rotations (from the journal) and exit.
    #[arg(long, conflicts_with_all = ["target", "dry_run", "yes"])]
    pub status: bool,

    /// AWS profile for Secrets Manager.
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,

    /// Configuration file for the scan that finds the password (default: .unleak.toml found from the file).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Record the rotation against the password's secret in this findings store.
    #[command(flatten)]
    pub store: super::findings::StoreArg,
}

/// The credential, and where its password is written (for --rewrite).
struct Located {
    cred: Credential,
    /// The file, the password's line and column, and the bytes read.
    at: Option<(PathBuf, u32, u32, Vec<u8>)>,
    /// The password as written there (a URI's may be percent-encoded).
    literal: String,
    /// Every secret on the password's line (a diff must hide them all).
    line_secrets: Vec<String>,
    /// The rule that found the password (FILE:LINE, a report), for `--store`.
    rule: Option<String>,
}

pub fn run(args: RotateDbArgs) -> Result<Outcome> {
    let journal = Journal::open(JOURNAL_KIND)?;
    if args.status {
        return status(&journal);
    }
    let target = args.target.clone().unwrap_or_default();
    let loc = match &args.report {
        Some(report) => from_report(&args, report, &target)?,
        None if target == "-" || target.contains("://") || target.starts_with("jdbc:") => {
            from_uri(&target)?
        }
        None => from_file_line(&args, &target)?,
    };
    let root = std::env::current_dir()
        .and_then(std::fs::canonicalize)
        .context("cannot resolve the current directory")?;
    let secret_name = args.secret_name.clone();
    let rw = match (&loc.at, args.rewrite) {
        (_, false) => None,
        (None, true) => {
            bail!("--rewrite needs the file the password is in (FILE:LINE or --report)")
        }
        (Some((file, line, col, bytes)), true) => {
            let file = rewrite::confine(&root, file)?;
            let name = secret_name
                .clone()
                .unwrap_or_else(|| rotate_db::default_secret_name(&loc.cred));
            Some((
                file.clone(),
                rewrite::plan(
                    &file,
                    bytes,
                    *line,
                    *col,
                    &loc.literal,
                    &name,
                    args.env_var.as_deref(),
                )?,
            ))
        }
    };

    let rt = runtime()?;
    rt.block_on(async {
        let clients = FixClients::load(args.profile.as_deref()).await;
        let admin = match (&args.admin, &args.admin_secret) {
            (Some(uri), _) => Some(
                unleak_db::conn::parse(uri)
                    .map_err(|e| anyhow::anyhow!("--admin: {e}"))?,
            ),
            (None, Some(name)) => Some(rotate_db::admin_from_secret(&clients, name).await?),
            (None, None) => None,
        };
        let opts = DbRotateOptions {
            credential: loc.cred.clone(),
            admin,
            secret_name,
            allow_superuser: args.allow_superuser,
            db: JudgeOptions::default(),
        };
        let plan = rotate_db::plan(&clients, &journal, &opts).await?;
        if plan.already_done.is_some() {
            for line in plan.describe() {
                outln!("unleak rotate-db: {line}")?;
            }
            return Ok(Outcome::Clean);
        }
        outln!(
            "Rotate the {} password of {} ({}{}):",
            plan.engine,
            plan.user,
            plan.id,
            plan.server_version
                .as_deref()
                .map(|v| format!(", {v}"))
                .unwrap_or_default()
        )?;
        for (i, step) in plan.describe().iter().enumerate() {
            outln!("  {}. {step}", i + 1)?;
        }
        if let Some((_, rw)) = &rw {
            outln!(
                "  then rewrite {} ({}) to read it from ${}:",
                rw_display(&loc),
                rw.style.name(),
                rw.var
            )?;
            out!("{}", rewrite::diff(&rw_display(&loc), rw, &loc.line_secrets))?;
        }
        outln!("Everything that logs in with the old password stops working once it is set: give those applications the secret (the next steps below say how).")?;
        if args.dry_run {
            outln!("Dry run: nothing was changed.")?;
            return Ok(Outcome::Clean);
        }
        confirm(args.yes, "Rotate the password now?")?;
        // One rotation of a credential at a time; planned again under the lock, since another
        // one may have run (or finished) since the plan shown.
        let _lock = journal.lock(&plan.id)?;
        let plan = rotate_db::plan(&clients, &journal, &opts).await?;
        if plan.already_done.is_some() {
            for line in plan.describe() {
                outln!("unleak rotate-db: {line}")?;
            }
            return Ok(Outcome::Clean);
        }
        let report = rotate_db::execute(&clients, &journal, &plan, &mut |line| {
            eprintln!("unleak: {line}")
        })
        .await?;
        print_report(&report)?;
        record(&args, &loc, &report)?;
        if let (Some((file, rw)), Some((_, _, _, original))) = (&rw, &loc.at) {
            let file = rewrite::confine(&root, file)?;
            rewrite::write_atomic(&file, original, &rw.new_text)?;
            outln!("Rewrote {} line {}: it now reads ${}.", rw_display(&loc), rw.line, rw.var)?;
            if let Some((n, import)) = &rw.import {
                outln!("  Added `{import}` at line {n}: the new line needs it.")?;
            }
            outln!(
                "  Set it where the application starts:\n    export {}=\"$(aws secretsmanager get-secret-value --secret-id '{}' --query SecretString --output text | jq -r .password)\"",
                rw.var, report.secret_name
            )?;
        }
        Ok(Outcome::Clean)
    })
}

/// `--store`: the rotation, against the password's secret: the password as decoded and as
/// written (a URI's may be percent-encoded), under the finding's rule or the store's rules.
fn record(args: &RotateDbArgs, loc: &Located, r: &DbRotateReport) -> Result<()> {
    let Some(mut store) = args.store.open()? else {
        return Ok(());
    };
    let detail = format!("{} in secret {}", r.id, r.secret_name);
    let action = unleak_store::Action {
        action: "rotate-db",
        outcome: "rotated",
        detail: &detail,
        who: &super::store_record::who(),
    };
    let mut values = vec![loc.cred.password.as_str()];
    if !loc.literal.is_empty() && loc.literal != loc.cred.password {
        values.push(&loc.literal);
    }
    super::store_record::rotation(
        &mut store,
        DB_PASSWORD,
        loc.rule.as_deref(),
        &values,
        &action,
    )?;
    Ok(())
}

fn rw_display(loc: &Located) -> String {
    loc.at
        .as_ref()
        .map(|(p, ..)| p.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A connection URI, JDBC URL or key=value string; `-`: one line of standard input.
fn from_uri(target: &str) -> Result<Located> {
    let text = if target == "-" {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .take(64 * 1024)
            .read_line(&mut line)
            .context("cannot read the connection URI from standard input")?;
        line.trim().to_string()
    } else {
        target.to_string()
    };
    let cred = unleak_db::conn::parse(&text)
        .map_err(|e| anyhow::anyhow!("not a connection string unleak can rotate: {e}"))?;
    Ok(Located {
        cred,
        at: None,
        literal: String::new(),
        line_secrets: Vec::new(),
        rule: None,
    })
}

/// `FILE:LINE`: the database password the scanner finds on that line, with the connection
/// information on or near it.
fn from_file_line(args: &RotateDbArgs, target: &str) -> Result<Located> {
    let Some((path, line)) = target
        .rsplit_once(':')
        .and_then(|(p, l)| Some((p, l.parse::<u32>().ok()?)))
    else {
        bail!(
            "`{target}` is neither a connection URI nor FILE:LINE (or a finding id with --report)"
        );
    };
    let path = Path::new(path);
    let (findings, bytes) = scan_file(args, path)?;
    let here: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.kind == DB_PASSWORD && f.line <= line && line <= f.end_line)
        .collect();
    let f = match here.as_slice() {
        [] => bail!(
            "no database password found on {} line {line}",
            path.display()
        ),
        [f] => *f,
        _ => bail!(
            "several database passwords on {} line {line}; give the connection URI instead",
            path.display()
        ),
    };
    located(path, f, &findings, bytes)
}

/// `--report FILE ID`: the report's finding, found again in its file (the connection
/// information is read from the file, next to the password).
fn from_report(args: &RotateDbArgs, report: &Path, id: &str) -> Result<Located> {
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
    if f.kind != DB_PASSWORD {
        bail!("finding `{id}` is a {}, not a database password", f.kind);
    }
    if f.commit.is_some() {
        bail!("finding `{id}` is in git history: its host is not known from the working tree; give the connection URI instead");
    }
    let path = PathBuf::from(&f.path);
    let (findings, bytes) = scan_file(args, &path)?;
    let found = findings
        .iter()
        .find(|x| x.has_fingerprint(id))
        .with_context(|| {
            format!(
                "finding `{id}` is no longer in {}: the file changed since the scan; scan again",
                f.path
            )
        })?;
    located(&path, found, &findings, bytes)
}

fn located(path: &Path, f: &Finding, findings: &[Finding], bytes: Vec<u8>) -> Result<Located> {
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<&str> = text.lines().collect();
    let cred = unleak_db::context::credential_for(&lines, (f.line as usize).saturating_sub(1), &f.secret)
        .map_err(|e| {
            anyhow::anyhow!(
                "no connection information for the password at {}:{}: {e}; give the connection URI instead",
                path.display(),
                f.line
            )
        })?;
    let line_secrets = findings
        .iter()
        .filter(|x| x.line <= f.line && f.line <= x.end_line)
        .map(|x| x.secret.clone())
        .collect();
    Ok(Located {
        cred,
        at: Some((path.to_path_buf(), f.line, f.column, bytes)),
        literal: f.secret.clone(),
        line_secrets,
        rule: Some(f.rule_id.clone()),
    })
}

fn scan_file(args: &RotateDbArgs, path: &Path) -> Result<(Vec<Finding>, Vec<u8>)> {
    let root = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let config = load_config(args.config.as_ref(), root)?;
    let matcher = build_matcher(&config)?;
    let bytes =
        unleak_scan::input_file::read_to_string(path, unleak_scan::input_file::CONFIG_LIMIT)
            .with_context(|| format!("cannot read {}", path.display()))?
            .into_bytes();
    let display = path.to_string_lossy().replace('\\', "/");
    match matcher.scan_bytes(&display, &bytes) {
        BlobOutcome::Scanned(f) => Ok((f, bytes)),
        BlobOutcome::Binary => bail!("{} is a binary file", path.display()),
    }
}

fn status(journal: &Journal) -> Result<Outcome> {
    let open = rotate_db::unfinished(journal)?;
    if open.is_empty() {
        outln!("No unfinished database rotations.")?;
        return Ok(Outcome::Clean);
    }
    outln!("Unfinished database rotations (re-run `unleak rotate-db` with the same credential to resume):")?;
    for r in open {
        outln!(
            "  {}  secret {}  started {}  last step: {}",
            r.id,
            r.secret_name,
            unleak_aws::rotate::fmt_time(r.started_at),
            r.step
        )?;
    }
    Ok(Outcome::Findings)
}

fn print_report(r: &DbRotateReport) -> Result<()> {
    let verb = if r.resumed {
        "Resumed and finished"
    } else {
        "Finished"
    };
    outln!("{verb} the rotation of {}.", r.id)?;
    outln!(
        "  The new password is in Secrets Manager secret `{}` (AWSCURRENT; the old one, now refused, is AWSPREVIOUS)",
        r.secret_name
    )?;
    outln!("    {}", r.secret_arn)?;
    outln!("Next:")?;
    outln!(
        "  - Give the applications that used the old password the secret, e.g.\n      aws secretsmanager get-secret-value --secret-id '{}' --query SecretString --output text | jq -r .password",
        r.secret_name
    )?;
    let template = match r.engine.as_str() {
        "postgres" => "SecretsManagerRDSPostgreSQLRotationSingleUser",
        "mariadb" => "SecretsManagerRDSMariaDBRotationSingleUser",
        _ => "SecretsManagerRDSMySQLRotationSingleUser",
    };
    outln!(
        "  - To let Secrets Manager rotate it from now on: the secret already holds the JSON its RDS rotation functions read. Deploy AWS's `{template}` function (Serverless Application Repository, in a VPC that reaches the database), then\n      aws secretsmanager rotate-secret --secret-id '{}' --rotation-lambda-arn FUNCTION_ARN --rotation-rules AutomaticallyAfterDays=30",
        r.secret_name
    )?;
    outln!("  - The old password is still in your git history. It is dead now, which is what matters; remove it from the code.")?;
    Ok(())
}
