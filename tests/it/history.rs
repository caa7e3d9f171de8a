//! `unleak scan --history` on real repositories built with git: every way a secret can hide in
//! history must be found and attributed to the commit that introduced it.

use unleak_testsupport::git::{git, Repo};
use unleak_testsupport::keys::{db_url, password};
use unleak_testsupport::unleak::{finding, for_secret, history_json, unleak};

fn commit_of(f: &serde_json::Value) -> &str {
    f["commit"]["commit"]
        .as_str()
        .expect("history findings carry a commit")
}

#[test]
fn secret_added_then_removed_is_found_in_its_commit() {
    let r = Repo::new();
    r.write("README", "hello\n");
    r.commit("init");
    let pw = password();
    r.write("config/app.env", &format!("# settings\n{}", db_url(&pw)));
    let leak = r.commit("add settings");
    r.write(
        "config/app.env",
        "# settings\nDATABASE_URL=${DATABASE_URL}\n",
    );
    r.commit("use the environment");

    let (code, findings, _) = history_json(&r.path, &["."]);
    assert_eq!(code, 1);
    let f = finding(&findings, "config/app.env", &pw).expect("removed secret found");
    assert_eq!(commit_of(f), leak);
    assert_eq!(f["line"], 2);
    assert_eq!(f["commit"]["in_head"], false);
    assert_eq!(f["commit"]["commits"], 1);
    assert_eq!(f["commit"]["author"], "Test Author");
    assert_eq!(f["commit"]["message"], "add settings");
    // A plain scan of the work tree sees nothing: only history has it.
    let plain = unleak(&r.path, &["scan", "."]);
    assert_eq!(plain.status.code(), Some(0));
}

#[test]
fn secret_in_the_root_commit() {
    let r = Repo::new();
    let pw = password();
    r.write(".env", &db_url(&pw));
    let root = r.commit("root");
    r.write("other.txt", "x\n");
    r.commit("second");
    r.write("other.txt", "y\n");
    r.commit("third");
    let (code, findings, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    let f = finding(&findings, ".env", &pw).expect("root commit secret found");
    assert_eq!(commit_of(f), root);
    assert_eq!(f["commit"]["in_head"], true);
    assert_eq!(f["commit"]["commits"], 3);
}

#[test]
fn a_line_changed_twice_reports_both_old_values() {
    let r = Repo::new();
    let (a, b, c) = (password(), password(), password());
    r.write("db.env", &db_url(&a));
    let ca = r.commit("a");
    r.write("db.env", &db_url(&b));
    let cb = r.commit("b");
    r.write("db.env", &db_url(&c));
    let cc = r.commit("c");
    let (_, findings, _) = history_json(&r.path, &[]);
    for (pw, commit, in_head) in [(&a, &ca, false), (&b, &cb, false), (&c, &cc, true)] {
        let f = finding(&findings, "db.env", pw).expect("every value found");
        assert_eq!(commit_of(f), commit.as_str());
        assert_eq!(f["commit"]["in_head"], in_head);
    }
    assert_eq!(findings.len(), 3);
}

#[test]
fn secret_on_a_branch_never_merged() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    r.git(&["checkout", "-q", "-b", "experiment"]);
    let pw = password();
    r.write("exp.cfg", &db_url(&pw));
    let leak = r.commit("try something");
    r.git(&["checkout", "-q", "main"]);
    r.write("a.txt", "b\n");
    r.commit("main moves on");
    let (code, findings, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    let f = finding(&findings, "exp.cfg", &pw).expect("unmerged branch scanned");
    assert_eq!(commit_of(f), leak);
    assert_eq!(f["commit"]["in_head"], false);
}

#[test]
fn secret_on_a_branch_merged_with_no_ff_is_attributed_to_the_branch_commit() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    r.git(&["checkout", "-q", "-b", "feature"]);
    let pw = password();
    r.write("feature.env", &db_url(&pw));
    let leak = r.commit("feature");
    r.git(&["checkout", "-q", "main"]);
    r.write("a.txt", "b\n");
    r.commit("main moves on");
    r.git(&["merge", "-q", "--no-ff", "-m", "merge feature", "feature"]);
    let merge = r.head();
    let (_, findings, _) = history_json(&r.path, &[]);
    let f = finding(&findings, "feature.env", &pw).expect("merged secret found");
    assert_eq!(commit_of(f), leak);
    assert_ne!(commit_of(f), merge);
    // In the branch commit and in the merge.
    assert_eq!(f["commit"]["commits"], 2);
    assert_eq!(f["commit"]["in_head"], true);
    assert_eq!(for_secret(&findings, &pw).len(), 1);
}

