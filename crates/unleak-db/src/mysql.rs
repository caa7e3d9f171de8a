//! The MySQL/MariaDB side of a login: the server's v10 handshake, a protocol-41 handshake
//! response with `mysql_native_password` (MariaDB's default) or `caching_sha2_password`'s fast
//! path (MySQL 8's default, when the server has the user's hash cached), an auth switch to
//! either, and the OK or ERR that ends it. Plaintext only: `mysql_clear_password` and
//! caching_sha2's full authentication (which needs TLS or the server's RSA key) are not sent
//! the password; the verdict is `unknown` with the reason.

use sha1::Sha1;
use sha2::Sha256;

use crate::wire::{Conn, Login, WireError};

const CLIENT_LONG_PASSWORD: u32 = 1;
const CLIENT_CONNECT_WITH_DB: u32 = 8;
const CLIENT_PROTOCOL_41: u32 = 0x200;
const CLIENT_SECURE_CONNECTION: u32 = 0x8000;
const CLIENT_PLUGIN_AUTH: u32 = 0x80000;

pub fn login(
    c: &mut Conn,
    user: &str,
    password: &str,
    db: Option<&str>,
) -> Result<Login, WireError> {
    let (seq, hs) = read_packet(c)?;
    if hs.first() == Some(&0xff) {
        return Ok(error_login(&hs));
    }
    let mut r = Reader { b: &hs, at: 0 };
    if r.u8()? != 10 {
        return Err(proto("not a v10 handshake"));
    }
    let version = String::from_utf8_lossy(r.cstr()?).into_owned();
    r.take(4)?;
    let mut scramble = r.take(8)?.to_vec();
    r.take(1)?;
    let caps_lo = u32::from(r.u16()?);
    r.take(3)?;
    let caps = caps_lo | u32::from(r.u16()?) << 16;
    let auth_len = r.u8()? as usize;
    r.take(10)?;
    let mut plugin = "mysql_native_password".to_string();
    if caps & CLIENT_SECURE_CONNECTION != 0 {
        let n = auth_len.saturating_sub(8).max(13);
        let part2 = r.take(n)?;
        scramble.extend_from_slice(part2.strip_suffix(&[0]).unwrap_or(part2));
    }
    if caps & CLIENT_PLUGIN_AUTH != 0 {
        if let Ok(p) = r.cstr() {
            plugin = String::from_utf8_lossy(p).into_owned();
        }
    }
    let mut flags =
        CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 | CLIENT_SECURE_CONNECTION | CLIENT_PLUGIN_AUTH;
    if db.is_some() {
        flags |= CLIENT_CONNECT_WITH_DB;
    }
    let Some(auth) = scramble_for(&plugin, password, &scramble) else {
        return Ok(unsupported(&plugin));
    };
    let mut p = Vec::new();
    p.extend_from_slice(&flags.to_le_bytes());
    p.extend_from_slice(&(16u32 << 20).to_le_bytes());
    p.push(45); // utf8mb4_general_ci
    p.extend_from_slice(&[0; 23]);
    p.extend_from_slice(user.as_bytes());
    p.push(0);
    p.push(auth.len() as u8);
    p.extend_from_slice(&auth);
    if let Some(db) = db {
        p.extend_from_slice(db.as_bytes());
        p.push(0);
    }
    p.extend_from_slice(plugin.as_bytes());
    p.push(0);
    let mut seq = seq.wrapping_add(1);
    write_packet(c, seq, &p)?;
    let version = version
        .strip_prefix("5.5.5-")
        .unwrap_or(&version)
        .to_string();
    loop {
        let (s, reply) = read_packet(c)?;
        seq = s;
        match reply.first() {
            Some(0x00) => {
                return Ok(Login::Ok {
                    user: user.to_string(),
                    version: Some(label(&version)),
                    superuser: None,
                });
            }
            Some(0xff) => return Ok(error_login_as(&reply, user, &label(&version))),
            Some(0xfe) => {
                // Auth switch: another plugin, a new scramble.
                let mut r = Reader { b: &reply[1..], at: 0 };
                plugin = String::from_utf8_lossy(r.cstr()?).into_owned();
                let data = &reply[1 + r.at..];
                let data = data.strip_suffix(&[0]).unwrap_or(data);
                let Some(auth) = scramble_for(&plugin, password, data) else {
                    return Ok(unsupported(&plugin));
                };
                seq = seq.wrapping_add(1);
                write_packet(c, seq, &auth)?;
            }
            Some(0x01) if plugin == "caching_sha2_password" => match reply.get(1) {
                Some(3) => {} // fast auth succeeded: the OK follows
                _ => {
                    return Ok(Login::Unknown(
                        "caching_sha2_password wants full authentication, which sends the password over TLS or RSA only: not sent".into(),
                    ))
                }
            },
            _ => return Err(proto("unexpected packet during authentication")),
        }
    }
}

