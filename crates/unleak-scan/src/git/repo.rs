//! Repository handles: opening a repository, a pool of per-thread handles (libgit2's
//! `Repository` is not `Sync`), and libgit2 look-ups that check a loose object before libgit2
//! may read it (libgit2 1.9.7 spins forever on some damaged ones).

use std::path::{Path, PathBuf};
use std::sync::{Mutex, Once};

use git2::{ObjectType, Repository};

use crate::error::{Error, Result};
use crate::git::{loose, pack, ObjectId};

/// Open the repository at or above `path` (work tree, `.git` directory or bare repository).
pub fn open(path: &Path) -> Result<Repository> {
    tune_libgit2();
    Repository::open_ext(
        path,
        git2::RepositoryOpenFlags::empty(),
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(|e| {
        if e.code() == git2::ErrorCode::NotFound {
            Error::Git(format!(
                "{}: not a git repository (nor inside one)",
                path.display()
            ))
        } else {
            Error::Git(format!(
                "{}: cannot open git repository: {}",
                path.display(),
                e.message()
            ))
        }
    })
}

/// Stop, naming it, at a pack whose index points outside the pack: libgit2 would crash on it.
pub fn refuse_unsafe_packs(repo: &Repository) -> Result<()> {
    match pack::unsafe_indexes(&objects_dir(repo)).first() {
        Some(e) => Err(Error::Git(format!(
            "damaged pack: {e}; not read (repair it, e.g. from a clone, and scan again)"
        ))),
        None => Ok(()),
    }
}

/// Process-wide libgit2 settings, once: keep parsed trees of any size in the object cache
/// (history walks revisit the same big trees), and skip re-hashing every object read (zlib
/// still catches corruption, and we never write).
// libgit2's global options are unsafe in git2 (they race with open repositories).
#[allow(unsafe_code)]
fn tune_libgit2() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: called once, before any repository of ours is opened on other threads.
        unsafe {
            let _ = git2::opts::set_cache_object_limit(ObjectType::Tree, 4 << 20);
            let _ = git2::opts::set_cache_object_limit(ObjectType::Commit, 64 << 10);
            // Per repository handle; walks revisit recent trees, not old ones, so a small
            // cache keeps the hits without holding every tree of history in memory.
            let _ = git2::opts::set_cache_max_size(16 << 20);
        }
        git2::opts::strict_hash_verification(false);
    });
}

/// Repository handles for worker threads, reused across rayon jobs.
pub struct Pool {
    git_dir: PathBuf,
    free: Mutex<Vec<Repository>>,
}

/// A handle borrowed from a [`Pool`]; returned on drop.
pub struct Lease<'a> {
    pool: &'a Pool,
    repo: Option<Repository>,
}

impl Pool {
    pub fn new(repo: &Repository) -> Self {
        Pool::at(repo.path())
    }

    /// A pool for the repository whose git dir is `git_dir`.
    pub fn at(git_dir: &Path) -> Self {
        Pool {
            git_dir: git_dir.to_path_buf(),
            free: Mutex::new(Vec::new()),
        }
    }

    pub fn lease(&self) -> Result<Lease<'_>> {
        let cached = self.free.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let repo = match cached {
            Some(r) => r,
            None => Repository::open(&self.git_dir).map_err(|e| {
                Error::Git(format!(
                    "{}: cannot open git repository: {}",
                    self.git_dir.display(),
                    e.message()
                ))
            })?,
        };
        Ok(Lease {
            pool: self,
            repo: Some(repo),
        })
    }
}

impl std::ops::Deref for Lease<'_> {
    type Target = Repository;
    fn deref(&self) -> &Repository {
        self.repo
            .as_ref()
            .expect("a lease holds its repository until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(r) = self.repo.take() {
            self.pool
                .free
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(r);
        }
    }
}

/// Where git runs this repository's hooks from: `core.hooksPath` if set (relative to the work
/// tree's top, as git reads it), else the repository's own `hooks/` (shared by its worktrees).
pub fn hooks_dir(repo: &Repository) -> PathBuf {
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => repo.workdir().unwrap_or_else(|| repo.path()).join(p),
        None => repo.commondir().join("hooks"),
    }
}

/// `repo.find_commit`, refusing a damaged loose object before libgit2 reads it.
pub fn find_commit(
    repo: &Repository,
    id: ObjectId,
) -> std::result::Result<git2::Commit<'_>, git2::Error> {
    guard(repo, id)?;
    repo.find_commit(id.to_git())
}

/// The commit `id` names, through annotated tags, each object checked as `find_object` does
/// before libgit2 reads it (`Object::peel` reads a tag's target unchecked: a damaged loose
/// commit behind HEAD or a tag spun libgit2's inflate loop forever). `Ok(None)`: it names a
/// tree or a blob, no commit.
pub fn peel_to_commit(
    repo: &Repository,
    mut id: ObjectId,
) -> std::result::Result<Option<git2::Commit<'_>>, git2::Error> {
    // Tags of tags are legal but never deep; a loop of them is damage.
    for _ in 0..16 {
        let obj = find_object(repo, id)?;
        match obj.kind() {
            Some(ObjectType::Tag) => match obj.as_tag() {
                Some(t) => id = t.target_id().into(),
                None => return Err(git2::Error::from_str("a tag that cannot be read")),
            },
            Some(ObjectType::Commit) => return Ok(obj.into_commit().ok()),
            _ => return Ok(None),
        }
    }
    Err(git2::Error::from_str("a chain of more than 16 tags"))
}

/// `repo.find_object`, refusing a damaged loose object before libgit2 reads it.
pub fn find_object(
    repo: &Repository,
    id: ObjectId,
) -> std::result::Result<git2::Object<'_>, git2::Error> {
    guard(repo, id)?;
    repo.find_object(id.to_git(), None)
}

/// `repo.find_tree`, refusing a damaged loose object before libgit2 reads it.
pub fn find_tree(
    repo: &Repository,
    id: ObjectId,
) -> std::result::Result<git2::Tree<'_>, git2::Error> {
    guard(repo, id)?;
    repo.find_tree(id.to_git())
}

fn guard(repo: &Repository, id: ObjectId) -> std::result::Result<(), git2::Error> {
    match loose::damage(&objects_dir(repo), id) {
        Some(why) => Err(git2::Error::from_str(&why)),
        None => Ok(()),
    }
}

/// The repository's object directory (shared by its worktrees).
pub fn objects_dir(repo: &Repository) -> PathBuf {
    repo.commondir().join("objects")
}

/// An object's size and type from its header, without inflating it; the type is None when
/// libgit2 reports none of the four object types (a damaged pack entry). git2's own
/// `Odb::read_header` unwraps that type and panicked on mutated packs (248 of 1,200 runs).
#[allow(unsafe_code)] // libgit2-sys directly: git2's wrapper panics (above).
pub fn read_header(
    odb: &git2::Odb<'_>,
    id: ObjectId,
) -> std::result::Result<(usize, Option<ObjectType>), git2::Error> {
    use git2::Binding;
    let id = id.to_git();
    let mut size: usize = 0;
    let mut kind = libgit2_sys::GIT_OBJECT_ANY;
    // SAFETY: both handles are live for the call; libgit2 writes only the two out-params.
    let rc = unsafe { libgit2_sys::git_odb_read_header(&mut size, &mut kind, odb.raw(), id.raw()) };
    if rc < 0 {
        return Err(git2::Error::last_error(rc));
    }
    Ok((size, ObjectType::from_raw(kind)))
}
