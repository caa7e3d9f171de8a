//! The pre-push and pre-commit hooks in real git operations: a bare repository as the remote,
//! the hooks installed with `unleak hook install`, and real `git push` / `git commit`.

use std::path::Path;
use std::process::Output;

use unleak_testsupport::git::{git, git_cmd, Bare, Repo};
use unleak_testsupport::keys::{db_url, password};
use unleak_testsupport::unleak::unleak;

/// A clone of a fresh bare remote with an initial commit pushed and unleak's pre-push hook
/// installed.
fn setup() -> (Bare, Repo) {
    let remote = Bare::new();
    let seed = Repo::clone_from(&remote.path, &[]);
    seed.write("README", "project\n");
    seed.commit("init");
    seed.git(&["push", "-q", "origin", "main"]);
    let r = Repo::clone_from(&remote.path, &[]);
    let out = unleak(&r.path, &["hook", "install", "--pre-push"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (remote, r)
}

/// `git ARGS` with the hooks able to find the binary under test.
fn git_with_hooks(dir: &Path, args: &[&str]) -> Output {
    git_cmd(dir)
        .env("UNLEAK", unleak_testsupport::unleak::bin())
        .args(args)
        .output()
        .expect("git runs")
}

fn remote_head(remote: &Bare, branch: &str) -> String {
    git(&remote.path, &["rev-parse", branch])
}

#[test]
fn clean_push_succeeds() {
    let (remote, r) = setup();
    r.write("src/main.txt", "nothing secret\n");
    let c = r.commit("clean work");
    let out = git_with_hooks(&r.path, &["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(remote_head(&remote, "main"), c);
}

#[test]
fn push_with_a_leaked_secret_is_refused_with_what_to_do() {
    let (remote, r) = setup();
    let before = remote_head(&remote, "main");
    let pw = password();
    r.write("deploy/prod.env", &format!("# prod\n{}", db_url(&pw)));
    let leak = r.commit("add prod settings");
    r.write("deploy/prod.env", "# prod\n");
    r.commit("remove it again (still in the pushed history)");
    let out = git_with_hooks(&r.path, &["push", "origin", "main"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("push refused"), "{stderr}");
    assert!(stderr.contains("deploy/prod.env:2"), "{stderr}");
    assert!(stderr.contains(&leak[..12]), "{stderr}");
    assert!(stderr.contains("db-password-uri"), "{stderr}");
    assert!(
        stderr.contains("--no-verify") && stderr.contains("unleak:allow"),
        "{stderr}"
    );
    assert!(!stderr.contains(&pw), "secret printed in full: {stderr}");
    assert_eq!(remote_head(&remote, "main"), before, "remote unchanged");
}

#[test]
fn new_branch_with_a_leak_is_refused_and_no_verify_bypasses() {
    let (remote, r) = setup();
    r.git(&["checkout", "-q", "-b", "topic"]);
    let pw = password();
    r.write("topic.env", &db_url(&pw));
    let c = r.commit("topic");
    let out = git_with_hooks(&r.path, &["push", "origin", "topic"]);
    assert!(!out.status.success());
    let out = git_with_hooks(&r.path, &["push", "--no-verify", "origin", "topic"]);
    assert!(out.status.success());
    assert_eq!(remote_head(&remote, "topic"), c);
}

#[test]
fn clean_commits_on_a_repo_whose_old_history_leaks_are_pushed() {
    let (remote, r) = setup();
    // An old leak, already published (pushed past the hook long ago).
    let pw = password();
    r.write("legacy/config.env", &format!("{}OTHER=1\n", db_url(&pw)));
    r.commit("legacy config");
    let out = git_with_hooks(&r.path, &["push", "--no-verify", "origin", "main"]);
    assert!(out.status.success());
    // New work: other files, and an edit of the file that still holds the old secret.
    for i in 0..3 {
        r.write(&format!("src/f{i}.txt"), &format!("work {i}\n"));
        r.commit(&format!("work {i}"));
    }
    r.write("legacy/config.env", &format!("{}OTHER=2\n", db_url(&pw)));
    let last = r.commit("tweak legacy config");
    let out = git_with_hooks(&r.path, &["push", "origin", "main"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(remote_head(&remote, "main"), last);
    // A new branch off that history, with clean commits, passes too.
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("src/feature.txt", "feature\n");
    r.commit("feature");
    let out = git_with_hooks(&r.path, &["push", "origin", "feature"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // And a history scan still reports the old leak.
    let scan = unleak(&r.path, &["scan", "--history", "."]);
    assert_eq!(scan.status.code(), Some(1));
}

#[test]
fn branch_deletion_passes() {
    let (remote, r) = setup();
    r.git(&["checkout", "-q", "-b", "gone"]);
    let pw = password();
    r.write("x.env", &db_url(&pw));
    r.commit("x");
    assert!(
        git_with_hooks(&r.path, &["push", "-q", "--no-verify", "origin", "gone"])
            .status
            .success()
    );
    let out = git_with_hooks(&r.path, &["push", "origin", "--delete", "gone"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let left = git(&remote.path, &["branch", "--list", "gone"]);
    assert!(left.is_empty());
}

#[test]
fn pre_push_reads_git_lines_from_stdin_directly() {
    let (_remote, r) = setup();
    let base = r.head();
    let pw = password();
    r.write("a.env", &db_url(&pw));
    let leak = r.commit("leak");
    let run = |line: String| {
        let mut child = unleak_testsupport::unleak::command()
            .current_dir(&r.path)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .args(["hook", "pre-push", "origin", "unused-url"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(line.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(format!("refs/heads/main {leak} refs/heads/main {base}\n"));
    assert_eq!(out.status.code(), Some(1));
    let zero = "0".repeat(40);
    let out = run(format!("(delete) {zero} refs/heads/main {leak}\n"));
    assert_eq!(out.status.code(), Some(0));
    let out = run("garbage\n".to_string());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn install_refuses_a_foreign_hook_without_force_and_honours_hooks_path() {
    let r = Repo::new();
    let hooks = r.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\necho mine\n").unwrap();
    let out = unleak(&r.path, &["hook", "install", "--pre-push"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    let out = unleak(&r.path, &["hook", "install", "--pre-push", "--force"]);
    assert_eq!(out.status.code(), Some(0));
    let installed = std::fs::read_to_string(hooks.join("pre-push")).unwrap();
    assert_eq!(installed, include_str!("../../hooks/pre-push"));
    assert!(hooks.join("pre-push.unleak-backup").exists());
    // Installing again is a no-op, not a refusal.
    assert_eq!(
        unleak(&r.path, &["hook", "install", "--pre-push"])
            .status
            .code(),
        Some(0)
    );

    r.git(&["config", "core.hooksPath", "githooks"]);
    let out = unleak(&r.path, &["hook", "install"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(r.path.join("githooks/pre-push").is_file());
    assert!(r.path.join("githooks/pre-commit").is_file());
}

#[test]
fn install_puts_in_the_free_hook_when_only_the_other_is_foreign() {
    let r = Repo::new();
    let hooks = r.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(hooks.join("pre-push"), "#!/bin/sh\necho mine\n").unwrap();
    let out = unleak(&r.path, &["hook", "install"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    // Not everything asked for was done: a failure, that names the hook left alone.
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("pre-push exists and is not unleak's"),
        "{stderr}"
    );
    assert!(stderr.contains("--pre-push --force"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
        include_str!("../../hooks/pre-commit")
    );
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        "#!/bin/sh\necho mine\n"
    );
    // Both foreign: nothing is installed.
    let r = Repo::new();
    let hooks = r.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    for h in ["pre-push", "pre-commit"] {
        std::fs::write(hooks.join(h), "#!/bin/sh\necho mine\n").unwrap();
    }
    let out = unleak(&r.path, &["hook", "install"]);
    assert_eq!(out.status.code(), Some(2));
    for h in ["pre-push", "pre-commit"] {
        assert_eq!(
            std::fs::read_to_string(hooks.join(h)).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
    }
}

#[test]
fn pre_commit_hook_refuses_a_staged_secret() {
    let r = Repo::new();
    r.write("README", "x\n");
    r.commit("init");
    assert_eq!(
        unleak(&r.path, &["hook", "install", "--pre-commit"])
            .status
            .code(),
        Some(0)
    );
    r.write("notes.txt", "clean\n");
    r.git(&["add", "-A"]);
    let out = git_with_hooks(&r.path, &["commit", "-q", "-m", "clean"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pw = password();
    r.write("app.env", &db_url(&pw));
    r.git(&["add", "-A"]);
    let out = git_with_hooks(&r.path, &["commit", "-q", "-m", "leak"]);
    assert!(!out.status.success());
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(all.contains("app.env"), "{all}");
    assert!(all.contains("commit refused: 1 secret"), "{all}");
    assert!(all.contains("What to do"), "{all}");
    assert!(all.contains("git commit --no-verify"), "{all}");
    assert!(!all.contains(&pw), "secret printed in full: {all}");
    // Only what is staged: an unstaged leak in the work tree does not block.
    r.git(&["reset", "-q"]);
    r.write("later.env", &db_url(&password()));
    r.write("notes.txt", "more\n");
    r.git(&["add", "notes.txt"]);
    let out = git_with_hooks(&r.path, &["commit", "-q", "-m", "notes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run a hook script the way git does: `sh HOOK ARGS`, the pushed refs on stdin.
fn run_hook_script(r: &Repo, script: &Path, args: &[&str], refs: &str) -> Output {
    let mut child = std::process::Command::new("sh")
        .current_dir(&r.path)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("UNLEAK", unleak_testsupport::unleak::bin())
        .arg(script)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(refs.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn a_remote_named_like_an_option_never_shows_the_secret() {
    let (remote, r) = setup();
    let base = r.head();
    let pw = password();
    r.write("a.env", &db_url(&pw));
    let leak = r.commit("leak");
    let refs = format!("refs/heads/main {leak} refs/heads/main {base}\n");
    let url = remote.path.to_str().unwrap();
    // The installed script, as git runs it for a remote named `--show-secrets`.
    let out = run_hook_script(
        &r,
        &r.path.join(".git/hooks/pre-push"),
        &["--show-secrets", url],
        &refs,
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("to --show-secrets"), "{stderr}");
    assert!(!stderr.contains(&pw), "secret printed in full: {stderr}");
    // A remote named `--help` is scanned too, not answered with help (and let through).
    let out = run_hook_script(
        &r,
        &r.path.join(".git/hooks/pre-push"),
        &["--help", url],
        &refs,
    );
    assert_eq!(out.status.code(), Some(1));
    // The script of the previous release passed no `--`: the command itself refuses what
    // such a call looks like (the option ate the remote's name), and never shows the secret.
    let old = r.path.join("old-pre-push");
    std::fs::write(&old, include_str!("../../hooks/previous/pre-push.1")).unwrap();
    for args in [["--show-secrets", url], ["--help", url]] {
        let out = run_hook_script(&r, &old, &args, &refs);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        // Ours, or clap's for an unknown option: both say to pass `--`.
        assert!(
            stderr.contains("after `--`") || stderr.contains("use '-- "),
            "{stderr}"
        );
        assert!(!stderr.contains(&pw), "{stderr}");
    }
    // A real push to that remote: refused, redacted.
    r.git(&["remote", "add", "--", "--show-secrets", url]);
    let out = git_with_hooks(&r.path, &["push", "--", "--show-secrets", "main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(!stderr.contains(&pw), "secret printed in full: {stderr}");
}

#[test]
fn install_replaces_the_previous_release_s_hooks_without_force() {
    let r = Repo::new();
    let hooks = r.path.join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    std::fs::write(
        hooks.join("pre-push"),
        include_str!("../../hooks/previous/pre-push.1"),
    )
    .unwrap();
    let out = unleak(&r.path, &["hook", "install", "--pre-push"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-push")).unwrap(),
        include_str!("../../hooks/pre-push")
    );
    assert!(!hooks.join("pre-push.unleak-backup").exists());
}

#[test]
fn a_commit_message_quoting_the_secret_does_not_show_it() {
    let (_remote, r) = setup();
    let pw = password();
    r.write("a.env", &db_url(&pw));
    r.commit(&format!("temporary password {pw}"));
    let out = git_with_hooks(&r.path, &["push", "origin", "main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("temporary password"), "{stderr}");
    assert!(!stderr.contains(&pw), "secret printed in full: {stderr}");
}

/// The pre-push hook applies the same confidence policy as `scan`: a password in a test
/// fixture (`low`) does not refuse the push but is named in a note; with `--min-confidence low`
/// (as a hook argument) it does; a password in deployment configuration always does.
#[test]
fn low_confidence_findings_do_not_refuse_a_push_by_default() {
    let (remote, r) = setup();
    let pw = password();
    r.write("tests/fixtures/db.env", &db_url(&pw));
    let c = r.commit("test fixture");
    let out = git_with_hooks(&r.path, &["push", "origin", "main"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("1 finding(s) below medium confidence"),
        "the note says what was let through: {stderr}"
    );
    assert!(!stderr.contains(&pw), "secret printed in full: {stderr}");
    assert_eq!(remote_head(&remote, "main"), c);

    // The same through the hook command with a stricter policy.
    r.write("tests/fixtures/other.env", &db_url(&password()));
    let c2 = r.commit("another fixture");
    let refs = format!("refs/heads/main {c2} refs/heads/main {c}\n");
    let strict = unleak_with_stdin(
        &r.path,
        &[
            "hook",
            "pre-push",
            "--min-confidence",
            "low",
            "--",
            "origin",
            "url",
        ],
        &refs,
    );
    assert_eq!(
        strict.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&strict.stderr)
    );

    r.write("deploy/prod.env", &db_url(&password()));
    r.commit("prod settings");
    let out = git_with_hooks(&r.path, &["push", "origin", "main"]);
    assert!(!out.status.success(), "a medium finding refuses the push");
}

/// `unleak ARGS` in `dir` with `input` on standard input.
fn unleak_with_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = unleak_testsupport::unleak::command()
        .current_dir(dir)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run unleak");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write refs");
    child.wait_with_output().expect("unleak exits")
}

/// `hook pre-push --store`: a secret the store has triaged as a false positive does not refuse
/// the push; without the store it does.
#[test]
fn pre_push_honours_the_store_s_false_positives() {
    let (_remote, r) = setup();
    let base = r.head();
    let pw = password();
    r.write("deploy/a.env", &db_url(&pw));
    let leak = r.commit("fixture");
    let store = r.path.join("../findings.db");
    let store = store.to_string_lossy();
    let scan = unleak_with_stdin(
        &r.path,
        &["scan", "--history", ".", "--store", &store, "-f", "json"],
        "",
    );
    assert_eq!(scan.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&scan.stdout).expect("json");
    let id = doc["findings"][0]["id"].as_str().expect("id").to_string();
    let refs = format!("refs/heads/main {leak} refs/heads/main {base}\n");
    let args = ["hook", "pre-push", "--store", &store, "--", "origin", "url"];
    assert_eq!(
        unleak_with_stdin(&r.path, &args, &refs).status.code(),
        Some(1)
    );
    let t = unleak_with_stdin(
        &r.path,
        &[
            "findings",
            "triage",
            &id,
            "--status",
            "false-positive",
            "--store",
            &store,
        ],
        "",
    );
    assert!(t.status.success(), "{}", String::from_utf8_lossy(&t.stderr));
    let out = unleak_with_stdin(&r.path, &args, &refs);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let without = ["hook", "pre-push", "--", "origin", "url"];
    assert_eq!(
        unleak_with_stdin(&r.path, &without, &refs).status.code(),
        Some(1)
    );
}
