//! Typed errors of the scanner library. The binary turns them into messages and exit codes.

use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {message}")]
    Config { path: PathBuf, message: String },

    /// `origin` is where the rule was written (`FILE line N: `), empty when unknown.
    #[error("{origin}rule `{id}`: {message}")]
    Rule {
        id: String,
        origin: String,
        message: String,
    },

    #[error("{source_name}: invalid rules file: {message}")]
    RulesFile {
        source_name: String,
        message: String,
    },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{0}")]
    Git(String),

    #[error("{0}")]
    Usage(String),
}

impl Error {
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
