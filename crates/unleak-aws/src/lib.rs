//! unleak's AWS phase: judge found keys (STS/IAM), store secrets in Secrets Manager, rotate
//! IAM access keys, and (feature `db`) database passwords through Secrets Manager. The only crate that talks to AWS.

pub mod account;
pub mod canary;
pub mod client;
pub mod error;
pub mod failpoint;
pub mod fix_client;
pub mod journal;
pub mod judge;
pub mod keys;
pub mod rotate;
#[cfg(feature = "db")]
pub mod rotate_db;
pub mod sdk_error;
pub mod secret_versions;
pub mod secrets;
pub mod store;

pub use error::{Error, Result};
