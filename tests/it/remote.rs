//! Remote repositories by URL: real servers on 127.0.0.1 (`git daemon`, and git's smart HTTP
//! through `git http-backend` behind python3's CGI server), a mirror cache fetched on the next
//! run, an unreachable URL, and a URL's password never printed or kept.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use unleak_testsupport::git::{git, Repo};
use unleak_testsupport::keys::{db_url, password};

/// A server process killed when the test ends.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    unleak_testsupport::free_port().expect("a free port")
}

fn wait_for(port: u16) {
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "server on {port} did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A directory of bare repositories served over `git://` on 127.0.0.1.
fn git_daemon(root: &Path) -> (Server, u16) {
    let port = free_port();
    let child = Command::new("git")
        .args([
            "daemon",
            "--reuseaddr",
            "--export-all",
            "--listen=127.0.0.1",
            &format!("--port={port}"),
            &format!("--base-path={}", root.display()),
        ])
        .arg(root)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon starts (install git)");
    let s = Server(child);
    wait_for(port);
    (s, port)
}

/// `git http-backend` behind python3's CGI server on 127.0.0.1 (kept as the test's own user:
/// as root the server would drop to `nobody`, who cannot read the temp dirs): URLs
/// `http://127.0.0.1:PORT/cgi-bin/git/NAME.git`.
fn smart_http(root: &Path, work: &Path) -> (Server, u16) {
    let cgi = work.join("cgi-bin");
    std::fs::create_dir_all(&cgi).expect("mkdir");
    let script = cgi.join("git");
    std::fs::write(&script, "#!/bin/sh\nexec git http-backend\n").expect("write cgi");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let port = free_port();
    let child = Command::new("python3")
        .args([
            "-c",
            "import http.server,os,sys;os.setuid=lambda uid:None;http.server.test(HandlerClass=http.server.CGIHTTPRequestHandler,port=int(sys.argv[1]),bind='127.0.0.1')",
            &port.to_string(),
        ])
        .current_dir(work)
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 starts (install python3)");
    let s = Server(child);
    wait_for(port);
    (s, port)
}

/// A repository with a secret in its history, pushed to `root/NAME.git`.
fn publish(root: &Path, name: &str) -> (Repo, String) {
    let r = Repo::new();
    let pw = password();
    r.write("config/app.env", &db_url(&pw));
    r.commit("settings");
    r.write("config/app.env", "DATABASE_URL=${DATABASE_URL}\n");
    r.commit("from the environment");
    let bare = root.join(format!("{name}.git"));
    git(
        root,
        &[
            "init",
            "-q",
            "--bare",
            "-b",
            "main",
            &bare.to_string_lossy(),
        ],
    );
    r.git(&["push", "-q", &bare.to_string_lossy(), "main"]);
    (r, pw)
}

fn run(cache: &Path, args: &[&str]) -> Output {
    unleak_testsupport::unleak::command()
        .current_dir(cache)
        .env("XDG_CACHE_HOME", cache)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("unleak runs")
}

fn secrets(out: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["secret"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn scan_url(cache: &Path, url: &str) -> Output {
    run(
        cache,
        &["scan", "--history", "--show-secrets", "-f", "json", url],
    )
}

fn mirror(cache: &Path, host: &str, path: &str) -> PathBuf {
    cache.join("unleak/repos").join(host).join(path)
}

#[test]
fn git_daemon_clone_then_fetch_after_new_commits() {
    let root = tempfile::tempdir().expect("tmp");
    let cache = tempfile::tempdir().expect("tmp");
    let (r, pw) = publish(root.path(), "app");
    let (_daemon, port) = git_daemon(root.path());
    let url = format!("git://127.0.0.1:{port}/app.git");

    let out = scan_url(cache.path(), &url);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(secrets(&out), vec![pw.clone()]);
    let m = mirror(cache.path(), &format!("127.0.0.1_{port}"), "app.git");
    assert!(m.join("HEAD").is_file(), "mirror at {}", m.display());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cloned"));

    // New commits on the server (a new branch, a second secret): the next run fetches them.
    let pw2 = password();
    r.git(&["checkout", "-q", "-b", "feature"]);
    r.write("deploy/.env", &db_url(&pw2));
    r.commit("deploy settings");
    let bare = root.path().join("app.git");
    r.git(&["push", "-q", &bare.to_string_lossy(), "feature"]);
    let out = scan_url(cache.path(), &url);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fetched"));
    let mut found = secrets(&out);
    found.sort();
    let mut want = vec![pw.clone(), pw2];
    want.sort();
    assert_eq!(found, want);

    // A branch deleted on the server is pruned from the mirror.
    git(&bare, &["branch", "-q", "-D", "feature"]);
    let out = scan_url(cache.path(), &url);
    assert_eq!(secrets(&out), vec![pw]);
    assert!(git(&m, &["branch", "--list", "feature"]).is_empty());
}

#[test]
fn smart_http_with_a_password_in_the_url_never_prints_it() {
    let root = tempfile::tempdir().expect("tmp");
    let work = tempfile::tempdir().expect("tmp");
    let cache = tempfile::tempdir().expect("tmp");
    let (_r, pw) = publish(root.path(), "svc");
    let (_http, port) = smart_http(root.path(), work.path());
    let token = password();
    let url = format!("http://auditor:{token}@127.0.0.1:{port}/cgi-bin/git/svc.git");

    let out = scan_url(cache.path(), &url);
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert_eq!(secrets(&out), vec![pw]);
    assert!(!all.contains(&token), "password printed: {all}");
    assert!(all.contains("auditor:***@"), "{all}");
    // Nor kept in the mirror's configuration.
    let m = mirror(
        cache.path(),
        &format!("127.0.0.1_{port}"),
        "cgi-bin/git/svc.git",
    );
    let config = std::fs::read_to_string(m.join("config")).expect("mirror config");
    assert!(!config.contains(&token), "{config}");
    // A fetch (the second run) works without it being stored.
    let out = scan_url(cache.path(), &url);
    assert_eq!(out.status.code(), Some(1));

    // (No "repository not found" case here: python's CGI server answers 200 whatever the
    // script's `Status:` says; the unreachable-URL test covers an error with a password.)
}

#[test]
fn an_unreachable_url_is_a_clear_error() {
    let cache = tempfile::tempdir().expect("tmp");
    let port = free_port(); // nothing listens there
    let token = password();
    for url in [
        format!("git://127.0.0.1:{port}/x.git"),
        format!("https://u:{token}@127.0.0.1:{port}/x.git"),
    ] {
        let out = scan_url(cache.path(), &url);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains("cannot clone"), "{err}");
        assert!(!err.contains(&token), "{err}");
    }
    // Nothing half-cloned is left to pass for a mirror.
    let left = walk(&cache.path().join("unleak/repos"));
    assert!(left.iter().all(|p| !p.ends_with("HEAD")), "{left:?}");
}

#[test]
fn file_urls_are_mirrored_too() {
    let root = tempfile::tempdir().expect("tmp");
    let cache = tempfile::tempdir().expect("tmp");
    let (_r, pw) = publish(root.path(), "local");
    let url = format!("file://{}/local.git", root.path().display());
    let out = scan_url(cache.path(), &url);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(secrets(&out), vec![pw]);
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            }
            out.push(p);
        }
    }
    out
}

