//! Real git repositories in temp dirs for the history and hook tests, and a runner for the
//! real `unleak` binary. Every secret here is generated per run (fake, never a real one).

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_unleak");

/// A git repository in its own temp dir, with a fixed identity and increasing commit dates.
pub struct Repo {
    _tmp: tempfile::TempDir,
    pub path: PathBuf,
    clock: AtomicU64,
}

/// `git` with no user or system configuration of the machine leaking in; installed unleak
/// hooks run the binary under test.
pub fn git_cmd(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(dir)
        .env("UNLEAK", BIN)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE");
    c
}

/// Run git, panicking with its output if it fails; returns trimmed stdout.
pub fn git(dir: &Path, args: &[&str]) -> String {
    run_checked(git_cmd(dir), args)
}

/// Run `cmd` with `args`, panicking with its output if it fails; returns trimmed stdout.
fn run_checked(mut cmd: Command, args: &[&str]) -> String {
    let out = cmd.args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn configure(dir: &Path) {
    for (k, v) in [
        ("user.name", "Test Author"),
        ("user.email", "author@example.test"),
        ("commit.gpgsign", "false"),
        ("tag.gpgsign", "false"),
        ("init.defaultBranch", "main"),
        ("protocol.file.allow", "always"),
    ] {
        git(dir, &["config", k, v]);
    }
}

impl Repo {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let path = tmp.path().join("repo");
        std::fs::create_dir(&path).expect("mkdir");
        git(&path, &["init", "-q", "-b", "main"]);
        configure(&path);
        Repo {
            _tmp: tmp,
            path,
            clock: AtomicU64::new(1_700_000_000),
        }
    }

    /// A clone of `url` (e.g. a bare remote), configured like [`Repo::new`].
    pub fn clone_from(url: &Path, extra: &[&str]) -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let path = tmp.path().join("clone");
        let mut args = vec!["clone", "-q"];
        args.extend_from_slice(extra);
        let url = format!("file://{}", url.display());
        args.push(&url);
        args.push("clone");
        git(tmp.path(), &args);
        configure(&path);
        Repo {
            _tmp: tmp,
            path,
            clock: AtomicU64::new(1_700_100_000),
        }
    }

    pub fn git(&self, args: &[&str]) -> String {
        let t = self.clock.fetch_add(60, Ordering::Relaxed).to_string();
        let date = format!("@{t} +0000");
        let mut cmd = git_cmd(&self.path);
        cmd.env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        run_checked(cmd, args)
    }

    pub fn write(&self, rel: &str, content: &str) {
        let p = self.path.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
    }

    /// Stage everything and commit; returns the new commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.head()
    }

    pub fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }
}

/// A bare repository in a temp dir (a push remote).
pub struct Bare {
    _tmp: tempfile::TempDir,
    pub path: PathBuf,
}

impl Bare {
    pub fn new() -> Self {
        let tmp = tempfile::tempdir().expect("temp dir");
        let path = tmp.path().join("remote.git");
        git(
            tmp.path(),
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        Bare { _tmp: tmp, path }
    }
}

/// Run the real binary in `dir`.
pub fn unleak(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("unleak runs")
}

/// `unleak scan --history -f json ARGS` in `dir`: exit code, findings, stderr.
pub fn history_json(dir: &Path, args: &[&str]) -> (i32, Vec<Value>, String) {
    let mut all = vec!["scan", "--history", "--show-secrets", "-f", "json"];
    all.extend_from_slice(args);
    let out = unleak(dir, &all);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let code = out.status.code().unwrap_or(-1);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "unleak printed no JSON ({e}): exit {code}, stdout {}, stderr {stderr}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    let findings = doc["findings"].as_array().cloned().unwrap_or_default();
    (code, findings, stderr)
}

static SEQ: AtomicU64 = AtomicU64::new(0);

/// A fresh random password of letters and digits (never a real credential).
pub fn password() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(SEQ.fetch_add(1, Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    let mut x = h.finish() | 1;
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let mut s = String::new();
    for i in 0..14 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let set = [UPPER, LOWER, DIGIT][i % 3];
        s.push(set[(x % set.len() as u64) as usize] as char);
    }
    s
}

/// A line holding `pw` as a database password (found by the `db-password-uri` rule).
pub fn db_url(pw: &str) -> String {
    format!("DATABASE_URL=postgres://app:{pw}@db.internal:5432/app\n")
}

/// The finding of secret `pw` at `path` (reports from `history_json` show secrets in full).
pub fn finding<'a>(findings: &'a [Value], path: &str, pw: &str) -> Option<&'a Value> {
    findings
        .iter()
        .find(|f| f["path"] == path && f["secret"] == pw)
}

/// Findings of the secret `pw` (any path).
pub fn for_secret<'a>(findings: &'a [Value], pw: &str) -> Vec<&'a Value> {
    findings.iter().filter(|f| f["secret"] == pw).collect()
}
