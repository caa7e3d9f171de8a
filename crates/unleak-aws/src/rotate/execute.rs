//! The changing part of a rotation: the journaled steps, each safe to repeat.

use super::iam::{create_key, deactivate_key, delete_key, detach_policy, list_keys, verify_key};
use super::plan::sort_keys;
use super::secret::{current_pair, ensure_secret, store_pair};
use super::{Plan, Result, RotateReport, RotationRecord, Step};
use crate::failpoint::{self, Point};
use crate::fix_client::FixClients;
use crate::journal::{now_secs, Journal};

/// Run the plan. `progress` hears one line per change made (never a secret).
pub async fn execute(
    c: &FixClients,
    journal: &Journal,
    plan: &Plan,
    progress: &mut dyn FnMut(&str),
) -> Result<RotateReport> {
    if let Some(r) = &plan.already_done {
        return Ok(RotateReport {
            account: r.account.clone(),
            user: r.user.clone(),
            old_key_id: r.old_key_id.clone(),
            new_key_id: r.new_key_id.clone().unwrap_or_default(),
            secret_name: r.secret_name.clone(),
            secret_arn: r.secret_arn.clone().unwrap_or_default(),
            old_key_deleted: !r.keep_old_inactive,
            last_used: None,
            resumed: false,
        });
    }
    let old = plan.old_key_id.as_str();
    let user = plan.user.as_str();
    let name = plan.secret_name.as_str();
    // Journal a step durably, then pass its crash point.
    let reach = |rec: &mut RotationRecord, step: Step| -> Result<()> {
        rec.step = step;
        journal.save(old, rec)?;
        failpoint::hit(step.failpoint());
        Ok(())
    };

    // 1. Journal, durably, before any change.
    let mut rec = match &plan.resume {
        Some(r) => r.clone(),
        None => {
            let r = RotationRecord {
                version: 2,
                account: plan.account.clone(),
                user: user.to_string(),
                old_key_id: old.to_string(),
                secret_name: name.to_string(),
                started_at: now_secs(),
                keys_before: plan.keys_before.clone(),
                created_keys: Vec::new(),
                creating_key_since: None,
                keep_old_inactive: plan.keep_old_inactive,
                detach_quarantine: plan.detach_quarantine,
                step: Step::Journaled,
                secret_arn: None,
                new_key_id: None,
                done: false,
                finished_at: None,
            };
            journal.save(old, &r)?;
            progress(&format!(
                "journaled the rotation in {}",
                journal.path_of(old).display()
            ));
            r
        }
    };
    rec.keep_old_inactive = plan.keep_old_inactive;
    failpoint::hit(Step::Journaled.failpoint());

    // 2. The secret, without a value.
    let arn = ensure_secret(c, name, old, user, progress).await?;
    if rec.secret_arn.as_deref() != Some(arn.as_str()) {
        rec.secret_arn = Some(arn.clone());
        rec.step = Step::SecretReady;
        journal.save(old, &rec)?;
    }
    failpoint::hit(Step::SecretReady.failpoint());

    // 3. A stored new key that still exists wins: never make a second one.
    let keys = list_keys(c, user, &plan.account).await?;
    let stored = current_pair(c, name).await?;
    let sorted = sort_keys(&keys, &rec, stored.as_ref());
    let stored = stored.filter(|_| sorted.stored);
    let pair = match stored {
        Some(p) => {
            progress(&format!(
                "found the new key {} already stored in `{name}`",
                p.access_key_id
            ));
            p
        }
        None => {
            // 4. Orphans first (ours, journaled; a crash lost their secret), then the new key.
            sorted.refuse_foreign(&rec)?;
            for k in &sorted.orphans {
                if delete_key(c, user, k).await? {
                    progress(&format!(
                        "deleted orphan key {k} (created by an interrupted run, journaled; its secret was never stored)"
                    ));
                }
            }
            failpoint::hit(Point::AfterDeleteOrphans);
            rec.creating_key_since = Some(now_secs());
            reach(&mut rec, Step::CreatingKey)?;
            let pair = create_key(c, user).await?;
            failpoint::hit(Point::BeforeJournalKey);
            // Journaled before anything else, so that a later run can prove the key is ours.
            rec.created_keys.push(pair.access_key_id.clone());
            rec.creating_key_since = None;
            rec.step = Step::KeyCreated;
            journal.save(old, &rec)?;
            progress(&format!("created access key {}", pair.access_key_id));
            failpoint::hit(Step::KeyCreated.failpoint());

            // 5. Store it at once, idempotently, and read it back.
            store_pair(c, name, &pair).await?;
            progress(&format!("stored the new key in `{name}`"));
            pair
        }
    };
    if rec.new_key_id.as_deref() != Some(pair.access_key_id.as_str()) {
        rec.new_key_id = Some(pair.access_key_id.clone());
        reach(&mut rec, Step::NewKeyStored)?;
    }

    // 6. The new key must work before the old one goes.
    verify_key(c, &pair, &plan.account, name, old).await?;
    progress(&format!(
        "checked the new key {} works (sts:GetCallerIdentity)",
        pair.access_key_id
    ));
    reach(&mut rec, Step::NewKeyVerified)?;

    // 7. Retire the old key.
    if deactivate_key(c, user, old).await? {
        progress(&format!("deactivated the old key {old}"));
    }
    reach(&mut rec, Step::OldKeyInactive)?;
    if !plan.keep_old_inactive {
        if delete_key(c, user, old).await? {
            progress(&format!("deleted the old key {old}"));
        } else {
            progress(&format!("the old key {old} was already deleted"));
        }
        failpoint::hit(Point::AfterDeleteOld);
    }
    // 8. Only when asked, and last: the quarantine (AWS's, until a person has looked).
    if plan.detach_quarantine && !plan.quarantine.is_empty() {
        rec.detach_quarantine = true;
        for q in &plan.quarantine {
            if detach_policy(c, user, &q.arn).await? {
                progress(&format!(
                    "detached the quarantine policy {} from `{user}`",
                    q.name
                ));
            }
        }
        reach(&mut rec, Step::QuarantineDetached)?;
    }
    rec.step = Step::Done;
    rec.done = true;
    rec.finished_at = Some(now_secs());
    journal.save(old, &rec)?;

    Ok(RotateReport {
        account: plan.account.clone(),
        user: user.to_string(),
        old_key_id: old.to_string(),
        new_key_id: pair.access_key_id.clone(),
        secret_name: name.to_string(),
        secret_arn: arn,
        old_key_deleted: !plan.keep_old_inactive,
        last_used: plan.last_used.clone(),
        resumed: plan.resume.is_some(),
    })
}
