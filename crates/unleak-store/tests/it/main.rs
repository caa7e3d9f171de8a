//! The store's tests, each run over both backends through the same code: a SQLite file in a
//! temp dir and a real PostgreSQL server on 127.0.0.1 (started, and installed when missing,
//! by `unleak_testsupport`). One binary, a module per area.

#[cfg(not(feature = "pg"))]
compile_error!("the store's tests run over both backends: build them with `--features pg` (the workspace's `cargo test` does)");

mod backends;
mod concurrency;
mod errors;
mod migrations;
mod records;
