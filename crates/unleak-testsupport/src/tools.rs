//! Real third-party tools for the tests, installed on first use under the target directory
//! from their registries (PyPI with pip into a virtualenv, npm with `npm install --prefix`),
//! as the AWS tests install moto. Several test processes may race here: a lock directory
//! makes one install while the others wait; a marker file says the install finished.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// `TARGET/NAME-venv/bin/BIN` with `requirement` pip-installed into it.
pub fn pip_tool(name: &str, requirement: &str, bin: &str) -> PathBuf {
    let dir = target_dir().join(format!("{name}-venv"));
    once(&dir, requirement, |dir| {
        let python = std::env::var("UNLEAK_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
        if !dir.join("bin").join("pip").exists() {
            run(Command::new(&python).arg("-m").arg("venv").arg(dir));
        }
        run(Command::new(dir.join("bin").join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            requirement,
        ]));
    });
    dir.join("bin").join(bin)
}

/// `TARGET/NAME-npm`, with `package` npm-installed into it (its bins in `node_modules/.bin`).
pub fn npm_tool(name: &str, package: &str) -> PathBuf {
    let dir = target_dir().join(format!("{name}-npm"));
    once(&dir, package, |dir| {
        std::fs::create_dir_all(dir).expect("create npm prefix");
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
            .arg(dir)
            .arg(package));
    });
    dir
}

/// Runs `install` into `dir` unless the marker says `what` is installed there. The marker also
/// holds the directory's own path: a virtualenv's scripts name their interpreter by absolute
/// path, so a target directory copied or moved elsewhere keeps a marker but not a working
/// install (seen here: every pip tool failed with "No such file" after a copy). Such a copy,
/// or a half-finished install, is removed and installed again.
fn once(dir: &Path, what: &str, install: impl FnOnce(&Path) + std::panic::UnwindSafe) {
    let marker = dir.join(".installed");
    let what = &format!("{what}\n{}", dir.display());
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == *what) {
        return;
    }
    std::fs::create_dir_all(target_dir()).expect("create target dir");
    let lock = dir.with_extension("lock");
    let deadline = Instant::now() + Duration::from_secs(900);
    loop {
        match std::fs::create_dir(&lock) {
            Ok(()) => break,
            Err(_) if std::fs::read_to_string(&marker).is_ok_and(|m| m == *what) => return,
            Err(_) if Instant::now() > deadline => {
                panic!("timed out waiting for {}", lock.display())
            }
            Err(_) => std::thread::sleep(Duration::from_millis(500)),
        }
    }
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == *what) {
        let _ = std::fs::remove_dir(&lock);
        return;
    }
    let _ = std::fs::remove_dir_all(dir);
    let owned = dir.to_path_buf();
    let result = std::panic::catch_unwind(move || install(&owned));
    let _ = std::fs::remove_dir(&lock);
    if let Err(p) = result {
        std::panic::resume_unwind(p);
    }
    std::fs::write(&marker, what).expect("write install marker");
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The cargo target directory (tests run from `target/<profile>/deps`).
pub fn target_dir() -> PathBuf {
    if let Ok(d) = std::env::var("CARGO_TARGET_DIR") {
        return PathBuf::from(d);
    }
    let exe = std::env::current_exe().expect("test executable path");
    exe.ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| exe.parent().unwrap().to_path_buf())
}
