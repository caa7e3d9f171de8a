//! Durable journals for the fix commands. A rotation or a store writes its intent here before
//! it changes anything in AWS, so a crash at any point can be resumed by re-running the same
//! command. Records are small JSON files, one per rotation (keyed by the old key id) or per
//! stored secret (keyed by the secret name), in the user's state directory, mode 0600.
//! A record never holds a secret value: only ids, names, times and request tokens.
//!
//! The records decide what a resumed run deletes, and the files are written by name, so the
//! directory must be the user's alone: one that another user owns or may write to is refused
//! (a planted symlink at a temp file's name made an earlier version overwrite the link's
//! target; a planted record could name someone else's key as ours). Files are created
//! exclusively (`O_CREAT|O_EXCL`) under a random name, never through a symlink
//! (`O_NOFOLLOW`), then renamed over the record.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("no state directory: set UNLEAK_STATE_DIR, XDG_STATE_HOME or HOME")]
    NoStateDir,
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(
        "another unleak is working on `{key}` right now (it holds {}); let it finish, then run this again",
        path.display()
    )]
    Busy { key: String, path: PathBuf },
    #[error(
        "refusing the state directory {}: {why}. Whoever can write there can make unleak overwrite other files or act on records it did not write; make it yours alone (chown, chmod 700) or set UNLEAK_STATE_DIR to a private directory. Nothing was changed",
        path.display()
    )]
    Unsafe { path: PathBuf, why: String },
    #[error("journal file {} is not valid: {source}", path.display())]
    Corrupt {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
}

type Result<T> = std::result::Result<T, JournalError>;

/// `$UNLEAK_STATE_DIR`, else `$XDG_STATE_HOME/unleak`, else `~/.local/state/unleak`.
pub fn state_dir() -> Result<PathBuf> {
    let nonempty = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    if let Some(d) = nonempty("UNLEAK_STATE_DIR") {
        return Ok(PathBuf::from(d));
    }
    if let Some(d) = nonempty("XDG_STATE_HOME") {
        return Ok(PathBuf::from(d).join("unleak"));
    }
    match nonempty("HOME") {
        Some(h) => Ok(PathBuf::from(h).join(".local/state/unleak")),
        None => Err(JournalError::NoStateDir),
    }
}

/// Held while one process works on one key: see `Journal::lock`.
#[derive(Debug)]
pub struct JournalLock {
    _file: File,
}

/// One directory of records of one kind (`rotations`, `stores`).
#[derive(Clone, Debug)]
pub struct Journal {
    dir: PathBuf,
}

impl Journal {
    /// The journal of `kind` in the user's state directory (created on first write), checked
    /// now so that a command refuses an unsafe directory before it changes anything.
    pub fn open(kind: &str) -> Result<Journal> {
        let state = state_dir()?;
        check_private(&state, true)?;
        let j = Journal::at(state.join(kind));
        j.check()?;
        Ok(j)
    }

    pub fn at(dir: impl Into<PathBuf>) -> Journal {
        Journal { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds `key`'s record.
    pub fn path_of(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{}.json", escape(key)))
    }

    pub fn load<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        self.check()?;
        let path = self.path_of(key);
        match read_nofollow(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| JournalError::Corrupt { path, source }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(JournalError::Io {
                action: "read",
                path,
                source,
            }),
        }
    }

    /// Replace `key`'s record durably: write a new temp file (0600, random name, created
    /// exclusively), fsync it, rename it over the record, fsync the directory. After this
    /// returns the record survives a power cut.
    pub fn save<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        self.ensure_dir()?;
        let path = self.path_of(key);
        let mut bytes = serde_json::to_vec_pretty(value).expect("journal records serialise");
        bytes.push(b'\n');
        let (tmp, mut f) = self.create_temp(key)?;
        let written = (|| {
            f.write_all(&bytes).map_err(io("write", &tmp))?;
            f.sync_all().map_err(io("fsync", &tmp))?;
            drop(f);
            fs::rename(&tmp, &path).map_err(io("rename into", &path))
        })();
        if written.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        written?;
        sync_dir(&self.dir).map_err(io("fsync", &self.dir))
    }

