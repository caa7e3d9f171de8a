//! The PostgreSQL side of a login: the v3 startup message, SCRAM-SHA-256 (RFC 5802/7677, what
//! PostgreSQL has used by default since version 14), then the server's parameters
//! (`server_version`, `is_superuser`). Plaintext only: a credential that demands TLS is
//! answered before any connection (see `judge`), and a server that asks for the password in
//! clear text is not sent it.

use base64::Engine as _;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::wire::{Conn, Login, WireError};

type HmacSha256 = Hmac<Sha256>;

/// One login as `user` with `password`; on success the session is ready for a query.
pub fn login(
    c: &mut Conn,
    user: &str,
    password: &str,
    db: Option<&str>,
) -> Result<Login, WireError> {
    let mut body = Vec::new();
    body.extend_from_slice(&196608u32.to_be_bytes());
    for (k, v) in [
        ("user", user),
        ("database", db.unwrap_or(user)),
        ("application_name", "unleak"),
    ] {
        body.extend_from_slice(k.as_bytes());
        body.push(0);
        body.extend_from_slice(v.as_bytes());
        body.push(0);
    }
    body.push(0);
    let mut msg = ((body.len() + 4) as u32).to_be_bytes().to_vec();
    msg.extend_from_slice(&body);
    c.write_all(&msg)?;

    let mut scram: Option<Scram> = None;
    let mut version = None;
    let mut superuser = None;
    loop {
        let (tag, data) = read_message(c)?;
        match tag {
            b'R' => {
                let code = be32(&data, 0)?;
                match code {
                    0 => {}
                    3 => {
                        return Ok(Login::Unknown(
                            "the server asks for the password in clear text over an unencrypted connection: not sent".into(),
                        ))
                    }
                    5 => return Ok(Login::Unknown("the server uses md5 password authentication, which unleak does not speak (SCRAM-SHA-256 only)".into())),
                    10 => {
                        let mechs: Vec<&[u8]> = data[4..].split(|&b| b == 0).collect();
                        if !mechs.contains(&&b"SCRAM-SHA-256"[..]) {
                            return Ok(Login::Unknown("the server offers no SCRAM-SHA-256 (channel binding only?)".into()));
                        }
                        let s = Scram::new()?;
                        let first = s.client_first();
                        let mut b = b"SCRAM-SHA-256\0".to_vec();
                        b.extend_from_slice(&(first.len() as u32).to_be_bytes());
                        b.extend_from_slice(first.as_bytes());
                        send(c, b'p', &b)?;
                        scram = Some(s);
                    }
                    11 => {
                        let s = scram.as_mut().ok_or_else(|| proto("SASL continue before SASL start"))?;
                        let fin = s.client_final(password, &String::from_utf8_lossy(&data[4..]))?;
                        send(c, b'p', fin.as_bytes())?;
                    }
                    12 => {
                        let s = scram.as_ref().ok_or_else(|| proto("SASL final before SASL start"))?;
                        if !s.verify_server(&String::from_utf8_lossy(&data[4..])) {
                            return Ok(Login::Unknown("the server's SCRAM signature is wrong: not the server that holds this password".into()));
                        }
                    }
                    n => return Ok(Login::Unknown(format!("unsupported authentication method (code {n})"))),
                }
            }
            b'S' => {
                let mut parts = data.split(|&b| b == 0);
                let k = parts.next().unwrap_or_default();
                let v = String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
                match k {
                    b"server_version" => version = Some(v),
                    b"is_superuser" => superuser = Some(v == "on"),
                    _ => {}
                }
            }
            b'Z' => {
                return Ok(Login::Ok {
                    user: user.to_string(),
                    version: version.map(|v| format!("PostgreSQL {v}")),
                    superuser,
                });
            }
            b'E' => return Ok(error_login(&data)),
            b'K' | b'N' => {}
            t => return Err(proto(&format!("message type {:?}", t as char))),
        }
    }
}

/// An `ErrorResponse` during login: a refused password (28P01, also PostgreSQL's answer for
/// an unknown role), no entry in `pg_hba.conf` (28000), or anything else (unknown).
fn error_login(data: &[u8]) -> Login {
    let mut code = String::new();
    let mut message = String::new();
    for f in data.split(|&b| b == 0).filter(|f| !f.is_empty()) {
        let v = String::from_utf8_lossy(&f[1..]).into_owned();
        match f[0] {
            b'C' => code = v,
            b'M' => message = v,
            _ => {}
        }
    }
    match code.as_str() {
        "28P01" => Login::Refused(message),
        "28000" if message.contains("no encryption") => Login::Unknown(format!(
            "TLS required by the server ({message}); unleak speaks plaintext only to databases"
        )),
        "3D000" => Login::Unknown(format!("the password was not checked: {message}")),
        _ => Login::Unknown(format!("server error {code}: {message}")),
    }
}

fn read_message(c: &mut Conn) -> Result<(u8, Vec<u8>), WireError> {
    let mut head = [0u8; 5];
    c.read_exact(&mut head)?;
    let len = u32::from_be_bytes([head[1], head[2], head[3], head[4]]) as usize;
    if !(4..=1 << 20).contains(&len) {
        return Err(proto(&format!("message length {len}")));
    }
    let mut data = vec![0; len - 4];
    c.read_exact(&mut data)?;
    Ok((head[0], data))
}

