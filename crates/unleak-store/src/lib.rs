//! unleak's findings store: what audits found, kept across runs so that a security team triages
//! a secret once. One job: persist secrets, their occurrences, triage, verdicts, what was done
//! about them (actions), and what of each repository was already scanned (objects, ref tips,
//! under which settings). An embedded SQLite file, or a PostgreSQL server shared by a team or a
//! cluster of audit workers (feature `pg`), through the same code (`db.rs`).
//!
//! No secret is ever stored in plaintext: a secret is its fingerprint (the keyed Argon2id id of
//! the report, `v2:…`), its redacted form (first characters and `…`, an AWS key id whole, as
//! every report shows it) and its locations (repository, commit, path, line). Whoever needs the
//! value (verify, store, rotate) reads it again from the repository at that location.
//!
//! The same secret found in many repositories is one row in `secrets` with many
//! `occurrences`; its triage status belongs to the secret, so it holds in every repository and
//! survives re-audits (recording only ever adds occurrences and moves `last_seen`). Writers
//! that record the same secrets at once (shard workers on one PostgreSQL store) neither
//! duplicate nor lose anything: every write is an upsert, rows are written in fingerprint
//! order (two transactions then lock shared rows in the same order and cannot deadlock), and a
//! transaction the server gives up on anyway is run again (`db.rs`).

pub mod db;
mod schema;

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;
use unleak_scan::finding::{is_redacted, redact, shown_whole};
use unleak_scan::Finding;

use db::{Backend, Db, Tx, P};
pub use schema::SCHEMA_VERSION;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("findings store {store} (SQLite): {error}")]
    Sqlite {
        store: String,
        error: rusqlite::Error,
    },
    #[cfg(feature = "pg")]
    #[error("findings store {store} (PostgreSQL): {}", db::pg_text(.error))]
    Postgres {
        store: String,
        error: postgres::Error,
    },
    #[cfg(feature = "pg")]
    #[error("findings store {store} (PostgreSQL): TLS: {why}")]
    Tls { store: String, why: String },
    #[error("findings store {store}: not a PostgreSQL URL unleak can use: {why}")]
    BadUrl { store: String, why: String },
    #[error("findings store {store}: {what}")]
    Decode { store: String, what: String },
    #[error("findings store {0}: schema version {1} is newer than this unleak knows ({2}): upgrade unleak")]
    TooNew(String, i64, i64),
    #[error("{0}: this unleak was built without PostgreSQL stores (feature `pg`): use a SQLite file path, or a build with the default features")]
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
    db: Db,
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

/// A judge's verdict (`--verify`, `unleak verify --store`).
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct VerdictEvent {
    pub status: String,
    pub reason: String,
    pub at: String,
}

/// Something done about a secret: `verify`, `rotate`, `store`, `rotate-db`.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ActionEvent {
    pub action: String,
    /// What came of it (`live`, `rotated`, `created`, …).
    pub outcome: String,
    /// Where it went (a Secrets Manager secret's name, the new key id): never a secret.
    pub detail: String,
    pub who: String,
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
    pub actions: Vec<ActionEvent>,
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

/// What the store knows of a repository's last audits.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepoState {
    /// The settings digest its scanned records were made under ('' when unknown).
    pub settings: String,
    /// Ref name → tip id (hex) as last fully scanned; empty when no audit was complete.
    pub tips: BTreeMap<String, String>,
}

/// One audit of one repository, recorded in one transaction.
#[derive(Clone, Copy, Debug)]
pub struct AuditRecord<'a> {
    pub findings: &'a [Finding],
    /// The settings digest the scan ran under. Scanned records of other settings are dropped
    /// first: they say nothing about what these settings would find.
    pub settings: &'a str,
    /// Objects (raw ids) the scan finished: blobs read, commits whose blobs were all read.
    pub scanned: &'a [Vec<u8>],
    /// The ref tips scanned, when the scan was complete (every object of every ref read):
    /// the next audit walks only what these do not reach. `None` keeps the stored tips.
    pub tips: Option<&'a BTreeMap<String, String>>,
}

/// An action to record against a secret (see [`ActionEvent`]).
#[derive(Clone, Copy, Debug)]
pub struct Action<'a> {
    pub action: &'a str,
    pub outcome: &'a str,
    pub detail: &'a str,
    pub who: &'a str,
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

