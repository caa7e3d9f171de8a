//! Real git repositories in temp dirs (history, hook, remote and archive tests; the pack
//! reader's), with a fixed identity and increasing commit dates, and the one way the tests run
//! `git` ([`git_cmd`]): no configuration of the machine leaks in.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};

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
        .env("UNLEAK", crate::unleak::bin())
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

/// Run git, panicking with its output if it fails; returns stdout as bytes (object contents).
pub fn git_bytes(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = git_cmd(dir).args(args).output().expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
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

impl Default for Repo {
    fn default() -> Self {
        Self::new()
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

impl Default for Bare {
    fn default() -> Self {
        Self::new()
    }
}
