//! Running the real `unleak` binary: every test starts it through [`command`], so each run
//! sees the same hermetic base (no user or system git configuration, no standard input) and
//! adds only what it tests (its directory, arguments, environment).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use serde_json::Value;

/// The binary under test: `CARGO_BIN_EXE_unleak` when the environment has it, else the one
/// cargo builds beside the test executables (`target/<profile>/unleak`, the test running from
/// `target/<profile>/deps`). The root tests check that this is the path cargo names at
/// compile time.
pub fn bin() -> &'static str {
    static BIN: OnceLock<String> = OnceLock::new();
    BIN.get_or_init(|| {
        let path = std::env::var_os("CARGO_BIN_EXE_unleak")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                let exe = std::env::current_exe().expect("test executable path");
                let profile = exe
                    .parent()
                    .and_then(Path::parent)
                    .expect("tests run from target/<profile>/deps");
                profile.join(format!("unleak{}", std::env::consts::EXE_SUFFIX))
            });
        assert!(
            path.is_file(),
            "the unleak binary is not at {} (run the tests with cargo test, which builds it)",
            path.display()
        );
        path.display().to_string()
    })
}

/// The binary with the hermetic base: git reads no user or system configuration, and
/// standard input is empty unless the test pipes some.
pub fn command() -> Command {
    let mut c = Command::new(bin());
    c.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::null());
    c
}

/// What one run showed: exit code, stdout and stderr as text.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Run `cmd` to the end, feeding it `stdin` if given; stdout and stderr captured.
pub fn run(cmd: &mut Command, stdin: Option<&[u8]>) -> Run {
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("run unleak");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input)
            .expect("write stdin");
    }
    let Output {
        status,
        stdout,
        stderr,
    } = child.wait_with_output().expect("wait for unleak");
    Run {
        code: status.code().expect("exited normally, not by a signal"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

/// `unleak ARGS` in `dir`, without colour.
pub fn unleak(dir: &Path, args: &[&str]) -> Output {
    command()
        .current_dir(dir)
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
