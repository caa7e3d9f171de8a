//! The emulator harness itself works: it installs, starts on a free loopback port, answers,
//! resets, and turns auth checks on.

use unleak_testsupport::moto;

#[test]
fn moto_starts_on_loopback_and_resets() {
    let m = moto::Moto::start();
    assert!(m.endpoint.starts_with("http://127.0.0.1:"));
    let (status, _) = m.post("/moto-api/reset", "application/json", "");
    assert_eq!(status, 200);
    let (status, _) = m.post("/moto-api/reset-auth", "text/plain", "0");
    assert_eq!(status, 200);
}
