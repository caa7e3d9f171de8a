//! Secrets stored base64-encoded in Kubernetes Secrets are found decoded, at the line of the
//! encoded value; encoded non-secrets and placeholders are not reported.

use base64::Engine;
use unleak_scan::{Matcher, RuleSet};

fn b64(s: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn matcher() -> Matcher {
    Matcher::new(RuleSet::builtin().expect("built-in rules load"))
}

const KEY_ID: &str = "AKIAQ27POEDLB3HIIKWB";
const SECRET: &str = "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";

#[test]
fn yaml_secret_data_is_scanned_decoded() {
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: {}\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\ndata:\n  AWS_ACCESS_KEY_ID: {}\n  AWS_SECRET_ACCESS_KEY: \"{}\"\n  password: {}\n  host: {}\n",
        b64(KEY_ID),
        b64(KEY_ID),
        b64(SECRET),
        b64("changeme"),
        b64("db.internal"),
    );
    let found = matcher().scan_text("secret.yaml", text.as_bytes());
    let got: Vec<(u32, &str, &str)> = found
        .iter()
        .map(|f| (f.line, f.kind.as_str(), f.secret.as_str()))
        .collect();
    // The ConfigMap's value (line 4) is plain data, not decoded; the Secret's are.
    assert_eq!(
        got,
        vec![
            (11, "aws-access-key-id", KEY_ID),
            (12, "aws-secret-access-key", SECRET),
        ]
    );
    let secret = &found[1];
    assert_eq!(secret.end_line, 12);
    // The preview's excerpt is the encoded line, with the encoded value as the secret's span.
    let e = &secret.excerpt;
    assert!(e.before.ends_with(b"AWS_SECRET_ACCESS_KEY: \""), "{e:?}");
    assert_eq!(e.end - e.start, b64(SECRET).len());
    assert_eq!(e.after, b"\"");
    assert_eq!(secret.pair.as_ref().map(|p| p.line), Some(11));
}

#[test]
fn json_secret_list_is_scanned_decoded() {
    let text = format!(
        "{{\n  \"kind\": \"List\",\n  \"items\": [{{\n    \"kind\": \"Secret\",\n    \"data\": {{\n      \"DB_PASSWORD\": \"{}\"\n    }}\n  }}]\n}}\n",
        b64("Summer2024!")
    );
    let found = matcher().scan_text("secrets.json", text.as_bytes());
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].line, found[0].kind.as_str()), (6, "db-password"));
    assert_eq!(found[0].secret, "Summer2024!");
}

#[test]
fn binary_values_and_plain_yaml_are_left_alone() {
    let text = "kind: Secret\ndata:\n  keystore: /u3+7QAAAAIAAAABAAAAAQAFYWxpYXM=\n";
    assert!(matcher().scan_text("s.yaml", text.as_bytes()).is_empty());
    let plain = format!("kind: Deployment\ndata:\n  v: {}\n", b64(KEY_ID));
    assert!(matcher().scan_text("d.yaml", plain.as_bytes()).is_empty());
}
