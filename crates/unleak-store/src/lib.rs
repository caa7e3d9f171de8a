//! unleak's findings store: what audits found, kept across runs so that a security team triages
//! a secret once. One job: persist secrets, their occurrences, triage, verdicts and which blobs
//! of a repository were already scanned. SQLite, embedded (a file), in this version.
//!
//! No secret is ever stored in plaintext: a secret is its fingerprint (the keyed Argon2id id of
//! the report, `v2:…`), its redacted form (first characters and `…`, an AWS key id whole, as
//! every report shows it) and its locations (repository, commit, path, line). Whoever needs the
//! value (verify, store, rotate) reads it again from the repository at that location.
//!
//! The same secret found in many repositories is one row in `secrets` with many
//! `occurrences`; its triage status belongs to the secret, so it holds in every repository and
//! survives re-audits (recording only ever adds occurrences and moves `last_seen`).

mod schema;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use unleak_scan::finding::{is_redacted, redact, shown_whole};
use unleak_scan::Finding;

pub use schema::SCHEMA_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("findings store {0}: {1}")]
    Sqlite(String, #[source] rusqlite::Error),
    #[error("findings store {0}: schema version {1} is newer than this unleak knows ({2}): upgrade unleak")]
    TooNew(String, i64, i64),
    #[error("{0}: PostgreSQL stores are not supported by this build (use a SQLite file path)")]
    Unsupported(String),
    #[error("cannot create {0}: {1}")]
    Create(PathBuf, #[source] std::io::Error),
    #[error("no secret in the store matches `{0}`")]
    NoSuchSecret(String),
    #[error("`{0}` matches {1} secrets: give more of its id")]
    Ambiguous(String, usize),
    #[error("unknown status `{0}` (open, false-positive, accepted, revoked, rotated)")]
    BadStatus(String),
}

pub type Result<T> = std::result::Result<T, Error>;

/// A secret's triage status.
pub const STATUSES: &[&str] = &["open", "false-positive", "accepted", "revoked", "rotated"];

/// The default store: `$XDG_DATA_HOME/unleak/findings.db` (else `~/.local/share/…`).
pub fn default_path() -> Option<PathBuf> {
    std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .map(|d| d.join("unleak").join("findings.db"))
}

/// An open store.
pub struct Store {
    conn: Connection,
    name: String,
}

/// One secret as `findings list` shows it.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SecretRow {
    pub id: String,
    pub rule_id: String,
    pub kind: String,
    pub secret: String,
    pub confidence: String,
    pub status: String,
    pub verdict: Option<String>,
    pub repos: u64,
    pub occurrences: u64,
    pub first_seen: String,
    pub last_seen: String,
}

/// Where a secret is.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Occurrence {
    pub repo: String,
    pub path: String,
    pub line: u32,
    /// The earliest commit seen introducing it at this path (empty outside history).
    pub commit: String,
    pub date: String,
}

/// A triage decision.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct TriageEvent {
    pub status: String,
    pub note: String,
    pub who: String,
    pub at: String,
}

/// A judge's verdict (`--verify`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct VerdictEvent {
    pub status: String,
    pub reason: String,
    pub at: String,
}

/// A secret with everything known about it.
#[derive(Clone, Debug, Serialize)]
pub struct SecretDetail {
    #[serde(flatten)]
    pub secret: SecretRow,
    pub locations: Vec<Occurrence>,
    pub triage: Vec<TriageEvent>,
    pub verdicts: Vec<VerdictEvent>,
}

/// `findings list` filters (each `None`: any).
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub status: Option<String>,
    pub kind: Option<String>,
    pub repo: Option<String>,
    pub verdict: Option<String>,
}

/// What one `record` added.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Recorded {
    pub new_secrets: u64,
    pub findings: u64,
}

fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    unleak_scan::sources::rfc3339_utc(i64::try_from(secs).unwrap_or(i64::MAX))
}

/// What a report shows of a secret (never the value).
fn shown(f: &Finding) -> String {
    if shown_whole(&f.kind) || is_redacted(&f.secret) {
        f.secret.clone()
    } else {
        redact(&f.secret)
    }
}

