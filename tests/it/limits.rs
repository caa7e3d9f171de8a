//! Bounded inputs, end to end with the real binary: files that steer unleak (configuration,
//! baseline, a report to judge) refused at once when they are FIFOs or devices, stdin within
//! `--max-file-size`, rules that match empty refused, pairs on one long line, and a history
//! blob over the limit packed as a delta base.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use unleak_testsupport::git::Repo;

fn unleak() -> Command {
    let mut c = unleak_testsupport::unleak::command();
    c.env_remove("NO_COLOR").env("UNLEAK_TEST", "1");
    c
}

/// Run with `stdin`, killed if it takes over 20 s (a hang must fail the test, not hold it).
fn run(cmd: &mut Command, stdin: &[u8]) -> (i32, String, String, Duration) {
    use std::io::{Read, Write};
    let started = Instant::now();
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run unleak");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = r.read_to_end(&mut s);
            String::from_utf8_lossy(&s).into_owned()
        })
    };
    let out = drain(Box::new(child.stdout.take().unwrap()));
    let err = drain(Box::new(child.stderr.take().unwrap()));
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            child.kill().unwrap();
            panic!("unleak hung: {cmd:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    (
        status.code().expect("exited normally"),
        out.join().unwrap(),
        err.join().unwrap(),
        started.elapsed(),
    )
}

fn fifo(dir: &Path) -> std::path::PathBuf {
    let p = dir.join("pipe");
    let ok = Command::new("mkfifo").arg(&p).status().unwrap().success();
    assert!(ok, "mkfifo");
    p
}

/// A key id made at run time (the project's own scan stays clean), valid in form.
fn key_id(n: usize) -> String {
    const B32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let tail: String = (0..15)
        .map(|i| B32[(n * 7 + i * 13 + n / 32) % 32] as char)
        .collect();
    format!("{}Q{tail}", "AKIA")
}

fn token40(n: usize) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..40)
        .map(|i| B64[(n * 31 + i * 17 + i * i + n / 64) % 64] as char)
        .collect()
}

#[test]
fn config_baseline_and_reports_that_are_fifos_or_devices_are_refused_at_once() {
    let d = tempfile::tempdir().unwrap();
    let pipe = fifo(d.path());
    std::fs::write(d.path().join("a.txt"), "nothing here\n").unwrap();
    let scan = |flag: &str, file: &Path| {
        let mut c = unleak();
        c.arg("scan")
            .arg(d.path().join("a.txt"))
            .arg(flag)
            .arg(file);
        c
    };
    for file in [pipe.as_path(), Path::new("/dev/zero")] {
        let what = if file == pipe {
            "a FIFO"
        } else {
            "a character device"
        };
        for mut cmd in [scan("--config", file), scan("--baseline", file)] {
            let (code, _, err, took) = run(&mut cmd, b"");
            assert_eq!(code, 2, "{cmd:?}: {err}");
            assert!(
                err.contains(&format!("not a regular file (it is {what})")),
                "{err}"
            );
            assert!(took < Duration::from_secs(5), "{cmd:?} took {took:?}");
        }
        let (code, _, err, _) = run(unleak().arg("verify").arg(file), b"");
        assert_eq!(code, 2, "verify {file:?}: {err}");
        assert!(
            err.contains(&format!("not a regular file (it is {what})")),
            "{err}"
        );
        let (code, _, err, took) = run(unleak().arg("audit").arg("--repos").arg(file), b"");
        assert_eq!(code, 2, "audit --repos {file:?}: {err}");
        assert!(
            err.contains(&format!("not a regular file (it is {what})")),
            "{err}"
        );
        assert!(took < Duration::from_secs(5), "audit --repos took {took:?}");
    }
    // The null device is an empty configuration, as before.
    let (code, _, err, _) = run(scan("--config", Path::new("/dev/null")).arg("-q"), b"");
    assert_eq!(code, 0, "{err}");
}

