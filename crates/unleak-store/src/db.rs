//! One connection type over the two backends, so the store's SQL is written once: an embedded
//! SQLite file (`rusqlite`) or a PostgreSQL server (the synchronous `postgres` client, feature
//! `pg`). Everything that differs between them is here and nowhere else:
//!
//! - placeholders: the store writes `?N`; PostgreSQL gets `$N` ([`to_pg`]);
//! - types: the schema writes `{ID}`, `{INT}`, `{BYTES}`, `{NO_ROWID}` ([`ddl`]); values cross
//!   as four kinds ([`P`] in, [`Cell`] out), converted to whatever type PostgreSQL inferred for
//!   a parameter or gave a column (its integers are 2, 4 or 8 bytes and its client refuses an
//!   `i64` for an `int4`);
//! - transactions: SQLite's are `IMMEDIATE` (the write lock up front: two writers never both
//!   read and then deadlock upgrading), PostgreSQL's run at READ COMMITTED, where the store's
//!   upserts are atomic; both are retried, a bounded number of times, when the server gives up
//!   on them (a deadlock, a serialization failure, SQLite's lock still busy after its wait);
//! - the migration lock: SQLite's IMMEDIATE transaction, PostgreSQL's
//!   `pg_advisory_xact_lock` ([`Tx::lock_migrations`]), so N workers starting at once migrate
//!   once;
//! - connecting: a URL's password, else `PGPASSWORD`; TLS by the URL's `sslmode`, checked
//!   against the system's roots and `PGSSLROOTCERT`'s; the name shown in messages is the URL
//!   without its password ([`redact_url`]).
//!
//! Why not an ORM or a pool: the store runs a dozen statements, each in one place, and an audit
//! holds one connection; what it needs from a layer is exactly the list above.

use std::time::Duration;

use crate::{Error, Result};

/// A value bound to a `?N` placeholder.
#[derive(Clone, Copy, Debug)]
pub enum P<'a> {
    I(i64),
    S(&'a str),
    B(&'a [u8]),
    /// SQL NULL (a filter left open).
    Null,
}

impl<'a> From<&'a str> for P<'a> {
    fn from(s: &'a str) -> Self {
        P::S(s)
    }
}
impl<'a> From<&'a String> for P<'a> {
    fn from(s: &'a String) -> Self {
        P::S(s)
    }
}
impl From<i64> for P<'_> {
    fn from(v: i64) -> Self {
        P::I(v)
    }
}
impl<'a> From<&'a [u8]> for P<'a> {
    fn from(b: &'a [u8]) -> Self {
        P::B(b)
    }
}
impl<'a> From<Option<&'a str>> for P<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(P::Null, P::S)
    }
}

/// A column value read back.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Null,
    I(i64),
    S(String),
    B(Vec<u8>),
}

/// One result row.
#[derive(Clone, Debug)]
pub struct Row(Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> &Cell {
        self.0.get(i).unwrap_or(&Cell::Null)
    }

    pub fn i64(&self, i: usize) -> i64 {
        match self.cell(i) {
            Cell::I(v) => *v,
            Cell::S(s) => s.parse().unwrap_or(0),
            _ => 0,
        }
    }

    pub fn str(&self, i: usize) -> String {
        self.opt_str(i).unwrap_or_default()
    }

    pub fn opt_str(&self, i: usize) -> Option<String> {
        match self.cell(i) {
            Cell::S(s) => Some(s.clone()),
            Cell::I(v) => Some(v.to_string()),
            Cell::B(b) => Some(String::from_utf8_lossy(b).into_owned()),
            Cell::Null => None,
        }
    }

    pub fn bytes(&self, i: usize) -> Vec<u8> {
        match self.cell(i) {
            Cell::B(b) => b.clone(),
            Cell::S(s) => s.as_bytes().to_vec(),
            _ => Vec::new(),
        }
    }
}

/// Which server a store is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Whether `target` names a PostgreSQL server rather than a SQLite file.
pub fn is_postgres_url(target: &str) -> bool {
    target.starts_with("postgres://") || target.starts_with("postgresql://")
}

