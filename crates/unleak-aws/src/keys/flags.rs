//! The flags of a key, each with its reason and what to do, and the order keys are listed in.
//! Pure: everything here is computed from what `collect` read, so it is tested without AWS.

use serde::Serialize;

use super::{KeyAudit, NEVER_USED_GRACE_DAYS, UNUSED_DAYS};

/// In priority order: the first is the most urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlagKind {
    /// In the scan report and judged live: anyone with the code can use it now.
    LeakedLive,
    /// The root user has an access key.
    RootKey,
    /// AWS attached a quarantine policy: it saw the key leaked.
    Quarantined,
    /// In the scan report (not judged live).
    Leaked,
    /// The user has two active keys.
    TwoActive,
    /// Older than `--max-age`.
    Stale,
    /// Not used for 90 days, or never used and older than 7 days.
    Unused,
    /// A console password not used for 90 days.
    ConsoleUnused,
}

impl FlagKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::LeakedLive => "leaked-live",
            FlagKind::RootKey => "root-key",
            FlagKind::Quarantined => "quarantined",
            FlagKind::Leaked => "leaked",
            FlagKind::TwoActive => "two-active",
            FlagKind::Stale => "stale",
            FlagKind::Unused => "unused",
            FlagKind::ConsoleUnused => "console-unused",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flag {
    pub kind: FlagKind,
    pub reason: String,
    pub action: String,
}

/// The key's flags. `active_keys_of_user`: how many active keys its user has.
pub fn flag_key(k: &KeyAudit, active_keys_of_user: usize, max_age_days: i64) -> Vec<Flag> {
    let mut out = Vec::new();
    let mut add = |kind, reason: String, action: String| {
        out.push(Flag {
            kind,
            reason,
            action,
        })
    };
    let rotate = format!("unleak rotate {}", k.key_id);
    let live = k.leaks.iter().any(|l| l.judged.as_deref() == Some("live"));
    if let Some(first) = k.leaks.first() {
        let more = match k.leaks.len() {
            1 => String::new(),
            n => format!(" and {} more place(s)", n - 1),
        };
        let commit = first
            .commit
            .as_deref()
            .map(|c| format!(" (commit {})", &c[..c.len().min(12)]))
            .unwrap_or_default();
        if live && k.is_active() {
            add(
                FlagKind::LeakedLive,
                format!(
                    "leaked at {}{commit}{more} and judged live: it works right now",
                    first.place
                ),
                format!(
                    "rotate it now ({rotate}), then check CloudTrail for its use since the leak"
                ),
            );
        } else {
            let state = match (k.is_active(), first.judged.as_deref()) {
                (false, _) => "; the key is inactive".to_string(),
                (true, Some(v)) => format!("; judged {v}"),
                (true, None) => "; active in IAM, not judged (`unleak verify` tells whether the leaked secret works)".to_string(),
            };
            let action = if k.is_active() {
                format!("rotate it ({rotate}) and remove it from the code")
            } else {
                format!(
                    "delete it (aws iam delete-access-key --user-name {} --access-key-id {}) and remove it from the code",
                    k.user, k.key_id
                )
            };
            add(
                FlagKind::Leaked,
                format!("leaked at {}{commit}{more}{state}", first.place),
                action,
            );
        }
    }
    if !k.quarantine.is_empty() {
        add(
            FlagKind::Quarantined,
            format!(
                "user `{}` has {} attached: AWS found one of its keys exposed",
                k.user,
                k.quarantine.join(", ")
            ),
            format!("rotate the key ({rotate}), investigate its use, then detach the policy (`unleak rotate --detach-quarantine` does it as the last step)"),
        );
    }
    if k.is_active() && active_keys_of_user >= 2 {
        add(
            FlagKind::TwoActive,
            format!("user `{}` has two active keys", k.user),
            "keep one: deactivate the other once nothing uses it, then delete it".to_string(),
        );
    }
    if let Some(age) = k.age_days.filter(|a| k.is_active() && *a > max_age_days) {
        add(
            FlagKind::Stale,
            format!("{age} days old (more than {max_age_days})"),
            format!("rotate it ({rotate})"),
        );
    }
    let unused = match (&k.last_used, k.age_days) {
        (Some(lu), _) if lu.days_ago >= UNUSED_DAYS => Some(format!(
            "last used {} days ago ({}, {})",
            lu.days_ago, lu.service, lu.region
        )),
        (None, Some(age)) if age > NEVER_USED_GRACE_DAYS => {
            Some(format!("never used, created {age} days ago"))
        }
        _ => None,
    };
    if let Some(reason) = unused {
        let action = if k.is_active() {
            format!(
                "deactivate it (`unleak aws keys --fix` does), then delete it: aws iam delete-access-key --user-name {} --access-key-id {}",
                k.user, k.key_id
            )
        } else {
            format!(
                "delete it: aws iam delete-access-key --user-name {} --access-key-id {}",
                k.user, k.key_id
            )
        };
        add(FlagKind::Unused, reason, action);
    }
    out.sort_by_key(|f| f.kind);
    out
}

