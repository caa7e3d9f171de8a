//! Remote repositories: a URL (`https://`, `http://`, `ssh://`, `git://`, `file://`, or
//! scp-like `user@host:path`) becomes a bare mirror in a cache
//! (`$XDG_CACHE_HOME/unleak/repos/HOST/PATH.git`), cloned once and fetched (every ref, pruned)
//! on later runs, and the history source reads that mirror as any local repository.
//!
//! Why the `git` command and not libgit2: the user's credential helpers, `~/.ssh/config`,
//! `url.*.insteadOf`, proxies and `http.extraHeader` settings are what make a private
//! organisation's repositories reachable; libgit2 implements only part of them (no credential
//! helpers without our own glue, no `ssh` config), and the scanner's libgit2 is built without
//! network transports at all (a smaller, network-free scan crate).
//!
//! A URL's password is never printed: every message names the URL with it replaced by `***`,
//! git's own output is scrubbed of it, and the mirror's configuration keeps the URL without it
//! (it is passed to `git fetch` on the command line each time instead).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context, Result};

/// A repository named by URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteUrl {
    /// As given (with its password, if any): what git is asked to fetch.
    url: String,
    /// The host (with `_PORT` when one is given; `file` for `file://`).
    host: String,
    /// The path on the host, without leading `/` or `~` and without a trailing `.git`.
    path: String,
    /// The password embedded in the URL (`https://user:PASSWORD@host/…`), to scrub.
    password: Option<String>,
}

impl RemoteUrl {
    /// The URL if `s` is one (a scheme git fetches, or scp-like `user@host:path`), else `None`
    /// (a local path).
    pub fn parse(s: &str) -> Option<RemoteUrl> {
        let (authority, path) = if let Some((scheme, rest)) = s.split_once("://") {
            if !matches!(
                scheme.to_ascii_lowercase().as_str(),
                "https" | "http" | "ssh" | "git" | "file" | "git+ssh" | "ssh+git"
            ) {
                return None;
            }
            if scheme.eq_ignore_ascii_case("file") {
                let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                let host = if host.is_empty() { "file" } else { host };
                return Some(RemoteUrl {
                    url: s.to_string(),
                    host: clean(host),
                    path: clean_path(path)?,
                    password: None,
                });
            }
            let (auth, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            (auth.to_string(), path.to_string())
        } else {
            // scp-like: `[user@]host:path`, a colon before any slash (git's own rule), and at
            // least something before the colon that is not a drive letter.
            let colon = s.find(':')?;
            if s[..colon].contains('/') || colon < 2 || s[colon + 1..].is_empty() {
                return None;
            }
            (s[..colon].to_string(), s[colon + 1..].to_string())
        };
        let (userinfo, hostport) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority.as_str()),
        };
        let password = userinfo
            .and_then(|u| u.split_once(':'))
            .map(|(_, p)| p.to_string())
            .filter(|p| !p.is_empty());
        if hostport.is_empty() {
            return None;
        }
        Some(RemoteUrl {
            url: s.to_string(),
            host: clean(&hostport.replace(':', "_")),
            path: clean_path(&path)?,
            password,
        })
    }

    /// The URL as it may be shown and stored: the password replaced by `***`.
    pub fn display(&self) -> String {
        self.scrub(&self.url)
    }

    /// The URL without its password (for the mirror's configuration).
    fn without_password(&self) -> String {
        match &self.password {
            Some(p) => self.url.replacen(&format!(":{p}@"), "@", 1),
            None => self.url.clone(),
        }
    }

    /// `text` with the password (as written and percent-decoded) replaced by `***`.
    pub fn scrub(&self, text: &str) -> String {
        let Some(p) = &self.password else {
            return text.to_string();
        };
        let mut out = text.replace(p.as_str(), "***");
        let decoded = percent_decode(p);
        if decoded != *p && !decoded.is_empty() {
            out = out.replace(decoded.as_str(), "***");
        }
        out
    }

    /// Where its mirror is kept under `cache` (`HOST/PATH.git`).
    pub fn mirror_in(&self, cache: &Path) -> PathBuf {
        cache.join(&self.host).join(format!("{}.git", self.path))
    }
}

/// One path component as a directory name: no separators, nothing that climbs.
fn clean(s: &str) -> String {
    let s: String = s
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    if s.is_empty() || s == "." || s == ".." {
        format!("_{s}")
    } else {
        s
    }
}

/// A URL's path as relative directories: `~`, empty, `.` and `..` segments dropped (a URL
/// cannot write outside the cache), a trailing `.git` removed. `None` when nothing is left.
fn clean_path(path: &str) -> Option<String> {
    let parts: Vec<String> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != "." && *p != ".." && *p != "~")
        .map(|p| clean(p.trim_start_matches('~')))
        .collect();
    let mut joined = parts.join("/");
    if let Some(stripped) = joined.strip_suffix(".git") {
        joined = stripped.to_string();
    }
    (!joined.is_empty()).then_some(joined)
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