#[test]
fn stdin_over_max_file_size_is_skipped_not_read_whole() {
    let id = key_id(1);
    let mut input = format!("aws_access_key_id = {id}\n").into_bytes();
    input.resize(300_000, b'\n');
    let args = ["scan", "-", "-f", "json", "--config", "/dev/null"];
    let (code, out, err, _) = run(
        unleak().args(args).args(["--max-file-size", "100K"]),
        &input,
    );
    // Named input not read in full: an incomplete scan (exit 3), never a clean one.
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("larger than --max-file-size"), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["stats"]["skipped_large"], 1, "{out}");
    let (code, out, err, _) = run(unleak().args(args).args(["--max-file-size", "1M"]), &input);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains(&id), "{out}");
}

#[test]
fn a_rule_that_can_match_empty_is_refused_naming_it() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("empty.toml");
    std::fs::write(
        &cfg,
        "[[rules.extra]]\nid = \"maybe-empty\"\nname = \"x\"\nkind = \"x\"\nkeywords = [\"tok\"]\n\
         regex = '''tok(?P<secret>[0-9]*)|(?P<secret_1>[a-z]*)'''\nexamples = [\"tok123\"]\n",
    )
    .unwrap();
    std::fs::write(d.path().join("a.txt"), "tok ".repeat(1000)).unwrap();
    let (code, _, err, _) = run(
        unleak()
            .arg("scan")
            .arg(d.path().join("a.txt"))
            .arg("--config")
            .arg(&cfg),
        b"",
    );
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("maybe-empty") && err.contains("empty string"),
        "{err}"
    );
}

/// Key pairs line after line: every key id paired with the secret key of its own line.
#[test]
fn key_pairs_pair_up_with_their_own_line() {
    let d = tempfile::tempdir().unwrap();
    let n = 2000;
    let text: String = (0..n)
        .map(|i| format!("AccessKeyId={} SecretAccessKey={}\n", key_id(i), token40(i)))
        .collect();
    std::fs::write(d.path().join("keys.env"), text).unwrap();
    let (code, out, err, _) = run(
        unleak().arg("scan").arg(d.path().join("keys.env")).args([
            "-f",
            "jsonl",
            "--config",
            "/dev/null",
            "--show-secrets",
            "--max-findings-per-file",
            "0",
        ]),
        b"",
    );
    assert_eq!(code, 1, "{err}");
    let findings: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<_> = findings
        .iter()
        .filter(|f| f["kind"] == "aws-access-key-id")
        .collect();
    assert_eq!(ids.len(), n);
    for f in ids {
        assert_eq!(f["pair"]["line"], f["line"], "{f}");
    }
}

/// 1,200 distinct password assignments, then an AWS key pair: a file of generated data, or one
/// crafted to make a JSON report slow (an Argon2 id for each finding).
fn dump_with_a_key_at_the_end() -> (String, String, String) {
    let id = unleak_testsupport::keys::random_key_id_for_account(123_456_789_012);
    let secret = unleak_testsupport::keys::secret_access_key();
    let mut text: String = (0..1200)
        .map(|i| {
            format!(
                "password = \"{}{i}\"\n",
                unleak_testsupport::keys::password()
            )
        })
        .collect();
    text.push_str(&format!(
        "aws_access_key_id = {id}\naws_secret_access_key = {secret}\n"
    ));
    (text, id, secret)
}

fn listed(json: &str) -> (Vec<serde_json::Value>, u64) {
    let doc: serde_json::Value = serde_json::from_str(json).expect("a JSON report");
    let unlisted = doc["stats"]["unlisted"].as_u64().unwrap_or(0);
    (doc["findings"].as_array().unwrap().clone(), unlisted)
}

