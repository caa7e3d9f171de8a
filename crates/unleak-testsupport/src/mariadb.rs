//! A real MariaDB server for tests: `mariadb-install-db` into a temporary directory,
//! `mariadbd` on a random 127.0.0.1 port (and a socket in that directory), killed on drop.
//! The harness runs SQL as `root` over the socket with the `mariadb` client; host logins use
//! passwords (`mysql_native_password`, MariaDB's default). Installed through apt-get
//! (`mariadb-server`) when missing and possible.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::proc;

pub struct MariaDb {
    port: u16,
    dir: tempfile::TempDir,
    child: Child,
    client: PathBuf,
}

impl MariaDb {
    pub fn start() -> Result<MariaDb, String> {
        let (install, server, client) = binaries()?;
        let dir = tempfile::Builder::new()
            .prefix("unleak-mariadb-")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        proc::chown_to_server_user(dir.path())?;
        let data = dir.path().join("data");
        // Each server's temporary tables in its own directory, not the shared /tmp: two
        // bootstraps at once in one test process (the crate's tests are one binary) failed
        // with "Could not remove temporary table '/tmp/#sql-temptable-…'".
        let tmp = dir.path().join("tmp");
        fs::create_dir(&tmp).map_err(|e| format!("mkdir {}: {e}", tmp.display()))?;
        proc::chown_to_server_user(&tmp)?;
        let user = proc::server_user().map(|u| u.0);
        let mut cmd = proc::as_server_user(&install);
        cmd.arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .args(["--auth-root-authentication-method=normal", "--skip-test-db"])
            .env("TMPDIR", &tmp)
            .current_dir(dir.path());
        if let Some(u) = &user {
            cmd.arg(format!("--user={u}"));
        }
        let out = cmd
            .output()
            .map_err(|e| format!("run mariadb-install-db: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "mariadb-install-db failed: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let port = proc::free_port()?;
        let log = fs::File::create(dir.path().join("server.log")).map_err(|e| e.to_string())?;
        let child = proc::as_server_user(&server)
            .arg("--no-defaults")
            .arg(format!("--datadir={}", data.display()))
            .arg(format!("--socket={}", dir.path().join("sock").display()))
            .arg(format!("--pid-file={}", dir.path().join("pid").display()))
            .args([&format!("--port={port}"), "--bind-address=127.0.0.1"])
            .args([
                "--skip-log-bin",
                "--innodb-buffer-pool-size=16M",
                "--skip-name-resolve",
            ])
            .env("TMPDIR", &tmp)
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("run mariadbd: {e}"))?;
        let mut m = MariaDb {
            port,
            dir,
            child,
            client,
        };
        let log_path = m.dir.path().join("server.log");
        let child = &mut m.child;
        proc::wait_for_port(port, Duration::from_secs(60), || match child.try_wait() {
            Ok(Some(st)) => Err(format!(
                "mariadbd exited ({st}): {}",
                fs::read_to_string(&log_path).unwrap_or_default()
            )),
            _ => Ok(()),
        })?;
        for _ in 0..100 {
            if m.sql("SELECT 1").is_ok() {
                return Ok(m);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        m.sql("SELECT 1").map(|_| m)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Run `sql` as root over the socket; tab-separated rows, no column names.
    pub fn sql(&self, sql: &str) -> Result<String, String> {
        let out = Command::new(&self.client)
            .arg("--no-defaults")
            .arg(format!(
                "--socket={}",
                self.dir.path().join("sock").display()
            ))
            .args(["-uroot", "-N", "-B", "-e", sql])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("run mariadb: {e}"))?;
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
        } else {
            Err(format!(
                "mariadb: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            ))
        }
    }

    /// A user `name`@`%` with `password` (all privileges when `admin`).
    pub fn create_user(&self, name: &str, password: &str, admin: bool) -> Result<(), String> {
        let lit = |s: &str| format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"));
        self.sql(&format!(
            "CREATE USER {}@'%' IDENTIFIED BY {}",
            lit(name),
            lit(password)
        ))?;
        if admin {
            self.sql(&format!(
                "GRANT ALL ON *.* TO {}@'%' WITH GRANT OPTION",
                lit(name)
            ))?;
        }
        Ok(())
    }

    /// `mysql://user:password@127.0.0.1:PORT/db`, user and password percent-encoded.
    pub fn url(&self, user: &str, password: &str, db: &str) -> String {
        format!(
            "mysql://{}:{}@127.0.0.1:{}/{db}",
            crate::postgres::percent_encode(user),
            crate::postgres::percent_encode(password),
            self.port
        )
    }

    /// The server's output and, once [`MariaDb::log_statements`] is on, its general log.
    pub fn log(&self) -> String {
        let read = |f: &str| fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
        read("server.log") + &read("general.log")
    }

    /// Log every statement from now on (the general log), for tests that check what reaches
    /// the server.
    pub fn log_statements(&self) -> Result<(), String> {
        let file = self.dir.path().join("general.log");
        self.sql(&format!(
            "SET GLOBAL general_log_file = '{}'; SET GLOBAL general_log = 1",
            file.display()
        ))
        .map(|_| ())
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn binaries() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    let find = || {
        let pick = |names: &[&str]| {
            names.iter().find_map(|n| {
                ["/usr/bin", "/usr/sbin", "/usr/local/bin", "/usr/local/sbin"]
                    .iter()
                    .map(|d| Path::new(d).join(n))
                    .find(|p| p.is_file())
            })
        };
        Some((
            pick(&["mariadb-install-db", "mysql_install_db"])?,
            pick(&["mariadbd", "mysqld"])?,
            pick(&["mariadb", "mysql"])?,
        ))
    };
    if let Some(b) = find() {
        return Ok(b);
    }
    proc::apt_install(
        &["mariadb-server", "mariadb-client"],
        "MariaDB (mariadbd, mariadb-install-db)",
    )?;
    find().ok_or_else(|| "MariaDB was installed but mariadbd was not found".to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_server_starts_takes_sql_and_stops() {
        let m = super::MariaDb::start().unwrap();
        m.create_user("t_app", "pw'1", false).unwrap();
        assert_eq!(
            m.sql("SELECT user FROM mysql.user WHERE user='t_app'")
                .unwrap(),
            "t_app"
        );
        let port = m.port();
        drop(m);
        assert!(std::net::TcpStream::connect(("127.0.0.1", port)).is_err());
    }
}
