//! Test-only harnesses for real database servers: each starts its own server on a random
//! 127.0.0.1 port with a temporary data directory, and kills it when dropped. A server whose
//! binaries are missing is installed through apt-get when the tests run as root on Debian (once
//! per machine, under a lock); otherwise `start` fails with the install hint. Never a skip.

pub mod mariadb;
pub mod postgres;
mod proc;
pub mod server;

pub use mariadb::MariaDb;
pub use postgres::Postgres;
pub use server::Server;
