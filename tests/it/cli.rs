//! The `unleak` binary end to end on files made in temp dirs: formats, exit codes, redaction,
//! baselines, configuration, stdin, unreadable and odd files.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use unleak_testsupport::git::git;
use unleak_testsupport::unleak::{run as run_with_stdin, Run};

const KEY_ID: &str = "AKIA53SKXVNR5HSXUM4I";
const SECRET: &str = "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";

fn unleak() -> Command {
    let mut c = unleak_testsupport::unleak::command();
    c.env_remove("NO_COLOR").env("UNLEAK_TEST", "1");
    c
}

fn run(cmd: &mut Command) -> Run {
    run_with_stdin(cmd, None)
}

/// A temp dir that is not inside a git repository, with an empty config so nothing of the
/// project's own `.unleak.toml` applies.
fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(".unleak.toml"), "").unwrap();
    d
}

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn leaky_env() -> String {
    format!("AWS_ACCESS_KEY_ID={KEY_ID}\nAWS_SECRET_ACCESS_KEY={SECRET}\n")
}

/// `unleak scan . --format json` run in `dir`: paths are reported as typed, so relative to it.
fn json_scan(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let r = run(unleak()
        .current_dir(dir)
        .args(["scan", "."])
        .args(["--format", "json"])
        .args(extra));
    let v: Value = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("bad JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

#[test]
fn clean_tree_exits_0_and_findings_exit_1() {
    let d = tree();
    write(d.path(), "src/app.py", "print('hello')\n");
    assert_eq!(run(unleak().arg("scan").arg(d.path())).code, 0);
    write(d.path(), "config/.env", &leaky_env());
    let r = run(unleak().arg("scan").arg(d.path()));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("config/.env:1:19"), "{}", r.stdout);
}

#[test]
fn errors_exit_2_with_a_message() {
    let r = run(unleak().args(["scan", "/definitely/not/here"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("/definitely/not/here"), "{}", r.stderr);
    let r = run(unleak().args(["scan", "--format", "yaml", "."]));
    assert_eq!(r.code, 2);
    let r = run(unleak().args(["scan", "--max-file-size", "lots", "."]));
    assert_eq!(r.code, 2);
    let r = run(unleak().args(["frobnicate"]));
    assert_eq!(r.code, 2);
}

#[test]
fn json_report_has_the_documented_schema_and_redacts() {
    let d = tree();
    write(d.path(), ".env", &leaky_env());
    let (code, v) = json_scan(d.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(v["version"], 1);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 2, "{v:#}");
    let id = f.iter().find(|x| x["kind"] == "aws-access-key-id").unwrap();
    let sk = f
        .iter()
        .find(|x| x["kind"] == "aws-secret-access-key")
        .unwrap();
    for k in [
        "id",
        "rule_id",
        "kind",
        "description",
        "path",
        "line",
        "end_line",
        "column",
        "secret",
        "confidence",
    ] {
        assert!(!id[k].is_null(), "missing {k}");
    }
    assert_eq!(id["secret"], KEY_ID, "key ids are identifiers, shown whole");
    assert_eq!(sk["secret"], "gVm3…", "secrets are redacted");
    assert_eq!(sk["path"], ".env");
    assert_eq!(sk["line"], 2);
    assert_eq!(id["pair"]["secret"], "gVm3…");
    assert!(id["id"].as_str().unwrap().starts_with("v2:"));
    assert_eq!(id["id"].as_str().unwrap().len(), 35);
    for k in [
        "files",
        "bytes",
        "duration_ms",
        "skipped_binary",
        "skipped_large",
    ] {
        assert!(v["stats"][k].is_u64(), "stats.{k}");
    }
    // Nothing anywhere in any format shows the secret unless asked.
    for fmt in ["text", "json", "jsonl", "sarif"] {
        let r = run(unleak().arg("scan").arg(d.path()).args(["--format", fmt]));
        assert!(
            !r.stdout.contains(SECRET) && !r.stderr.contains(SECRET),
            "{fmt} leaked the secret"
        );
    }
    let (_, shown) = json_scan(d.path(), &["--show-secrets"]);
    assert!(shown.to_string().contains(SECRET));
}

#[test]
fn fingerprints_do_not_depend_on_position() {
    let d = tree();
    write(d.path(), "a.env", &leaky_env());
    let (_, v1) = json_scan(d.path(), &[]);
    write(
        d.path(),
        "a.env",
        &format!("# moved down\n\n{}", leaky_env()),
    );
    let (_, v2) = json_scan(d.path(), &[]);
    assert_eq!(v1["findings"][0]["id"], v2["findings"][0]["id"]);
    assert_ne!(v1["findings"][0]["line"], v2["findings"][0]["line"]);
}

#[test]
fn jsonl_streams_one_finding_a_line() {
    let d = tree();
    write(d.path(), "x.env", &leaky_env());
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .args(["--format", "jsonl"]));
    assert_eq!(r.code, 1);
    let lines: Vec<Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| l["rule_id"].is_string()));
}

