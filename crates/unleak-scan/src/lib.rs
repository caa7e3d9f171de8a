//! unleak's scanner: rules as data, one matcher, sources that turn trees, git history, push
//! ranges or stdin into blobs, findings, and the reports that print them.
//!
//! Data flow: `sources` → `(path, bytes)` blobs → [`Matcher`] → [`Finding`]s (with their
//! commit, for history) → `report`.
//! Nothing here talks to the network; judging and fixing live in `unleak-aws`.

pub mod baseline;
pub mod blob;
pub mod config;
pub mod decode;
pub mod error;
pub mod filters;
pub mod finding;
pub mod fingerprint;
pub mod input_file;
pub mod keywords;
pub mod matcher;
pub mod password_value;
pub mod report;
pub mod rules;
pub mod selftest;
pub mod sources;
pub mod strength;
pub mod validators;
pub mod validators_providers;

pub use error::{Error, Result};
pub use finding::{CommitInfo, Confidence, Excerpt, Finding, Pair, Status, Verification};
pub use matcher::Matcher;
pub use rules::{RuleSet, RuleSpec};
