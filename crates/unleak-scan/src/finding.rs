//! A finding: one secret, where it is, which rule found it, and (later) what AWS said of it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// How sure the rule is that the match is a live secret rather than test data or noise.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    #[default]
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

/// The partner of a paired finding (an AWS secret key's key id, or a key id's secret key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pair {
    pub rule_id: String,
    pub kind: String,
    pub secret: String,
    pub line: u32,
}

/// Where in git history a finding was introduced (history and push scans only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommitInfo {
    pub commit: String,
    pub author: String,
    pub email: String,
    /// RFC 3339, UTC.
    pub date: String,
    pub message: String,
    /// Every path this blob's content had in history (renames), first the introducing one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<String>,
    /// In how many commits the secret appears at this path.
    #[serde(default)]
    pub commits: u32,
    /// Whether the secret is still in the tree at HEAD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_head: Option<bool>,
    /// The blob is reachable from no ref (`--all-objects`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unreachable: bool,
}

/// What an online judge said about a finding (AWS keys only for now).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// `live`, `inactive`, `invalid`, `canary` or `unknown`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arn: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl Verification {
    /// What to do about a key judged so, where the verdict changes the rule's advice (which
    /// assumes a live key: rotate it). None: keep the rule's advice; also for `invalid`, which
    /// may be a wrong secret for a key id that still works, or a deactivated key.
    pub fn advice(&self) -> Option<&'static str> {
        match self.status.as_str() {
            "canary" => Some(
                "A canary (honeytoken) key: never use it, rotating it included (unleak does not). \
                 Remove it from the code. Any use alerts whoever planted it; if that was not \
                 your own team, tell your security team.",
            ),
            "inactive" => Some(
                "The key exists but is deactivated: anyone allowed to manage it can turn it \
                 back on. Delete it in IAM, then remove it from the code.",
            ),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Finding {
    pub rule_id: String,
    pub kind: String,
    pub description: String,
    /// One line on what to do about it.
    pub advice: String,
    /// Relative to the scanned root, `/`-separated; `-` for stdin.
    pub path: String,
    /// 1-based line of the secret's first byte, and of its last.
    pub line: u32,
    pub end_line: u32,
    /// 1-based column (in bytes) of the secret's first byte.
    pub column: u32,
    /// The full secret, as the application would use it (percent-decoding applied).
    pub secret: String,
    /// The whole source line the secret starts on (for display; redacted on output).
    pub line_text: String,
    pub confidence: Confidence,
    pub entropy: f32,
    /// Set for private keys: whether the key material is passphrase-protected.
    pub encrypted: Option<bool>,
    pub pair: Option<Pair>,
    pub commit: Option<CommitInfo>,
    pub verification: Option<Verification>,
}

impl Finding {
    /// Stable fingerprint: rule id + secret, never positions, so it survives edits and moves.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.rule_id, &self.secret)
    }

    /// Whether the secret may be shown whole: identifiers (an AWS key id) are not secrets.
    pub fn is_identifier(&self) -> bool {
        self.kind == "aws-access-key-id"
    }

    /// The secret as reports show it.
    pub fn display_secret(&self, show: bool) -> String {
        if show || self.is_identifier() {
            self.secret.clone()
        } else {
            redact(&self.secret)
        }
    }
}

/// A 16-hex-digit prefix of SHA-256 over `rule_id NUL secret`.
pub fn fingerprint(rule_id: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule_id.as_bytes());
    h.update([0u8]);
    h.update(secret.as_bytes());
    let d = h.finalize();
    d.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// First four characters, then `…`. Short secrets show less, so nothing is guessable.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let keep = if n >= 12 {
        4
    } else if n >= 6 {
        2
    } else {
        0
    };
    let head: String = secret.chars().take(keep).collect();
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_is_stable_and_depends_on_rule_and_secret() {
        assert_eq!(fingerprint("a", "x"), fingerprint("a", "x"));
        assert_ne!(fingerprint("a", "x"), fingerprint("b", "x"));
        assert_ne!(fingerprint("ab", "x"), fingerprint("a", "bx"));
        assert_eq!(fingerprint("a", "x").len(), 16);
    }

    #[test]
    fn redaction_keeps_at_most_four_characters() {
        assert_eq!(redact("wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz"), "wJal…");
        assert_eq!(redact("hunter2"), "hu…");
        assert_eq!(redact("abc"), "…");
    }
}