/// List order: the most urgent flag first, live admin keys before others at the same level,
/// then user and key id.
pub fn sort(keys: &mut [KeyAudit]) {
    keys.sort_by(|a, b| {
        let top = |k: &KeyAudit| k.flags.first().map(|f| f.kind);
        let rank = |k: &KeyAudit| match top(k) {
            Some(kind) => (0, Some(kind)),
            None => (1, None),
        };
        rank(a)
            .cmp(&rank(b))
            .then_with(|| (b.is_active() && b.is_admin()).cmp(&(a.is_active() && a.is_admin())))
            .then_with(|| a.user.cmp(&b.user))
            .then_with(|| a.key_id.cmp(&b.key_id))
    });
}

#[cfg(test)]
mod tests {
    use super::super::{LastUse, Leak};
    use super::*;

    fn key(age: i64, used: Option<i64>) -> KeyAudit {
        KeyAudit {
            key_id: "AKIAEXAMPLEEXAMPLE22".into(),
            user: "u".into(),
            status: "Active".into(),
            created: None,
            age_days: Some(age),
            last_used: used.map(|d| LastUse {
                date: String::new(),
                days_ago: d,
                service: "s3".into(),
                region: "us-east-1".into(),
            }),
            quarantine: Vec::new(),
            leaks: Vec::new(),
            access: None,
            flags: Vec::new(),
        }
    }

    fn kinds(f: &[Flag]) -> Vec<FlagKind> {
        f.iter().map(|f| f.kind).collect()
    }

    #[test]
    fn age_and_use_follow_the_guidance() {
        assert!(flag_key(&key(10, Some(1)), 1, 90).is_empty());
        assert_eq!(
            kinds(&flag_key(&key(91, Some(1)), 1, 90)),
            [FlagKind::Stale]
        );
        assert_eq!(kinds(&flag_key(&key(91, Some(1)), 1, 120)), []);
        assert_eq!(kinds(&flag_key(&key(30, None), 1, 90)), [FlagKind::Unused]);
        assert_eq!(kinds(&flag_key(&key(3, None), 1, 90)), []);
        assert_eq!(
            kinds(&flag_key(&key(100, Some(95)), 2, 90)),
            [FlagKind::TwoActive, FlagKind::Stale, FlagKind::Unused]
        );
    }

    #[test]
    fn leaks_judged_live_come_first() {
        let mut k = key(10, Some(1));
        k.leaks.push(Leak {
            key_id: k.key_id.clone(),
            place: "app.py:3".into(),
            commit: Some("0123456789abcdef".into()),
            judged: Some("live".into()),
        });
        let f = flag_key(&k, 1, 90);
        assert_eq!(kinds(&f), [FlagKind::LeakedLive]);
        assert!(
            f[0].reason.contains("app.py:3 (commit 0123456789ab)"),
            "{f:?}"
        );
        k.status = "Inactive".into();
        let f = flag_key(&k, 1, 90);
        assert_eq!(kinds(&f), [FlagKind::Leaked]);
        assert!(f[0].action.starts_with("delete it"), "{f:?}");
    }
}
