//! Durable journals for the fix commands. A rotation or a store writes its intent here before
//! it changes anything in AWS, so a crash at any point can be resumed by re-running the same
//! command. Records are small JSON files, one per rotation (keyed by the old key id) or per
//! stored secret (keyed by the secret name), in the user's state directory, mode 0600.
//! A record never holds a secret value: only ids, names, times and request tokens.

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
    /// The journal of `kind` in the user's state directory (created on first write).
    pub fn open(kind: &str) -> Result<Journal> {
        Ok(Journal::at(state_dir()?.join(kind)))
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
        let path = self.path_of(key);
        match fs::read(&path) {
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

    /// Replace `key`'s record durably: write a temp file (0600), fsync it, rename it over the
    /// record, fsync the directory. After this returns the record survives a power cut.
    pub fn save<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        self.ensure_dir()?;
        let path = self.path_of(key);
        let tmp = self.dir.join(format!(".{}.tmp", escape(key)));
        let mut bytes = serde_json::to_vec_pretty(value).expect("journal records serialise");
        bytes.push(b'\n');
        let mut f = private_options().open(&tmp).map_err(io("create", &tmp))?;
        f.write_all(&bytes).map_err(io("write", &tmp))?;
        f.sync_all().map_err(io("fsync", &tmp))?;
        drop(f);
        fs::rename(&tmp, &path).map_err(io("rename into", &path))?;
        sync_dir(&self.dir).map_err(io("fsync", &self.dir))
    }

    /// Hold `key` for this process until the returned lock is dropped: a second rotation of
    /// one key (or store of one secret) running at the same time would interleave its steps
    /// with the first's and overwrite its record. An advisory lock on `<key>.lock`, which the
    /// system releases when the process ends, crash included: a lock is never left stale.
    pub fn lock(&self, key: &str) -> Result<JournalLock> {
        self.ensure_dir()?;
        let path = self.dir.join(format!("{}.lock", escape(key)));
        let file = private_options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io("open", &path))?;
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
            let bytes = fs::read(&path).map_err(|source| JournalError::Io {
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

    fn ensure_dir(&self) -> Result<()> {
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
        Ok(())
    }
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

fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
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
}