#[test]
fn output_file() {
    let d = tree();
    write(d.path(), "x.env", &leaky_env());
    let out = d.path().join("report.json");
    let r = run(unleak()
        .arg("scan")
        .arg(d.path().join("x.env"))
        .args(["--format", "json", "--output"])
        .arg(&out));
    assert_eq!(r.code, 1);
    assert!(r.stdout.is_empty());
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn text_report_escapes_control_characters_and_colours_only_when_asked() {
    let d = tree();
    write(d.path(), "evil\x1b[31m.env", &leaky_env());
    let r = run(unleak().arg("scan").arg(d.path()));
    assert!(
        !r.stdout.contains('\x1b'),
        "raw escape in output: {:?}",
        r.stdout
    );
    assert!(r.stdout.contains("evil\\u{1b}[31m.env"), "{}", r.stdout);
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .args(["--color", "always"]));
    assert!(r.stdout.contains("\x1b[1m"));
    let r = run(unleak().arg("scan").arg(d.path()).args(["--color", "auto"]));
    assert!(!r.stdout.contains("\x1b[1m"), "not a terminal: no colour");
}

#[test]
fn stdin_is_scanned() {
    let r = run_with_stdin(
        unleak().args(["scan", "-", "--format", "json", "--config", "/dev/null"]),
        Some(leaky_env().as_bytes()),
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["findings"][0]["path"], "-");
    let r = run_with_stdin(
        unleak().args(["scan", "-", "--config", "/dev/null"]),
        Some(b"nothing here\n"),
    );
    assert_eq!(r.code, 0);
}

#[test]
fn hidden_files_are_scanned_and_dot_git_is_not() {
    let d = tree();
    write(
        d.path(),
        ".aws/credentials",
        &format!("[default]\naws_access_key_id = {KEY_ID}\naws_secret_access_key = {SECRET}\n"),
    );
    write(d.path(), ".git/config", &leaky_env());
    let (_, v) = json_scan(d.path(), &[]);
    let paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&".aws/credentials"), "{paths:?}");
    assert!(!paths.iter().any(|p| p.starts_with(".git/")), "{paths:?}");
}

#[test]
fn gitignored_files_are_skipped_in_git_work_trees_unless_no_ignore() {
    let d = tree();
    git(d.path(), &["init", "-q"]);
    write(d.path(), ".gitignore", "secrets.env\n");
    write(d.path(), "secrets.env", &leaky_env());
    assert_eq!(run(unleak().arg("scan").arg(d.path())).code, 0);
    assert_eq!(
        run(unleak().arg("scan").arg(d.path()).arg("--no-ignore")).code,
        1
    );
    // Outside a git repository, .gitignore means nothing.
    let plain = tree();
    write(plain.path(), ".gitignore", "secrets.env\n");
    write(plain.path(), "secrets.env", &leaky_env());
    assert_eq!(run(unleak().arg("scan").arg(plain.path())).code, 1);
}