#[test]
fn secret_only_in_a_merge_commits_own_change_is_attributed_to_the_merge() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.write("settings.env", "DATABASE_URL=\n");
    r.commit("init");
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("b.txt", "feature\n");
    r.commit("feature");
    r.git(&["checkout", "-q", "main"]);
    r.write("a.txt", "b\n");
    r.commit("main moves on");
    r.git(&["merge", "-q", "--no-ff", "--no-commit", "feature"]);
    let pw = password();
    r.write("settings.env", &db_url(&pw));
    r.git(&["add", "settings.env"]);
    r.git(&["commit", "-q", "-m", "merge feature"]);
    let merge = r.head();
    assert_eq!(
        r.git(&["rev-list", "--parents", "-n1", "HEAD"])
            .split(' ')
            .count(),
        3
    );
    let (code, findings, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    let f = finding(&findings, "settings.env", &pw).expect("evil merge found");
    assert_eq!(commit_of(f), merge);
}

#[test]
fn secret_in_a_file_renamed_then_scrubbed_reports_every_name() {
    let r = Repo::new();
    let pw = password();
    r.write("old/name.env", &db_url(&pw));
    let first = r.commit("add");
    r.git(&["mv", "old/name.env", "new.env"]);
    let moved = r.commit("rename");
    r.write("new.env", "DATABASE_URL=\n");
    r.commit("scrub");
    let (_, findings, _) = history_json(&r.path, &[]);
    let old = finding(&findings, "old/name.env", &pw).expect("old name found");
    let new = finding(&findings, "new.env", &pw).expect("new name found");
    assert_eq!(commit_of(old), first);
    assert_eq!(commit_of(new), moved);
    for f in [old, new] {
        let paths: Vec<&str> = f["commit"]["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&"old/name.env") && paths.contains(&"new.env"),
            "{paths:?}"
        );
        assert_eq!(f["commit"]["in_head"], false);
    }
}

#[test]
fn secret_in_a_file_later_deleted() {
    let r = Repo::new();
    let pw = password();
    r.write("keep.txt", "k\n");
    r.write("secrets/prod.env", &db_url(&pw));
    let leak = r.commit("add");
    r.git(&["rm", "-q", "secrets/prod.env"]);
    r.commit("remove");
    assert!(!r.path.join("secrets/prod.env").exists());
    let (code, findings, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    let f = finding(&findings, "secrets/prod.env", &pw).expect("deleted file found");
    assert_eq!(commit_of(f), leak);
    assert_eq!(f["commit"]["in_head"], false);
}

#[test]
fn secret_reachable_only_through_tags() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    let (annotated, light) = (password(), password());
    r.git(&["checkout", "-q", "-b", "release"]);
    r.write("release.env", &db_url(&annotated));
    let c1 = r.commit("release 1");
    r.git(&["tag", "-a", "-m", "v1", "v1"]);
    r.write("release.env", &db_url(&light));
    let c2 = r.commit("release 2");
    r.git(&["tag", "v2-light"]);
    r.git(&["checkout", "-q", "main"]);
    r.git(&["branch", "-q", "-D", "release"]);
    let (code, findings, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        commit_of(finding(&findings, "release.env", &annotated).expect("annotated tag")),
        c1
    );
    assert_eq!(
        commit_of(finding(&findings, "release.env", &light).expect("lightweight tag")),
        c2
    );
}

#[test]
fn packed_and_loose_objects_are_both_scanned() {
    let r = Repo::new();
    let (packed, loose) = (password(), password());
    r.write("a.env", &db_url(&packed));
    r.commit("packed");
    r.git(&["gc", "-q"]);
    r.write("b.env", &db_url(&loose));
    r.commit("loose");
    let counts = r.git(&["count-objects", "-v"]);
    let field = |k: &str| -> u64 {
        counts
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0)
    };
    assert!(field("in-pack:") > 0 && field("count:") > 0, "{counts}");
    let (_, findings, _) = history_json(&r.path, &[]);
    assert!(
        finding(&findings, "a.env", &packed).is_some(),
        "packed blob"
    );
    assert!(finding(&findings, "b.env", &loose).is_some(), "loose blob");
}

