//! Rules as data: the TOML format of `patterns/*.toml` and of user rules, loading, compiling
//! and self-testing against each rule's examples.

use std::sync::OnceLock;

use regex_automata::meta::Regex;
use regex_automata::PatternID;
use serde::Deserialize;

use crate::error::{Error, Result};
use crate::finding::Confidence;
use crate::validators::Validator;

/// The built-in rule files, embedded at compile time: one per core family, and the provider
/// rules one file per group of providers (`patterns/providers/`, a test checks every file
/// there is listed here).
pub const BUILTIN: &[(&str, &str)] = &[
    ("aws.toml", include_str!("../../../patterns/aws.toml")),
    (
        "private-keys.toml",
        include_str!("../../../patterns/private-keys.toml"),
    ),
    (
        "databases.toml",
        include_str!("../../../patterns/databases.toml"),
    ),
    (
        "providers/source-control.toml",
        include_str!("../../../patterns/providers/source-control.toml"),
    ),
    (
        "providers/chat.toml",
        include_str!("../../../patterns/providers/chat.toml"),
    ),
    (
        "providers/email.toml",
        include_str!("../../../patterns/providers/email.toml"),
    ),
    (
        "providers/payments.toml",
        include_str!("../../../patterns/providers/payments.toml"),
    ),
    (
        "providers/google.toml",
        include_str!("../../../patterns/providers/google.toml"),
    ),
    (
        "providers/azure.toml",
        include_str!("../../../patterns/providers/azure.toml"),
    ),
    (
        "providers/cloud.toml",
        include_str!("../../../patterns/providers/cloud.toml"),
    ),
    (
        "providers/registries.toml",
        include_str!("../../../patterns/providers/registries.toml"),
    ),
    (
        "providers/observability.toml",
        include_str!("../../../patterns/providers/observability.toml"),
    ),
    (
        "providers/ai.toml",
        include_str!("../../../patterns/providers/ai.toml"),
    ),
    // Issue 18, second half: SaaS families.
    (
        "providers/productivity.toml",
        include_str!("../../../patterns/providers/productivity.toml"),
    ),
    (
        "providers/feature-flags.toml",
        include_str!("../../../patterns/providers/feature-flags.toml"),
    ),
    (
        "providers/crm.toml",
        include_str!("../../../patterns/providers/crm.toml"),
    ),
    (
        "providers/marketing.toml",
        include_str!("../../../patterns/providers/marketing.toml"),
    ),
    (
        "providers/identity.toml",
        include_str!("../../../patterns/providers/identity.toml"),
    ),
    (
        "providers/generic.toml",
        include_str!("../../../patterns/providers/generic.toml"),
    ),
    // providers-a: CI/CD and secrets managers; cloud, hosting and infrastructure.
    (
        "providers/ci.toml",
        include_str!("../../../patterns/providers/ci.toml"),
    ),
    (
        "providers/infra.toml",
        include_str!("../../../patterns/providers/infra.toml"),
    ),
    // Issue 18, third pass: the long tail.
    (
        "providers/social.toml",
        include_str!("../../../patterns/providers/social.toml"),
    ),
    (
        "providers/saas.toml",
        include_str!("../../../patterns/providers/saas.toml"),
    ),
    (
        "providers/config-files.toml",
        include_str!("../../../patterns/providers/config-files.toml"),
    ),
];

// `LEAN`: each file of `patterns/` without its examples (build.rs), what a scan loads.
include!(concat!(env!("OUT_DIR"), "/lean.rs"));

/// Lines before and after a keyword hit that a rule's regex sees by default.
pub const DEFAULT_WINDOW_LINES: u32 = 3;

/// The kinds of the three core families, which reports promise to use exactly.
pub const CORE_KINDS: &[&str] = crate::kind::CORE;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    #[serde(default)]
    pub rules: Vec<toml::Spanned<RuleSpec>>,
}

