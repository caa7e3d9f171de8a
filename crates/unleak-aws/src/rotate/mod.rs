//! `unleak rotate`: replace a leaked IAM access key with a new one stored in Secrets Manager,
//! through a durable journal, so that a crash at any step is resumed by re-running the command
//! and the user never ends with no working key or a new key whose secret is lost.
//!
//! The sequence (each step safe to repeat):
//! 1. journal {user, old key, secret name, start time, the user's keys} — before any change;
//! 2. `CreateSecret` without a value, tagged with the old key id (an existing secret is reused
//!    only if its tag says it is this rotation's, or it holds the old key: a chained rotation);
//! 3. if `AWSCURRENT` already holds a key of the user that still exists, go to 6;
//! 4. delete the keys this rotation journaled as created whose secret was never stored (a
//!    crash lost it); any other key is not ours and is never touched: with one there is no
//!    room for a new key, so the run stops with what to do. Then journal "creating a key",
//!    `CreateAccessKey`, and journal the new key's id at once;
//! 5. at once `PutSecretValue` with the token `unleak-rotate-<new key id>`, read it back;
//! 6. `GetCallerIdentity` signed with the new key, with backoff while it propagates;
//! 7. deactivate, then (unless kept) delete the old key; journal done.

//!
//! Parts: `plan` (read-only checks and refusals), `execute` (the journaled steps), `iam` (the
//! user's keys), `secret` (the rotation's secret, on the shared `crate::secrets` calls), `step`
//! (the typed steps the journal and the failpoints share).

mod execute;
mod iam;
mod plan;
mod secret;
mod step;

use serde::{Deserialize, Serialize};

use crate::journal::{Journal, JournalError};
use crate::sdk_error::CallError;

pub use execute::execute;
pub use plan::plan;
pub use step::Step;

/// The tag that ties a secret to the rotation of one old key.
pub const TAG_ROTATED_KEY: &str = "unleak:rotated-key-id";
/// A key created this long before a journaled "creating a key" still counts as possibly made
/// by that attempt (clock skew between this machine and IAM); only for wording the refusal.
const CLOCK_SKEW_SECS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("`{0}` is not an IAM user access key id (AKIA followed by 16 of A-Z and 2-7)")]
    BadKeyId(String),
    #[error("{0} is a temporary (ASIA) key: it expires by itself and cannot be rotated; revoke the role's sessions instead")]
    Temporary(String),
    #[error("refusing: {key} belongs to account {account}, a known canary (honeytoken) account; touching it alerts whoever planted it. Nothing was changed")]
    Canary { key: String, account: String },
    #[error("refusing: {key} belongs to account {key_account}, but your credentials are for account {auditor_account}; use --profile with credentials for {key_account}. Nothing was changed")]
    OtherAccount {
        key: String,
        key_account: String,
        auditor_account: String,
    },
    #[error("refusing: access key {key} was not found in account {account} (already deleted, or it belongs to another account). Nothing was changed")]
    KeyNotFound { key: String, account: String },
    #[error("refusing: IAM user `{user}` was not found in account {account}. Nothing was changed")]
    UserNotFound { user: String, account: String },
    #[error("refusing: access key {key} is not a key of IAM user `{user}`. Nothing was changed")]
    NotUsersKey { key: String, user: String },
    #[error("refusing: IAM user `{user}` already has two access keys ({key} and {other}) and AWS allows two, so no new key can be made; delete {other} if nothing uses it, then re-run. Nothing was changed")]
    TwoKeys {
        user: String,
        key: String,
        other: String,
    },
    #[error("refusing: secret `{name}` already exists and is not unleak's secret for {key}; choose another --secret-name. Nothing was changed")]
    SecretTaken { name: String, key: String },
    #[error("an unfinished rotation of {key} is journaled for user `{journal_user}` and secret `{journal_secret}`; re-run without --user/--secret-name (or with those) to resume it")]
    JournalMismatch {
        key: String,
        journal_user: String,
        journal_secret: String,
    },
    #[error("refusing: IAM user `{user}` has access key {key} (created {created}) that this rotation of {old} did not create{hint}. unleak deletes only keys it journaled as its own, and AWS allows two keys per user, so no new key can be made. If nothing uses {key}, delete it (aws iam delete-access-key --user-name {user} --access-key-id {key}) and re-run `unleak rotate {old}`. Nothing was changed")]
    NotOurKey {
        user: String,
        key: String,
        old: String,
        created: String,
        hint: String,
    },
    #[error("Secrets Manager returned a different value for version {version} of `{name}` than was stored; the old key is untouched. Re-run to resume")]
    ReadBackMismatch { name: String, version: String },
    #[error("secret `{name}` holds a value unleak did not write (not {{\"AccessKeyId\", \"SecretAccessKey\"}} JSON); the old key is untouched")]
    ForeignValue { name: String },
    #[error("the new key {new_key} (stored in `{name}`) did not work after {attempts} attempts: {last}. The old key is untouched; re-run `unleak rotate {old_key}` later to resume")]
    NewKeyNotWorking {
        new_key: String,
        name: String,
        old_key: String,
        attempts: usize,
        last: String,
    },
    #[error("AWS {op} failed: {message}")]
    Aws { op: &'static str, message: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

type Result<T> = std::result::Result<T, RotateError>;

impl From<CallError> for RotateError {
    fn from(e: CallError) -> Self {
        RotateError::Aws {
            op: e.op,
            message: e.message,
        }
    }
}

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct RotateOptions {
    pub old_key_id: String,
    pub user: Option<String>,
    pub secret_name: Option<String>,
    pub keep_old_inactive: bool,
    /// Detach the user's quarantine policies as the last journaled step.
    pub detach_quarantine: bool,
    /// Canary accounts beyond the built-in list (self-hosted canaries).
    pub extra_canary_accounts: Vec<String>,
}

/// The journal record of one rotation. No secret values: ids, names and times only.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct RotationRecord {
    pub version: u32,
    pub account: String,
    pub user: String,
    pub old_key_id: String,
    pub secret_name: String,
    /// Unix seconds, written before any change.
    pub started_at: i64,
    /// The user's key ids when the rotation started.
    pub keys_before: Vec<String>,
    /// Keys this rotation made, journaled the moment `CreateAccessKey` answered: the only keys
    /// besides the old one that it may ever delete (a key made after the journal started may
    /// be anyone's: an administrator's, another tool's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub created_keys: Vec<String>,
    /// Set durably just before `CreateAccessKey`, cleared once the new key's id is journaled:
    /// if a crash falls in between, a key made then may be ours but cannot be proved to be.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creating_key_since: Option<i64>,
    pub keep_old_inactive: bool,
    /// `--detach-quarantine` was asked for: the last step detaches the quarantine policies.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub detach_quarantine: bool,
    /// The last step completed, for `--status`.
    pub step: Step,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_key_id: Option<String>,
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
}

