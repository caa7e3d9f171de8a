//! unleak's scanner: rules as data, one matcher, sources that turn trees, git history, push
//! ranges or stdin into blobs, findings, and the reports that print them.
//!
//! Data flow: `sources` → `(path, bytes)` blobs → [`Matcher`] → [`Finding`]s (with their
//! [`CommitInfo`], for history) → `report`. Sources get what they need from a
//! [`context::ScanContext`] and count into its [`stats::Stats`]; the git-backed ones read
//! objects through `git`, which knows nothing of rules or findings. Reports read findings and
//! a [`stats::StatsSummary`], nothing of sources or git.
//! Nothing here talks to the network; judging and fixing live in `unleak-aws`.

pub mod baseline;
pub mod blob;
pub mod config;
pub mod context;
pub mod decode;
pub mod error;
pub mod filters;
pub mod finding;
pub mod fingerprint;
pub mod git;
pub mod input_file;
pub mod keywords;
pub mod kind;
pub mod matcher;
pub mod report;
pub mod rules;
pub mod selftest;
pub mod sources;
pub mod stats;
pub mod strength;
pub mod validators;

pub use error::{Error, Result};
pub use finding::{CommitInfo, Confidence, Excerpt, Finding, Pair, Status, Verification};
pub use matcher::Matcher;
pub use rules::{RuleSet, RuleSpec};
