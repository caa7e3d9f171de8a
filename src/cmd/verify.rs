//! Judging AWS keys: `unleak verify [REPORT]` (a saved JSON report) and `scan --verify`.
//! Findings become keys for `unleak_aws::judge`; its verdicts come back as `verification`.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use clap::Args;
use serde_json::{json, Value};
use unleak_aws::canary::CanaryAccounts;
use unleak_aws::client::AwsSettings;
use unleak_aws::judge::{self, JudgeOptions, KeyToJudge, Verdict};
use unleak_scan::config::Config;
use unleak_scan::finding::redact;
use unleak_scan::report::{self, Style};
use unleak_scan::sources::StatsSummary;
use unleak_scan::{CommitInfo, Confidence, Finding, Pair, Verification};

use super::common::load_config;
use crate::output::{color_enabled, Output};
use crate::Outcome;

const KEY_ID: &str = "aws-access-key-id";
const SECRET_KEY: &str = "aws-secret-access-key";

/// `scan` flags: whether to judge, and how.
#[derive(Args, Clone, Debug)]
pub struct VerifyArgs {
    /// Judge every AWS key found: live, inactive, invalid, canary or unknown (canary keys are
    /// never used).
    #[arg(long)]
    pub verify: bool,

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

    #[command(flatten)]
    pub judge: JudgeArgs,
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
    (!secret.contains('…') && !secret.is_empty()).then(|| secret.to_string())
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
        status: v.status.as_str().to_string(),
        account: v.account.clone(),
        arn: v.arn.clone(),
        user: v.user.clone(),
        last_used: v.last_used.clone(),
        reason: v.reason.clone(),
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
    quiet: bool,
) -> Result<()> {
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
            f.verification = Some(v);
        }
    }
    Ok(())
}

/// `unleak verify [REPORT]`.
pub fn run(args: VerifyCmdArgs) -> Result<Outcome> {
    let (text, name) = read_report(&args.report)?;
    let (mut findings, stats) =
        parse_report(&text).with_context(|| format!("{name}: not an unleak JSON report"))?;
    let config = load_config(args.config.as_ref(), Path::new("."))?;

    let keys: Vec<Option<KeyToJudge>> = findings.iter().map(key_of_value).collect();
    // Findings whose secret side is there, but redacted.
    let redacted = findings
        .iter()
        .zip(&keys)
        .filter(|(f, k)| k.as_ref().is_some_and(|k| k.secret.is_none()) && f.get("pair").is_some())
        .count();
    let verdicts = judge_all(&keys, &config, &args.judge, args.quiet)?;
    if redacted > 0 && !args.quiet {
        eprintln!(
            "unleak: note: {redacted} AWS finding(s) have no full secret in this report (written without --show-secrets?): only IAM could judge them"
        );
    }
    for (f, v) in findings.iter_mut().zip(verdicts) {
        if let (Some(obj), Some(v)) = (f.as_object_mut(), v) {
            if let Some(advice) = v.advice() {
                obj.insert("advice".into(), advice.into());
            }
            obj.insert("verification".into(), serde_json::to_value(v)?);
        }
    }
    if !args.show_secrets {
        findings.iter_mut().for_each(redact_value);
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
            let typed: Vec<Finding> = findings
                .iter()
                .map(finding_from_value)
                .collect::<Result<_>>()?;
            report::text::write(w, &typed, &stats_from_value(&stats), style)?
        }
        "jsonl" => {
            for f in &findings {
                serde_json::to_writer(&mut *w, f)?;
                writeln!(w)?;
            }
        }
        _ => {
            let mut doc = json!({"version": report::json::SCHEMA_VERSION, "findings": findings});
            if !stats.is_null() {
                doc["stats"] = stats;
            }
            serde_json::to_writer_pretty(&mut *w, &doc)?;
            writeln!(w)?;
        }
    }
    w.flush().context("cannot write the report")?;
    Ok(if findings.is_empty() {
        Outcome::Clean
    } else {
        Outcome::Findings
    })
}

