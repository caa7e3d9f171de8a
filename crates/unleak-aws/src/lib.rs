//! unleak's AWS phase: judge found keys (STS/IAM), store secrets in Secrets Manager, rotate
//! IAM access keys. The only crate that talks to AWS.

pub mod account;
pub mod canary;
pub mod client;
pub mod error;
pub mod judge;

pub use error::{Error, Result};
