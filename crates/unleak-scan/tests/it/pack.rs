//! The pack reader against git itself: real repositories built with `git`, packed with
//! offset deltas, reference deltas and 64-bit offsets; every blob the reader rebuilds must be
//! byte for byte what `git cat-file` prints, and damage must come back as "not delivered",
//! never as wrong bytes or a panic.

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;

use unleak_scan::git::pack::{self, Blob, Pack};
use unleak_scan::git::ObjectId as Id;
use unleak_testsupport::git::git_bytes as git;

/// A repository whose files change a little in each of many commits, so packing makes long
/// delta chains, branching ones (two files grown from one), and blobs of every size class.
fn repo() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("r");
    std::fs::create_dir(&dir).unwrap();
    git(&dir, &["init", "-q", "-b", "main"]);
    for (k, v) in [("user.name", "T"), ("user.email", "t@example.test")] {
        git(&dir, &["config", k, v]);
    }
    let mut seed = 0x2545_f491_u64;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut files: Vec<Vec<String>> = (0..4)
        .map(|f| (0..200).map(|i| format!("file {f} line {i}")).collect())
        .collect();
    for c in 0..60 {
        for (f, lines) in files.iter_mut().enumerate() {
            let at = rand() as usize % lines.len();
            lines[at] = format!("commit {c} changed line {at} {:x}", rand());
            if c % 7 == 0 {
                lines.insert(at, format!("inserted {c}"));
            }
            std::fs::write(dir.join(format!("f{f}.txt")), lines.join("\n")).unwrap();
        }
        if c == 30 {
            // A copy that then diverges: two deltas off one base.
            std::fs::write(dir.join("copy.txt"), files[0].join("\n")).unwrap();
        }
        std::fs::write(dir.join("empty"), "").unwrap();
        std::fs::write(dir.join("big.bin"), vec![(c % 251) as u8; 70_000 + c]).unwrap();
        git(&dir, &["add", "-A"]);
        git(&dir, &["commit", "-q", "-m", &format!("c{c}")]);
    }
    (tmp, dir)
}

/// Every blob id of the repository with its content, from `git cat-file --batch`.
fn expected_blobs(dir: &Path) -> HashMap<Id, Vec<u8>> {
    let list = git(
        dir,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objecttype) %(objectname)",
        ],
    );
    let ids: Vec<String> = String::from_utf8(list)
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("blob ").map(str::to_string))
        .collect();
    let mut child = unleak_testsupport::git::git_cmd(dir)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = ids.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap().stdout;
    writer.join().unwrap().unwrap();
    let mut map = HashMap::new();
    let mut at = 0;
    for id in &ids {
        let nl = at + out[at..].iter().position(|&b| b == b'\n').unwrap();
        let header = std::str::from_utf8(&out[at..nl]).unwrap();
        let size: usize = header.rsplit(' ').next().unwrap().parse().unwrap();
        map.insert(hex(id), out[nl + 1..nl + 1 + size].to_vec());
        at = nl + 1 + size + 1;
    }
    map
}

fn hex(s: &str) -> Id {
    let mut id = [0u8; 20];
    for (i, b) in id.iter_mut().enumerate() {
        *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
    }
    Id::new(id)
}

