//! Changing a credential's own password in its database: the "set" step of a rotation.
//! PostgreSQL: `ALTER ROLE CURRENT_USER PASSWORD '<SCRAM verifier>'` (the verifier, not the
//! password, so the new password is not in the server's statement log); MySQL/MariaDB:
//! `ALTER USER CURRENT_USER() IDENTIFIED BY '…'` (MariaDB: `SET PASSWORD = PASSWORD('…')`). New passwords come from `new_password`, whose
//! alphabet (letters and digits) needs no quoting in SQL, URIs or shells.

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
                format!("SET PASSWORD = PASSWORD('{new}')")
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