/// One rule as written in TOML.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique, stable, kebab-case.
    pub id: String,
    /// Where the rule was written, `FILE line N` (set by the loader, not read from TOML): a
    /// rule that does not compile is reported there.
    #[serde(skip)]
    pub origin: Option<String>,
    pub name: String,
    /// What it finds, e.g. `aws-access-key-id`, `private-key`, `db-password`, `github-token`.
    pub kind: String,
    #[serde(default)]
    pub description: String,
    /// One line on what to do about a finding.
    #[serde(default)]
    pub advice: Option<String>,
    /// Literal strings (ASCII case-insensitive) of which one must occur for the regex to run.
    /// May be empty only for path-bound rules (`paths`), which then run on every such file.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// A regex with a capture group named `secret` (alternatives may name theirs `secret_1`,
    /// `secret_2`, …: the first that took part is the secret). A group named `key` captures the
    /// name the secret is assigned to, for validators that judge by name.
    pub regex: String,
    /// The regex runs only on the lines around each keyword hit: this many lines before and
    /// after (default 3). Multi-line constructs set more, or `whole_blob`.
    #[serde(default)]
    pub window_lines: Option<u32>,
    /// Run the regex over the whole blob once any keyword occurs (private key blocks).
    #[serde(default)]
    pub whole_blob: bool,
    /// A broad rule: its finding is dropped where another kind's rule found the same bytes
    /// (a token under `api_key =`, a provider token assigned to `password`).
    #[serde(default)]
    pub yields: bool,
    /// The secret must be a whole token: no letter, digit, `+` or `/` right before or after it.
    #[serde(default)]
    pub token_boundary: bool,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub min_entropy: Option<f32>,
    /// Named checks from `validators/`, run in order; each may reject or rewrite the secret.
    #[serde(default)]
    pub validators: Vec<String>,
    /// The shared placeholder/indirection filter runs on every rule unless this is false.
    #[serde(default = "yes")]
    pub placeholder_filter: bool,
    /// The most a finding of this rule can claim; a password rule's findings may claim less.
    #[serde(default)]
    pub confidence: Confidence,
    /// The secret is a password a person chose (no structure to check): each finding's
    /// confidence is what `strength::password_confidence` says of its value and path, at most
    /// `confidence`.
    #[serde(default)]
    pub password_value: bool,
    /// Only files whose path matches one of these globs (e.g. `**/.pgpass`).
    #[serde(default)]
    pub paths: Vec<String>,
    #[serde(default)]
    pub pair: Option<PairSpec>,
    /// At least one (checked by [`parse_rules`]); empty in the lean copies a scan loads.
    #[serde(default)]
    pub examples: Vec<Example>,
    #[serde(default)]
    pub negative_examples: Vec<Example>,
}

fn yes() -> bool {
    true
}

/// Pairing: a finding of this rule is linked to the nearest finding of `kind` in the same blob.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairSpec {
    pub kind: String,
    /// Without a partner, drop the finding (e.g. a bare 40-character string is an AWS secret
    /// only next to a key id).
    #[serde(default)]
    pub required: bool,
    /// The partner must start within this many lines.
    #[serde(default)]
    pub max_lines: Option<u32>,
}

/// An example: a text, or a text with the path it is scanned under (for path-bound rules).
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    File { path: String, text: String },
}

impl Example {
    pub fn path(&self) -> &str {
        match self {
            Example::Text(_) => "example.txt",
            Example::File { path, .. } => path,
        }
    }
    pub fn text(&self) -> &str {
        match self {
            Example::Text(t) | Example::File { text: t, .. } => t,
        }
    }
}

/// A rule ready to run. Its regex compiles on first use, so start-up stays small.
pub struct Rule {
    pub spec: RuleSpec,
    pub validators: Vec<Validator>,
    pub paths: Option<globset::GlobSet>,
    regex: OnceLock<Compiled>,
}

/// A rule's regex with what every search needs of it, found once.
struct Compiled {
    regex: Regex,
    /// Capture groups holding the secret (`secret`, then `secret_*`), in order of preference.
    secret_groups: Vec<usize>,
    /// The `key` group, if any.
    key_group: Option<usize>,
}

