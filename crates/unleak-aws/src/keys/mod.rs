//! `unleak aws keys`: every IAM user's access keys with their age and last use, the root
//! user's key state and console password use from the credential report, each key flagged
//! by AWS's own guidance (rotate within 90 days, delete what is unused, no root keys, a
//! quarantine policy means AWS saw it leaked), joined with the leaks of a scan report, and
//! what each key's user can do.
//!
//! Parts: `collect` (the IAM reads: bounded, paginated, with a deadline), `credential_report`
//! (its CSV), `access` (policies summarised), `flags` (the pure verdicts and their order),
//! `fix` (deactivation, journaled like every other change).

pub mod access;
mod collect;
pub mod credential_report;
pub mod fix;
pub mod flags;

use std::time::Duration;

use serde::Serialize;

use crate::client::AwsSettings;

pub use access::Access;
pub use collect::{audit, audit_blocking, user_access};
pub use flags::{Flag, FlagKind};

/// The policies AWS attaches to a user whose key it found exposed (`…V2`, `…V3`).
pub const QUARANTINE_PREFIX: &str = "AWSCompromisedKeyQuarantine";
/// Keys older than this are due for rotation (AWS: every 90 days).
pub const DEFAULT_MAX_AGE_DAYS: i64 = 90;
/// Keys (and console passwords) not used for this long should go.
pub const UNUSED_DAYS: i64 = 90;
/// A never-used key younger than this may simply not be deployed yet.
pub const NEVER_USED_GRACE_DAYS: i64 = 7;
pub const DEFAULT_CONCURRENCY: usize = 8;
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(600);

/// What a scan report says about one leaked key id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Leak {
    pub key_id: String,
    /// `path:line`, with the commit for history findings.
    pub place: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// The report's verdict, if it was judged (`live`, `inactive`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub judged: Option<String>,
}

#[derive(Clone, Debug)]
pub struct AuditOptions {
    pub aws: AwsSettings,
    pub concurrency: usize,
    pub deadline: Duration,
    pub max_age_days: i64,
    pub leaks: Vec<Leak>,
    /// Unix seconds the ages are measured at (this machine's clock).
    pub now: i64,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            aws: AwsSettings {
                // Throttling and transient errors back off (the SDK's standard retry, with
                // jitter) within these attempts; a large account makes thousands of calls.
                max_attempts: 6,
                operation_timeout: Duration::from_secs(30),
                ..AwsSettings::default()
            },
            concurrency: DEFAULT_CONCURRENCY,
            deadline: DEFAULT_DEADLINE,
            max_age_days: DEFAULT_MAX_AGE_DAYS,
            leaks: Vec::new(),
            now: crate::journal::now_secs(),
        }
    }
}

/// Where and when a key was last used (`GetAccessKeyLastUsed`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LastUse {
    /// RFC 3339.
    pub date: String,
    pub days_ago: i64,
    pub service: String,
    pub region: String,
}

/// One access key.
#[derive(Clone, Debug, Serialize)]
pub struct KeyAudit {
    pub key_id: String,
    pub user: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// `None`: never used (or IAM could not say: see `missing`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_used: Option<LastUse>,
    /// Quarantine policies on the key's user (`AWSCompromisedKeyQuarantine*`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub quarantine: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub leaks: Vec<Leak>,
    /// What the key's user can do (active keys).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
    pub flags: Vec<Flag>,
}

impl KeyAudit {
    pub fn is_active(&self) -> bool {
        self.status == "Active"
    }
    pub fn has(&self, kind: FlagKind) -> bool {
        self.flags.iter().any(|f| f.kind == kind)
    }
    pub fn is_admin(&self) -> bool {
        self.access.as_ref().is_some_and(|a| a.admin)
    }
}

/// The root user, as the credential report shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RootState {
    /// The credential report was read and has the root row.
    pub known: bool,
    pub active_access_keys: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<String>,
}

/// A user whose console password is enabled but unused for `UNUSED_DAYS` (no fix offered).
#[derive(Clone, Debug, Serialize)]
pub struct ConsoleUse {
    pub user: String,
    /// `None`: never used.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_last_used: Option<String>,
    pub flag: Flag,
}

/// The whole account.
#[derive(Clone, Debug, Serialize)]
pub struct Audit {
    pub account: String,
    pub users: usize,
    /// Sorted by priority: the most urgent first.
    pub keys: Vec<KeyAudit>,
    pub root: RootState,
    /// Account-wide flags (`root-key`).
    pub account_flags: Vec<Flag>,
    pub console: Vec<ConsoleUse>,
    /// What this result lacks (calls that failed, users not reached before the deadline).
    pub missing: Vec<String>,
    pub complete: bool,
    pub duration_ms: u64,
}

impl Audit {
    /// Anything to act on.
    pub fn flagged(&self) -> bool {
        !self.account_flags.is_empty()
            || !self.console.is_empty()
            || self.keys.iter().any(|k| !k.flags.is_empty())
    }
}

/// Errors that stop the audit before it has anything to say.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
    #[error("{0}")]
    Aws(#[from] crate::sdk_error::CallError),
}
