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

/// `findings list --json` of `store` (a path or URL).
fn list(dir: &Path, store: &str) -> Vec<Value> {
    let out = run(dir, &["findings", "list", "--json", "--store", store]);
    json(&out).as_array().cloned().expect("rows")
}

fn audit_to(dir: &Path, list: &Path, store: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "audit",
        "--repos",
        list.to_str().expect("utf-8"),
        "--store",
        store,
        "-f",
        "json",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// Eight repositories sharing secrets: every third secret is in three of them.
fn org(dir: &Path) -> (Vec<Repo>, std::path::PathBuf) {
    let secrets: Vec<String> = (0..12).map(|_| password()).collect();
    let mut repos = Vec::new();
    let mut lines = String::new();
    for r in 0..8 {
        let files: Vec<(String, String)> = (0..12)
            .filter(|i| i % 8 == r || (i % 3 == 0 && matches!((r + 8 - i % 8) % 8, 1 | 2)))
            .map(|i| (format!("svc/{i}.env"), db_url(&secrets[i])))
            .collect();
        let files: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let (repo, bare) = bare_with(dir, &format!("r{r}"), &files);
        lines.push_str(&bare);
        lines.push('\n');
        repos.push(repo);
    }
    let list = dir.join("org.txt");
    std::fs::write(&list, lines).expect("list");
    (repos, list)
}

#[test]
fn four_shard_processes_on_one_postgres_store_match_one_audit_and_reruns_are_idempotent() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let (_repos, list) = org(dir);
    let pg = unleak_testsupport::Postgres::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let pw = password();
    pg.create_role("auditor", &pw, false).expect("role");
    for db in ["single", "sharded"] {
        pg.create_database(db, "auditor").expect("db");
    }
    let single = pg.url("auditor", &pw, "single");
    let out = audit_to(dir, &list, &single, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let expected = list_rows_summary(&list_all(dir, &single));
    assert!(expected.0 >= 12, "{expected:?}");

    // Four workers at once, one part each, one store; the password from PGPASSWORD.
    let sharded = format!("postgresql://auditor@127.0.0.1:{}/sharded", pg.port());
    let shard = |i: u32| {
        unleak_testsupport::unleak::command()
            .current_dir(dir)
            .env("XDG_CACHE_HOME", dir.join(format!("cache{i}")))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("PGPASSWORD", &pw)
            .args([
                "audit",
                "--repos",
                list.to_str().expect("utf-8"),
                "-q",
                "-f",
                "json",
            ])
            .args(["--shard", &format!("{i}/4"), "--store", &sharded])
            .output()
            .expect("unleak runs")
    };
    let outs: Vec<Output> = std::thread::scope(|s| {
        let hs: Vec<_> = (1..=4).map(|i| s.spawn(move || shard(i))).collect();
        hs.into_iter().map(|h| h.join().expect("thread")).collect()
    });
    for (i, o) in outs.iter().enumerate() {
        assert!(
            matches!(o.status.code(), Some(0 | 1)),
            "shard {}: {}",
            i + 1,
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(!String::from_utf8_lossy(&o.stderr).contains(&pw));
    }
    let with_pgpassword = |args: &[&str]| {
        unleak_testsupport::unleak::command()
            .current_dir(dir)
            .env("PGPASSWORD", &pw)
            .args(args)
            .output()
            .expect("unleak runs")
    };
    let rows = with_pgpassword(&["findings", "list", "--json", "--store", &sharded]);
    let rows = json(&rows).as_array().cloned().expect("rows");
    assert_eq!(
        list_rows_summary(&rows),
        expected,
        "the same secrets as one audit"
    );

    // Shard 2 run again (a failed pod re-run): nothing changes.
    let again = shard(2);
    assert!(matches!(again.status.code(), Some(0 | 1)));
    let rows = with_pgpassword(&["findings", "list", "--json", "--store", &sharded]);
    let rows = json(&rows).as_array().cloned().expect("rows");
    assert_eq!(list_rows_summary(&rows), expected, "idempotent");

    // A wrong password and an unreachable server: exit 2, named, the password never shown.
    for bad in [
        pg.url("auditor", "Wr0ng-Pw-x9", "sharded"),
        "postgres://auditor:Wr0ng-Pw-x9@127.0.0.1:1/sharded".to_string(),
    ] {
        let out = run(dir, &["findings", "list", "--store", &bad]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("(PostgreSQL)") && err.contains("auditor:***@"),
            "{err}"
        );
        assert!(
            !err.contains("Wr0ng-Pw-x9") && !err.contains("panicked"),
            "{err}"
        );
    }
}

fn list_all(dir: &Path, store: &str) -> Vec<Value> {
    list(dir, store)
}

/// (secrets, occurrences, distinct ids): what must match between a single and a sharded audit.
fn list_rows_summary(rows: &[Value]) -> (usize, u64, usize) {
    let ids: std::collections::HashSet<&str> =
        rows.iter().filter_map(|r| r["id"].as_str()).collect();
    let occ = rows.iter().filter_map(|r| r["occurrences"].as_u64()).sum();
    (rows.len(), occ, ids.len())
}

#[test]
fn reaudits_skip_unchanged_repositories_retry_unreadable_objects_and_follow_settings() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path();
    let r = Repo::new();
    let (one, two) = (password(), password());
    r.write("a.env", &db_url(&one));
    r.commit("one");
    r.write("b.env", &db_url(&two));
    r.commit("two");
    let list = dir.join("local.txt");
    std::fs::write(&list, format!("{}\n", r.path.display())).expect("list");
    let store = dir.join("s.db").to_string_lossy().into_owned();

    // b.env's blob is a loose object: damage it, keeping the original to put back.
    let blob = r.git(&["rev-parse", "HEAD:b.env"]).trim().to_string();
    let obj = r
        .path
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    let original = std::fs::read(&obj).expect("loose object");
    let mut perm = std::fs::metadata(&obj).expect("meta").permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perm.set_readonly(false);
    std::fs::set_permissions(&obj, perm).expect("chmod");
    std::fs::write(&obj, b"not zlib at all").expect("damage");

    let first = json(&audit_to(dir, &list, &store, &[]));
    assert!(first["stats"]["errors"].as_u64() >= Some(1), "{first}");
    assert_eq!(
        first["findings"].as_array().map(Vec::len),
        Some(1),
        "{first}"
    );
    // Still damaged: the commit that added it is diffed again and the blob tried again; the
    // rest was recorded.
    let second = json(&audit_to(dir, &list, &store, &[]));
    assert_eq!(second["stats"]["commits"], 1, "{second}");
    assert_eq!(second["stats"]["files"], 0, "{second}");
    assert!(second["stats"]["errors"].as_u64() >= Some(1), "{second}");
    // Repaired: found now, and the scan is complete.
    std::fs::write(&obj, &original).expect("repair");
    let third = json(&audit_to(dir, &list, &store, &[]));
    assert_eq!(third["stats"]["errors"], 0, "{third}");
    assert_eq!(third["stats"]["files"], 1, "{third}");
    assert_eq!(
        third["findings"].as_array().map(Vec::len),
        Some(1),
        "{third}"
    );

    // Unchanged: no walk at all (no commit listed, no blob read), well under a second.
    let started = std::time::Instant::now();
    let out = audit_to(dir, &list, &store, &[]);
    let elapsed = started.elapsed();
    let fourth = json(&out);
    assert_eq!(fourth["stats"]["commits"], 0, "{fourth}");
    assert_eq!(fourth["stats"]["files"], 0, "{fourth}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("1 unchanged"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(elapsed < std::time::Duration::from_secs(3), "{elapsed:?}");

    // Other settings: the old records are not trusted, everything is read again.
    let fifth = json(&audit_to(dir, &list, &store, &["--max-file-size", "10M"]));
    assert_eq!(fifth["stats"]["files"], 2, "{fifth}");
    assert_eq!(fifth["stats"]["commits"], 2, "{fifth}");
    assert_eq!(list_all(dir, &store).len(), 2);
}

/// A team store over TLS: `sslmode=require` with the server's CA in `PGSSLROOTCERT` connects
/// encrypted (the server logs the connection as SSL); without that CA the certificate does not
/// check and nothing is sent in the clear instead; `sslmode=disable` stays plain TCP.
#[test]
fn a_postgresql_store_over_tls_checks_the_servers_certificate() {
    let pg = unleak_testsupport::Postgres::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let ca = pg.enable_tls().unwrap_or_else(|e| panic!("TLS: {e}"));
    let pw = password();
    pg.create_role("tls_auditor", &pw, false).expect("role");
    pg.create_database("tls_store", "tls_auditor").expect("db");
    let url = pg.url("tls_auditor", &pw, "tls_store");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let list = |url: &str, ca: Option<&Path>| {
        let mut c = unleak_testsupport::unleak::command();
        c.current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("PGSSLROOTCERT")
            .args(["findings", "list", "--json", "--store", url]);
        if let Some(ca) = ca {
            c.env("PGSSLROOTCERT", ca);
        }
        c.output().expect("unleak runs")
    };
    let ssl_logins = || {
        pg.log()
            .lines()
            .filter(|l| l.contains("user=tls_auditor") && l.contains("SSL enabled"))
            .count()
    };

    let out = list(&format!("{url}?sslmode=require"), Some(&ca));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json(&out), serde_json::json!([]));
    // The default (`prefer`) takes TLS too when the server offers it.
    let out = list(&url, Some(&ca));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(ssl_logins(), 2, "{}", pg.log());

    // A CA it was not given: refused, with what to do, the password never shown.
    let before = ssl_logins();
    let out = list(&format!("{url}?sslmode=require"), None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("PGSSLROOTCERT") && err.contains("certificate"),
        "{err}"
    );
    assert!(!err.contains(&pw), "{err}");
    let out = list(&url, None);
    assert_eq!(out.status.code(), Some(2), "no fall-back to plain TCP");
    assert_eq!(ssl_logins(), before);
    // A file that holds no certificate is named.
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "").unwrap();
    let out = list(&url, Some(&empty));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("no certificate in it"), "{err}");
    // Nor is anything but a regular file read (a FIFO would hang the connection).
    let out = list(&url, Some(Path::new("/dev/zero")));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a regular file"), "{err}");

    // sslmode=disable: plain TCP, no certificate needed.
    let out = list(&format!("{url}?sslmode=disable"), None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(ssl_logins(), before);
}
