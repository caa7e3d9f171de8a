//! Is a database credential live? One login per distinct credential, to the host that came
//! with it and no other, never retried (servers count failed logins and may lock the
//! account), bounded by a connect timeout, a per-login deadline and the run's deadline, with
//! at most `concurrency` logins at once.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::conn::{Credential, Engine, TlsMode};
// `Login` lives with the connection both protocols share, so that `pg` and `mysql` import
// `wire` and not this module, which imports them.
use crate::wire::Conn;
pub use crate::wire::Login;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    /// The login succeeded.
    Live,
    /// The server refused the password (or the user: servers do not say which).
    Invalid,
    /// Could not tell: the reason says why.
    Unknown,
}

/// The judge's answer for one credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    pub status: Status,
    /// Who the login was as (`live` only).
    pub user: Option<String>,
    /// The server's version string (`live` only).
    pub server_version: Option<String>,
    pub superuser: Option<bool>,
    pub reason: String,
}

impl Verdict {
    pub fn unknown(reason: impl Into<String>) -> Verdict {
        Verdict {
            status: Status::Unknown,
            user: None,
            server_version: None,
            superuser: None,
            reason: reason.into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct JudgeOptions {
    pub connect_timeout: Duration,
    /// Bound on one login, connection included.
    pub login_timeout: Duration,
    /// Bound on the whole run; credentials not judged by then are `unknown`.
    pub deadline: Duration,
    pub concurrency: usize,
}

impl Default for JudgeOptions {
    fn default() -> Self {
        JudgeOptions {
            connect_timeout: Duration::from_secs(5),
            login_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(120),
            concurrency: 8,
        }
    }
}

/// One login attempt with `cred`, bounded by `deadline`; the session is closed after it.
pub fn login(cred: &Credential, opts: &JudgeOptions, deadline: Instant) -> Login {
    match session(cred, opts, deadline) {
        Ok((mut conn, l)) => {
            match cred.engine {
                Engine::Postgres => crate::pg::terminate(&mut conn),
                _ => crate::mysql::terminate(&mut conn),
            }
            l
        }
        Err(l) => l,
    }
}

/// A login, and the open connection when it succeeded (for a statement after it).
pub(crate) fn session(
    cred: &Credential,
    opts: &JudgeOptions,
    deadline: Instant,
) -> Result<(Conn, Login), Login> {
    session_inner(cred, opts, deadline)
}

fn session_inner(
    cred: &Credential,
    opts: &JudgeOptions,
    deadline: Instant,
) -> Result<(Conn, Login), Login> {
    if cred.engine == Engine::Other {
        return Err(Login::Unknown(if cred.scheme == Engine::Other.as_str() {
            "engine not known: nothing near the password names it (an engine/adapter/driver setting, a well-known port or a connection URI)".into()
        } else {
            format!("engine `{}` not supported", cred.scheme)
        }));
    }
    if cred.tls == TlsMode::Required {
        return Err(Login::Unknown(
            "TLS required by the connection string (sslmode/ssl-mode), and unleak speaks plaintext only to databases: not tried".into(),
        ));
    }
    let deadline = deadline.min(Instant::now() + opts.login_timeout);
    let mut conn = match Conn::open(&cred.host, cred.port, opts.connect_timeout, deadline) {
        Ok(c) => c,
        Err(e) => return Err(Login::Unknown(e.to_string())),
    };
    let db = cred.dbname.as_deref();
    let result = match cred.engine {
        Engine::Postgres => crate::pg::login(&mut conn, &cred.user, &cred.password, db),
        _ => crate::mysql::login(&mut conn, &cred.user, &cred.password, db),
    };
    match result {
        Ok(l @ Login::Ok { .. }) => Ok((conn, l)),
        Ok(l) => Err(l),
        Err(e) => Err(Login::Unknown(e.to_string())),
    }
}

fn verdict(l: Login) -> Verdict {
    match l {
        Login::Ok {
            user,
            version,
            superuser,
        } => Verdict {
            status: Status::Live,
            reason: format!(
                "logged in as {user}{}{}",
                version
                    .as_deref()
                    .map(|v| format!(" ({v})"))
                    .unwrap_or_default(),
                if superuser == Some(true) {
                    ", a superuser"
                } else {
                    ""
                }
            ),
            user: Some(user),
            server_version: version,
            superuser,
        },
        Login::Refused(m) => Verdict {
            status: Status::Invalid,
            reason: format!("the server refused the login: {m}"),
            user: None,
            server_version: None,
            superuser: None,
        },
        Login::Unknown(r) => Verdict::unknown(r),
    }
}

/// Judge each credential once (duplicates share one login); verdicts in input order.
pub fn judge_all(creds: &[Credential], opts: &JudgeOptions) -> Vec<Verdict> {
    let start = Instant::now();
    let deadline = start + opts.deadline;
    let mut distinct: Vec<&Credential> = Vec::new();
    let mut index: HashMap<&Credential, usize> = HashMap::new();
    for c in creds {
        index.entry(c).or_insert_with(|| {
            distinct.push(c);
            distinct.len() - 1
        });
    }
    let results: Mutex<Vec<Option<Verdict>>> = Mutex::new(vec![None; distinct.len()]);
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..opts.concurrency.clamp(1, 64).min(distinct.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(c) = distinct.get(i) else { break };
                let v = if Instant::now() >= deadline {
                    Verdict::unknown(format!(
                        "not judged: the {:?} deadline passed",
                        opts.deadline
                    ))
                } else {
                    verdict(login(c, opts, deadline))
                };
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(v);
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    creds
        .iter()
        .map(|c| {
            results[index[c]]
                .clone()
                .unwrap_or_else(|| Verdict::unknown("not judged"))
        })
        .collect()
}
