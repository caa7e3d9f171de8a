//! `--verify db`: each database password found becomes a credential (its line's connection
//! string, or the host/user/port/database assignments near it, read again from the file) for
//! `unleak_db::judge_all`, whose verdicts come back as the finding's `verification`. A finding
//! whose connection information cannot be read gets an `unknown` verdict saying why.

use std::collections::HashMap;
use std::time::Duration;

use unleak_db::judge::{self, JudgeOptions};
use unleak_db::Credential;
use unleak_scan::finding::is_redacted;
use unleak_scan::kind::DB_PASSWORD;
use unleak_scan::report::record::FindingRecord;
use unleak_scan::{Finding, Status, Verification};

/// What a finding gives: the credential to try, or why there is none.
fn credential(
    files: &mut HashMap<String, Option<String>>,
    path: &str,
    line: u32,
    secret: &str,
) -> Result<Credential, String> {
    if secret.is_empty() || is_redacted(secret) {
        return Err("no full password in this report (written without --show-secrets?)".into());
    }
    let text = files
        .entry(path.to_string())
        .or_insert_with(|| {
            unleak_scan::input_file::read_to_string(
                std::path::Path::new(path),
                unleak_scan::input_file::CONFIG_LIMIT,
            )
            .ok()
        })
        .as_deref()
        .ok_or_else(|| format!("cannot read {path} again to find the password's host"))?;
    let lines: Vec<&str> = text.lines().collect();
    let at = (line as usize).saturating_sub(1);
    unleak_db::context::credential_for(&lines, at, secret).map_err(|e| match e {
        unleak_db::conn::ParseError::NotOnLine => format!(
            "{path}:{line} no longer holds the password (changed since, or found in history): its host is not known"
        ),
        e => format!("no connection information next to the password: {e}"),
    })
}

fn to_verification(v: &judge::Verdict) -> Verification {
    Verification {
        status: match v.status {
            judge::Status::Live => Status::Live,
            judge::Status::Invalid => Status::Invalid,
            judge::Status::Unknown => Status::Unknown,
        },
        account: None,
        arn: None,
        user: v.user.clone(),
        last_used: None,
        reason: Some(v.reason.clone()),
        access: None,
    }
}

/// A database password to judge: where it stands, its value, and where its verdict goes.
type Item<'a> = (&'a str, u32, &'a str, VerdictSlot<'a>);
/// Where a finding's verdict goes.
type VerdictSlot<'a> = &'a mut Option<Box<Verification>>;

/// Judges every item's credential (each distinct one once) and sets its verdict.
fn judge_each(items: Vec<Item<'_>>, timeout: Duration, quiet: bool) {
    let mut files = HashMap::new();
    let mut found: Vec<(Result<Credential, String>, VerdictSlot<'_>)> = items
        .into_iter()
        .map(|(p, l, s, v)| (credential(&mut files, p, l, s), v))
        .collect();
    let creds: Vec<Credential> = found.iter().filter_map(|(c, _)| c.clone().ok()).collect();
    if !quiet && !creds.is_empty() {
        let distinct: std::collections::HashSet<&Credential> = creds.iter().collect();
        eprintln!("unleak: judging {} database credential(s)…", distinct.len());
    }
    let opts = JudgeOptions {
        connect_timeout: timeout,
        login_timeout: timeout * 2,
        ..JudgeOptions::default()
    };
    let mut verdicts = unleak_db::judge_all(&creds, &opts).into_iter();
    for (cred, verification) in &mut found {
        **verification = Some(Box::new(match cred {
            Ok(_) => to_verification(&verdicts.next().expect("one verdict per credential")),
            Err(why) => to_verification(&judge::Verdict::unknown(why.clone())),
        }));
    }
}

/// `scan --verify db`.
pub fn annotate(findings: &mut [Finding], timeout: Duration, quiet: bool) {
    let items = findings
        .iter_mut()
        .filter(|f| f.kind == DB_PASSWORD)
        .map(|f| {
            (
                f.path.as_str(),
                f.line,
                f.secret.as_str(),
                &mut f.verification,
            )
        })
        .collect();
    judge_each(items, timeout, quiet);
}

/// `unleak verify --verify db`.
pub fn annotate_records(findings: &mut [FindingRecord], timeout: Duration, quiet: bool) {
    let items = findings
        .iter_mut()
        .filter(|f| f.kind == DB_PASSWORD)
        .map(|f| {
            (
                f.path.as_str(),
                f.line,
                f.secret.as_str(),
                &mut f.verification,
            )
        })
        .collect();
    judge_each(items, timeout, quiet);
}
