//! `unleak rotate-db`: replace a leaked database password by Secrets Manager's own rotation
//! protocol, so that the new password is in Secrets Manager before it is in the database and
//! `AWSCURRENT` always holds a password that works:
//!
//! 1. journal {credential, secret name, two version tokens} before any change;
//! 2. the secret: created with the current (leaked) credential as its `AWSCURRENT` (Secrets
//!    Manager makes a secret's first version `AWSCURRENT` whatever stage is asked for, so a new
//!    password stored first would be "current" before the database knows it), tagged with the
//!    credential; an existing secret is used only if it is this rotation's or holds this very
//!    credential;
//! 3. **create**: a new random password (letters and digits: every engine takes them, no
//!    quoting anywhere), stored at once as `AWSPENDING` with the journaled token;
//! 4. **set**: the database asked first which of old and pending it accepts; if the old, the
//!    password is changed (by the credential itself, or by `--admin`);
//! 5. **test**: the pending password logs in, the old one is refused;
//! 6. **finish**: `AWSCURRENT` moves to the pending version (the old one becomes
//!    `AWSPREVIOUS`); journal done.
//!
//! Every step is safe to repeat, and a re-run after a crash anywhere converges: the tokens
//! make the Secrets Manager writes idempotent, and the database, not the journal, says
//! whether the password was set. The new password lives only in Secrets Manager and the
//! database: the journal holds tokens, names and times.
//!
//! Parts: `plan` (read-only checks and refusals), `execute` (the steps), `secret` (the
//! rotation's secret and its RDS-shaped value), `step` (the journal's and failpoints' steps).
//! The database side (login, who is this, change the password) is `unleak_db::change`.

mod execute;
mod plan;
mod secret;
mod step;

use serde::{Deserialize, Serialize};
use unleak_db::change::Account;
use unleak_db::{Credential, Engine, JudgeOptions};

use crate::journal::{Journal, JournalError};
use crate::sdk_error::CallError;
use crate::secret_versions::VersionError;

pub use execute::execute;
pub use plan::plan;
pub use secret::{admin_from_secret, RdsSecret};
pub use step::DbStep;

/// The tag that ties a secret to the rotation of one database credential.
pub const TAG_ROTATED_DB: &str = "unleak:rotated-db";
/// The journal's directory in the state directory.
pub const JOURNAL_KIND: &str = "db-rotations";
/// Length of a new password: 32 of 62 characters is 190 bits.
pub const PASSWORD_LEN: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum DbRotateError {
    #[error("refusing: the password found for {id} does not log in ({reason}); it may have been rotated already. Nothing was changed")]
    OldRefused { id: String, reason: String },
    #[error("refusing: cannot check the password of {id} (server unreachable, or it cannot be asked): {reason}. Nothing was changed")]
    Unreachable { id: String, reason: String },
    #[error("refusing: {user} on {id} is a superuser; rotating it changes the password every administrator and tool logging in as it uses. Pass --allow-superuser if that is meant. Nothing was changed")]
    Superuser { id: String, user: String },
    #[error("refusing: cannot tell whether {user} on {id} is a superuser (the server would not say); pass --allow-superuser to rotate it anyway. Nothing was changed")]
    SuperuserUnknown { id: String, user: String },
    #[error("refusing: secret `{name}` already exists and holds something else than this credential ({id}); choose another --secret-name. Nothing was changed")]
    SecretTaken { name: String, id: String },
    #[error(
        "refusing: the administrator credential does not log in: {reason}. Nothing was changed"
    )]
    AdminRefused { reason: String },
    #[error("the administrator is a {admin} server and the credential a {target} one")]
    AdminEngine { admin: String, target: String },
    #[error("engine of {id} not supported for rotation (PostgreSQL and MySQL/MariaDB are)")]
    Engine { id: String },
    #[error("an unfinished rotation of {id} was started with the administrator {admin}; give --admin/--admin-secret for it again to resume")]
    AdminNeeded { id: String, admin: String },
    #[error("an unfinished rotation of {id} uses secret `{journal}`; re-run without --secret-name (or with that one) to resume it")]
    JournalMismatch { id: String, journal: String },
    #[error("the database {id} accepts neither the old password nor the pending one in `{name}`: someone else changed it meanwhile. Secrets Manager's AWSCURRENT still holds the old one; find out who changed it before running this again")]
    Diverged { id: String, name: String },
    #[error(
        "the new password was set but {what}; AWSCURRENT still holds the old one. Re-run to resume"
    )]
    TestFailed { what: String },
    #[error(
        "changing the password failed: {0}. Nothing was changed in the database; re-run to resume"
    )]
    Change(String),
    #[error("secret `{name}` version {version} does not hold a database credential unleak wrote")]
    ForeignValue { name: String, version: String },
    #[error("AWS {op} failed: {message}")]
    Aws { op: &'static str, message: String },
    #[error(transparent)]
    Journal(#[from] JournalError),
}

type Result<T> = std::result::Result<T, DbRotateError>;

impl From<CallError> for DbRotateError {
    fn from(e: CallError) -> Self {
        DbRotateError::Aws {
            op: e.op,
            message: e.message,
        }
    }
}

impl From<VersionError> for DbRotateError {
    fn from(e: VersionError) -> Self {
        match e {
            VersionError::Aws { action, message } => DbRotateError::Aws {
                op: action,
                message,
            },
            e @ VersionError::NotText { .. } => DbRotateError::Aws {
                op: "secretsmanager:GetSecretValue",
                message: e.to_string(),
            },
        }
    }
}

/// What the user asked for.
#[derive(Clone, Debug)]
pub struct DbRotateOptions {
    /// The found credential: its password is the old one.
    pub credential: Credential,
    /// Change the password as this administrator instead of as the credential itself.
    pub admin: Option<Credential>,
    /// `None`: the journal's (resuming), else [`default_secret_name`].
    pub secret_name: Option<String>,
    pub allow_superuser: bool,
    /// Bounds of each login.
    pub db: JudgeOptions,
}

/// The journal record of one rotation: names, tokens and times, never a password.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct DbRotationRecord {
    pub version: u32,
    /// `engine://user@host:port`: the journal's key and the lock's.
    pub id: String,
    /// Secrets Manager's name for it (`postgres`, `mysql`, `mariadb`).
    pub engine: String,
    pub host: String,
    pub port: u16,
    pub username: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dbname: Option<String>,
    /// MySQL/MariaDB: the account's host part (`%`), for an administrator's `ALTER USER`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_host: Option<String>,
    /// `user@host:port` of the administrator, when the rotation runs as one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin: Option<String>,
    pub secret_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_arn: Option<String>,
    /// The version (client request token) that holds the old credential when unleak creates
    /// the secret.
    pub current_token: String,
    /// The `AWSPENDING` version's token: chosen before it is written, so a re-run finds it.
    pub pending_token: String,
    pub started_at: i64,
    pub step: DbStep,
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<i64>,
}

