//! Both backends for one test: a fresh, empty store on each, and findings to record.

use unleak_scan::finding::{CommitInfo, Confidence, Excerpt};
use unleak_scan::Finding;
use unleak_testsupport::Postgres;

/// The role the stores' URLs log in as (not a superuser: a team's store is not the server's).
pub const ROLE: &str = "unleak_store";

pub struct Backends {
    pub pg: Postgres,
    pub password: String,
    dir: tempfile::TempDir,
}

impl Backends {
    pub fn start() -> Backends {
        let pg = Postgres::start().unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
        let password = format!("pw{:x}", std::process::id());
        pg.create_role(ROLE, &password, false).expect("role");
        Backends {
            pg,
            password,
            dir: tempfile::tempdir().expect("tmp"),
        }
    }

    /// A fresh store named `name` on each backend: (backend, target).
    pub fn fresh(&self, name: &str) -> Vec<(&'static str, String)> {
        self.pg.create_database(name, ROLE).expect("database");
        vec![
            (
                "SQLite",
                self.dir
                    .path()
                    .join(format!("{name}.db"))
                    .to_string_lossy()
                    .into_owned(),
            ),
            ("PostgreSQL", self.pg.url(ROLE, &self.password, name)),
        ]
    }

    /// The SQLite file of store `name` and its journal files, as bytes.
    pub fn sqlite_bytes(&self, name: &str) -> Vec<u8> {
        let mut all = Vec::new();
        for suffix in ["", "-wal", "-shm"] {
            if let Ok(b) = std::fs::read(self.dir.path().join(format!("{name}.db{suffix}"))) {
                all.extend(b);
            }
        }
        assert!(!all.is_empty(), "no SQLite file for {name}");
        all
    }
}

/// A finding of `secret` (kind `kind`, found by `rule`) at `path`, introduced by `commit` on
/// `date` (a history finding).
pub fn finding(
    rule: &str,
    kind: &str,
    secret: &str,
    path: &str,
    commit: &str,
    date: &str,
) -> Finding {
    Finding {
        rule_id: rule.to_string(),
        kind: kind.to_string(),
        description: String::new(),
        advice: String::new(),
        path: path.to_string(),
        line: 3,
        end_line: 3,
        column: 1,
        secret: secret.to_string(),
        excerpt: Excerpt::default(),
        confidence: Confidence::High,
        entropy: 4.0,
        encrypted: None,
        pair: None,
        commit: Some(Box::new(CommitInfo {
            commit: commit.to_string(),
            date: date.to_string(),
            ..CommitInfo::default()
        })),
        verification: None,
    }
}

/// A database password finding (Argon2 fingerprint), the common case.
pub fn password_at(secret: &str, path: &str, commit: &str, date: &str) -> Finding {
    finding(
        "db-password-assignment",
        "db-password",
        secret,
        path,
        commit,
        date,
    )
}