    /// A new file `.<key>.<random>.tmp`: never an existing file or a symlink's target.
    fn create_temp(&self, key: &str) -> Result<(PathBuf, File)> {
        let mut attempt = 0;
        loop {
            let tmp = self
                .dir
                .join(format!(".{}.{:016x}.tmp", escape(key), fastrand::u64(..)));
            match new_file_options().open(&tmp) {
                Ok(f) => return Ok((tmp, f)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 8 => {
                    attempt += 1
                }
                Err(e) => return Err(io("create", &tmp)(e)),
            }
        }
    }

    /// Hold `key` for this process until the returned lock is dropped: a second rotation of
    /// one key (or store of one secret) running at the same time would interleave its steps
    /// with the first's and overwrite its record. An advisory lock on `<key>.lock`, which the
    /// system releases when the process ends, crash included: a lock is never left stale.
    pub fn lock(&self, key: &str) -> Result<JournalLock> {
        self.ensure_dir()?;
        let path = self.dir.join(format!("{}.lock", escape(key)));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        private(&mut options);
        let file = options.open(&path).map_err(io("open", &path))?;
        match file.try_lock() {
            Ok(()) => Ok(JournalLock { _file: file }),
            Err(std::fs::TryLockError::WouldBlock) => Err(JournalError::Busy {
                key: key.to_string(),
                path,
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(io("lock", &path)(e)),
        }
    }

    /// Every record in the journal (unreadable files are reported, not skipped).
    pub fn list<T: DeserializeOwned>(&self) -> Result<Vec<T>> {
        self.check()?;
        let entries = match fs::read_dir(&self.dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(JournalError::Io {
                    action: "list",
                    path: self.dir.clone(),
                    source,
                })
            }
        };
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|x| x == "json")
                    && !p
                        .file_name()
                        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        paths.sort();
        let mut out = Vec::new();
        for path in paths {
            let bytes = read_nofollow(&path).map_err(|source| JournalError::Io {
                action: "read",
                path: path.clone(),
                source,
            })?;
            out.push(
                serde_json::from_slice(&bytes)
                    .map_err(|source| JournalError::Corrupt { path, source })?,
            );
        }
        Ok(out)
    }

    /// The directory (if it exists yet) and its parent are the user's alone, and the
    /// directory is not a symlink. A few `stat` calls per journal operation.
    pub fn check(&self) -> Result<()> {
        if let Some(parent) = self.dir.parent().filter(|p| !p.as_os_str().is_empty()) {
            check_private(parent, true)?;
        }
        check_private(&self.dir, false)
    }

    fn ensure_dir(&self) -> Result<()> {
        self.check()?;
        if self.dir.is_dir() {
            return Ok(());
        }
        let mut b = fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(&self.dir).map_err(|source| JournalError::Io {
            action: "create",
            path: self.dir.clone(),
            source,
        })?;
        if let Some(parent) = self.dir.parent() {
            let _ = sync_dir(parent);
        }
        // Created now, by us; checked again in case it was there already, made by someone else.
        self.check()
    }
}

/// Refuse `dir` if another user owns it or may write to it (group or others). `follow`: the
/// path may be a symlink (a user's choice for the state directory), and its target is checked.
/// A missing directory is fine: it is created private.
fn check_private(dir: &Path, follow: bool) -> Result<()> {
    let meta = if follow {
        fs::metadata(dir)
    } else {
        fs::symlink_metadata(dir)
    };
    let meta = match meta {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io("inspect", dir)(e)),
    };
    let unsafe_dir = |why: String| JournalError::Unsafe {
        path: dir.to_path_buf(),
        why,
    };
    if meta.file_type().is_symlink() {
        return Err(unsafe_dir("it is a symbolic link".into()));
    }
    if !meta.is_dir() {
        return Err(unsafe_dir("it is not a directory".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        #[allow(unsafe_code)] // std has no way to ask for the effective uid.
        let me = unsafe { libc::geteuid() };
        if meta.uid() != me {
            return Err(unsafe_dir(format!(
                "it belongs to uid {}, not to you (uid {me})",
                meta.uid()
            )));
        }
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(unsafe_dir(format!(
                "other users may write to it (mode {mode:o})"
            )));
        }
    }
    Ok(())
}

/// Read a file, refusing a symlink in its place.
fn read_nofollow(path: &Path) -> std::io::Result<Vec<u8>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NOFOLLOW);
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut options.open(path)?, &mut bytes)?;
    Ok(bytes)
}

/// An I/O error of `action` on `path`, for `map_err`.
fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> JournalError {
    let path = path.to_path_buf();
    move |source| JournalError::Io {
        action,
        path,
        source,
    }
}

/// A file that must not exist yet (`O_CREAT|O_EXCL`: not even as a symlink), mode 0600.
fn new_file_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    private(&mut o);
    o
}

/// Mode 0600 for a new file, and never through a symlink (`O_NOFOLLOW`).
fn private(o: &mut OpenOptions) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    #[cfg(not(unix))]
    let _ = o;
}

