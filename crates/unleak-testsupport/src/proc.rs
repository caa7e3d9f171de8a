//! What both harnesses need: a free port, a non-root user to run servers as (PostgreSQL refuses
//! to run as root), running a command as that user, apt-get once under a lock, waiting for a port.

use std::fs::OpenOptions;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A port nobody listens on right now (bound then released: a small race we accept).
pub fn free_port() -> Result<u16, String> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind 127.0.0.1:0: {e}"))?;
    Ok(l.local_addr().map_err(|e| e.to_string())?.port())
}

// std has no way to ask for the effective uid.
#[allow(unsafe_code)]
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// The account servers run as when the tests run as root: `postgres` if the system has one
/// (Debian's package creates it), else `nobody`. `None`: not root, run as ourselves.
pub fn server_user() -> Option<(String, u32, u32)> {
    if !is_root() {
        return None;
    }
    for name in ["postgres", "mysql", "nobody"] {
        let Ok(out) = Command::new("id").args(["-u", name]).output() else {
            continue;
        };
        let gid = Command::new("id").args(["-g", name]).output().ok();
        if out.status.success() {
            let uid = String::from_utf8_lossy(&out.stdout).trim().parse().ok();
            let gid = gid.and_then(|g| String::from_utf8_lossy(&g.stdout).trim().parse().ok());
            if let (Some(uid), Some(gid)) = (uid, gid) {
                return Some((name.to_string(), uid, gid));
            }
        }
    }
    None
}

/// `program args…` as the server user (through `setpriv`, which keeps the environment and
/// needs no PAM session), or as ourselves when not root.
pub fn as_server_user(program: &Path) -> Command {
    match server_user() {
        Some((_, uid, gid)) => {
            let mut c = Command::new("setpriv");
            c.arg(format!("--reuid={uid}"))
                .arg(format!("--regid={gid}"))
                .arg("--clear-groups")
                .arg("--")
                .arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// Give `dir` to the server user (when root), so the server can write its data there.
pub fn chown_to_server_user(dir: &Path) -> Result<(), String> {
    if let Some((_, uid, gid)) = server_user() {
        std::os::unix::fs::chown(dir, Some(uid), Some(gid))
            .map_err(|e| format!("chown {}: {e}", dir.display()))?;
    }
    Ok(())
}

/// Install Debian `packages` with apt-get, once per machine at a time (a lock file), or say how.
pub fn apt_install(packages: &[&str], why: &str) -> Result<(), String> {
    let hint = format!(
        "{why} is not installed. Install it (Debian/Ubuntu: `sudo apt-get install -y {}`) and run the tests again",
        packages.join(" ")
    );
    if !is_root() || Command::new("apt-get").arg("--version").output().is_err() {
        return Err(hint);
    }
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open("/tmp/unleak-testsupport-apt.lock")
        .map_err(|e| format!("{hint} (cannot open the install lock: {e})"))?;
    lock.lock()
        .map_err(|e| format!("{hint} (cannot take the install lock: {e})"))?;
    let run = |args: &[&str]| {
        Command::new("apt-get")
            .args(args)
            .env("DEBIAN_FRONTEND", "noninteractive")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| e.to_string())
            .and_then(|o| {
                if o.status.success() {
                    Ok(())
                } else {
                    Err(String::from_utf8_lossy(&o.stderr).into_owned())
                }
            })
    };
    let mut args = vec!["install", "-y", "--no-install-recommends"];
    args.extend_from_slice(packages);
    if run(&args).is_err() {
        run(&["update"]).map_err(|e| format!("{hint} (apt-get update failed: {e})"))?;
        run(&args).map_err(|e| format!("{hint} (apt-get install failed: {e})"))?;
    }
    Ok(())
}

/// Wait until something accepts on `port`, or `child_alive` says the server died.
pub fn wait_for_port(
    port: u16,
    timeout: Duration,
    mut child_alive: impl FnMut() -> Result<(), String>,
) -> Result<(), String> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let start = Instant::now();
    while start.elapsed() < timeout {
        child_alive()?;
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(format!(
        "server did not listen on port {port} within {timeout:?}"
    ))
}