fn label(version: &str) -> String {
    if version.contains("MariaDB") {
        version.to_string()
    } else {
        format!("MySQL {version}")
    }
}

fn unsupported(plugin: &str) -> Login {
    Login::Unknown(if plugin == "mysql_clear_password" {
        "the server asks for the password in clear text over an unencrypted connection: not sent"
            .into()
    } else {
        format!("authentication plugin `{plugin}` not supported (mysql_native_password and caching_sha2_password are)")
    })
}

/// The auth response of `plugin` for `password` and the server's 20-byte scramble.
fn scramble_for(plugin: &str, password: &str, scramble: &[u8]) -> Option<Vec<u8>> {
    if password.is_empty() {
        return Some(Vec::new());
    }
    match plugin {
        "mysql_native_password" => {
            use sha1::Digest as _;
            let h1 = Sha1::digest(password.as_bytes());
            let h2 = Sha1::digest(h1);
            let x = Sha1::new()
                .chain_update(scramble)
                .chain_update(h2)
                .finalize();
            Some(h1.iter().zip(x.iter()).map(|(a, b)| a ^ b).collect())
        }
        "caching_sha2_password" => {
            use sha2::Digest as _;
            let h1 = Sha256::digest(password.as_bytes());
            let h2 = Sha256::digest(h1);
            let x = Sha256::new()
                .chain_update(h2)
                .chain_update(scramble)
                .finalize();
            Some(h1.iter().zip(x.iter()).map(|(a, b)| a ^ b).collect())
        }
        _ => None,
    }
}

/// ERR during login: 1045 (access denied: wrong password or no such user) is a refusal;
/// 3159 (secure transport required) and anything else is `unknown`.
fn error_login_as(p: &[u8], user: &str, version: &str) -> Login {
    // 1044: the password was accepted, the database named is not this user's.
    if p.get(1..3) == Some(&1044u16.to_le_bytes()[..]) {
        return Login::Ok {
            user: format!("{user} (no access to the database named)"),
            version: Some(version.to_string()),
            superuser: None,
        };
    }
    error_login(p)
}

fn error_login(p: &[u8]) -> Login {
    let code = p.get(1..3).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]));
    let msg = match p.get(3) {
        Some(b'#') => p.get(9..).unwrap_or_default(),
        _ => p.get(3..).unwrap_or_default(),
    };
    let msg = String::from_utf8_lossy(msg).into_owned();
    match code {
        1045 => Login::Refused(msg),
        3159 => Login::Unknown(format!(
            "TLS required by the server ({msg}); unleak speaks plaintext only to databases"
        )),
        _ => Login::Unknown(format!("server error {code}: {msg}")),
    }
}

fn read_packet(c: &mut Conn) -> Result<(u8, Vec<u8>), WireError> {
    let mut h = [0u8; 4];
    c.read_exact(&mut h)?;
    let len = u32::from_le_bytes([h[0], h[1], h[2], 0]) as usize;
    let mut p = vec![0; len];
    c.read_exact(&mut p)?;
    Ok((h[3], p))
}

fn write_packet(c: &mut Conn, seq: u8, payload: &[u8]) -> Result<(), WireError> {
    let len = payload.len() as u32;
    let mut m = len.to_le_bytes()[..3].to_vec();
    m.push(seq);
    m.extend_from_slice(payload);
    c.write_all(&m)
}

struct Reader<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let s = self
            .b
            .get(self.at..self.at + n)
            .ok_or_else(|| proto("short handshake"))?;
        self.at += n;
        Ok(s)
    }
    fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }
    fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    fn cstr(&mut self) -> Result<&'a [u8], WireError> {
        let rest = self
            .b
            .get(self.at..)
            .ok_or_else(|| proto("short handshake"))?;
        let n = rest
            .iter()
            .position(|&b| b == 0)
            .ok_or_else(|| proto("unterminated string"))?;
        self.at += n + 1;
        Ok(&rest[..n])
    }
}

fn proto(what: &str) -> WireError {
    WireError::Protocol(what.to_string())
}

