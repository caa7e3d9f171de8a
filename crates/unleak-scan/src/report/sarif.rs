//! SARIF 2.1.0, as GitHub code scanning accepts it: rules in `tool.driver.rules`, one result a
//! finding with an `artifactLocation.uri` relative to `%SRCROOT%` (the repository's top, named
//! in `originalUriBaseIds`), a region, and partial fingerprints so alerts follow code that
//! moves: the secret's own fingerprint, and a line hash of the text around it.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::Style;
use crate::finding::{Confidence, Finding, Status};
use crate::rules::{Rule, RuleSet, BUILTIN};

/// Characters escaped in a relative URI reference (`/` stays: it separates segments).
const URI_ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b']')
    .add(b'\\')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Where the report's paths are, for URIs relative to `%SRCROOT%`.
#[derive(Clone, Debug, Default)]
pub struct SrcRoot {
    /// `%SRCROOT%`: an absolute directory (the repository's top, or `--sarif-root`). None: the
    /// paths are taken as relative to it already (their absolute form is unknown).
    pub dir: Option<PathBuf>,
    /// The directory the report's relative paths start from (the current directory for a tree
    /// scan; the repository's top for history, whose paths are relative to it).
    pub paths_from: PathBuf,
}

impl SrcRoot {
    /// The URI reference of `path` relative to `%SRCROOT%`: never absolute. A path outside
    /// the root is written with `..` segments (still resolvable against the base).
    pub fn uri(&self, path: &str) -> String {
        let rel = match &self.dir {
            None => path.trim_start_matches('/').to_string(),
            Some(dir) => relative(&normalize(&self.paths_from.join(path)), &normalize(dir)),
        };
        utf8_percent_encode(&rel, URI_ESCAPE).to_string()
    }

    fn base_uri(&self) -> Option<String> {
        let dir = self.dir.as_ref()?.to_string_lossy().replace('\\', "/");
        let dir = dir.trim_end_matches('/');
        let lead = if dir.starts_with('/') { "" } else { "/" };
        Some(format!(
            "file://{lead}{}/",
            utf8_percent_encode(dir, URI_ESCAPE)
        ))
    }
}

/// `.` and `..` resolved without the file system (the paths may not exist any more).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `path` relative to `base`, `/`-separated, with `..` where it is not under it.
fn relative(path: &Path, base: &Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = vec!["..".to_string(); b.len() - common];
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

/// The rule's confidence sets how loud its alerts are and how GitHub ranks them: a rule that
/// is usually right (a provider's token format) is an error of high severity; a broad one (a
/// password assigned in a config file, right often but not always) less.
fn by_confidence(c: Confidence) -> (&'static str, &'static str, &'static str) {
    // (level, security-severity, precision); GitHub: 7.0-8.9 high, 4.0-6.9 medium, below low.
    match c {
        Confidence::High => ("error", "8.5", "high"),
        Confidence::Medium => ("warning", "6.0", "medium"),
        Confidence::Low => ("note", "3.0", "low"),
    }
}

/// A judged key's verdict sets how loud its alert is: a working key is an error, a key that
/// no longer works (or a canary, which must not be used) a lesser alert; unjudged, what the
/// finding's confidence says.
fn level(f: &Finding) -> &'static str {
    match f.verification.as_ref().map(|v| v.status) {
        Some(Status::Inactive | Status::Invalid) => "warning",
        Some(Status::Canary) => "note",
        Some(Status::Live) => "error",
        Some(Status::Unknown) | None => by_confidence(f.confidence).0,
    }
}

/// The project's pages (Cargo.toml `repository`), for the tool's and the rules' links.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// A built-in rule's definition in the sources of this version (`patterns/FILE#Lline`); a
/// user's rule has none.
fn help_uri(rule: &Rule) -> Option<String> {
    let origin = rule.spec.origin.as_deref()?;
    let (file, line) = origin.split_once(" line ")?;
    if REPOSITORY.is_empty() || !BUILTIN.iter().any(|(name, _)| *name == file) {
        return None;
    }
    Some(format!(
        "{REPOSITORY}/blob/v{}/patterns/{file}#L{line}",
        env!("CARGO_PKG_VERSION")
    ))
}

