//! unleak's AWS phase: judge found keys (STS/IAM), store secrets in Secrets Manager, rotate
//! IAM access keys. The only crate that talks to AWS.

mod failpoint;
pub mod fix_client;
pub mod journal;
pub mod rotate;
pub mod store;
