//! `unleak verify` and `unleak scan --verify` through the real binary, against moto on
//! 127.0.0.1. The child gets a cleared environment plus explicit AWS settings, so no real
//! credential, profile or endpoint can be used.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use unleak_testsupport::moto::{AccessKey, Moto};

fn bin() -> Command {
    unleak_testsupport::unleak::command()
}

/// A moto with an all-powerful `auditor`, a live `alice` and a deactivated `bob`.
fn world() -> (Moto, AccessKey, AccessKey, AccessKey) {
    let m = Moto::start();
    let auditor = m.create_user("auditor");
    m.allow("auditor", "*");
    let alice = m.create_user("alice");
    let bob = m.create_user("bob");
    m.deactivate_key("bob", &bob.id);
    m.enable_auth();
    (m, auditor, alice, bob)
}

/// Run the binary in `dir` with nothing but the given environment.
fn run(dir: &Path, args: &[&str], env: &[(String, String)], stdin: Option<&[u8]>) -> Output {
    let mut cmd = bin();
    cmd.current_dir(dir)
        .args(args)
        .env_clear()
        .env("HOME", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(bytes) = stdin {
        input.write_all(bytes).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

fn findings(out: &Output) -> Vec<Value> {
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    doc["findings"].as_array().unwrap().clone()
}

/// The verification status of the key-id finding for `id`.
fn status_of(findings: &[Value], id: &str) -> (String, String) {
    let f = findings
        .iter()
        .find(|f| f["kind"] == "aws-access-key-id" && f["secret"] == id)
        .unwrap_or_else(|| panic!("no finding for {id} in {findings:#?}"));
    let v = &f["verification"];
    (
        v["status"].as_str().unwrap_or("none").to_string(),
        v["reason"].as_str().unwrap_or_default().to_string(),
    )
}

/// The advice of the key id finding `id`.
fn advice_of(findings: &[Value], id: &str) -> String {
    findings
        .iter()
        .find(|f| f["kind"] == "aws-access-key-id" && f["secret"] == id)
        .and_then(|f| f["advice"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn write_pair(dir: &Path, file: &str, id: &str, secret: &str) {
    std::fs::write(
        dir.join(file),
        format!("[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\n"),
    )
    .unwrap();
}

/// A temp dir whose `src/` holds alice's and bob's key pairs.
fn keys_in_src(alice: &AccessKey, bob: &AccessKey) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    write_pair(&src, "alice.ini", &alice.id, &alice.secret);
    write_pair(&src, "bob.ini", &bob.id, &bob.secret);
    dir
}

#[test]
fn reports_round_trip_through_verify_and_scan_verify() {
    let (m, auditor, alice, bob) = world();
    let dir = keys_in_src(&alice, &bob);
    let src = dir.path().join("src");
    // A canary key of the built-in list, and one of an account named in .unleak.toml.
    let fake = "Zm9vYmFyYmF6cXV4cXV1eHF1dXpxdXV4cXV1eHE5";
    write_pair(&src, "canary.ini", "AKIAXYZDQCEN4B6JSJQI", fake);
    std::fs::write(
        dir.path().join(".unleak.toml"),
        "[aws]\ncanary_accounts = [\"123456789012\"]\n",
    )
    .unwrap();

    // Everything through moto; the generic endpoint is a closed port, so only the
    // per-service variables can make this work.
    let mut env = m.env(&auditor.id, &auditor.secret);
    env.retain(|(k, _)| k != "AWS_ENDPOINT_URL");
    env.push(("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:9".into()));
    env.push(("AWS_ENDPOINT_URL_STS".into(), m.endpoint.clone()));
    env.push(("AWS_ENDPOINT_URL_IAM".into(), m.endpoint.clone()));

    let scan = run(
        dir.path(),
        &["scan", "src", "--format", "json", "--show-secrets"],
        &[],
        None,
    );
    assert_eq!(
        scan.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&scan.stderr)
    );
    std::fs::write(dir.path().join("report.json"), &scan.stdout).unwrap();

    // The .unleak.toml canary list names moto's own account: every moto key is then a canary.
    let out = run(dir.path(), &["verify", "report.json"], &env, None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = findings(&out);
    assert_eq!(status_of(&f, &alice.id).0, "canary");
    assert_eq!(status_of(&f, "AKIAXYZDQCEN4B6JSJQI").0, "canary");

    // Without it, the real verdicts; secrets stay redacted on the way out.
    std::fs::remove_file(dir.path().join(".unleak.toml")).unwrap();
    let out = run(dir.path(), &["verify", "report.json"], &env, None);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = findings(&out);
    assert_eq!(status_of(&f, &alice.id).0, "live");
    assert_eq!(status_of(&f, &bob.id).0, "inactive");
    assert_eq!(status_of(&f, "AKIAXYZDQCEN4B6JSJQI").0, "canary");
    // The advice follows the verdict: rotate a live key, never a canary.
    assert!(advice_of(&f, &alice.id).contains("rotate"));
    assert!(advice_of(&f, &bob.id).contains("deactivated"));
    let canary = advice_of(&f, "AKIAXYZDQCEN4B6JSJQI");
    assert!(
        canary.contains("canary") && canary.contains("never use it"),
        "{canary}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains(&alice.secret), "secret printed in full");
    // The secret-key findings of the pairs are judged too.
    assert!(f
        .iter()
        .filter(|x| x["kind"] == "aws-secret-access-key")
        .all(|x| x["verification"]["status"].is_string()));

    // Text, from standard input: the live key is listed first.
    let report = std::fs::read(dir.path().join("report.json")).unwrap();
    let out = run(
        dir.path(),
        &["verify", "-", "--format", "text", "--color", "never"],
        &env,
        Some(&report),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    let live = text.find("[LIVE]").expect("a live key");
    assert!(live < text.find("[INACTIVE]").unwrap(), "{text}");
    assert!(live < text.find("[CANARY]").unwrap(), "{text}");
    assert!(!text.contains(&alice.secret), "{text}");

    // A report written without --show-secrets: IAM alone judges, and the user is told.
    let scan = run(dir.path(), &["scan", "src", "--format", "json"], &[], None);
    let out = run(dir.path(), &["verify"], &env, Some(&scan.stdout));
    let (status, reason) = status_of(&findings(&out), &alice.id);
    assert_eq!(status, "unknown");
    assert!(reason.contains("active in IAM"), "{reason}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("--show-secrets"));

    // scan --verify fills in the same verdicts directly.
    let out = run(
        dir.path(),
        &[
            "scan",
            "src",
            "--verify",
            "--verify-timeout",
            "10",
            "--format",
            "json",
        ],
        &env,
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let f = findings(&out);
    assert_eq!(status_of(&f, &alice.id).0, "live");
    assert_eq!(status_of(&f, &bob.id).0, "inactive");
    assert_eq!(status_of(&f, "AKIAXYZDQCEN4B6JSJQI").0, "canary");
    assert!(advice_of(&f, "AKIAXYZDQCEN4B6JSJQI").contains("never use it"));
    assert!(advice_of(&f, &bob.id).contains("deactivated"));

    // SARIF carries the verdicts too, and its alert level follows them.
    let out = run(
        dir.path(),
        &["scan", "src", "--verify", "--format", "sarif"],
        &env,
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: Value = serde_json::from_slice(&out.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let result_of = |id: &str| {
        results
            .iter()
            .find(|r| {
                r["ruleId"] == "aws-access-key-id"
                    && r["message"]["text"].as_str().unwrap().contains(id)
            })
            .unwrap_or_else(|| panic!("no SARIF result for {id}: {results:#?}"))
    };
    let live = result_of(&alice.id);
    assert_eq!(live["properties"]["verification"]["status"], "live");
    assert_eq!(live["level"], "error");
    assert_eq!(result_of(&bob.id)["level"], "warning");
    let canary = result_of("AKIAXYZDQCEN4B6JSJQI");
    assert_eq!(canary["properties"]["verification"]["status"], "canary");
    assert_eq!(canary["level"], "note");
}

#[test]
fn verify_with_a_findings_store_records_each_verdict_against_its_secret() {
    let (m, auditor, alice, bob) = world();
    let dir = keys_in_src(&alice, &bob);
    let db = dir.path().join("findings.db");
    let db = db.to_str().unwrap();
    let env = m.env(&auditor.id, &auditor.secret);
    let scan = run(dir.path(), &["scan", "src", "--store", db], &[], None);
    assert_eq!(scan.status.code(), Some(1));
    let report = run(
        dir.path(),
        &["scan", "src", "--format", "json", "--show-secrets"],
        &[],
        None,
    );
    let out = run(
        dir.path(),
        &["verify", "-", "--store", db],
        &env,
        Some(&report.stdout),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = |args: &[&str]| -> Value {
        let out = run(dir.path(), args, &[], None);
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)))
    };
    let rows = json(&["findings", "list", "--json", "--store", db]);
    let row_of = |key: &str| -> Value {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["secret"] == key)
            .unwrap_or_else(|| panic!("{key} not stored: {rows:#}"))
            .clone()
    };
    assert_eq!(row_of(&alice.id)["verdict"], "live", "{rows:#}");
    assert_eq!(row_of(&bob.id)["verdict"], "inactive", "{rows:#}");
    let id = row_of(&alice.id)["id"].as_str().unwrap().to_string();
    let shown = json(&["findings", "show", &id, "--json", "--store", db]);
    assert_eq!(shown["verdicts"][0]["status"], "live", "{shown:#}");
    assert_eq!(shown["actions"][0]["action"], "verify", "{shown:#}");
    // The store holds the verdict, never the secret key.
    assert!(!std::fs::read(dir.path().join("findings.db"))
        .unwrap()
        .windows(alice.secret.len())
        .any(|x| x == alice.secret.as_bytes()));
}

#[test]
fn bad_reports_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "hello\n").unwrap();
    for args in [
        &["verify", "notes.txt"][..],
        &["verify", "missing.json"][..],
        &["verify", "notes.txt", "--verify-timeout", "0"][..],
    ] {
        let out = run(dir.path(), args, &[], None);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(!out.stderr.is_empty());
    }
    let out = run(dir.path(), &["verify", "-"], &[], Some(b"{\"version\": 1}"));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an unleak JSON report"));
    // An empty report: nothing to judge, nothing found, exit 0.
    let out = run(
        dir.path(),
        &["verify", "-"],
        &[],
        Some(b"{\"version\": 1, \"findings\": []}"),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
