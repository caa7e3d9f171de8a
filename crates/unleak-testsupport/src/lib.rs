//! What the workspace's tests share, in one crate instead of files included by `#[path]`: the
//! real `unleak` binary run one way ([`unleak`]), real git repositories ([`git`]), generated
//! fake keys and passwords ([`keys`]), and real servers on 127.0.0.1, each started per test in
//! a temporary directory and killed when dropped: moto for AWS ([`moto`], with [`tap`] to see
//! what reaches it), PostgreSQL ([`postgres`]) and MariaDB ([`mariadb`]), either behind [`Server`]. Tools from a registry
//! (moto, pre-commit, the SARIF Multitool) are installed on first use under the target
//! directory ([`tools`]); database servers through apt-get when missing (root on Debian).
//! A missing server or tool is a failing test with the install hint, never a skip.

pub mod git;
pub mod keys;
pub mod mariadb;
pub mod moto;
pub mod postgres;
mod proc;
pub mod server;
pub mod tap;
pub mod tools;
pub mod unleak;

pub use mariadb::MariaDb;
pub use moto::Moto;
pub use postgres::Postgres;
pub use proc::free_port;
pub use server::Server;
