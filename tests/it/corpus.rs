//! The accuracy corpus: scan each `corpus/<family>/` folder with the real binary and compare its
//! findings to the folder's `EXPECTED.toml` exactly (file, line, kind; `end_line` and `encrypted`
//! where the manifest gives them). Prints precision and recall per family and the corpus size.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The folders with positives, and the one with hard negatives only.
const FAMILIES: &[&str] = &["aws", "private-keys", "databases", "providers"];
const NEGATIVES: &str = "negatives";

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Key {
    folder: String,
    file: String,
    line: u64,
    kind: String,
}

struct Expected {
    key: Key,
    end_line: Option<u64>,
    encrypted: Option<bool>,
}

fn family_of_kind(kind: &str) -> Option<&'static str> {
    match kind {
        "aws-access-key-id" | "aws-secret-access-key" => Some("aws"),
        "private-key" => Some("private-keys"),
        "db-password" => Some("databases"),
        // Every other kind is a provider rule's (`patterns/providers/*.toml`).
        _ => Some("providers"),
    }
}

fn corpus_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

fn load_expected(folder: &str) -> Vec<Expected> {
    let path = corpus_root().join(folder).join("EXPECTED.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let doc: toml::Table =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let Some(list) = doc.get("finding") else {
        return Vec::new();
    };
    let list = list.as_array().expect("`finding` is an array of tables");
    list.iter()
        .map(|f| {
            let s = |k: &str| {
                f.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_else(|| panic!("{folder}: entry without `{k}`: {f}"))
                    .to_string()
            };
            let file = s("file");
            assert!(
                corpus_root().join(folder).join(&file).is_file(),
                "{folder}/{file} is listed but missing"
            );
            Expected {
                key: Key {
                    folder: folder.to_string(),
                    file,
                    line: f.get("line").and_then(|v| v.as_integer()).expect("line") as u64,
                    kind: s("kind"),
                },
                end_line: f
                    .get("end_line")
                    .and_then(|v| v.as_integer())
                    .map(|n| n as u64),
                encrypted: f.get("encrypted").and_then(|v| v.as_bool()),
            }
        })
        .collect()
}

/// Findings of `unleak scan corpus/<folder>` with an empty configuration (so the project's
/// allowlist of `corpus/**` does not apply): key -> (end_line, encrypted).
fn scan(folder: &str, config: &Path) -> BTreeMap<Key, (u64, Option<bool>)> {
    let out = unleak_testsupport::unleak::command()
        .arg("scan")
        .arg(corpus_root().join(folder))
        .args(["--format", "json", "--show-secrets", "--quiet", "--config"])
        .arg(config)
        .output()
        .expect("run unleak");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "unleak scan {folder} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut found = BTreeMap::new();
    // Paths are reported as the root was typed, here absolute: the manifests list them under it.
    let root = format!("{}/", corpus_root().join(folder).display());
    for f in doc["findings"].as_array().expect("findings array") {
        let path = f["path"].as_str().expect("path");
        let key = Key {
            folder: folder.to_string(),
            file: path.strip_prefix(&root).unwrap_or(path).to_string(),
            line: f["line"].as_u64().expect("line"),
            kind: f["kind"].as_str().expect("kind").to_string(),
        };
        let extra = (
            f["end_line"].as_u64().unwrap_or(0),
            f["encrypted"].as_bool(),
        );
        found.insert(key, extra);
    }
    found
}

fn count_files(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            if p.is_dir() {
                count_files(&p)
            } else {
                usize::from(p.file_name() != Some("EXPECTED.toml".as_ref()))
            }
        })
        .sum()
}

