//! SARIF as code scanning needs it, through the real binary: URIs relative to the repository's
//! top wherever the scan ran from, paths as typed in every format, GitHub's line hash, rule
//! metadata that follows confidence, and the SARIF Multitool's verdict (npm
//! `@microsoft/sarif-multitool`, installed under the target directory on first use): no error
//! and no warning, GitHub's ingestion rules included.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use unleak_testsupport::git::Repo;
use unleak_testsupport::keys::{db_url, password};
use unleak_testsupport::unleak::unleak;

const MULTITOOL: &str = "@microsoft/sarif-multitool@5.7.0";

fn sarif(dir: &Path, args: &[&str]) -> Value {
    let mut all = vec!["scan", "-f", "sarif"];
    all.extend_from_slice(args);
    let out = unleak(dir, &all);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("SARIF is JSON")
}

fn uris(doc: &Value) -> Vec<String> {
    let mut u: Vec<String> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    u.sort();
    u
}

/// A repository with the same leak in `lib/a.env` and `test/a.env`, twice in the latter, and
/// a rule of the repository's own with low confidence that finds `TICKET-` numbers.
fn repo() -> Repo {
    let r = Repo::new();
    let line = db_url(&password());
    r.write("lib/a.env", &line);
    r.write("test/a.env", &format!("{line}\n{line}"));
    r.write("test/t.txt", "see TICKET-48213977\n");
    r.write(
        ".unleak.toml",
        r#"[[rules.extra]]
id = "team-ticket"
name = "A ticket number"
kind = "ticket"
keywords = ["TICKET-"]
regex = 'TICKET-(?P<secret>[0-9]{8})'
placeholder_filter = false
confidence = "low"
examples = ["TICKET-12345678"]
"#,
    );
    r.commit("init");
    r
}

#[test]
fn uris_are_relative_to_the_repository_top_and_paths_keep_their_roots() {
    let r = repo();
    let expected = vec![
        "lib/a.env".to_string(),
        "test/a.env".to_string(),
        "test/a.env".to_string(),
        "test/t.txt".to_string(),
    ];
    // From the top, from a sub-directory, with several roots: the same URIs.
    assert_eq!(uris(&sarif(&r.path, &["."])), expected);
    assert_eq!(
        uris(&sarif(
            &r.path.join("lib"),
            &["..", "--config", "../.unleak.toml"]
        )),
        expected
    );
    assert_eq!(uris(&sarif(&r.path, &["lib", "test"])), expected);
    let lib_only = sarif(&r.path.join("lib"), &["."]);
    assert_eq!(uris(&lib_only), vec!["lib/a.env".to_string()]);
    // %SRCROOT% names the top, absolute, ending in a slash; no URI is absolute.
    let base = &lib_only["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"];
    let top = r.path.canonicalize().unwrap();
    assert_eq!(base.as_str().unwrap(), format!("file://{}/", top.display()));
    // --sarif-root: relative to the given directory instead.
    let doc = sarif(&r.path, &["lib", "test", "--sarif-root", "test"]);
    assert_eq!(uris(&doc), vec!["../lib/a.env", "a.env", "a.env", "t.txt"]);

    // Text and JSON keep the roots as typed too (`scan lib test` used to print `a.env` twice).
    let out = unleak(&r.path, &["scan", "lib", "test", "-f", "json"]);
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut paths: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        vec!["lib/a.env", "test/a.env", "test/a.env", "test/t.txt"]
    );
    // `test/` holds examples: its passwords are low confidence, listed in text only with
    // `--min-confidence low`.
    let text = unleak(&r.path, &["scan", "lib", "test", "--min-confidence", "low"]);
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("lib/a.env:1"), "{text}");
    assert!(text.contains("test/a.env:1"), "{text}");
}

