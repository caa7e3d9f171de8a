//! Every named validator (structural checks of PEM/DER, OpenSSH, PuTTY and PGP keys, percent
//! decoding, checksums, provider formats) on arbitrary values: none may panic, whatever the
//! bytes (multi-byte characters, truncated structures, huge length fields).
#![no_main]

use libfuzzer_sys::fuzz_target;
use unleak_scan::validators::{Candidate, Validator};

fuzz_target!(|data: &[u8]| {
    // First byte: which validator, and whether the value was quoted or had a key name.
    let Some((&sel, rest)) = data.split_first() else {
        return;
    };
    let names: Vec<&str> = Validator::all_names().collect();
    let name = names[sel as usize % names.len()];
    let v = Validator::by_name(name).expect("every listed name resolves");
    let secret = String::from_utf8_lossy(rest).into_owned();
    let mut c = Candidate {
        secret,
        line: rest,
        after: rest,
        before: rest,
        lines_before: rest,
        path: if sel & 0x80 != 0 { "config/app.py" } else { "test/fixtures/a.env" },
        key: (sel & 0x40 != 0).then_some(b"db_password".as_slice()),
        quoted: sel & 0x20 != 0,
        encrypted: None,
    };
    let _ = v.check(&mut c);
});
