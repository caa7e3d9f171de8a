//! unleak-db against real servers on 127.0.0.1 (`unleak_testsupport::{Postgres, MariaDb}`),
//! one test binary with a module per area: judging PostgreSQL and MariaDB logins, and
//! changing a credential's own password.

mod change;
mod judge_mariadb;
mod judge_pg;