#[test]
fn a_file_with_more_findings_than_the_limit_lists_the_most_confident_and_counts_the_rest() {
    let d = tempfile::tempdir().unwrap();
    let (text, id, secret) = dump_with_a_key_at_the_end();
    std::fs::write(d.path().join("dump.txt"), &text).unwrap();
    let scan = |extra: &[&str]| {
        run(
            unleak()
                .current_dir(d.path())
                .args([
                    "scan",
                    "dump.txt",
                    "-f",
                    "json",
                    "--show-secrets",
                    "--no-config",
                ])
                .args(extra),
            b"",
        )
    };
    let (code, out, err, _) = scan(&["--max-findings-per-file", "0"]);
    assert_eq!(code, 1, "{err}");
    let (all, unlisted) = listed(&out);
    assert_eq!(unlisted, 0);
    assert!(all.len() > 1100, "{} findings", all.len());
    assert!(!err.contains("more are not"), "{err}");

    // The decoys come first in the file; the key pair is listed all the same, and the scan
    // fails on it as it would without the limit.
    let (code, out, err, _) = scan(&["--max-findings-per-file", "100"]);
    assert_eq!(code, 1, "{err}");
    let (some, unlisted) = listed(&out);
    assert_eq!(some.len(), 100);
    assert_eq!(unlisted as usize, all.len() - 100);
    for s in [&id, &secret] {
        assert!(some.iter().any(|f| f["secret"] == **s), "{s} not listed");
    }
    assert!(
        err.contains(&format!(
            "dump.txt: {} findings in one file; the 100 most confident are listed, {} more are not",
            all.len(),
            all.len() - 100
        )),
        "{err}"
    );
    // Those listed are the file's findings, in the file's order.
    let lines: Vec<u64> = some.iter().map(|f| f["line"].as_u64().unwrap()).collect();
    assert!(lines.windows(2).all(|w| w[0] <= w[1]), "{lines:?}");
    assert!(some.iter().all(|f| all.contains(f)));

    // The default limit applies without the flag; the text report says what was left out.
    let (code, out, err, _) = run(
        unleak().current_dir(d.path()).args([
            "scan",
            "dump.txt",
            "--no-config",
            "--color",
            "never",
        ]),
        b"",
    );
    assert_eq!(code, 1, "{err}");
    let default = unleak_scan::context::DEFAULT_MAX_FINDINGS_PER_FILE;
    assert!(
        out.contains(&format!("{} more not listed", all.len() - default)),
        "{out}"
    );

    // History blobs are bounded the same way.
    let repo = Repo::new();
    repo.write("dump.txt", &text);
    repo.commit("data");
    let (code, found, err) =
        unleak_testsupport::unleak::history_json(&repo.path, &["--max-findings-per-file", "100"]);
    assert_eq!(code, 1, "{err}");
    assert_eq!(found.len(), 100);
    for s in [&id, &secret] {
        assert!(found.iter().any(|f| f["secret"] == **s), "{s} not listed");
    }
    assert!(err.contains("more are not"), "{err}");

    // And an audit's.
    let (code, out, err, _) = run(
        unleak().args([
            "audit",
            "--repos",
            "-",
            "-f",
            "json",
            "--show-secrets",
            "--max-findings-per-file",
            "100",
        ]),
        format!("{}\n", repo.path.display()).as_bytes(),
    );
    assert_eq!(code, 1, "{err}");
    let (audited, unlisted) = listed(&out);
    assert_eq!((audited.len(), unlisted as usize), (100, all.len() - 100));
}

#[test]
fn a_blob_over_the_limit_packed_as_a_delta_base_is_not_inflated() {
    let repo = Repo::new();
    let big: String = (0..40_000)
        .map(|i| format!("line {i} of a large generated file\n"))
        .collect();
    repo.write("big.txt", &big);
    repo.commit("big");
    // A smaller version next, with a key: git packs it as a delta on the big one (the larger
    // of two versions is the base), so it cannot be rebuilt without inflating the base.
    let small = format!(
        "{}aws_access_key_id = {}\n",
        &big[..big.len() / 2],
        key_id(3)
    );
    repo.write("big.txt", &small);
    repo.commit("half");
    repo.git(&["repack", "-adfq", "--window=10"]);
    let (code, out, err, _) = run(
        unleak()
            .args(["scan", "--history", "-f", "json", "--max-file-size", "1M"])
            .arg(&repo.path),
        b"",
    );
    assert!(code == 0 || code == 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // The base (1.4 MB) is skipped unread, and its delta with it, named and counted (before:
    // the base was inflated whatever its size, a 1 GB one to 2.1 GB of memory).
    assert_eq!(v["stats"]["skipped_large"], 2, "{out}\n{err}");
    assert!(err.contains("a delta on a base of"), "{err}");
}
