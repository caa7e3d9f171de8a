//! What the binary prints never gives a secret away: report previews with several secrets on
//! a line (paired, unpaired, repeated, encoded) in every format, error messages about bad
//! baselines and allowlists, control characters in messages; and fingerprints that cannot be
//! inverted cheaply, with old baselines still matching (and warned about).

use std::path::Path;
use std::process::{Command, Stdio};

use unleak_testsupport::unleak::Run;

fn unleak(dir: &Path) -> Command {
    let mut c = unleak_testsupport::unleak::command();
    c.current_dir(dir)
        .env_remove("NO_COLOR")
        .env_remove("UNLEAK_FINGERPRINT_KEY")
        .stdin(Stdio::null());
    c
}

fn run(c: &mut Command) -> Run {
    unleak_testsupport::unleak::run(c, None)
}

/// A temp dir outside any git repository with an empty config.
fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(".unleak.toml"), "").unwrap();
    d
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

fn b64(s: &str) -> String {
    use std::fmt::Write;
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = s.as_bytes();
    let mut out = String::new();
    for chunk in b.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | (c as u32) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.write_char('=').unwrap();
            }
        }
    }
    out
}

/// Fails if any 8 characters of `secret` are in `out`.
fn assert_hidden(out: &str, secret: &str, what: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(8) {
        let w: String = w.iter().collect();
        assert!(
            !out.contains(&w),
            "{what}: `{w}` of `{secret}` shown:\n{out}"
        );
    }
}

// The fake credentials of /work/shared/repro/04 (tests/ is allowlisted in unleak's config).
const CSV_ID: &str = "AKIAQ27POEDLB3HIIKWB";
const CSV_SECRET: &str = "khaqDFuo4qMtVxFShQ+qcPV3BCB7RIypnCaP/e5s";
const DUP_PW: &str = "Xq7-Tz9!pLm2";
const PG_PW: &str = "Pg-S3cretVal";
const GH_TOKEN: &str = "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";
const K8S_ID: &str = "AKIA53SKXVNR5HSXUM4I";
const K8S_SECRET: &str = "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";
const STRAY: &str = "zq8WvT3nBc5Lr9Xk2Jm7";

