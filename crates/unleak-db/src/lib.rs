//! unleak's database phase: read a found credential's connection information, and judge it
//! with one bounded login to the host that came with it. Its own crate so that the
//! scanner-only build carries no database code; the wire protocols are written here (a few
//! hundred lines over sha2/hmac, which the AWS build has already compiled) instead of pulling
//! in a driver with its own async stack and TLS.

pub mod change;
pub mod conn;
pub mod context;
pub mod judge;
mod mysql;
mod pg;
mod wire;

pub use conn::{Credential, Engine, TlsMode};
pub use judge::{judge_all, JudgeOptions, Status, Verdict};