/// Where and when the old key was last used: the applications to move to the new key.
#[derive(Clone, Debug, PartialEq)]
pub struct LastUsed {
    pub service: String,
    pub region: String,
    pub date: Option<String>,
}

/// What `plan` found, read-only: enough to print what will happen, and to run it.
#[derive(Clone, Debug)]
pub struct Plan {
    pub account: String,
    pub user: String,
    pub old_key_id: String,
    /// `Active`, `Inactive`, or `None` when the key is already gone (resuming).
    pub old_key_status: Option<String>,
    pub secret_name: String,
    pub secret_exists: bool,
    pub keep_old_inactive: bool,
    pub last_used: Option<LastUsed>,
    /// An unfinished rotation of this key, to be resumed.
    pub resume: Option<RotationRecord>,
    /// A finished rotation of this key: nothing to do.
    pub already_done: Option<RotationRecord>,
    /// Keys to delete before the new one is made: this rotation created them (journaled) and
    /// their secret was never stored.
    pub orphans: Vec<String>,
    /// AWS's quarantine policies attached to the user (it saw one of its keys exposed).
    pub quarantine: Vec<Quarantine>,
    /// Detach them as the last step (`--detach-quarantine`).
    pub detach_quarantine: bool,
    keys_before: Vec<String>,
}

/// A quarantine policy on the key's user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quarantine {
    pub name: String,
    pub arn: String,
}

impl Plan {
    /// The steps, in words, for `--dry-run` and the confirmation prompt.
    pub fn describe(&self) -> Vec<String> {
        if let Some(r) = &self.already_done {
            return vec![format!(
                "nothing: {} was already rotated (new key {} in secret `{}`)",
                r.old_key_id,
                r.new_key_id.as_deref().unwrap_or("?"),
                r.secret_name
            )];
        }
        let mut v = Vec::new();
        if let Some(r) = &self.resume {
            v.push(format!(
                "resume the unfinished rotation started at {} (last step: {})",
                fmt_time(r.started_at),
                r.step
            ));
        } else {
            v.push("journal the rotation in the state directory".to_string());
        }
        v.push(if self.secret_exists {
            format!("reuse Secrets Manager secret `{}`", self.secret_name)
        } else {
            format!(
                "create Secrets Manager secret `{}` (tagged {TAG_ROTATED_KEY}={})",
                self.secret_name, self.old_key_id
            )
        });
        for k in &self.orphans {
            v.push(format!(
                "delete access key {k}: the interrupted run created it (journaled) and its secret was never stored"
            ));
        }
        v.push(format!(
            "create a new access key for IAM user `{}` and store it in `{}` at once (unless a stored new key exists)",
            self.user, self.secret_name
        ));
        v.push("check the new key works (sts:GetCallerIdentity signed with it)".to_string());
        match self.old_key_status.as_deref() {
            None => v.push(format!(
                "nothing more for the old key {}: it is already deleted",
                self.old_key_id
            )),
            Some(_) => {
                v.push(format!("deactivate the old key {}", self.old_key_id));
                if !self.keep_old_inactive {
                    v.push(format!("delete the old key {}", self.old_key_id));
                }
            }
        }
        if self.detach_quarantine {
            for q in &self.quarantine {
                v.push(format!(
                    "detach the quarantine policy {} from IAM user `{}` (last: the user is then no longer restricted)",
                    q.name, self.user
                ));
            }
        }
        v
    }