/// What the database says, asked before the password is set (a resumed run).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Accepts {
    Old,
    Pending,
    /// The pending password was never stored: the run stopped before "create".
    OldNoPending,
}

/// What `plan` found, read-only.
#[derive(Clone, Debug)]
pub struct DbPlan {
    pub id: String,
    pub engine: String,
    pub user: String,
    pub server_version: Option<String>,
    pub secret_name: String,
    pub secret_exists: bool,
    pub account: Option<Account>,
    pub admin: Option<String>,
    /// An unfinished rotation to resume, and what the database accepts now.
    pub resume: Option<(DbRotationRecord, Accepts)>,
    /// A finished rotation whose old password no longer logs in: nothing to do.
    pub already_done: Option<DbRotationRecord>,
    pub(crate) credential: Credential,
    pub(crate) admin_cred: Option<Credential>,
    pub(crate) db: JudgeOptions,
}

impl DbPlan {
    /// The steps, in words, for `--dry-run` and the prompt.
    pub fn describe(&self) -> Vec<String> {
        if let Some(r) = &self.already_done {
            return vec![format!(
                "nothing: {} was already rotated (the new password is in secret `{}`, and the old one no longer logs in)",
                r.id, r.secret_name
            )];
        }
        let mut v = Vec::new();
        match &self.resume {
            Some((r, accepts)) => v.push(format!(
                "resume the unfinished rotation started at {} (last step: {}; the database accepts the {} password)",
                crate::rotate::fmt_time(r.started_at),
                r.step,
                if *accepts == Accepts::Pending { "pending" } else { "old" }
            )),
            None => v.push("journal the rotation in the state directory".into()),
        }
        v.push(if self.secret_exists {
            format!("use Secrets Manager secret `{}`", self.secret_name)
        } else {
            format!(
                "create Secrets Manager secret `{}` holding the current credential as AWSCURRENT (RDS rotation JSON, tagged {TAG_ROTATED_DB}={})",
                self.secret_name, self.id
            )
        });
        v.push(format!(
            "create: a new random password ({PASSWORD_LEN} letters and digits), stored at once as AWSPENDING of `{}`",
            self.secret_name
        ));
        v.push(match &self.admin {
            Some(a) => format!(
                "set: change {}'s password in the database, as administrator {a}",
                self.user
            ),
            None => format!(
                "set: change {}'s password in the database, logged in as {} itself",
                self.user, self.user
            ),
        });
        v.push("test: the new password logs in and the old one is refused".into());
        v.push(format!(
            "finish: move AWSCURRENT of `{}` to the new password (the old becomes AWSPREVIOUS)",
            self.secret_name
        ));
        v
    }
}

/// What a finished rotation did.
#[derive(Clone, Debug)]
pub struct DbRotateReport {
    pub id: String,
    pub engine: String,
    pub user: String,
    pub secret_name: String,
    pub secret_arn: String,
    pub resumed: bool,
}

/// `engine://user@host:port`: one credential, whatever database a URI names.
pub fn credential_id(c: &Credential) -> String {
    format!("{}://{}@{}:{}", c.engine.as_str(), c.user, c.host, c.port)
}

/// `unleak/db/HOST/PORT/USER`, in Secrets Manager's alphabet.
pub fn default_secret_name(c: &Credential) -> String {
    let raw = format!("unleak/db/{}/{}/{}", c.host, c.port, c.user);
    raw.chars()
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || "/_+=.@-".contains(ch) {
                ch
            } else {
                '-'
            }
        })
        .take(512)
        .collect()
}

/// Secrets Manager's engine name for the credential.
fn rds_engine(c: &Credential, account: Option<&Account>) -> String {
    match c.engine {
        Engine::Mysql if account.is_some_and(|a| a.mariadb) => "mariadb".into(),
        e => e.as_str().into(),
    }
}

/// The unfinished rotations in the journal.
pub fn unfinished(journal: &Journal) -> Result<Vec<DbRotationRecord>> {
    Ok(journal
        .list::<DbRotationRecord>()?
        .into_iter()
        .filter(|r| !r.done)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_names() {
        let c = unleak_db::conn::parse("postgresql://app:pw@db.example:5433/shop").unwrap();
        assert_eq!(credential_id(&c), "postgres://app@db.example:5433");
        assert_eq!(default_secret_name(&c), "unleak/db/db.example/5433/app");
    }
}
