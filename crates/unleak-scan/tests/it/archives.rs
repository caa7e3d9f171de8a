//! Leaks inside archives (issue 19): zip (and renamed zips), tar, tar.gz, gzip, nesting, and
//! what is not scanned (bombs, depth, encryption, damage), through the real tree and stdin
//! sources and the real matcher. Archives are built here at run time (a small zip and tar
//! writer below, flate2 for deflate and gzip) or with the system `tar`; the AWS-shaped key ids
//! are generated, so the project's own scan stays clean.

use std::io::Write;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use unleak_scan::config::Config;
use unleak_scan::sources::{archive, chunked, stdin, tree, ScanContext, StatsSummary};
use unleak_scan::{Finding, Matcher, RuleSet};

/// A key id of the AWS shape, different per `seed` (A-Z and 2-7 after `AKIA`).
fn key_id(seed: u64) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let tail: String = (0..16)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            ALPHABET[(x % 32) as usize] as char
        })
        .collect();
    format!("AKIA{tail}")
}

/// A small `.env`-like text with the key on line 3.
fn leaky(seed: u64) -> Vec<u8> {
    format!(
        "# settings\nREGION=eu-west-1\nAWS_ACCESS_KEY_ID={}\n",
        key_id(seed)
    )
    .into_bytes()
}

mod build {
    use std::io::Write;

    pub enum Method {
        Stored,
        Deflate,
        /// A method number we do not decode (data stored as is).
        Other(u16),
    }

    /// A zip writer: local headers, central directory, end record.
    #[derive(Default)]
    pub struct Zip {
        body: Vec<u8>,
        central: Vec<u8>,
        count: u16,
    }

    impl Zip {
        pub fn add(mut self, name: &str, data: &[u8], method: Method, flags: u16) -> Self {
            let mut crc = flate2::Crc::new();
            crc.update(data);
            let (number, packed) = match method {
                Method::Stored => (0, data.to_vec()),
                Method::Other(m) => (m, data.to_vec()),
                Method::Deflate => {
                    let mut e =
                        flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
                    e.write_all(data).unwrap();
                    (8, e.finish().unwrap())
                }
            };
            let offset = self.body.len() as u32;
            let common = |v: &mut Vec<u8>| {
                v.extend_from_slice(&20u16.to_le_bytes()); // version needed
                v.extend_from_slice(&flags.to_le_bytes());
                v.extend_from_slice(&number.to_le_bytes());
                v.extend_from_slice(&[0, 0, 0x21, 0]); // time, date
                v.extend_from_slice(&crc.sum().to_le_bytes());
                v.extend_from_slice(&(packed.len() as u32).to_le_bytes());
                v.extend_from_slice(&(data.len() as u32).to_le_bytes());
                v.extend_from_slice(&(name.len() as u16).to_le_bytes());
                v.extend_from_slice(&0u16.to_le_bytes()); // extra
            };
            self.body.extend_from_slice(b"PK\x03\x04");
            common(&mut self.body);
            self.body.extend_from_slice(name.as_bytes());
            self.body.extend_from_slice(&packed);
            self.central.extend_from_slice(b"PK\x01\x02");
            self.central.extend_from_slice(&20u16.to_le_bytes()); // version made by
            common(&mut self.central);
            self.central.extend_from_slice(&[0; 10]); // comment, disk, attributes
            self.central.extend_from_slice(&offset.to_le_bytes());
            self.central.extend_from_slice(name.as_bytes());
            self.count += 1;
            self
        }

        pub fn file(self, name: &str, data: &[u8]) -> Self {
            self.add(name, data, Method::Deflate, 0)
        }

        pub fn finish(self) -> Vec<u8> {
            let mut out = self.body;
            let cd_offset = out.len() as u32;
            out.extend_from_slice(&self.central);
            out.extend_from_slice(b"PK\x05\x06\0\0\0\0");
            out.extend_from_slice(&self.count.to_le_bytes());
            out.extend_from_slice(&self.count.to_le_bytes());
            out.extend_from_slice(&(self.central.len() as u32).to_le_bytes());
            out.extend_from_slice(&cd_offset.to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out
        }
    }

