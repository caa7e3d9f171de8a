//! A finding: one secret, where it is, which rule found it, and (later) what AWS said of it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::kind;

/// How sure the rule is that the match is a live secret rather than test data or noise.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    #[default]
    High,
}

impl std::str::FromStr for Confidence {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "low" => Ok(Confidence::Low),
            "medium" => Ok(Confidence::Medium),
            "high" => Ok(Confidence::High),
            _ => Err(format!("unknown confidence `{s}` (low, medium, high)")),
        }
    }
}

impl Confidence {
    /// What fails a scan and a push unless `--min-confidence` says otherwise: `low` findings
    /// (illustrative passwords: `hunter2`, `Passw0rd!`, fixtures under tests and docs) are
    /// listed in JSON and SARIF but do not fail, so a hook does not cry wolf; every provider
    /// token and every plausible password does.
    pub const DEFAULT_MINIMUM: Confidence = Confidence::Medium;

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
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

/// A judge's verdict on a credential.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// It works right now.
    Live,
    /// It exists but is deactivated.
    Inactive,
    /// Deleted, never existed, or the secret is wrong.
    Invalid,
    /// A honeytoken: never to be used.
    Canary,
    /// Could not tell (the reason says why). Also what a verdict of a newer version that this
    /// one does not know reads as.
    #[default]
    #[serde(other)]
    Unknown,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Inactive => "inactive",
            Status::Invalid => "invalid",
            Status::Canary => "canary",
            Status::Unknown => "unknown",
        }
    }
}

impl std::fmt::Display for Status {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an online judge said about a finding (AWS keys only for now).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Verification {
    pub status: Status,
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
    /// What a live key can do (its user's policies, read with the auditor's credentials).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<Access>,
}

/// The blast radius of a key: its user's attached and inline policies and its groups'
/// policies, summarised. An upper bound: `Allow` statements counted, `Deny`, conditions and
/// boundaries not (see `unleak_aws::keys::access`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Access {
    /// Full control, or the IAM write that lets it grant itself full control.
    pub admin: bool,
    /// Why it counts as admin (the policy and the permission).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub admin_because: Option<String>,
    /// Services it has write actions on (`*` for every service), sorted.
    #[serde(default)]
    pub write_services: Vec<String>,
    #[serde(default)]
    pub reads_secrets_manager: bool,
    #[serde(default)]
    pub reads_ssm_parameters: bool,
    /// The policies looked at.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Policy documents that could not be read (the summary may then be short of the truth).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<String>,
}

impl Access {
    /// One line for text reports: `full control of the account (AdministratorAccess)`.
    pub fn line(&self) -> String {
        if self.admin {
            return format!(
                "full control of the account ({})",
                self.admin_because.as_deref().unwrap_or("admin")
            );
        }
        let mut parts = Vec::new();
        match self.write_services.as_slice() {
            [] => {}
            [one] if one == "*" => parts.push("write to every service".to_string()),
            s => parts.push(format!("write to {}", s.join(", "))),
        }
        if self.reads_secrets_manager {
            parts.push("read Secrets Manager secrets".into());
        }
        if self.reads_ssm_parameters {
            parts.push("read SSM parameters".into());
        }
        if parts.is_empty() && self.policies.is_empty() && !self.unread.is_empty() {
            return format!("unknown: {}", self.unread.join("; "));
        }
        if parts.is_empty() {
            parts.push(if self.policies.is_empty() {
                "nothing found (no policy attached)".into()
            } else {
                "read only (no write access found)".into()
            });
        }
        let mut s = parts.join("; ");
        if !self.unread.is_empty() {
            s.push_str(&format!(" (unread: {})", self.unread.join(", ")));
        }
        s
    }
}