impl Store {
    /// Open (creating and migrating) the store at `target`: a file path, or a URL.
    pub fn open(target: &str) -> Result<Store> {
        if target.starts_with("postgres://") || target.starts_with("postgresql://") {
            return Err(Error::Unsupported(target.to_string()));
        }
        let path = Path::new(target);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Create(dir.to_path_buf(), e))?;
        }
        let name = path.display().to_string();
        let conn = Connection::open(path).map_err(|e| Error::Sqlite(name.clone(), e))?;
        let mut store = Store { conn, name };
        store.setup()?;
        Ok(store)
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> Error + '_ {
        move |e| Error::Sqlite(self.name.clone(), e)
    }

    fn setup(&mut self) -> Result<()> {
        // Several audit processes may share one file: wait for a writer rather than fail.
        self.conn
            .busy_timeout(std::time::Duration::from_secs(60))
            .map_err(self.err())?;
        self.conn
            .execute_batch("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;")
            .map_err(self.err())?;
        let name = self.name.clone();
        schema::migrate(&mut self.conn, &name)
    }

    /// The schema version of the open store.
    pub fn version(&self) -> Result<i64> {
        schema::version(&self.conn).map_err(self.err())
    }

    /// Record `findings` of repository `repo` (one transaction): new secrets start `open`; a
    /// known secret keeps its status and gains the occurrences; an occurrence keeps the
    /// earliest introducing commit seen; verdicts the findings carry are added.
    pub fn record(&mut self, repo: &str, findings: &[Finding]) -> Result<Recorded> {
        let at = now();
        let name = self.name.clone();
        let e = |e| Error::Sqlite(name.clone(), e);
        let tx = self.conn.transaction().map_err(e)?;
        let mut out = Recorded::default();
        tx.execute(
            "INSERT INTO repos (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
            [repo],
        )
        .map_err(e)?;
        let repo_id: i64 = tx
            .query_row("SELECT id FROM repos WHERE name = ?1", [repo], |r| r.get(0))
            .map_err(e)?;
        for f in findings {
            let fp = f.fingerprint();
            let known: Option<i64> = tx
                .query_row(
                    "SELECT id FROM secrets WHERE fingerprint = ?1",
                    [&fp],
                    |r| r.get(0),
                )
                .optional()
                .map_err(e)?;
            // An upsert, not a read then an insert: another worker may insert it in between.
            tx.execute(
                "INSERT INTO secrets (fingerprint, rule_id, kind, redacted, confidence, status, first_seen, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?6)
                 ON CONFLICT (fingerprint) DO UPDATE SET last_seen = excluded.last_seen",
                params![fp, f.rule_id, f.kind, shown(f), f.confidence.as_str(), at],
            )
            .map_err(e)?;
            let secret_id: i64 = match known {
                Some(id) => id,
                None => {
                    out.new_secrets += 1;
                    tx.query_row(
                        "SELECT id FROM secrets WHERE fingerprint = ?1",
                        [&fp],
                        |r| r.get(0),
                    )
                    .map_err(e)?
                }
            };
            let (commit, date) = f
                .commit
                .as_ref()
                .map(|c| (c.commit.clone(), c.date.clone()))
                .unwrap_or_default();
            tx.execute(
                    "INSERT INTO occurrences (secret_id, repo_id, path, line, commit_id, commit_date)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                     ON CONFLICT (secret_id, repo_id, path) DO UPDATE SET
                       line = excluded.line, commit_id = excluded.commit_id, commit_date = excluded.commit_date
                     WHERE excluded.commit_date < occurrences.commit_date",
                    params![secret_id, repo_id, f.path, f.line, commit, date],
                )
                .map_err(e)?;
            out.findings += 1;
            if let Some(v) = &f.verification {
                tx.execute(
                    "INSERT INTO verdicts (secret_id, status, reason, at) VALUES (?1, ?2, ?3, ?4)",
                    params![
                        secret_id,
                        v.status.as_str(),
                        v.reason.clone().unwrap_or_default(),
                        at
                    ],
                )
                .map_err(e)?;
            }
        }
        tx.commit().map_err(e)?;
        Ok(out)
    }

    /// Fingerprints triaged `false-positive`: scans and hooks given `--store` leave them out.
    pub fn false_positives(&self) -> Result<HashSet<String>> {
        let mut st = self
            .conn
            .prepare("SELECT fingerprint FROM secrets WHERE status = 'false-positive'")
            .map_err(self.err())?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))
            .map_err(self.err())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.err())
    }

    /// Secrets matching `filter`, newest first.
    pub fn list(&self, filter: &Filter) -> Result<Vec<SecretRow>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT s.fingerprint, s.rule_id, s.kind, s.redacted, s.confidence, s.status,
                        (SELECT v.status FROM verdicts v WHERE v.secret_id = s.id ORDER BY v.id DESC LIMIT 1),
                        (SELECT count(DISTINCT o.repo_id) FROM occurrences o WHERE o.secret_id = s.id),
                        (SELECT count(*) FROM occurrences o WHERE o.secret_id = s.id),
                        s.first_seen, s.last_seen
                 FROM secrets s
                 WHERE (?1 IS NULL OR s.status = ?1)
                   AND (?2 IS NULL OR s.kind = ?2 OR s.rule_id = ?2)
                   AND (?3 IS NULL OR EXISTS (SELECT 1 FROM occurrences o JOIN repos r ON r.id = o.repo_id
                                              WHERE o.secret_id = s.id AND r.name = ?3))
                 ORDER BY s.last_seen DESC, s.fingerprint",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map(params![filter.status, filter.kind, filter.repo], |r| {
                Ok(SecretRow {
                    id: r.get(0)?,
                    rule_id: r.get(1)?,
                    kind: r.get(2)?,
                    secret: r.get(3)?,
                    confidence: r.get(4)?,
                    status: r.get(5)?,
                    verdict: r.get(6)?,
                    repos: r.get::<_, i64>(7)? as u64,
                    occurrences: r.get::<_, i64>(8)? as u64,
                    first_seen: r.get(9)?,
                    last_seen: r.get(10)?,
                })
            })
            .map_err(self.err())?;
        let mut out: Vec<SecretRow> = rows
            .collect::<std::result::Result<_, _>>()
            .map_err(self.err())?;
        if let Some(v) = &filter.verdict {
            out.retain(|s| s.verdict.as_deref().unwrap_or("unverified") == v);
        }
        Ok(out)
    }

    /// The one secret whose id is `id` or starts with it.
    fn resolve(&self, id: &str) -> Result<(i64, String)> {
        let mut st = self
            .conn
            .prepare("SELECT id, fingerprint FROM secrets WHERE fingerprint = ?1 OR substr(fingerprint, 1, length(?1)) = ?1 OR substr(fingerprint, 4, length(?1)) = ?1 LIMIT 3")
            .map_err(self.err())?;
        let rows: Vec<(i64, String)> = st
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?
            .collect::<std::result::Result<_, _>>()
            .map_err(self.err())?;
        if let Some(exact) = rows.iter().find(|(_, f)| f == id) {
            return Ok(exact.clone());
        }
        match rows.len() {
            0 => Err(Error::NoSuchSecret(id.to_string())),
            1 => Ok(rows[0].clone()),
            n => Err(Error::Ambiguous(id.to_string(), n)),
        }
    }

    /// Everything about one secret (`id`: its fingerprint or a unique prefix of it).
    pub fn show(&self, id: &str) -> Result<SecretDetail> {
        let (sid, fp) = self.resolve(id)?;
        let secret = self
            .list(&Filter::default())?
            .into_iter()
            .find(|s| s.id == fp)
            .ok_or_else(|| Error::NoSuchSecret(id.to_string()))?;
        let q = |sql: &str| self.conn.prepare(sql).map_err(self.err());
        let mut st = q(
            "SELECT r.name, o.path, o.line, o.commit_id, o.commit_date FROM occurrences o
             JOIN repos r ON r.id = o.repo_id WHERE o.secret_id = ?1 ORDER BY r.name, o.path",
        )?;
        let locations = st
            .query_map([sid], |r| {
                Ok(Occurrence {
                    repo: r.get(0)?,
                    path: r.get(1)?,
                    line: r.get(2)?,
                    commit: r.get(3)?,
                    date: r.get(4)?,
                })
            })
            .map_err(self.err())?
            .collect::<std::result::Result<_, _>>()
            .map_err(self.err())?;
        let mut st =
            q("SELECT status, note, who, at FROM triage WHERE secret_id = ?1 ORDER BY id")?;
        let triage = st
            .query_map([sid], |r| {
                Ok(TriageEvent {
                    status: r.get(0)?,
                    note: r.get(1)?,
                    who: r.get(2)?,
                    at: r.get(3)?,
                })
            })
            .map_err(self.err())?
            .collect::<std::result::Result<_, _>>()
            .map_err(self.err())?;
        let mut st = q("SELECT status, reason, at FROM verdicts WHERE secret_id = ?1 ORDER BY id")?;
        let verdicts = st
            .query_map([sid], |r| {
                Ok(VerdictEvent {
                    status: r.get(0)?,
                    reason: r.get(1)?,
                    at: r.get(2)?,
                })
            })
            .map_err(self.err())?
            .collect::<std::result::Result<_, _>>()
            .map_err(self.err())?;
        Ok(SecretDetail {
            secret,
            locations,
            triage,
            verdicts,
        })
    }

    /// Set a secret's status, with a note, who decided and when (kept as history).
    pub fn triage(&mut self, id: &str, status: &str, note: &str, who: &str) -> Result<String> {
        if !STATUSES.contains(&status) {
            return Err(Error::BadStatus(status.to_string()));
        }
        let (sid, fp) = self.resolve(id)?;
        let at = now();
        let name = self.name.clone();
        let e = |e| Error::Sqlite(name.clone(), e);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "UPDATE secrets SET status = ?2 WHERE id = ?1",
            params![sid, status],
        )
        .map_err(e)?;
        tx.execute(
            "INSERT INTO triage (secret_id, status, note, who, at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![sid, status, note, who, at],
        )
        .map_err(e)?;
        tx.commit().map_err(e)?;
        Ok(fp)
    }

    /// Object ids (raw bytes: blobs read, commits diffed) of `repo` already scanned by an
    /// earlier audit.
    pub fn scanned_objects(&self, repo: &str) -> Result<HashSet<Vec<u8>>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT b.object FROM scanned_objects b JOIN repos r ON r.id = b.repo_id WHERE r.name = ?1",
            )
            .map_err(self.err())?;
        let rows = st
            .query_map([repo], |r| r.get::<_, Vec<u8>>(0))
            .map_err(self.err())?;
        rows.collect::<std::result::Result<_, _>>()
            .map_err(self.err())
    }

    /// Remember that these objects of `repo` were scanned (call only after a complete scan).
    pub fn add_scanned_objects(&mut self, repo: &str, blobs: &[Vec<u8>]) -> Result<()> {
        let name = self.name.clone();
        let e = |e| Error::Sqlite(name.clone(), e);
        let tx = self.conn.transaction().map_err(e)?;
        tx.execute(
            "INSERT INTO repos (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
            [repo],
        )
        .map_err(e)?;
        let repo_id: i64 = tx
            .query_row("SELECT id FROM repos WHERE name = ?1", [repo], |r| r.get(0))
            .map_err(e)?;
        {
            let mut st = tx
                .prepare(
                    "INSERT INTO scanned_objects (repo_id, object) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                )
                .map_err(e)?;
            for b in blobs {
                st.execute(params![repo_id, b]).map_err(e)?;
            }
        }
        tx.commit().map_err(e)
    }

    /// A secret's id if the store has it (for tests and tools).
    pub fn has(&self, fingerprint: &str) -> Result<bool> {
        self.conn
            .query_row(
                "SELECT 1 FROM secrets WHERE fingerprint = ?1",
                [fingerprint],
                |_| Ok(()),
            )
            .optional()
            .map(|r| r.is_some())
            .map_err(self.err())
    }
}
