//! A repository's ref tips: what an incremental audit compares with the tips it recorded
//! (equal, and under the same settings: nothing to walk) and records once a scan of them was
//! complete. The same starting points as the walk's (every ref, HEAD, the stash's reflog),
//! by the ids the refs hold (an annotated tag's own id: a tag moved to another object is a
//! change even when it peels to the same commit).

use std::collections::BTreeMap;
use std::path::Path;

use git2::Repository;

use super::git_err;
use crate::error::Result;
use crate::git::ObjectId;

/// Ref name → the id it holds (hex). `HEAD` is listed by what it resolves to, and each entry
/// of the stash's reflog as `refs/stash@{N}`. Refs that lead nowhere (an unborn branch) are
/// left out; the walk names what it cannot read.
pub fn ref_tips(path: &Path) -> Result<BTreeMap<String, String>> {
    let repo = crate::git::repo::open(path)?;
    ref_tips_of(&repo)
}

fn ref_tips_of(repo: &Repository) -> Result<BTreeMap<String, String>> {
    let mut tips = BTreeMap::new();
    for r in repo.references().map_err(git_err)?.flatten() {
        let name = String::from_utf8_lossy(r.name_bytes()).into_owned();
        if let Some(id) = r.resolve().ok().and_then(|r| r.target()) {
            tips.insert(name, ObjectId::from(id).to_string());
        }
    }
    if let Some(id) = repo.head().ok().and_then(|h| h.target()) {
        tips.insert("HEAD".to_string(), ObjectId::from(id).to_string());
    }
    if let Ok(log) = repo.reflog("refs/stash") {
        for (i, e) in log.iter().enumerate() {
            let id = ObjectId::from(e.id_new());
            if !id.is_zero() {
                tips.insert(format!("refs/stash@{{{i}}}"), id.to_string());
            }
        }
    }
    Ok(tips)
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) {
        let st = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@e",
                "-c",
                "commit.gpgsign=false",
            ])
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("git runs");
        assert!(st.success(), "git {args:?}");
    }

    use super::*;

    #[test]
    fn tips_name_every_ref_and_change_with_a_commit() {
        let dir = tempfile::tempdir().expect("tmp");
        let d = dir.path();
        git(d, &["init", "-q", "-b", "main"]);
        std::fs::write(d.join("a"), "1").expect("write");
        git(d, &["add", "a"]);
        git(d, &["commit", "-q", "-m", "one"]);
        git(d, &["tag", "-a", "-m", "v1", "v1"]);
        let first = ref_tips(d).expect("tips");
        assert_eq!(
            first.keys().map(String::as_str).collect::<Vec<_>>(),
            ["HEAD", "refs/heads/main", "refs/tags/v1"]
        );
        assert_ne!(
            first["refs/tags/v1"], first["refs/heads/main"],
            "the tag's own id"
        );
        assert_eq!(ref_tips(d).expect("tips"), first, "stable");
        std::fs::write(d.join("a"), "2").expect("write");
        git(d, &["commit", "-q", "-am", "two"]);
        let second = ref_tips(d).expect("tips");
        assert_ne!(second["refs/heads/main"], first["refs/heads/main"]);
        assert_eq!(second["refs/tags/v1"], first["refs/tags/v1"]);
    }
}