impl Compiled {
    fn new(regex: Regex) -> Self {
        let names: Vec<Option<&str>> = regex.group_info().pattern_names(PatternID::ZERO).collect();
        Compiled {
            secret_groups: names
                .iter()
                .enumerate()
                .filter(|(_, n)| n.is_some_and(|n| n == "secret" || n.starts_with("secret_")))
                .map(|(i, _)| i)
                .collect(),
            key_group: names.iter().position(|n| *n == Some("key")),
            regex,
        }
    }
}

impl RuleSpec {
    /// An error about this rule, naming where it was written.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::Rule {
            id: self.id.clone(),
            origin: self
                .origin
                .as_ref()
                .map(|o| format!("{o}: "))
                .unwrap_or_default(),
            message: message.into(),
        }
    }

    /// The family the rule belongs to: the name of the file it was written in
    /// (`providers/chat.toml` → `chat`, `aws.toml` → `aws`, a user's `my-rules.toml` →
    /// `my-rules`); `other` for a rule with no origin.
    pub fn family(&self) -> &str {
        let Some(origin) = self.origin.as_deref() else {
            return "other";
        };
        let file = origin.rsplit_once(" line ").map_or(origin, |(f, _)| f);
        let name = file.rsplit(['/', '\\']).next().unwrap_or(file);
        name.strip_suffix(".toml").unwrap_or(name)
    }

    /// The spec, noting that it starts at byte `offset` of `text`, from `source`.
    pub fn located(mut self, source: &str, text: &str, offset: usize) -> Self {
        self.origin = Some(format!("{source} line {}", line_of(text, offset)));
        self
    }
}

/// The 1-based line of byte `offset` in `text`.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

