//! The rotation's secret: whose it is, making it ready, and storing the new key pair in it,
//! on the Secrets Manager calls `store` uses too (`crate::secrets`).

use super::{KeyPair, Result, RotateError, TAG_ROTATED_KEY};
use crate::failpoint::{self, Point};
use crate::fix_client::FixClients;
use crate::secrets::{self, NewSecret};

pub(super) enum SecretState {
    Absent,
    /// Tagged with this rotation's old key id.
    Ours,
    /// Holds the old key: an earlier rotation's secret, now rotated again.
    Chained,
    Foreign,
}

pub(super) async fn secret_owner(c: &FixClients, name: &str, old: &str) -> Result<SecretState> {
    let Some(d) = secrets::describe(c, name).await? else {
        return Ok(SecretState::Absent);
    };
    if d.has_tag(TAG_ROTATED_KEY, old) {
        return Ok(SecretState::Ours);
    }
    match current_pair(c, name).await {
        Ok(Some(p)) if p.access_key_id == old => Ok(SecretState::Chained),
        Ok(_) | Err(RotateError::ForeignValue { .. }) => Ok(SecretState::Foreign),
        Err(e) => Err(e),
    }
}

/// The secret exists, is ours, and is tagged with the old key id. Returns its ARN.
pub(super) async fn ensure_secret(
    c: &FixClients,
    name: &str,
    old: &str,
    user: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<String> {
    let description = format!("IAM access key of user {user}, rotated by unleak (replaces {old})");
    let tags = [
        (TAG_ROTATED_KEY.to_string(), old.to_string()),
        ("unleak:iam-user".to_string(), user.to_string()),
    ];
    let created = secrets::create(
        c,
        &NewSecret {
            name,
            description: Some(&description),
            tags: &tags,
            ..NewSecret::default()
        },
    )
    .await?;
    if let Some(arn) = created {
        progress(&format!("created secret `{name}`"));
        return Ok(arn);
    }
    match secret_owner(c, name, old).await? {
        SecretState::Ours => {}
        SecretState::Chained => {
            secrets::tag(c, name, TAG_ROTATED_KEY, old).await?;
            progress(&format!("re-tagged secret `{name}` for this rotation"));
        }
        SecretState::Absent | SecretState::Foreign => {
            return Err(RotateError::SecretTaken {
                name: name.to_string(),
                key: old.to_string(),
            })
        }
    }
    let d = secrets::describe(c, name).await?.ok_or(RotateError::Aws {
        op: "secretsmanager:DescribeSecret",
        message: format!("secret `{name}` disappeared while it was being made ready"),
    })?;
    Ok(d.arn)
}

/// The key pair in `AWSCURRENT`, if the secret has a value.
pub(super) async fn current_pair(c: &FixClients, name: &str) -> Result<Option<KeyPair>> {
    match secrets::current(c, name).await?.and_then(|v| v.string) {
        None => Ok(None),
        Some(s) => serde_json::from_str(&s)
            .map(Some)
            .map_err(|_| RotateError::ForeignValue {
                name: name.to_string(),
            }),
    }
}

/// `PutSecretValue` with a token derived from the key id (a retry with the same value is a
/// no-op, never a second version), then read that version back.
pub(super) async fn store_pair(c: &FixClients, name: &str, pair: &KeyPair) -> Result<()> {
    let value = serde_json::to_string(pair).expect("a key pair serialises");
    let token = format!("unleak-rotate-{}", pair.access_key_id);
    let version = secrets::put_value(c, name, &token, &value).await?;
    failpoint::hit(Point::AfterPutSecret);
    let back = secrets::value_of_version(c, name, &version).await?;
    if back.as_deref() != Some(value.as_str()) {
        return Err(RotateError::ReadBackMismatch {
            name: name.to_string(),
            version,
        });
    }
    Ok(())
}
