//! `unleak rotate-db` through the real binary, against real servers: moto (auth checks on)
//! for Secrets Manager and a real PostgreSQL and MariaDB on 127.0.0.1. The happy path for
//! both engines, a crash after each step followed by a re-run, every refusal, `--admin`,
//! FILE:LINE with `--rewrite`, and the new password absent from stdout, stderr, the state
//! directory and the journal.

#![cfg(all(feature = "aws", feature = "db"))]

use std::path::Path;
use std::time::Duration;

use crate::aws::*;
use unleak_aws::rotate_db::{DbRotationRecord, DbStep, RdsSecret, JOURNAL_KIND};
use unleak_db::change::{inspect, Probe};
use unleak_db::JudgeOptions;
use unleak_testsupport::Server;

fn db_opts() -> JudgeOptions {
    JudgeOptions {
        connect_timeout: Duration::from_secs(3),
        login_timeout: Duration::from_secs(10),
        ..JudgeOptions::default()
    }
}

/// Does `password` log in as `user`?
fn logs_in(s: &Server, user: &str, password: &str) -> bool {
    let cred = unleak_db::conn::parse(&s.url(user, password)).unwrap();
    matches!(inspect(&cred, &db_opts()), Probe::Accepted(_))
}

/// A login `user` with a fresh fake password; returns the password.
fn login(s: &Server, user: &str, admin: bool) -> String {
    let pw = fake_secret("old9");
    s.create_login(user, &pw, admin).unwrap();
    pw
}

