//! Crash injection for tests: with the `failpoints` feature (or in unit tests),
//! `UNLEAK_FAILPOINT=after-create-key` makes the process abort at that point, as a crash or a
//! kill would, so tests can check that re-running resumes safely. In any other build `hit` is
//! an empty function and the variable is ignored.
//!
//! The points are typed: a rotation's points are its journaled steps ([`Step::failpoint`]),
//! plus the moments between two calls inside one step; `store` has its own two; a database
//! rotation's are its steps (`rotate_db::DbStep`).

use crate::rotate::Step;

/// Where a test may crash the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// Right after a rotation step is journaled (see [`Step::failpoint`]).
    After(Step),
    /// Rotation: the orphan keys of an interrupted run are deleted, no new key yet.
    AfterDeleteOrphans,
    /// Rotation: `CreateAccessKey` answered, its id not journaled yet.
    BeforeJournalKey,
    /// Rotation: the new key is stored in Secrets Manager, not read back yet.
    AfterPutSecret,
    /// Rotation: the old key is deleted, the rotation not journaled done yet.
    AfterDeleteOld,
    /// Store: `PutSecretValue` answered, not journaled done yet.
    AfterStorePut,
    /// Store: `CreateSecret` answered, not journaled done yet.
    AfterStoreCreate,
    /// Database rotation: right after a step's action, before the journal records it.
    #[cfg(feature = "db")]
    Db(crate::rotate_db::DbStep),
}

impl Point {
    /// The name `UNLEAK_FAILPOINT` gives.
    pub fn name(self) -> &'static str {
        match self {
            Point::After(step) => step.failpoint_name(),
            Point::AfterDeleteOrphans => "after-delete-orphans",
            Point::BeforeJournalKey => "before-journal-key",
            Point::AfterPutSecret => "after-put-secret",
            Point::AfterDeleteOld => "after-delete-old",
            Point::AfterStorePut => "after-store-put",
            Point::AfterStoreCreate => "after-store-create",
            #[cfg(feature = "db")]
            Point::Db(step) => step.failpoint_name(),
        }
    }
}

/// Abort the process here if `UNLEAK_FAILPOINT` names this point.
#[cfg(any(test, feature = "failpoints"))]
pub fn hit(point: Point) {
    let name = point.name();
    if std::env::var("UNLEAK_FAILPOINT").is_ok_and(|v| v.split(',').any(|p| p == name)) {
        eprintln!("unleak: failpoint {name}: aborting");
        std::process::abort();
    }
}

#[cfg(not(any(test, feature = "failpoints")))]
#[inline(always)]
pub fn hit(_point: Point) {}
