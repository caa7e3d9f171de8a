//! Bad URLs, unreachable servers and wrong passwords: typed errors naming the backend, never
//! the password.

use unleak_store::{Error, Store};

use crate::backends::{Backends, ROLE};

fn open_err(target: &str) -> Error {
    match Store::open(target) {
        Ok(_) => panic!("{target} opened"),
        Err(e) => e,
    }
}

#[test]
fn unreachable_servers_wrong_passwords_and_bad_urls_are_errors_without_the_password() {
    // Nothing listens on port 1.
    let e = open_err("postgres://ann:Sekr1tPw@127.0.0.1:1/audit");
    let text = e.to_string();
    assert!(matches!(e, Error::Postgres { .. }), "{e:?}");
    assert!(text.contains("(PostgreSQL)"), "{text}");
    assert!(text.contains("ann:***@127.0.0.1:1"), "{text}");
    assert!(!text.contains("Sekr1tPw"), "{text}");

    let e = open_err("postgres://ann:Sekr1tPw@127.0.0.1:notaport/audit");
    assert!(matches!(e, Error::BadUrl { .. }), "{e:?}");
    assert!(!e.to_string().contains("Sekr1tPw"), "{e}");

    let b = Backends::start();
    b.pg.create_database("wrongpw", ROLE).expect("db");
    let wrong = b.pg.url(ROLE, "Wr0ngPassword", "wrongpw");
    let text = open_err(&wrong).to_string();
    assert!(text.contains("(PostgreSQL)"), "{text}");
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(!text.contains("Wr0ngPassword"), "{text}");
    // The right one, from PGPASSWORD when the URL has none, is tried by the binary's tests
    // (this process's environment is shared by every test thread).
    let ok = b.pg.url(ROLE, &b.password, "wrongpw");
    let mut s = Store::open(&ok).expect("the right password");
    assert_eq!(s.version().expect("version"), unleak_store::SCHEMA_VERSION);
    assert!(!s.name().contains(&b.password), "{}", s.name());
}