/// `unleak audit --repos FILE`: every repository of the list through the git daemon and a
/// local path, with one that does not exist: an error line naming it, the others reported.
#[test]
fn audit_reports_every_repository_and_names_the_failed_one() {
    let root = tempfile::tempdir().expect("tmp");
    let cache = tempfile::tempdir().expect("tmp");
    let (_a, pw_a) = publish(root.path(), "a");
    let (_b, pw_b) = publish(root.path(), "b");
    let (_c, pw_c) = publish(root.path(), "c");
    let (_daemon, port) = git_daemon(root.path());
    let list = cache.path().join("repos.txt");
    let gone = format!("git://127.0.0.1:{port}/gone.git");
    std::fs::write(
        &list,
        format!(
            "# the organisation\ngit://127.0.0.1:{port}/a.git\n\ngit://127.0.0.1:{port}/b.git\n{gone}\n{}\n",
            root.path().join("c.git").display()
        ),
    )
    .expect("write list");
    let out = run(
        cache.path(),
        &[
            "audit",
            "--repos",
            &list.to_string_lossy(),
            "-j",
            "3",
            "--show-secrets",
            "-f",
            "json",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    let mut found = secrets(&out);
    found.sort();
    let mut want = vec![pw_a, pw_b, pw_c];
    want.sort();
    assert_eq!(found, want);
    assert!(
        err.contains(&format!("error: {gone}: cannot clone")),
        "{err}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let paths: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter_map(|f| f["path"].as_str())
        .collect();
    assert!(
        paths.contains(&format!("git://127.0.0.1:{port}/a.git:config/app.env").as_str()),
        "{paths:?}"
    );

    // The list from stdin, every entry failing: exit 2.
    let mut child = unleak_testsupport::unleak::command()
        .current_dir(cache.path())
        .env("XDG_CACHE_HOME", cache.path())
        .args(["audit", "--repos", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unleak runs");
    use std::io::Write;
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{gone}\n/nonexistent/repo\n").as_bytes())
        .expect("write stdin");
    let out = child.wait_with_output().expect("waits");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("all 2 repositories failed"), "{err}");
}
