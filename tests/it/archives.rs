//! The `unleak` binary on leaks inside archives (issue 19): a zip in a directory, a committed
//! tar.gz in git history, the `!` paths in text, JSON and SARIF, and exit 3 for an archive
//! that cannot be read. Archives are made at run time (a stored zip written below, the system
//! `tar`); the key ids are generated.

use std::path::Path;
use std::process::Command;

use serde_json::Value;
use unleak_testsupport::git::{git, Repo};
use unleak_testsupport::unleak::{history_json, unleak};

/// A key id of the AWS shape, fresh per run (A-Z and 2-7 after `AKIA`).
fn key_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let p = unleak_testsupport::keys::password();
    let tail: String = p
        .bytes()
        .chain(p.bytes().rev())
        .take(16)
        .map(|b| ALPHABET[(b as usize * 7) % 32] as char)
        .collect();
    format!("AKIA{tail}")
}

fn leaky(key: &str) -> String {
    format!("# app\nAWS_ACCESS_KEY_ID={key}\n")
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A zip of stored members; `flags` 1 marks a member encrypted.
fn zip(members: &[(&str, &[u8], u16)]) -> Vec<u8> {
    let (mut out, mut central) = (Vec::new(), Vec::new());
    for (name, data, flags) in members {
        let offset = out.len() as u32;
        let mut common = Vec::new();
        common.extend_from_slice(&10u16.to_le_bytes());
        common.extend_from_slice(&flags.to_le_bytes());
        common.extend_from_slice(&[0, 0, 0, 0, 0x21, 0]); // stored; time, date
        common.extend_from_slice(&crc32(data).to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(data.len() as u32).to_le_bytes());
        common.extend_from_slice(&(name.len() as u16).to_le_bytes());
        common.extend_from_slice(&0u16.to_le_bytes());
        out.extend_from_slice(b"PK\x03\x04");
        out.extend_from_slice(&common);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        central.extend_from_slice(b"PK\x01\x02\x14\0");
        central.extend_from_slice(&common);
        central.extend_from_slice(&[0; 10]); // comment, disk, attributes
        central.extend_from_slice(&offset.to_le_bytes());
        central.extend_from_slice(name.as_bytes());
    }
    let cd_offset = out.len() as u32;
    out.extend_from_slice(&central);
    let n = (members.len() as u16).to_le_bytes();
    out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
    out.extend_from_slice(&[n[0], n[1], n[0], n[1]]);
    out.extend_from_slice(&(central.len() as u32).to_le_bytes());
    out.extend_from_slice(&cd_offset.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out
}

/// A temp dir outside any repository, with an empty config.
fn tree() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join(".unleak.toml"), "").unwrap();
    d
}

fn scan(dir: &Path, args: &[&str]) -> (i32, String, String) {
    // Run in the directory and scan `.`: paths are then reported as they are under it (a root
    // given as an absolute path is kept in front of them).
    let mut all = vec!["scan", "."];
    all.extend_from_slice(args);
    let out = unleak(dir, &all);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_leak_in_a_zip_fails_the_scan_with_its_member_path_in_every_format() {
    let d = tree();
    let key = key_id();
    let bytes = zip(&[("conf/.env", leaky(&key).as_bytes(), 0)]);
    std::fs::create_dir(d.path().join("dist")).unwrap();
    std::fs::write(d.path().join("dist/app.zip"), bytes).unwrap();

    let (code, text, err) = scan(d.path(), &[]);
    assert_eq!(code, 1, "{text}{err}");
    assert!(text.contains("dist/app.zip!conf/.env:2:19"), "{text}");

    let (code, json, _) = scan(d.path(), &["--format", "json"]);
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(&json).unwrap();
    let f = &v["findings"][0];
    assert_eq!(f["path"], "dist/app.zip!conf/.env");
    assert_eq!(f["line"], 2);
    assert_eq!(v["stats"]["archive_members"], 1);
    assert_eq!(v["stats"]["skipped_binary"], 0);

    let (_, jsonl, _) = scan(d.path(), &["--format", "jsonl"]);
    assert!(
        jsonl.contains(r#""path":"dist/app.zip!conf/.env""#),
        "{jsonl}"
    );

    let (_, sarif, _) = scan(d.path(), &["--format", "sarif"]);
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], "dist/app.zip!conf/.env");
    assert_eq!(loc["region"]["startLine"], 2);
}

#[test]
fn an_encrypted_member_exits_3_with_a_note() {
    let d = tree();
    let bytes = zip(&[("x.env", b"ciphertext here", 1)]);
    std::fs::write(d.path().join("locked.zip"), bytes).unwrap();
    let (code, out, err) = scan(d.path(), &[]);
    assert_eq!(code, 3, "{out}{err}");
    assert!(
        err.contains("locked.zip!x.env: encrypted member, not scanned"),
        "{err}"
    );
}

#[test]
fn a_tar_gz_committed_in_history_is_opened() {
    let r = Repo::new();
    let key = key_id();
    let staging = tempfile::tempdir().unwrap();
    std::fs::create_dir(staging.path().join("cfg")).unwrap();
    std::fs::write(staging.path().join("cfg/prod.env"), leaky(&key)).unwrap();
    let ok = Command::new("tar")
        .arg("czf")
        .arg(r.path.join("backup.tar.gz"))
        .arg("-C")
        .arg(staging.path())
        .arg("cfg")
        .status()
        .expect("the system tar runs");
    assert!(ok.success());
    r.write("README.md", "hello\n");
    let added = r.commit("add a backup");
    git(&r.path, &["rm", "-q", "backup.tar.gz"]);
    r.commit("remove it again");

    let (code, findings, err) = history_json(&r.path, &[]);
    assert_eq!(code, 1, "{err}");
    let f = findings
        .iter()
        .find(|f| f["secret"] == key.as_str())
        .unwrap_or_else(|| panic!("not found: {findings:?} {err}"));
    assert_eq!(f["path"], "backup.tar.gz!cfg/prod.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["commit"]["commit"], added.as_str());
}

#[test]
fn a_staged_zip_is_opened_before_it_is_committed() {
    let r = Repo::new();
    r.write("README.md", "hello\n");
    r.commit("start");
    let key = key_id();
    let bytes = zip(&[("app/.env", leaky(&key).as_bytes(), 0)]);
    std::fs::write(r.path.join("release.jar"), bytes).unwrap();
    git(&r.path, &["add", "release.jar"]);
    let out = unleak(&r.path, &["scan", "--staged", "--format", "json", "."]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{v}");
    assert_eq!(v["findings"][0]["path"], "release.jar!app/.env");
}
