//! The steps of a database rotation: the journal's record of the last one done (`rotate-db
//! --status`), and the crash points of the tests. A step's crash point falls right after its
//! action, before the journal records it: the worst moment, when only the database and
//! Secrets Manager know what happened, and a re-run must find out from them.

use serde::{Deserialize, Serialize};

/// The last step a rotation completed, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbStep {
    /// The record is written; nothing changed yet.
    Journaled,
    /// The secret exists and holds the current credential as `AWSCURRENT`.
    SecretReady,
    /// The new password is `AWSPENDING`.
    PendingStored,
    /// The database has the new password.
    Changed,
    /// The new password logs in, the old one is refused.
    Tested,
    /// `AWSCURRENT` is the new password: finished.
    Done,
}

impl DbStep {
    pub fn as_str(self) -> &'static str {
        match self {
            DbStep::Journaled => "journaled",
            DbStep::SecretReady => "secret-ready",
            DbStep::PendingStored => "pending-stored",
            DbStep::Changed => "changed",
            DbStep::Tested => "tested",
            DbStep::Done => "done",
        }
    }

    /// `UNLEAK_FAILPOINT=…`: named for the protocol step just done.
    pub fn failpoint_name(self) -> &'static str {
        match self {
            DbStep::Journaled => "db-after-journal",
            DbStep::SecretReady => "db-after-secret",
            DbStep::PendingStored => "db-after-create",
            DbStep::Changed => "db-after-set",
            DbStep::Tested => "db-after-test",
            DbStep::Done => "db-after-finish",
        }
    }

    pub fn failpoint(self) -> crate::failpoint::Point {
        crate::failpoint::Point::Db(self)
    }

    /// Every step, in order (for tests that crash after each).
    pub const ALL: [DbStep; 6] = [
        DbStep::Journaled,
        DbStep::SecretReady,
        DbStep::PendingStored,
        DbStep::Changed,
        DbStep::Tested,
        DbStep::Done,
    ];
}

impl std::fmt::Display for DbStep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_word_is_the_serialised_form() {
        for s in DbStep::ALL {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}
