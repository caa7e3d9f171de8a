//! The root integration tests, one test binary with a module per area (it links once; each
//! file was its own ~400 MB binary before). Each module drives the real `unleak` binary, run
//! through `unleak_testsupport::unleak`; servers (moto, git daemon, databases) start per test
//! on 127.0.0.1 ports of their own, in temp dirs of their own, so the tests run in parallel in
//! this one process. No test changes the process's environment or current directory.
//!
//! A new area: `tests/it/AREA.rs`, and `mod AREA;` below.

mod archives;
mod aws;
mod aws_keys;
mod cli;
mod conventions;
mod corpus;
mod findings;
mod history;
mod hook;
mod limits;
mod output_safety;
mod precommit;
mod remote;
mod rotate;
mod rotate_db;
mod sarif;
mod store;
mod user_rules;
mod verify;
mod verify_db;

/// The binary the support crate runs is the one cargo built for these tests.
#[test]
fn the_support_crate_runs_the_binary_cargo_built() {
    assert_eq!(
        std::path::Path::new(unleak_testsupport::unleak::bin()),
        std::path::Path::new(env!("CARGO_BIN_EXE_unleak"))
    );
}