#[test]
fn corpus_findings_match_the_manifests_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("empty.toml");
    std::fs::write(&config, "").unwrap();

    let mut problems = Vec::new();
    // Per family: (true positives, false positives, false negatives).
    let mut score: BTreeMap<&str, (usize, usize, usize)> =
        FAMILIES.iter().map(|f| (*f, (0, 0, 0))).collect();
    let (mut files, mut positives, mut negative_files) = (0, 0, 0);

    for folder in FAMILIES.iter().chain([&NEGATIVES]) {
        let expected = load_expected(folder);
        let found = scan(folder, &config);
        let n_files = count_files(&corpus_root().join(folder));
        files += n_files;
        positives += expected.len();
        let with_findings: BTreeSet<&str> = expected.iter().map(|e| e.key.file.as_str()).collect();
        negative_files += n_files - with_findings.len();

        let mut expected_keys = BTreeSet::new();
        for e in &expected {
            expected_keys.insert(e.key.clone());
            let family = family_of_kind(&e.key.kind)
                .unwrap_or_else(|| panic!("unknown kind {}", e.key.kind));
            let entry = score.get_mut(family).unwrap();
            match found.get(&e.key) {
                None => {
                    entry.2 += 1;
                    problems.push(format!(
                        "missed: {folder}/{}:{} {}",
                        e.key.file, e.key.line, e.key.kind
                    ));
                }
                Some((end_line, encrypted)) => {
                    entry.0 += 1;
                    if e.end_line.is_some_and(|l| l != *end_line) {
                        problems.push(format!(
                            "{folder}/{}:{}: end_line {end_line}, expected {:?}",
                            e.key.file, e.key.line, e.end_line
                        ));
                    }
                    let want_enc = e.encrypted.unwrap_or(false);
                    if e.key.kind == "private-key" && encrypted.unwrap_or(false) != want_enc {
                        problems.push(format!(
                            "{folder}/{}:{}: encrypted {encrypted:?}, expected {want_enc}",
                            e.key.file, e.key.line
                        ));
                    }
                }
            }
        }
        for k in found.keys().filter(|k| !expected_keys.contains(*k)) {
            if let Some(family) = family_of_kind(&k.kind) {
                score.get_mut(family).unwrap().1 += 1;
            }
            problems.push(format!("extra: {folder}/{}:{} {}", k.file, k.line, k.kind));
        }
    }

    println!(
        "corpus: {files} files, {positives} positives, {negative_files} files without a finding"
    );
    println!(
        "{:<14} {:>4} {:>4} {:>4} {:>10} {:>8}",
        "family", "tp", "fp", "fn", "precision", "recall"
    );
    for (family, (tp, fp, fnn)) in &score {
        let precision = if tp + fp == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fp) as f64
        };
        let recall = if tp + fnn == 0 {
            1.0
        } else {
            *tp as f64 / (tp + fnn) as f64
        };
        println!("{family:<14} {tp:>4} {fp:>4} {fnn:>4} {precision:>10.3} {recall:>8.3}");
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// The published schema of the JSON report (`docs/report.schema.json`, generated from the
/// report's types) accepts what the binary writes: the `json` report of the whole corpus, each
/// of its `jsonl` records, and `verify`'s rewrite of the report.
#[test]
fn json_outputs_of_the_corpus_match_the_published_schema() {
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&schema_path).unwrap()).unwrap();
    let report_validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    let record_schema = serde_json::json!({
        "$schema": schema["$schema"],
        "$ref": "#/$defs/FindingRecord",
        "$defs": schema["$defs"],
    });
    let record_validator = jsonschema::options()
        .build(&record_schema)
        .expect("record schema compiles");
    let errors = |v: &jsonschema::Validator, doc: &serde_json::Value| -> Vec<String> {
        v.iter_errors(doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect()
    };
    let run = |args: &[&str]| {
        let out = unleak_testsupport::unleak::command()
            .args(args)
            .env_remove("UNLEAK_FINGERPRINT_KEY")
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let root = corpus_root();
    let root = root.to_str().unwrap();

    let json = run(&["scan", "--no-config", "-f", "json", root]);
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(doc["findings"].as_array().unwrap().len() > 100);
    let problems = errors(&report_validator, &doc);
    assert!(problems.is_empty(), "json report:\n{}", problems.join("\n"));

    let jsonl = run(&["scan", "--no-config", "-f", "jsonl", root]);
    for (i, line) in jsonl.lines().enumerate() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let problems = errors(&record_validator, &record);
        assert!(
            problems.is_empty(),
            "jsonl line {}:\n{}",
            i + 1,
            problems.join("\n")
        );
    }

    // `verify` reads the report back through the same types; with no AWS finding judged (an
    // unreachable endpoint and no credentials), it writes the report again.
    let dir = tempfile::tempdir().unwrap();
    let private_keys = run(&[
        "scan",
        "--no-config",
        "-f",
        "json",
        &format!("{root}/private-keys"),
    ]);
    let pk_report = dir.path().join("pk.json");
    std::fs::write(&pk_report, &private_keys).unwrap();
    let again = run(&["verify", "-f", "json", pk_report.to_str().unwrap()]);
    let again: serde_json::Value = serde_json::from_str(&again).unwrap();
    let problems = errors(&report_validator, &again);
    assert!(
        problems.is_empty(),
        "verify's report:\n{}",
        problems.join("\n")
    );
    let before: serde_json::Value = serde_json::from_str(&private_keys).unwrap();
    assert_eq!(
        again["findings"], before["findings"],
        "verify changed findings it did not judge"
    );
}
