//! The steps of a rotation: what the journal records as done (`step`, shown by
//! `rotate --status`), and where a test may crash right after it (`failpoint`). One type, so a
//! new step cannot be journaled without a crash point, nor named two ways.

use serde::{Deserialize, Serialize};

/// The last step a rotation completed, in the order they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Step {
    /// The record is written, nothing changed in AWS yet.
    Journaled,
    /// The secret exists (without a value), tagged with the old key id.
    SecretReady,
    /// About to call `CreateAccessKey` (see `RotationRecord::creating_key_since`).
    CreatingKey,
    /// `CreateAccessKey` answered and the new key's id is journaled.
    KeyCreated,
    /// The new key pair is in the secret's `AWSCURRENT`.
    NewKeyStored,
    /// `GetCallerIdentity` signed with the new key worked.
    NewKeyVerified,
    /// The old key is inactive (deleted after, unless kept).
    OldKeyInactive,
    /// The quarantine policy is detached from the user (`--detach-quarantine` only).
    QuarantineDetached,
    /// Finished.
    Done,
}

impl Step {
    /// The journal's word for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Journaled => "journaled",
            Step::SecretReady => "secret-ready",
            Step::CreatingKey => "creating-key",
            Step::KeyCreated => "key-created",
            Step::NewKeyStored => "new-key-stored",
            Step::NewKeyVerified => "new-key-verified",
            Step::OldKeyInactive => "old-key-inactive",
            Step::QuarantineDetached => "quarantine-detached",
            Step::Done => "done",
        }
    }

    /// The failpoint right after this step (`UNLEAK_FAILPOINT=…`), named for what was done.
    pub fn failpoint_name(self) -> &'static str {
        match self {
            Step::Journaled => "after-journal",
            Step::SecretReady => "after-create-secret",
            Step::CreatingKey => "before-create-key",
            Step::KeyCreated => "after-create-key",
            Step::NewKeyStored => "after-store-new-key",
            Step::NewKeyVerified => "after-verify",
            Step::OldKeyInactive => "after-deactivate",
            Step::QuarantineDetached => "after-detach-quarantine",
            Step::Done => "after-done",
        }
    }

    /// The crash point right after this step.
    pub fn failpoint(self) -> crate::failpoint::Point {
        crate::failpoint::Point::After(self)
    }
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_word_is_the_serialised_form() {
        for s in [
            Step::Journaled,
            Step::SecretReady,
            Step::CreatingKey,
            Step::KeyCreated,
            Step::NewKeyStored,
            Step::NewKeyVerified,
            Step::OldKeyInactive,
            Step::QuarantineDetached,
            Step::Done,
        ] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
        }
    }
}
