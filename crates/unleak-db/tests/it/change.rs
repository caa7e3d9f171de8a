//! Changing a credential's own password against real servers: the new one logs in, the old
//! one is refused, and PostgreSQL's log never sees the new password.

use std::time::Duration;

use unleak_db::change::{change_own_password, new_password};
use unleak_db::conn::parse;
use unleak_db::{judge_all, JudgeOptions, Status};
use unleak_testsupport::{MariaDb, Postgres};

fn opts() -> JudgeOptions {
    JudgeOptions {
        connect_timeout: Duration::from_secs(2),
        login_timeout: Duration::from_secs(5),
        ..JudgeOptions::default()
    }
}

fn check(old_url: &str, new_url: &str) {
    let old = parse(old_url).unwrap();
    let new = parse(new_url).unwrap();
    let v = judge_all(&[old, new], &opts());
    assert_eq!(
        (v[0].status, v[1].status),
        (Status::Invalid, Status::Live),
        "{v:#?}"
    );
}

#[test]
fn postgres_and_mariadb_change_their_own_password() {
    let pg = Postgres::start().unwrap();
    pg.sql("ALTER SYSTEM SET log_statement = 'all'").unwrap();
    pg.sql("SELECT pg_reload_conf()").unwrap();
    pg.create_role("app", "old-pw-1", false).unwrap();
    let fresh = new_password(32).unwrap();
    assert_eq!(fresh.len(), 32);
    assert_ne!(fresh, new_password(32).unwrap());
    change_own_password(
        &parse(&pg.url("app", "old-pw-1", "postgres")).unwrap(),
        &fresh,
        &opts(),
    )
    .unwrap();
    check(
        &pg.url("app", "old-pw-1", "postgres"),
        &pg.url("app", &fresh, "postgres"),
    );
    assert!(
        pg.log()
            .contains("ALTER ROLE CURRENT_USER PASSWORD 'SCRAM-SHA-256$4096:"),
        "{}",
        pg.log()
    );
    assert!(!pg.log().contains(&fresh));

    let m = MariaDb::start().unwrap();
    m.create_user("app", "old-pw-2", false).unwrap();
    let fresh = new_password(32).unwrap();
    change_own_password(
        &parse(&m.url("app", "old-pw-2", "")).unwrap(),
        &fresh,
        &opts(),
    )
    .unwrap();
    check(&m.url("app", "old-pw-2", ""), &m.url("app", &fresh, ""));
    // A refused old password changes nothing.
    let e = change_own_password(
        &parse(&m.url("app", "old-pw-2", "")).unwrap(),
        &new_password(32).unwrap(),
        &opts(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("cannot log in"), "{e}");
    check(&m.url("app", "old-pw-2", ""), &m.url("app", &fresh, ""));
}
