//! Judging AWS keys: `unleak verify [REPORT]` (a saved JSON report) and `scan --verify`.
//! Findings become keys for `unleak_aws::judge`; its verdicts come back as `verification`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use clap::Args;
use unleak_aws::canary::CanaryAccounts;
use unleak_aws::client::AwsSettings;
use unleak_aws::judge::{self, JudgeOptions, KeyToJudge, Verdict};
use unleak_scan::config::Config;
use unleak_scan::finding::is_redacted;
use unleak_scan::report::record::{self as report_record, FindingRecord};
use unleak_scan::report::{self, Style};
use unleak_scan::{Finding, Status, Verification};

use super::common::load_config;
use crate::output::{color_enabled, Output};
use crate::Outcome;

const KEY_ID: &str = unleak_scan::kind::AWS_ACCESS_KEY_ID;
const SECRET_KEY: &str = unleak_scan::kind::AWS_SECRET_ACCESS_KEY;

/// `scan` flags: whether to judge, and how.
#[derive(Args, Clone, Debug)]
pub struct VerifyArgs {
    /// Judge what was found, by family: `aws` (the default when no list is given: every AWS
    /// key, live, inactive, invalid, canary or unknown; canary keys are never used) and `db`
    /// (one login per database credential to the host named with it), e.g. `--verify aws,db`.
    #[arg(long, value_name = "FAMILIES", num_args = 0..=1, default_missing_value = "aws", value_parser = parse_families)]
    pub verify: Option<Families>,

    #[command(flatten)]
    pub judge: JudgeArgs,
}

/// How to judge (shared by `scan --verify` and `unleak verify`).
#[derive(Args, Clone, Debug)]
pub struct JudgeArgs {
    /// Bound on each AWS call, retries included, in seconds.
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = parse_seconds)]
    pub verify_timeout: Duration,

    /// AWS profile with the auditor's own credentials (IAM tells inactive from deleted keys).
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,
}

#[derive(Args)]
pub struct VerifyCmdArgs {
    /// A report from `unleak scan --format json` (or jsonl); `-` reads standard input.
    #[arg(default_value = "-")]
    pub report: PathBuf,

    /// Output format.
    #[arg(long, short = 'f', default_value = "json", value_parser = ["text", "json", "jsonl"])]
    pub format: String,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print secrets in full (they are redacted by default).
    #[arg(long)]
    pub show_secrets: bool,

    /// Configuration file for `[aws] canary_accounts` (default: .unleak.toml here or at the
    /// git repo's top).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Colour (text format): auto, always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,

    /// Print nothing on standard error but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    /// Which families to judge: `aws`, `db`, or both (`aws,db`). A database is never
    /// contacted unless `db` is named.
    #[arg(long = "verify", value_name = "FAMILIES", default_value = "aws", value_parser = parse_families)]
    pub families: Families,

    #[command(flatten)]
    pub judge: JudgeArgs,
}

/// Which credential families a run judges.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Families {
    pub aws: bool,
    pub db: bool,
}

fn parse_families(s: &str) -> Result<Families, String> {
    let mut f = Families {
        aws: false,
        db: false,
    };
    for name in s.split(',').map(str::trim) {
        match name {
            "aws" => f.aws = true,
            "db" if cfg!(feature = "db") => f.db = true,
            "db" => return Err("this unleak was built without the `db` feature".into()),
            _ => {
                return Err(format!(
                    "`{name}`: the families are `aws` and `db` (e.g. `--verify aws,db`); a path right after `--verify` is read as this list, so put paths before it"
                ))
            }
        }
    }
    Ok(f)
}

fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .trim()
        .trim_end_matches('s')
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if !(secs > 0.0 && secs <= 3600.0) {
        return Err(format!("`{s}`: give between 0 and 3600 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}

fn options(config: &Config, args: &JudgeArgs) -> JudgeOptions {
    JudgeOptions {
        aws: AwsSettings {
            profile: args.profile.clone(),
            operation_timeout: args.verify_timeout,
            ..AwsSettings::default()
        },
        canaries: CanaryAccounts::new(config.aws.canary_accounts.iter().cloned()),
        ..JudgeOptions::default()
    }
}

/// A full secret, not a redacted one (`wJal…`).
fn full(secret: &str) -> Option<String> {
    (!is_redacted(secret) && !secret.is_empty()).then(|| secret.to_string())
}

/// The key a finding is about: an id finding with its paired secret, or a secret finding
/// with its paired id.
fn key_of(kind: &str, secret: &str, pair: Option<(&str, &str)>) -> Option<KeyToJudge> {
    match (kind, pair) {
        (KEY_ID, Some((SECRET_KEY, s))) => Some(KeyToJudge::new(secret, full(s))),
        (KEY_ID, _) => Some(KeyToJudge::new(secret, None)),
        (SECRET_KEY, Some((KEY_ID, id))) => Some(KeyToJudge::new(id, full(secret))),
        _ => None,
    }
}

fn to_verification(v: &Verdict) -> Verification {
    Verification {
        status: match v.status {
            judge::Status::Live => Status::Live,
            judge::Status::Inactive => Status::Inactive,
            judge::Status::Invalid => Status::Invalid,
            judge::Status::Canary => Status::Canary,
            judge::Status::Unknown => Status::Unknown,
        },
        account: v.account.clone(),
        arn: v.arn.clone(),
        user: v.user.clone(),
        last_used: v.last_used.clone(),
        reason: v.reason.clone(),
        access: v.access.clone(),
    }
}

/// Judge `keys` (one per finding, `None` for non-AWS findings); one verification per finding.
fn judge_all(
    keys: &[Option<KeyToJudge>],
    config: &Config,
    args: &JudgeArgs,
    quiet: bool,
) -> Result<Vec<Option<Verification>>> {
    let distinct: Vec<KeyToJudge> = keys.iter().flatten().cloned().collect();
    if distinct.is_empty() {
        return Ok(vec![None; keys.len()]);
    }
    if !quiet {
        let ids: std::collections::HashSet<&str> =
            distinct.iter().map(|k| k.access_key_id.as_str()).collect();
        eprintln!("unleak: judging {} AWS key id(s)…", ids.len());
    }
    let verdicts: HashMap<KeyToJudge, Verdict> =
        judge::judge_blocking(distinct, &options(config, args))?
            .into_iter()
            .collect();
    Ok(keys
        .iter()
        .map(|k| {
            k.as_ref()
                .and_then(|k| verdicts.get(k))
                .map(to_verification)
        })
        .collect())
}

/// `scan --verify`: fill in `verification` on the AWS findings.
pub fn annotate(
    findings: &mut [Finding],
    config: &Config,
    args: &JudgeArgs,
    families: Families,
    quiet: bool,
) -> Result<()> {
    #[cfg(feature = "db")]
    if families.db {
        super::verify_db::annotate(findings, args.verify_timeout, quiet);
    }
    if !families.aws {
        return Ok(());
    }
    let keys: Vec<Option<KeyToJudge>> = findings
        .iter()
        .map(|f| {
            let pair = f
                .pair
                .as_ref()
                .map(|p| (p.kind.as_str(), p.secret.as_str()));
            key_of(&f.kind, &f.secret, pair)
        })
        .collect();
    for (f, v) in findings
        .iter_mut()
        .zip(judge_all(&keys, config, args, quiet)?)
    {
        if let Some(v) = v {
            if let Some(advice) = v.advice() {
                f.advice = advice.into();
            }
            f.verification = Some(Box::new(v));
        }
    }
    Ok(())
}

/// `unleak verify [REPORT]`.
pub fn run(args: VerifyCmdArgs) -> Result<Outcome> {
    let (text, name) = read_report(&args.report)?;
    let mut report = report_record::parse(&text)
        .with_context(|| format!("{name}: not an unleak JSON report"))?;
    let config = load_config(args.config.as_ref(), Path::new("."))?;

    #[cfg(feature = "db")]
    if args.families.db {
        super::verify_db::annotate_records(
            &mut report.findings,
            args.judge.verify_timeout,
            args.quiet,
        );
    }
    let keys: Vec<Option<KeyToJudge>> = if args.families.aws {
        report.findings.iter().map(key_of_record).collect()
    } else {
        vec![None; report.findings.len()]
    };
    // Findings whose secret side is there, but redacted.
    let redacted = report
        .findings
        .iter()
        .zip(&keys)
        .filter(|(f, k)| k.as_ref().is_some_and(|k| k.secret.is_none()) && f.pair.is_some())
        .count();
    let verdicts = judge_all(&keys, &config, &args.judge, args.quiet)?;
    if redacted > 0 && !args.quiet {
        eprintln!(
            "unleak: note: {redacted} AWS finding(s) have no full secret in this report (written without --show-secrets?): only IAM could judge them"
        );
    }
    for (f, v) in report.findings.iter_mut().zip(verdicts) {
        if let Some(v) = v {
            if let Some(advice) = v.advice() {
                f.advice = advice.into();
            }
            f.verification = Some(Box::new(v));
        }
    }
    if !args.show_secrets {
        report.findings.iter_mut().for_each(FindingRecord::redact);
    }

    let mut out = Output::open(args.output.as_ref())?;
    let style = Style {
        // Secrets were redacted above when they had to be; print what is left as it is.
        show_secrets: true,
        color: color_enabled(&args.color, out.is_terminal),
    };
    let w = out.writer();
    match args.format.as_str() {
        "text" => {
            let typed: Vec<Finding> = report
                .findings
                .iter()
                .map(FindingRecord::to_finding)
                .collect();
            report::text::write(w, &typed, &report.stats.clone().unwrap_or_default(), style)?
        }
        "jsonl" => {
            for f in &report.findings {
                serde_json::to_writer(&mut *w, f)?;
                writeln!(w)?;
            }
        }
        _ => {
            serde_json::to_writer_pretty(&mut *w, &report)?;
            writeln!(w)?;
        }
    }
    w.flush().context("cannot write the report")?;
    Ok(if report.findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

pub(super) fn read_report(path: &Path) -> Result<(String, String)> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        let limit = unleak_scan::input_file::REPORT_LIMIT;
        std::io::stdin()
            .lock()
            .take(limit + 1)
            .read_to_string(&mut text)
            .context("cannot read the report from standard input")?;
        if text.len() as u64 > limit {
            anyhow::bail!("the report on standard input is larger than {limit} bytes");
        }
        Ok((text, "standard input".into()))
    } else {
        text = unleak_scan::input_file::read_to_string(path, unleak_scan::input_file::REPORT_LIMIT)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Ok((text, path.display().to_string()))
    }
}

pub(super) fn key_of_record(f: &FindingRecord) -> Option<KeyToJudge> {
    let pair = f
        .pair
        .as_ref()
        .map(|p| (p.kind.as_str(), p.secret.as_str()));
    key_of(&f.kind, &f.secret, pair)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_either_side_of_a_pair() {
        let id = "AKIAIOSFODNN7EXAMPLE";
        let secret = "x".repeat(40);
        assert_eq!(
            key_of(KEY_ID, id, Some((SECRET_KEY, &secret))),
            Some(KeyToJudge::new(id, Some(secret.clone())))
        );
        assert_eq!(
            key_of(SECRET_KEY, &secret, Some((KEY_ID, id))),
            Some(KeyToJudge::new(id, Some(secret.clone())))
        );
        assert_eq!(
            key_of(KEY_ID, id, Some((SECRET_KEY, "wJal…"))),
            Some(KeyToJudge::new(id, None))
        );
        assert_eq!(key_of("private-key", "x", None), None);
    }

    #[test]
    fn timeouts_parse_as_seconds() {
        assert_eq!(parse_seconds("5").unwrap(), Duration::from_secs(5));
        assert_eq!(parse_seconds("0.5s").unwrap(), Duration::from_millis(500));
        assert!(parse_seconds("0").is_err());
        assert!(parse_seconds("soon").is_err());
    }
}
