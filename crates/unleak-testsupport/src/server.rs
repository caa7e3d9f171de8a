//! Either server behind one type, for tests that run the same case against both engines.

use crate::{MariaDb, Postgres};

/// A running PostgreSQL or MariaDB.
pub enum Server {
    Postgres(Postgres),
    MariaDb(MariaDb),
}

impl Server {
    /// Both engines, started one after the other, each logging every statement (so that a
    /// test can check what reached the server).
    pub fn both() -> Result<Vec<Server>, String> {
        let both = vec![
            Server::Postgres(Postgres::start()?),
            Server::MariaDb(MariaDb::start()?),
        ];
        for s in &both {
            match s {
                Server::Postgres(p) => p.log_statements()?,
                Server::MariaDb(m) => m.log_statements()?,
            }
        }
        Ok(both)
    }

    /// `postgres` or `mariadb`: Secrets Manager's name of the engine.
    pub fn engine(&self) -> &'static str {
        match self {
            Server::Postgres(_) => "postgres",
            Server::MariaDb(_) => "mariadb",
        }
    }

    pub fn port(&self) -> u16 {
        match self {
            Server::Postgres(s) => s.port(),
            Server::MariaDb(s) => s.port(),
        }
    }

    /// A login with `password`; an administrator (superuser, or all privileges) when `admin`.
    pub fn create_login(&self, name: &str, password: &str, admin: bool) -> Result<(), String> {
        match self {
            Server::Postgres(s) => s.create_role(name, password, admin),
            Server::MariaDb(s) => s.create_user(name, password, admin),
        }
    }

    /// Change a login's password behind the back of whatever is using it.
    pub fn set_password(&self, name: &str, password: &str) -> Result<(), String> {
        let lit = crate::postgres::quote_literal(password);
        match self {
            Server::Postgres(s) => s.sql(&format!(
                "ALTER ROLE {} PASSWORD {lit}",
                crate::postgres::quote_ident(name)
            )),
            Server::MariaDb(s) => s.sql(&format!(
                "ALTER USER {}@'%' IDENTIFIED BY {lit}",
                crate::postgres::quote_literal(name)
            )),
        }
        .map(|_| ())
    }

    /// A connection URI for `user` (PostgreSQL: to database `postgres`; MariaDB: none).
    pub fn url(&self, user: &str, password: &str) -> String {
        match self {
            Server::Postgres(s) => s.url(user, password, "postgres"),
            Server::MariaDb(s) => s.url(user, password, ""),
        }
    }

    /// The server's log so far (statements included).
    pub fn log(&self) -> String {
        match self {
            Server::Postgres(s) => s.log(),
            Server::MariaDb(s) => s.log(),
        }
    }
}
