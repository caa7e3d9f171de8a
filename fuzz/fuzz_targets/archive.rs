//! The archive layer (`sources/archive.rs`: its own zip and tar readers, gzip through flate2)
//! over arbitrary bytes, and over the same bytes behind each archive format's magic so the
//! readers are reached: no panic, no hang, memory bounded by the limits (a small
//! `max_file_size` here), and every finding's path under the archive's own.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use unleak_scan::config::Config;
use unleak_scan::context::ScanContext;
use unleak_scan::sources::archive;
use unleak_scan::{Matcher, RuleSet};

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(RuleSet::builtin().expect("the built-in rules compile")))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    // The first byte picks a prefix: none (the input as it is), a zip local header, a gzip
    // header, or a ustar header block (512 bytes, name `a`, valid checksum) in front of it.
    let mut blob = match mode % 4 {
        1 => b"PK\x03\x04".to_vec(),
        2 => vec![0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff],
        3 => ustar_header(rest.len()),
        _ => Vec::new(),
    };
    blob.extend_from_slice(rest);
    let config = Config::default();
    let warn = |_: &str| {};
    let mut ctx = ScanContext::new(matcher(), &config);
    ctx.on_warning = &warn;
    ctx.max_file_size = 1 << 20;
    if let unleak_scan::matcher::BlobOutcome::Scanned(found) =
        archive::scan_bytes(&ctx, "in.bin", &blob)
    {
        for f in found {
            assert!(f.path.starts_with("in.bin"), "{}", f.path);
        }
    }
});

/// A ustar header for a regular file `a` of `size` bytes, checksum filled in.
fn ustar_header(size: usize) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[0] = b'a';
    h[100..107].copy_from_slice(b"0000644");
    let size = format!("{:011o}", size.min(0o77777777777));
    h[124..135].copy_from_slice(size.as_bytes());
    h[136..147].copy_from_slice(b"00000000000");
    h[156] = b'0';
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..155].copy_from_slice(format!("{sum:06o}\0").as_bytes());
    h
}