fn read_report(path: &Path) -> Result<(String, String)> {
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

/// A JSON report (`{"version": 1, "findings": [...], "stats": {...}}`) or JSON Lines.
fn parse_report(text: &str) -> Result<(Vec<Value>, Value)> {
    if let Ok(doc) = serde_json::from_str::<Value>(text) {
        let Some(obj) = doc.as_object() else {
            bail!("expected a JSON object with `findings`")
        };
        match obj.get("version").and_then(Value::as_u64) {
            Some(v) if v == u64::from(report::json::SCHEMA_VERSION) => {}
            Some(v) => bail!("report schema version {v} is not supported"),
            None if obj.contains_key("rule_id") => {
                // A single JSON Lines record.
                return Ok((vec![doc], Value::Null));
            }
            None => bail!("no `version` field"),
        }
        let findings = obj
            .get("findings")
            .and_then(Value::as_array)
            .context("no `findings` array")?;
        check_findings(findings)?;
        return Ok((
            findings.clone(),
            obj.get("stats").cloned().unwrap_or(Value::Null),
        ));
    }
    let mut findings = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value =
            serde_json::from_str(line).with_context(|| format!("line {}: not JSON", i + 1))?;
        findings.push(v);
    }
    if findings.is_empty() {
        bail!("empty input");
    }
    check_findings(&findings)?;
    Ok((findings, Value::Null))
}

fn check_findings(findings: &[Value]) -> Result<()> {
    for (i, f) in findings.iter().enumerate() {
        for field in ["kind", "secret"] {
            if f.get(field).and_then(Value::as_str).is_none() {
                bail!("finding {}: no `{field}` string", i + 1);
            }
        }
    }
    Ok(())
}

fn str_field<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or_default()
}

fn key_of_value(f: &Value) -> Option<KeyToJudge> {
    let pair = f
        .get("pair")
        .map(|p| (str_field(p, "kind"), str_field(p, "secret")));
    key_of(str_field(f, "kind"), str_field(f, "secret"), pair)
}

/// Redact every full secret left in a finding (identifiers stay whole).
fn redact_value(f: &mut Value) {
    fn hide(obj: &mut Value) {
        if str_field(obj, "kind") == KEY_ID {
            return;
        }
        if let Some(s) = obj.get("secret").and_then(Value::as_str) {
            if full(s).is_some() {
                obj["secret"] = Value::String(redact(s));
            }
        }
    }
    hide(f);
    if let Some(p) = f.get_mut("pair") {
        hide(p);
    }
}

/// Rebuild a finding from its JSON form for the text report (the source line is not in the
/// JSON: the secret as shown stands in for it).
fn finding_from_value(v: &Value) -> Result<Finding> {
    let u32_field = |name: &str| v.get(name).and_then(Value::as_u64).unwrap_or(0) as u32;
    let secret = str_field(v, "secret").to_string();
    Ok(Finding {
        rule_id: str_field(v, "rule_id").into(),
        kind: str_field(v, "kind").into(),
        description: str_field(v, "description").into(),
        advice: str_field(v, "advice").into(),
        path: str_field(v, "path").into(),
        line: u32_field("line"),
        end_line: u32_field("end_line"),
        column: u32_field("column"),
        // No line in the JSON: the preview is the secret as shown.
        excerpt: Default::default(),
        secret,
        confidence: v
            .get("confidence")
            .cloned()
            .map(serde_json::from_value::<Confidence>)
            .transpose()?
            .unwrap_or_default(),
        entropy: v.get("entropy").and_then(Value::as_f64).unwrap_or(0.0) as f32,
        encrypted: v.get("encrypted").and_then(Value::as_bool),
        pair: v.get("pair").map(|p| Pair {
            rule_id: str_field(p, "rule_id").into(),
            kind: str_field(p, "kind").into(),
            secret: str_field(p, "secret").into(),
            line: p.get("line").and_then(Value::as_u64).unwrap_or(0) as u32,
        }),
        commit: v
            .get("commit")
            .cloned()
            .map(serde_json::from_value::<CommitInfo>)
            .transpose()?,
        verification: v
            .get("verification")
            .cloned()
            .map(serde_json::from_value::<Verification>)
            .transpose()?,
    })
}

fn stats_from_value(v: &Value) -> StatsSummary {
    let n = |name: &str| v.get(name).and_then(Value::as_u64).unwrap_or(0);
    StatsSummary {
        files: n("files"),
        bytes: n("bytes"),
        skipped_binary: n("skipped_binary"),
        skipped_large: n("skipped_large"),
        skipped_allowlisted: n("skipped_allowlisted"),
        errors: n("errors"),
        duration_ms: n("duration_ms"),
        commits: v.get("commits").and_then(Value::as_u64),
        packed_blobs: n("packed_blobs"),
    }
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

    #[test]
    fn reports_must_look_like_reports() {
        assert!(parse_report("[]").is_err());
        assert!(parse_report("{\"version\": 9, \"findings\": []}").is_err());
        assert!(parse_report("not json").is_err());
        let (f, _) = parse_report("{\"version\": 1, \"findings\": []}").unwrap();
        assert!(f.is_empty());
    }
}