#[test]
fn bare_repository() {
    let r = Repo::new();
    let pw = password();
    r.write("x.env", &db_url(&pw));
    let leak = r.commit("add");
    r.write("x.env", "none\n");
    r.commit("remove");
    let bare = r.path.parent().unwrap().join("bare.git");
    git(
        &r.path,
        &["clone", "-q", "--bare", ".", bare.to_str().unwrap()],
    );
    let (code, findings, _) = history_json(&bare, &["."]);
    assert_eq!(code, 1);
    assert_eq!(
        commit_of(finding(&findings, "x.env", &pw).expect("bare repo scanned")),
        leak
    );
}

#[test]
fn shallow_clone_scans_what_is_there_and_says_history_is_incomplete() {
    let r = Repo::new();
    let (old, recent) = (password(), password());
    r.write("a.env", &db_url(&old));
    r.commit("old");
    r.write("a.env", "gone\n");
    r.commit("scrub");
    r.write("b.env", &db_url(&recent));
    r.commit("recent");
    let shallow = Repo::clone_from(&r.path, &["--depth", "1"]);
    assert_eq!(
        shallow.git(&["rev-parse", "--is-shallow-repository"]),
        "true"
    );
    let (code, findings, stderr) = history_json(&shallow.path, &[]);
    assert_eq!(code, 1);
    assert!(finding(&findings, "b.env", &recent).is_some());
    assert!(for_secret(&findings, &old).is_empty(), "not in the clone");
    assert!(stderr.contains("shallow"), "{stderr}");
}