/// The mirror cache: `$XDG_CACHE_HOME/unleak/repos`, else `~/.cache/unleak/repos`.
pub fn cache_dir() -> Result<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .context("cannot find a cache directory: set XDG_CACHE_HOME or HOME")?;
    Ok(base.join("unleak").join("repos"))
}

/// What `sync` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Synced {
    Cloned,
    Fetched,
}

/// Make the mirror of `url` under `cache` current: clone it if absent, else fetch every ref
/// with pruning. Returns the mirror's path.
pub fn sync(url: &RemoteUrl, cache: &Path) -> Result<(PathBuf, Synced)> {
    let dir = url.mirror_in(cache);
    if dir.join("HEAD").is_file() {
        git(
            url,
            Command::new("git").arg("-C").arg(&dir).args([
                "fetch",
                "--prune",
                "--quiet",
                "--no-write-fetch-head",
                "--",
                &url.url,
                "+refs/*:refs/*",
            ]),
        )
        .with_context(|| format!("cannot fetch {}", url.display()))?;
        return Ok((dir, Synced::Fetched));
    }
    let parent = dir.parent().context("mirror path has no parent")?;
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    // Cloned beside its place and renamed into it: an interrupted clone never looks like a
    // mirror to the next run.
    let tmp = parent.join(format!(
        ".{}.partial-{}",
        dir.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned()),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let cloned = git(
        url,
        Command::new("git")
            .args(["clone", "--mirror", "--quiet", "--", &url.url])
            .arg(&tmp),
    )
    .and_then(|()| {
        git(
            url,
            Command::new("git").arg("-C").arg(&tmp).args([
                "remote",
                "set-url",
                "origin",
                &url.without_password(),
            ]),
        )
    });
    if let Err(e) = cloned {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e).with_context(|| format!("cannot clone {}", url.display()));
    }
    if let Err(e) = std::fs::rename(&tmp, &dir) {
        let _ = std::fs::remove_dir_all(&tmp);
        // Another process cloned it first: theirs is as good.
        if !dir.join("HEAD").is_file() {
            return Err(e).with_context(|| format!("cannot move the mirror to {}", dir.display()));
        }
    }
    Ok((dir, Synced::Cloned))
}

/// Run git without a terminal prompt (an audit must fail, not wait for a password), its
/// standard error kept, scrubbed of the password, for the message.
fn git(url: &RemoteUrl, cmd: &mut Command) -> Result<()> {
    let out = cmd
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .context("cannot run git (is it installed and on PATH?)")?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let err = url.scrub(err.trim());
    let err = unleak_scan::report::escape_control(&err);
    if err.is_empty() {
        bail!("git failed ({})", out.status);
    }
    bail!("{err}");
}

/// The local repository for `arg`: itself when it is a path, its synced mirror when it is a
/// URL (announced on stderr unless quiet). Returns the path and the name reports use.
pub fn local_repo(arg: &Path, quiet: bool) -> Result<(PathBuf, String)> {
    let s = arg.to_string_lossy();
    match RemoteUrl::parse(&s).filter(|_| !arg.exists()) {
        None => Ok((arg.to_path_buf(), s.into_owned())),
        Some(url) => {
            let (dir, how) = sync(&url, &cache_dir()?)?;
            if !quiet {
                crate::output::note(&format!(
                    "{} {} into {}",
                    match how {
                        Synced::Cloned => "cloned",
                        Synced::Fetched => "fetched",
                    },
                    url.display(),
                    dir.display()
                ));
            }
            Ok((dir, url.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_their_cache_paths() {
        let cache = Path::new("/c");
        let cases = [
            (
                "https://github.com/org/repo.git",
                "/c/github.com/org/repo.git",
            ),
            (
                "ssh://git@host:2222/~/team/app",
                "/c/host_2222/team/app.git",
            ),
            ("git@github.com:org/repo.git", "/c/github.com/org/repo.git"),
            ("git://127.0.0.1:9418/a.git", "/c/127.0.0.1_9418/a.git"),
            ("file:///srv/git/x.git", "/c/file/srv/git/x.git"),
            ("https://h/../../etc/passwd", "/c/h/etc/passwd.git"),
        ];
        for (url, want) in cases {
            let u = RemoteUrl::parse(url).unwrap_or_else(|| panic!("{url}"));
            assert_eq!(u.mirror_in(cache), PathBuf::from(want), "{url}");
        }
        for path in ["./repo", "/abs/path", "repo", "C:/x", "a/b:c"] {
            assert_eq!(RemoteUrl::parse(path), None, "{path}");
        }
    }

    #[test]
    fn the_password_is_never_shown() {
        let u = RemoteUrl::parse("https://ann:p%40ss-w0rd@example.test/o/r.git").unwrap();
        assert_eq!(u.display(), "https://ann:***@example.test/o/r.git");
        assert_eq!(u.without_password(), "https://ann@example.test/o/r.git");
        assert_eq!(
            u.scrub("fatal: auth failed for p@ss-w0rd and p%40ss-w0rd"),
            "fatal: auth failed for *** and ***"
        );
    }
}
