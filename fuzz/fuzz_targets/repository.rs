//! A whole history scan (`unleak scan --history`) of a small repository whose object files
//! the input damages: each 6-byte record names a file of `.git/objects` (pack, index, loose
//! object), an offset in it and a byte to XOR there. libgit2 reads whatever unleak's own
//! readers cannot, so this also drives the fallbacks. A damaged repository may give warnings
//! or errors, never a crash.
#![no_main]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use unleak_scan::config::Config;
use unleak_scan::sources::history::{self, HistoryOptions, Progress};
use unleak_scan::context::ScanContext;
use unleak_scan::{Matcher, RuleSet};

struct Template {
    _dir: tempfile::TempDir,
    repo: PathBuf,
}

fn git(dir: &Path, args: &[&str]) {
    let ok = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "f")
        .env("GIT_AUTHOR_EMAIL", "f@example.invalid")
        .env("GIT_COMMITTER_NAME", "f")
        .env("GIT_COMMITTER_EMAIL", "f@example.invalid")
        // Fixed dates: the same objects every run, so a saved input reproduces.
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .status()
        .expect("git runs")
        .success();
    assert!(ok, "git {args:?}");
}

/// Two packed commits with versions of one file (deltas), then a loose commit.
fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().expect("a temp dir");
        let repo = dir.path().join("r");
        std::fs::create_dir(&repo).expect("repo dir");
        git(&repo, &["init", "-q"]);
        // A made-up password literal, so the scan has a finding to attribute.
        let secret = format!("DB_PASSWORD=\"fz{}Q7!x\"\n", "kq9t".repeat(3));
        for i in 0..3 {
            let body: String = (0..40).map(|n| format!("line {n} of version {i}\n")).collect();
            std::fs::write(repo.join("app.cfg"), format!("{body}{secret}")).expect("write");
            git(&repo, &["add", "."]);
            git(&repo, &["commit", "-qm", &format!("v{i}")]);
        }
        git(&repo, &["repack", "-adq"]);
        std::fs::write(repo.join("more.txt"), "loose\n").expect("write");
        git(&repo, &["add", "."]);
        git(&repo, &["commit", "-qm", "loose"]);
        Template { _dir: dir, repo }
    })
}

fn copy_dir(from: &Path, to: &Path, files: &mut Vec<PathBuf>) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir").flatten() {
        let target = to.join(e.file_name());
        if e.file_type().expect("type").is_dir() {
            copy_dir(&e.path(), &target, files);
        } else {
            std::fs::copy(e.path(), &target).expect("copy");
            if target.components().any(|c| c.as_os_str() == "objects") {
                files.push(target);
            }
        }
    }
}

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(RuleSet::builtin().expect("the built-in rules compile")))
}

fuzz_target!(|data: &[u8]| {
    let t = template();
    let work = tempfile::tempdir().expect("a temp dir");
    let mut files = Vec::new();
    copy_dir(&t.repo, &work.path().join("r"), &mut files);
    files.sort();
    for rec in data.chunks_exact(6) {
        let f = &files[rec[0] as usize % files.len()];
        let mut bytes = std::fs::read(f).expect("read");
        if bytes.is_empty() {
            continue;
        }
        let at = u32::from_le_bytes([rec[1], rec[2], rec[3], rec[4]]) as usize % bytes.len();
        bytes[at] ^= rec[5].max(1);
        // Object files are read-only as git writes them.
        let _ = std::fs::remove_file(f);
        std::fs::write(f, &bytes).expect("write");
    }
    let config = Config::default();
    let ctx = ScanContext::new(matcher(), &config);
    let opts = HistoryOptions {
        all_objects: data.first().is_some_and(|b| b & 1 == 1),
        ..HistoryOptions::default()
    };
    let _ = history::scan(&ctx, &work.path().join("r"), &opts, &Progress::default());
});
