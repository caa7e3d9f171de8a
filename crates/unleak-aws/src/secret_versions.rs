//! Secrets Manager's version stages, for rotating a credential the way Secrets Manager's own
//! rotation functions do: the new value is stored as `AWSPENDING` before it is set anywhere,
//! and `AWSCURRENT` moves to it only once it is known to work. Every write carries a client
//! request token, so a re-run after a crash repeats a write harmlessly instead of adding a
//! version.

use crate::fix_client::{describe, error_code, FixClients};

pub const CURRENT: &str = "AWSCURRENT";
pub const PENDING: &str = "AWSPENDING";

#[derive(Debug, thiserror::Error)]
pub enum VersionError {
    #[error("{action} failed: {message}")]
    Aws {
        action: &'static str,
        message: String,
    },
    #[error("secret `{name}`'s {stage} version holds no text value")]
    NotText { name: String, stage: &'static str },
}

type Result<T> = std::result::Result<T, VersionError>;

fn aws<E>(action: &'static str) -> impl FnOnce(crate::fix_client::SdkError<E>) -> VersionError
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    move |e| VersionError::Aws {
        action,
        message: describe(&e),
    }
}

/// One version of a secret: its id and its text.
#[derive(Clone, PartialEq, Eq)]
pub struct Staged {
    pub version_id: String,
    pub value: String,
}

impl std::fmt::Debug for Staged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the value.
        write!(f, "Staged {{ version_id: {} }}", self.version_id)
    }
}

/// The version of `name` that holds `stage`; `None` if the secret or the stage does not exist.
pub async fn get_stage(c: &FixClients, name: &str, stage: &'static str) -> Result<Option<Staged>> {
    match c
        .secrets
        .get_secret_value()
        .secret_id(name)
        .version_stage(stage)
        .send()
        .await
    {
        Ok(o) => Ok(Some(Staged {
            version_id: o.version_id().unwrap_or_default().to_string(),
            value: o
                .secret_string()
                .ok_or_else(|| VersionError::NotText {
                    name: name.to_string(),
                    stage,
                })?
                .to_string(),
        })),
        Err(e) if error_code(&e).as_deref() == Some("ResourceNotFoundException") => Ok(None),
        Err(e) => Err(aws("secretsmanager:GetSecretValue")(e)),
    }
}

/// Create `name` with `value` as its first (`AWSCURRENT`) version, version id `token`.
pub async fn create(
    c: &FixClients,
    name: &str,
    value: &str,
    token: &str,
    description: &str,
) -> Result<()> {
    c.secrets
        .create_secret()
        .name(name)
        .secret_string(value)
        .client_request_token(token)
        .description(description)
        .send()
        .await
        .map(|_| ())
        .map_err(aws("secretsmanager:CreateSecret"))
}

/// Store `value` as the `AWSPENDING` version `token` of `name` (the same token again is a no-op).
pub async fn put_pending(c: &FixClients, name: &str, value: &str, token: &str) -> Result<()> {
    c.secrets
        .put_secret_value()
        .secret_id(name)
        .secret_string(value)
        .client_request_token(token)
        .version_stages(PENDING)
        .send()
        .await
        .map(|_| ())
        .map_err(aws("secretsmanager:PutSecretValue"))
}

/// Move `AWSCURRENT` to `version_id` (the old current becomes `AWSPREVIOUS`) and take
/// `AWSPENDING` off it. Either step already done is skipped.
pub async fn promote(c: &FixClients, name: &str, version_id: &str) -> Result<()> {
    let current = get_stage(c, name, CURRENT).await?;
    if current.as_ref().map(|s| s.version_id.as_str()) != Some(version_id) {
        let mut req = c
            .secrets
            .update_secret_version_stage()
            .secret_id(name)
            .version_stage(CURRENT)
            .move_to_version_id(version_id);
        if let Some(old) = &current {
            req = req.remove_from_version_id(&old.version_id);
        }
        req.send()
            .await
            .map_err(aws("secretsmanager:UpdateSecretVersionStage"))?;
    }
    if get_stage(c, name, PENDING)
        .await?
        .is_some_and(|p| p.version_id == version_id)
    {
        c.secrets
            .update_secret_version_stage()
            .secret_id(name)
            .version_stage(PENDING)
            .remove_from_version_id(version_id)
            .send()
            .await
            .map_err(aws("secretsmanager:UpdateSecretVersionStage"))?;
    }
    Ok(())
}