/// A rename is durable only once its directory is synced (POSIX); elsewhere this is a no-op.
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    File::open(dir)?.sync_all()?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// A key as a file name: ASCII letters, digits, `-` and `_` stay, anything else is `%XX`.
fn escape(key: &str) -> String {
    let mut s = String::with_capacity(key.len());
    for b in key.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Rec {
        a: String,
        n: u32,
    }

    #[test]
    fn save_load_list_round_trip_with_private_mode() {
        let tmp = std::env::temp_dir().join(format!(
            "unleak-journal-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let j = Journal::at(tmp.join("rotations"));
        assert!(j.load::<Rec>("unleak/app/db").unwrap().is_none());
        let r = Rec {
            a: "x".into(),
            n: 1,
        };
        j.save("unleak/app/db", &r).unwrap();
        j.save(
            "other",
            &Rec {
                a: "y".into(),
                n: 2,
            },
        )
        .unwrap();
        assert_eq!(j.load::<Rec>("unleak/app/db").unwrap(), Some(r));
        assert_eq!(j.list::<Rec>().unwrap().len(), 2);
        let path = j.path_of("unleak/app/db");
        assert!(path.file_name().unwrap().to_str().unwrap().contains("%2F"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
            let dmode = fs::metadata(j.dir()).unwrap().permissions().mode() & 0o777;
            assert_eq!(dmode, 0o700);
        }
        fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            j.load::<Rec>("unleak/app/db"),
            Err(JournalError::Corrupt { .. })
        ));
        fs::remove_dir_all(&tmp).unwrap();
    }

    #[test]
    fn a_key_is_held_by_one_lock_at_a_time_and_locks_are_not_records() {
        let tmp = std::env::temp_dir().join(format!(
            "unleak-journal-lock-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        let j = Journal::at(tmp.join("rotations"));
        let held = j.lock("AKIAEXAMPLE/1").unwrap();
        let err = j.lock("AKIAEXAMPLE/1").unwrap_err();
        assert!(matches!(err, JournalError::Busy { .. }), "{err}");
        assert!(err.to_string().contains("`AKIAEXAMPLE/1`"), "{err}");
        // Another key is free; the held one is free again once its lock is dropped.
        drop(j.lock("AKIAOTHER").unwrap());
        drop(held);
        drop(j.lock("AKIAEXAMPLE/1").unwrap());
        // Lock files are not journal records.
        assert!(j.list::<Rec>().unwrap().is_empty());
        fs::remove_dir_all(&tmp).unwrap();
    }
    #[cfg(unix)]
    #[test]
    fn a_directory_others_may_write_is_refused_and_links_are_never_followed() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile_dir("unleak-journal-unsafe");
        let j = Journal::at(tmp.join("stores"));
        j.save(
            "a",
            &Rec {
                a: "x".into(),
                n: 1,
            },
        )
        .unwrap();
        for (dir, mode) in [(j.dir().to_path_buf(), 0o777), (tmp.clone(), 0o775)] {
            fs::set_permissions(&dir, fs::Permissions::from_mode(mode)).unwrap();
            let e = j
                .save(
                    "a",
                    &Rec {
                        a: "y".into(),
                        n: 2,
                    },
                )
                .unwrap_err();
            assert!(matches!(e, JournalError::Unsafe { .. }), "{e}");
            assert!(e.to_string().contains("other users may write"), "{e}");
            assert!(j.load::<Rec>("a").is_err());
            assert!(j.lock("a").is_err());
            assert!(j.list::<Rec>().is_err());
            fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).unwrap();
        }
        assert_eq!(j.load::<Rec>("a").unwrap().unwrap().n, 1);
        // A link in place of a record is not read through, and saving replaces the link
        // itself, never its target.
        let victim = tmp.join("victim");
        fs::write(&victim, b"precious").unwrap();
        std::os::unix::fs::symlink(&victim, j.path_of("b")).unwrap();
        assert!(j.load::<Rec>("b").is_err());
        j.save(
            "b",
            &Rec {
                a: "z".into(),
                n: 3,
            },
        )
        .unwrap();
        assert_eq!(fs::read(&victim).unwrap(), b"precious");
        assert_eq!(j.load::<Rec>("b").unwrap().unwrap().n, 3);
        // A journal directory that is a link is refused.
        std::os::unix::fs::symlink(j.dir(), tmp.join("linked")).unwrap();
        let e = Journal::at(tmp.join("linked"))
            .load::<Rec>("a")
            .unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        fs::remove_dir_all(&tmp).unwrap();
    }

    #[cfg(unix)]
    fn tempfile_dir(prefix: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "{prefix}-{}-{}",
            std::process::id(),
            fastrand::u64(..)
        ));
        fs::create_dir_all(&d).unwrap();
        fs::set_permissions(&d, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        d
    }
}
