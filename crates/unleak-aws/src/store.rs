//! `unleak store`: put a found secret into Secrets Manager, idempotently. The request token is
//! a random UUID kept in the journal (never derived from the secret: version ids are readable
//! by anyone who may describe the secret), so a retried or resumed run reuses it and never
//! makes a second version. Same value already stored: nothing changes. Different value: a new
//! version only when the caller allows an update.

use serde::{Deserialize, Serialize};

use crate::failpoint::{self, Point};
use crate::fix_client::FixClients;
use crate::journal::{now_secs, Journal, JournalError};
use crate::sdk_error::CallError;
use crate::secrets::{self, NewSecret};

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

impl From<CallError> for StoreError {
    fn from(e: CallError) -> Self {
        StoreError::Aws {
            op: e.op,
            message: e.message,
        }
    }
}

type Result<T> = std::result::Result<T, StoreError>;

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
    let Some(current) = secrets::current(c, name).await? else {
        // Either no secret, or a secret without a value yet.
        return Ok(match secrets::describe(c, name).await? {
            Some(d) => Existing::Different { arn: d.arn },
            None => Existing::Absent,
        });
    };
    let arn = current.arn;
    match current.string {
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
            secrets::put_value(c, req.name, &token, req.value).await?;
            failpoint::hit(Point::AfterStorePut);
            StoreOutcome::Updated { arn }
        }
        Existing::Absent => {
            let token = pending_token(journal, &mut rec)?;
            let created = secrets::create(
                c,
                &NewSecret {
                    name: req.name,
                    description: req.description,
                    tags: req.tags,
                    kms_key_id: req.kms_key_id,
                    value: Some((&token, req.value)),
                },
            )
            .await?;
            // Absent a moment ago: someone else made it in between; never overwrite theirs.
            let arn = created.ok_or_else(|| CallError {
                op: "secretsmanager:CreateSecret",
                message: format!(
                    "ResourceExistsException: secret `{}` was created by someone else meanwhile",
                    req.name
                ),
            })?;
            failpoint::hit(Point::AfterStoreCreate);
            StoreOutcome::Created { arn }
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