/// `target` as messages may show it: a URL's password (in the authority or a `password=`
/// parameter) replaced by `***`.
pub fn redact_url(target: &str) -> String {
    let Some((scheme, rest)) = target.split_once("://") else {
        return target.to_string();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => authority.to_string(),
        },
        None => authority.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let q: Vec<String> = query
                .split('&')
                .map(|kv| match kv.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
                    _ => kv.to_string(),
                })
                .collect();
            format!("{path}?{}", q.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// The schema's portable words, spelled for `backend`.
pub fn ddl(backend: Backend, sql: &str) -> String {
    let words: [(&str, &str); 4] = match backend {
        Backend::Sqlite => [
            ("{ID}", "INTEGER PRIMARY KEY"),
            ("{INT}", "INTEGER"),
            ("{BYTES}", "BLOB"),
            ("{NO_ROWID}", " WITHOUT ROWID"),
        ],
        Backend::Postgres => [
            (
                "{ID}",
                "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
            ),
            ("{INT}", "BIGINT"),
            ("{BYTES}", "BYTEA"),
            ("{NO_ROWID}", ""),
        ],
    };
    let mut out = sql.to_string();
    for (w, s) in words {
        out = out.replace(w, s);
    }
    out
}

/// `?N` placeholders as PostgreSQL's `$N` (outside quoted strings and identifiers).
pub fn to_pg(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '?' && chars.peek().is_some_and(char::is_ascii_digit) => out.push('$'),
            None => out.push(c),
        }
    }
    out
}

/// How often a transaction the server gave up on is tried again, and the first pause.
const RETRIES: u32 = 8;
const FIRST_PAUSE: Duration = Duration::from_millis(20);

/// An open connection.
pub struct Db {
    conn: Conn,
    /// As messages show the store (a URL without its password).
    pub name: String,
}

enum Conn {
    Sqlite(rusqlite::Connection),
    // Boxed: the client and its statement cache are several times a SQLite handle's size.
    #[cfg(feature = "pg")]
    Pg(Box<pg::Client>),
}

/// A transaction: the store's statements run on it, committed by [`Db::write`].
pub struct Tx<'a> {
    inner: TxInner<'a>,
    name: &'a str,
}

enum TxInner<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    #[cfg(feature = "pg")]
    Pg(pg::Tx<'a>),
}

