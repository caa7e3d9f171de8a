//! The read-only part of a database rotation: every check and refusal, and, for an
//! unfinished one, what the database accepts now.

use unleak_db::change::{inspect, Probe};
use unleak_db::{Credential, Engine};

use super::secret::{secret_state, version_value, SecretState};
use super::{
    credential_id, default_secret_name, rds_engine, Accepts, DbPlan, DbRotateError,
    DbRotateOptions, DbRotationRecord, Result,
};
use crate::fix_client::FixClients;
use crate::journal::Journal;

/// Check everything and find out what to do, changing nothing. Logs in once with the found
/// password (and once as the administrator, if one is given); a resumed rotation also tries
/// the pending password.
pub async fn plan(c: &FixClients, journal: &Journal, opts: &DbRotateOptions) -> Result<DbPlan> {
    let cred = &opts.credential;
    let id = credential_id(cred);
    if cred.engine == Engine::Other {
        return Err(DbRotateError::Engine { id });
    }
    if let Some(a) = &opts.admin {
        if a.engine != cred.engine {
            return Err(DbRotateError::AdminEngine {
                admin: a.engine.as_str().into(),
                target: cred.engine.as_str().into(),
            });
        }
    }
    let admin_id = opts
        .admin
        .as_ref()
        .map(|a| format!("{}@{}:{}", a.user, a.host, a.port));
    let record: Option<DbRotationRecord> = journal.load(&id)?;
    let mut plan = DbPlan {
        id: id.clone(),
        engine: rds_engine(cred, None),
        user: cred.user.clone(),
        server_version: None,
        secret_name: opts
            .secret_name
            .clone()
            .unwrap_or_else(|| default_secret_name(cred)),
        secret_exists: false,
        account: None,
        admin: admin_id,
        resume: None,
        already_done: None,
        credential: cred.clone(),
        admin_cred: opts.admin.clone(),
        db: opts.db.clone(),
    };

    if let Some(r) = record.clone().filter(|r| !r.done) {
        if opts
            .secret_name
            .as_ref()
            .is_some_and(|s| *s != r.secret_name)
        {
            return Err(DbRotateError::JournalMismatch {
                id,
                journal: r.secret_name,
            });
        }
        if let (Some(a), None) = (&r.admin, &opts.admin) {
            return Err(DbRotateError::AdminNeeded {
                id,
                admin: a.clone(),
            });
        }
        let accepts = converge(c, opts, &r).await?;
        plan.secret_name = r.secret_name.clone();
        plan.engine = r.engine.clone();
        plan.secret_exists = r.secret_arn.is_some();
        if plan.admin.is_none() {
            plan.admin = r.admin.clone();
        }
        plan.resume = Some((r, accepts));
        return Ok(plan);
    }

    let account = match inspect(cred, &opts.db) {
        Probe::Accepted(a) => a,
        Probe::Refused(reason) => {
            return match record {
                Some(r) => {
                    plan.secret_name = r.secret_name.clone();
                    plan.already_done = Some(r);
                    Ok(plan)
                }
                None => Err(DbRotateError::OldRefused { id, reason }),
            }
        }
        Probe::Unknown(reason) => return Err(DbRotateError::Unreachable { id, reason }),
    };
    if !opts.allow_superuser {
        match account.superuser {
            Some(false) => {}
            Some(true) => {
                return Err(DbRotateError::Superuser {
                    id,
                    user: cred.user.clone(),
                })
            }
            None => {
                return Err(DbRotateError::SuperuserUnknown {
                    id,
                    user: cred.user.clone(),
                })
            }
        }
    }
    if let Some(a) = &opts.admin {
        match inspect(a, &opts.db) {
            Probe::Accepted(_) => {}
            Probe::Refused(reason) | Probe::Unknown(reason) => {
                return Err(DbRotateError::AdminRefused { reason })
            }
        }
    }
    plan.secret_exists = match secret_state(c, &plan.secret_name, cred).await? {
        SecretState::Absent => false,
        SecretState::Usable => true,
        SecretState::Foreign => {
            return Err(DbRotateError::SecretTaken {
                name: plan.secret_name,
                id,
            })
        }
    };
    plan.engine = rds_engine(cred, Some(&account));
    plan.server_version = account.version.clone();
    plan.account = Some(account);
    Ok(plan)
}

/// An unfinished rotation: which password does the database take now? The pending one is
/// tried first (after a crash it is the likelier), then the old one.
async fn converge(c: &FixClients, opts: &DbRotateOptions, r: &DbRotationRecord) -> Result<Accepts> {
    let id = r.id.clone();
    let pending = version_value(c, &r.secret_name, &r.pending_token).await?;
    if let Some(p) = &pending {
        let with_pending = Credential {
            password: p.password.clone(),
            ..opts.credential.clone()
        };
        match inspect(&with_pending, &opts.db) {
            Probe::Accepted(_) => return Ok(Accepts::Pending),
            Probe::Refused(_) => {}
            Probe::Unknown(reason) => return Err(DbRotateError::Unreachable { id, reason }),
        }
    }
    match inspect(&opts.credential, &opts.db) {
        Probe::Accepted(_) if pending.is_some() => Ok(Accepts::Old),
        Probe::Accepted(_) => Ok(Accepts::OldNoPending),
        Probe::Refused(_) => Err(DbRotateError::Diverged {
            id,
            name: r.secret_name.clone(),
        }),
        Probe::Unknown(reason) => Err(DbRotateError::Unreachable { id, reason }),
    }
}
