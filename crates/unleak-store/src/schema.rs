//! The store's schema, versioned: each migration takes a store from version N-1 to N, and
//! `migrate` runs those a store lacks, all in one transaction under the migration lock (see
//! `db.rs`: SQLite's IMMEDIATE transaction, PostgreSQL's advisory lock), so workers that start
//! at once against a new store migrate it once. A store newer than this build is refused (an
//! older unleak must not write a schema it does not know).
//!
//! One text per migration for both backends, in SQLite's dialect with the portable words of
//! [`crate::db::ddl`] (`{ID}`, `{INT}`, `{BYTES}`, `{NO_ROWID}`); stores made before the words
//! existed were SQLite, which spells them as these migrations always did.

use crate::db::{ddl, Db, Tx, P};
use crate::{Error, Result};

/// Migrations in order; index i brings a store to version i + 1.
const MIGRATIONS: &[&str] = &[
    // 1: secrets (fingerprint, redacted form: never the value), where they are, triage.
    "CREATE TABLE repos (id {ID}, name TEXT NOT NULL UNIQUE);
     CREATE TABLE secrets (
        id {ID},
        fingerprint TEXT NOT NULL UNIQUE,
        rule_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        redacted TEXT NOT NULL,
        confidence TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open',
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL);
     CREATE TABLE occurrences (
        secret_id {INT} NOT NULL REFERENCES secrets(id),
        repo_id {INT} NOT NULL REFERENCES repos(id),
        path TEXT NOT NULL,
        line {INT} NOT NULL,
        commit_id TEXT NOT NULL,
        commit_date TEXT NOT NULL,
        PRIMARY KEY (secret_id, repo_id, path));
     CREATE TABLE triage (
        id {ID},
        secret_id {INT} NOT NULL REFERENCES secrets(id),
        status TEXT NOT NULL, note TEXT NOT NULL, who TEXT NOT NULL, at TEXT NOT NULL);",
    // 2: verdicts, and the blobs of each repository already scanned (incremental re-audits).
    "CREATE TABLE verdicts (
        id {ID},
        secret_id {INT} NOT NULL REFERENCES secrets(id),
        status TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL);
     CREATE TABLE scanned_blobs (
        repo_id {INT} NOT NULL REFERENCES repos(id),
        blob {BYTES} NOT NULL,
        PRIMARY KEY (repo_id, blob)){NO_ROWID};",
    // 3: commits walked are recorded too (a re-audit diffs only new commits): the table holds
    // object ids of either type, named for it.
    "ALTER TABLE scanned_blobs RENAME TO scanned_objects;
     ALTER TABLE scanned_objects RENAME COLUMN blob TO object;",
    // 4: each repository's ref tips as last fully scanned (an unchanged repository is not
    // walked; a changed one walks only what its old tips do not reach) and the settings digest
    // its scanned records were made under ('' for records of earlier versions: not trusted);
    // what was done about a secret (verify, rotate, store, rotate-db); indexes for the filters
    // of `findings list` and for `show`'s histories.
    "ALTER TABLE repos ADD COLUMN settings TEXT NOT NULL DEFAULT '';
     CREATE TABLE repo_tips (
        repo_id {INT} NOT NULL REFERENCES repos(id),
        ref_name TEXT NOT NULL,
        tip TEXT NOT NULL,
        PRIMARY KEY (repo_id, ref_name)){NO_ROWID};
     CREATE TABLE actions (
        id {ID},
        secret_id {INT} NOT NULL REFERENCES secrets(id),
        action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL,
        who TEXT NOT NULL, at TEXT NOT NULL);
     CREATE INDEX secrets_status ON secrets (status);
     CREATE INDEX secrets_kind ON secrets (kind);
     CREATE INDEX secrets_last_seen ON secrets (last_seen);
     CREATE INDEX occurrences_repo ON occurrences (repo_id, secret_id);
     CREATE INDEX triage_secret ON triage (secret_id, id);
     CREATE INDEX verdicts_secret ON verdicts (secret_id, id);
     CREATE INDEX actions_secret ON actions (secret_id, id);",
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

fn version_in(tx: &mut Tx<'_>) -> Result<i64> {
    let create = ddl(
        tx.backend(),
        "CREATE TABLE IF NOT EXISTS schema_version (version {INT} NOT NULL);",
    );
    tx.batch(&create)?;
    let rows = tx.query("SELECT coalesce(max(version), 0) FROM schema_version", &[])?;
    Ok(rows.first().map_or(0, |r| r.i64(0)))
}

/// The store's schema version.
pub fn version(db: &mut Db) -> Result<i64> {
    db.write(version_in)
}

/// Bring the store to `upto` (tests stop early to make a store of an older version).
pub fn migrate_to(db: &mut Db, upto: i64) -> Result<()> {
    let name = db.name.clone();
    db.write(|tx| {
        tx.lock_migrations()?;
        let have = version_in(tx)?;
        if have > SCHEMA_VERSION {
            return Err(Error::TooNew(name.clone(), have, SCHEMA_VERSION));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(have as usize) {
            let v = i as i64 + 1;
            if v > upto {
                break;
            }
            tx.batch(&ddl(tx.backend(), sql))?;
            tx.execute(
                "INSERT INTO schema_version (version) VALUES (?1)",
                &[P::I(v)],
            )?;
        }
        Ok(())
    })
}
