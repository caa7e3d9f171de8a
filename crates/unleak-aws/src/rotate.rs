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

use std::time::Duration;

use aws_sdk_iam::types::StatusType;
use serde::{Deserialize, Serialize};

use crate::failpoint;
use crate::fix_client::{describe, error_code, FixClients, SdkError};
use crate::journal::{now_secs, Journal, JournalError};

/// The tag that ties a secret to the rotation of one old key.
pub const TAG_ROTATED_KEY: &str = "unleak:rotated-key-id";
/// A key created this long before a journaled "creating a key" still counts as possibly made
/// by that attempt (clock skew between this machine and IAM); only for wording the refusal.
const CLOCK_SKEW_SECS: i64 = 300;
/// Waits between attempts to use the new key (IAM is eventually consistent).
const VERIFY_BACKOFF_SECS: [u64; 7] = [0, 1, 2, 4, 8, 15, 30];

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

fn aws<E>(op: &'static str) -> impl FnOnce(SdkError<E>) -> RotateError
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    move |e| RotateError::Aws {
        op,
        message: describe(&e),
    }
}

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct RotateOptions {
    pub old_key_id: String,
    pub user: Option<String>,
    pub secret_name: Option<String>,
    pub keep_old_inactive: bool,
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
    /// The last step completed, for `--status`.
    pub step: String,
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
    keys_before: Vec<String>,
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

/// Check everything and find out what to do, without changing anything. Refusals come from
/// here. A canary key is refused before any request is sent.
pub async fn plan(c: &FixClients, journal: &Journal, opts: &RotateOptions) -> Result<Plan> {
    let old = opts.old_key_id.trim().to_string();
    check_key_id(&old)?;
    let key_account = account_of_key_id(&old);
    if let Some(a) = &key_account {
        if is_canary(a, &opts.extra_canary_accounts) {
            return Err(RotateError::Canary {
                key: old,
                account: a.clone(),
            });
        }
    }
    let me = c
        .sts
        .get_caller_identity()
        .send()
        .await
        .map_err(aws("sts:GetCallerIdentity (your credentials)"))?;
    let account = me.account().unwrap_or_default().to_string();
    if let Some(ka) = &key_account {
        if !account.is_empty() && *ka != account {
            return Err(RotateError::OtherAccount {
                key: old,
                key_account: ka.clone(),
                auditor_account: account,
            });
        }
    }

    let record: Option<RotationRecord> = journal.load(&old)?;
    if let Some(r) = record.as_ref().filter(|r| r.done) {
        return Ok(Plan {
            account,
            user: r.user.clone(),
            old_key_id: old,
            old_key_status: None,
            secret_name: r.secret_name.clone(),
            secret_exists: true,
            keep_old_inactive: r.keep_old_inactive,
            last_used: None,
            resume: None,
            already_done: Some(r.clone()),
            orphans: Vec::new(),
            keys_before: r.keys_before.clone(),
        });
    }
    let last_used = last_used(c, &old).await?;

    if let Some(r) = record {
        let mismatch = opts.user.as_ref().is_some_and(|u| *u != r.user)
            || opts
                .secret_name
                .as_ref()
                .is_some_and(|s| *s != r.secret_name);
        if mismatch {
            return Err(RotateError::JournalMismatch {
                key: old,
                journal_user: r.user,
                journal_secret: r.secret_name,
            });
        }
        let keys = list_keys(c, &r.user, &account).await?;
        let status = keys.iter().find(|k| k.id == old).map(|k| k.status.clone());
        let secret_exists = !matches!(
            secret_owner(c, &r.secret_name, &old).await?,
            SecretState::Absent
        );
        let stored = if secret_exists {
            current_pair(c, &r.secret_name).await?
        } else {
            None
        };
        let sorted = sort_keys(&keys, &r, stored.as_ref());
        if !sorted.stored {
            sorted.refuse_foreign(&r)?;
        }
        return Ok(Plan {
            orphans: if sorted.stored {
                Vec::new()
            } else {
                sorted.orphans
            },
            account,
            user: r.user.clone(),
            old_key_id: old,
            old_key_status: status,
            secret_name: r.secret_name.clone(),
            secret_exists,
            keep_old_inactive: r.keep_old_inactive || opts.keep_old_inactive,
            last_used: last_used.and_then(|(_, lu)| lu),
            keys_before: r.keys_before.clone(),
            resume: Some(r),
            already_done: None,
        });
    }

    // A fresh rotation: the key must exist, belong to the user, and leave room for a new one.
    let owner = last_used.as_ref().map(|(u, _)| u.clone());
    let user = match (&opts.user, &owner) {
        (Some(u), Some(o)) if u != o => {
            return Err(RotateError::NotUsersKey {
                key: old,
                user: u.clone(),
            })
        }
        (Some(u), _) => u.clone(),
        (None, Some(o)) => o.clone(),
        (None, None) => return Err(RotateError::KeyNotFound { key: old, account }),
    };
    let keys = list_keys(c, &user, &account).await?;
    let Some(this) = keys.iter().find(|k| k.id == old) else {
        return Err(if owner.is_some() {
            RotateError::NotUsersKey { key: old, user }
        } else {
            RotateError::KeyNotFound { key: old, account }
        });
    };
    if let Some(other) = keys.iter().find(|k| k.id != old) {
        return Err(RotateError::TwoKeys {
            user,
            key: old,
            other: other.id.clone(),
        });
    }
    let secret_name = opts
        .secret_name
        .clone()
        .unwrap_or_else(|| default_secret_name(&user));
    let secret_exists = match secret_owner(c, &secret_name, &old).await? {
        SecretState::Absent => false,
        SecretState::Ours | SecretState::Chained => true,
        SecretState::Foreign => {
            return Err(RotateError::SecretTaken {
                name: secret_name,
                key: old,
            })
        }
    };
    Ok(Plan {
        account,
        user,
        old_key_status: Some(this.status.clone()),
        old_key_id: old,
        secret_name,
        secret_exists,
        keep_old_inactive: opts.keep_old_inactive,
        last_used: last_used.and_then(|(_, lu)| lu),
        resume: None,
        already_done: None,
        orphans: Vec::new(),
        keys_before: keys.iter().map(|k| k.id.clone()).collect(),
    })
}

/// The user's keys other than the old one, as this rotation's journal sees them.
struct SortedKeys {
    /// A key of the user is stored in the secret: no new key is needed.
    stored: bool,
    /// Created by this rotation (journaled), not stored: deleted before a new key is made.
    orphans: Vec<String>,
    /// Anyone else's (or possibly ours, but never journaled): never touched.
    foreign: Vec<KeyInfo>,
}

fn sort_keys(keys: &[KeyInfo], rec: &RotationRecord, stored: Option<&KeyPair>) -> SortedKeys {
    let stored_id = stored
        .map(|p| p.access_key_id.as_str())
        .filter(|id| *id != rec.old_key_id && keys.iter().any(|k| k.id == *id));
    let mut out = SortedKeys {
        stored: stored_id.is_some(),
        orphans: Vec::new(),
        foreign: Vec::new(),
    };
    for k in keys {
        if k.id == rec.old_key_id || Some(k.id.as_str()) == stored_id {
            continue;
        }
        if rec.created_keys.contains(&k.id) {
            out.orphans.push(k.id.clone());
        } else {
            out.foreign.push(k.clone());
        }
    }
    out
}

impl SortedKeys {
    /// A new key is needed: a key that is not provably ours leaves no room for it (AWS allows
    /// two), and deleting it could break whoever made it, so stop and say what to do.
    fn refuse_foreign(&self, rec: &RotationRecord) -> Result<()> {
        let Some(k) = self.foreign.first() else {
            return Ok(());
        };
        let hint = match (rec.creating_key_since, k.created) {
            (Some(since), created) if created.is_none_or(|t| t >= since - CLOCK_SKEW_SECS) => {
                format!(
                    " (it may be the key an interrupted run was creating at {}, whose id never reached the journal)",
                    fmt_time(since)
                )
            }
            _ => String::new(),
        };
        Err(RotateError::NotOurKey {
            user: rec.user.clone(),
            key: k.id.clone(),
            old: rec.old_key_id.clone(),
            created: k
                .created
                .map_or_else(|| "at an unknown time".into(), fmt_time),
            hint,
        })
    }
}

/// `unleak/iam-user/<user>`: one place per user that applications read.
pub fn default_secret_name(user: &str) -> String {
    format!("unleak/iam-user/{user}")
}

/// Run the plan. `progress` hears one line per change made (never a secret).
pub async fn execute(
    c: &FixClients,
    journal: &Journal,
    plan: &Plan,
    progress: &mut dyn FnMut(&str),
) -> Result<RotateReport> {
    if let Some(r) = &plan.already_done {
        return Ok(RotateReport {
            account: r.account.clone(),
            user: r.user.clone(),
            old_key_id: r.old_key_id.clone(),
            new_key_id: r.new_key_id.clone().unwrap_or_default(),
            secret_name: r.secret_name.clone(),
            secret_arn: r.secret_arn.clone().unwrap_or_default(),
            old_key_deleted: !r.keep_old_inactive,
            last_used: None,
            resumed: false,
        });
    }
    let old = plan.old_key_id.as_str();
    let user = plan.user.as_str();
    let name = plan.secret_name.as_str();

    // 1. Journal, durably, before any change.
    let mut rec = match &plan.resume {
        Some(r) => r.clone(),
        None => {
            let r = RotationRecord {
                version: 2,
                account: plan.account.clone(),
                user: user.to_string(),
                old_key_id: old.to_string(),
                secret_name: name.to_string(),
                started_at: now_secs(),
                keys_before: plan.keys_before.clone(),
                created_keys: Vec::new(),
                creating_key_since: None,
                keep_old_inactive: plan.keep_old_inactive,
                step: "journaled".into(),
                secret_arn: None,
                new_key_id: None,
                done: false,
                finished_at: None,
            };
            journal.save(old, &r)?;
            progress(&format!(
                "journaled the rotation in {}",
                journal.path_of(old).display()
            ));
            r
        }
    };
    rec.keep_old_inactive = plan.keep_old_inactive;
    failpoint::hit("after-journal");

    // 2. The secret, without a value.
    let arn = ensure_secret(c, name, old, user, progress).await?;
    if rec.secret_arn.as_deref() != Some(arn.as_str()) {
        rec.secret_arn = Some(arn.clone());
        rec.step = "secret-ready".into();
        journal.save(old, &rec)?;
    }
    failpoint::hit("after-create-secret");

    // 3. A stored new key that still exists wins: never make a second one.
    let keys = list_keys(c, user, &plan.account).await?;
    let stored = current_pair(c, name).await?;
    let sorted = sort_keys(&keys, &rec, stored.as_ref());
    let stored = stored.filter(|_| sorted.stored);
    let pair = match stored {
        Some(p) => {
            progress(&format!(
                "found the new key {} already stored in `{name}`",
                p.access_key_id
            ));
            p
        }
        None => {
            // 4. Orphans first (ours, journaled; a crash lost their secret), then the new key.
            sorted.refuse_foreign(&rec)?;
            for k in &sorted.orphans {
                if delete_key(c, user, k).await? {
                    progress(&format!(
                        "deleted orphan key {k} (created by an interrupted run, journaled; its secret was never stored)"
                    ));
                }
            }
            failpoint::hit("after-delete-orphans");
            rec.creating_key_since = Some(now_secs());
            rec.step = "creating-key".into();
            journal.save(old, &rec)?;
            let out = c
                .iam
                .create_access_key()
                .user_name(user)
                .send()
                .await
                .map_err(aws("iam:CreateAccessKey"))?;
            let key = out.access_key().ok_or(RotateError::Aws {
                op: "iam:CreateAccessKey",
                message: "the answer holds no key".into(),
            })?;
            let pair = KeyPair {
                access_key_id: key.access_key_id().to_string(),
                secret_access_key: key.secret_access_key().to_string(),
            };
            failpoint::hit("before-journal-key");
            // Journaled before anything else, so that a later run can prove the key is ours.
            rec.created_keys.push(pair.access_key_id.clone());
            rec.creating_key_since = None;
            rec.step = "key-created".into();
            journal.save(old, &rec)?;
            progress(&format!("created access key {}", pair.access_key_id));
            failpoint::hit("after-create-key");

            // 5. Store it at once, idempotently, and read it back.
            store_pair(c, name, &pair).await?;
            progress(&format!("stored the new key in `{name}`"));
            pair
        }
    };
    if rec.new_key_id.as_deref() != Some(pair.access_key_id.as_str()) {
        rec.new_key_id = Some(pair.access_key_id.clone());
        rec.step = "new-key-stored".into();
        journal.save(old, &rec)?;
    }

    // 6. The new key must work before the old one goes.
    verify_key(c, &pair, &plan.account, name, old).await?;
    progress(&format!(
        "checked the new key {} works (sts:GetCallerIdentity)",
        pair.access_key_id
    ));
    rec.step = "new-key-verified".into();
    journal.save(old, &rec)?;
    failpoint::hit("after-verify");

    // 7. Retire the old key.
    match c
        .iam
        .update_access_key()
        .user_name(user)
        .access_key_id(old)
        .status(StatusType::Inactive)
        .send()
        .await
    {
        Ok(_) => progress(&format!("deactivated the old key {old}")),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => {}
        Err(e) => return Err(aws("iam:UpdateAccessKey")(e)),
    }
    rec.step = "old-key-inactive".into();
    journal.save(old, &rec)?;
    failpoint::hit("after-deactivate");
    if !plan.keep_old_inactive {
        if delete_key(c, user, old).await? {
            progress(&format!("deleted the old key {old}"));
        } else {
            progress(&format!("the old key {old} was already deleted"));
        }
        failpoint::hit("after-delete-old");
    }
    rec.step = "done".into();
    rec.done = true;
    rec.finished_at = Some(now_secs());
    journal.save(old, &rec)?;

    Ok(RotateReport {
        account: plan.account.clone(),
        user: user.to_string(),
        old_key_id: old.to_string(),
        new_key_id: pair.access_key_id.clone(),
        secret_name: name.to_string(),
        secret_arn: arn,
        old_key_deleted: !plan.keep_old_inactive,
        last_used: plan.last_used.clone(),
        resumed: plan.resume.is_some(),
    })
}

/// One key of a user, as IAM lists it.
#[derive(Clone, Debug)]
struct KeyInfo {
    id: String,
    status: String,
    created: Option<i64>,
}

async fn list_keys(c: &FixClients, user: &str, account: &str) -> Result<Vec<KeyInfo>> {
    let out = match c.iam.list_access_keys().user_name(user).send().await {
        Ok(o) => o,
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => {
            return Err(RotateError::UserNotFound {
                user: user.to_string(),
                account: account.to_string(),
            })
        }
        Err(e) => return Err(aws("iam:ListAccessKeys")(e)),
    };
    Ok(out
        .access_key_metadata()
        .iter()
        .filter_map(|m| {
            Some(KeyInfo {
                id: m.access_key_id()?.to_string(),
                status: m
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                created: m.create_date().map(|d| d.secs()),
            })
        })
        .collect())
}

/// The key's owner and last use; `None` when IAM does not know the key.
async fn last_used(c: &FixClients, key: &str) -> Result<Option<(String, Option<LastUsed>)>> {
    match c
        .iam
        .get_access_key_last_used()
        .access_key_id(key)
        .send()
        .await
    {
        Ok(o) => {
            let lu = o.access_key_last_used().and_then(|u| {
                let service = u.service_name();
                if service.is_empty() || service == "N/A" {
                    return None;
                }
                Some(LastUsed {
                    service: service.to_string(),
                    region: u.region().to_string(),
                    date: u.last_used_date().and_then(|d| {
                        d.fmt(aws_sdk_iam::primitives::DateTimeFormat::DateTime)
                            .ok()
                    }),
                })
            });
            Ok(o.user_name().map(|u| (u.to_string(), lu)))
        }
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => Ok(None),
        Err(e) => Err(aws("iam:GetAccessKeyLastUsed")(e)),
    }
}

/// Delete a key; `false` if it was already gone.
async fn delete_key(c: &FixClients, user: &str, key: &str) -> Result<bool> {
    match c
        .iam
        .delete_access_key()
        .user_name(user)
        .access_key_id(key)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => Ok(false),
        Err(e) => Err(aws("iam:DeleteAccessKey")(e)),
    }
}

