//! Git delta application (`pack.rs`'s `apply_delta`) on an arbitrary base and delta: the
//! size fields and copy instructions come from the pack, so nothing in them is trusted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use unleak_scan::git::pack::apply_delta;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let cut = (split as usize).min(rest.len());
    let (base, delta) = rest.split_at(cut);
    if let Some(out) = apply_delta(base, delta) {
        // Copies come from the base and inserts from the delta: the result can be no larger
        // than what a delta of this length can describe.
        assert!(out.len() <= delta.len().saturating_mul(base.len().max(1)).max(delta.len()));
    }
});
