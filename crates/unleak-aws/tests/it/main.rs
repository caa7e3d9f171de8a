//! unleak-aws against moto on 127.0.0.1 (`unleak_testsupport::moto`), one test binary with a
//! module per area: the offline account decoder, the judge, Secrets Manager version stages,
//! and the moto harness itself.

mod account;
mod fix_account;
mod judge_moto;
mod moto_harness;
mod secret_versions;