enum SecretState {
    Absent,
    /// Tagged with this rotation's old key id.
    Ours,
    /// Holds the old key: an earlier rotation's secret, now rotated again.
    Chained,
    Foreign,
}

async fn secret_owner(c: &FixClients, name: &str, old: &str) -> Result<SecretState> {
    let d = match c.secrets.describe_secret().secret_id(name).send().await {
        Ok(d) => d,
        Err(e) if error_code(&e).as_deref() == Some("ResourceNotFoundException") => {
            return Ok(SecretState::Absent)
        }
        Err(e) => return Err(aws("secretsmanager:DescribeSecret")(e)),
    };
    let tagged = d
        .tags()
        .iter()
        .any(|t| t.key() == Some(TAG_ROTATED_KEY) && t.value() == Some(old));
    if tagged {
        return Ok(SecretState::Ours);
    }
    match current_pair(c, name).await {
        Ok(Some(p)) if p.access_key_id == old => Ok(SecretState::Chained),
        Ok(_) | Err(RotateError::ForeignValue { .. }) => Ok(SecretState::Foreign),
        Err(e) => Err(e),
    }
}

/// Step 2: the secret exists, is ours, and is tagged with the old key id. Returns its ARN.
async fn ensure_secret(
    c: &FixClients,
    name: &str,
    old: &str,
    user: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<String> {
    let tag = |k: &str, v: &str| {
        aws_sdk_secretsmanager::types::Tag::builder()
            .key(k)
            .value(v)
            .build()
    };
    let created = c
        .secrets
        .create_secret()
        .name(name)
        .description(format!(
            "IAM access key of user {user}, rotated by unleak (replaces {old})"
        ))
        .tags(tag(TAG_ROTATED_KEY, old))
        .tags(tag("unleak:iam-user", user))
        .send()
        .await;
    match created {
        Ok(o) => {
            progress(&format!("created secret `{name}`"));
            return Ok(o.arn().unwrap_or_default().to_string());
        }
        Err(e) if error_code(&e).as_deref() == Some("ResourceExistsException") => {}
        Err(e) => return Err(aws("secretsmanager:CreateSecret")(e)),
    }
    match secret_owner(c, name, old).await? {
        SecretState::Ours => {}
        SecretState::Chained => {
            c.secrets
                .tag_resource()
                .secret_id(name)
                .tags(tag(TAG_ROTATED_KEY, old))
                .send()
                .await
                .map_err(aws("secretsmanager:TagResource"))?;
            progress(&format!("re-tagged secret `{name}` for this rotation"));
        }
        SecretState::Absent | SecretState::Foreign => {
            return Err(RotateError::SecretTaken {
                name: name.to_string(),
                key: old.to_string(),
            })
        }
    }
    let d = c
        .secrets
        .describe_secret()
        .secret_id(name)
        .send()
        .await
        .map_err(aws("secretsmanager:DescribeSecret"))?;
    Ok(d.arn().unwrap_or_default().to_string())
}

/// The key pair in `AWSCURRENT`, if the secret has a value.
async fn current_pair(c: &FixClients, name: &str) -> Result<Option<KeyPair>> {
    let out = match c
        .secrets
        .get_secret_value()
        .secret_id(name)
        .version_stage("AWSCURRENT")
        .send()
        .await
    {
        Ok(o) => o,
        Err(e) if error_code(&e).as_deref() == Some("ResourceNotFoundException") => {
            return Ok(None)
        }
        Err(e) => return Err(aws("secretsmanager:GetSecretValue")(e)),
    };
    match out.secret_string() {
        None => Ok(None),
        Some(s) => serde_json::from_str(s)
            .map(Some)
            .map_err(|_| RotateError::ForeignValue {
                name: name.to_string(),
            }),
    }
}

/// Step 5: `PutSecretValue` with a token derived from the key id (a retry with the same value
/// is a no-op, never a second version), then read that version back.
async fn store_pair(c: &FixClients, name: &str, pair: &KeyPair) -> Result<()> {
    let value = serde_json::to_string(pair).expect("a key pair serialises");
    let token = format!("unleak-rotate-{}", pair.access_key_id);
    let put = c
        .secrets
        .put_secret_value()
        .secret_id(name)
        .client_request_token(&token)
        .secret_string(&value)
        .send()
        .await
        .map_err(aws("secretsmanager:PutSecretValue"))?;
    failpoint::hit("after-put-secret");
    let version = put.version_id().unwrap_or(&token).to_string();
    let back = c
        .secrets
        .get_secret_value()
        .secret_id(name)
        .version_id(&version)
        .send()
        .await
        .map_err(aws("secretsmanager:GetSecretValue"))?;
    if back.secret_string() != Some(value.as_str()) {
        return Err(RotateError::ReadBackMismatch {
            name: name.to_string(),
            version,
        });
    }
    Ok(())
}

/// Step 6: `GetCallerIdentity` signed with the new key, with backoff while IAM propagates it.
async fn verify_key(
    c: &FixClients,
    pair: &KeyPair,
    account: &str,
    name: &str,
    old: &str,
) -> Result<()> {
    let sts = c.sts_with_key(&pair.access_key_id, &pair.secret_access_key);
    let mut last = String::new();
    for wait in VERIFY_BACKOFF_SECS {
        tokio::time::sleep(Duration::from_secs(wait)).await;
        match sts.get_caller_identity().send().await {
            Ok(o) if account.is_empty() || o.account() == Some(account) => return Ok(()),
            Ok(o) => {
                last = format!(
                    "it answers for account {}, not {account}",
                    o.account().unwrap_or("?")
                )
            }
            Err(e) => last = describe(&e),
        }
    }
    Err(RotateError::NewKeyNotWorking {
        new_key: pair.access_key_id.clone(),
        name: name.to_string(),
        old_key: old.to_string(),
        attempts: VERIFY_BACKOFF_SECS.len(),
        last,
    })
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