#[test]
fn fingerprints_and_rule_metadata() {
    let r = repo();
    let doc = sarif(&r.path, &["."]);
    let run = &doc["runs"][0];
    assert!(run["tool"]["driver"]["informationUri"]
        .as_str()
        .unwrap()
        .starts_with("https://"));
    let mut hashes = Vec::new();
    for res in run["results"].as_array().unwrap() {
        let fp = &res["partialFingerprints"];
        assert!(fp["unleakFingerprint/v2"]
            .as_str()
            .unwrap()
            .starts_with("v2:"));
        let h = fp["primaryLocationLineHash"].as_str().unwrap();
        let (hex, n) = h.split_once(':').unwrap();
        assert_eq!(hex.len(), 16, "{h}");
        assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{h}");
        let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].clone();
        hashes.push((uri, hex.to_string(), n.to_string()));
    }
    // The same line twice in one file: the same hash, counted 1 and 2; in another file, 1.
    let of = |uri: &str| -> Vec<(String, String)> {
        hashes
            .iter()
            .filter(|(u, _, _)| u == uri)
            .map(|(_, h, n)| (h.clone(), n.clone()))
            .collect()
    };
    let test = of("test/a.env");
    assert_eq!(test.len(), 2);
    assert_eq!(test[0].0, test[1].0);
    let mut ns: Vec<&str> = test.iter().map(|(_, n)| n.as_str()).collect();
    ns.sort();
    assert_eq!(ns, vec!["1", "2"]);
    assert_eq!(of("lib/a.env"), vec![(test[0].0.clone(), "1".to_string())]);

    // Rules: a built-in high-confidence rule is an error of high severity with a link to its
    // definition; the repository's own low-confidence rule a note of low severity, no link.
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let rule = |id: &str| rules.iter().find(|r| r["id"] == id).unwrap().clone();
    let db = rule("db-password-uri");
    assert_eq!(db["defaultConfiguration"]["level"], "error");
    assert_eq!(db["properties"]["precision"], "high");
    assert_eq!(db["properties"]["security-severity"], "8.5");
    assert!(db["helpUri"]
        .as_str()
        .unwrap()
        .contains("/patterns/databases.toml#L"));
    let own = rule("team-ticket");
    assert_eq!(own["defaultConfiguration"]["level"], "note");
    assert_eq!(own["properties"]["precision"], "low");
    assert_eq!(own["properties"]["security-severity"], "3.0");
    assert!(own.get("helpUri").is_none());
    let ticket = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "team-ticket")
        .unwrap();
    assert_eq!(ticket["level"], "note");
}

/// The Multitool's own binary (its npm package's `bin.js` passes arguments through a shell,
/// which splits the `;` of `--rule-kind Gh;Sarif`).
fn multitool() -> std::path::PathBuf {
    let dir = unleak_testsupport::tools::npm_tool("sarif-multitool", MULTITOOL);
    dir.join("node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool")
}

#[test]
#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn the_sarif_multitool_finds_no_error_and_no_warning() {
    let r = repo();
    let tmp = tempfile::tempdir().unwrap();
    let doc = sarif(&r.path, &["lib", "test"]);
    let file = tmp.path().join("unleak.sarif");
    std::fs::write(&file, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    // SARIF2006 fetches every URI in the file over HTTP: off, nothing leaves this machine.
    let config = tmp.path().join("multitool.xml");
    std::fs::write(
        &config,
        r#"<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
"#,
    )
    .unwrap();
    let tool = multitool();
    let validate = |path: &Path| {
        let out = Command::new(&tool)
            .args([
                "validate",
                "--rule-kind",
                "Gh;Sarif",
                "--level",
                "Error;Warning;Note",
                "-c",
            ])
            .arg(&config)
            .arg(path)
            .env("DOTNET_CLI_TELEMETRY_OPTOUT", "1")
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let report = validate(&file);
    assert!(
        report.contains("Analysis completed successfully"),
        "{report}"
    );
    let problems: Vec<&str> = report
        .lines()
        .filter(|l| l.contains(": error ") || l.contains(": warning "))
        // The tool's own note that SARIF2006 was turned off.
        .filter(|l| !l.contains("WRN999.RuleExplicitlyDisabled"))
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // The check can fail: an absolute URI and no fingerprints are errors for GitHub.
    let mut bad = doc.clone();
    let res = &mut bad["runs"][0]["results"][0];
    res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] = "/abs/a.env".into();
    res.as_object_mut().unwrap().remove("partialFingerprints");
    let bad_file = tmp.path().join("bad.sarif");
    std::fs::write(&bad_file, serde_json::to_vec(&bad).unwrap()).unwrap();
    let report = validate(&bad_file);
    assert!(report.contains(": error SARIF1004"), "{report}");
}
