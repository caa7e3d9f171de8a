//! The judge against a real MariaDB server on 127.0.0.1 (unleak-testsupport).

use std::time::{Duration, Instant};

use unleak_db::conn::parse;
use unleak_db::{judge_all, JudgeOptions, Status};
use unleak_testsupport::MariaDb;

fn opts() -> JudgeOptions {
    JudgeOptions {
        connect_timeout: Duration::from_secs(2),
        login_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(30),
        concurrency: 4,
    }
}

#[test]
fn live_wrong_unknown_user_tls_demanded_and_paired_assignments() {
    let m = MariaDb::start().unwrap();
    let good = format!("m{:x}@:/%x", std::process::id());
    m.create_user("app", &good, false).unwrap();
    let p = m.port();
    let env = format!(
        "DB_ENGINE=mariadb\nDB_HOST=127.0.0.1\nDB_PORT={p}\nDB_USER=app\nDB_PASSWORD={good}\n"
    );
    let lines: Vec<&str> = env.lines().collect();
    let creds = vec![
        parse(&m.url("app", &good, "mysql")).unwrap(),
        parse(&m.url("app", "wrong-one", "")).unwrap(),
        parse(&m.url("ghost", &good, "")).unwrap(),
        parse(&format!("{}?ssl-mode=REQUIRED", m.url("app", &good, ""))).unwrap(),
        unleak_db::context::credential_for(&lines, 4, &good).unwrap(),
    ];
    let v = judge_all(&creds, &opts());
    let st: Vec<Status> = v.iter().map(|v| v.status).collect();
    assert_eq!(
        st,
        [
            Status::Live,
            Status::Invalid,
            Status::Invalid,
            Status::Unknown,
            Status::Live
        ],
        "{v:#?}"
    );
    assert!(
        v[0].reason.contains("logged in as app (") && v[0].reason.contains("MariaDB"),
        "{v:?}"
    );
    assert!(v[3].reason.contains("TLS required"), "{v:?}");
    assert!(v[1].reason.contains("Access denied"), "{v:?}");
    // `mysql` is not app's database: the password was still accepted.
    assert!(v[0].reason.contains("no access to the database"), "{v:?}");
    let v = judge_all(&[parse(&m.url("app", &good, "")).unwrap()], &opts());
    assert_eq!(v[0].user.as_deref(), Some("app"), "{v:?}");
}

/// The judge latency per credential: the median of 100 sequential logins to the local server.
#[test]
fn judge_latency_median_over_100_logins() {
    let m = MariaDb::start().unwrap();
    m.create_user("app", "latency-pw-2", false).unwrap();
    let c = parse(&m.url("app", "latency-pw-2", "")).unwrap();
    let mut times = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        let v = judge_all(std::slice::from_ref(&c), &opts());
        times.push(t.elapsed());
        assert_eq!(v[0].status, Status::Live, "{v:?}");
    }
    times.sort();
    eprintln!(
        "mariadb judge latency over 100 logins: median {:?}, max {:?}",
        times[50], times[99]
    );
}