/// Close a session politely (COM_QUIT).
pub fn terminate(c: &mut Conn) {
    let _ = write_packet(c, 0, &[0x01]);
}

/// Run one statement (COM_QUERY) in a logged-in session; the server's message if it fails.
pub fn execute(c: &mut Conn, sql: &str) -> Result<Result<(), String>, WireError> {
    let mut q = vec![0x03];
    q.extend_from_slice(sql.as_bytes());
    write_packet(c, 0, &q)?;
    let (_, reply) = read_packet(c)?;
    Ok(match reply.first() {
        Some(0x00) => Ok(()),
        Some(0xff) => Err(match error_login(&reply) {
            Login::Refused(m) | Login::Unknown(m) => m,
            Login::Ok { .. } => String::new(),
        }),
        _ => Err("unexpected answer to the statement".into()),
    })
}

/// Run a query (COM_QUERY) and return its rows' first column (`None` for SQL NULL), or the
/// server's message if it fails. Text protocol without CLIENT_DEPRECATE_EOF: a column count,
/// the column definitions, an EOF, the rows, an EOF.
pub fn query_column(
    c: &mut Conn,
    sql: &str,
) -> Result<Result<Vec<Option<String>>, String>, WireError> {
    let mut q = vec![0x03];
    q.extend_from_slice(sql.as_bytes());
    write_packet(c, 0, &q)?;
    let (_, head) = read_packet(c)?;
    match head.first() {
        Some(0xff) => {
            return Ok(Err(match error_login(&head) {
                Login::Refused(m) | Login::Unknown(m) => m,
                Login::Ok { .. } => String::new(),
            }))
        }
        Some(0x00) => return Ok(Ok(Vec::new())),
        _ => {}
    }
    let is_eof = |p: &[u8]| p.first() == Some(&0xfe) && p.len() < 9;
    // Column definitions up to their EOF.
    loop {
        let (_, p) = read_packet(c)?;
        if is_eof(&p) {
            break;
        }
    }
    let mut rows = Vec::new();
    loop {
        let (_, p) = read_packet(c)?;
        if is_eof(&p) {
            return Ok(Ok(rows));
        }
        if p.first() == Some(&0xff) {
            return Ok(Err("the query failed while sending its rows".into()));
        }
        rows.push(first_lenenc_string(&p)?);
    }
}

/// The first length-encoded string of a text-protocol row (`0xfb`: NULL).
fn first_lenenc_string(p: &[u8]) -> Result<Option<String>, WireError> {
    let mut r = Reader { b: p, at: 0 };
    let len = match r.u8()? {
        0xfb => return Ok(None),
        n @ 0..=0xfa => u64::from(n),
        0xfc => u64::from(r.u16()?),
        0xfd => {
            let b = r.take(3)?;
            u64::from(u32::from_le_bytes([b[0], b[1], b[2], 0]))
        }
        _ => {
            let b = r.take(8)?;
            u64::from_le_bytes(b.try_into().map_err(|_| proto("short row"))?)
        }
    };
    let len = usize::try_from(len).map_err(|_| proto("row value too long"))?;
    Ok(Some(String::from_utf8_lossy(r.take(len)?).into_owned()))
}

/// The `mysql_native_password` hash MariaDB stores for `password` (`*` and the upper-case hex
/// of SHA1(SHA1(password))): `SET PASSWORD = '<hash>'` takes it, so the new password itself
/// never reaches the server's general or slow log.
pub fn native_password_hash(password: &str) -> String {
    use sha1::Digest as _;
    let h = Sha1::digest(Sha1::digest(password.as_bytes()));
    let mut s = String::from("*");
    for b in h {
        s.push_str(&format!("{b:02X}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_values_and_the_native_hash() {
        assert_eq!(first_lenenc_string(&[0xfb]).unwrap(), None);
        assert_eq!(
            first_lenenc_string(b"\x03app\x01x").unwrap().as_deref(),
            Some("app")
        );
        let mut long = vec![0xfc, 0x2c, 0x01];
        long.extend(std::iter::repeat_n(b'a', 300));
        assert_eq!(first_lenenc_string(&long).unwrap().unwrap().len(), 300);
        assert!(first_lenenc_string(&[0x05, b'a']).is_err());
        let h = native_password_hash("some-password");
        assert_eq!(h.len(), 41);
        assert!(
            h.starts_with('*')
                && h[1..]
                    .bytes()
                    .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_lowercase())
        );
        assert_ne!(h, native_password_hash("some-password2"));
    }
}
