//! Changing a credential's own password in its database: the "set" step of a rotation.
//! PostgreSQL: `ALTER ROLE CURRENT_USER PASSWORD '<SCRAM verifier>'` (the verifier, not the
//! password, so the new password is not in the server's statement log); MySQL/MariaDB:
//! `ALTER USER CURRENT_USER() IDENTIFIED BY '…'` (MariaDB: `SET PASSWORD = '<native hash>'`,
//! so that its logs never see the password either). New passwords come from `new_password`,
//! whose alphabet (letters and digits) needs no quoting in SQL, URIs or shells.
//!
//! For a rotation also: [`inspect`] (does this password log in, as which account, is it a
//! superuser) and [`change_password_as`] (an administrator sets another account's password).

use std::time::Instant;

use crate::conn::{Credential, Engine};
use crate::judge::{session, JudgeOptions};
use crate::wire::{Login, WireError};

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("cannot log in with the current password: {0}")]
    Login(String),
    #[error("the server refused the change: {0}")]
    Refused(String),
    #[error("{0}")]
    Wire(String),
    #[error("the new password holds characters outside letters and digits")]
    Alphabet,
}

impl From<WireError> for ChangeError {
    fn from(e: WireError) -> Self {
        ChangeError::Wire(e.to_string())
    }
}

/// A new random password: `len` letters and digits from the system's CSPRNG.
pub fn new_password(len: usize) -> Result<String, ChangeError> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::with_capacity(len);
    while out.len() < len {
        let mut b = [0u8; 64];
        getrandom::fill(&mut b).map_err(|e| ChangeError::Wire(format!("no randomness: {e}")))?;
        // 248 = 4 * 62: rejection keeps every character equally likely.
        out.extend(
            b.iter()
                .filter(|&&x| x < 248)
                .map(|&x| ALPHABET[(x % 62) as usize] as char)
                .take(len - out.len()),
        );
    }
    Ok(out)
}

/// What a login with a credential found, for a rotation to decide on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    /// The password logs in.
    Accepted(Account),
    /// The server refused it.
    Refused(String),
    /// Could not tell (unreachable, timeout, TLS, unsupported authentication).
    Unknown(String),
}

/// The account a credential logged in as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub user: String,
    pub version: Option<String>,
    /// `None`: the server would not say (the rotation then treats it as a superuser).
    pub superuser: Option<bool>,
    /// MariaDB (not MySQL): its password statement differs, and Secrets Manager calls its
    /// engine `mariadb`.
    pub mariadb: bool,
    /// MySQL/MariaDB: the host part of the account (`'app'@'%'`), which an administrator's
    /// `ALTER USER` must name.
    pub account_host: Option<String>,
}

/// Log in as `cred` and find out who that is. MySQL does not say at login whether the account
/// is a superuser: its own `SUPER` privilege is read from `information_schema` (which shows a
/// user its own grants).
pub fn inspect(cred: &Credential, opts: &JudgeOptions) -> Probe {
    let deadline = Instant::now() + opts.login_timeout;
    let (mut conn, login) = match session(cred, opts, deadline) {
        Ok(s) => s,
        Err(Login::Refused(m)) => return Probe::Refused(m),
        Err(Login::Unknown(m)) => return Probe::Unknown(m),
        Err(Login::Ok { .. }) => return Probe::Unknown("login ended early".into()),
    };
    let Login::Ok {
        user,
        version,
        superuser,
    } = login
    else {
        return Probe::Unknown("login ended early".into());
    };
    let mariadb = version.as_deref().is_some_and(|v| v.contains("MariaDB"));
    if cred.engine == Engine::Postgres {
        crate::pg::terminate(&mut conn);
        return Probe::Accepted(Account {
            user,
            version,
            superuser,
            mariadb: false,
            account_host: None,
        });
    }
    let first = |conn: &mut crate::wire::Conn, sql: &str| -> Option<String> {
        match crate::mysql::query_column(conn, sql) {
            Ok(Ok(rows)) => rows.into_iter().next().flatten(),
            _ => None,
        }
    };
    let current = first(&mut conn, "SELECT CURRENT_USER()");
    let account_host = current
        .as_deref()
        .and_then(|c| c.rsplit_once('@'))
        .map(|(_, h)| h.to_string());
    let superuser = first(
        &mut conn,
        "SELECT COUNT(*) FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'SUPER' \
         AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', \
         SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')",
    )
    .and_then(|n| n.parse::<u64>().ok())
    .map(|n| n > 0);
    crate::mysql::terminate(&mut conn);
    Probe::Accepted(Account {
        user,
        version,
        superuser,
        mariadb,
        account_host,
    })
}