impl Verification {
    /// What to do about a key judged so, where the verdict changes the rule's advice (which
    /// assumes a live key: rotate it). None: keep the rule's advice; also for `invalid`, which
    /// may be a wrong secret for a key id that still works, or a deactivated key.
    pub fn advice(&self) -> Option<&'static str> {
        match self.status {
            Status::Canary => Some(
                "A canary (honeytoken) key: never use it, rotating it included (unleak does not). \
                 Remove it from the code. Any use alerts whoever planted it; if that was not \
                 your own team, tell your security team.",
            ),
            Status::Inactive => Some(
                "The key exists but is deactivated: anyone allowed to manage it can turn it \
                 back on. Delete it in IAM, then remove it from the code.",
            ),
            // A deleted key works nowhere: rotating it (the rule's advice) is impossible and
            // pointless. Other `invalid` verdicts (a wrong secret for a key id that may still
            // work) keep the rule's advice.
            Status::Invalid if self.reason.as_deref() == Some("deleted") => Some(
                "The key is deleted: it works nowhere, so there is nothing to rotate or turn \
                 off. Remove it from the code (it stays in git history, harmless now).",
            ),
            Status::Live | Status::Invalid | Status::Unknown => None,
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
    /// The scanned root as typed, then the path under it, `/`-separated (history: relative to
    /// the repository's top); `-` for stdin.
    pub path: String,
    /// 1-based line of the secret's first byte, and of its last.
    pub line: u32,
    pub end_line: u32,
    /// 1-based column (in bytes) of the secret's first byte.
    pub column: u32,
    /// The full secret, as the application would use it (percent-decoding applied).
    pub secret: String,
    /// A bounded piece of the line around the secret, for previews (redacted on output).
    pub excerpt: Excerpt,
    pub confidence: Confidence,
    pub entropy: f32,
    /// Set for private keys: whether the key material is passphrase-protected.
    pub encrypted: Option<bool>,
    pub pair: Option<Pair>,
    pub commit: Option<Box<CommitInfo>>,
    pub verification: Option<Box<Verification>>,
}

/// What previews show of the line a secret starts on: at most [`Excerpt::CONTEXT`] bytes on
/// each side of the secret, and where the secret was. Keeping the whole line made a 1 MB line
/// with thousands of findings cost gigabytes (one copy per finding); this is bounded.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Excerpt {
    /// The line's bytes just before the secret: `line[start - before.len()..start]`.
    pub before: Vec<u8>,
    /// The line's bytes just after it: `line[end..end + after.len()]`.
    pub after: Vec<u8>,
    /// Byte offsets in the line of the secret as written (for a decoded secret, of the encoded
    /// text it came from); `end` is clipped to the line's end for a multi-line secret.
    pub start: usize,
    pub end: usize,
    /// The line's length in bytes (without its line break), to tell a cut excerpt from a line.
    pub line_len: usize,
}

impl Excerpt {
    /// Bytes kept on each side: more than a 160-character preview shows on one side.
    pub const CONTEXT: usize = 200;

    /// The excerpt of `line` (without its line break) around the secret at `start..end`.
    pub fn new(line: &[u8], start: usize, end: usize) -> Self {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let start = start.min(line.len());
        let end = end.clamp(start, line.len());
        Excerpt {
            before: line[start.saturating_sub(Self::CONTEXT)..start].to_vec(),
            after: line[end..(end + Self::CONTEXT).min(line.len())].to_vec(),
            start,
            end,
            line_len: line.len(),
        }
    }

    /// Offset in the line of the first byte of `before`.
    pub fn from(&self) -> usize {
        self.start - self.before.len()
    }

    /// Offset in the line just past `after`.
    pub fn to(&self) -> usize {
        self.end + self.after.len()
    }
}

impl Finding {
    /// The advice as reports print it: `KEY_ID` in it (`unleak rotate KEY_ID`) becomes the
    /// key's real id where the finding has one, an AWS key id or a secret key's paired id
    /// (ids are identifiers, shown whole anyway); a lone secret key keeps the placeholder.
    pub fn advice_shown(&self) -> String {
        let id = if self.kind == kind::AWS_ACCESS_KEY_ID {
            Some(self.secret.as_str())
        } else {
            self.pair
                .as_ref()
                .filter(|p| p.kind == kind::AWS_ACCESS_KEY_ID)
                .map(|p| p.secret.as_str())
        };
        match id {
            Some(id) if self.advice.contains("KEY_ID") => self.advice.replace("KEY_ID", id),
            _ => self.advice.clone(),
        }
    }

    /// Stable fingerprint: rule id + secret, never positions, so it survives edits and moves
    /// (see [`crate::fingerprint`] for the construction).
    pub fn fingerprint(&self) -> String {
        crate::fingerprint::of(&self.rule_id, &self.secret, self.is_identifier())
    }

