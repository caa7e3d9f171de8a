//! `unleak store`: put a found secret into Secrets Manager, idempotently. The request token is
//! a random UUID kept in the journal (never derived from the secret: version ids are readable
//! by anyone who may describe the secret), so a retried or resumed run reuses it and never
//! makes a second version. Same value already stored: nothing changes. Different value: a new
//! version only when the caller allows an update.

use serde::{Deserialize, Serialize};

use crate::fix_client::{describe, error_code, FixClients, SdkError};
use crate::journal::{now_secs, Journal, JournalError};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("secret `{name}` already exists with a different value; pass --update to store this one as its new version")]
    DifferentValue { name: String },
    #[error("secret `{name}` exists but holds a binary value; unleak stores text only")]
    BinaryValue { name: String },
    #[error("AWS {op} failed: {message}")]
    Aws { op: &'static str, message: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

type Result<T> = std::result::Result<T, StoreError>;

fn aws<E>(op: &'static str) -> impl FnOnce(SdkError<E>) -> StoreError
where
    E: std::error::Error + aws_sdk_iam::error::ProvideErrorMetadata + 'static,
{
    move |e| StoreError::Aws {
        op,
        message: describe(&e),
    }
}

/// What to store. `value` is the secret: it goes to Secrets Manager and nowhere else.
pub struct StoreRequest<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub description: Option<&'a str>,
    pub tags: &'a [(String, String)],
    pub kms_key_id: Option<&'a str>,
    /// Allow a new version when the secret exists with another value.
    pub update: bool,
}

/// What Secrets Manager holds under a name, compared with the value to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Existing {
    Absent,
    Same { arn: String },
    Different { arn: String },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreOutcome {
    Created { arn: String },
    Unchanged { arn: String },
    Updated { arn: String },
}

impl StoreOutcome {
    pub fn arn(&self) -> &str {
        match self {
            StoreOutcome::Created { arn }
            | StoreOutcome::Unchanged { arn }
            | StoreOutcome::Updated { arn } => arn,
        }
    }
}

/// The journal record of one store: request tokens only, never the value.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StoreRecord {
    pub version: u32,
    pub name: String,
    pub started_at: i64,
    /// The `ClientRequestToken` of the pending `CreateSecret` / `PutSecretValue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_token: Option<String>,
    pub done: bool,
}

/// Read-only: is the name free, holding this value, or holding another?
pub async fn inspect(c: &FixClients, name: &str, value: &str) -> Result<Existing> {
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
            // Either no secret, or a secret without a value yet.
            return match c.secrets.describe_secret().secret_id(name).send().await {
                Ok(d) => Ok(Existing::Different {
                    arn: d.arn().unwrap_or_default().to_string(),
                }),
                Err(e) if error_code(&e).as_deref() == Some("ResourceNotFoundException") => {
                    Ok(Existing::Absent)
                }
                Err(e) => Err(aws("secretsmanager:DescribeSecret")(e)),
            };
        }
        Err(e) => return Err(aws("secretsmanager:GetSecretValue")(e)),
    };
    let arn = out.arn().unwrap_or_default().to_string();
    match out.secret_string() {
        Some(s) if s == value => Ok(Existing::Same { arn }),
        Some(_) => Ok(Existing::Different { arn }),
        None => Err(StoreError::BinaryValue {
            name: name.to_string(),
        }),
    }
}

/// Store the value, idempotently (see the module doc).
pub async fn store(
    c: &FixClients,
    journal: &Journal,
    req: &StoreRequest<'_>,
) -> Result<StoreOutcome> {
    let mut rec: StoreRecord = match journal.load::<StoreRecord>(req.name)? {
        Some(r) if !r.done => r,
        _ => StoreRecord {
            version: 1,
            name: req.name.to_string(),
            started_at: now_secs(),
            pending_token: None,
            done: false,
        },
    };
    let outcome = match inspect(c, req.name, req.value).await? {
        Existing::Same { arn } => StoreOutcome::Unchanged { arn },
        Existing::Different { .. } if !req.update => {
            return Err(StoreError::DifferentValue {
                name: req.name.to_string(),
            })
        }
        Existing::Different { arn } => {
            let token = pending_token(journal, &mut rec)?;
            c.secrets
                .put_secret_value()
                .secret_id(req.name)
                .client_request_token(token)
                .secret_string(req.value)
                .send()
                .await
                .map_err(aws("secretsmanager:PutSecretValue"))?;
            crate::failpoint::hit("after-store-put");
            StoreOutcome::Updated { arn }
        }
        Existing::Absent => {
            let token = pending_token(journal, &mut rec)?;
            let mut call = c
                .secrets
                .create_secret()
                .name(req.name)
                .client_request_token(token)
                .secret_string(req.value);
            if let Some(d) = req.description {
                call = call.description(d);
            }
            if let Some(k) = req.kms_key_id {
                call = call.kms_key_id(k);
            }
            for (k, v) in req.tags {
                call = call.tags(
                    aws_sdk_secretsmanager::types::Tag::builder()
                        .key(k)
                        .value(v)
                        .build(),
                );
            }
            let out = call
                .send()
                .await
                .map_err(aws("secretsmanager:CreateSecret"))?;
            crate::failpoint::hit("after-store-create");
            StoreOutcome::Created {
                arn: out.arn().unwrap_or_default().to_string(),
            }
        }
    };
    rec.pending_token = None;
    rec.done = true;
    journal.save(req.name, &rec)?;
    Ok(outcome)
}

/// The journaled token of the pending write, made (and made durable) first if there is none.
fn pending_token(journal: &Journal, rec: &mut StoreRecord) -> Result<String> {
    if let Some(t) = &rec.pending_token {
        return Ok(t.clone());
    }
    let t = random_uuid();
    rec.pending_token = Some(t.clone());
    journal.save(&rec.name, rec)?;
    Ok(t)
}

/// A random (version 4) UUID: 122 random bits from the OS (`/dev/urandom`), else from a
/// process-seeded generator. Unique per write; unrelated to the secret.
pub fn random_uuid() -> String {
    let mut b = [0u8; 16];
    let os = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut b));
    if os.is_err() {
        fastrand::fill(&mut b);
    }
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn uuids_are_v4_and_distinct() {
        let a = super::random_uuid();
        let b = super::random_uuid();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(a.as_bytes()[14], b'4');
        assert!(matches!(a.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert_eq!(a.matches('-').count(), 4);
    }
}
