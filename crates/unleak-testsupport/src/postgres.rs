//! A real PostgreSQL server for tests: `initdb` into a temporary directory, `postgres` on a
//! random 127.0.0.1 port (and a Unix socket in the same directory), killed on drop. Host
//! connections need a password (`scram-sha-256`); the harness itself runs SQL as the superuser
//! over the socket with `psql`. When the tests run as root the server runs as the `postgres`
//! (or `nobody`) account, because PostgreSQL refuses to run as root.
//!
//! ```ignore
//! let pg = unleak_testsupport::Postgres::start()?;
//! pg.sql("CREATE ROLE app LOGIN PASSWORD 'x'")?;
//! let url = pg.url("app", "x", "postgres"); // postgresql://app:x@127.0.0.1:PORT/postgres
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::proc;

/// The superuser `initdb` creates.
pub const ADMIN_USER: &str = "postgres";

pub struct Postgres {
    port: u16,
    bin: PathBuf,
    dir: tempfile::TempDir,
    child: Child,
    admin_password: String,
}

impl Postgres {
    /// Start a fresh server (installing Debian `postgresql` first when missing and possible).
    pub fn start() -> Result<Postgres, String> {
        let bin = bindir()?;
        let dir = tempfile::Builder::new()
            .prefix("unleak-pg-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        proc::chown_to_server_user(dir.path())?;
        let data = dir.path().join("data");
        let admin_password = format!("adm{:016x}", random_u64());
        let pwfile = dir.path().join("pw");
        fs::write(&pwfile, &admin_password).map_err(|e| e.to_string())?;
        proc::chown_to_server_user(&pwfile)?;
        let out = proc::as_server_user(&bin.join("initdb"))
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                ADMIN_USER,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", pwfile.display()))
            .args(["-E", "UTF8", "--no-sync", "--locale=C"])
            .current_dir(dir.path())
            .output()
            .map_err(|e| format!("run initdb: {e}"))?;
        let _ = fs::remove_file(&pwfile);
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let port = proc::free_port()?;
        let log = fs::File::create(dir.path().join("server.log")).map_err(|e| e.to_string())?;
        let child = proc::as_server_user(&bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.path().display()))
            .args(["-c", "fsync=off", "-c", "max_connections=200"])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("run postgres: {e}"))?;
        let mut pg = Postgres {
            port,
            bin,
            dir,
            child,
            admin_password,
        };
        let log_path = pg.dir.path().join("server.log");
        let child = &mut pg.child;
        proc::wait_for_port(port, Duration::from_secs(60), || match child.try_wait() {
            Ok(Some(st)) => Err(format!(
                "postgres exited ({st}): {}",
                fs::read_to_string(&log_path).unwrap_or_default()
            )),
            _ => Ok(()),
        })?;
        // Listening on TCP can precede accepting logins by a moment (recovery at start-up).
        for _ in 0..100 {
            if pg.sql("SELECT 1").is_ok() {
                return Ok(pg);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        pg.sql("SELECT 1").map(|_| pg)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser's password (for host connections as `ADMIN_USER`).
    pub fn admin_password(&self) -> &str {
        &self.admin_password
    }

    /// Run `sql` as the superuser (psql over the Unix socket); its output, unaligned, tuples only.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        let out = proc::as_server_user(&self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"])
            .arg("-h")
            .arg(self.dir.path())
            .args([
                "-p",
                &self.port.to_string(),
                "-U",
                ADMIN_USER,
                "-d",
                "postgres",
            ])
            .arg("-c")
            .arg(sql)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run psql: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(format!(
                "psql: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// A login role with `password` (a superuser when `superuser`).
    pub fn create_role(&self, name: &str, password: &str, superuser: bool) -> Result<(), String> {
        let sup = if superuser { " SUPERUSER" } else { "" };
        self.sql(&format!(
            "CREATE ROLE {} LOGIN{sup} PASSWORD {}",
            quote_ident(name),
            quote_literal(password)
        ))
        .map(|_| ())
    }

    /// `postgresql://user:password@127.0.0.1:PORT/db`, user and password percent-encoded.
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "postgresql://{}:{}@127.0.0.1:{}/{db}",
            percent_encode(user),
            percent_encode(password),
            self.port
        )
    }

    /// A database `name` owned by `owner`.
    pub fn create_database(&self, name: &str, owner: &str) -> Result<(), String> {
        self.sql(&format!(
            "CREATE DATABASE {} OWNER {}",
            quote_ident(name),
            quote_ident(owner)
        ))
        .map(|_| ())
    }

    /// `pg_dump` of database `db` (schema and data, plain SQL), as the superuser over the socket.
    pub fn dump(&self, db: &str) -> Result<String, String> {
        let out = proc::as_server_user(&self.bin.join("pg_dump"))
            .arg("-h")
            .arg(self.dir.path())
            .args(["-p", &self.port.to_string(), "-U", ADMIN_USER, "-d", db])
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run pg_dump: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(format!(
                "pg_dump: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// Log every statement from now on (`log_statement = 'all'`).
    pub fn log_statements(&self) -> Result<(), String> {
        self.sql("ALTER SYSTEM SET log_statement = 'all'")?;
        self.sql("SELECT pg_reload_conf()").map(|_| ())
    }

    /// Serve TLS (and log each connection, with its TLS state) with a certificate for
    /// 127.0.0.1 from a CA made here; the path of the CA's PEM file, for clients to trust.
    /// Made with the `openssl` command as the server user, in the data directory: the server
    /// reads its key only from a file it owns, mode 0600.
    pub fn enable_tls(&self) -> Result<PathBuf, String> {
        let data = self.data_dir();
        let script = "set -e
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=unleak-test-ca -keyout ca.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n' > server.ext
openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext -out server.crt 2>/dev/null
chmod 600 server.key";
        let out = proc::as_server_user(Path::new("/bin/sh"))
            .args(["-c", script])
            .current_dir(&data)
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run openssl: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "openssl (Debian: `apt-get install -y openssl`): {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        for (k, v) in [
            ("ssl_cert_file", "server.crt"),
            ("ssl_key_file", "server.key"),
            ("ssl", "on"),
            ("log_connections", "on"),
        ] {
            self.sql(&format!("ALTER SYSTEM SET {k} = {}", quote_literal(v)))?;
        }
        self.sql("SELECT pg_reload_conf()")?;
        // The reload is asynchronous: wait until the server says TLS is on.
        for _ in 0..100 {
            if self.sql("SHOW ssl")? == "on" {
                return Ok(data.join("ca.pem"));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("TLS did not come on: {}", self.log()))
    }

    /// The server's log so far (for assertion messages).
    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The directory of `initdb`/`postgres`/`psql`: `$UNLEAK_PG_BIN`, the newest
/// `/usr/lib/postgresql/*/bin`, or `pg_config --bindir`; installed through apt-get when none.
fn bindir() -> Result<PathBuf, String> {
    if let Some(d) = find_bindir() {
        return Ok(d);
    }
    proc::apt_install(&["postgresql"], "PostgreSQL (initdb, postgres)")?;
    find_bindir().ok_or_else(|| {
        "PostgreSQL was installed but no initdb was found under /usr/lib/postgresql/*/bin; set UNLEAK_PG_BIN".to_string()
    })
}

fn find_bindir() -> Option<PathBuf> {
    let ok = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(d) = std::env::var_os("UNLEAK_PG_BIN").map(PathBuf::from) {
        return ok(&d).then_some(d);
    }
    let mut found: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse().ok()?;
            let d = e.path().join("bin");
            ok(&d).then_some((v, d))
        })
        .collect();
    found.sort();
    if let Some((_, d)) = found.pop() {
        return Some(d);
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    ok(&d).then_some(d)
}

pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

pub fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Percent-encode everything but RFC 3986 unreserved characters.
pub fn percent_encode(s: &str) -> String {
    let mut o = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            o.push(b as char);
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

pub(crate) fn random_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_server_starts_takes_sql_and_stops() {
        let pg = super::Postgres::start().unwrap();
        pg.create_role("t_app", "pw'1", false).unwrap();
        assert_eq!(
            pg.sql("SELECT rolname FROM pg_roles WHERE rolname='t_app'")
                .unwrap(),
            "t_app"
        );
        assert!(pg
            .url("t_app", "p@ss", "postgres")
            .contains("p%40ss@127.0.0.1:"));
        let port = pg.port();
        drop(pg);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
