//! The read-only part of a rotation: every check and refusal, and what the run will do.

use super::iam::{last_used, list_keys, quarantine_policies, KeyInfo};
use super::secret::{current_pair, secret_owner, SecretState};
use super::{
    account_of_key_id, check_key_id, default_secret_name, fmt_time, is_canary, KeyPair, Plan,
    Result, RotateError, RotateOptions, RotationRecord, CLOCK_SKEW_SECS,
};
use crate::fix_client::FixClients;
use crate::journal::Journal;
use crate::sdk_error::call;

/// Check everything and find out what to do, without changing anything. Refusals come from
/// here. A canary key is refused before any request is sent.
pub async fn plan(c: &FixClients, journal: &Journal, opts: &RotateOptions) -> Result<Plan> {
    let mut p = plan_keys(c, journal, opts).await?;
    if p.already_done.is_none() {
        p.quarantine = quarantine_policies(c, &p.user).await?;
        p.detach_quarantine =
            opts.detach_quarantine || p.resume.as_ref().is_some_and(|r| r.detach_quarantine);
    }
    Ok(p)
}

async fn plan_keys(c: &FixClients, journal: &Journal, opts: &RotateOptions) -> Result<Plan> {
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
        .map_err(call("sts:GetCallerIdentity (your credentials)"))?;
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
            quarantine: Vec::new(),
            detach_quarantine: false,
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
            quarantine: Vec::new(),
            detach_quarantine: false,
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
        quarantine: Vec::new(),
        detach_quarantine: false,
    })
}

/// The user's keys other than the old one, as this rotation's journal sees them.
pub(super) struct SortedKeys {
    /// A key of the user is stored in the secret: no new key is needed.
    pub(super) stored: bool,
    /// Created by this rotation (journaled), not stored: deleted before a new key is made.
    pub(super) orphans: Vec<String>,
    /// Anyone else's (or possibly ours, but never journaled): never touched.
    foreign: Vec<KeyInfo>,
}

pub(super) fn sort_keys(
    keys: &[KeyInfo],
    rec: &RotationRecord,
    stored: Option<&KeyPair>,
) -> SortedKeys {
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
    pub(super) fn refuse_foreign(&self, rec: &RotationRecord) -> Result<()> {
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