/// GitHub's `primaryLocationLineHash`, in its form `HASH:N`: a hash of the text around the
/// secret on its line (whitespace left out; the secret itself by its fingerprint, so the hash
/// tells nothing of it), and N counting the same hash earlier in the same file. It follows
/// the line when lines above it are added or removed, unlike a line number; the secret's own
/// fingerprint (`unleakFingerprint/v2`) follows the secret wherever it goes.
fn line_hash(f: &Finding, fingerprint: &str) -> String {
    let mut h = Sha256::new();
    let squeeze = |b: &[u8]| -> Vec<u8> {
        b.iter()
            .copied()
            .filter(|c| !c.is_ascii_whitespace())
            .collect()
    };
    h.update(squeeze(&f.excerpt.before));
    h.update([0]);
    h.update(fingerprint.as_bytes());
    h.update([0]);
    h.update(squeeze(&f.excerpt.after));
    let d = h.finalize();
    d[..8].iter().map(|b| format!("{b:02x}")).collect()
}

pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    rules: &RuleSet,
    style: Style,
    root: &SrcRoot,
) -> std::io::Result<()> {
    // Only the rules that produced results, in a stable order, each with its index.
    let mut used: BTreeMap<&str, usize> = BTreeMap::new();
    for f in findings {
        let n = used.len();
        used.entry(f.rule_id.as_str()).or_insert(n);
    }
    let mut ordered: Vec<(&str, usize)> = used.iter().map(|(k, v)| (*k, *v)).collect();
    ordered.sort_by_key(|(_, i)| *i);
    let rule_objs: Vec<Value> = ordered
        .iter()
        .map(|(id, _)| {
            let Some(r) = rules.get(id) else {
                return json!({"id": id, "shortDescription": {"text": id}});
            };
            let desc = if r.spec.description.is_empty() {
                &r.spec.name
            } else {
                &r.spec.description
            };
            let advice = r
                .spec
                .advice
                .clone()
                .unwrap_or_else(|| crate::kind::default_advice(&r.spec.kind));
            let (level, severity, precision) = by_confidence(r.spec.confidence);
            let mut rule = json!({
                "id": id,
                "name": r.spec.name,
                "shortDescription": {"text": r.spec.name},
                "fullDescription": {"text": desc},
                "help": {"text": advice},
                "defaultConfiguration": {"level": level},
                "properties": {
                    "tags": ["security", "secret", r.spec.kind],
                    "security-severity": severity,
                    "precision": precision,
                    "confidence": r.spec.confidence.as_str()
                }
            });
            if let Some(uri) = help_uri(r) {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    Finding::precompute_fingerprints(findings);
    let mut seen: HashMap<(&str, String), u32> = HashMap::new();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut region = json!({"startLine": f.line, "startColumn": f.column, "endLine": f.end_line.max(f.line)});
            if f.line == 0 {
                region = json!({"startLine": 1});
            }
            let mut message = format!("{}: {}", f.description, f.display_secret(style.show_secrets));
            if let Some(c) = &f.commit {
                message.push_str(&format!(" (introduced in commit {})", c.commit));
            }
            if let Some(v) = &f.verification {
                message.push_str(&format!(" [verified: {}]", v.status));
            }
            let fingerprint = f.fingerprint();
            let hash = line_hash(f, &fingerprint);
            let n = seen.entry((f.path.as_str(), hash.clone())).or_insert(0);
            *n += 1;
            let mut result = json!({
                "ruleId": f.rule_id,
                "ruleIndex": used[f.rule_id.as_str()],
                "level": level(f),
                "message": {"text": message},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": root.uri(&f.path), "uriBaseId": "%SRCROOT%"},
                        "region": region
                    }
                }],
                "partialFingerprints": {
                    "primaryLocationLineHash": format!("{hash}:{n}"),
                    "unleakFingerprint/v2": fingerprint
                }
            });
            if let Some(v) = &f.verification {
                result["properties"] = json!({"verification": v});
            }
            result
        })
        .collect();
    let mut base = json!({"description": {"text": "The repository's top directory"}});
    if let Some(uri) = root.base_uri() {
        base["uri"] = json!(uri);
    }
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "unleak",
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": REPOSITORY,
                "rules": rule_objs
            }},
            "originalUriBaseIds": {"%SRCROOT%": base},
            "results": results
        }]
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
