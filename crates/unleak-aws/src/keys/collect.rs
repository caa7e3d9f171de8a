//! The IAM reads of an audit. Users are listed page by page; each user's keys, their last use
//! and (for users with keys) their policies are read with at most `concurrency` users in
//! flight; the whole run has a deadline, and whatever it could not read is named in
//! `Audit::missing` instead of failing the run. Managed policy documents are read once per
//! policy, group policies once per group.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_iam::primitives::DateTimeFormat;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::access::{self, PolicyDoc};
use super::credential_report::{self, ROOT};
use super::flags::{self, Flag, FlagKind};
use super::{
    Audit, AuditError, AuditOptions, ConsoleUse, KeyAudit, LastUse, RootState, QUARANTINE_PREFIX,
    UNUSED_DAYS,
};
use crate::client;
use crate::sdk_error::{call, CallError};

/// Polls of `GenerateCredentialReport` until the report is ready.
const REPORT_POLLS: [u64; 8] = [0, 250, 500, 1000, 2000, 2000, 4000, 8000];

/// [`audit`] on a runtime of its own, for synchronous callers.
pub fn audit_blocking(opts: &AuditOptions) -> Result<Audit, AuditError> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(AuditError::Runtime)?;
    rt.block_on(audit(opts))
}

/// Read the account and flag every key.
pub async fn audit(opts: &AuditOptions) -> Result<Audit, AuditError> {
    let started = Instant::now();
    let config = client::load(&opts.aws).await;
    let iam = aws_sdk_iam::Client::new(&config);
    let sts = aws_sdk_sts::Client::new(&config);
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(call("sts:GetCallerIdentity (your credentials)"))?;
    let account = me.account().unwrap_or_default().to_string();
    let deadline = started + opts.deadline;
    let missing: Arc<Mutex<Vec<String>>> = Arc::default();
    let note = {
        let missing = Arc::clone(&missing);
        move |s: String| missing.lock().unwrap_or_else(|p| p.into_inner()).push(s)
    };

    let users = tokio::time::timeout(opts.deadline, list_users(&iam))
        .await
        .map_err(|_| CallError {
            op: "iam:ListUsers",
            message: format!(
                "the users could not be listed within the deadline of {} s",
                opts.deadline.as_secs()
            ),
        })??;
    let reader = Arc::new(Reader {
        iam: iam.clone(),
        now: opts.now,
        managed: Mutex::default(),
        groups: tokio::sync::Mutex::default(),
    });
    let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let done: Arc<Mutex<Vec<UserRead>>> = Arc::default();
    let mut tasks = JoinSet::new();
    for user in users.clone() {
        let (reader, permits, done) =
            (Arc::clone(&reader), Arc::clone(&permits), Arc::clone(&done));
        tasks.spawn(async move {
            let _permit = permits.acquire_owned().await;
            let read = reader.user(&user).await;
            done.lock().unwrap_or_else(|p| p.into_inner()).push(read);
        });
    }
    let report = async { credential_report(&iam).await };
    let all_users = async { while tasks.join_next().await.is_some() {} };
    let left = deadline.saturating_duration_since(Instant::now());
    let (finished, report) =
        match tokio::time::timeout(left, async { tokio::join!(all_users, report) }).await {
            Ok(((), r)) => (true, Some(r)),
            Err(_) => (false, None),
        };
    tasks.abort_all();
    let reads = std::mem::take(&mut *done.lock().unwrap_or_else(|p| p.into_inner()));
    if !finished {
        let seen: std::collections::HashSet<&str> = reads.iter().map(|r| r.user.as_str()).collect();
        let not: Vec<&str> = users
            .iter()
            .map(String::as_str)
            .filter(|u| !seen.contains(u))
            .collect();
        if !not.is_empty() {
            note(format!(
                "{} of {} users not read before the deadline of {} s: {}",
                not.len(),
                users.len(),
                opts.deadline.as_secs(),
                abbreviate(&not)
            ));
        }
    }

    // Keys, flags, order.
    let leaks = &opts.leaks;
    let mut keys = Vec::new();
    for r in reads {
        for m in r.missing {
            note(m);
        }
        let active = r.keys.iter().filter(|k| k.is_active()).count();
        for mut k in r.keys {
            k.leaks = leaks
                .iter()
                .filter(|l| l.key_id == k.key_id)
                .cloned()
                .collect();
            k.flags = flags::flag_key(&k, active, opts.max_age_days);
            keys.push(k);
        }
    }
    for l in leaks {
        if !keys.iter().any(|k| k.key_id == l.key_id) && finished {
            // Not a key of this account (or deleted): nothing to join; said, not dropped.
            note(format!(
                "leaked key {} ({}) is not a key of account {account} (deleted, or another account's)",
                l.key_id, l.place
            ));
        }
    }
    flags::sort(&mut keys);

    // The credential report: root keys and console passwords.
    let mut root = RootState::default();
    let mut account_flags = Vec::new();
    let mut console = Vec::new();
    match report {
        None => note("credential report: not read before the deadline".into()),
        Some(Err(e)) => note(format!("credential report: {e}")),
        Some(Ok(rows)) => {
            for row in &rows {
                if row.user == ROOT {
                    root.known = true;
                    root.active_access_keys =
                        row.access_key_1_active as u8 + row.access_key_2_active as u8;
                    root.password_last_used = row.password_last_used.clone();
                    if root.active_access_keys > 0 {
                        account_flags.push(Flag {
                            kind: FlagKind::RootKey,
                            reason: format!(
                                "the root user has {} active access key(s): they can do anything, and no policy can limit them",
                                root.active_access_keys
                            ),
                            action: "sign in as root and delete them (Security credentials page); use IAM roles or users instead. unleak never touches root keys".into(),
                        });
                    }
                    continue;
                }
                if !row.password_enabled {
                    continue;
                }
                let days = row
                    .password_last_used
                    .as_deref()
                    .and_then(parse_rfc3339)
                    .map(|t| (opts.now - t) / 86_400);
                let reason = match days {
                    Some(d) if d >= UNUSED_DAYS => {
                        format!("console password last used {d} days ago")
                    }
                    Some(_) => continue,
                    None => "console password never used".to_string(),
                };
                console.push(ConsoleUse {
                    user: row.user.clone(),
                    password_last_used: row.password_last_used.clone(),
                    flag: Flag {
                        kind: FlagKind::ConsoleUnused,
                        reason,
                        action: format!(
                            "remove the password if nobody needs it: aws iam delete-login-profile --user-name {}",
                            row.user
                        ),
                    },
                });
            }
            if !root.known {
                note("credential report: it has no root row (`<root_account>`), so the root user's keys are unknown".into());
            }
        }
    }

    let missing = std::mem::take(&mut *missing.lock().unwrap_or_else(|p| p.into_inner()));
    Ok(Audit {
        account,
        users: users.len(),
        keys,
        root,
        account_flags,
        console,
        complete: missing.is_empty(),
        missing,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

fn abbreviate(names: &[&str]) -> String {
    let mut s = names
        .iter()
        .take(10)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > 10 {
        s.push_str(&format!(" and {} more", names.len() - 10));
    }
    s
}

/// What `user` can do, read with the auditor's IAM client (for the judge's live keys). What
/// could not be read is listed in `unread`.
pub async fn user_access(iam: &aws_sdk_iam::Client, user: &str) -> access::Access {
    let reader = Reader {
        iam: iam.clone(),
        now: 0,
        managed: Mutex::default(),
        groups: tokio::sync::Mutex::default(),
    };
    let mut missing = Vec::new();
    let (docs, _) = reader.policies(user, &mut missing).await;
    let mut a = access::summarise(&docs);
    a.unread.extend(missing);
    a
}

/// Every user name, page by page.
async fn list_users(iam: &aws_sdk_iam::Client) -> Result<Vec<String>, CallError> {
    let mut users = Vec::new();
    let mut marker = None;
    loop {
        let out = iam
            .list_users()
            .set_marker(marker.take())
            .send()
            .await
            .map_err(call("iam:ListUsers"))?;
        users.extend(out.users().iter().map(|u| u.user_name().to_string()));
        match out.marker() {
            Some(m) if out.is_truncated() => marker = Some(m.to_string()),
            _ => return Ok(users),
        }
    }
}

async fn credential_report(
    iam: &aws_sdk_iam::Client,
) -> Result<Vec<credential_report::Row>, String> {
    for wait in REPORT_POLLS {
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let g = iam
            .generate_credential_report()
            .send()
            .await
            .map_err(|e| call("iam:GenerateCredentialReport")(e).to_string())?;
        if g.state().map(|s| s.as_str()) == Some("COMPLETE") {
            let r = iam
                .get_credential_report()
                .send()
                .await
                .map_err(|e| call("iam:GetCredentialReport")(e).to_string())?;
            let bytes = r.content().map(|b| b.as_ref().to_vec()).unwrap_or_default();
            return credential_report::parse(&String::from_utf8_lossy(&bytes));
        }
    }
    Err("iam:GenerateCredentialReport: the report was not ready after 18 s".into())
}

/// What was read about one user.
struct UserRead {
    user: String,
    keys: Vec<KeyAudit>,
    missing: Vec<String>,
}

struct Reader {
    iam: aws_sdk_iam::Client,
    now: i64,
    /// Managed policy ARN → its default version's document (`None`: unreadable).
    managed: Mutex<HashMap<String, Option<String>>>,
    /// Group name → its policies.
    groups: tokio::sync::Mutex<HashMap<String, Result<Vec<PolicyDoc>, String>>>,
}

impl Reader {
    async fn user(&self, user: &str) -> UserRead {
        let mut read = UserRead {
            user: user.to_string(),
            keys: Vec::new(),
            missing: Vec::new(),
        };
        let listed = match self.iam.list_access_keys().user_name(user).send().await {
            Ok(o) => o,
            Err(e) => {
                read.missing
                    .push(format!("user {user}: {}", call("iam:ListAccessKeys")(e)));
                return read;
            }
        };
        for m in listed.access_key_metadata() {
            let Some(id) = m.access_key_id() else {
                continue;
            };
            let created = m.create_date().map(|d| d.secs());
            let last_used = match self
                .iam
                .get_access_key_last_used()
                .access_key_id(id)
                .send()
                .await
            {
                Ok(o) => o.access_key_last_used().and_then(|u| {
                    let date = u.last_used_date()?;
                    Some(LastUse {
                        date: date.fmt(DateTimeFormat::DateTime).unwrap_or_default(),
                        days_ago: (self.now - date.secs()) / 86_400,
                        service: u.service_name().to_string(),
                        region: u.region().to_string(),
                    })
                }),
                Err(e) => {
                    read.missing.push(format!(
                        "key {id}: last use unknown ({})",
                        call("iam:GetAccessKeyLastUsed")(e)
                    ));
                    None
                }
            };
            read.keys.push(KeyAudit {
                key_id: id.to_string(),
                user: user.to_string(),
                status: m
                    .status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                created: m
                    .create_date()
                    .and_then(|d| d.fmt(DateTimeFormat::DateTime).ok()),
                age_days: created.map(|c| (self.now - c) / 86_400),
                last_used,
                quarantine: Vec::new(),
                leaks: Vec::new(),
                access: None,
                flags: Vec::new(),
            });
        }
        if read.keys.is_empty() {
            return read;
        }
        let before = read.missing.len();
        let (docs, quarantine) = self.policies(user, &mut read.missing).await;
        let mut summary = access::summarise(&docs);
        // What could not be read makes the summary short of the truth: it says so.
        summary
            .unread
            .extend(read.missing[before..].iter().cloned());
        for k in &mut read.keys {
            k.quarantine = quarantine.clone();
            if k.is_active() {
                k.access = Some(summary.clone());
            }
        }
        read
    }

    /// The user's policy documents (attached, inline, its groups'), and the names of the
    /// quarantine policies among those attached to the user.
    async fn policies(
        &self,
        user: &str,
        missing: &mut Vec<String>,
    ) -> (Vec<PolicyDoc>, Vec<String>) {
        let mut docs = Vec::new();
        let mut quarantine = Vec::new();
        let mut lack = |what: String| missing.push(format!("user {user}: {what}"));
        match self
            .iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
        {
            Ok(o) => {
                for p in o.attached_policies() {
                    let (Some(name), Some(arn)) = (p.policy_name(), p.policy_arn()) else {
                        continue;
                    };
                    if name.starts_with(QUARANTINE_PREFIX) {
                        quarantine.push(name.to_string());
                    }
                    docs.push(self.managed(name, arn, "attached").await);
                }
            }
            Err(e) => lack(format!(
                "attached policies unknown ({})",
                call("iam:ListAttachedUserPolicies")(e)
            )),
        }
        match self.iam.list_user_policies().user_name(user).send().await {
            Ok(o) => {
                for name in o.policy_names() {
                    if name.starts_with(QUARANTINE_PREFIX) {
                        quarantine.push(name.to_string());
                    }
                    match self
                        .iam
                        .get_user_policy()
                        .user_name(user)
                        .policy_name(name)
                        .send()
                        .await
                    {
                        Ok(p) => docs.push(PolicyDoc {
                            source: format!("inline {name}"),
                            arn: None,
                            document: p.policy_document().to_string(),
                        }),
                        Err(e) => lack(format!(
                            "inline policy {name} unread ({})",
                            call("iam:GetUserPolicy")(e)
                        )),
                    }
                }
            }
            Err(e) => lack(format!(
                "inline policies unknown ({})",
                call("iam:ListUserPolicies")(e)
            )),
        }
        match self.iam.list_groups_for_user().user_name(user).send().await {
            Ok(o) => {
                for g in o.groups() {
                    match self.group(g.group_name()).await {
                        Ok(d) => docs.extend(d),
                        Err(why) => lack(why),
                    }
                }
            }
            Err(e) => lack(format!(
                "groups unknown ({})",
                call("iam:ListGroupsForUser")(e)
            )),
        }
        (docs, quarantine)
    }

    /// A managed policy's default document, read once per run.
    async fn managed(&self, name: &str, arn: &str, how: &str) -> PolicyDoc {
        let cached = self
            .managed
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(arn)
            .cloned();
        let document = match cached {
            Some(d) => d,
            None => {
                let d = self.fetch_managed(arn).await;
                self.managed
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(arn.to_string(), d.clone());
                d
            }
        };
        PolicyDoc {
            source: format!("{how} {name}"),
            arn: Some(arn.to_string()),
            document: document.unwrap_or_default(),
        }
    }

    async fn fetch_managed(&self, arn: &str) -> Option<String> {
        let p = self.iam.get_policy().policy_arn(arn).send().await.ok()?;
        let version = p.policy()?.default_version_id()?.to_string();
        let v = self
            .iam
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .ok()?;
        v.policy_version()?.document().map(str::to_string)
    }

    /// A group's attached and inline policies, read once per run.
    async fn group(&self, group: &str) -> Result<Vec<PolicyDoc>, String> {
        let mut cache = self.groups.lock().await;
        if let Some(r) = cache.get(group) {
            return r.clone();
        }
        let r = self.read_group(group).await;
        let out = r.clone();
        cache.insert(group.to_string(), r);
        out
    }

    async fn read_group(&self, group: &str) -> Result<Vec<PolicyDoc>, String> {
        let mut docs = Vec::new();
        let attached = self
            .iam
            .list_attached_group_policies()
            .group_name(group)
            .send()
            .await
            .map_err(|e| {
                format!(
                    "group {group}: {}",
                    call("iam:ListAttachedGroupPolicies")(e)
                )
            })?;
        for p in attached.attached_policies() {
            if let (Some(name), Some(arn)) = (p.policy_name(), p.policy_arn()) {
                docs.push(
                    self.managed(name, arn, &format!("group {group}: attached"))
                        .await,
                );
            }
        }
        let inline = self
            .iam
            .list_group_policies()
            .group_name(group)
            .send()
            .await
            .map_err(|e| format!("group {group}: {}", call("iam:ListGroupPolicies")(e)))?;
        for name in inline.policy_names() {
            let p = self
                .iam
                .get_group_policy()
                .group_name(group)
                .policy_name(name)
                .send()
                .await
                .map_err(|e| format!("group {group}: {}", call("iam:GetGroupPolicy")(e)))?;
            docs.push(PolicyDoc {
                source: format!("group {group}: inline {name}"),
                arn: None,
                document: p.policy_document().to_string(),
            });
        }
        Ok(docs)
    }
}

/// Unix seconds of an RFC 3339 time (the credential report's dates).
fn parse_rfc3339(s: &str) -> Option<i64> {
    aws_sdk_iam::primitives::DateTime::from_str(s, DateTimeFormat::DateTimeWithOffset)
        .or_else(|_| aws_sdk_iam::primitives::DateTime::from_str(s, DateTimeFormat::DateTime))
        .ok()
        .map(|d| d.secs())
}
