//! The judge: is a found AWS key `live`, `inactive`, `invalid`, a `canary`, or `unknown`?
//!
//! Order matters, because using a canary key alerts its owner:
//! 1. offline: the account encoded in a new-format key id (old ids: `sts:GetAccessKeyInfo`,
//!    signed with the auditor's credentials, never the found key);
//! 2. canary accounts are answered offline and the key is never sent anywhere;
//! 3. with the auditor's credentials for that account, IAM tells inactive from deleted
//!    (AWS answers `InvalidClientTokenId` for both);
//! 4. only then, `sts:GetCallerIdentity` signed with the found pair.
//!
//! Bounded: every call has the operation timeout, retries are few, at most `concurrency` keys
//! are in flight, the whole run has a deadline, and each distinct key is judged once.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::SdkConfig;
use aws_sdk_iam::primitives::DateTimeFormat;
use aws_sdk_iam::types::StatusType;
use serde::Serialize;
use tokio::sync::{OnceCell, Semaphore};
use tokio::task::JoinSet;

use crate::account;
use crate::canary::CanaryAccounts;
use crate::client::{self, human_duration, AwsSettings, CredentialSource};
use crate::error::{Error, Result};
use crate::sdk_error::{is_throttling, CallFailure};

/// A key to judge: its id and, when the finding had one, the full secret paired with it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct KeyToJudge {
    pub access_key_id: String,
    pub secret: Option<String>,
}

impl KeyToJudge {
    pub fn new(access_key_id: impl Into<String>, secret: Option<String>) -> Self {
        KeyToJudge {
            access_key_id: access_key_id.into(),
            secret,
        }
    }
}

/// Never prints the secret.
impl fmt::Debug for KeyToJudge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyToJudge")
            .field("access_key_id", &self.access_key_id)
            .field("secret", &self.secret.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The pair works right now.
    Live,
    /// The key exists but is deactivated.
    Inactive,
    /// Deleted, never existed, or the secret is wrong.
    Invalid,
    /// A honeytoken: never used.
    Canary,
    /// Could not tell (see the reason).
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Inactive => "inactive",
            Status::Invalid => "invalid",
            Status::Canary => "canary",
            Status::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The judge's answer for one key, with what it learnt on the way.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    /// The IAM user owning the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// RFC 3339, from IAM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    /// Why, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What a live key can do (its user's policies, read with the auditor's credentials).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<crate::keys::Access>,
}

impl Verdict {
    fn new(status: Status, reason: impl Into<String>) -> Self {
        Verdict {
            status,
            account: None,
            arn: None,
            user: None,
            last_used: None,
            reason: Some(reason.into()),
            access: None,
        }
    }

    fn in_account(mut self, account: Option<&str>) -> Self {
        self.account = self.account.or(account.map(str::to_string));
        self
    }
}

/// How to judge.
#[derive(Clone, Debug)]
pub struct JudgeOptions {
    /// The auditor's AWS setup (credentials, profile, endpoint, per-call timeout, retries).
    pub aws: AwsSettings,
    pub canaries: CanaryAccounts,
    /// Key ids judged at the same time.
    pub concurrency: usize,
    /// Bound on the whole run; keys not judged by then are `unknown`.
    pub deadline: Duration,
    /// Wait before the one retry of a `SignatureDoesNotMatch` answer.
    pub signature_retry_delay: Duration,
}

pub const DEFAULT_CONCURRENCY: usize = 8;
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
pub const DEFAULT_SIGNATURE_RETRY_DELAY: Duration = Duration::from_secs(5);

impl Default for JudgeOptions {
    fn default() -> Self {
        JudgeOptions {
            aws: AwsSettings::default(),
            canaries: CanaryAccounts::default(),
            concurrency: DEFAULT_CONCURRENCY,
            deadline: DEFAULT_DEADLINE,
            signature_retry_delay: DEFAULT_SIGNATURE_RETRY_DELAY,
        }
    }
}

/// [`judge`] on a runtime of its own, for synchronous callers.
pub fn judge_blocking(
    keys: Vec<KeyToJudge>,
    opts: &JudgeOptions,
) -> Result<Vec<(KeyToJudge, Verdict)>> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Runtime)?;
    Ok(rt.block_on(judge(keys, opts)))
}

