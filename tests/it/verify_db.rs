//! `unleak scan --verify db` and `unleak verify --verify db` through the real binary, against a
//! real PostgreSQL server on 127.0.0.1 (crates/unleak-testsupport).

use std::path::Path;
use std::process::Output;

use unleak_testsupport::Postgres;

/// A password different each run, strong enough for the scanner to report, with `tag` (e.g.
/// characters a URL must percent-encode) inside it.
fn password(tag: &str) -> String {
    let p = unleak_testsupport::keys::password();
    format!("{}{tag}{}", &p[..7], &p[7..])
}

fn unleak(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut c = unleak_testsupport::unleak::command();
    c.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        // No AWS: a db-only judge must not need it (any AWS call would fail here).
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c.stdin(if stdin.is_some() {
        std::process::Stdio::piped()
    } else {
        std::process::Stdio::null()
    });
    c.stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(b) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b).unwrap();
    }
    child.wait_with_output().unwrap()
}

fn verdicts(json: &[u8]) -> Vec<(String, u32, String, String)> {
    let v: serde_json::Value = serde_json::from_slice(json).unwrap();
    let mut out: Vec<_> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"] == "db-password")
        .map(|f| {
            let ver = &f["verification"];
            (
                f["path"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap() as u32,
                ver["status"].as_str().unwrap_or("none").to_string(),
                ver["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn database_passwords_are_judged_only_when_asked_from_uris_and_nearby_assignments() {
    let pg = Postgres::start().unwrap();
    let live = password("L/@");
    pg.create_role("app", &live, false).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p = pg.port();
    std::fs::write(
        dir.path().join("settings.env"),
        format!(
            "DB_ENGINE=postgresql\nDB_HOST=127.0.0.1\nDB_PORT={p}\nDB_USER=app\nDB_NAME=postgres\nDB_PASSWORD={}\n",
            live.replace('/', "x").replace('@', "y")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("app.py"),
        format!(
            "URL = \"{}\"\nOLD = \"postgresql://app:{}@127.0.0.1:{p}/postgres\"\n",
            pg.url("app", &live, "postgres"),
            password("W")
        ),
    )
    .unwrap();
    // The URI as a value: the assignment before it is not part of its scheme, nor is a
    // SQLAlchemy driver after `+` (both were once "engine not supported": unknown).
    std::fs::write(
        dir.path().join("deploy.env"),
        format!(
            "DATABASE_URL={}\nSQLALCHEMY_DATABASE_URI={}\n",
            pg.url("app", &live, "postgres")
                .replacen("postgresql://", "postgres://", 1),
            pg.url("app", &live, "postgres")
                .replacen("postgresql://", "postgresql+psycopg2://", 1),
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("alone.cfg"),
        format!("password = \"{}\"\n", password("A")),
    )
    .unwrap();
    // settings.env holds a password the server does not know (the role's has `/` and `@`).

    // Plain `--verify` is AWS only: no database is contacted.
    let out = unleak(
        dir.path(),
        &["scan", ".", "--verify", "--format", "json"],
        None,
    );
    let v = verdicts(&out.stdout);
    assert_eq!(v.len(), 6, "{v:?} {}", String::from_utf8_lossy(&out.stderr));
    assert!(v.iter().all(|f| f.2 == "none"), "{v:?}");
    assert!(!pg.log().contains("password authentication failed"));

    let out = unleak(
        dir.path(),
        &[
            "scan",
            ".",
            "--verify",
            "db",
            "--format",
            "json",
            "--show-secrets",
        ],
        None,
    );
    let got = verdicts(&out.stdout);
    let status: Vec<(&str, u32, &str)> = got
        .iter()
        .map(|(p, l, s, _)| (p.as_str(), *l, s.as_str()))
        .collect();
    assert_eq!(
        status,
        [
            ("alone.cfg", 1, "unknown"),
            ("app.py", 1, "live"),
            ("app.py", 2, "invalid"),
            ("deploy.env", 1, "live"),
            ("deploy.env", 2, "live"),
            ("settings.env", 6, "invalid"),
        ],
        "{got:#?}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(got[0].3.contains("no host"), "{got:?}");
    assert!(
        got[1].3.contains("logged in as app (PostgreSQL 1"),
        "{got:?}"
    );

    // `unleak verify` judges a saved report the same way.
    let out = unleak(
        dir.path(),
        &["verify", "--verify", "aws,db"],
        Some(&out.stdout),
    );
    assert_eq!(verdicts(&out.stdout), got);
    // A report without full secrets cannot be judged: unknown, with the reason.
    let redacted = unleak(dir.path(), &["scan", ".", "--format", "json"], None);
    let out = unleak(
        dir.path(),
        &["verify", "--verify", "db"],
        Some(&redacted.stdout),
    );
    let v = verdicts(&out.stdout);
    assert!(
        v.iter()
            .all(|f| f.2 == "unknown" && f.3.contains("--show-secrets")),
        "{v:?}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&live));
}

#[test]
fn verify_takes_an_optional_family_list_and_says_where_paths_go() {
    let dir = tempfile::tempdir().unwrap();
    let out = unleak(dir.path(), &["scan", "--verify", "."], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("put paths before it"), "{err}");
    let out = unleak(dir.path(), &["scan", ".", "--verify", "aws,nosql"], None);
    assert_eq!(out.status.code(), Some(2));
    // `--verify` alone and `--verify=aws` are today's AWS judge: nothing found, nothing judged.
    for args in [
        &["scan", ".", "--verify"][..],
        &["scan", "--verify=aws", "."][..],
    ] {
        let out = unleak(dir.path(), args, None);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
