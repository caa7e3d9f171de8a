//! The IAM side of a rotation: the user's keys, their last use, making, checking and retiring
//! keys.

use std::time::Duration;

use aws_sdk_iam::types::StatusType;

use super::{KeyPair, LastUsed, Quarantine, Result, RotateError};
use crate::fix_client::FixClients;
use crate::sdk_error::{call, describe, error_code};

/// Waits between attempts to use the new key (IAM is eventually consistent).
const VERIFY_BACKOFF_SECS: [u64; 7] = [0, 1, 2, 4, 8, 15, 30];

/// One key of a user, as IAM lists it.
#[derive(Clone, Debug)]
pub(super) struct KeyInfo {
    pub(super) id: String,
    pub(super) status: String,
    pub(super) created: Option<i64>,
}

pub(super) async fn list_keys(c: &FixClients, user: &str, account: &str) -> Result<Vec<KeyInfo>> {
    let out = match c.iam.list_access_keys().user_name(user).send().await {
        Ok(o) => o,
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => {
            return Err(RotateError::UserNotFound {
                user: user.to_string(),
                account: account.to_string(),
            })
        }
        Err(e) => return Err(call("iam:ListAccessKeys")(e).into()),
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
pub(super) async fn last_used(
    c: &FixClients,
    key: &str,
) -> Result<Option<(String, Option<LastUsed>)>> {
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
        Err(e) => Err(call("iam:GetAccessKeyLastUsed")(e).into()),
    }
}

/// Delete a key; `false` if it was already gone.
pub(super) async fn delete_key(c: &FixClients, user: &str, key: &str) -> Result<bool> {
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
        Err(e) => Err(call("iam:DeleteAccessKey")(e).into()),
    }
}

/// `GetCallerIdentity` signed with the new key, with backoff while IAM propagates it.
pub(super) async fn verify_key(
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

/// `CreateAccessKey` for the user: the new pair.
pub(super) async fn create_key(c: &FixClients, user: &str) -> Result<KeyPair> {
    let out = c
        .iam
        .create_access_key()
        .user_name(user)
        .send()
        .await
        .map_err(call("iam:CreateAccessKey"))?;
    let key = out.access_key().ok_or(RotateError::Aws {
        op: "iam:CreateAccessKey",
        message: "the answer holds no key".into(),
    })?;
    Ok(KeyPair {
        access_key_id: key.access_key_id().to_string(),
        secret_access_key: key.secret_access_key().to_string(),
    })
}

/// Deactivate a key; `false` if it was already gone.
pub(super) async fn deactivate_key(c: &FixClients, user: &str, key: &str) -> Result<bool> {
    match c
        .iam
        .update_access_key()
        .user_name(user)
        .access_key_id(key)
        .status(StatusType::Inactive)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => Ok(false),
        Err(e) => Err(call("iam:UpdateAccessKey")(e).into()),
    }
}

/// The user's attached quarantine policies (`AWSCompromisedKeyQuarantine*`).
pub(super) async fn quarantine_policies(c: &FixClients, user: &str) -> Result<Vec<Quarantine>> {
    let out = c
        .iam
        .list_attached_user_policies()
        .user_name(user)
        .send()
        .await
        .map_err(call("iam:ListAttachedUserPolicies"))?;
    Ok(out
        .attached_policies()
        .iter()
        .filter_map(|p| {
            let name = p.policy_name()?;
            name.starts_with(crate::keys::QUARANTINE_PREFIX)
                .then(|| Quarantine {
                    name: name.to_string(),
                    arn: p.policy_arn().unwrap_or_default().to_string(),
                })
        })
        .collect())
}

/// Detach a managed policy from the user; `false` if it was not attached (any more).
pub(super) async fn detach_policy(c: &FixClients, user: &str, arn: &str) -> Result<bool> {
    match c
        .iam
        .detach_user_policy()
        .user_name(user)
        .policy_arn(arn)
        .send()
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => Ok(false),
        Err(e) => Err(call("iam:DetachUserPolicy")(e).into()),
    }
}