/// Log in as the administrator `admin` and set the password of `target`'s account to `new`
/// (`account_host`: the MySQL account's host part, as [`inspect`] found it; `%` if unknown). PostgreSQL gets the SCRAM verifier, as in
/// [`change_own_password`].
pub fn change_password_as(
    admin: &Credential,
    target: &Credential,
    account_host: Option<&str>,
    new: &str,
    opts: &JudgeOptions,
) -> Result<(), ChangeError> {
    if new.is_empty() || !new.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ChangeError::Alphabet);
    }
    if admin.engine != target.engine {
        return Err(ChangeError::Refused(
            "the administrator's engine is not the credential's".into(),
        ));
    }
    let deadline = Instant::now() + opts.login_timeout;
    let (mut conn, login) = session(admin, opts, deadline).map_err(|l| {
        ChangeError::Login(match l {
            Login::Refused(m) | Login::Unknown(m) => format!("(administrator) {m}"),
            Login::Ok { .. } => String::new(),
        })
    })?;
    let mariadb = matches!(&login, Login::Ok { version: Some(v), .. } if v.contains("MariaDB"));
    let done = match admin.engine {
        Engine::Postgres => {
            let v = crate::pg::scram_verifier(new)?;
            let sql = format!(
                "ALTER ROLE \"{}\" PASSWORD '{v}'",
                target.user.replace('"', "\"\"")
            );
            let r = crate::pg::execute(&mut conn, &sql)?;
            crate::pg::terminate(&mut conn);
            r
        }
        _ => {
            let lit = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
            let host = account_host.unwrap_or("%");
            let sql = if mariadb {
                format!(
                    "SET PASSWORD FOR {}@{} = '{}'",
                    lit(&target.user),
                    lit(host),
                    crate::mysql::native_password_hash(new)
                )
            } else {
                format!(
                    "ALTER USER {}@{} IDENTIFIED BY '{new}'",
                    lit(&target.user),
                    lit(host)
                )
            };
            let r = crate::mysql::execute(&mut conn, &sql)?;
            crate::mysql::terminate(&mut conn);
            r
        }
    };
    done.map_err(ChangeError::Refused)
}

/// Log in as `cred` and set its own password to `new`.
pub fn change_own_password(
    cred: &Credential,
    new: &str,
    opts: &JudgeOptions,
) -> Result<(), ChangeError> {
    if new.is_empty() || !new.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(ChangeError::Alphabet);
    }
    let deadline = Instant::now() + opts.login_timeout;
    let (mut conn, login) = session(cred, opts, deadline).map_err(|l| {
        ChangeError::Login(match l {
            Login::Refused(m) | Login::Unknown(m) => m,
            Login::Ok { .. } => String::new(),
        })
    })?;
    let done = match cred.engine {
        Engine::Postgres => {
            let v = crate::pg::scram_verifier(new)?;
            let r = crate::pg::execute(
                &mut conn,
                &format!("ALTER ROLE CURRENT_USER PASSWORD '{v}'"),
            )?;
            crate::pg::terminate(&mut conn);
            r
        }
        _ => {
            // MariaDB lets a user without CREATE USER change only its own password, and only
            // with SET PASSWORD; MySQL 8 has no PASSWORD() and takes ALTER USER.
            let mariadb =
                matches!(&login, Login::Ok { version: Some(v), .. } if v.contains("MariaDB"));
            let sql = if mariadb {
                // The hash, not the password (this crate logs in to MariaDB only with
                // mysql_native_password, so that is the account's plugin).
                format!(
                    "SET PASSWORD = '{}'",
                    crate::mysql::native_password_hash(new)
                )
            } else {
                format!("ALTER USER CURRENT_USER() IDENTIFIED BY '{new}'")
            };
            let r = crate::mysql::execute(&mut conn, &sql)?;
            crate::mysql::terminate(&mut conn);
            r
        }
    };
    done.map_err(ChangeError::Refused)
}