    /// Fill the fingerprint cache for all of `findings` at once, in parallel (a report of many
    /// findings then pays the Argon2 cost once per distinct secret, on every core).
    pub fn precompute_fingerprints(findings: &[Finding]) {
        crate::fingerprint::precompute(
            findings
                .iter()
                .filter(|f| !f.is_identifier())
                .map(|f| (f.rule_id.as_str(), f.secret.as_str())),
        );
    }

    /// Whether `id` (current or legacy format) is this finding's fingerprint.
    pub fn has_fingerprint(&self, id: &str) -> bool {
        crate::fingerprint::matches(id, &self.rule_id, &self.secret, self.is_identifier())
    }

    /// Whether the secret may be shown whole: identifiers (an AWS key id) are not secrets.
    pub fn is_identifier(&self) -> bool {
        shown_whole(&self.kind)
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

pub use crate::kind::shown_whole;

/// Whether a secret as a report holds it is [`redact`]'s output: at most four characters and
/// the ellipsis. (A value merely containing `…` is a full secret.)
pub fn is_redacted(secret: &str) -> bool {
    secret.ends_with('…') && secret.chars().count() <= 5
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
    fn excerpt_is_bounded_and_keeps_positions() {
        let line = format!("{}KEY=s3cr3t{}\r", "a".repeat(1000), "b".repeat(1000));
        let e = Excerpt::new(line.as_bytes(), 1004, 1010);
        assert_eq!(e.before.len(), Excerpt::CONTEXT);
        assert_eq!(e.after.len(), Excerpt::CONTEXT);
        assert!(e.before.ends_with(b"KEY="));
        assert_eq!((e.from(), e.to(), e.line_len), (804, 1210, 2010));
        let short = Excerpt::new(b"x=abc", 2, 99);
        assert_eq!(
            (short.before.as_slice(), short.after.as_slice()),
            (&b"x="[..], &b""[..])
        );
        assert_eq!((short.start, short.end, short.line_len), (2, 5, 5));
    }

    fn aws(kind: &str, secret: &str, pair: Option<&str>) -> Finding {
        Finding {
            rule_id: kind.into(),
            kind: kind.into(),
            description: String::new(),
            advice: crate::kind::default_advice(kind),
            path: "a.env".into(),
            line: 1,
            end_line: 1,
            column: 1,
            secret: secret.into(),
            excerpt: Excerpt::default(),
            confidence: Confidence::High,
            entropy: 4.0,
            encrypted: None,
            pair: pair.map(|id| Pair {
                rule_id: "aws-access-key-id".into(),
                kind: "aws-access-key-id".into(),
                secret: id.into(),
                line: 1,
            }),
            commit: None,
            verification: None,
        }
    }

    #[test]
    fn advice_names_the_real_key_id() {
        // Made-up ids, not keys.
        let id = aws("aws-access-key-id", "AKIAEXAMPLEID0000001", None);
        assert!(id
            .advice_shown()
            .contains("`unleak rotate AKIAEXAMPLEID0000001`"));
        let paired = aws("aws-secret-access-key", "x", Some("AKIAEXAMPLEID0000002"));
        assert!(paired
            .advice_shown()
            .contains("`unleak rotate AKIAEXAMPLEID0000002`"));
        let lone = aws("aws-secret-access-key", "x", None);
        assert!(lone.advice_shown().contains("KEY_ID"));
    }

    #[test]
    fn a_deleted_key_is_never_advised_to_be_rotated() {
        let v = |status, reason: &str| Verification {
            status,
            reason: Some(reason.into()),
            ..Verification::default()
        };
        let deleted = v(Status::Invalid, "deleted").advice().unwrap();
        assert!(
            deleted.contains("deleted") && !deleted.contains("unleak rotate"),
            "{deleted}"
        );
        // A wrong secret for a key id that may still work keeps the rule's advice (rotate).
        assert_eq!(
            v(Status::Invalid, "wrong secret for an existing key id").advice(),
            None
        );
    }

    #[test]
    fn redaction_keeps_at_most_four_characters() {
        assert_eq!(redact("wJalrXUtnFEMIK7MDENGbPxRfiCYzzzzzzzzzzzz"), "wJal…");
        assert_eq!(redact("hunter2"), "hu…");
        assert_eq!(redact("abc"), "…");
    }
}