fn send(c: &mut Conn, tag: u8, body: &[u8]) -> Result<(), WireError> {
    let mut m = vec![tag];
    m.extend_from_slice(&((body.len() + 4) as u32).to_be_bytes());
    m.extend_from_slice(body);
    c.write_all(&m)
}

fn be32(d: &[u8], at: usize) -> Result<u32, WireError> {
    d.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or_else(|| proto("short message"))
}

fn proto(what: &str) -> WireError {
    WireError::Protocol(what.to_string())
}

/// The client side of SCRAM-SHA-256 without channel binding.
struct Scram {
    nonce: String,
    auth_message: String,
    server_key: Vec<u8>,
}

const B64: base64::engine::general_purpose::GeneralPurpose =
    base64::engine::general_purpose::STANDARD;

impl Scram {
    fn new() -> Result<Scram, WireError> {
        let mut r = [0u8; 18];
        getrandom::fill(&mut r).map_err(|e| WireError::Io(format!("no randomness: {e}")))?;
        Ok(Scram {
            nonce: B64.encode(r),
            auth_message: String::new(),
            server_key: Vec::new(),
        })
    }

    fn client_first_bare(&self) -> String {
        // PostgreSQL takes the user from the startup message and ignores this one.
        format!("n=,r={}", self.nonce)
    }

    fn client_first(&self) -> String {
        format!("n,,{}", self.client_first_bare())
    }

    fn client_final(&mut self, password: &str, server_first: &str) -> Result<String, WireError> {
        let attr = |k: &str| {
            server_first
                .split(',')
                .find_map(|a| a.strip_prefix(k))
                .ok_or_else(|| proto("SCRAM server-first without r, s or i"))
        };
        let r = attr("r=")?;
        if !r.starts_with(&self.nonce) {
            return Err(proto("SCRAM nonce not ours"));
        }
        let salt = B64.decode(attr("s=")?).map_err(|_| proto("SCRAM salt"))?;
        let iters: u32 = attr("i=")?.parse().map_err(|_| proto("SCRAM iterations"))?;
        if !(1..=1_000_000).contains(&iters) {
            return Err(proto("SCRAM iteration count out of range"));
        }
        let salted = hi(password.as_bytes(), &salt, iters);
        let client_key = hmac(&salted, b"Client Key");
        let stored_key = Sha256::digest(&client_key);
        let without_proof = format!("c=biws,r={r}");
        self.auth_message = format!(
            "{},{server_first},{without_proof}",
            self.client_first_bare()
        );
        let sig = hmac(&stored_key, self.auth_message.as_bytes());
        let proof: Vec<u8> = client_key.iter().zip(&sig).map(|(a, b)| a ^ b).collect();
        self.server_key = hmac(&salted, b"Server Key");
        Ok(format!("{without_proof},p={}", B64.encode(proof)))
    }

    fn verify_server(&self, server_final: &str) -> bool {
        let want = hmac(&self.server_key, self.auth_message.as_bytes());
        server_final
            .split(',')
            .find_map(|a| a.strip_prefix("v="))
            .and_then(|v| B64.decode(v).ok())
            .is_some_and(|v| v == want)
    }
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

/// PBKDF2-HMAC-SHA-256 with one output block (RFC 5802's `Hi`).
fn hi(password: &[u8], salt: &[u8], iters: u32) -> Vec<u8> {
    let mut s = salt.to_vec();
    s.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac(password, &s);
    let mut out = u.clone();
    for _ in 1..iters {
        u = hmac(password, &u);
        out.iter_mut().zip(&u).for_each(|(o, x)| *o ^= x);
    }
    out
}

/// Close a session politely.
pub fn terminate(c: &mut Conn) {
    let _ = send(c, b'X', &[]);
}

/// Run one statement in a logged-in session; the server's error message if it fails.
pub fn execute(c: &mut Conn, sql: &str) -> Result<Result<(), String>, WireError> {
    let mut q = sql.as_bytes().to_vec();
    q.push(0);
    send(c, b'Q', &q)?;
    let mut outcome = Ok(());
    loop {
        let (tag, data) = read_message(c)?;
        match tag {
            b'E' => {
                let m = data
                    .split(|&b| b == 0)
                    .find(|f| f.first() == Some(&b'M'))
                    .map(|f| String::from_utf8_lossy(&f[1..]).into_owned())
                    .unwrap_or_default();
                outcome = Err(m);
            }
            b'Z' => return Ok(outcome),
            _ => {}
        }
    }
}

/// The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (`SCRAM-SHA-256$4096:salt$
/// StoredKey:ServerKey`): sent instead of the password, so that the new password itself never
/// reaches the server's statement log.
pub fn scram_verifier(password: &str) -> Result<String, WireError> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| WireError::Io(format!("no randomness: {e}")))?;
    let salted = hi(password.as_bytes(), &salt, 4096);
    let stored = Sha256::digest(hmac(&salted, b"Client Key"));
    let server = hmac(&salted, b"Server Key");
    Ok(format!(
        "SCRAM-SHA-256$4096:{}${}:{}",
        B64.encode(salt),
        B64.encode(stored),
        B64.encode(server)
    ))
}