#[test]
fn baseline_hides_known_findings_only() {
    let d = tree();
    write(d.path(), "old.env", &leaky_env());
    let base = d.path().join("baseline.txt");
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .arg("--write-baseline")
        .arg(&base));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let text = std::fs::read_to_string(&base).unwrap();
    assert!(
        !text.contains(SECRET) && !text.contains(".env"),
        "no secrets, no paths: {text}"
    );
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines.len(), 2);
    let sorted = {
        lines.sort();
        lines.clone()
    };
    assert_eq!(
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>(),
        sorted,
        "sorted"
    );
    // Same baseline again: byte-identical (no churn).
    run(unleak()
        .arg("scan")
        .arg(d.path())
        .arg("--write-baseline")
        .arg(&base));
    assert_eq!(std::fs::read_to_string(&base).unwrap(), text);
    assert_eq!(
        run(unleak()
            .arg("scan")
            .arg(d.path())
            .arg("--baseline")
            .arg(&base))
        .code,
        0
    );
    write(
        d.path(),
        "new.py",
        "db = 'postgres://app:N3w-Leak-2024@db/app'\n",
    );
    let (code, v) = json_scan(d.path(), &["--baseline", base.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["kind"], "db-password");
    write(d.path(), "bad-baseline", "not a baseline\n");
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .arg("--baseline")
        .arg(d.path().join("bad-baseline")));
    assert_eq!(r.code, 2);
}

#[test]
fn config_allowlists_disables_and_extends() {
    let d = tree();
    write(d.path(), "fixtures/keys.env", &leaky_env());
    write(d.path(), "docs/setup.md", "DB_PASSWORD=Docs-Pa55word\n");
    write(d.path(), "src/acme.txt", "token: acme_Zx81Kq0Lm3Np5Rt7\n");
    write(
        d.path(),
        ".unleak.toml",
        r#"
[allow]
paths = ["fixtures/**"]
[[allow.rules_in_paths]]
rules = ["db-password-assignment"]
paths = ["docs/**"]

[[rules.extra]]
id = "acme-token"
name = "ACME token"
kind = "acme-token"
keywords = ["acme_"]
regex = '''(?P<secret>acme_[A-Za-z0-9]{16})'''
examples = ["acme_Zx81Kq0Lm3Np5Rt7"]
"#,
    );
    let (code, v) = json_scan(d.path(), &[]);
    assert_eq!(code, 1);
    let f = v["findings"].as_array().unwrap();
    assert_eq!(f.len(), 1, "{v:#}");
    assert_eq!(f[0]["rule_id"], "acme-token");
    // The fixture, and the configuration itself (its rule examples are not findings).
    assert_eq!(v["stats"]["skipped_allowlisted"], 2);
    // Fingerprint allowlist and disabling rules.
    let fp = f[0]["id"].as_str().unwrap().to_string();
    write(d.path(), ".unleak.toml", &format!("[allow]\npaths = [\"fixtures/**\"]\nfingerprints = [\"{fp}\"]\n[rules]\ndisable = [\"db-password-assignment\", \"generic-api-key\"]\n"));
    assert_eq!(run(unleak().arg("scan").arg(d.path())).code, 0);
}

#[test]
fn invalid_config_exits_2_naming_file_and_line() {
    let d = tree();
    write(
        d.path(),
        ".unleak.toml",
        "[allow]\npaths = [\"ok\"]\nfingerprints = 3\n",
    );
    let r = run(unleak().arg("scan").arg(d.path()));
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(".unleak.toml") && r.stderr.contains("line 3"),
        "{}",
        r.stderr
    );
    write(d.path(), ".unleak.toml", "[[rules.extra]]\nid = \"x\"\nname = \"x\"\nkind = \"x\"\nkeywords = [\"xx\"]\nregex = \"(?P<secret>[\"\nexamples = [\"xx\"]\n");
    let r = run(unleak().arg("scan").arg(d.path()));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("regex"), "{}", r.stderr);
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .args(["--config", "/nonexistent.toml"]));
    assert_eq!(r.code, 2);
}