#[test]
fn lfs_pointer_files_are_not_secrets() {
    let r = Repo::new();
    r.write(
        ".gitattributes",
        "*.bin filter=lfs diff=lfs merge=lfs -text\n",
    );
    let oid: String = (0..64)
        .map(|i| b"0123456789abcdef"[(i * 7 + 3) % 16] as char)
        .collect();
    r.write(
        "assets/model.bin",
        &format!("version https://git-lfs.github.com/spec/v1\noid sha256:{oid}\nsize 48213\n"),
    );
    let pw = password();
    r.write("app.env", &db_url(&pw));
    r.commit("assets");
    let (code, findings, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert!(finding(&findings, "app.env", &pw).is_some());
}

#[test]
fn narrowing_flags_since_commit_branch_and_range() {
    let r = Repo::new();
    let (a, b, c) = (password(), password(), password());
    r.write("a.env", &db_url(&a));
    let c1 = r.commit("a");
    r.write("b.env", &db_url(&b));
    r.commit("b");
    r.git(&["checkout", "-q", "-b", "side"]);
    r.write("c.env", &db_url(&c));
    r.commit("c");
    r.git(&["checkout", "-q", "main"]);
    let found = |args: &[&str]| -> Vec<bool> {
        let (_, f, stderr) = history_json(&r.path, args);
        assert!(!stderr.contains("error"), "{stderr}");
        [&a, &b, &c]
            .iter()
            .map(|pw| !for_secret(&f, pw).is_empty())
            .collect()
    };
    assert_eq!(found(&[]), [true, true, true]);
    assert_eq!(found(&["--since-commit", &c1]), [false, true, true]);
    assert_eq!(found(&["--branch", "main"]), [true, true, false]);
    assert_eq!(
        found(&["--range", &format!("{c1}..main")]),
        [false, true, false]
    );
    assert_eq!(found(&["--range", "main..side"]), [false, false, true]);
}

#[test]
fn not_a_git_repository_exits_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let out = unleak(dir.path(), &["scan", "--history", "."]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a git repository"), "{stderr}");
    let out = unleak(dir.path(), &["scan", "--history", "--branch", "nope", "."]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unknown_revision_exits_2() {
    let r = Repo::new();
    r.write("a", "a\n");
    r.commit("a");
    let out = unleak(
        &r.path,
        &["scan", "--history", "--since-commit", "no-such-rev"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no-such-rev"));
}

#[test]
fn all_objects_finds_rewritten_commits_and_loose_blobs() {
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    let (rewritten, dangling) = (password(), password());
    r.write("oops.env", &db_url(&rewritten));
    let gone = r.commit("oops");
    r.git(&["reset", "-q", "--hard", "HEAD~1"]);
    let blob_file = r.path.join("..").join("blob.txt");
    std::fs::write(&blob_file, db_url(&dangling)).unwrap();
    let blob = r.git(&["hash-object", "-w", blob_file.to_str().unwrap()]);

    let (code, findings, _) = history_json(&r.path, &[]);
    assert_eq!(code, 0, "{findings:?}");
    let (code, findings, _) = history_json(&r.path, &["--all-objects"]);
    assert_eq!(code, 1);
    let f = finding(&findings, "oops.env", &rewritten).expect("rewritten commit scanned");
    assert_eq!(commit_of(f), gone);
    assert_eq!(f["commit"]["unreachable"], true);
    let d = for_secret(&findings, &dangling);
    assert_eq!(d.len(), 1);
    assert!(d[0]["path"].as_str().unwrap().contains(&blob), "{:?}", d[0]);
    assert_eq!(d[0]["commit"]["unreachable"], true);
}

#[test]
fn corrupt_object_is_a_warning_naming_it_and_the_scan_goes_on() {
    let r = Repo::new();
    let (good, bad) = (password(), password());
    r.write("good.env", &db_url(&good));
    r.write("bad.env", &db_url(&bad));
    r.commit("both");
    let id = r.git(&["rev-parse", "HEAD:bad.env"]);
    let obj = r.path.join(".git/objects").join(&id[..2]).join(&id[2..]);
    overwrite(&obj, b"this is not zlib data");
    let (code, findings, stderr) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    assert!(finding(&findings, "good.env", &good).is_some());
    assert!(stderr.contains(&id), "{stderr}");
}

/// Damaged loose objects that libgit2 (1.9.7) spun on forever in its inflate loop: unleak
/// reads loose blobs itself, bounded, and checks any other loose object before libgit2 may
/// read it. The bytes are finds of the fuzz target `repository` (the loose blob of `loose\n`
/// with one byte changed) and of `mutated_repositories_never_crash_and_never_pass_silently`
/// (a commit of its own test repository, damaged); the object ids do not depend on them.
#[test]
fn damaged_loose_objects_that_libgit2_spins_on_are_named_not_a_hang() {
    const BLOB: [u8; 21] = [
        0x78, 0x01, 0x4b, 0xca, 0xc9, 0x4f, 0x52, 0x30, 0x63, 0xc8, 0xc9, 0xcf, 0x2f, 0x4e, 0xe5,
        0x02, 0x01, 0x1e, 0x1c, 0x04, 0x22,
    ];
    const COMMIT: [u8; 152] = [
        0x78, 0x01, 0x9d, 0x8e, 0x51, 0x0a, 0xc2, 0x30, 0x10, 0x44, 0xfd, 0xce, 0x29, 0xf2, 0x2f,
        0xc8, 0x26, 0xcd, 0x6e, 0x12, 0x10, 0xd1, 0x3b, 0x78, 0x81, 0x4d, 0xba, 0x41, 0xa1, 0x35,
        0xa5, 0x8d, 0xe0, 0xf1, 0x6d, 0xed, 0x0d, 0x9c, 0xaf, 0x37, 0x33, 0x0c, 0x4c, 0xae, 0xe3,
        0xf8, 0x6c, 0xda, 0x5a, 0x38, 0xb4, 0x59, 0x44, 0x77, 0x48, 0x88, 0x2e, 0x22, 0xf7, 0xc6,
        0x50, 0x8f, 0x29, 0x91, 0x40, 0x97, 0xc1, 0xf9, 0x84, 0xc2, 0x1d, 0x14, 0x28, 0x5c, 0x52,
        0x2e, 0x45, 0x4d, 0x3c, 0xbe, 0xab, 0x69, 0x34, 0xec, 0xe2, 0x66, 0x65, 0x22, 0x05, 0x36,
        0x9e, 0x6c, 0xb6, 0xbc, 0xee, 0x20, 0x06, 0xf0, 0x39, 0x79, 0x22, 0x1b, 0x7a, 0x13, 0x59,
        0xf1, 0xbb, 0x3d, 0xea, 0xac, 0xef, 0xb2, 0x34, 0x7d, 0xdb, 0xf9, 0xbc, 0x67, 0x57, 0xf9,
        0xf0, 0x38, 0x0d, 0x72, 0x6a, 0x6b, 0x77, 0xd1, 0xc6, 0xc3, 0x26, 0x17, 0x40, 0x1f, 0x37,
        0xbb, 0xf9, 0x77, 0xb1, 0xc9, 0x5f, 0x63, 0x35, 0xd4, 0xba, 0x88, 0xfa, 0x02, 0x96, 0x0a,
        0x46, 0x02,
    ];
    // A loose blob no ref reaches (`--all-objects` reads it).
    let r = Repo::new();
    r.write("a.txt", "a\n");
    r.commit("init");
    let blob_file = r.path.join("..").join("loose.txt");
    std::fs::write(&blob_file, "loose\n").unwrap();
    let blob = r.git(&["hash-object", "-w", blob_file.to_str().unwrap()]);
    overwrite(&loose_path(&r, &blob), &BLOB);
    let (code, stderr) = scan_within_a_minute(&r, &["--all-objects"]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains(&blob) && stderr.contains("damaged loose object"),
        "{stderr}"
    );
    // The tip commit of the only branch.
    let r = Repo::new();
    r.write("a.txt", "a\n");
    let tip = r.commit("init");
    overwrite(&loose_path(&r, &tip), &COMMIT);
    let (code, stderr) = scan_within_a_minute(&r, &[]);
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains(&tip) && stderr.contains("damaged loose object"),
        "{stderr}"
    );
    // The same tip over a history that leaks: finding where the secret came from peeled HEAD
    // through libgit2 unchecked and spun (found by the mutation test below).
    let r = Repo::new();
    let pw = password();
    r.write("prod.env", &db_url(&pw));
    r.commit("leak");
    r.write("a.txt", "a\n");
    let tip = r.commit("tip");
    overwrite(&loose_path(&r, &tip), &COMMIT);
    let (code, stderr) = scan_within_a_minute(&r, &["--all-objects"]);
    assert_eq!(code, Some(1), "the leak is still found: {stderr}");
    assert!(
        stderr.contains(&tip) && stderr.contains("damaged loose object"),
        "{stderr}"
    );
}

fn loose_path(r: &Repo, id: &str) -> std::path::PathBuf {
    r.path.join(".git/objects").join(&id[..2]).join(&id[2..])
}

/// `unleak scan --history ARGS` in `r`, killed (and the test failed) after a minute.
fn scan_within_a_minute(r: &Repo, args: &[&str]) -> (Option<i32>, String) {
    let mut all = vec!["scan", "--history", "--no-config"];
    all.extend_from_slice(args);
    let out = unleak_within(&r.path, &all, std::time::Duration::from_secs(60));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Replace a file git wrote read-only (objects and packs).
fn overwrite(path: &std::path::Path, bytes: &[u8]) {
    let mut perms = std::fs::metadata(path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(path, perms).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A damaged tree, in a loose repository and in a packed one: what our object reader cannot read
/// goes to libgit2, which names the object; the rest of history is scanned.
#[test]
fn corrupt_tree_is_a_warning_naming_it_and_the_rest_is_scanned() {
    for packed in [false, true] {
        let r = Repo::new();
        let (early, late) = (password(), password());
        r.write("root.env", &db_url(&early));
        r.write("sub/deep/a.txt", "no secret here\n");
        r.commit("first");
        r.write("sub/deep/b.env", &db_url(&late));
        r.commit("second");
        let tree = r.git(&["rev-parse", "HEAD:sub"]);
        if packed {
            r.git(&["repack", "-adq"]);
        }
        // Damage the tree `sub` of the second commit: a loose object's file is overwritten, a
        // packed entry gets two bytes of its zlib data flipped.
        if packed {
            let pack_dir = r.path.join(".git/objects/pack");
            let idx = std::fs::read_dir(&pack_dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|e| e == "idx"))
                .unwrap();
            let listing = r.git(&["verify-pack", "-v", idx.to_str().unwrap()]);
            let line = listing
                .lines()
                .find(|l| l.starts_with(&tree))
                .expect("the tree is in the pack");
            // `id type size size-in-pack offset`: damage the middle of its zlib data.
            let f: Vec<&str> = line.split_whitespace().collect();
            let (in_pack, offset): (u64, u64) = (f[3].parse().unwrap(), f[4].parse().unwrap());
            let pack = idx.with_extension("pack");
            let mut bytes = std::fs::read(&pack).unwrap();
            let at = (offset + in_pack / 2) as usize;
            bytes[at] ^= 0xff;
            bytes[at + 1] ^= 0xff;
            overwrite(&pack, &bytes);
        } else {
            let loose = r
                .path
                .join(".git/objects")
                .join(&tree[..2])
                .join(&tree[2..]);
            overwrite(&loose, b"this is not zlib data");
        }
        let (code, findings, stderr) = history_json(&r.path, &[]);
        assert_eq!(code, 1, "packed {packed}: {stderr}");
        assert!(
            finding(&findings, "root.env", &early).is_some(),
            "packed {packed}: {findings:?}"
        );
        assert!(stderr.contains(&tree), "packed {packed}: {stderr}");
    }
}

#[test]
fn blobs_over_the_size_limit_are_skipped_and_counted() {
    let r = Repo::new();
    let pw = password();
    let mut big = db_url(&pw);
    big.push_str(&"filler line\n".repeat(200));
    r.write("big.env", &big);
    r.commit("big");
    let (code, findings, _) = history_json(&r.path, &["--max-file-size", "1k"]);
    assert_eq!(code, 0, "{findings:?}");
    let out = unleak(
        &r.path,
        &["scan", "--history", "--max-file-size", "1k", "-f", "json"],
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["stats"]["skipped_large"], 1);
    assert_eq!(doc["stats"]["commits"], 1);
}

#[test]
fn submodules_are_not_followed_and_say_so() {
    let sub = Repo::new();
    sub.write("s.txt", "s\n");
    sub.commit("sub");
    let r = Repo::new();
    r.git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.path.to_str().unwrap(),
        "vendor/sub",
    ]);
    r.commit("add submodule");
    let (code, _, stderr) = history_json(&r.path, &[]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("submodules are not followed") && stderr.contains("vendor/sub"),
        "{stderr}"
    );
}

#[test]
fn secret_under_a_directory_that_replaced_a_file_of_the_same_name() {
    let r = Repo::new();
    r.write("conf", "plain file\n");
    r.write("conf.d", "x\n");
    r.commit("file");
    std::fs::remove_file(r.path.join("conf")).unwrap();
    let pw = password();
    r.write("conf/db.env", &db_url(&pw));
    let leak = r.commit("file becomes a directory");
    let (_, findings, _) = history_json(&r.path, &[]);
    assert_eq!(
        commit_of(finding(&findings, "conf/db.env", &pw).expect("found")),
        leak
    );
}

#[test]
fn packed_deltas_give_the_same_findings_as_loose_objects() {
    // Many small edits of one file: packing stores most versions as deltas (read by
    // unleak's own pack reader), so this compares that reader with libgit2's loose reads.
    let r = Repo::new();
    let (early, late, copied) = (password(), password(), password());
    let mut lines: Vec<String> = (0..120).map(|i| format!("setting_{i} = {i}")).collect();
    for c in 0..30 {
        lines[(c * 7) % 120] = format!("setting_{c} = changed in {c}");
        match c {
            5 => lines[50] = db_url(&early).trim_end().to_string(),
            12 => lines[50] = "removed = true".to_string(),
            20 => lines[90] = db_url(&late).trim_end().to_string(),
            _ => {}
        }
        r.write("app/settings.env", &lines.join("\n"));
        if c == 25 {
            r.write(
                "copy/settings.env",
                &(lines.join("\n") + "\n" + &db_url(&copied)),
            );
        }
        r.commit(&format!("edit {c}"));
    }
    let (code, loose, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    for pw in [&early, &late, &copied] {
        assert!(
            !for_secret(&loose, pw).is_empty(),
            "{pw} found in loose objects"
        );
    }
    r.git(&["repack", "-adfq", "--depth=50", "--window=50"]);
    r.git(&["prune-packed"]);
    let counts = r.git(&["count-objects", "-v"]);
    assert!(
        counts.lines().any(|l| l == "count: 0"),
        "all objects packed: {counts}"
    );
    let (code, packed, _) = history_json(&r.path, &[]);
    assert_eq!(code, 1);
    assert_eq!(packed, loose, "same findings, same commits, from the pack");
    // And they did come from the pack reader, not from libgit2.
    let out = unleak(&r.path, &["scan", "--history", "-f", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["stats"]["packed_blobs"], doc["stats"]["files"],
        "{}",
        doc["stats"]
    );
    assert!(doc["stats"]["files"].as_u64().unwrap() >= 30);
}

/// The loose file of object `id` in `r`.
fn loose_object(r: &Repo, id: &str) -> std::path::PathBuf {
    r.path.join(".git/objects").join(&id[..2]).join(&id[2..])
}

/// Repro 03: the only branch's tip commit is damaged or missing. Nothing of the history is
/// reachable then: the scan must name the commit and exit 3 (incomplete), never "0 files, 0".
#[test]
fn damaged_or_missing_tip_commit_is_an_incomplete_scan_naming_it() {
    for missing in [true, false] {
        let r = Repo::new();
        r.write("s.env", &db_url(&password()));
        r.commit("s");
        r.write("a", "x\n");
        let tip = r.commit("a");
        let obj = loose_object(&r, &tip);
        if missing {
            std::fs::remove_file(&obj).unwrap();
        } else {
            overwrite(&obj, b"this is not zlib data");
        }
        let (code, findings, stderr) = history_json(&r.path, &[]);
        assert_eq!(code, 3, "missing {missing}: {stderr} {findings:?}");
        assert!(stderr.contains(&tip), "missing {missing}: {stderr}");
        assert!(stderr.contains("incomplete"), "{stderr}");
    }
}

/// A damaged commit in the middle of history: named, and everything the tip's tree holds is
/// still scanned (the walk goes on past it), so the secret at the tip is found.
#[test]
fn damaged_middle_commit_is_named_and_the_rest_is_scanned() {
    let r = Repo::new();
    r.write("a", "1\n");
    r.commit("one");
    r.write("a", "2\n");
    let middle = r.commit("two");
    let pw = password();
    r.write("late.env", &db_url(&pw));
    r.commit("three");
    overwrite(&loose_object(&r, &middle), b"this is not zlib data");
    let (code, findings, stderr) = history_json(&r.path, &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        finding(&findings, "late.env", &pw).is_some(),
        "{findings:?}"
    );
    assert!(stderr.contains(&middle), "{stderr}");
    // Without a secret at the tip, the same damage makes the scan incomplete, not clean.
    let r = Repo::new();
    r.write("a", "1\n");
    r.commit("one");
    r.write("a", "2\n");
    let middle = r.commit("two");
    r.write("a", "3\n");
    r.commit("three");
    overwrite(&loose_object(&r, &middle), b"this is not zlib data");
    let out = unleak(&r.path, &["scan", "--history", "-f", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc["stats"]["files"].as_u64().unwrap() >= 1, "{doc}");
    assert!(doc["stats"]["errors"].as_u64().unwrap() >= 1, "{doc}");
}

/// A ref whose object is not in the repository is named, not dropped silently.
#[test]
fn a_ref_to_a_missing_object_is_named() {
    let r = Repo::new();
    r.write("a", "1\n");
    r.commit("one");
    let ghost = "0123456789abcdef0123456789abcdef01234567";
    std::fs::write(r.path.join(".git/refs/heads/ghost"), format!("{ghost}\n")).unwrap();
    let (code, _, stderr) = history_json(&r.path, &[]);
    assert_eq!(code, 3, "{stderr}");
    assert!(
        stderr.contains("refs/heads/ghost") && stderr.contains(ghost),
        "{stderr}"
    );
}

/// The pack and index of a small packed repository.
fn packed_repo() -> (Repo, std::path::PathBuf) {
    let r = Repo::new();
    for i in 1..=2 {
        let lines: String = (1..=60).map(|n| format!("{n}\n")).collect();
        r.write("f.txt", &format!("{lines}v{i}\n"));
        r.commit(&format!("v{i}"));
    }
    r.git(&["repack", "-adq"]);
    let idx = std::fs::read_dir(r.path.join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "idx"))
        .unwrap();
    (r, idx)
}

/// Repro 09: an index offset past the end of the pack made libgit2 read past its map
/// (SIGSEGV). The pack is named and refused, with exit 2, before libgit2 touches it.
#[test]
fn index_offset_past_the_pack_is_refused_not_a_crash() {
    let (r, idx) = packed_repo();
    let mut b = std::fs::read(&idx).unwrap();
    let n = u32::from_be_bytes(b[8 + 255 * 4..8 + 256 * 4].try_into().unwrap()) as usize;
    let off = 8 + 1024 + n * 24;
    b[off..off + 4].copy_from_slice(&0x0086_0D58u32.to_be_bytes());
    overwrite(&idx, &b);
    for extra in [&[][..], &["--all-objects"][..]] {
        let mut args = vec!["scan", "--history"];
        args.extend_from_slice(extra);
        let out = unleak(&r.path, &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(
            stderr.contains("damaged pack") && stderr.contains(".idx"),
            "{stderr}"
        );
    }
}

/// A tiny deterministic generator (xorshift), so the fuzz-like test is the same every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Every object of `r` as git reads it (`git cat-file --batch`), to tell whether damage made
/// one unreadable or different.
fn all_objects(r: &Repo, ids: &[String]) -> Option<Vec<u8>> {
    use std::io::Write;
    let mut child = unleak_testsupport::git::git_cmd(&r.path)
        .args(["cat-file", "--batch"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let list = ids.join("\n") + "\n";
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(list.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    out.status.success().then_some(out.stdout)
}

/// `unleak scan --history -q -f json ARGS` in `r`: the exit status and the report's stats.
fn scan_stats(r: &Repo, extra: &[&str]) -> (std::process::ExitStatus, serde_json::Value, String) {
    let mut args = vec!["scan", "--history", "-f", "json"];
    args.extend_from_slice(extra);
    let out = unleak_within(&r.path, &args, std::time::Duration::from_secs(120));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    (out.status, doc["stats"].clone(), stderr)
}

/// `unleak ARGS` in `dir`, killed after `limit`: a hang on a damaged repository is a failure
/// that names a copy of the repository (kept under the target dir to reproduce it), not a CI
/// job that never ends.
fn unleak_within(
    dir: &std::path::Path,
    args: &[&str],
    limit: std::time::Duration,
) -> std::process::Output {
    use std::process::Stdio;
    let mut child = unleak_testsupport::unleak::command()
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unleak runs");
    // Drain the pipes on threads so a full pipe cannot look like a hang.
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut out, &mut b).ok();
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        std::io::Read::read_to_end(&mut err, &mut b).ok();
        b
    });
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for unleak") {
            break status;
        }
        if start.elapsed() > limit {
            child.kill().ok();
            child.wait().ok();
            let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!(
                "hung-repo-{}",
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
            ));
            let copied = std::process::Command::new("cp")
                .args(["-a"])
                .arg(dir)
                .arg(&keep)
                .status()
                .is_ok_and(|s| s.success());
            panic!(
                "unleak {args:?} did not finish in {limit:?} on a damaged repository{}",
                if copied {
                    format!(" (kept at {})", keep.display())
                } else {
                    String::new()
                }
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    std::process::Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    }
}

/// Mutated bytes of packs, indexes and loose objects, in a bounded loop with a fixed seed, on
/// a history holding a secret. The binary must never die by a signal or panic (exit 101), and
/// never exit 0 (the secret is there: 0 would mean it was missed silently). When git itself
/// can no longer read every object as before, an exit 1 must come with a counted warning,
/// unless unleak read exactly what it read undamaged (damage only git's lookups trip on,
/// such as the index's fan-out table, which unleak rebuilds from the ids).
#[test]
fn mutated_repositories_never_crash_and_never_pass_silently() {
    let mut rng = Rng(0x5eed_1234_abcd_0042);
    let runs = 60;
    let mut noticed = 0;
    for run in 0..runs {
        let (r, idx) = packed_repo();
        // One more commit left loose, so loose objects get mutated too.
        r.write("g.env", &db_url(&password()));
        r.commit("loose");
        let ids: Vec<String> = r
            .git(&[
                "cat-file",
                "--batch-all-objects",
                "--batch-check=%(objectname)",
            ])
            .lines()
            .map(str::to_string)
            .collect();
        let before = all_objects(&r, &ids).expect("git reads the undamaged repository");
        let undamaged: Vec<_> = [&[][..], &["--all-objects"][..]]
            .iter()
            .map(|extra| scan_stats(&r, extra))
            .collect();
        let loose: Vec<std::path::PathBuf> = ids
            .iter()
            .map(|id| loose_object(&r, id))
            .filter(|p| p.exists())
            .collect();
        let target = match run % 3 {
            0 => idx.with_extension("pack"),
            1 => idx.clone(),
            _ => loose[rng.below(loose.len())].clone(),
        };
        let mut bytes = std::fs::read(&target).unwrap();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(bytes.len());
            bytes[at] = rng.next() as u8;
        }
        overwrite(&target, &bytes);
        let intact = all_objects(&r, &ids).is_some_and(|after| after == before);
        for (extra, (_, clean_stats, _)) in [&[][..], &["--all-objects"][..]].iter().zip(&undamaged)
        {
            let (status, stats, stderr) = scan_stats(&r, extra);
            let code = status.code();
            let what = format!(
                "run {run} {extra:?} ({}): {status:?} {stderr}",
                target.display()
            );
            assert!(code.is_some() && code != Some(101), "{what}");
            assert_ne!(code, Some(0), "{what}");
            if !intact && code == Some(1) {
                let counted = stats["errors"].as_u64().unwrap_or(0) > 0;
                let same = ["files", "bytes", "commits"]
                    .iter()
                    .all(|k| stats[k] == clean_stats[k]);
                assert!(counted || same, "{what}: {stats} vs {clean_stats}");
            }
            noticed +=
                (!intact && code != Some(1) || stats["errors"].as_u64().unwrap_or(0) > 0) as u32;
        }
    }
    assert!(noticed > 0, "some mutation must have been noticed");
}