    /// What to know about a quarantined user before saying yes, with the exact command.
    pub fn quarantine_notes(&self) -> Vec<String> {
        if self.quarantine.is_empty() || self.already_done.is_some() {
            return Vec::new();
        }
        let names: Vec<&str> = self.quarantine.iter().map(|q| q.name.as_str()).collect();
        let mut v = vec![format!(
            "IAM user `{}` is quarantined by AWS ({}): AWS saw one of its keys exposed.",
            self.user,
            names.join(", ")
        )];
        if self.detach_quarantine {
            v.push("  --detach-quarantine: the policy is detached as the last step, once the old key is off.".into());
            return v;
        }
        v.push("  The quarantine stays on the user after the rotation, so the new key is restricted too, until a person who has investigated detaches it:".into());
        for q in &self.quarantine {
            v.push(format!(
                "    aws iam detach-user-policy --user-name {} --policy-arn {}",
                self.user, q.arn
            ));
        }
        v.push(
            "  (or re-run with --detach-quarantine to do it as the last step of the rotation)"
                .into(),
        );
        v
    }
}

/// What a finished rotation did.
#[derive(Clone, Debug)]
pub struct RotateReport {
    pub account: String,
    pub user: String,
    pub old_key_id: String,
    pub new_key_id: String,
    pub secret_name: String,
    pub secret_arn: String,
    /// The old key was deleted (else: left inactive).
    pub old_key_deleted: bool,
    pub last_used: Option<LastUsed>,
    pub resumed: bool,
}

/// The stored value: the new key pair as JSON. Its Debug never shows the secret.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
struct KeyPair {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: String,
}

impl std::fmt::Debug for KeyPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyPair({}, ***)", self.access_key_id)
    }
}

/// The unfinished rotations in the journal.
pub fn unfinished(journal: &Journal) -> Result<Vec<RotationRecord>> {
    Ok(journal
        .list::<RotationRecord>()?
        .into_iter()
        .filter(|r| !r.done)
        .collect())
}

/// `unleak/iam-user/<user>`: one place per user that applications read.
pub fn default_secret_name(user: &str) -> String {
    format!("unleak/iam-user/{user}")
}

fn check_key_id(id: &str) -> Result<()> {
    let ok_tail = |t: &str| {
        t.len() == 16
            && t.bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    };
    if id.len() == 20 && id.starts_with("ASIA") && ok_tail(&id[4..]) {
        return Err(RotateError::Temporary(id.to_string()));
    }
    if id.len() == 20 && id.starts_with("AKIA") && ok_tail(&id[4..]) {
        return Ok(());
    }
    Err(RotateError::BadKeyId(id.to_string()))
}

/// The account a new-format key id encodes (offline; None for old-format ids).
pub fn account_of_key_id(id: &str) -> Option<String> {
    crate::account::decode_account(id)
}

fn is_canary(account: &str, extra: &[String]) -> bool {
    crate::canary::CanaryAccounts::new(extra.iter().cloned()).contains(account)
}

/// Unix seconds as RFC 3339 (UTC).
pub fn fmt_time(secs: i64) -> String {
    aws_sdk_iam::primitives::DateTime::from_secs(secs)
        .fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
        .unwrap_or_else(|_| secs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canary_list() {
        assert!(is_canary("052310077262", &[]));
        assert!(!is_canary("123456789012", &[]));
        assert!(is_canary("123456789012", &["123456789012".into()]));
    }

    #[test]
    fn key_ids_are_checked() {
        assert!(check_key_id("AKIAQAAAAAAAAAAAAAAA").is_ok());
        assert!(matches!(
            check_key_id("ASIAQAAAAAAAAAAAAAAA"),
            Err(RotateError::Temporary(_))
        ));
        assert!(matches!(
            check_key_id("AKIA1234"),
            Err(RotateError::BadKeyId(_))
        ));
        assert!(matches!(
            check_key_id("akiaqylpmn5hhhfpzam2"),
            Err(RotateError::BadKeyId(_))
        ));
    }

    #[test]
    fn key_pair_debug_hides_the_secret() {
        let p = KeyPair {
            access_key_id: "test-key-id".into(),
            secret_access_key: "s3cr3t-value-never-shown".into(),
        };
        assert!(!format!("{p:?}").contains("s3cr3t"));
    }
}
