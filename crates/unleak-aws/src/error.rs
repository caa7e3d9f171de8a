//! Typed errors of the AWS phase.

/// Errors of the judge (a verdict of `unknown` is not an error: it is an answer).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The async runtime the blocking entry points need could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(#[source] std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
