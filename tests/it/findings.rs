//! The findings store through the binary: audits record secrets (never in plaintext), the same
//! secret in two repositories is one secret, triage survives re-audits, scans honour false
//! positives, and a re-audit scans only blobs it has not scanned before.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;
use unleak_testsupport::git::{git, Repo};
use unleak_testsupport::keys::{db_url, password};

fn run(dir: &Path, args: &[&str]) -> Output {
    unleak_testsupport::unleak::command()
        .current_dir(dir)
        .env("XDG_CACHE_HOME", dir.join("cache"))
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("unleak runs")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "no JSON ({e}): exit {:?} {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn bare_with(dir: &Path, name: &str, files: &[(&str, &str)]) -> (Repo, String) {
    let r = Repo::new();
    for (p, t) in files {
        r.write(p, t);
    }
    r.commit("first");
    let bare = dir.join(format!("{name}.git"));
    git(
        dir,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            &bare.to_string_lossy(),
        ],
    );
    r.git(&["push", "-q", &bare.to_string_lossy(), "main"]);
    (r, bare.to_string_lossy().into_owned())
}

fn audit(dir: &Path, list: &Path, store: &Path) -> Value {
    let out = run(
        dir,
        &[
            "audit",
            "--repos",
            &list.to_string_lossy(),
            "--store",
            &store.to_string_lossy(),
            "-f",
            "json",
        ],
    );
    json(&out)
}

#[test]
fn one_secret_in_two_repositories_triaged_once_and_audits_are_incremental() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let shared = password();
    let other = password();
    let (ra, a) = bare_with(dir, "a", &[("config/app.env", &db_url(&shared))]);
    let (_rb, b) = bare_with(
        dir,
        "b",
        &[
            ("deploy/.env", &db_url(&shared)),
            ("x/.env", &db_url(&other)),
        ],
    );
    let list = dir.join("repos.txt");
    std::fs::write(&list, format!("{a}\n{b}\n")).expect("list");
    let store = dir.join("store/findings.db");

    let first = audit(dir, &list, &store);
    assert_eq!(first["findings"].as_array().map(Vec::len), Some(3));
    let files_first = first["stats"]["files"].as_u64().expect("files");
    assert!(files_first >= 3);

    let out = run(
        dir,
        &[
            "findings",
            "list",
            "--json",
            "--store",
            &store.to_string_lossy(),
        ],
    );
    let rows = json(&out);
    let rows = rows.as_array().expect("rows");
    assert_eq!(rows.len(), 2, "{rows:?}");
    let shared_row = rows
        .iter()
        .find(|r| r["repos"] == 2)
        .expect("the shared secret is one secret in two repositories");
    assert_eq!(shared_row["occurrences"], 2);
    assert_eq!(shared_row["status"], "open");
    let id = shared_row["id"].as_str().expect("id").to_string();

    // No plaintext secret anywhere in the database files.
    for entry in std::fs::read_dir(dir.join("store"))
        .expect("store dir")
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).expect("read db");
        for s in [&shared, &other] {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_bytes()),
                "{} holds a secret",
                entry.path().display()
            );
        }
    }

    // Triage: a false positive, with a note and who.
    let out = run(
        dir,
        &[
            "findings",
            "triage",
            &id,
            "--status",
            "false-positive",
            "--note",
            "a test fixture",
            "--who",
            "sec-team",
            "--store",
            &store.to_string_lossy(),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // Nothing changed: the re-audit reads no blob at all, and reports no false positive.
    let again = audit(dir, &list, &store);
    assert_eq!(again["stats"]["files"], 0, "{again}");
    assert_eq!(again["stats"]["bytes"], 0);
    assert_eq!(again["stats"]["commits"], 0, "no commit diffed again");

    // New commits in `a`: only their blobs are read; the triage holds.
    let fresh = password();
    ra.write("config/new.env", &db_url(&fresh));
    ra.commit("more settings");
    ra.git(&["push", "-q", &a, "main"]);
    let third = audit(dir, &list, &store);
    assert_eq!(third["stats"]["files"], 1, "{third}");
    assert_eq!(
        third["stats"]["commits"], 1,
        "only the new commit is diffed"
    );
    let secrets: Vec<&str> = third["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["secret"].as_str())
        .collect();
    assert_eq!(secrets.len(), 1, "{secrets:?}");
    let out = run(
        dir,
        &[
            "findings",
            "show",
            &id,
            "--json",
            "--store",
            &store.to_string_lossy(),
        ],
    );
    let shown = json(&out);
    assert_eq!(shown["status"], "false-positive");
    assert_eq!(shown["triage"][0]["who"], "sec-team");
    assert_eq!(shown["triage"][0]["note"], "a test fixture");
    assert_eq!(shown["locations"].as_array().map(Vec::len), Some(2));

    // Filters.
    let out = run(
        dir,
        &[
            "findings",
            "list",
            "--json",
            "--status",
            "open",
            "--store",
            &store.to_string_lossy(),
        ],
    );
    assert_eq!(json(&out).as_array().map(Vec::len), Some(2));
    let out = run(
        dir,
        &[
            "findings",
            "list",
            "--json",
            "--repo",
            &a,
            "--store",
            &store.to_string_lossy(),
        ],
    );
    assert_eq!(json(&out).as_array().map(Vec::len), Some(2));
    let out = run(
        dir,
        &[
            "findings",
            "list",
            "--json",
            "--kind",
            "no-such-kind",
            "--store",
            &store.to_string_lossy(),
        ],
    );
    assert_eq!(json(&out).as_array().map(Vec::len), Some(0));

    // `scan --store` honours the false positive: the fixture alone in a repository is clean.
    let (_rc, c) = bare_with(dir, "c", &[("fixture.env", &db_url(&shared))]);
    let out = run(
        dir,
        &["scan", "--history", &c, "--store", &store.to_string_lossy()],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = run(dir, &["scan", "--history", &c]);
    assert_eq!(out.status.code(), Some(1));

    // Unknown ids and statuses are clear errors.
    let out = run(
        dir,
        &[
            "findings",
            "show",
            "v2:ffff",
            "--store",
            &store.to_string_lossy(),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no secret"));
}

#[test]
fn a_store_of_a_newer_schema_is_refused() {
    let tmp = tempfile::tempdir().expect("tmp");
    let db = tmp.path().join("f.db");
    let out = run(
        tmp.path(),
        &["findings", "list", "--store", &db.to_string_lossy()],
    );
    assert!(out.status.success());
    let status = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys;c=sqlite3.connect(sys.argv[1]);c.execute('insert into schema_version values (99)');c.commit()",
            &db.to_string_lossy(),
        ])
        .status()
        .expect("python3 runs");
    assert!(status.success());
    let out = run(
        tmp.path(),
        &["findings", "list", "--store", &db.to_string_lossy()],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("newer"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
