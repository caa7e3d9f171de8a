//! Crash injection for tests: with the `failpoints` feature (or in unit tests),
//! `UNLEAK_FAILPOINT=after-create-key` makes the process abort at that step, as a crash or a
//! kill would, so tests can check that re-running resumes safely. In any other build this is
//! an empty function and the variable is ignored.

/// Abort the process here if `UNLEAK_FAILPOINT` names this point.
#[cfg(any(test, feature = "failpoints"))]
pub fn hit(name: &str) {
    if std::env::var("UNLEAK_FAILPOINT").is_ok_and(|v| v.split(',').any(|p| p == name)) {
        eprintln!("unleak: failpoint {name}: aborting");
        std::process::abort();
    }
}

#[cfg(not(any(test, feature = "failpoints")))]
#[inline(always)]
pub fn hit(_name: &str) {}
