//! The changing part of a database rotation: create, set, test, finish, each journaled and
//! each safe to repeat.

use unleak_db::change::{change_own_password, change_password_as, inspect, new_password, Probe};
use unleak_db::Credential;

use super::secret::{ensure_secret, version_value, RdsSecret};
use super::{
    Accepts, DbPlan, DbRotateError, DbRotateReport, DbRotationRecord, DbStep, Result, PASSWORD_LEN,
};
use crate::failpoint;
use crate::fix_client::FixClients;
use crate::journal::{now_secs, Journal};
use crate::secret_versions::{promote, put_pending};
use crate::store::random_uuid;

/// Run the plan. `progress` hears one line per change (never a password).
pub async fn execute(
    c: &FixClients,
    journal: &Journal,
    plan: &DbPlan,
    progress: &mut dyn FnMut(&str),
) -> Result<DbRotateReport> {
    if let Some(r) = &plan.already_done {
        return Ok(report(r, false));
    }
    let id = plan.id.as_str();
    // A step's action is done: pass its crash point, then journal it.
    let reach = |rec: &mut DbRotationRecord, step: DbStep| -> Result<()> {
        failpoint::hit(step.failpoint());
        rec.step = step;
        journal.save(id, rec)?;
        Ok(())
    };

    // 1. Journal, durably, before any change.
    let mut rec = match &plan.resume {
        Some((r, _)) => r.clone(),
        None => {
            let cred = &plan.credential;
            let r = DbRotationRecord {
                version: 1,
                id: id.to_string(),
                engine: plan.engine.clone(),
                host: cred.host.clone(),
                port: cred.port,
                username: cred.user.clone(),
                dbname: cred.dbname.clone(),
                account_host: plan.account.as_ref().and_then(|a| a.account_host.clone()),
                admin: plan.admin.clone(),
                secret_name: plan.secret_name.clone(),
                secret_arn: None,
                current_token: random_uuid(),
                pending_token: random_uuid(),
                started_at: now_secs(),
                step: DbStep::Journaled,
                done: false,
                finished_at: None,
            };
            journal.save(id, &r)?;
            progress(&format!(
                "journaled the rotation in {}",
                journal.path_of(id).display()
            ));
            r
        }
    };
    failpoint::hit(DbStep::Journaled.failpoint());
    let name = rec.secret_name.clone();

    // 2. The secret, its AWSCURRENT the credential as it is now.
    let old = RdsSecret::of(&rec, &plan.credential.password);
    let arn = ensure_secret(c, &rec, &old, progress).await?;
    if rec.secret_arn.as_deref() != Some(arn.as_str()) {
        rec.secret_arn = Some(arn.clone());
        reach(&mut rec, DbStep::SecretReady)?;
    }

    // 3. Create: the pending password, stored before the database sees it.
    let pending = match version_value(c, &name, &rec.pending_token).await? {
        Some(p) => {
            progress(&format!(
                "found the pending password already in `{name}` (AWSPENDING)"
            ));
            p
        }
        None => {
            let p = RdsSecret::of(
                &rec,
                &new_password(PASSWORD_LEN).map_err(|e| DbRotateError::Change(e.to_string()))?,
            );
            put_pending(c, &name, &p.to_json(), &rec.pending_token).await?;
            progress(&format!("stored a new password as AWSPENDING of `{name}`"));
            p
        }
    };
    if rec.step == DbStep::Journaled || rec.step == DbStep::SecretReady {
        reach(&mut rec, DbStep::PendingStored)?;
    }
    let new_cred = Credential {
        password: pending.password.clone(),
        ..plan.credential.clone()
    };

    // 4. Set, unless the database already has it (asked by `plan` when resuming).
    let already_set = matches!(plan.resume, Some((_, Accepts::Pending)));
    if already_set {
        progress("the database already accepts the pending password");
    } else {
        let changed = match &plan.admin_cred {
            Some(admin) => change_password_as(
                admin,
                &plan.credential,
                rec.account_host.as_deref(),
                &pending.password,
                &plan.db,
            ),
            None => change_own_password(&plan.credential, &pending.password, &plan.db),
        };
        changed.map_err(|e| DbRotateError::Change(e.to_string()))?;
        progress(&format!(
            "set the new password of {} in the database",
            rec.username
        ));
    }
    if rec.step == DbStep::PendingStored {
        reach(&mut rec, DbStep::Changed)?;
    }

    // 5. Test: the new one in, the old one out.
    match inspect(&new_cred, &plan.db) {
        Probe::Accepted(_) => {}
        Probe::Refused(m) | Probe::Unknown(m) => {
            return Err(DbRotateError::TestFailed {
                what: format!("it does not log in: {m}"),
            })
        }
    }
    match inspect(&plan.credential, &plan.db) {
        Probe::Refused(_) => {}
        Probe::Accepted(_) => {
            return Err(DbRotateError::TestFailed {
                what: "the old password still logs in".into(),
            })
        }
        Probe::Unknown(m) => {
            return Err(DbRotateError::TestFailed {
                what: format!("whether the old password is refused is not known: {m}"),
            })
        }
    }
    progress("checked the new password logs in and the old one is refused");
    if rec.step != DbStep::Tested {
        reach(&mut rec, DbStep::Tested)?;
    }

    // 6. Finish: AWSCURRENT to the new version.
    promote(c, &name, &rec.pending_token).await?;
    progress(&format!("moved AWSCURRENT of `{name}` to the new password"));
    failpoint::hit(DbStep::Done.failpoint());
    rec.step = DbStep::Done;
    rec.done = true;
    rec.finished_at = Some(now_secs());
    journal.save(id, &rec)?;
    Ok(report(&rec, plan.resume.is_some()))
}

fn report(r: &DbRotationRecord, resumed: bool) -> DbRotateReport {
    DbRotateReport {
        id: r.id.clone(),
        engine: r.engine.clone(),
        user: r.username.clone(),
        secret_name: r.secret_name.clone(),
        secret_arn: r.secret_arn.clone().unwrap_or_default(),
        resumed,
    }
}
