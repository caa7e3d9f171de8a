//! The hooks of `.pre-commit-hooks.yaml` under the real pre-commit framework (installed from
//! PyPI into a virtualenv under the target directory on first use): a hook repository made from
//! this checkout's hook files, a project repository with a leak already committed, and
//! `pre-commit run`. Nothing leaves 127.0.0.1: pre-commit clones the hook repository from disk.
//!
//! `UNLEAK` points hooks/pre-commit-framework at the binary under test; without it the script
//! builds the scanner-only binary itself (checked by hand, see the README's Hooks section).

use std::path::Path;
use std::process::{Command, Output};

use unleak_testsupport::git::{git, Repo};
use unleak_testsupport::keys::{db_url, password};

const PRE_COMMIT: &str = "pre-commit==4.7.0";

/// A git repository holding this checkout's hook definitions and their entry script.
fn hook_repo() -> (Repo, String) {
    let r = Repo::new();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    for f in [".pre-commit-hooks.yaml", "hooks/pre-commit-framework"] {
        let text = std::fs::read_to_string(src.join(f)).expect("hook file");
        r.write(f, &text);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let script = r.path.join("hooks/pre-commit-framework");
        std::fs::set_permissions(script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let rev = r.commit("hooks");
    (r, rev)
}

/// A project using the hooks `ids` from `hooks` at `rev`.
fn project(hooks: &Repo, rev: &str, ids: &[&str]) -> Repo {
    let p = Repo::new();
    let mut config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n",
        hooks.path.display()
    );
    for id in ids {
        config.push_str(&format!("      - id: {id}\n"));
    }
    p.write(".pre-commit-config.yaml", &config);
    p
}

/// `pre-commit ARGS` in `dir`, with its cache in the test's temp dir and the binary under test.
fn pre_commit(dir: &Path, home: &Path, args: &[&str]) -> Output {
    let exe = unleak_testsupport::tools::pip_tool("pre-commit", PRE_COMMIT, "pre-commit");
    Command::new(exe)
        .args(args)
        .current_dir(dir)
        .env("PRE_COMMIT_HOME", home)
        .env("UNLEAK", unleak_testsupport::unleak::bin())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .env_remove("SKIP")
        .output()
        .expect("pre-commit runs")
}

fn all(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn all_files_run_fails_on_a_committed_leak_and_names_the_file() {
    let (hooks, rev) = hook_repo();
    let p = project(&hooks, &rev, &["unleak", "unleak-staged"]);
    let pw = password();
    p.write("README", "project\n");
    p.write("config/app.env", &db_url(&pw));
    p.commit("leak, committed before the hooks were set up");
    let home = tempfile::tempdir().unwrap();

    let out = pre_commit(&p.path, home.path(), &["run", "--all-files"]);
    let text = all(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("commit refused"), "{text}");
    assert!(text.contains("config/app.env:1"), "{text}");
    assert!(text.contains("What to do"), "{text}");
    assert!(!text.contains(&pw), "the secret is redacted: {text}");
    // The staged-changes hook has nothing staged to look at: it passes, which is why the
    // files hook is the default one.
    let staged = text
        .lines()
        .find(|l| l.contains("secrets in staged changes"))
        .unwrap_or_default();
    assert!(staged.contains("Passed"), "{text}");

    // Clean files pass.
    std::fs::remove_file(p.path.join("config/app.env")).unwrap();
    p.commit("remove the leak");
    let out = pre_commit(&p.path, home.path(), &["run", "--all-files"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
}

#[test]
fn a_commit_through_the_installed_framework_hook_is_refused() {
    let (hooks, rev) = hook_repo();
    let p = project(&hooks, &rev, &["unleak"]);
    p.write("README", "project\n");
    p.commit("init");
    let home = tempfile::tempdir().unwrap();
    let out = pre_commit(&p.path, home.path(), &["install"]);
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));

    p.write("deploy.env", &db_url(&password()));
    p.git(&["add", "deploy.env"]);
    let out = unleak_testsupport::git::git_cmd(&p.path)
        .env("PRE_COMMIT_HOME", home.path())
        .env("UNLEAK", unleak_testsupport::unleak::bin())
        .args(["commit", "-q", "-m", "leak"])
        .output()
        .unwrap();
    let text = all(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("commit refused"), "{text}");
    assert!(text.contains("deploy.env"), "{text}");
    assert_eq!(git(&p.path, &["rev-list", "--count", "HEAD"]), "1");
}