impl Db {
    /// Open the store at `target`: a `postgres://` URL, else a SQLite file (created).
    pub fn open(target: &str) -> Result<Db> {
        if is_postgres_url(target) {
            return Self::open_pg(target);
        }
        let path = std::path::Path::new(target);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::Create(dir.to_path_buf(), e))?;
        }
        let name = path.display().to_string();
        let conn = rusqlite::Connection::open(path).map_err(|e| sqlite_err(&name, e))?;
        // Several audit processes may share one file: wait for a writer rather than fail.
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(|e| sqlite_err(&name, e))?;
        conn.execute_batch("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;")
            .map_err(|e| sqlite_err(&name, e))?;
        Ok(Db {
            conn: Conn::Sqlite(conn),
            name,
        })
    }

    #[cfg(feature = "pg")]
    fn open_pg(target: &str) -> Result<Db> {
        let name = redact_url(target);
        let client = pg::Client::connect(target, &name)?;
        Ok(Db {
            conn: Conn::Pg(Box::new(client)),
            name,
        })
    }

    #[cfg(not(feature = "pg"))]
    fn open_pg(target: &str) -> Result<Db> {
        Err(Error::Unsupported(redact_url(target)))
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "pg")]
            Conn::Pg(_) => Backend::Postgres,
        }
    }

    /// Run `f` in one transaction and commit it; when the server gave up on it (a deadlock
    /// between workers, a serialization failure, SQLite still locked after its wait) it is
    /// rolled back and run again, up to [`RETRIES`] times, pausing longer each time.
    pub fn write<T>(&mut self, mut f: impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let mut pause = FIRST_PAUSE;
        let mut tries = 0;
        loop {
            tries += 1;
            match self.try_write(&mut f) {
                Err(e) if e.is_transient() && tries < RETRIES => {
                    std::thread::sleep(pause);
                    pause *= 2;
                }
                out => return out,
            }
        }
    }

    fn try_write<T>(&mut self, f: &mut impl FnMut(&mut Tx<'_>) -> Result<T>) -> Result<T> {
        let name = self.name.as_str();
        let mut tx = match &mut self.conn {
            Conn::Sqlite(c) => Tx {
                inner: TxInner::Sqlite(
                    c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .map_err(|e| sqlite_err(name, e))?,
                ),
                name,
            },
            #[cfg(feature = "pg")]
            Conn::Pg(c) => Tx {
                inner: TxInner::Pg(c.transaction(name)?),
                name,
            },
        };
        let out = f(&mut tx)?;
        match tx.inner {
            TxInner::Sqlite(t) => t.commit().map_err(|e| sqlite_err(name, e))?,
            #[cfg(feature = "pg")]
            TxInner::Pg(t) => t.commit(name)?,
        }
        Ok(out)
    }

    /// Rows of a read outside any explicit transaction.
    pub fn query(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>> {
        match &mut self.conn {
            Conn::Sqlite(c) => sqlite_query(c, &self.name, sql, params),
            #[cfg(feature = "pg")]
            Conn::Pg(c) => c.query(&self.name, sql, params),
        }
    }
}

impl Tx<'_> {
    /// Run `sql` (one statement); the number of rows it changed.
    pub fn execute(&mut self, sql: &str, params: &[P<'_>]) -> Result<u64> {
        match &mut self.inner {
            TxInner::Sqlite(t) => {
                let mut st = t
                    .prepare_cached(sql)
                    .map_err(|e| sqlite_err(self.name, e))?;
                st.execute(rusqlite::params_from_iter(params.iter().map(sqlite_value)))
                    .map(|n| n as u64)
                    .map_err(|e| sqlite_err(self.name, e))
            }
            #[cfg(feature = "pg")]
            TxInner::Pg(t) => t.execute(self.name, sql, params),
        }
    }

    pub fn query(&mut self, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>> {
        match &mut self.inner {
            TxInner::Sqlite(t) => sqlite_query(t, self.name, sql, params),
            #[cfg(feature = "pg")]
            TxInner::Pg(t) => t.query(self.name, sql, params),
        }
    }

    /// Several statements without parameters (the schema's migrations).
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        match &mut self.inner {
            TxInner::Sqlite(t) => t.execute_batch(sql).map_err(|e| sqlite_err(self.name, e)),
            #[cfg(feature = "pg")]
            TxInner::Pg(t) => t.batch(self.name, sql),
        }
    }

    pub fn backend(&self) -> Backend {
        match self.inner {
            TxInner::Sqlite(_) => Backend::Sqlite,
            #[cfg(feature = "pg")]
            TxInner::Pg(_) => Backend::Postgres,
        }
    }

    /// Hold the migration lock until this transaction ends. On SQLite the IMMEDIATE
    /// transaction already is that lock; on PostgreSQL a transaction-scoped advisory lock,
    /// taken before anything is read, so a second worker waits, then sees the new version.
    pub fn lock_migrations(&mut self) -> Result<()> {
        if self.backend() == Backend::Postgres {
            // Any fixed number: it names the lock. 'unleak' in ASCII.
            self.execute(
                "SELECT pg_advisory_xact_lock(?1)",
                &[P::I(0x756e_6c65_616b)],
            )?;
        }
        Ok(())
    }
}

fn sqlite_err(name: &str, error: rusqlite::Error) -> Error {
    Error::Sqlite {
        store: name.to_string(),
        error,
    }
}

fn sqlite_value(p: &P<'_>) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match *p {
        P::I(v) => Value::Integer(v),
        P::S(s) => Value::Text(s.to_string()),
        P::B(b) => Value::Blob(b.to_vec()),
        P::Null => Value::Null,
    }
}