/// Rows per multi-row INSERT: well under SQLite's 32,766 and PostgreSQL's 65,535 parameters,
/// and one round trip per this many objects on a server.
const CHUNK: usize = 500;

/// The id of repository `repo`, made if new.
fn repo_id(tx: &mut Tx<'_>, repo: &str) -> Result<i64> {
    tx.execute(
        "INSERT INTO repos (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
        &[P::S(repo)],
    )?;
    let rows = tx.query("SELECT id FROM repos WHERE name = ?1", &[P::S(repo)])?;
    Ok(rows.first().map_or(0, |r| r.i64(0)))
}

/// `INSERT INTO table (repo_id, a[, b]) VALUES …` for every row, CHUNK rows a statement.
fn insert_rows(tx: &mut Tx<'_>, head: &str, repo: i64, rows: &[Vec<P<'_>>]) -> Result<()> {
    for chunk in rows.chunks(CHUNK) {
        let width = chunk.first().map_or(0, Vec::len);
        let mut sql = String::from(head);
        let mut params = vec![P::I(repo)];
        for (i, row) in chunk.iter().enumerate() {
            sql.push_str(if i == 0 { " VALUES " } else { ", " });
            sql.push_str("(?1");
            for v in row {
                params.push(*v);
                sql.push_str(&format!(", ?{}", params.len()));
            }
            sql.push(')');
            debug_assert_eq!(row.len(), width);
        }
        sql.push_str(" ON CONFLICT DO NOTHING");
        tx.execute(&sql, &params)?;
    }
    Ok(())
}

impl Store {
    /// Open (creating and migrating) the store at `target`: a SQLite file path, or a
    /// `postgres://` / `postgresql://` URL (password in the URL or `PGPASSWORD`).
    pub fn open(target: &str) -> Result<Store> {
        Self::open_at_version(target, SCHEMA_VERSION)
    }

    /// Open the store migrated only up to `version` (tests make stores of older versions).
    #[doc(hidden)]
    pub fn open_at_version(target: &str, version: i64) -> Result<Store> {
        let mut db = Db::open(target)?;
        schema::migrate_to(&mut db, version)?;
        Ok(Store { db })
    }

    /// The store as messages name it (a URL without its password).
    pub fn name(&self) -> &str {
        &self.db.name
    }

    pub fn backend(&self) -> Backend {
        self.db.backend()
    }

    /// The schema version of the open store.
    pub fn version(&mut self) -> Result<i64> {
        schema::version(&mut self.db)
    }

    /// Record `findings` of repository `repo` (`scan --store`): new secrets start `open`; a
    /// known secret keeps its status and gains the occurrences; an occurrence keeps the
    /// earliest introducing commit seen; verdicts the findings carry are added.
    pub fn record(&mut self, repo: &str, findings: &[Finding]) -> Result<Recorded> {
        Finding::precompute_fingerprints(findings);
        let mut sorted: Vec<(String, &Finding)> =
            findings.iter().map(|f| (f.fingerprint(), f)).collect();
        sorted.sort_by(|a, b| (&a.0, &a.1.path).cmp(&(&b.0, &b.1.path)));
        let at = now();
        self.db.write(|tx| {
            let rid = repo_id(tx, repo)?;
            write_findings(tx, rid, &sorted, &at)
        })
    }

    /// Record one audit of `repo` in one transaction (see [`AuditRecord`]): its findings as
    /// [`Store::record`] does, and what it scanned, so that the next audit does not again.
    pub fn record_audit(&mut self, repo: &str, rec: &AuditRecord<'_>) -> Result<Recorded> {
        Finding::precompute_fingerprints(rec.findings);
        let mut sorted: Vec<(String, &Finding)> =
            rec.findings.iter().map(|f| (f.fingerprint(), f)).collect();
        sorted.sort_by(|a, b| (&a.0, &a.1.path).cmp(&(&b.0, &b.1.path)));
        let mut objects: Vec<&[u8]> = rec.scanned.iter().map(Vec::as_slice).collect();
        objects.sort_unstable();
        objects.dedup();
        let at = now();
        self.db.write(|tx| {
            let rid = repo_id(tx, repo)?;
            let stored = tx.query("SELECT settings FROM repos WHERE id = ?1", &[P::I(rid)])?;
            if stored.first().map(|r| r.str(0)).as_deref() != Some(rec.settings) {
                tx.execute(
                    "DELETE FROM scanned_objects WHERE repo_id = ?1",
                    &[P::I(rid)],
                )?;
                tx.execute("DELETE FROM repo_tips WHERE repo_id = ?1", &[P::I(rid)])?;
                tx.execute(
                    "UPDATE repos SET settings = ?2 WHERE id = ?1",
                    &[P::I(rid), P::S(rec.settings)],
                )?;
            }
            let out = write_findings(tx, rid, &sorted, &at)?;
            let rows: Vec<Vec<P<'_>>> = objects.iter().map(|o| vec![P::B(o)]).collect();
            insert_rows(
                tx,
                "INSERT INTO scanned_objects (repo_id, object)",
                rid,
                &rows,
            )?;
            if let Some(tips) = rec.tips {
                tx.execute("DELETE FROM repo_tips WHERE repo_id = ?1", &[P::I(rid)])?;
                let rows: Vec<Vec<P<'_>>> =
                    tips.iter().map(|(r, t)| vec![P::S(r), P::S(t)]).collect();
                insert_rows(
                    tx,
                    "INSERT INTO repo_tips (repo_id, ref_name, tip)",
                    rid,
                    &rows,
                )?;
            }
            Ok(out)
        })
    }