    /// A POSIX ustar archive of regular files.
    pub fn tar(files: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in files {
            let mut h = [0u8; 512];
            h[..name.len()].copy_from_slice(name.as_bytes());
            h[100..108].copy_from_slice(b"0000644\0");
            h[108..116].copy_from_slice(b"0000000\0");
            h[116..124].copy_from_slice(b"0000000\0");
            h[124..136].copy_from_slice(format!("{:011o}\0", data.len()).as_bytes());
            h[136..148].copy_from_slice(b"00000000000\0");
            h[148..156].copy_from_slice(b"        ");
            h[156] = b'0';
            h[257..263].copy_from_slice(b"ustar\0");
            h[263..265].copy_from_slice(b"00");
            let sum: u32 = h.iter().map(|&b| b as u32).sum();
            h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
            out.extend_from_slice(&h);
            out.extend_from_slice(data);
            out.resize(out.len().next_multiple_of(512), 0);
        }
        out.resize(out.len() + 1024, 0);
        out
    }

    pub fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }
}

use build::{Method, Zip};

/// What a scan gave: findings, warnings, stats.
struct Scanned {
    findings: Vec<Finding>,
    warnings: Vec<String>,
    stats: StatsSummary,
}

impl Scanned {
    fn paths(&self) -> Vec<&str> {
        let mut p: Vec<&str> = self.findings.iter().map(|f| f.path.as_str()).collect();
        p.sort();
        p
    }

    fn warned(&self, part: &str) -> bool {
        self.warnings.iter().any(|w| w.contains(part))
    }
}