fn the_pack(dir: &Path) -> (PathBuf, PathBuf) {
    let packs = dir.join(".git/objects/pack");
    let idx = std::fs::read_dir(&packs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .expect("one pack");
    let pack = idx.with_extension("pack");
    (idx, pack)
}

/// Decode every expected blob; returns (delivered, not delivered).
fn decode_all(p: &Pack, expected: &HashMap<Id, Vec<u8>>) -> (HashMap<usize, Vec<u8>>, Vec<usize>) {
    let ids: Vec<Id> = expected.keys().copied().collect();
    let index: HashMap<Id, usize> = ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    let got = Mutex::new(HashMap::new());
    let failed = p.decode_wanted(&|id| index.get(id).copied(), u64::MAX, &|i, blob| {
        let Blob::Data(bytes) = blob else {
            panic!("no size limit was set")
        };
        let prev = got.lock().unwrap().insert(i, bytes.to_vec());
        assert!(prev.is_none(), "blob {i} delivered twice");
    });
    let got = got.into_inner().unwrap();
    for (i, bytes) in &got {
        assert_eq!(bytes, &expected[&ids[*i]], "blob {i} rebuilt wrong");
    }
    (got, failed)
}

fn assert_all_delivered(dir: &Path) {
    let expected = expected_blobs(dir);
    let (idx, pack) = the_pack(dir);
    // The pack must really hold deltas (`verify-pack` lists a base id for each).
    let listing = git(dir, &["verify-pack", "-v", idx.to_str().unwrap()]);
    let deltas = String::from_utf8_lossy(&listing)
        .lines()
        .filter(|l| l.contains(" blob ") && l.split_whitespace().count() == 7)
        .count();
    assert!(deltas > 100, "only {deltas} blob deltas in the pack");
    let p = Pack::open(&idx, &pack).unwrap();
    let (got, failed) = decode_all(&p, &expected);
    assert!(failed.is_empty(), "not delivered: {failed:?}");
    assert_eq!(got.len(), expected.len());
}

#[test]
fn offset_deltas_rebuild_every_blob_exactly() {
    let (_t, dir) = repo();
    git(&dir, &["repack", "-adfq", "--depth=50", "--window=50"]);
    assert_all_delivered(&dir);
}

#[test]
fn reference_deltas_rebuild_every_blob_exactly() {
    let (_t, dir) = repo();
    git(
        &dir,
        &[
            "-c",
            "repack.useDeltaBaseOffset=false",
            "repack",
            "-adfq",
            "--depth=50",
        ],
    );
    assert_all_delivered(&dir);
}

#[test]
fn an_index_with_64_bit_offsets_is_read() {
    let (_t, dir) = repo();
    git(&dir, &["repack", "-adfq"]);
    let (idx, pack) = the_pack(&dir);
    let plain = std::fs::metadata(&idx).unwrap().len();
    std::fs::remove_file(&idx).unwrap();
    // Every object past offset 100 goes to the 64-bit table.
    git(
        &dir,
        &[
            "index-pack",
            "--index-version=2,100",
            pack.to_str().unwrap(),
        ],
    );
    assert!(
        std::fs::metadata(&idx).unwrap().len() > plain + 8 * 100,
        "64-bit table written"
    );
    assert_all_delivered(&dir);
}

#[test]
fn damage_means_not_delivered_never_wrong_bytes() {
    let (_t, dir) = repo();
    git(&dir, &["repack", "-adfq", "--depth=50"]);
    let expected = expected_blobs(&dir);
    let (idx, pack) = the_pack(&dir);
    let original = std::fs::read(&pack).unwrap();
    let body = 12..original.len() - 20;
    for (n, stride) in [(1usize, 0usize), (3, 997), (40, 131)] {
        let mut bytes = original.clone();
        for k in 0..n {
            let at = body.start + (body.len() / 2 + k * stride) % body.len();
            bytes[at] ^= 0x5a;
        }
        std::fs::write(&pack, &bytes).unwrap();
        let p = Pack::open(&idx, &pack).unwrap();
        let (got, failed) = decode_all(&p, &expected);
        assert_eq!(
            got.len() + failed.len(),
            expected.len(),
            "{n} flips: every blob accounted for"
        );
    }
    // Truncated: the objects past the cut cannot be read.
    std::fs::write(&pack, &original[..original.len() / 2]).unwrap();
    match Pack::open(&idx, &pack) {
        Err(e) => assert!(e.to_string().contains("pack"), "{e}"),
        Ok(p) => {
            let (got, failed) = decode_all(&p, &expected);
            assert!(!failed.is_empty());
            assert_eq!(got.len() + failed.len(), expected.len());
        }
    }
    // Not an index at all.
    std::fs::write(&pack, &original).unwrap();
    std::fs::write(&idx, b"not an index").unwrap();
    assert!(Pack::open(&idx, &pack).is_err());
    let (packs, errors) = pack::packs_in(&dir.join(".git/objects"));
    assert!(packs.is_empty() && errors.len() == 1);
}