    /// What earlier audits recorded of `repo` (None: never audited).
    pub fn repo_state(&mut self, repo: &str) -> Result<Option<RepoState>> {
        let rows = self.db.query(
            "SELECT id, settings FROM repos WHERE name = ?1",
            &[P::S(repo)],
        )?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let (rid, settings) = (r.i64(0), r.str(1));
        let tips = self
            .db
            .query(
                "SELECT ref_name, tip FROM repo_tips WHERE repo_id = ?1",
                &[P::I(rid)],
            )?
            .iter()
            .map(|r| (r.str(0), r.str(1)))
            .collect();
        Ok(Some(RepoState { settings, tips }))
    }

    /// Object ids (raw bytes: blobs read, commits diffed) of `repo` already scanned by an
    /// earlier audit.
    pub fn scanned_objects(&mut self, repo: &str) -> Result<HashSet<Vec<u8>>> {
        Ok(self
            .db
            .query(
                "SELECT b.object FROM scanned_objects b JOIN repos r ON r.id = b.repo_id WHERE r.name = ?1",
                &[P::S(repo)],
            )?
            .iter()
            .map(|r| r.bytes(0))
            .collect())
    }

    /// Fingerprints triaged `false-positive`: scans and hooks given `--store` leave them out.
    pub fn false_positives(&mut self) -> Result<HashSet<String>> {
        Ok(self
            .db
            .query(
                "SELECT fingerprint FROM secrets WHERE status = 'false-positive'",
                &[],
            )?
            .iter()
            .map(|r| r.str(0))
            .collect())
    }

    /// Secrets matching `filter`, newest first.
    pub fn list(&mut self, filter: &Filter) -> Result<Vec<SecretRow>> {
        let rows = self.db.query(
            "SELECT s.fingerprint, s.rule_id, s.kind, s.redacted, s.confidence, s.status,
                    (SELECT v.status FROM verdicts v WHERE v.secret_id = s.id ORDER BY v.id DESC LIMIT 1),
                    (SELECT count(DISTINCT o.repo_id) FROM occurrences o WHERE o.secret_id = s.id),
                    (SELECT count(*) FROM occurrences o WHERE o.secret_id = s.id),
                    s.first_seen, s.last_seen
             FROM secrets s
             WHERE (CAST(?1 AS TEXT) IS NULL OR s.status = ?1)
               AND (CAST(?2 AS TEXT) IS NULL OR s.kind = ?2 OR s.rule_id = ?2)
               AND (CAST(?3 AS TEXT) IS NULL OR EXISTS (SELECT 1 FROM occurrences o JOIN repos r ON r.id = o.repo_id
                                          WHERE o.secret_id = s.id AND r.name = ?3))
             ORDER BY s.last_seen DESC, s.fingerprint",
            &[
                filter.status.as_deref().into(),
                filter.kind.as_deref().into(),
                filter.repo.as_deref().into(),
            ],
        )?;
        let mut out: Vec<SecretRow> = rows.iter().map(secret_row).collect();
        if let Some(v) = &filter.verdict {
            out.retain(|s| s.verdict.as_deref().unwrap_or("unverified") == v);
        }
        Ok(out)
    }

