//! A real local AWS emulator for tests: moto's server on 127.0.0.1, installed on first use
//! into a virtualenv under the target directory, started per test, killed on drop (also when
//! the test panics). Nothing here ever talks to anything but the loopback address.
//!
//! Include from a test crate with `#[path = "support/moto.rs"] mod moto;` (or from the
//! binary's tests with the path to this file).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The moto release the tests are written against.
pub const MOTO_REQUIREMENT: &str = "moto[server]==5.2.5";

/// A running moto server.
pub struct Moto {
    child: Child,
    pub port: u16,
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
}

impl Moto {
    /// Start a fresh server with its auth checks off (moto's default: any key works).
    pub fn start() -> Moto {
        Self::start_with(&[])
    }

    /// Start a fresh server that checks signatures and key ids like AWS does.
    pub fn start_with_auth() -> Moto {
        Self::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", "0")])
    }

    /// Start a fresh server with extra environment (e.g. a [`FakeClock`]'s).
    pub fn start_with(env: &[(&str, &str)]) -> Moto {
        let server = moto_server_binary();
        let mut cmd = Command::new(&server);
        cmd.args(["-H", "127.0.0.1", "-p", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            // Never let the server reach out: no proxies, no real credentials in its env.
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_PROFILE")
            .env("NO_PROXY", "*");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", server.display()));
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, rx) = mpsc::channel();
        // Read stderr for the port, then keep draining it so the server never blocks on a pipe.
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(port) = parse_port(&line) {
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(port);
                    }
                }
            }
        });
        let port = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                panic!("moto_server did not report its port within 60 s");
            }
        };
        let moto = Moto {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        moto.wait_ready();
        moto
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!(
            "moto_server on port {} did not accept connections",
            self.port
        );
    }

    /// `POST /moto-api/reset`: forget all state.
    pub fn reset(&self) {
        self.post("/moto-api/reset", "application/json", "");
    }

    /// Turn moto's auth checks on from now on (`POST /moto-api/reset-auth`, body `0`).
    pub fn enable_auth(&self) {
        self.post("/moto-api/reset-auth", "text/plain", "0");
    }

    /// A plain HTTP/1.1 POST to the server; returns (status, body).
    pub fn post(&self, path: &str, content_type: &str, body: &str) -> (u16, String) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .expect("write to moto");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read from moto");
        let status = resp
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = resp
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default();
        (status, body)
    }

    /// Environment for a process (the unleak binary, or the SDK in-process) that must use this
    /// server and nothing else: endpoint, region, and the given credentials.
    pub fn env(&self, access_key_id: &str, secret: &str) -> Vec<(String, String)> {
        vec![
            ("AWS_ENDPOINT_URL".into(), self.endpoint.clone()),
            ("AWS_REGION".into(), "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID".into(), access_key_id.into()),
            ("AWS_SECRET_ACCESS_KEY".into(), secret.into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
            ("AWS_CONFIG_FILE".into(), "/dev/null".into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), "/dev/null".into()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// moto's clock, moved by the test: moto runs under libfaketime (`LD_PRELOAD`) reading its
/// offset from a file on every clock call, so keys made "200 days ago" carry moto's own
/// creation dates, as IAM's would. Nothing in unleak's code knows about it.
pub struct FakeClock {
    _dir: tempfile_dir::Dir,
    file: PathBuf,
    library: PathBuf,
}

impl FakeClock {
    pub fn new() -> FakeClock {
        let library = libfaketime();
        let dir = tempfile_dir::Dir::new("unleak-fakeclock");
        let file = dir.path.join("offset");
        let clock = FakeClock {
            _dir: dir,
            file,
            library,
        };
        clock.days_ago(0);
        clock
    }

    /// From now on moto's clock reads `days` days before the real time.
    pub fn days_ago(&self, days: u32) {
        let tmp = self.file.with_extension("tmp");
        std::fs::write(&tmp, format!("-{days}d\n")).expect("write the clock file");
        std::fs::rename(&tmp, &self.file).expect("move the clock file");
    }

    /// The environment that puts a process under this clock.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("LD_PRELOAD", self.library.display().to_string()),
            ("FAKETIME_TIMESTAMP_FILE", self.file.display().to_string()),
            // Read the file on every clock call. (DONT_FAKE_MONOTONIC=1 made Python's sleep
            // fail with EINVAL under libfaketime 0.9.10.)
            ("FAKETIME_NO_CACHE", "1".into()),
        ]
    }
}

/// Debian's libfaketime, installed with apt-get when missing and we are root; otherwise a
/// failing test that says how to install it.
fn libfaketime() -> PathBuf {
    let find = || {
        [
            "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
            "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
            "/usr/lib/faketime/libfaketimeMT.so.1",
            "/usr/local/lib/faketime/libfaketimeMT.so.1",
        ]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
    };
    if let Some(p) = find() {
        return p;
    }
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if root {
        let _ = Command::new("apt-get")
            .args(["install", "-y", "-q", "faketime"])
            .env("DEBIAN_FRONTEND", "noninteractive")
            .status();
    }
    find().unwrap_or_else(|| {
        panic!("libfaketime is missing: install it (Debian/Ubuntu: sudo apt-get install faketime) to run the key-age tests")
    })
}

/// A private temporary directory removed on drop (no extra crate for support code).
mod tempfile_dir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new(prefix: &str) -> Dir {
            let path = std::env::temp_dir().join(format!(
                "{prefix}-{}-{:x}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            ));
            std::fs::create_dir_all(&path).expect("create a temp dir");
            Dir { path }
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

fn parse_port(line: &str) -> Option<u16> {
    let rest = line.split("Running on http://127.0.0.1:").nth(1)?;
    rest.trim().trim_end_matches('/').parse().ok()
}

/// `target/moto-venv/bin/moto_server`, installing it on first use. Several test processes may
/// race here: a lock directory makes one install while the others wait. The marker holds the
/// requirement and the venv's own path: a venv's scripts name their interpreter by absolute
/// path, so a copied or moved target directory has a marker but no working server (seen here:
/// every AWS test failed with "No such file" after a copy); such a venv is installed again.
pub fn moto_server_binary() -> PathBuf {
    let venv = target_dir().join("moto-venv");
    let server = venv.join("bin").join("moto_server");
    let ok_marker = venv.join(".installed");
    let expected = format!("{MOTO_REQUIREMENT}\n{}", venv.display());
    let installed = || std::fs::read_to_string(&ok_marker).is_ok_and(|m| m == expected);
    if installed() && server.exists() {
        return server;
    }
    let lock = target_dir().join("moto-venv.lock");
    std::fs::create_dir_all(target_dir()).expect("create target dir");
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(_) if installed() => return server,
            Err(_) if Instant::now() > deadline => {
                panic!("timed out waiting for {}", lock.display())
            }
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
    if installed() && server.exists() {
        let _ = std::fs::remove_dir(&lock);
        return server;
    }
    let _ = std::fs::remove_dir_all(&venv);
    let result = std::panic::catch_unwind(|| install(&venv));
    let _ = std::fs::remove_dir(&lock);
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
    std::fs::write(&ok_marker, &expected).expect("write install marker");
    server
}

fn install(venv: &Path) {
    let python = std::env::var("UNLEAK_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    if !venv.join("bin").join("pip").exists() {
        run(Command::new(&python).arg("-m").arg("venv").arg(venv));
    }
    run(Command::new(venv.join("bin").join("pip")).args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        MOTO_REQUIREMENT,
    ]));
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The cargo target directory (tests run from `target/<profile>/deps`).
fn target_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().expect("test executable path");
    exe.ancestors()
        .find(|a| a.file_name().is_some_and(|n| n == "target"))
        .map(Path::to_path_buf)
        .unwrap_or_else(|| exe.parent().unwrap().join("moto"))
}