/// The stage names of each version of `name`.
async fn stages(w: &World, name: &str) -> Vec<Vec<String>> {
    match w.sm.list_secret_version_ids().secret_id(name).send().await {
        Ok(o) => o
            .versions()
            .iter()
            .map(|v| {
                let mut s: Vec<String> = v.version_stages().to_vec();
                s.sort();
                s
            })
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// What every finished rotation leaves: the database takes only the new password; AWSCURRENT
/// holds it in the RDS shape; the old credential is AWSPREVIOUS, no AWSPENDING is left, and
/// no version was made twice; the journal says done; the new password is nowhere in
/// `outputs`, the state directory (journal included) or the server's log.
async fn assert_rotated(s: &Server, w: &World, user: &str, old: &str, secret: &str, outputs: &str) {
    let value = current_value(w, secret)
        .await
        .expect("AWSCURRENT has a value");
    let v: serde_json::Value = serde_json::from_str(&value).unwrap();
    assert_eq!(v["engine"], s.engine(), "{v:?}");
    assert_eq!(v["host"], "127.0.0.1");
    assert_eq!(v["port"], s.port());
    assert_eq!(v["username"], user);
    let new = v["password"].as_str().unwrap().to_string();
    assert_eq!(new.len(), 32);
    assert!(new.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(logs_in(s, user, &new), "the new password logs in");
    assert!(!logs_in(s, user, old), "the old password is refused");
    let mut st = stages(w, secret).await;
    st.sort();
    assert_eq!(
        st,
        vec![
            vec!["AWSCURRENT".to_string()],
            vec!["AWSPREVIOUS".to_string()]
        ],
        "one new version, the old one previous, nothing pending"
    );
    let previous =
        w.sm.get_secret_value()
            .secret_id(secret)
            .version_stage("AWSPREVIOUS")
            .send()
            .await
            .unwrap();
    let prev = RdsSecret::parse(previous.secret_string().unwrap()).unwrap();
    assert_eq!(prev.password, old);
    let journal = unleak_aws::journal::Journal::at(w.state.path().join("state").join(JOURNAL_KIND));
    let records: Vec<DbRotationRecord> = journal.list().unwrap();
    let rec = records
        .iter()
        .find(|r| r.username == user && r.port == s.port())
        .expect("journaled");
    assert!(rec.done && rec.step == DbStep::Done, "{rec:?}");
    assert!(!outputs.contains(&new), "new password printed");
    assert!(
        !files_text(w.state.path()).contains(&new),
        "new password written to the state directory"
    );
    assert!(!s.log().contains(&new), "new password in the server's log");
}

/// Nothing changed: the old password still logs in, no secret, no journal record.
async fn assert_unchanged(s: &Server, w: &World, user: &str, old: &str, secret: &str) {
    assert!(logs_in(s, user, old), "the old password still logs in");
    assert!(stages(w, secret).await.is_empty(), "no secret was made");
    let journal = unleak_aws::journal::Journal::at(w.state.path().join("state").join(JOURNAL_KIND));
    let records: Vec<DbRotationRecord> = journal.list().unwrap_or_default();
    assert!(
        !records
            .iter()
            .any(|r| r.username == user && r.port == s.port()),
        "{records:?}"
    );
}

fn servers() -> Vec<Server> {
    Server::both().unwrap_or_else(|e| panic!("{e}"))
}

#[tokio::test]
async fn rotates_both_engines_and_a_rerun_is_a_no_op() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    for s in servers() {
        let old = login(&s, "app", false);
        let secret = format!("unleak/test/{}", s.engine());
        let started = std::time::Instant::now();
        let out = unleak(
            &m,
            &w,
            &cwd,
            &[
                "rotate-db",
                &s.url("app", &old),
                "--secret-name",
                &secret,
                "--yes",
            ],
            &[],
        );
        let all = text(&out);
        assert!(out.status.success(), "{all}");
        eprintln!("{}: rotated in {:?}", s.engine(), started.elapsed());
        assert!(all.contains("Finished the rotation of"), "{all}");
        assert!(all.contains("aws secretsmanager rotate-secret"), "{all}");
        assert!(all.contains("RotationSingleUser"), "{all}");
        assert_rotated(&s, &w, "app", &old, &secret, &all).await;
        // The server logs every statement: the change reached it, as a hash.
        let changed = match s.engine() {
            "postgres" => "ALTER ROLE CURRENT_USER PASSWORD 'SCRAM-SHA-256$4096:",
            _ => "SET PASSWORD = '*",
        };
        assert!(s.log().contains(changed), "{}", s.log());

        // Again with the old (now dead) password: nothing to do, nothing changed.
        let again = unleak(
            &m,
            &w,
            &cwd,
            &["rotate-db", &s.url("app", &old), "--yes"],
            &[],
        );
        assert!(again.status.success(), "{}", text(&again));
        assert!(text(&again).contains("already rotated"), "{}", text(&again));
        assert_rotated(&s, &w, "app", &old, &secret, &text(&again)).await;
    }
}

#[tokio::test]
async fn a_crash_after_each_step_is_resumed_by_a_rerun() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    for s in servers() {
        for step in DbStep::ALL {
            let user = format!("app_{}", step.as_str().replace('-', "_"));
            let old = login(&s, &user, false);
            let secret = format!("unleak/test/{}/{user}", s.engine());
            let uri = s.url(&user, &old);
            let args = ["rotate-db", uri.as_str(), "--secret-name", &secret, "--yes"];
            let crashed = unleak(
                &m,
                &w,
                &cwd,
                &args,
                &[("UNLEAK_FAILPOINT", step.failpoint_name())],
            );
            let first = text(&crashed);
            assert!(!crashed.status.success(), "{step}: {first}");
            assert!(
                first.contains(&format!("failpoint {}", step.failpoint_name())),
                "{first}"
            );
            let status = unleak(&m, &w, &cwd, &["rotate-db", "--status"], &[]);
            assert!(
                text(&status).contains(&format!("@127.0.0.1:{}", s.port())),
                "{}",
                text(&status)
            );
            let resumed = unleak(&m, &w, &cwd, &args, &[]);
            let second = text(&resumed);
            assert!(
                resumed.status.success(),
                "{} after {step}: {second}",
                s.engine()
            );
            assert!(
                second.contains("resume the unfinished rotation"),
                "{second}"
            );
            assert_rotated(&s, &w, &user, &old, &secret, &format!("{first}{second}")).await;
        }
    }
    let status = unleak(&m, &w, &cwd, &["rotate-db", "--status"], &[]);
    assert!(
        text(&status).contains("No unfinished database rotations"),
        "{}",
        text(&status)
    );
}

#[tokio::test]
async fn refusals_change_nothing() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let run = |args: &[&str]| unleak(&m, &w, &cwd, args, &[]);
    for s in servers() {
        let e = s.engine();
        // A password that does not log in.
        let old = login(&s, "app", false);
        let secret = format!("unleak/refused/{e}");
        let out = run(&[
            "rotate-db",
            &s.url("app", "not-the-password"),
            "--secret-name",
            &secret,
            "--yes",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("does not log in"), "{}", text(&out));
        assert_unchanged(&s, &w, "app", &old, &secret).await;

        // A server that is not there.
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = closed.local_addr().unwrap().port();
        drop(closed);
        let gone = s
            .url("app", &old)
            .replace(&format!(":{}/", s.port()), &format!(":{port}/"));
        let out = run(&["rotate-db", &gone, "--secret-name", &secret, "--yes"]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains("cannot check the password") && text(&out).contains("refused"),
            "{}",
            text(&out)
        );
        assert_unchanged(&s, &w, "app", &old, &secret).await;

        // A superuser, without --allow-superuser.
        let root_pw = login(&s, "boss", true);
        let out = run(&[
            "rotate-db",
            &s.url("boss", &root_pw),
            "--secret-name",
            &secret,
            "--yes",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("is a superuser"), "{}", text(&out));
        assert_unchanged(&s, &w, "boss", &root_pw, &secret).await;

        // A secret of that name holding something else.
        let taken = format!("unleak/taken/{e}");
        w.sm.create_secret()
            .name(&taken)
            .secret_string("{\"not\":\"this credential\"}")
            .send()
            .await
            .unwrap();
        let out = run(&[
            "rotate-db",
            &s.url("app", &old),
            "--secret-name",
            &taken,
            "--yes",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains("holds something else"),
            "{}",
            text(&out)
        );
        assert!(logs_in(&s, "app", &old));
        assert_eq!(
            current_value(&w, &taken).await.unwrap(),
            "{\"not\":\"this credential\"}"
        );
        assert_eq!(version_count(&w, &taken).await, 1);

        // Not on a terminal and no --yes; and --dry-run.
        for args in [
            vec!["rotate-db", &s.url("app", &old), "--secret-name", &secret],
            vec![
                "rotate-db",
                &s.url("app", &old),
                "--secret-name",
                &secret,
                "--dry-run",
            ],
        ] {
            let out = run(&args.iter().map(|a| a.as_ref()).collect::<Vec<&str>>());
            assert!(
                text(&out).contains("pass --yes")
                    || text(&out).contains("Dry run: nothing was changed"),
                "{}",
                text(&out)
            );
            assert_unchanged(&s, &w, "app", &old, &secret).await;
        }

        // Another rotation of the credential holds its lock.
        let journal =
            unleak_aws::journal::Journal::at(w.state.path().join("state").join(JOURNAL_KIND));
        let held = journal
            .lock(&format!(
                "{}://app@127.0.0.1:{}",
                if e == "postgres" { "postgres" } else { "mysql" },
                s.port()
            ))
            .unwrap();
        let out = run(&[
            "rotate-db",
            &s.url("app", &old),
            "--secret-name",
            &secret,
            "--yes",
        ]);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(
            text(&out).contains("another unleak is working on"),
            "{}",
            text(&out)
        );
        drop(held);
        assert_unchanged(&s, &w, "app", &old, &secret).await;

        // Someone else changes the password while a rotation is stopped half-way: the re-run
        // finds the database takes neither password, and stops without touching anything.
        let user = "drifted";
        let before = login(&s, user, false);
        let drift = format!("unleak/drift/{e}");
        let uri = s.url(user, &before);
        let args = ["rotate-db", uri.as_str(), "--secret-name", &drift, "--yes"];
        let crashed = unleak(
            &m,
            &w,
            &cwd,
            &args,
            &[("UNLEAK_FAILPOINT", "db-after-create")],
        );
        assert!(!crashed.status.success(), "{}", text(&crashed));
        let other = fake_secret("other");
        s.set_password(user, &other).unwrap();
        let out = run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        assert!(text(&out).contains("accepts neither"), "{}", text(&out));
        assert!(logs_in(&s, user, &other));
        let current = RdsSecret::parse(&current_value(&w, &drift).await.unwrap()).unwrap();
        assert_eq!(current.password, before, "AWSCURRENT untouched");

        // With --allow-superuser the superuser is rotated.
        let out = run(&[
            "rotate-db",
            &s.url("boss", &root_pw),
            "--secret-name",
            &secret,
            "--allow-superuser",
            "--yes",
        ]);
        assert!(out.status.success(), "{}", text(&out));
        assert_rotated(&s, &w, "boss", &root_pw, &secret, &text(&out)).await;
    }
}

#[tokio::test]
async fn an_administrator_sets_it_and_file_line_with_rewrite() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    for s in servers() {
        let e = s.engine();
        // --admin: the administrator changes the password.
        let admin_pw = login(&s, "dba", true);
        let old = login(&s, "web", false);
        let secret = format!("unleak/admin/{e}");
        let out = unleak(
            &m,
            &w,
            &cwd,
            &[
                "rotate-db",
                &s.url("web", &old),
                "--admin",
                &s.url("dba", &admin_pw),
                "--secret-name",
                &secret,
                "--yes",
            ],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains("as administrator dba@"),
            "{}",
            text(&out)
        );
        assert_rotated(&s, &w, "web", &old, &secret, &text(&out)).await;
        assert!(
            logs_in(&s, "dba", &admin_pw),
            "the administrator is untouched"
        );

        // The URI from standard input (`-`), here a terminal: never on the command line.
        let old = login(&s, "piped", false);
        let secret = format!("unleak/stdin/{e}");
        let out = unleak_on_terminal(
            &m,
            &w,
            &cwd,
            &["rotate-db", "-", "--secret-name", &secret, "--yes"],
            &format!("{}\n", s.url("piped", &old)),
        );
        assert!(out.status.success(), "{}", text(&out));
        assert_rotated(&s, &w, "piped", &old, &secret, &text(&out)).await;

        // FILE:LINE from a .env file, its password rewritten to a variable.
        let old = login(&s, "worker", false);
        let dir = tempfile::tempdir_in(&cwd).unwrap();
        let env = dir.path().join(".env");
        std::fs::write(
            &env,
            format!(
                "DB_ENGINE={}\nDB_HOST=127.0.0.1\nDB_PORT={}\nDB_USER=worker\nDB_PASSWORD={old}\n{}",
                if e == "postgres" {
                    "postgresql"
                } else {
                    "mysql"
                },
                s.port(),
                // PostgreSQL's default database is the user's name, which does not exist here.
                if e == "postgres" {
                    "DB_NAME=postgres\n"
                } else {
                    ""
                }
            ),
        )
        .unwrap();
        let secret = format!("unleak/file/{e}");
        let target = format!("{}:5", rel(&env, &cwd));
        let out = unleak(
            &m,
            &w,
            &cwd,
            &[
                "rotate-db",
                &target,
                "--rewrite",
                "--secret-name",
                &secret,
                "--yes",
            ],
            &[],
        );
        let all = text(&out);
        assert!(out.status.success(), "{all}");
        assert_rotated(&s, &w, "worker", &old, &secret, &all).await;
        let now = std::fs::read_to_string(&env).unwrap();
        assert!(now.contains("DB_PASSWORD=${DB_PASSWORD}"), "{now}");
        assert!(!now.contains(&old), "{now}");
        assert!(all.contains("jq -r .password"), "{all}");

        // The administrator from a secret (RDS JSON), the credential from a report's finding.
        let admin_secret = format!("unleak/dba/{e}");
        let dba = serde_json::json!({
            "engine": e, "host": "127.0.0.1", "port": s.port(), "username": "dba",
            "password": admin_pw, "dbname": if e == "postgres" { "postgres" } else { "" },
        });
        w.sm.create_secret()
            .name(&admin_secret)
            .secret_string(dba.to_string())
            .send()
            .await
            .unwrap();
        let old = login(&s, "reporter", false);
        let conf = dir.path().join("database.yml");
        std::fs::write(
            &conf,
            format!(
                "production:\n  adapter: {}\n  host: 127.0.0.1\n  port: {}\n  username: reporter\n  password: {old}\n{}",
                if e == "postgres" { "postgresql" } else { "mysql2" },
                s.port(),
                if e == "postgres" { "  database: postgres\n" } else { "" }
            ),
        )
        .unwrap();
        let report = dir.path().join("report.json");
        let scan = unleak(
            &m,
            &w,
            &cwd,
            &[
                "scan",
                &rel(&conf, &cwd),
                "-f",
                "json",
                "-o",
                &rel(&report, &cwd),
            ],
            &[],
        );
        assert_eq!(scan.status.code(), Some(1), "{}", text(&scan));
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        let id = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["kind"] == "db-password")
            .expect("the password is found")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let secret = format!("unleak/report/{e}");
        let out = unleak(
            &m,
            &w,
            &cwd,
            &[
                "rotate-db",
                &id,
                "--report",
                &rel(&report, &cwd),
                "--admin-secret",
                &admin_secret,
                "--secret-name",
                &secret,
                "--yes",
            ],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains("as administrator dba@"),
            "{}",
            text(&out)
        );
        assert_rotated(&s, &w, "reporter", &old, &secret, &text(&out)).await;
    }
}

fn rel(p: &Path, base: &Path) -> String {
    p.strip_prefix(base).unwrap().to_string_lossy().into_owned()
}

#[tokio::test]
async fn rotate_db_with_a_findings_store_records_the_rotation_against_the_secret() {
    let m = Moto::start();
    let w = world(&m).await;
    let cwd = w.state.path().to_path_buf();
    let s = Server::Postgres(
        unleak_testsupport::Postgres::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}")),
    );
    let db = cwd.join("findings.db").to_string_lossy().into_owned();
    let run = |args: &[&str]| unleak(&m, &w, &cwd, args, &[]);
    let json = |out: std::process::Output| -> serde_json::Value {
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&out)))
    };
    // `file` scanned into the store: the finding's id.
    let scanned = |file: &str| -> String {
        let report = json(run(&["scan", file, "--store", &db, "-f", "json"]));
        report["findings"][0]["id"]
            .as_str()
            .expect("a finding")
            .to_string()
    };
    let rotate = |target: &str, secret: &str| {
        let out = run(&[
            "rotate-db",
            target,
            "--secret-name",
            secret,
            "--yes",
            "--store",
            &db,
        ]);
        assert!(out.status.success(), "{}", text(&out));
        out
    };
    let shown = |id: &str| json(run(&["findings", "show", id, "--json", "--store", &db]));
    let first_action = |id: &str| shown(id)["actions"][0].clone();

    // FILE:LINE: the finding's own rule.
    let old = login(&s, "stored", false);
    std::fs::write(
        cwd.join("app.env"),
        format!(
            "DB_ENGINE=postgresql\nDB_HOST=127.0.0.1\nDB_PORT={}\nDB_USER=stored\nDB_PASSWORD={old}\nDB_NAME=postgres\n",
            s.port()
        ),
    )
    .unwrap();
    let id = scanned("app.env");
    let out = rotate("app.env:5", "unleak/stored");
    assert_rotated(&s, &w, "stored", &old, "unleak/stored", &text(&out)).await;
    let action = first_action(&id);
    assert_eq!(action["action"], "rotate-db", "{action}");
    assert_eq!(action["outcome"], "rotated", "{action}");
    assert!(
        action["detail"].as_str().unwrap().contains("unleak/stored"),
        "{action}"
    );
    // A rotated password's findings are settled: its status says so, with what was done.
    let secret = shown(&id);
    assert_eq!(secret["status"], "rotated", "{secret}");
    assert_eq!(secret["triage"][0]["status"], "rotated", "{secret}");
    assert!(
        secret["triage"][0]["note"]
            .as_str()
            .unwrap()
            .starts_with("unleak rotate-db: "),
        "{secret}"
    );

    // A URI: no finding at hand, the store's rules of the kind are tried.
    let old = login(&s, "byuri", false);
    let uri = s.url("byuri", &old);
    std::fs::write(cwd.join("svc.env"), format!("DATABASE_URL={uri}\n")).unwrap();
    let id = scanned("svc.env");
    rotate(&uri, "unleak/byuri");
    assert_eq!(first_action(&id)["action"], "rotate-db");
    assert_eq!(shown(&id)["status"], "rotated");
    let bytes = std::fs::read(cwd.join("findings.db")).unwrap();
    assert!(!bytes.windows(old.len()).any(|x| x == old.as_bytes()));
}