impl Rule {
    fn new(spec: RuleSpec) -> Result<Self> {
        let err = |message: String| spec.error(message);
        if spec.id.is_empty()
            || !spec
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(err("id must be non-empty kebab-case (a-z, 0-9, -)".into()));
        }
        if (spec.keywords.is_empty() && spec.paths.is_empty())
            || spec.keywords.iter().any(|k| k.len() < 2)
        {
            return Err(err(
                "needs at least one keyword (each of two or more characters), or `paths`".into(),
            ));
        }
        let validators = spec
            .validators
            .iter()
            .map(|name| {
                Validator::by_name(name).ok_or_else(|| {
                    err(format!(
                        "unknown validator `{name}` (known: {})",
                        Validator::all_names().collect::<Vec<_>>().join(", ")
                    ))
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let paths = if spec.paths.is_empty() {
            None
        } else {
            let mut b = globset::GlobSetBuilder::new();
            for p in &spec.paths {
                b.add(globset::Glob::new(p).map_err(|e| err(format!("path glob `{p}`: {e}")))?);
            }
            Some(b.build().map_err(|e| err(e.to_string()))?)
        };
        Ok(Rule {
            spec,
            validators,
            paths,
            regex: OnceLock::new(),
        })
    }

    /// The regex-automata engine itself rather than the `regex` crate's wrapper: the matcher
    /// keeps a search cache per rule and thread instead of taking one from a shared pool at
    /// every window.
    fn compile(spec: &RuleSpec) -> Result<Regex> {
        const SIZE_LIMIT: usize = 32 << 20;
        // ASCII classes by default (`\w`, `\s`, case folding): smaller automata, faster scans.
        // A rule that needs Unicode classes can turn them on with `(?u)`. Bytes, not UTF-8.
        let syntax = regex_automata::util::syntax::Config::new()
            .unicode(false)
            .utf8(false);
        let config = Regex::config()
            .nfa_size_limit(Some(SIZE_LIMIT))
            .utf8_empty(false);
        let re = Regex::builder()
            .syntax(syntax)
            .configure(config)
            .build(&spec.regex)
            .map_err(|e| {
                // The `regex` crate words the same error best (a caret under the culprit).
                let message = regex::bytes::RegexBuilder::new(&spec.regex)
                    .unicode(false)
                    .size_limit(SIZE_LIMIT)
                    .build()
                    .err()
                    .map_or_else(|| e.to_string(), |e| e.to_string());
                spec.error(format!("regex does not compile: {message}"))
            })?;
        // A regex that matches the empty string matches at every byte of every window: one
        // search per byte, and no secret to report.
        let can_be_empty = regex_automata::util::syntax::parse_with(&spec.regex, &syntax)
            .is_ok_and(|hir| hir.properties().minimum_len() == Some(0));
        if can_be_empty {
            return Err(spec.error(
                "regex can match the empty string (every position would match); \
                 make the secret required, e.g. `+` instead of `*`",
            ));
        }
        if re
            .group_info()
            .to_index(PatternID::ZERO, "secret")
            .is_none()
        {
            return Err(spec.error("regex has no capture group named `secret`"));
        }
        Ok(re)
    }

    /// Compile now, reporting errors (used for user rules and `rules check`).
    pub fn precompile(&self) -> Result<()> {
        if self.regex.get().is_none() {
            let re = Self::compile(&self.spec)?;
            let _ = self.regex.set(Compiled::new(re));
        }
        Ok(())
    }

    fn compiled(&self) -> &Compiled {
        self.regex.get_or_init(|| {
            Compiled::new(
                Self::compile(&self.spec)
                    .expect("rule regexes are compiled when rules are loaded or tested"),
            )
        })
    }

    /// The compiled regex. Built-in rules are compiled by the test suite, so this cannot fail
    /// for them; user rules are precompiled at load.
    pub fn regex(&self) -> &Regex {
        &self.compiled().regex
    }

    /// Indices of the capture groups that hold the secret, in order of preference.
    pub fn secret_groups(&self) -> &[usize] {
        &self.compiled().secret_groups
    }

    pub fn key_group(&self) -> Option<usize> {
        self.compiled().key_group
    }

    /// Lines around a keyword hit the regex looks at; None: the whole blob.
    pub fn window(&self) -> Option<u32> {
        if self.spec.whole_blob || self.spec.keywords.is_empty() {
            None
        } else {
            Some(self.spec.window_lines.unwrap_or(DEFAULT_WINDOW_LINES))
        }
    }

    pub fn applies_to(&self, path: &str) -> bool {
        self.paths
            .as_ref()
            // The file name: after the last `/`, or `!` for an archive's member (`a.zip!.env`).
            .is_none_or(|g| {
                g.is_match(path) || g.is_match(path.rsplit(['/', '!']).next().unwrap_or(path))
            })
    }
}

/// All rules of a run.
pub struct RuleSet {
    pub rules: Vec<Rule>,
}

impl RuleSet {
    /// The embedded rules.
    pub fn builtin() -> Result<Self> {
        let mut specs = Vec::new();
        for (name, full) in BUILTIN {
            // Start-up parses the lean copy (no examples: 42% fewer bytes, the self-test's
            // only); the full text is the fallback should a file ever lack one.
            let lean = LEAN
                .iter()
                .find(|(n, _)| n == name)
                .map_or(*full, |(_, t)| *t);
            specs.extend(parse_spec_file(name, lean)?);
        }
        Self::from_specs(specs, false)
    }

    /// The embedded rules with their examples, for the self-test.
    pub fn builtin_with_examples() -> Result<Self> {
        let mut specs = Vec::new();
        for (name, text) in BUILTIN {
            specs.extend(parse_rules(name, text)?);
        }
        Self::from_specs(specs, false)
    }

    /// Rules from specs; `eager` compiles every regex now (user-supplied rules).
    pub fn from_specs(specs: Vec<RuleSpec>, eager: bool) -> Result<Self> {
        let mut seen = std::collections::HashSet::new();
        let mut rules = Vec::with_capacity(specs.len());
        for spec in specs {
            if !seen.insert(spec.id.clone()) {
                return Err(spec.error("duplicate rule id"));
            }
            let rule = Rule::new(spec)?;
            if eager {
                rule.precompile()?;
            }
            rules.push(rule);
        }
        Ok(RuleSet { rules })
    }

    /// Add user rules (compiled now, so a bad one is an error at start, not mid-scan).
    pub fn extend(&mut self, specs: Vec<RuleSpec>) -> Result<()> {
        let mut all: Vec<RuleSpec> = self.rules.drain(..).map(|r| r.spec).collect();
        let first_new = all.len();
        all.extend(specs);
        let set = RuleSet::from_specs(all, false)?;
        for r in &set.rules[first_new..] {
            r.precompile()?;
        }
        *self = set;
        Ok(())
    }

    /// Drop the rules with these ids; unknown ids are an error (a typo must not go unnoticed).
    pub fn disable(&mut self, ids: &[String]) -> Result<()> {
        for id in ids {
            if !self.rules.iter().any(|r| &r.spec.id == id) {
                return Err(Error::Usage(format!("cannot disable unknown rule `{id}`")));
            }
        }
        self.rules.retain(|r| !ids.contains(&r.spec.id));
        Ok(())
    }

    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.spec.id == id)
    }
}

/// Parse a rules file (`[[rules]]` tables). Errors carry the line number; so does each rule,
/// for the errors of compiling it.
pub fn parse_rules(source_name: &str, text: &str) -> Result<Vec<RuleSpec>> {
    let specs = parse_spec_file(source_name, text)?;
    if let Some(spec) = specs.iter().find(|s| s.examples.is_empty()) {
        return Err(spec.error("needs at least one example"));
    }
    Ok(specs)
}

/// [`parse_rules`] without the check that every rule has examples (the embedded lean copies).
fn parse_spec_file(source_name: &str, text: &str) -> Result<Vec<RuleSpec>> {
    let file: RulesFile = toml::from_str(text).map_err(|e| Error::RulesFile {
        source_name: source_name.to_string(),
        message: toml_error(text, &e),
    })?;
    // Line numbers from one index of line starts: counting newlines from the top for every
    // rule was quadratic in the file (5% of start-up with 240 rules).
    let starts: Vec<usize> = std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect();
    Ok(file
        .rules
        .into_iter()
        .map(|r| {
            let line = starts.partition_point(|&s| s <= r.span().start);
            let mut spec = r.into_inner();
            spec.origin = Some(format!("{source_name} line {line}"));
            spec
        })
        .collect())
}

/// A TOML error as `line N: reason`.
pub fn toml_error(text: &str, e: &toml::de::Error) -> String {
    match e.span() {
        Some(span) => {
            format!("line {}: {}", line_of(text, span.start), e.message())
        }
        None => e.message().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lean copies a scan loads (build.rs) hold every rule exactly as the full files do,
    /// at the same line, with only the examples gone.
    #[test]
    fn the_lean_builtin_rules_are_the_full_ones_without_examples() {
        let lean = RuleSet::builtin().unwrap();
        let full = RuleSet::builtin_with_examples().unwrap();
        assert_eq!(lean.rules.len(), full.rules.len());
        assert!(LEAN.len() >= BUILTIN.len());
        for (l, f) in lean.rules.iter().zip(&full.rules) {
            assert!(l.spec.examples.is_empty() && l.spec.negative_examples.is_empty());
            assert!(!f.spec.examples.is_empty(), "{}", f.spec.id);
            let mut f = f.spec.clone();
            f.examples.clear();
            f.negative_examples.clear();
            assert_eq!(format!("{:?}", l.spec), format!("{f:?}"));
        }
    }

    /// Each rule is located at the line its table starts on (counted in one pass).
    #[test]
    fn rules_are_located_at_their_tables_lines() {
        let rule = |id: &str| {
            format!(
                "[[rules]]\nid = \"{id}\"\nname = \"n\"\nkind = \"k\"\nkeywords = [\"kw\"]\n\
                 regex = '(?P<secret>kw[0-9]+)'\nexamples = [\"kw1\"]\n"
            )
        };
        let text = format!("# header\n\n{}\n\n\n{}{}", rule("a"), rule("b"), rule("c"));
        let specs = parse_rules("f.toml", &text).expect("parses");
        let origins: Vec<_> = specs.iter().map(|s| s.origin.clone().unwrap()).collect();
        assert_eq!(
            origins,
            ["f.toml line 3", "f.toml line 13", "f.toml line 20"]
        );
    }
}