    /// The one secret whose id is `id` or starts with it (with or without its `v2:`).
    fn resolve(&mut self, id: &str) -> Result<(i64, String)> {
        let n = id.chars().count() as i64;
        let rows: Vec<(i64, String)> = self
            .db
            .query(
                "SELECT id, fingerprint FROM secrets
                 WHERE fingerprint = ?1 OR substr(fingerprint, 1, ?2) = ?1 OR substr(fingerprint, 4, ?2) = ?1
                 ORDER BY fingerprint LIMIT 3",
                &[P::S(id), P::I(n)],
            )?
            .iter()
            .map(|r| (r.i64(0), r.str(1)))
            .collect();
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
    pub fn show(&mut self, id: &str) -> Result<SecretDetail> {
        let (sid, fp) = self.resolve(id)?;
        let secret = self
            .list(&Filter::default())?
            .into_iter()
            .find(|s| s.id == fp)
            .ok_or_else(|| Error::NoSuchSecret(id.to_string()))?;
        let s = [P::I(sid)];
        let locations = self
            .db
            .query(
                "SELECT r.name, o.path, o.line, o.commit_id, o.commit_date FROM occurrences o
                 JOIN repos r ON r.id = o.repo_id WHERE o.secret_id = ?1 ORDER BY r.name, o.path",
                &s,
            )?
            .iter()
            .map(|r| Occurrence {
                repo: r.str(0),
                path: r.str(1),
                line: u32::try_from(r.i64(2)).unwrap_or(0),
                commit: r.str(3),
                date: r.str(4),
            })
            .collect();
        let triage = self
            .db
            .query(
                "SELECT status, note, who, at FROM triage WHERE secret_id = ?1 ORDER BY id",
                &s,
            )?
            .iter()
            .map(|r| TriageEvent {
                status: r.str(0),
                note: r.str(1),
                who: r.str(2),
                at: r.str(3),
            })
            .collect();
        let verdicts = self
            .db
            .query(
                "SELECT status, reason, at FROM verdicts WHERE secret_id = ?1 ORDER BY id",
                &s,
            )?
            .iter()
            .map(|r| VerdictEvent {
                status: r.str(0),
                reason: r.str(1),
                at: r.str(2),
            })
            .collect();
        let actions = self
            .db
            .query(
                "SELECT action, outcome, detail, who, at FROM actions WHERE secret_id = ?1 ORDER BY id",
                &s,
            )?
            .iter()
            .map(|r| ActionEvent {
                action: r.str(0),
                outcome: r.str(1),
                detail: r.str(2),
                who: r.str(3),
                at: r.str(4),
            })
            .collect();
        Ok(SecretDetail {
            secret,
            locations,
            triage,
            verdicts,
            actions,
        })
    }

    /// Set a secret's status, with a note, who decided and when (kept as history).
    pub fn triage(&mut self, id: &str, status: &str, note: &str, who: &str) -> Result<String> {
        if !STATUSES.contains(&status) {
            return Err(Error::BadStatus(status.to_string()));
        }
        let (sid, fp) = self.resolve(id)?;
        let at = now();
        self.db.write(|tx| {
            tx.execute(
                "UPDATE secrets SET status = ?2 WHERE id = ?1",
                &[P::I(sid), P::S(status)],
            )?;
            tx.execute(
                "INSERT INTO triage (secret_id, status, note, who, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[P::I(sid), P::S(status), P::S(note), P::S(who), P::S(&at)],
            )?;
            Ok(())
        })?;
        Ok(fp)
    }

    /// The rule ids the store's secrets of `kind` were found by: with a value in hand (a key
    /// being rotated), its fingerprint under each is what the store may know it by.
    pub fn rule_ids(&mut self, kind: &str) -> Result<Vec<String>> {
        Ok(self
            .db
            .query(
                "SELECT DISTINCT rule_id FROM secrets WHERE kind = ?1 ORDER BY rule_id",
                &[P::S(kind)],
            )?
            .iter()
            .map(|r| r.str(0))
            .collect())
    }

    /// Record `action` against the secret with this fingerprint; false if the store has none.
    pub fn record_action(&mut self, fingerprint: &str, action: &Action<'_>) -> Result<bool> {
        let at = now();
        self.db.write(|tx| {
            let n = tx.execute(
                "INSERT INTO actions (secret_id, action, outcome, detail, who, at)
                 SELECT id, ?2, ?3, ?4, ?5, ?6 FROM secrets WHERE fingerprint = ?1",
                &[
                    P::S(fingerprint),
                    P::S(action.action),
                    P::S(action.outcome),
                    P::S(action.detail),
                    P::S(action.who),
                    P::S(&at),
                ],
            )?;
            Ok(n > 0)
        })
    }

    /// Record a judge's verdict against the secret with this fingerprint; false if none.
    pub fn record_verdict(
        &mut self,
        fingerprint: &str,
        status: &str,
        reason: &str,
    ) -> Result<bool> {
        let at = now();
        self.db.write(|tx| {
            let n = tx.execute(
                "INSERT INTO verdicts (secret_id, status, reason, at)
                 SELECT id, ?2, ?3, ?4 FROM secrets WHERE fingerprint = ?1",
                &[P::S(fingerprint), P::S(status), P::S(reason), P::S(&at)],
            )?;
            Ok(n > 0)
        })
    }

    /// Whether the store has the secret with this fingerprint.
    pub fn has(&mut self, fingerprint: &str) -> Result<bool> {
        Ok(!self
            .db
            .query(
                "SELECT id FROM secrets WHERE fingerprint = ?1",
                &[P::S(fingerprint)],
            )?
            .is_empty())
    }
}

fn secret_row(r: &db::Row) -> SecretRow {
    SecretRow {
        id: r.str(0),
        rule_id: r.str(1),
        kind: r.str(2),
        secret: r.str(3),
        confidence: r.str(4),
        status: r.str(5),
        verdict: r.opt_str(6),
        repos: r.i64(7).max(0) as u64,
        occurrences: r.i64(8).max(0) as u64,
        first_seen: r.str(9),
        last_seen: r.str(10),
    }
}

/// Upsert the secrets and occurrences of `sorted` (by fingerprint, then path) in repository
/// `rid`, and the verdicts they carry (one per secret).
fn write_findings(
    tx: &mut Tx<'_>,
    rid: i64,
    sorted: &[(String, &Finding)],
    at: &str,
) -> Result<Recorded> {
    let mut out = Recorded::default();
    let mut judged: HashSet<&str> = HashSet::new();
    let mut last: Option<(&str, i64)> = None;
    for (fp, f) in sorted {
        let secret_id = match last {
            Some((l, id)) if l == fp.as_str() => id,
            _ => {
                let known = !tx
                    .query("SELECT id FROM secrets WHERE fingerprint = ?1", &[P::S(fp)])?
                    .is_empty();
                // An upsert, not a read then an insert: another worker may insert it between.
                let id = tx
                    .query(
                        "INSERT INTO secrets (fingerprint, rule_id, kind, redacted, confidence, status, first_seen, last_seen)
                         VALUES (?1, ?2, ?3, ?4, ?5, 'open', ?6, ?6)
                         ON CONFLICT (fingerprint) DO UPDATE SET last_seen = excluded.last_seen
                         RETURNING id",
                        &[
                            P::S(fp),
                            P::S(&f.rule_id),
                            P::S(&f.kind),
                            P::S(&shown(f)),
                            P::S(f.confidence.as_str()),
                            P::S(at),
                        ],
                    )?
                    .first()
                    .map_or(0, |r| r.i64(0));
                if !known {
                    out.new_secrets += 1;
                }
                last = Some((fp.as_str(), id));
                id
            }
        };
        let (commit, date) = f
            .commit
            .as_ref()
            .map(|c| (c.commit.as_str(), c.date.as_str()))
            .unwrap_or_default();
        tx.execute(
            "INSERT INTO occurrences (secret_id, repo_id, path, line, commit_id, commit_date)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (secret_id, repo_id, path) DO UPDATE SET
               line = excluded.line, commit_id = excluded.commit_id, commit_date = excluded.commit_date
             WHERE excluded.commit_date < occurrences.commit_date",
            &[
                P::I(secret_id),
                P::I(rid),
                P::S(&f.path),
                P::I(i64::from(f.line)),
                P::S(commit),
                P::S(date),
            ],
        )?;
        out.findings += 1;
        if let Some(v) = &f.verification {
            if judged.insert(fp.as_str()) {
                tx.execute(
                    "INSERT INTO verdicts (secret_id, status, reason, at) VALUES (?1, ?2, ?3, ?4)",
                    &[
                        P::I(secret_id),
                        P::S(v.status.as_str()),
                        P::S(v.reason.as_deref().unwrap_or_default()),
                        P::S(at),
                    ],
                )?;
            }
        }
    }
    Ok(out)
}