fn sqlite_query(
    c: &rusqlite::Connection,
    name: &str,
    sql: &str,
    params: &[P<'_>],
) -> Result<Vec<Row>> {
    use rusqlite::types::ValueRef;
    let e = |e| sqlite_err(name, e);
    let mut st = c.prepare_cached(sql).map_err(e)?;
    let n = st.column_count();
    let mut rows = st
        .query(rusqlite::params_from_iter(params.iter().map(sqlite_value)))
        .map_err(e)?;
    let mut out = Vec::new();
    while let Some(r) = rows.next().map_err(e)? {
        let mut cells = Vec::with_capacity(n);
        for i in 0..n {
            cells.push(match r.get_ref(i).map_err(e)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(v) => Cell::I(v),
                ValueRef::Real(v) => Cell::I(v as i64),
                ValueRef::Text(t) => Cell::S(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Cell::B(b.to_vec()),
            });
        }
        out.push(Row(cells));
    }
    Ok(out)
}

impl Error {
    /// A failure the server may not repeat if the transaction runs again.
    fn is_transient(&self) -> bool {
        match self {
            Error::Sqlite { error, .. } => matches!(
                error.sqlite_error_code(),
                Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
            ),
            #[cfg(feature = "pg")]
            Error::Postgres { error, .. } => pg::is_transient(error),
            _ => false,
        }
    }
}

#[cfg(feature = "pg")]
mod pg {
    //! The PostgreSQL side: connecting, statements prepared once per connection and bound by
    //! the types the server inferred, rows read by the types it gave.

    use std::collections::HashMap;
    use std::time::Duration;

    use postgres::types::{ToSql, Type};
    use postgres::Statement;

    use super::{to_pg, Cell, Row, P};
    use crate::{Error, Result};

    /// Bound of `PGSSLROOTCERT`'s file: a system's whole CA bundle is about 200 KB.
    const CA_FILE_LIMIT: u64 = 16 << 20;

    /// TLS as the URL's `sslmode` asks (libpq's words: `disable`, `prefer`, the default, and
    /// `require`), the server's certificate checked against the system's roots and the
    /// certificates in the file `PGSSLROOTCERT` names (libpq's variable; a team's own CA).
    /// A certificate that does not check is an error, never a fall-back to plain TCP.
    fn tls(name: &str) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
        let bad = |why: String| Error::Tls {
            store: name.to_string(),
            why,
        };
        let mut roots = rustls::RootCertStore::empty();
        // Unreadable system certificates are not fatal: a team CA may be all that is needed.
        for cert in rustls_native_certs::load_native_certs().certs {
            let _ = roots.add(cert);
        }
        if let Some(file) = std::env::var_os("PGSSLROOTCERT").filter(|f| !f.is_empty()) {
            use rustls::pki_types::pem::PemObject;
            let path = std::path::Path::new(&file);
            let bad_file =
                |e: &dyn std::fmt::Display| bad(format!("PGSSLROOTCERT {}: {e}", path.display()));
            // Refused unless a regular file, and bounded (a FIFO would hang the connect).
            let text = unleak_scan::input_file::read_to_string(path, CA_FILE_LIMIT)
                .map_err(|e| bad_file(&e))?;
            let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_slice_iter(text.as_bytes())
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| bad_file(&e))?;
            if certs.is_empty() {
                return Err(bad(format!(
                    "PGSSLROOTCERT {}: no certificate in it",
                    path.display()
                )));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| bad_file(&e))?;
            }
        }
        let provider = std::sync::Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| bad(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
    }

    pub(super) fn err(name: &str, error: postgres::Error) -> Error {
        Error::Postgres {
            store: name.to_string(),
            error,
        }
    }

    /// Deadlock detected (40P01) or serialization failure (40001).
    pub(super) fn is_transient(e: &postgres::Error) -> bool {
        e.code().is_some_and(|c| {
            *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
                || *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
        })
    }

    pub(super) struct Client {
        client: postgres::Client,
        statements: HashMap<String, Statement>,
    }

    pub(super) struct Tx<'a> {
        tx: postgres::Transaction<'a>,
        statements: &'a mut HashMap<String, Statement>,
    }

    impl Client {
        pub fn connect(url: &str, name: &str) -> Result<Client> {
            let mut config: postgres::Config = url.parse().map_err(|e| Error::BadUrl {
                store: name.to_string(),
                why: format!("{e}"),
            })?;
            if config.get_password().is_none() {
                if let Some(pw) = std::env::var_os("PGPASSWORD") {
                    config.password(pw.to_string_lossy().as_bytes());
                }
            }
            if config.get_connect_timeout().is_none() {
                config.connect_timeout(Duration::from_secs(10));
            }
            if config.get_application_name().is_none() {
                config.application_name("unleak");
            }
            let client = config.connect(tls(name)?).map_err(|e| err(name, e))?;
            Ok(Client {
                client,
                statements: HashMap::new(),
            })
        }

        pub fn transaction(&mut self, name: &str) -> Result<Tx<'_>> {
            let tx = self.client.transaction().map_err(|e| err(name, e))?;
            Ok(Tx {
                tx,
                statements: &mut self.statements,
            })
        }

        pub fn query(&mut self, name: &str, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>> {
            let st = prepared(&mut self.client, &mut self.statements, name, sql)?;
            let bound = bind(&st, params, name)?;
            let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| &**b as _).collect();
            let rows = self.client.query(&st, &refs).map_err(|e| err(name, e))?;
            rows.iter().map(|r| read_row(r, name)).collect()
        }
    }

    impl Tx<'_> {
        pub fn execute(&mut self, name: &str, sql: &str, params: &[P<'_>]) -> Result<u64> {
            let st = prepared(&mut self.tx, self.statements, name, sql)?;
            let bound = bind(&st, params, name)?;
            let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| &**b as _).collect();
            self.tx.execute(&st, &refs).map_err(|e| err(name, e))
        }

        pub fn query(&mut self, name: &str, sql: &str, params: &[P<'_>]) -> Result<Vec<Row>> {
            let st = prepared(&mut self.tx, self.statements, name, sql)?;
            let bound = bind(&st, params, name)?;
            let refs: Vec<&(dyn ToSql + Sync)> = bound.iter().map(|b| &**b as _).collect();
            let rows = self.tx.query(&st, &refs).map_err(|e| err(name, e))?;
            rows.iter().map(|r| read_row(r, name)).collect()
        }

        pub fn batch(&mut self, name: &str, sql: &str) -> Result<()> {
            self.tx.batch_execute(sql).map_err(|e| err(name, e))
        }

        pub fn commit(self, name: &str) -> Result<()> {
            self.tx.commit().map_err(|e| err(name, e))
        }
    }

    /// The statement for `sql`, prepared on this connection once.
    fn prepared(
        c: &mut impl postgres::GenericClient,
        cache: &mut HashMap<String, Statement>,
        name: &str,
        sql: &str,
    ) -> Result<Statement> {
        if let Some(st) = cache.get(sql) {
            return Ok(st.clone());
        }
        let st = c.prepare(&to_pg(sql)).map_err(|e| err(name, e))?;
        cache.insert(sql.to_string(), st.clone());
        Ok(st)
    }

    /// Each value as the type the server inferred for its parameter.
    fn bind(st: &Statement, params: &[P<'_>], name: &str) -> Result<Vec<Box<dyn ToSql + Sync>>> {
        let types = st.params();
        if types.len() != params.len() {
            return Err(Error::Decode {
                store: name.to_string(),
                what: format!(
                    "a statement takes {} parameters, {} given",
                    types.len(),
                    params.len()
                ),
            });
        }
        let narrow = |v: i64| Error::Decode {
            store: name.to_string(),
            what: format!("{v} does not fit the column"),
        };
        params
            .iter()
            .zip(types)
            .map(|(p, ty)| -> Result<Box<dyn ToSql + Sync>> {
                Ok(match (*p, ty) {
                    (P::I(v), t) if *t == Type::INT4 => {
                        Box::new(i32::try_from(v).map_err(|_| narrow(v))?)
                    }
                    (P::I(v), t) if *t == Type::INT2 => {
                        Box::new(i16::try_from(v).map_err(|_| narrow(v))?)
                    }
                    (P::I(v), t) if *t == Type::TEXT || *t == Type::VARCHAR => {
                        Box::new(v.to_string())
                    }
                    (P::I(v), _) => Box::new(v),
                    (P::S(s), _) => Box::new(s.to_string()),
                    (P::B(b), _) => Box::new(b.to_vec()),
                    (P::Null, t) if *t == Type::INT8 => Box::new(None::<i64>),
                    (P::Null, t) if *t == Type::INT4 => Box::new(None::<i32>),
                    (P::Null, t) if *t == Type::BYTEA => Box::new(None::<Vec<u8>>),
                    (P::Null, _) => Box::new(None::<String>),
                })
            })
            .collect()
    }

    fn read_row(r: &postgres::Row, name: &str) -> Result<Row> {
        let e = |e| err(name, e);
        let mut cells = Vec::with_capacity(r.len());
        for (i, c) in r.columns().iter().enumerate() {
            let t = c.type_();
            let cell = if *t == Type::INT8 {
                r.try_get::<_, Option<i64>>(i).map_err(e)?.map(Cell::I)
            } else if *t == Type::INT4 {
                r.try_get::<_, Option<i32>>(i)
                    .map_err(e)?
                    .map(|v| Cell::I(v.into()))
            } else if *t == Type::INT2 {
                r.try_get::<_, Option<i16>>(i)
                    .map_err(e)?
                    .map(|v| Cell::I(v.into()))
            } else if *t == Type::BOOL {
                r.try_get::<_, Option<bool>>(i)
                    .map_err(e)?
                    .map(|v| Cell::I(v.into()))
            } else if *t == Type::BYTEA {
                r.try_get::<_, Option<Vec<u8>>>(i).map_err(e)?.map(Cell::B)
            } else if *t == Type::VOID {
                None
            } else {
                r.try_get::<_, Option<String>>(i).map_err(e)?.map(Cell::S)
            };
            cells.push(cell.unwrap_or(Cell::Null));
        }
        Ok(Row(cells))
    }
}