/// Lines with two and three secrets (paired, unpaired, repeated, one no rule reports) and a
/// Kubernetes Secret holding a credentials file; returns every secret that must not show.
fn plant(d: &Path) -> (Vec<String>, String) {
    write(
        d,
        "creds.csv",
        &format!("alice,,{CSV_ID},{CSV_SECRET},https://x.signin.aws.amazon.com/console\n"),
    );
    write(
        d,
        "dup.env",
        &format!("DB_PASSWORD=\"{DUP_PW}\" # previous: {DUP_PW}\n"),
    );
    write(
        d,
        "two.sh",
        &format!("export PGPASSWORD={PG_PW} GITHUB_TOKEN={GH_TOKEN}\n"),
    );
    write(
        d,
        "three.env",
        &format!(
            "aws_access_key_id={K8S_ID} aws_secret_access_key={K8S_SECRET} DB_PASSWORD={PG_PW}x session {STRAY}\n"
        ),
    );
    let encoded = b64(&format!(
        "[default]\naws_access_key_id={K8S_ID}\naws_secret_access_key={K8S_SECRET}\n"
    ));
    write(
        d,
        "k8s.yaml",
        &format!("apiVersion: v1\nkind: Secret\ndata:\n  c: {encoded}\n"),
    );
    let secrets = [
        CSV_SECRET, DUP_PW, PG_PW, GH_TOKEN, K8S_SECRET, STRAY, &encoded,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    (secrets, encoded)
}

#[test]
fn several_secrets_on_a_line_are_all_hidden_in_every_format() {
    let d = tree();
    let (secrets, _) = plant(d.path());
    for format in ["text", "json", "jsonl", "sarif"] {
        let r = run(unleak(d.path()).args(["scan", ".", "--color", "never", "-f", format]));
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        for s in &secrets {
            assert_hidden(&r.stdout, s, format);
            assert_hidden(&r.stderr, s, format);
        }
    }
    // They were found (and are shown when asked for): the check above is not vacuous.
    let r = run(unleak(d.path()).args(["scan", ".", "-f", "json", "--show-secrets"]));
    for s in [CSV_SECRET, DUP_PW, PG_PW, GH_TOKEN, K8S_SECRET] {
        assert!(r.stdout.contains(s), "{s} not found:\n{}", r.stdout);
    }
    // The preview keeps the line's shape: key names and redacted values.
    let r = run(unleak(d.path()).args(["scan", "two.sh", "--color", "never"]));
    assert!(
        r.stdout
            .contains("export PGPASSWORD=Pg-S… GITHUB_TOKEN=ghp_…"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_file_name_with_escape_sequences_is_escaped_in_messages() {
    let d = tree();
    let evil = "x\u{1b}]0;owned\u{7}.env";
    write(d.path(), evil, &format!("DB_PASSWORD={DUP_PW}\n"));
    // An error naming the path, a warning naming it, and the report.
    let r = run(unleak(d.path()).args(["scan", "missing\u{1b}[2J"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("missing\\u{1b}[2J"), "{}", r.stderr);
    let r = run(unleak(d.path()).args(["scan", ".", "--max-file-size", "4", "--color", "never"]));
    assert!(
        r.stderr.contains("x\\u{1b}]0;owned\\u{7}.env"),
        "{}",
        r.stderr
    );
    let r = run(unleak(d.path()).args(["scan", ".", "--color", "never"]));
    for out in [&r.stdout, &r.stderr] {
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out}");
    }
}

#[test]
fn a_file_that_is_not_a_baseline_is_refused_without_echoing_it() {
    let d = tree();
    write(
        d.path(),
        "app.env",
        "# settings\nDB_PASSWORD=Xq7-Tz9pLm2Hn\n",
    );
    let r = run(unleak(d.path()).args(["scan", ".", "--baseline", "app.env"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("line 2"), "{}", r.stderr);
    assert!(r.stderr.contains("FINGERPRINT RULE-ID"), "{}", r.stderr);
    assert_hidden(&r.stderr, "Xq7-Tz9pLm2Hn", "baseline error");
    assert!(!r.stderr.contains("DB_PASSWORD"), "{}", r.stderr);
    // The same for a fingerprint allowlist holding something else.
    write(
        d.path(),
        ".unleak.toml",
        "[allow]\nfingerprints = [\"Xq7-Tz9pLm2Hn\"]\n",
    );
    let r = run(unleak(d.path()).args(["scan", "."]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("entry 1"), "{}", r.stderr);
    assert_hidden(&r.stderr, "Xq7-Tz9pLm2Hn", "allowlist error");
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

#[test]
fn ids_are_argon2_fingerprints_that_agree_everywhere() {
    let d = tree();
    write(d.path(), "a.env", &format!("DB_PASSWORD={DUP_PW}\n"));
    let v = json(&run(unleak(d.path()).args(["scan", ".", "-f", "json"])));
    let id = v["findings"][0]["id"].as_str().unwrap().to_string();
    let rule = v["findings"][0]["rule_id"].as_str().unwrap().to_string();
    assert!(id.starts_with("v2:") && id.len() == 35, "{id}");
    assert_eq!(id, unleak_scan::fingerprint::fingerprint(&rule, DUP_PW));
    assert_ne!(id, unleak_scan::fingerprint::legacy(&rule, DUP_PW));
    let sarif = run(unleak(d.path()).args(["scan", ".", "-f", "sarif"]));
    let s: serde_json::Value = serde_json::from_str(&sarif.stdout).unwrap();
    assert_eq!(
        s["runs"][0]["results"][0]["partialFingerprints"]["unleakFingerprint/v2"],
        id.as_str()
    );
    let jsonl = run(unleak(d.path()).args(["scan", ".", "-f", "jsonl"]));
    assert!(jsonl.stdout.contains(&id), "{}", jsonl.stdout);
    // A baseline holds the same id; the allowlist takes it.
    let b = run(unleak(d.path()).args(["scan", ".", "--write-baseline", "base.txt"]));
    assert_eq!(b.code, 0, "{}", b.stderr);
    let text = std::fs::read_to_string(d.path().join("base.txt")).unwrap();
    assert!(text.contains(&format!("{id} {rule}")), "{text}");
    write(
        d.path(),
        ".unleak.toml",
        &format!("[allow]\nfingerprints = [\"{id}\"]\n"),
    );
    let r = run(unleak(d.path()).args(["scan", "a.env"]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn old_baselines_and_allowlists_still_match_with_a_warning() {
    let d = tree();
    write(d.path(), "a.env", &format!("DB_PASSWORD={DUP_PW}\n"));
    let v = json(&run(unleak(d.path()).args(["scan", ".", "-f", "json"])));
    let rule = v["findings"][0]["rule_id"].as_str().unwrap().to_string();
    let old = unleak_scan::fingerprint::legacy(&rule, DUP_PW);
    write(d.path(), "old.txt", &format!("# old\n{old} {rule}\n"));
    let r = run(unleak(d.path()).args(["scan", "a.env", "--baseline", "old.txt"]));
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains("old format") && r.stderr.contains("--write-baseline"),
        "{}",
        r.stderr
    );
    // Rewriting it gives the new format, and the warning goes.
    run(unleak(d.path()).args(["scan", "a.env", "--write-baseline", "old.txt"]));
    let r = run(unleak(d.path()).args(["scan", "a.env", "--baseline", "old.txt"]));
    assert_eq!(r.code, 0);
    assert!(!r.stderr.contains("old format"), "{}", r.stderr);
    write(
        d.path(),
        ".unleak.toml",
        &format!("[allow]\nfingerprints = [\"{}\"]\n", old.to_uppercase()),
    );
    let r = run(unleak(d.path()).args(["scan", "a.env"]));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stderr.contains("allow.fingerprints") && r.stderr.contains("old format"),
        "{}",
        r.stderr
    );
}

#[test]
fn an_organisation_key_gives_keyed_ids_that_only_match_with_the_key() {
    let d = tree();
    write(d.path(), "a.env", &format!("DB_PASSWORD={DUP_PW}\n"));
    let key = "org-key-0123456789abcdef";
    let keyed = |c: &mut Command| {
        c.env("UNLEAK_FINGERPRINT_KEY", key);
    };
    let mut c = unleak(d.path());
    keyed(&mut c);
    let v = json(&run(c.args(["scan", ".", "-f", "json"])));
    let id = v["findings"][0]["id"].as_str().unwrap().to_string();
    assert!(id.starts_with("k2:"), "{id}");
    let plain = json(&run(unleak(d.path()).args(["scan", ".", "-f", "json"])));
    assert_ne!(plain["findings"][0]["id"].as_str().unwrap()[3..], id[3..]);
    let mut c = unleak(d.path());
    keyed(&mut c);
    assert_eq!(
        run(c.args(["scan", ".", "--write-baseline", "k.txt"])).code,
        0
    );
    let mut c = unleak(d.path());
    keyed(&mut c);
    assert_eq!(
        run(c.args(["scan", "a.env", "--baseline", "k.txt"])).code,
        0
    );
    // Without the key, the keyed baseline matches nothing, and says why.
    let r = run(unleak(d.path()).args(["scan", "a.env", "--baseline", "k.txt"]));
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("UNLEAK_FINGERPRINT_KEY is not set"),
        "{}",
        r.stderr
    );
    // A key that could be guessed is refused.
    let r = run(unleak(d.path())
        .env("UNLEAK_FINGERPRINT_KEY", "short")
        .args(["scan", "a.env"]));
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("at least 16 bytes"), "{}", r.stderr);
}
