//! `.unleak.toml`: allowlists (paths, fingerprints), disabled rules, per-path rule exclusions,
//! extra rules in the `patterns/` format, and AWS settings read by the judge.
//!
//! ```toml
//! [allow]
//! paths = ["tests/fixtures/**", "corpus/**"]
//! fingerprints = ["v2:3f2a9c1d0b7e4a65c0d2e9f1a7b3c5d8"]
//!
//! [[allow.rules_in_paths]]
//! rules = ["db-password-assignment"]
//! paths = ["docs/**"]
//!
//! [rules]
//! disable = ["github-token"]
//!
//! [aws]
//! canary_accounts = ["111122223333"]
//!
//! [[rules.extra]]   # same fields as patterns/*.toml
//! id = "acme-token"
//! ...
//! ```

use std::path::{Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::finding::Finding;
use crate::fingerprint::FingerprintSet;
use crate::rules::{toml_error, RuleSpec};

pub const FILE_NAME: &str = ".unleak.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    allow: RawAllow,
    #[serde(default)]
    rules: RawRules,
    #[serde(default)]
    aws: AwsConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    fingerprints: Vec<String>,
    #[serde(default)]
    rules_in_paths: Vec<RawRulesInPaths>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRulesInPaths {
    rules: Vec<String>,
    paths: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    disable: Vec<String>,
    #[serde(default)]
    extra: Vec<toml::Spanned<RuleSpec>>,
}

/// AWS settings for the judge and the fixer.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsConfig {
    /// Extra canary (honeytoken) account ids: keys of these accounts are never used.
    #[serde(default)]
    pub canary_accounts: Vec<String>,
}

/// A loaded, validated configuration.
#[derive(Default)]
pub struct Config {
    /// Where it came from (None: defaults).
    pub source: Option<PathBuf>,
    allow_paths: Option<GlobSet>,
    allow_fingerprints: FingerprintSet,
    rules_in_paths: Vec<(Vec<String>, GlobSet)>,
    pub disable: Vec<String>,
    pub extra_rules: Vec<RuleSpec>,
    pub aws: AwsConfig,
}

impl Config {
    /// Load `path`. Every problem is an error naming the file and, where known, the line.
    pub fn load(path: &Path) -> Result<Self> {
        let text = crate::input_file::read_to_string(path, crate::input_file::CONFIG_LIMIT)
            .map_err(|e| Error::Config {
                path: path.to_path_buf(),
                message: format!("cannot read: {e}"),
            })?;
        Self::parse(path, &text)
    }

    pub fn parse(path: &Path, text: &str) -> Result<Self> {
        let err = |message: String| Error::Config {
            path: path.to_path_buf(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| err(toml_error(text, &e)))?;
        let globs = |pats: &[String]| -> Result<GlobSet> {
            let mut b = GlobSetBuilder::new();
            for p in pats {
                b.add(Glob::new(p).map_err(|e| err(format!("bad glob `{p}`: {e}")))?);
            }
            b.build().map_err(|e| err(e.to_string()))
        };
        let mut allow_fingerprints = FingerprintSet::new();
        for (i, fp) in raw.allow.fingerprints.iter().enumerate() {
            // Not echoed: whatever was put there by mistake may be the secret itself.
            if !allow_fingerprints.insert(fp, None) {
                return Err(err(format!(
                    "allow.fingerprints: entry {} is not {}",
                    i + 1,
                    crate::fingerprint::EXPECTED
                )));
            }
        }
        for a in &raw.aws.canary_accounts {
            if a.len() != 12 || !a.bytes().all(|b| b.is_ascii_digit()) {
                return Err(err(format!(
                    "aws.canary_accounts: `{a}` is not a 12-digit account id"
                )));
            }
        }
        let mut rules_in_paths = Vec::new();
        for r in &raw.allow.rules_in_paths {
            rules_in_paths.push((r.rules.clone(), globs(&r.paths)?));
        }
        Ok(Config {
            source: Some(path.to_path_buf()),
            allow_paths: if raw.allow.paths.is_empty() {
                None
            } else {
                Some(globs(&raw.allow.paths)?)
            },
            allow_fingerprints,
            rules_in_paths,
            disable: raw.rules.disable,
            extra_rules: raw
                .rules
                .extra
                .into_iter()
                .map(|r| {
                    let at = r.span().start;
                    r.into_inner()
                        .located(&path.display().to_string(), text, at)
                })
                .collect(),
            aws: raw.aws,
        })
    }

    /// The config for a scan of `root`: `.unleak.toml` at the root, else at the enclosing git
    /// repository's top, else defaults.
    pub fn discover(root: &Path) -> Result<Self> {
        match Self::locate(root) {
            Some(c) => Self::load(&c),
            None => Ok(Config::default()),
        }
    }

    /// The file [`Config::discover`] would load for `root`, without reading it.
    pub fn locate(root: &Path) -> Option<PathBuf> {
        let dir = if root.is_file() {
            root.parent().unwrap_or(Path::new("."))
        } else {
            root
        };
        let mut candidates = vec![dir.join(FILE_NAME)];
        if let Some(top) = git_top(dir) {
            candidates.push(top.join(FILE_NAME));
        }
        candidates.into_iter().find(|c| c.is_file())
    }

    /// What the user should know about `allow.fingerprints` (old format, key mismatch).
    pub fn warnings(&self) -> Vec<String> {
        let what = match &self.source {
            Some(p) => format!("{}: allow.fingerprints", p.display()),
            None => "allow.fingerprints".to_string(),
        };
        self.allow_fingerprints.warnings(&what)
    }

    /// Whether a whole path is allowlisted (never read).
    pub fn path_allowed(&self, rel_path: &str) -> bool {
        self.allow_paths
            .as_ref()
            .is_some_and(|g| g.is_match(rel_path))
    }

    /// Whether a finding is suppressed by fingerprint or by a per-path rule exclusion.
    pub fn finding_allowed(&self, f: &Finding) -> bool {
        if self
            .allow_fingerprints
            .contains(&f.rule_id, &f.secret, f.is_identifier())
        {
            return true;
        }
        self.rules_in_paths.iter().any(|(rules, paths)| {
            rules.iter().any(|r| r == &f.rule_id || r == "*") && paths.is_match(&f.path)
        })
    }
}

/// The top of the git work tree holding `dir`, found by walking up to a `.git` entry.
pub fn git_top(dir: &Path) -> Option<PathBuf> {
    let abs = dir.canonicalize().ok()?;
    abs.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let e = Config::parse(Path::new("x.toml"), "[allow]\npaths = [1]\n")
            .err()
            .unwrap();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = Config::parse(Path::new("x.toml"), "[allow]\nbogus = 1\n")
            .err()
            .unwrap();
        assert!(e.to_string().contains("bogus"), "{e}");
    }

    #[test]
    fn allowlists() {
        let c = Config::parse(
            Path::new("x"),
            "[allow]\npaths = [\"corpus/**\"]\n[[allow.rules_in_paths]]\nrules = [\"a\"]\npaths = [\"docs/**\"]\n",
        )
        .unwrap();
        assert!(c.path_allowed("corpus/x/y.txt"));
        assert!(!c.path_allowed("src/main.rs"));
    }
}