/// A PostgreSQL error as one line: what failed, and the server's or the socket's reason.
#[cfg(feature = "pg")]
pub fn pg_text(e: &postgres::Error) -> String {
    if let Some(db) = e.as_db_error() {
        return format!("{} ({})", db.message(), db.code().code());
    }
    let text = match std::error::Error::source(e) {
        Some(cause) => format!("{e}: {cause}"),
        None => e.to_string(),
    };
    if text.contains("certificate") {
        format!(
            "{text} (the server's TLS certificate does not check: set PGSSLROOTCERT to its CA's PEM file, or `sslmode=disable` on a network you trust)"
        )
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_dollars_outside_quotes() {
        assert_eq!(
            to_pg("SELECT '?1', \"?2\" FROM t WHERE a = ?1 AND b = ?12"),
            "SELECT '?1', \"?2\" FROM t WHERE a = $1 AND b = $12"
        );
        assert_eq!(to_pg("a ? b"), "a ? b");
    }

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redact_url("postgres://ann:s3cr%40t@db.example:5432/audit?sslmode=disable"),
            "postgres://ann:***@db.example:5432/audit?sslmode=disable"
        );
        assert_eq!(
            redact_url("postgresql://db/audit?user=ann&password=hunter22"),
            "postgresql://db/audit?user=ann&password=***"
        );
        assert_eq!(
            redact_url("postgres://ann@db/audit"),
            "postgres://ann@db/audit"
        );
        assert_eq!(redact_url("/tmp/f.db"), "/tmp/f.db");
    }

    #[test]
    fn the_schema_words_are_spelled_per_backend() {
        let sql = "CREATE TABLE t (id {ID}, n {INT}, b {BYTES}){NO_ROWID};";
        assert_eq!(
            ddl(Backend::Sqlite, sql),
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, b BLOB) WITHOUT ROWID;"
        );
        assert_eq!(
            ddl(Backend::Postgres, sql),
            "CREATE TABLE t (id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, n BIGINT, b BYTEA);"
        );
    }
}