enum Input<'a> {
    Dir(&'a Path),
    Stdin(&'a [u8]),
}

fn scan_with(input: Input<'_>, max_file_size: u64) -> Scanned {
    scan_chunked(input, max_file_size, chunked::Chunking::DEFAULT)
}

fn scan_chunked(input: Input<'_>, max_file_size: u64, chunking: chunked::Chunking) -> Scanned {
    let matcher = Matcher::new(RuleSet::builtin().unwrap());
    let config = Config::default();
    let warnings = Mutex::new(Vec::new());
    let on_warning = |m: &str| warnings.lock().unwrap().push(m.to_string());
    let mut ctx = ScanContext::new(&matcher, &config);
    ctx.on_warning = &on_warning;
    ctx.max_file_size = max_file_size;
    ctx.chunking = chunking;
    let mut findings = match input {
        Input::Dir(d) => {
            // Paths come with the root as it was given (absolute here): compare them under it.
            let root = format!("{}/", d.display());
            let mut found = tree::scan(&ctx, d, &tree::TreeOptions::default()).unwrap();
            for f in &mut found {
                if let Some(rest) = f.path.strip_prefix(&root) {
                    f.path = rest.to_string();
                }
            }
            found
        }
        Input::Stdin(b) => stdin::scan(&ctx, b).unwrap(),
    };
    findings.retain(|f| f.rule_id.starts_with("aws-access-key"));
    let stats = ctx.stats.summary(std::time::Duration::ZERO);
    assert_eq!(
        stats.errors,
        ctx.stats.errors.load(Ordering::Relaxed),
        "summary is the counters"
    );
    Scanned {
        findings,
        warnings: warnings.into_inner().unwrap(),
        stats,
    }
}

/// Scan a temp dir holding `files` (name, bytes).
fn scan_files(files: &[(&str, &[u8])], max_file_size: u64) -> Scanned {
    let d = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        let p = d.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    scan_with(Input::Dir(d.path()), max_file_size)
}

const MB: u64 = 1 << 20;

#[test]
fn a_leak_in_a_zip_is_found_at_its_member_path_and_line() {
    let zip = Zip::default()
        .file("README.md", b"nothing here\n")
        .file("config/.env", &leaky(1))
        .finish();
    let s = scan_files(&[("bundle.zip", &zip)], 50 * MB);
    assert_eq!(s.paths(), ["bundle.zip!config/.env"], "{:?}", s.warnings);
    let f = &s.findings[0];
    assert_eq!((f.line, f.column), (3, 19));
    assert_eq!(f.secret, key_id(1));
    assert_eq!(s.stats.errors, 0);
    assert_eq!(s.stats.archive_members, 2);
    assert_eq!(
        s.stats.skipped_binary, 0,
        "an archive is no skipped binary file"
    );
}

#[test]
fn renamed_zips_are_recognised_by_their_bytes() {
    let zip = || Zip::default().file("app.properties", &leaky(2)).finish();
    let (a, b, c) = (zip(), zip(), zip());
    let s = scan_files(
        &[("lib/app.jar", &a), ("notes.txt", &b), ("noext", &c)],
        50 * MB,
    );
    assert_eq!(
        s.paths(),
        [
            "lib/app.jar!app.properties",
            "noext!app.properties",
            "notes.txt!app.properties"
        ]
    );
}

#[test]
fn a_zip_behind_a_launcher_script_is_found_by_its_end_record() {
    let mut bytes = b"#!/bin/sh\nexec java -jar \"$0\" \"$@\"\n\0\0\0\0".to_vec();
    bytes.extend(std::iter::repeat_n(0u8, 300));
    // The central directory's offsets are the zip's own: the launcher shifts them.
    bytes.extend(Zip::default().file("secrets.env", &leaky(3)).finish());
    let s = scan_files(&[("tool.run", &bytes)], 50 * MB);
    assert_eq!(s.paths(), ["tool.run!secrets.env"], "{:?}", s.warnings);
}

#[test]
fn tar_and_gzip_members_are_found() {
    let tar = build::tar(&[("./etc/app.env", &leaky(4)), ("empty", b"")]);
    let tgz = build::gzip(&build::tar(&[("deploy/.env", &leaky(5))]));
    let gz = build::gzip(&leaky(6));
    let s = scan_files(
        &[
            ("backup.tar", &tar),
            ("release.tgz", &tgz),
            ("dump.sql.gz", &gz),
        ],
        50 * MB,
    );
    assert_eq!(
        s.paths(),
        [
            "backup.tar!etc/app.env",
            "dump.sql.gz!dump.sql",
            "release.tgz!deploy/.env"
        ],
        "{:?}",
        s.warnings
    );
    assert!(s.findings.iter().all(|f| f.line == 3));
    assert_eq!(s.stats.errors, 0);
}

#[test]
fn the_system_tars_long_names_are_read() {
    let d = tempfile::tempdir().unwrap();
    let deep = format!("{}/{}", "a".repeat(90), "b".repeat(90));
    std::fs::create_dir_all(d.path().join("src").join(&deep)).unwrap();
    std::fs::write(d.path().join("src").join(&deep).join("creds.env"), leaky(7)).unwrap();
    let out = d.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for (name, flags) in [("gnu.tar.gz", "-czf"), ("pax.tar", "-cf")] {
        let mut cmd = std::process::Command::new("tar");
        if name.starts_with("pax") {
            cmd.arg("--format=pax");
        }
        let ok = cmd
            .arg(flags)
            .arg(out.join(name))
            .arg("-C")
            .arg(d.path())
            .arg("src")
            .status()
            .expect("the system tar runs");
        assert!(ok.success());
    }
    let s = scan_with(Input::Dir(&out), 50 * MB);
    let member = format!("src/{deep}/creds.env");
    assert_eq!(
        s.paths(),
        [format!("gnu.tar.gz!{member}"), format!("pax.tar!{member}")],
        "{:?}",
        s.warnings
    );
}

#[test]
fn nested_archives_are_opened_three_deep_and_no_deeper() {
    let inner = Zip::default().file(".env", &leaky(8)).finish();
    let outer = build::gzip(&build::tar(&[("pkg/inner.zip", &inner)]));
    let s = scan_files(&[("release.tar.gz", &outer)], 50 * MB);
    assert_eq!(s.paths(), ["release.tar.gz!pkg/inner.zip!.env"]);

    let three = Zip::default()
        .add(
            "b.zip",
            &Zip::default().file("c.zip", &inner).finish(),
            Method::Stored,
            0,
        )
        .finish();
    let s = scan_files(&[("a.zip", &three)], 50 * MB);
    assert_eq!(s.paths(), ["a.zip!b.zip!c.zip!.env"]);
    assert_eq!(s.stats.skipped_archive, 0);

    let four = Zip::default().file("a.zip", &three).finish();
    let s = scan_files(&[("top.zip", &four)], 50 * MB);
    assert!(s.findings.is_empty());
    assert!(
        s.warned("top.zip!a.zip!b.zip!c.zip: archive nested deeper than 3 levels, not opened"),
        "{:?}",
        s.warnings
    );
    assert_eq!((s.stats.skipped_archive, s.stats.errors), (1, 0));
}

#[test]
fn a_zip_bomb_stops_at_the_limit_and_the_rest_is_still_scanned() {
    // 64 MiB of zeros deflate to ~64 KB; the limit is 1 MiB.
    let zeros = vec![0u8; 64 << 20];
    let zip = Zip::default()
        .file("bomb.bin", &zeros)
        .file("after.env", &leaky(9))
        .finish();
    drop(zeros);
    assert!(zip.len() < 1 << 20);
    let s = scan_files(&[("bomb.zip", &zip)], MB);
    assert_eq!(s.paths(), ["bomb.zip!after.env"]);
    assert!(
        s.warned("bomb.zip!bomb.bin: member larger than --max-file-size (1048576 bytes)"),
        "{:?}",
        s.warnings
    );
    assert_eq!((s.stats.skipped_large, s.stats.errors), (1, 0));
}

#[test]
fn members_together_stop_at_the_budget() {
    // Nine members just under the limit: eight fit the budget (8 × the limit), the ninth not.
    let big = vec![b'x'; (MB - 10) as usize];
    let mut zip = Zip::default();
    for i in 0..9 {
        zip = zip.file(&format!("part{i}.txt"), &big);
    }
    let zip = zip.file("late.env", &leaky(10)).finish();
    let s = scan_files(&[("parts.zip", &zip)], MB);
    assert!(s.findings.is_empty());
    assert!(
        s.warned("members inflate to more than 8388608 bytes"),
        "{:?}",
        s.warnings
    );
    assert_eq!((s.stats.skipped_archive, s.stats.errors), (1, 0));
}

#[test]
fn an_encrypted_member_makes_the_scan_incomplete() {
    let zip = Zip::default()
        .add("locked.env", &leaky(11), Method::Stored, 1)
        .file("open.env", &leaky(12))
        .finish();
    let s = scan_files(&[("vault.zip", &zip)], 50 * MB);
    assert_eq!(s.paths(), ["vault.zip!open.env"]);
    assert!(s.warned("vault.zip!locked.env: encrypted member, not scanned"));
    assert_eq!(s.stats.errors, 1, "counted: the scan exits 3");
}

#[test]
fn an_unsupported_method_makes_the_scan_incomplete() {
    let zip = Zip::default()
        .add("x.env", &leaky(13), Method::Other(14), 0)
        .finish();
    let s = scan_files(&[("lzma.zip", &zip)], 50 * MB);
    assert!(s.warned("lzma.zip!x.env: compression method 14 is not supported"));
    assert_eq!(s.stats.errors, 1);
}

#[test]
fn damaged_archives_are_noted_and_counted() {
    let zip = Zip::default().file("a.env", &leaky(14)).finish();
    let cut_zip = &zip[..zip.len() - 30];
    let tgz = build::gzip(&build::tar(&[("a.env", &leaky(15))]));
    let cut_tgz = &tgz[..tgz.len() - 20];
    let mut bad_deflate = zip.clone();
    bad_deflate[40..48].copy_from_slice(&[0xff; 8]);
    let s = scan_files(
        &[
            ("cut.zip", cut_zip),
            ("cut.tar.gz", cut_tgz),
            ("flipped.zip", &bad_deflate),
        ],
        50 * MB,
    );
    for name in ["cut.zip", "cut.tar.gz", "flipped.zip"] {
        assert!(
            s.warnings
                .iter()
                .any(|w| w.contains(&format!("/{name}: ")) && w.contains("damaged or truncated")),
            "{name}: {:?}",
            s.warnings
        );
    }
    assert_eq!(s.stats.errors, 3);
}

#[test]
fn formats_not_decoded_are_noted_not_silent() {
    let mut xz = vec![0xFD, b'7', b'z', b'X', b'Z', 0];
    xz.extend_from_slice(&[0x55; 64]);
    let s = scan_files(&[("logs.tar.xz", &xz)], 50 * MB);
    assert!(
        s.warned("logs.tar.xz: xz data, not opened (only zip, tar and gzip are)"),
        "{:?}",
        s.warnings
    );
    assert_eq!((s.stats.skipped_archive, s.stats.errors), (1, 0));
}

#[test]
fn text_that_merely_says_ustar_is_scanned_as_text() {
    let mut text = vec![b'-'; 257];
    text.extend_from_slice(b"ustar mentioned here\n");
    text.extend(leaky(16));
    text.extend(std::iter::repeat_n(b'.', 400));
    let s = scan_files(&[("tar-notes.md", &text)], 50 * MB);
    assert_eq!(s.paths(), ["tar-notes.md"]);
}

#[test]
fn standard_input_holding_an_archive_is_opened() {
    let zip = Zip::default().file("k.env", &leaky(17)).finish();
    let s = scan_with(Input::Stdin(&zip), 50 * MB);
    assert_eq!(s.paths(), ["-!k.env"]);
}

#[test]
fn many_empty_members_cost_little_and_hide_nothing() {
    let mut zip = Zip::default();
    for i in 0..2000 {
        zip = zip.add(&format!("d/{i}"), b"", Method::Stored, 0);
    }
    let zip = zip.file("last.env", &leaky(18)).finish();
    let mut w = Vec::new();
    w.write_all(&zip).unwrap();
    let s = scan_files(&[("many.zip", &w)], 50 * MB);
    assert_eq!(s.paths(), ["many.zip!last.env"]);
    assert_eq!(s.stats.archive_members, 2001);
}

#[test]
fn an_archive_longer_than_a_read_chunk_is_noted_not_opened() {
    let filler: Vec<u8> = (0..20_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let zip = Zip::default()
        .add("noise.bin", &filler, Method::Stored, 0)
        .file("k.env", &leaky(19))
        .finish();
    let chunking = chunked::Chunking {
        chunk: 4096,
        overlap: 1024,
    };
    let s = scan_chunked(Input::Stdin(&zip), 50 * MB, chunking);
    assert!(s.findings.is_empty());
    assert!(
        s.warned("-: zip archive larger than one read chunk, not opened"),
        "{:?}",
        s.warnings
    );
    assert_eq!(s.stats.skipped_archive, 1);
}

/// Damaged archives of every kind (bytes changed, cuts all along) end in a note or a scan,
/// never a panic or a hang; a cut archive that is still recognised never silently loses a
/// finding.
#[test]
fn mutated_and_truncated_archives_never_panic() {
    let matcher = Matcher::new(RuleSet::builtin().unwrap());
    let config = Config::default();
    let inner = Zip::default().file("x.env", &leaky(20)).finish();
    let samples = [
        Zip::default()
            .file("a.env", &leaky(21))
            .add("b.zip", &inner, Method::Stored, 0)
            .finish(),
        build::tar(&[("a.env", &leaky(22)), ("b.zip", &inner)]),
        build::gzip(&build::tar(&[("a.env", &leaky(23))])),
    ];
    for sample in &samples {
        let whole = stdin::scan(&ScanContext::new(&matcher, &config), &sample[..])
            .unwrap()
            .len();
        assert!(whole > 0);
        let step = (sample.len() / 400).max(1);
        for at in (0..sample.len()).step_by(step) {
            for flip in [0xFFu8, 0x01] {
                let mut b = sample.clone();
                b[at] ^= flip;
                let ctx = ScanContext::new(&matcher, &config);
                stdin::scan(&ctx, &b[..]).unwrap();
            }
            let ctx = ScanContext::new(&matcher, &config);
            let found = stdin::scan(&ctx, &sample[..at]).unwrap().len();
            let noted = ctx.stats.errors.load(Ordering::Relaxed) > 0;
            let recognised = archive::sniff(&sample[..at]).is_some();
            assert!(
                noted || !recognised || found == whole,
                "a cut at {at} of {} bytes went unnoticed",
                sample.len()
            );
        }
    }
}
