//! Command-line conventions, through the real binary: a closed pipe, colour variables, log
//! levels, `--exit-code`, the `-o` summary, the baseline count, completions, man pages,
//! `--version` and human-readable defaults.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use unleak_testsupport::keys::password;

fn unleak(dir: &Path) -> Command {
    let mut c = unleak_testsupport::unleak::command();
    c.current_dir(dir)
        .stdin(Stdio::null())
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR")
        .env_remove("CLICOLOR_FORCE");
    c
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A tree (not in a git repository) with an empty configuration and one leak in two files.
fn leaky_tree() -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(".unleak.toml"), "").unwrap();
    let pw = password();
    let line = format!("DATABASE_URL=postgres://app:{pw}@db.internal:5432/app\n");
    std::fs::write(d.path().join("a.env"), &line).unwrap();
    std::fs::write(d.path().join("b.env"), &line).unwrap();
    (d, pw)
}

/// Run with standard output a pipe whose reading end is already closed.
fn into_closed_pipe(mut cmd: Command) -> Output {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    cmd.stdout(writer).stderr(Stdio::piped());
    let out = cmd.output().unwrap();
    assert!(
        !stderr(&out).contains("panicked"),
        "a closed pipe made it panic: {}",
        stderr(&out)
    );
    out
}

#[test]
fn a_closed_pipe_ends_every_command_quietly() {
    let (d, _) = leaky_tree();
    for args in [
        &["rules", "list"][..],
        &["rules", "list", "--json"],
        &["scan", "."],
        &["completions", "bash"],
        &["man"],
        &["--help"],
    ] {
        let mut cmd = unleak(d.path());
        cmd.args(args);
        let out = into_closed_pipe(cmd);
        let err = stderr(&out);
        // Like `scan | head`: no message, exit 1 (clap's own --help/--version exit 0 or 2).
        assert!(!err.contains("error:"), "{args:?}: {err}");
        assert_ne!(out.status.code(), Some(101), "{args:?}: {err}");
    }
}

#[test]
fn colour_follows_clicolor_force_and_no_color() {
    let (d, _) = leaky_tree();
    let run = |vars: &[(&str, &str)]| {
        let mut c = unleak(d.path());
        c.args(["scan", "."]).envs(vars.iter().copied());
        stdout(&c.output().unwrap())
    };
    assert!(!run(&[]).contains('\x1b'), "no colour into a pipe");
    assert!(run(&[("CLICOLOR_FORCE", "1")]).contains('\x1b'));
    assert!(!run(&[("CLICOLOR_FORCE", "0")]).contains('\x1b'));
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]).contains('\x1b'));
    assert!(!run(&[("CLICOLOR_FORCE", "1")])
        .replace('\x1b', "")
        .is_empty());
}

#[test]
fn log_levels_and_verbose() {
    let (d, _) = leaky_tree();
    let report = d.path().join("report.json");
    let report = report.to_str().unwrap();
    let out = unleak(d.path())
        .args(["-v", "scan", ".", "-f", "json", "-o", report])
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("unleak: debug: configuration: "), "{err}");
    assert!(err.contains("rule(s)"), "{err}");
    // -o: one line says what the report holds.
    assert!(
        err.contains("unleak: 2 findings in ") && err.contains(" file(s), report written to"),
        "{err}"
    );
    let out = unleak(d.path())
        .args([
            "scan",
            ".",
            "-f",
            "json",
            "-o",
            report,
            "--log-level",
            "warn",
        ])
        .output()
        .unwrap();
    assert_eq!(stderr(&out), "", "notes are below warn");
    // A warning (a file over the size limit) shows at warn, not at error.
    let warn = |level: &str| {
        let o = unleak(d.path())
            .args(["--log-level", level, "scan", ".", "--max-file-size", "8"])
            .output()
            .unwrap();
        stderr(&o)
    };
    assert!(warn("warn").contains("warning: "), "{}", warn("warn"));
    assert!(!warn("error").contains("warning: "), "{}", warn("error"));
    let out = unleak(d.path())
        .args(["-v", "--log-level", "info", "scan", "."])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "-v and --log-level conflict");
}

#[test]
fn exit_code_for_findings() {
    let (d, _) = leaky_tree();
    let code = |args: &[&str]| unleak(d.path()).args(args).output().unwrap().status.code();
    assert_eq!(code(&["scan", "."]), Some(1));
    assert_eq!(code(&["scan", ".", "--exit-code", "7"]), Some(7));
    assert_eq!(code(&["--exit-code", "0", "scan", "."]), Some(0));
    // No findings: 0 whatever --exit-code says; a bad value is a usage error.
    assert_eq!(code(&["scan", ".unleak.toml", "--exit-code", "7"]), Some(0));
    assert_eq!(code(&["scan", ".", "--exit-code", "300"]), Some(2));
}

#[test]
fn the_baseline_message_counts_what_the_file_holds() {
    let (d, _) = leaky_tree();
    let out = unleak(d.path())
        .args(["scan", ".", "--write-baseline", "base.txt"])
        .output()
        .unwrap();
    let err = stderr(&out);
    // One secret in two files: one fingerprint in the file.
    assert!(
        err.contains("wrote 1 fingerprint(s) to base.txt (2 finding(s))"),
        "{err}"
    );
    let text = std::fs::read_to_string(d.path().join("base.txt")).unwrap();
    assert_eq!(text.lines().filter(|l| !l.starts_with('#')).count(), 1);
}

#[test]
fn completions_man_pages_and_version() {
    let d = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = unleak(d.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let script = stdout(&out);
        assert!(script.contains("max-file-size"), "{shell}: {script}");
    }
    let bash = stdout(
        &unleak(d.path())
            .args(["completions", "bash"])
            .output()
            .unwrap(),
    );
    let script = d.path().join("unleak.bash");
    std::fs::write(&script, bash).unwrap();
    let check = Command::new("bash")
        .arg("-n")
        .arg(&script)
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    assert_eq!(
        unleak(d.path())
            .args(["completions", "tcsh"])
            .output()
            .unwrap()
            .status
            .code(),
        Some(2)
    );

    let man = stdout(&unleak(d.path()).arg("man").output().unwrap());
    assert!(
        man.starts_with(".ie") || man.contains(".TH unleak 1"),
        "{man}"
    );
    assert!(man.contains("completions"), "{man}");
    let scan = stdout(&unleak(d.path()).args(["man", "scan"]).output().unwrap());
    assert!(scan.contains(".TH unleak-scan 1"), "{scan}");
    assert!(scan.contains("max\\-file\\-size"), "{scan}");
    let out = unleak(d.path()).args(["man", "nosuch"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));

    let version = stdout(&unleak(d.path()).arg("--version").output().unwrap());
    assert!(
        version.starts_with(&format!("unleak {} (", env!("CARGO_PKG_VERSION"))),
        "{version}"
    );
    assert!(version.contains("features: aws"), "{version}");
    // Built from this checkout: the commit is the checkout's HEAD.
    let head = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    if head.status.success() {
        let head = stdout(&head).trim().to_string();
        assert!(version.contains(&format!("commit {head}")), "{version}");
    }
}

#[test]
fn defaults_are_shown_as_written() {
    let d = tempfile::tempdir().unwrap();
    let help = stdout(&unleak(d.path()).args(["scan", "--help"]).output().unwrap());
    assert!(help.contains("[default: 50M]"), "{help}");
    assert!(!help.contains("52428800"), "{help}");
}
