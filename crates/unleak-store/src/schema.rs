//! The store's schema, versioned: each migration takes a store from version N-1 to N inside one
//! transaction, and `migrate` runs those a store lacks. A store newer than this build is
//! refused (an older unleak must not write a schema it does not know).

use rusqlite::Connection;

use crate::{Error, Result};

/// Migrations in order; index i brings a store to version i + 1.
const MIGRATIONS: &[&str] = &[
    // 1: secrets (fingerprint, redacted form: never the value), where they are, triage.
    "CREATE TABLE repos (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
     CREATE TABLE secrets (
        id INTEGER PRIMARY KEY,
        fingerprint TEXT NOT NULL UNIQUE,
        rule_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        redacted TEXT NOT NULL,
        confidence TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL);
     CREATE TABLE occurrences (
        secret_id INTEGER NOT NULL REFERENCES secrets(id),
        repo_id INTEGER NOT NULL REFERENCES repos(id),
        path TEXT NOT NULL,
        line INTEGER NOT NULL,
        commit_id TEXT NOT NULL,
        commit_date TEXT NOT NULL,
        PRIMARY KEY (secret_id, repo_id, path));
     CREATE TABLE triage (
        id INTEGER PRIMARY KEY,
        secret_id INTEGER NOT NULL REFERENCES secrets(id),
        status TEXT NOT NULL, note TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL);",
    // 2: verdicts, and the blobs of each repository already scanned (incremental re-audits).
    "CREATE TABLE verdicts (
        id INTEGER PRIMARY KEY,
        secret_id INTEGER NOT NULL REFERENCES secrets(id),
        status TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
     CREATE TABLE scanned_blobs (
        repo_id INTEGER NOT NULL REFERENCES repos(id),
        blob BLOB NOT NULL,
        PRIMARY KEY (repo_id, blob)) WITHOUT ROWID;",
    // 3: commits walked are recorded too (a re-audit diffs only new commits): the table holds
    // object ids of either type, named for it.
    "ALTER TABLE scanned_blobs RENAME TO scanned_objects;
     ALTER TABLE scanned_objects RENAME COLUMN blob TO object;",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

pub fn version(conn: &Connection) -> rusqlite::Result<i64> {
    conn.execute_batch("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);")?;
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_version",
        [],
        |r| r.get(0),
    )
}

/// Bring the store to [`SCHEMA_VERSION`] (`upto` for tests: stop at that version).
pub fn migrate_to(conn: &mut Connection, name: &str, upto: i64) -> Result<()> {
    let e = |e| Error::Sqlite(name.to_string(), e);
    // IMMEDIATE: two processes opening a new store do not both migrate it.
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(e)?;
    let have = version(&tx).map_err(e)?;
    if have > SCHEMA_VERSION {
        return Err(Error::TooNew(name.to_string(), have, SCHEMA_VERSION));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(have as usize) {
        let v = i as i64 + 1;
        if v > upto {
            break;
        }
        tx.execute_batch(sql).map_err(e)?;
        tx.execute("INSERT INTO schema_version (version) VALUES (?1)", [v])
            .map_err(e)?;
    }
    tx.commit().map_err(e)
}

pub fn migrate(conn: &mut Connection, name: &str) -> Result<()> {
    migrate_to(conn, name, SCHEMA_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_empty_and_from_the_previous_version() {
        let mut fresh = Connection::open_in_memory().expect("db");
        migrate(&mut fresh, "fresh").expect("from empty");
        assert_eq!(version(&fresh).expect("version"), SCHEMA_VERSION);

        let mut old = Connection::open_in_memory().expect("db");
        migrate_to(&mut old, "old", 1).expect("to 1");
        assert_eq!(version(&old).expect("version"), 1);
        old.execute_batch(
            "INSERT INTO secrets (fingerprint, rule_id, kind, redacted, confidence, first_seen, last_seen)
             VALUES ('v2:00', 'r', 'k', 'ab…', 'high', 't', 't');",
        )
        .expect("a v1 row");
        migrate(&mut old, "old").expect("1 to 2");
        assert_eq!(version(&old).expect("version"), SCHEMA_VERSION);
        let n: i64 = old
            .query_row("SELECT count(*) FROM secrets", [], |r| r.get(0))
            .expect("count");
        assert_eq!(n, 1);
        old.execute_batch(
            "SELECT count(object) FROM scanned_objects; SELECT count(*) FROM verdicts;",
        )
        .expect("v2 and v3 tables");
        // Running it again changes nothing.
        migrate(&mut old, "old").expect("idempotent");
        assert_eq!(version(&old).expect("version"), SCHEMA_VERSION);
    }
}
