//! `unleak store` in one folder: `command.rs` is the subcommand (locating the finding in the
//! tree or the report, storing it in Secrets Manager: it needs the `aws` feature), `rewrite.rs`
//! the source rewrite, which is text work only and builds without `aws` (its tests run in a
//! scanner-only build too).

#[cfg(feature = "aws")]
mod command;
#[cfg_attr(not(feature = "aws"), allow(dead_code))]
pub(crate) mod rewrite;

#[cfg(feature = "aws")]
pub use command::*;