/// Judge each distinct key once; answers come back in first-seen order, one per distinct key.
pub async fn judge(keys: Vec<KeyToJudge>, opts: &JudgeOptions) -> Vec<(KeyToJudge, Verdict)> {
    let mut seen = HashSet::new();
    let keys: Vec<KeyToJudge> = keys
        .into_iter()
        .filter(|k| seen.insert(k.clone()))
        .collect();

    // One group per key id: IAM is asked once per id, and an id's secrets are tried in turn.
    let mut groups: Vec<(String, Vec<Option<String>>)> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for k in &keys {
        let i = *index.entry(k.access_key_id.as_str()).or_insert_with(|| {
            groups.push((k.access_key_id.clone(), Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(k.secret.clone());
    }

    let results: Arc<Mutex<HashMap<KeyToJudge, Verdict>>> = Arc::default();
    let record = |id: &str, secrets: Vec<Option<String>>, verdicts: Vec<Verdict>| {
        let mut r = results.lock().unwrap_or_else(|p| p.into_inner());
        for (secret, v) in secrets.into_iter().zip(verdicts) {
            r.insert(KeyToJudge::new(id, secret), v);
        }
    };

    // Offline answers first: canaries decided here cause no network activity at all.
    let mut online = Vec::new();
    for (id, secrets) in groups {
        match offline_verdict(&id, &opts.canaries) {
            Some(v) => {
                let n = secrets.len();
                record(&id, secrets, vec![v; n]);
            }
            None => online.push((id, secrets)),
        }
    }

    let mut finished = true;
    if !online.is_empty() {
        let judge = Arc::new(Judge {
            base: client::load(&opts.aws).await,
            canaries: opts.canaries.clone(),
            timeout: opts.aws.operation_timeout,
            signature_retry_delay: opts.signature_retry_delay,
            use_auditor: !matches!(opts.aws.credentials, CredentialSource::None),
            auditor: OnceCell::new(),
        });
        let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
        let mut tasks = JoinSet::new();
        for (id, secrets) in online {
            let judge = Arc::clone(&judge);
            let permits = Arc::clone(&permits);
            let results = Arc::clone(&results);
            tasks.spawn(async move {
                let _permit = permits.acquire_owned().await;
                let verdicts = judge.judge_id(&id, &secrets).await;
                let mut r = results.lock().unwrap_or_else(|p| p.into_inner());
                for (secret, v) in secrets.into_iter().zip(verdicts) {
                    r.insert(KeyToJudge::new(id.as_str(), secret), v);
                }
            });
        }
        let all_done = async { while tasks.join_next().await.is_some() {} };
        finished = tokio::time::timeout(opts.deadline, all_done).await.is_ok();
        tasks.abort_all();
    }

    let mut results = std::mem::take(&mut *results.lock().unwrap_or_else(|p| p.into_inner()));
    keys.into_iter()
        .map(|k| {
            let v = results.remove(&k).unwrap_or_else(|| {
                let why = if finished {
                    "not judged: internal error".to_string()
                } else {
                    format!(
                        "not judged: the overall deadline of {} ran out",
                        human_duration(opts.deadline)
                    )
                };
                Verdict::new(Status::Unknown, why)
                    .in_account(account::decode_account(&k.access_key_id).as_deref())
            });
            (k, v)
        })
        .collect()
}

/// What can be said without any request: malformed ids and canary accounts.
fn offline_verdict(id: &str, canaries: &CanaryAccounts) -> Option<Verdict> {
    if !account::is_key_id(id) {
        return Some(Verdict::new(Status::Invalid, "not an AWS access key id"));
    }
    let acct = account::decode_account(id)?;
    canaries.contains(&acct).then(|| canary_verdict(&acct))
}

fn canary_verdict(acct: &str) -> Verdict {
    Verdict::new(
        Status::Canary,
        "a canary-token (honeytoken) account: the key was not used",
    )
    .in_account(Some(acct))
}

/// What IAM says about a key id in the auditor's own account.
enum IamView {
    Deleted,
    Key {
        active: bool,
        status: String,
        user: String,
        last_used: Option<String>,
    },
}

/// The caller's own credentials, once they are known to work.
struct Auditor {
    account: String,
    sts: aws_sdk_sts::Client,
    iam: aws_sdk_iam::Client,
}

struct Judge {
    base: SdkConfig,
    canaries: CanaryAccounts,
    timeout: Duration,
    signature_retry_delay: Duration,
    use_auditor: bool,
    /// Asked at most once per run; `Err` says why there is no auditor.
    auditor: OnceCell<std::result::Result<Auditor, String>>,
}

impl Judge {
    fn describe(&self, f: &CallFailure) -> String {
        match f {
            CallFailure::TimedOut => format!("timed out after {}", human_duration(self.timeout)),
            CallFailure::Connection(m) => format!("no connection: {m}"),
            CallFailure::Service {
                code,
                message,
                http_status,
            } => match (code, message) {
                (Some(c), Some(m)) => format!("{c}: {m}"),
                (Some(c), None) => c.clone(),
                _ => format!("HTTP {http_status} without an error code"),
            },
            CallFailure::Other(m) => m.clone(),
        }
    }

    async fn auditor(&self) -> std::result::Result<&Auditor, String> {
        let cell = self
            .auditor
            .get_or_init(|| async {
                if !self.use_auditor {
                    return Err("no auditor credentials".to_string());
                }
                let sts = aws_sdk_sts::Client::new(&self.base);
                match sts.get_caller_identity().send().await {
                    Ok(out) => Ok(Auditor {
                        account: out.account().unwrap_or_default().to_string(),
                        sts,
                        iam: aws_sdk_iam::Client::new(&self.base),
                    }),
                    Err(e) => Err(format!(
                        "no usable auditor credentials ({})",
                        self.describe(&client::classify(&e))
                    )),
                }
            })
            .await;
        cell.as_ref().map_err(Clone::clone)
    }

    async fn judge_id(&self, id: &str, secrets: &[Option<String>]) -> Vec<Verdict> {
        let all = |v: Verdict| vec![v; secrets.len()];

        // Step 1: the account. Old ids ask STS with the auditor's credentials.
        let acct = match account::decode_account(id) {
            Some(a) => a,
            None => {
                let looked_up = match self.auditor().await {
                    Ok(a) => match a.sts.get_access_key_info().access_key_id(id).send().await {
                        Ok(out) => out
                            .account()
                            .map(str::to_string)
                            .ok_or_else(|| "sts:GetAccessKeyInfo named no account".to_string()),
                        Err(e) => Err(format!(
                            "sts:GetAccessKeyInfo: {}",
                            self.describe(&client::classify(&e))
                        )),
                    },
                    Err(why) => Err(why),
                };
                match looked_up {
                    Ok(a) => a,
                    Err(why) => {
                        return all(Verdict::new(
                            Status::Unknown,
                            format!(
                                "old-format key id, account unknown ({why}); not used, in case it is a canary"
                            ),
                        ))
                    }
                }
            }
        };
        let in_acct = Some(acct.as_str());

        // Step 2: canaries are never used.
        if self.canaries.contains(&acct) {
            return all(canary_verdict(&acct));
        }
        if !account::is_long_term(id) {
            return all(
                Verdict::new(
                    Status::Unknown,
                    format!(
                        "{}… keys are temporary or service-specific credentials; they cannot be tested without their session token",
                        &id[..4]
                    ),
                )
                .in_account(in_acct),
            );
        }

        // Step 3: IAM, with the auditor's credentials for this very account.
        let iam = match self.auditor().await {
            Ok(a) if a.account == acct => self
                .iam_view(a, id)
                .await
                .map_err(|f| format!("IAM could not tell ({})", self.describe(&f))),
            Ok(a) => Err(format!(
                "the auditor credentials are for account {}, not {acct}",
                a.account
            )),
            Err(why) => Err(why),
        };
        let (iam_user, iam_last_used) = match &iam {
            Ok(IamView::Deleted) => {
                return all(Verdict::new(Status::Invalid, "deleted").in_account(in_acct))
            }
            Ok(IamView::Key {
                active: false,
                status,
                user,
                last_used,
            }) => {
                let mut v = Verdict::new(
                    Status::Inactive,
                    format!("{} in IAM", status.to_ascii_lowercase()),
                )
                .in_account(in_acct);
                v.user = Some(user.clone());
                v.last_used = last_used.clone();
                return all(v);
            }
            Ok(IamView::Key {
                user, last_used, ..
            }) => (Some(user.clone()), last_used.clone()),
            Err(_) => (None, None),
        };

        // Step 4: the found pair itself.
        let mut out = Vec::with_capacity(secrets.len());
        for secret in secrets {
            let mut v = match secret {
                Some(s) => self.try_pair(id, s).await,
                None => match &iam {
                    Ok(_) => Verdict::new(
                        Status::Unknown,
                        "active in IAM; no full secret was available to test it with",
                    ),
                    Err(why) => Verdict::new(
                        Status::Unknown,
                        format!("no full secret was available to test it with, and {why}"),
                    ),
                },
            }
            .in_account(in_acct);
            if v.user.is_none() {
                v.user = iam_user.clone();
            }
            if v.last_used.is_none() {
                v.last_used = iam_last_used.clone();
            }
            out.push(v);
        }
        // Step 5: what a live key can do, read once per key id with the auditor's IAM access.
        if let (Some(user), Ok(a)) = (&iam_user, self.auditor().await) {
            if a.account == acct && out.iter().any(|v| v.status == Status::Live) {
                let access = crate::keys::user_access(&a.iam, user).await;
                for v in out.iter_mut().filter(|v| v.status == Status::Live) {
                    v.access = Some(access.clone());
                }
            }
        }
        out
    }

    /// `GetAccessKeyLastUsed` names the owner (or `NoSuchEntity`: deleted), then
    /// `ListAccessKeys(owner)` gives the key's status.
    async fn iam_view(&self, a: &Auditor, id: &str) -> std::result::Result<IamView, CallFailure> {
        let used = match a
            .iam
            .get_access_key_last_used()
            .access_key_id(id)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) => {
                let f = client::classify(&e);
                return if f.code() == Some("NoSuchEntity") {
                    Ok(IamView::Deleted)
                } else {
                    Err(f)
                };
            }
        };
        let Some(user) = used.user_name().map(str::to_string) else {
            return Err(CallFailure::Other(
                "iam:GetAccessKeyLastUsed named no owner".into(),
            ));
        };
        let last_used = used
            .access_key_last_used()
            .and_then(|l| l.last_used_date())
            .and_then(|d| d.fmt(DateTimeFormat::DateTime).ok());
        let keys = a
            .iam
            .list_access_keys()
            .user_name(&user)
            .send()
            .await
            .map_err(|e| client::classify(&e))?;
        Ok(
            match keys
                .access_key_metadata()
                .iter()
                .find(|m| m.access_key_id() == Some(id))
            {
                None => IamView::Deleted,
                Some(m) => IamView::Key {
                    active: m.status() == Some(&StatusType::Active),
                    status: m
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_else(|| "no status".into()),
                    user,
                    last_used,
                },
            },
        )
    }

    /// `sts:GetCallerIdentity` signed with the found pair (needs no permission).
    async fn try_pair(&self, id: &str, secret: &str) -> Verdict {
        let sts = aws_sdk_sts::Client::new(&client::with_key(&self.base, id, secret));
        let mut retried = false;
        loop {
            let failure = match sts.get_caller_identity().send().await {
                Ok(out) => {
                    let arn = out.arn().map(str::to_string);
                    let mut v = Verdict::new(
                        Status::Live,
                        "the key works (sts:GetCallerIdentity succeeded)",
                    )
                    .in_account(out.account());
                    v.user = arn.as_deref().and_then(user_from_arn);
                    v.arn = arn;
                    return v;
                }
                Err(e) => client::classify(&e),
            };
            return match failure.code() {
                // AWS can answer this wrongly for two secrets of one id signed seconds apart.
                Some("SignatureDoesNotMatch") if !retried => {
                    retried = true;
                    tokio::time::sleep(self.signature_retry_delay).await;
                    continue;
                }
                Some("SignatureDoesNotMatch") => {
                    Verdict::new(Status::Invalid, "wrong secret for an existing key id")
                }
                Some("InvalidClientTokenId") => Verdict::new(
                    Status::Invalid,
                    "AWS does not know this key id (deleted, deactivated, or never existed)",
                ),
                Some(c) if is_throttling(c) => {
                    Verdict::new(Status::Unknown, format!("throttled by AWS ({c})"))
                }
                _ => Verdict::new(Status::Unknown, self.describe(&failure)),
            };
        }
    }
}

/// `arn:aws:iam::123456789012:user/path/alice` → `alice`; the root user → `root`.
fn user_from_arn(arn: &str) -> Option<String> {
    let resource = arn.splitn(6, ':').nth(5)?;
    if resource == "root" {
        return Some("root".into());
    }
    resource
        .strip_prefix("user/")
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_names_come_from_user_arns_only() {
        assert_eq!(
            user_from_arn("arn:aws:iam::123456789012:user/ops/alice").as_deref(),
            Some("alice")
        );
        assert_eq!(
            user_from_arn("arn:aws:iam::123456789012:root").as_deref(),
            Some("root")
        );
        assert_eq!(
            user_from_arn("arn:aws:sts::123456789012:assumed-role/r/s"),
            None
        );
    }

    #[test]
    fn malformed_ids_are_invalid_offline() {
        let v = offline_verdict("AKIA0000", &CanaryAccounts::default()).unwrap();
        assert_eq!(v.status, Status::Invalid);
    }
}
