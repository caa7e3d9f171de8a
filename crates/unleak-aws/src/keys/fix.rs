//! `aws keys --fix` for unused keys: deactivate, journaled in the state directory like every
//! other change unleak makes (`deactivations/<key id>.json`: who, when, and that it is done),
//! so what was turned off can be found, and turned back on, later. Rotations go through
//! `crate::rotate` and its own journal.

use aws_sdk_iam::types::StatusType;
use serde::{Deserialize, Serialize};

use crate::fix_client::FixClients;
use crate::journal::{now_secs, Journal, JournalError};
use crate::sdk_error::{call, error_code, CallError};

/// The journal kind of deactivations.
pub const JOURNAL: &str = "deactivations";

#[derive(Debug, thiserror::Error)]
pub enum FixError {
    #[error(transparent)]
    Aws(#[from] CallError),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// The record of one deactivation.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DeactivationRecord {
    pub version: u32,
    pub account: String,
    pub user: String,
    pub key_id: String,
    pub reason: String,
    pub started_at: i64,
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
}

/// Deactivate `key_id` of `user`: journaled first, then `UpdateAccessKey`, then journaled done.
/// `false` when the key is already gone.
pub async fn deactivate(
    c: &FixClients,
    journal: &Journal,
    account: &str,
    user: &str,
    key_id: &str,
    reason: &str,
) -> Result<bool, FixError> {
    let _lock = journal.lock(key_id)?;
    let mut rec = DeactivationRecord {
        version: 1,
        account: account.to_string(),
        user: user.to_string(),
        key_id: key_id.to_string(),
        reason: reason.to_string(),
        started_at: now_secs(),
        done: false,
        finished_at: None,
    };
    journal.save(key_id, &rec)?;
    let existed = match c
        .iam
        .update_access_key()
        .user_name(user)
        .access_key_id(key_id)
        .status(StatusType::Inactive)
        .send()
        .await
    {
        Ok(_) => true,
        Err(e) if error_code(&e).as_deref() == Some("NoSuchEntity") => false,
        Err(e) => return Err(call("iam:UpdateAccessKey")(e).into()),
    };
    rec.done = true;
    rec.finished_at = Some(now_secs());
    journal.save(key_id, &rec)?;
    Ok(existed)
}