#[test]
fn allow_marker_suppresses_a_line() {
    let d = tree();
    write(
        d.path(),
        "a.py",
        &format!("KEY = '{KEY_ID}'  # unleak:allow\n"),
    );
    assert_eq!(run(unleak().arg("scan").arg(d.path())).code, 0);
}

#[test]
fn large_binary_and_odd_files() {
    let d = tree();
    let big = format!("{}{}", "x".repeat(4096), leaky_env());
    write(d.path(), "big.env", &big);
    let mut bin = vec![0u8; 16];
    bin.extend_from_slice(leaky_env().as_bytes());
    std::fs::write(d.path().join("blob.bin"), &bin).unwrap();
    // UTF-16 with a BOM is decoded; invalid UTF-8 does not drop a file.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in leaky_env().encode_utf16() {
        utf16.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(d.path().join("utf16.env"), &utf16).unwrap();
    let mut latin = b"caf\xe9 \xff\n".to_vec();
    latin.extend_from_slice(leaky_env().as_bytes());
    std::fs::write(d.path().join("latin1.env"), &latin).unwrap();
    // A symlink loop and a non-UTF-8 file name.
    std::os::unix::fs::symlink(".", d.path().join("loop")).unwrap();
    use std::os::unix::ffi::OsStrExt;
    let odd = d.path().join(std::ffi::OsStr::from_bytes(b"odd-\xff.env"));
    std::fs::write(&odd, leaky_env()).unwrap();

    let r = run(unleak().current_dir(d.path()).args([
        "scan",
        ".",
        "--format",
        "json",
        "--max-file-size",
        "1k",
    ]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut paths: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    paths.dedup();
    assert_eq!(
        paths,
        vec!["latin1.env", "odd-\u{fffd}.env", "utf16.env"],
        "{v:#}"
    );
    assert_eq!(v["stats"]["skipped_large"], 1);
    assert_eq!(v["stats"]["skipped_binary"], 1);
    assert!(
        r.stderr.contains("big.env") && r.stderr.contains("max-file-size"),
        "{}",
        r.stderr
    );
}

#[test]
fn unreadable_file_is_a_warning_not_an_abort() {
    use std::os::unix::fs::PermissionsExt;
    let d = tree();
    write(d.path(), "ok.env", &leaky_env());
    let locked = write(d.path(), "locked.env", &leaky_env());
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        d.path().join(".unleak.toml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(
        d.path().join("ok.env"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let mut cmd = unleak();
    // Root reads anything: drop privileges so the permission bits mean something.
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    if is_root {
        cmd = Command::new("setpriv");
        cmd.args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            unleak_testsupport::unleak::bin(),
        ]);
    }
    let r = run(cmd.arg("scan").arg(d.path()).args(["--format", "json"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("locked.env") && r.stderr.contains("cannot read"),
        "{}",
        r.stderr
    );
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["stats"]["errors"], 1);
    assert_eq!(v["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn rules_list_and_check() {
    let r = run(unleak().args(["rules", "list"]));
    assert_eq!(r.code, 0);
    for id in [
        "aws-access-key-id",
        "aws-secret-access-key",
        "private-key-pem",
        "db-password-uri",
    ] {
        assert!(r.stdout.contains(id), "{id} missing from rules list");
    }
    // Each rule's family is its file; the last line counts the families, and they add up.
    let last = r.stdout.lines().last().unwrap_or_default();
    assert!(last.contains(" families: aws "), "{last}");
    let total: usize = last.split_whitespace().next().unwrap().parse().unwrap();
    let (_, counts) = last.split_once("families: ").unwrap();
    let summed: usize = counts
        .split(", ")
        .map(|c| c.rsplit_once(' ').unwrap().1.parse::<usize>().unwrap())
        .sum();
    assert_eq!(summed, total, "{last}");
    assert!(
        counts.contains("chat ") && counts.contains("databases "),
        "{last}"
    );
    let json: Value =
        serde_json::from_str(&run(unleak().args(["rules", "list", "--json"])).stdout).unwrap();
    let chat = json
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["family"] == "chat")
        .count();
    assert!(chat > 0, "rules list --json names each rule's family");
    let d = tree();
    let good = write(d.path(), "good.toml", "[[rules]]\nid = \"acme\"\nname = \"ACME\"\nkind = \"acme\"\nkeywords = [\"acme_\"]\nregex = '''(?P<secret>acme_[a-z0-9]{8})'''\nexamples = [\"acme_abcd1234\"]\nnegative_examples = [\"acme_short\"]\n");
    assert_eq!(run(unleak().args(["rules", "check"]).arg(&good)).code, 0);
    let bad = write(d.path(), "bad.toml", "[[rules]]\nid = \"acme\"\nname = \"ACME\"\nkind = \"acme\"\nkeywords = [\"acme_\"]\nregex = '''(?P<secret>acme_[a-z0-9]{8})'''\nexamples = [\"acme_SHOUTING\"]\n");
    let r = run(unleak().args(["rules", "check"]).arg(&bad));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("example not found"), "{}", r.stderr);
    let none = write(d.path(), "none.toml", "[[rules]]\nid = \"acme\"\nname = \"ACME\"\nkind = \"acme\"\nkeywords = [\"acme_\"]\nregex = '''(?P<secret>acme_[a-z0-9]{8})'''\nexamples = []\n");
    let r = run(unleak().args(["rules", "check"]).arg(&none));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("example"), "{}", r.stderr);
}

/// SARIF 2.1.0's schema, taken from an npm package that ships it (cached under target/).
fn sarif_schema() -> Value {
    if let Ok(p) = std::env::var("UNLEAK_SARIF_SCHEMA") {
        return serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap();
    }
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sarif-2.1.0-rtm.5.json");
    if !cache.exists() {
        let tmp = tempfile::tempdir().unwrap();
        let pack = Command::new("npm")
            .args(["pack", "--silent", "@microsoft/jest-sarif@1.0.0-beta.0"])
            .current_dir(tmp.path())
            .output()
            .expect("npm is needed to fetch the SARIF schema (or set UNLEAK_SARIF_SCHEMA)");
        assert!(
            pack.status.success(),
            "npm pack failed: {}",
            String::from_utf8_lossy(&pack.stderr)
        );
        let tgz = String::from_utf8_lossy(&pack.stdout).trim().to_string();
        let ok = Command::new("tar")
            .args(["xzf", &tgz, "package/lib/schemas/sarif-2.1.0-rtm.5.json"])
            .current_dir(tmp.path())
            .status()
            .unwrap();
        assert!(ok.success());
        std::fs::copy(
            tmp.path()
                .join("package/lib/schemas/sarif-2.1.0-rtm.5.json"),
            &cache,
        )
        .unwrap();
    }
    serde_json::from_str(&std::fs::read_to_string(cache).unwrap()).unwrap()
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let d = tree();
    write(d.path(), "dir with space/app.env", &leaky_env());
    write(
        d.path(),
        "db.py",
        "URL = 'postgres://app:Summer2024%21@db/app'\n",
    );
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .args(["--format", "sarif"]));
    assert_eq!(r.code, 1);
    let doc: Value = serde_json::from_str(&r.stdout).unwrap();
    // The published schema's `language` patterns have a lone `]`, valid in ECMA-262 but rejected
    // by the meta-schema's regex check here: escape it (same meaning), validate everything else.
    let text = sarif_schema().to_string().replace("{2}]?$", "{2}\\\\]?$");
    let schema: Value = serde_json::from_str(&text).unwrap();
    let validator = jsonschema::options()
        .build(&schema)
        .expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
    let run0 = &doc["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for res in results {
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
        let uri = res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        assert!(!uri.starts_with('/'), "relative URIs: {uri}");
        assert!(
            res["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    assert!(results.iter().any(
        |r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            == "dir%20with%20space/app.env"
    ));
}

#[test]
fn the_project_itself_scans_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let r = run(unleak().arg("scan").arg(root));
    assert_eq!(
        r.code, 0,
        "the project's own scan must be clean:\n{}{}",
        r.stdout, r.stderr
    );
}

/// A git work tree in a temp dir with `git` configured for commits.
fn git_tree() -> tempfile::TempDir {
    let d = tree();
    git(d.path(), &["init", "-q"]);
    git(d.path(), &["config", "user.name", "T"]);
    git(d.path(), &["config", "user.email", "t@example.test"]);
    d
}

/// Streams given by name are read (FIFO, `/dev/stdin`), not skipped as "not a file".
#[test]
fn fifos_and_dev_stdin_given_as_path_are_read_as_streams() {
    let d = tree();
    let fifo = d.path().join("pipe");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::write(fifo, leaky_env()).unwrap())
    };
    let r = run(unleak().arg("scan").arg(&fifo).arg("--no-config"));
    // Should unleak never have opened the FIFO, a reader opened here lets the writer finish
    // (O_NONBLOCK: open does not wait for a writer either), so the test fails, not hangs.
    let _unblock = {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(0o4000)
            .open(&fifo)
    };
    writer.join().unwrap();
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let r = run_with_stdin(
        unleak().args(["scan", "/dev/stdin", "--no-config"]),
        Some(leaky_env().as_bytes()),
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // A stream over the limit is not scanned, and that makes the scan incomplete.
    let r = run_with_stdin(
        unleak().args(["scan", "/dev/stdin", "--max-file-size", "16", "--no-config"]),
        Some(b"nothing, but more than sixteen bytes\n"),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    let r = run_with_stdin(
        unleak().args(["scan", "-", "--max-file-size", "16", "--no-config"]),
        Some(b"nothing, but more than sixteen bytes\n"),
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
}

/// What was asked for and could not be read is never a clean result: exit 3.
#[test]
fn explicit_inputs_not_read_in_full_make_the_scan_incomplete() {
    let d = tree();
    let f = write(d.path(), "notes.txt", &"nothing secret here\n".repeat(100));
    let r = run(unleak().arg("scan").arg(&f).args(["--max-file-size", "1k"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr.contains("notes.txt") && r.stderr.contains("incomplete"),
        "{}",
        r.stderr
    );
    // In a directory walk, the size limit is a documented skip, not an error.
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .args(["--max-file-size", "1k"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    // A file that exists but cannot be read (as root too: /proc/self/mem at offset 0).
    let r = run(unleak().args(["scan", "/proc/self/mem", "--no-config"]));
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("cannot read"), "{}", r.stderr);
    // A limit of 0 would skip everything: refused.
    let r = run(unleak()
        .arg("scan")
        .arg(d.path())
        .args(["--max-file-size", "0"]));
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("max-file-size"), "{}", r.stderr);
}

/// Repro 05: the LFS header line alone does not make a pointer; the staged scan, which
/// skips real pointers, must scan this file.
#[test]
fn lfs_header_line_does_not_hide_a_file() {
    let d = git_tree();
    write(d.path(), "a", "x\n");
    git(d.path(), &["add", "a"]);
    git(d.path(), &["commit", "-qm", "a"]);
    write(
        d.path(),
        "creds.env",
        &format!(
            "version https://git-lfs.github.com/spec/v1\n{}",
            leaky_env()
        ),
    );
    git(d.path(), &["add", "creds.env"]);
    let r = run(unleak().args(["scan", "--staged"]).arg(d.path()));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    // A real pointer stays unscanned.
    let oid = "ab".repeat(32);
    write(
        d.path(),
        "big.bin",
        &format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 42\n"),
    );
    git(d.path(), &["rm", "-q", "--cached", "creds.env"]);
    git(d.path(), &["add", "big.bin"]);
    let r = run(unleak().args(["scan", "--staged"]).arg(d.path()));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

/// Encodings and NUL bytes that hid text: a UTF-16 mark in front of ASCII, one NUL near the
/// start, UTF-16 and UTF-32 without a mark.
#[test]
fn encodings_and_stray_nuls_do_not_hide_secrets() {
    let d = tree();
    let env = leaky_env();
    let mut bom_ascii = vec![0xFF, 0xFE];
    bom_ascii.extend_from_slice(env.as_bytes());
    let mut one_nul = b"header\0\n".to_vec();
    one_nul.extend_from_slice(env.as_bytes());
    let le16: Vec<u8> = env.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let be16: Vec<u8> = env.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let le32: Vec<u8> = env.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
    let be32: Vec<u8> = env.chars().flat_map(|c| (c as u32).to_be_bytes()).collect();
    let files = [
        ("bom-ascii.env", bom_ascii),
        ("one-nul.env", one_nul),
        ("le16.env", le16),
        ("be16.env", be16),
        ("le32.env", le32),
        ("be32.env", be32),
    ];
    for (name, bytes) in &files {
        std::fs::write(d.path().join(name), bytes).unwrap();
    }
    let (code, v) = json_scan(d.path(), &["--show-secrets"]);
    assert_eq!(code, 1);
    for (name, _) in &files {
        let found: Vec<&Value> = v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["path"] == *name)
            .collect();
        assert!(found.iter().any(|f| f["secret"] == SECRET), "{name}: {v:#}");
    }
}

/// A file `.gitignore` ignores but git tracks (`git add -f`) is committed: it is scanned.
#[test]
fn tracked_files_are_scanned_even_if_gitignore_ignores_them() {
    let d = git_tree();
    write(d.path(), ".gitignore", "*.env\nbuild/\n");
    write(d.path(), "prod.env", &leaky_env());
    write(d.path(), "build/deploy.sh", &leaky_env());
    write(d.path(), "local.env", &leaky_env()); // ignored and untracked: skipped
    git(d.path(), &["add", ".gitignore"]);
    git(d.path(), &["add", "-f", "prod.env", "build/deploy.sh"]);
    let (code, v) = json_scan(d.path(), &[]);
    assert_eq!(code, 1);
    let mut paths: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths, ["build/deploy.sh", "prod.env"], "{v:#}");
    // The same from inside a subdirectory of the work tree.
    let (code, v) = json_scan(&d.path().join("build"), &[]);
    assert_eq!(code, 1, "{v:#}");
}

/// Repro 10: a committed `.gitignore` that links to /dev/zero (4 GB read before) and a FIFO
/// named `.gitignore` (a hang before): neither is read, the rest is scanned.
#[test]
fn a_gitignore_that_is_not_a_regular_file_is_not_read() {
    let d = git_tree();
    std::os::unix::fs::symlink("/dev/zero", d.path().join(".gitignore")).unwrap();
    write(d.path(), "a.env", &leaky_env());
    let r = run(unleak().arg("scan").arg(d.path()));
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains(".gitignore"), "{}", r.stderr);

    let d = git_tree();
    write(d.path(), "sub/a.env", &leaky_env());
    let fifo = d.path().join("sub/.gitignore");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let mut child = unleak()
        .arg("scan")
        .arg(d.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("a FIFO named .gitignore hangs the scan");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(1));
}

/// In-tree configuration can allowlist the tree's own secrets: `--no-config` ignores it, and
/// `--history` of a repository outside the current directory does not apply it by default.
#[test]
fn in_tree_configuration_can_be_ignored_for_audits() {
    let d = git_tree();
    write(d.path(), "app.env", &leaky_env());
    write(d.path(), ".unleak.toml", "[allow]\npaths = [\"app.env\"]\n");
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-qm", "x"]);
    assert_eq!(run(unleak().arg("scan").arg(d.path())).code, 0);
    assert_eq!(
        run(unleak().arg("scan").arg(d.path()).arg("--no-config")).code,
        1
    );
    // From elsewhere, a history audit does not trust the repository's own allowlist...
    let elsewhere = tempfile::tempdir().unwrap();
    let r = run(unleak()
        .current_dir(elsewhere.path())
        .args(["scan", "--history"])
        .arg(d.path()));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.contains(".unleak.toml"), "{}", r.stderr);
    // ...from inside it (your own repository), it does.
    let r = run(unleak().current_dir(d.path()).args(["scan", "--history"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
}

/// The confidence policy: a password under tests/ or docs is `low` (an example or a throwaway
/// test database), listed in JSON with its confidence but neither failing the scan nor shown
/// in the text report unless `--min-confidence low`; the same password in deployment
/// configuration is `medium` and fails it; a generated-looking one there is `high`.
#[test]
fn low_confidence_findings_are_reported_but_do_not_fail_by_default() {
    // Generated here, not written out: the project's own scan must stay clean.
    let weak = format!("Winter{}!", 2000 + std::process::id() % 900);
    let generated = format!("q8Zr!vN2-kLw5Tx{}", std::process::id() % 97);
    let d = tree();
    write(
        d.path(),
        "tests/fixtures/db.env",
        &format!("DB_PASSWORD={weak}\n"),
    );
    write(
        d.path(),
        "docs/setup.md",
        &format!("    DB_PASSWORD={weak}\n"),
    );
    let (code, json) = json_scan(d.path(), &[]);
    assert_eq!(code, 0, "only low-confidence findings: the scan passes");
    let found = json["findings"].as_array().unwrap();
    assert_eq!(found.len(), 2, "both are in the JSON report: {json}");
    assert!(found.iter().all(|f| f["confidence"] == "low"), "{json}");

    let text = run(unleak().arg("scan").arg(d.path()).arg("--no-config"));
    assert_eq!(text.code, 0, "{}", text.stderr);
    assert!(
        !text.stdout.contains("setup.md"),
        "text lists only what fails: {}",
        text.stdout
    );
    assert!(
        text.stderr.contains("2 finding(s) below medium confidence"),
        "a note counts what was left out: {}",
        text.stderr
    );
    let all =
        run(unleak()
            .arg("scan")
            .arg(d.path())
            .args(["--no-config", "--min-confidence", "low"]));
    assert_eq!(
        all.code, 1,
        "--min-confidence low fails on them: {}",
        all.stderr
    );
    assert!(all.stdout.contains("setup.md"), "{}", all.stdout);

    write(
        d.path(),
        "deploy/prod.env",
        &format!("DB_PASSWORD={weak}\nAPI_DB_PASSWORD={generated}\n"),
    );
    let (code, json) = json_scan(d.path(), &[]);
    assert_eq!(
        code, 1,
        "a weak password in deployment configuration fails the scan"
    );
    let conf = |line: u64| {
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"].as_str().unwrap().ends_with("prod.env") && f["line"] == line)
            .map(|f| f["confidence"].as_str().unwrap().to_string())
    };
    assert_eq!(conf(1).as_deref(), Some("medium"), "{json}");
    assert_eq!(conf(2).as_deref(), Some("high"), "{json}");
    let bad = run(unleak()
        .arg("scan")
        .arg(d.path())
        .args(["--min-confidence", "certain"]));
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}
