//! A real local AWS emulator for tests: moto's server on 127.0.0.1, installed on first use
//! into a virtualenv under the target directory, started per test, killed on drop (also when
//! the test panics). Nothing here ever talks to anything but the loopback address.
//!
//! Its state is seeded one way, [`Moto::create_user`] and its siblings: IAM query-API calls
//! over plain HTTP while the auth checks are off (no SDK needed, so the scanner's and the
//! database crate's tests do not link one), then [`Moto::enable_auth`].

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
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

/// An access key moto made: its id and secret.
#[derive(Clone, Debug)]
pub struct AccessKey {
    pub id: String,
    pub secret: String,
}

/// Seeding: IAM query-API calls while the auth checks are off (before [`Moto::enable_auth`]).
impl Moto {
    /// One IAM query-API call; panics unless moto answers 200. Auth checks off, moto checks no
    /// signature, but reads the service from the scope of the `Authorization` header sent.
    pub fn iam(&self, params: &[(&str, &str)]) -> String {
        let mut body = String::from("Version=2010-05-08");
        for (k, v) in params {
            body.push_str(&format!("&{k}={}", percent(v)));
        }
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        write!(
            s,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=AKIASETUPSETUPSETUP2/20260101/us-east-1/iam/aws4_request, SignedHeaders=host, Signature=0\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.port,
            body.len()
        )
        .expect("write to moto");
        let mut resp = String::new();
        s.read_to_string(&mut resp).expect("read from moto");
        assert!(resp.starts_with("HTTP/1.1 200"), "{params:?}: {resp}");
        resp
    }

    /// A new IAM user `user` with one access key.
    pub fn create_user(&self, user: &str) -> AccessKey {
        self.iam(&[("Action", "CreateUser"), ("UserName", user)]);
        self.create_key(user)
    }

    /// Another access key for `user`.
    pub fn create_key(&self, user: &str) -> AccessKey {
        let r = self.iam(&[("Action", "CreateAccessKey"), ("UserName", user)]);
        AccessKey {
            id: element(&r, "AccessKeyId"),
            secret: element(&r, "SecretAccessKey"),
        }
    }

    /// An inline policy that allows `user` `action` (e.g. `*`) on every resource.
    pub fn allow(&self, user: &str, action: &str) {
        let policy = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#
        );
        self.iam(&[
            ("Action", "PutUserPolicy"),
            ("UserName", user),
            ("PolicyName", "p"),
            ("PolicyDocument", &policy),
        ]);
    }

    /// Deactivate `user`'s key `key_id`.
    pub fn deactivate_key(&self, user: &str, key_id: &str) {
        self.iam(&[
            ("Action", "UpdateAccessKey"),
            ("UserName", user),
            ("AccessKeyId", key_id),
            ("Status", "Inactive"),
        ]);
    }

    /// Delete `user`'s key `key_id`.
    pub fn delete_key(&self, user: &str, key_id: &str) {
        self.iam(&[
            ("Action", "DeleteAccessKey"),
            ("UserName", user),
            ("AccessKeyId", key_id),
        ]);
    }
}

/// The text of the first `<name>` element of an XML answer.
fn element(xml: &str, name: &str) -> String {
    let open = format!("<{name}>");
    let start = xml
        .find(&open)
        .unwrap_or_else(|| panic!("no <{name}> in {xml}"))
        + open.len();
    let end = start
        + xml[start..]
            .find(&format!("</{name}>"))
            .expect("closed element");
    xml[start..end].to_string()
}

/// Form encoding of a query-API value (RFC 3986 unreserved characters kept).
fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
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
    _dir: tempfile::TempDir,
    file: PathBuf,
    library: PathBuf,
}

impl Default for FakeClock {
    fn default() -> Self {
        Self::new()
    }
}

impl FakeClock {
    pub fn new() -> FakeClock {
        let library = libfaketime();
        let dir = tempfile::Builder::new()
            .prefix("unleak-fakeclock")
            .tempdir()
            .expect("create a temp dir");
        let file = dir.path().join("offset");
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

/// Debian's libfaketime, installed with apt-get when missing (as root, see `proc::apt_install`);
/// otherwise a failing test that says how to install it.
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
    let installed = crate::proc::apt_install(&["faketime"], "libfaketime (for the key-age tests)");
    find().unwrap_or_else(|| {
        panic!(
            "{}",
            installed.err().unwrap_or_else(|| {
                "libfaketime installed, but its library is not where expected".into()
            })
        )
    })
}

fn parse_port(line: &str) -> Option<u16> {
    let rest = line.split("Running on http://127.0.0.1:").nth(1)?;
    rest.trim().trim_end_matches('/').parse().ok()
}

/// `target/moto-venv/bin/moto_server`, pip-installed on first use (see [`crate::tools`]).
pub fn moto_server_binary() -> PathBuf {
    crate::tools::pip_tool("moto", MOTO_REQUIREMENT, "moto_server")
}
