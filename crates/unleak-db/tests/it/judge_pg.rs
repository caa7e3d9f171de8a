//! The judge against a real PostgreSQL server on 127.0.0.1 (unleak-testsupport).

use std::net::TcpListener;
use std::time::{Duration, Instant};

use unleak_db::conn::parse;
use unleak_db::{judge_all, JudgeOptions, Status};
use unleak_testsupport::Postgres;

fn pw() -> String {
    format!(
        "t{:x}",
        Instant::now().elapsed().as_nanos() ^ u128::from(std::process::id()) << 20
    )
}

fn opts() -> JudgeOptions {
    JudgeOptions {
        connect_timeout: Duration::from_secs(2),
        login_timeout: Duration::from_secs(2),
        deadline: Duration::from_secs(30),
        concurrency: 4,
    }
}

#[test]
fn live_wrong_unknown_user_unreachable_silent_tls_and_percent_decoding() {
    let pg = Postgres::start().unwrap();
    let good = format!("{}@/:{}", pw(), "x y%");
    pg.create_role("app", &good, false).unwrap();
    pg.create_role("boss", "boss-pw-1", true).unwrap();
    let dead = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    drop(dead);
    // Accepts connections (the kernel's backlog) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    let p = pg.port();
    let inputs = [
        pg.url("app", &good, "postgres"),
        pg.url("app", "wrong-password", "postgres"),
        pg.url("nosuchuser", &good, "postgres"),
        format!("postgresql://app:x@127.0.0.1:{dead_port}/postgres"),
        format!("postgresql://app:x@127.0.0.1:{silent_port}/postgres"),
        format!("{}?sslmode=require", pg.url("app", &good, "postgres")),
        format!("host=127.0.0.1 port={p} user=boss password=boss-pw-1 dbname=postgres"),
        format!("postgresql://app:x@no-such-host.invalid:{p}/postgres"),
    ];
    let creds: Vec<_> = inputs.iter().map(|s| parse(s).unwrap()).collect();
    let t = Instant::now();
    let v = judge_all(&creds, &opts());
    let took = t.elapsed();
    let st: Vec<Status> = v.iter().map(|v| v.status).collect();
    assert_eq!(
        st,
        [
            Status::Live,
            Status::Invalid,
            Status::Invalid,
            Status::Unknown,
            Status::Unknown,
            Status::Unknown,
            Status::Live,
            Status::Unknown
        ],
        "{v:#?}"
    );
    assert_eq!(v[0].user.as_deref(), Some("app"));
    assert!(
        v[0].server_version
            .as_deref()
            .unwrap()
            .starts_with("PostgreSQL "),
        "{v:?}"
    );
    assert_eq!(v[0].superuser, Some(false));
    assert_eq!(v[6].superuser, Some(true));
    assert!(v[3].reason.contains("unreachable"), "{}", v[3].reason);
    assert!(v[4].reason.contains("timed out"), "{}", v[4].reason);
    assert!(v[5].reason.contains("TLS required"), "{}", v[5].reason);
    assert!(v[7].reason.contains("not resolvable"), "{}", v[7].reason);
    assert!(took < Duration::from_secs(10), "{took:?}");
    // One failed login per distinct wrong credential: the server logged two, not more.
    let log = pg.log();
    assert_eq!(
        log.matches("password authentication failed").count(),
        2,
        "{log}"
    );
    drop(silent);
}

#[test]
fn a_server_that_takes_only_tls_makes_the_verdict_unknown_with_the_reason() {
    let pg = Postgres::start().unwrap();
    pg.create_role("app", "pw-plain-1", false).unwrap();
    let hba = pg.data_dir().join("pg_hba.conf");
    std::fs::write(
        &hba,
        "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n",
    )
    .unwrap();
    pg.sql("SELECT pg_reload_conf()").unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let c = parse(&pg.url("app", "pw-plain-1", "postgres")).unwrap();
    let v = judge_all(&[c.clone(), c], &opts());
    assert_eq!(v[0].status, Status::Unknown, "{v:?}");
    assert!(
        v[0].reason.contains("TLS required by the server"),
        "{}",
        v[0].reason
    );
}

/// The judge latency per credential: the median of 100 sequential logins to the local server.
#[test]
fn judge_latency_median_over_100_logins() {
    let pg = Postgres::start().unwrap();
    pg.create_role("app", "latency-pw-1", false).unwrap();
    let c = parse(&pg.url("app", "latency-pw-1", "postgres")).unwrap();
    let mut times = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        let v = judge_all(std::slice::from_ref(&c), &opts());
        times.push(t.elapsed());
        assert_eq!(v[0].status, Status::Live, "{v:?}");
    }
    times.sort();
    eprintln!(
        "judge latency over 100 logins: median {:?}, max {:?}",
        times[50], times[99]
    );
}
