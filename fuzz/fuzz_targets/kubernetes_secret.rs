//! The Kubernetes Secret decoder (`data:` values are base64, decoded and scanned): arbitrary
//! values, both as raw text in the value position and base64-encoded, in a Secret manifest.
#![no_main]

use std::sync::OnceLock;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use unleak_scan::{Matcher, RuleSet};

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| Matcher::new(RuleSet::builtin().expect("the built-in rules compile")))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let mut doc = b"apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n".to_vec();
    for (i, part) in rest.split(|&b| b == 0xff).enumerate() {
        doc.extend_from_slice(format!("  k{i}: ").as_bytes());
        if mode & 1 == 0 {
            let b64 = base64::engine::general_purpose::STANDARD.encode(part);
            doc.extend_from_slice(b64.as_bytes());
        } else {
            doc.extend_from_slice(part);
        }
        doc.push(b'\n');
    }
    if mode & 2 != 0 {
        // The Secret after other text, as in a multi-document file.
        let mut with_head = b"---\nkind: ConfigMap\n---\n".to_vec();
        with_head.extend_from_slice(&doc);
        doc = with_head;
    }
    let _ = matcher().scan_text("secret.yaml", &doc);
});
