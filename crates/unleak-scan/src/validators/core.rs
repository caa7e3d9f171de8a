//! The core families' checks (AWS keys, private keys, passwords, hosts) and what they share
//! with the provider checks. Structure first: what has structure is validated, not guessed at
//! by entropy.

use base64::Engine;

/// AWS's published documentation keys: never real.
const AWS_DOC_KEY_IDS: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "AKIAI44QH8DHBEXAMPLE",
    "AKIAJZ5JYZ5VJ5EXAMPLE",
];
const AWS_DOC_SECRETS: &[&str] = &[
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY",
];

/// File extensions of programming languages. In source code a literal is a quoted string; an
/// unquoted value after `password =` or `password:` is a variable, a type or an expression.
const SOURCE_EXTENSIONS: &[&str] = &[
    "rs", "c", "h", "cc", "cpp", "cxx", "hpp", "hh", "go", "java", "kt", "kts", "scala", "swift",
    "py", "pyi", "js", "jsx", "mjs", "cjs", "ts", "tsx", "rb", "php", "cs", "fs", "vb", "m", "mm",
    "pl", "pm", "lua", "dart", "ex", "exs", "erl", "hs", "ml", "clj", "groovy", "r", "jl", "zig",
    "nim", "sol", "vue", "svelte",
];

pub(super) fn is_source_code(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').is_some_and(|(_, ext)| {
        SOURCE_EXTENSIONS
            .iter()
            .any(|e| e.eq_ignore_ascii_case(ext))
    })
}

/// A key id: prefix, then 16 of `A-Z2-7` (the regex checks shape), not a documentation key,
/// not a run of one letter.
pub(super) fn aws_key_id(id: &str) -> bool {
    // Documentation keys, and fixtures derived from them (`AKIAIOSFODNN7EXAMPLF`).
    if id.len() != 20 || AWS_DOC_KEY_IDS.contains(&id) || id.contains("EXAMPL") {
        return false;
    }
    let body = &id.as_bytes()[4..];
    if !body
        .iter()
        .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(b))
    {
        return false;
    }
    // `AKIAAAAAAAAAAAAAAAAA`, `AKIAXXXXXXXXXXXXXXXX`: filler, not a key.
    let distinct = {
        let mut seen = [false; 256];
        body.iter()
            .filter(|&&b| !std::mem::replace(&mut seen[b as usize], true))
            .count()
    };
    distinct >= 6
}

/// A secret access key: 40 of base64's alphabet, mixed case, not hex, not a documentation key.
pub(super) fn aws_secret_key(s: &str) -> bool {
    if s.len() != 40 || AWS_DOC_SECRETS.contains(&s) || s.contains("EXAMPLE") {
        return false;
    }
    let b = s.as_bytes();
    if !b
        .iter()
        .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
    {
        return false;
    }
    let upper = b.iter().filter(|c| c.is_ascii_uppercase()).count();
    let lower = b.iter().filter(|c| c.is_ascii_lowercase()).count();
    let digit = b.iter().filter(|c| c.is_ascii_digit()).count();
    // Random base64 of 40 characters has on average ~16 upper, ~16 lower, ~6 digits.
    upper >= 3 && lower >= 3 && digit >= 1 && entropy::shannon_entropy(b) >= 4.0
}

/// The credentials are for a host reserved for documentation (RFC 2606: `example.com`, `.net`,
/// `.org`, `*.example`): `user:pass@db.example.com` shows how, it logs in nowhere. (`.invalid`
/// and `.test` name stand-ins for real hosts in fixtures, so they are not taken as examples.)
pub(super) fn at_example_host(after: &[u8]) -> bool {
    let Some(rest) = after.strip_prefix(b"@") else {
        return false;
    };
    let host: Vec<u8> = rest
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        .map(u8::to_ascii_lowercase)
        .collect();
    let host = host.strip_suffix(b".").unwrap_or(&host);
    [&b"example.com"[..], b"example.net", b"example.org"]
        .iter()
        .any(|d| host == *d || host.ends_with(&[b".", *d].concat()))
        || host.ends_with(b".example")
}

/// The base64 text of one line of a key body as it appears in a file or in code: inside
/// quotes when the line is a string literal (`"MIIE...\n" +`), otherwise the line without
/// indentation, comment leaders (`# `, `// `, `* `) and a trailing `\` continuation.
pub(super) fn body_line(raw: &str) -> &str {
    let mut line = raw.trim();
    for lead in ["+ ", "+", ". ", "// ", "# ", "* ", "; "] {
        if let Some(rest) = line.strip_prefix(lead) {
            if rest.starts_with(['"', '\'', '`']) || lead.ends_with(' ') {
                line = rest.trim_start();
                break;
            }
        }
    }
    if let Some(q) = line
        .chars()
        .next()
        .filter(|c| matches!(c, '"' | '\'' | '`'))
    {
        let inner = &line[1..];
        return inner.find(q).map_or(inner, |end| &inner[..end]).trim();
    }
    line.trim_end_matches(['\\', '"', '\'', '`']).trim_end()
}

/// The body of a PEM-like block: base64 lines between BEGIN and END, with `\n` escapes,
/// quotes, string concatenation and indentation removed. Header lines (`Key: value`) are
/// returned apart.
pub(super) fn pem_body(block: &str) -> Option<(String, Vec<String>, Vec<u8>)> {
    let unescaped = block.replace("\\r", "\n").replace("\\n", "\n");
    let mut lines = unescaped.lines();
    let begin = lines.next()?;
    let label = begin
        .split("BEGIN ")
        .nth(1)?
        .split("-----")
        .next()?
        .trim()
        .to_string();
    let mut headers = Vec::new();
    let mut b64 = String::new();
    for raw in lines {
        if raw.contains("-----END") {
            break;
        }
        let line = body_line(raw);
        if !line.bytes().any(|b| b.is_ascii_alphanumeric()) {
            continue; // blank, or what is left of string syntax (`" +`)
        }
        if line.contains(": ") {
            headers.push(line.to_string());
            continue;
        }
        if line.starts_with('=') && line.len() <= 6 {
            continue; // PGP armor checksum
        }
        if !line
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'=')
        {
            return None; // `...`, `<key here>`, prose: not a real key body
        }
        b64.push_str(line);
    }
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.trim_end_matches('='))
        .or_else(|_| {
            base64::engine::general_purpose::STANDARD_NO_PAD.decode(b64.trim_end_matches('='))
        })
        .ok()?;
    Some((label, headers, der))
}

/// One DER element: (tag, contents, what follows). Definite lengths only, as DER requires.
pub(super) fn der_element(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = b.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, &x| (acc << 8) | x as usize);
        (len, &rest[n..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// The tags of a SEQUENCE's elements, when `der` is exactly one complete SEQUENCE.
pub(super) fn der_sequence_tags(der: &[u8]) -> Option<Vec<u8>> {
    let (tag, mut body, rest) = der_element(der)?;
    if tag != 0x30 || !rest.is_empty() {
        return None;
    }
    let mut tags = Vec::new();
    while !body.is_empty() {
        let (t, _, next) = der_element(body)?;
        tags.push(t);
        body = next;
    }
    Some(tags)
}

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const SEQUENCE: u8 = 0x30;

/// The DER of an unencrypted private key has the shape its PEM label names (PKCS#1 RSA,
/// SEC1 EC, DSA, PKCS#8); a truncated or edited body does not parse.
pub(super) fn der_private_key(label: &str, der: &[u8]) -> bool {
    let Some(tags) = der_sequence_tags(der) else {
        return false;
    };
    let ints = |n: usize| tags.len() >= n && tags[..n].iter().all(|&t| t == INTEGER);
    match label {
        "RSA PRIVATE KEY" => ints(9),
        "DSA PRIVATE KEY" => ints(6),
        "EC PRIVATE KEY" => tags.len() >= 2 && tags[0] == INTEGER && tags[1] == OCTET_STRING,
        "ENCRYPTED PRIVATE KEY" => tags == [SEQUENCE, OCTET_STRING],
        // PKCS#8 (`PRIVATE KEY`) and anything else that claims to be a private key.
        _ => {
            tags.len() >= 3 && tags[0] == INTEGER && tags[1] == SEQUENCE && tags[2] == OCTET_STRING
        }
    }
}

/// An `openssh-key-v1` container: magic, cipher, kdf, kdf options, keys, public keys and the
/// private section, all present. Returns whether it is encrypted.
pub(super) fn openssh_private_key(der: &[u8]) -> Option<bool> {
    fn string(b: &[u8]) -> Option<(&[u8], &[u8])> {
        let len = u32::from_be_bytes(b.get(..4)?.try_into().ok()?) as usize;
        let s = b.get(4..4 + len)?;
        Some((s, &b[4 + len..]))
    }
    let rest = der.strip_prefix(b"openssh-key-v1\0")?;
    let (cipher, rest) = string(rest)?;
    let (kdf, rest) = string(rest)?;
    let (_kdf_options, rest) = string(rest)?;
    let n = u32::from_be_bytes(rest.get(..4)?.try_into().ok()?);
    if n == 0 || n > 16 {
        return None;
    }
    let mut rest = &rest[4..];
    for _ in 0..n {
        rest = string(rest)?.1;
    }
    let (private, _) = string(rest)?;
    let encrypted = cipher != b"none";
    if encrypted {
        return (kdf != b"none" && private.len() >= 16).then_some(true);
    }
    // Unencrypted: two equal check integers open the private section.
    let check = private.get(..8)?;
    (check[..4] == check[4..] && private.len() >= 32).then_some(false)
}

/// A PEM private key whose body decodes to the structure its label claims.
/// Returns whether it is encrypted, or None when it is not a real key.
pub fn pem_private_key(block: &str) -> Option<bool> {
    let (label, headers, der) = pem_body(block)?;
    let encrypted_legacy = headers
        .iter()
        .any(|h| h.starts_with("Proc-Type") && h.contains("ENCRYPTED"))
        && headers.iter().any(|h| h.starts_with("DEK-Info"));
    match label.as_str() {
        "OPENSSH PRIVATE KEY" => openssh_private_key(&der),
        // Legacy OpenSSL encryption: the body is ciphertext, whole cipher blocks.
        _ if encrypted_legacy => (der.len() >= 64 && der.len() % 8 == 0).then_some(true),
        "ENCRYPTED PRIVATE KEY" => der_private_key(&label, &der).then_some(true),
        _ => der_private_key(&label, &der).then_some(false),
    }
}

/// A PuTTY `.ppk` v2/v3 key with its private lines present.
pub(super) fn putty_private_key(block: &str) -> Option<bool> {
    let mut encrypted = None;
    let mut private_lines = None;
    let mut lines = block.lines();
    let mut body = String::new();
    while let Some(line) = lines.next() {
        let line = line.trim();
        if let Some(v) = line.strip_prefix("Encryption:") {
            encrypted = Some(v.trim() != "none");
        } else if let Some(n) = line.strip_prefix("Private-Lines:") {
            let n: usize = n.trim().parse().ok()?;
            private_lines = Some(n);
            for _ in 0..n {
                body.push_str(lines.next()?.trim());
            }
        }
    }
    private_lines?;
    base64::engine::general_purpose::STANDARD
        .decode(&body)
        .ok()
        .filter(|b| b.len() >= 16)?;
    encrypted
}

/// An OpenPGP armored block whose first packet is a secret key (tag 5). Returns whether its
/// secret material is protected by a passphrase (v4 keys; None for other versions).
pub(super) fn pgp_private_key(block: &str) -> Option<Option<bool>> {
    let (_, _, bytes) = pem_body(block)?;
    let (tag, body) = pgp_packet(&bytes)?;
    (tag == 5 && body.len() >= 32).then(|| pgp_secret_key_encrypted(body))
}

/// The first OpenPGP packet: (tag, body). Old and new packet formats, definite lengths.
pub(super) fn pgp_packet(b: &[u8]) -> Option<(u8, &[u8])> {
    let first = *b.first()?;
    if first & 0x80 == 0 {
        return None;
    }
    let (tag, len, header) = if first & 0x40 != 0 {
        let l0 = *b.get(1)? as usize;
        match l0 {
            0..=191 => (first & 0x3f, l0, 2),
            192..=223 => (
                first & 0x3f,
                ((l0 - 192) << 8) + *b.get(2)? as usize + 192,
                3,
            ),
            255 => (
                first & 0x3f,
                u32::from_be_bytes(b.get(2..6)?.try_into().ok()?) as usize,
                6,
            ),
            _ => return None, // partial lengths: not a key packet
        }
    } else {
        let tag = (first >> 2) & 0x0f;
        match first & 3 {
            0 => (tag, *b.get(1)? as usize, 2),
            1 => (
                tag,
                u16::from_be_bytes(b.get(1..3)?.try_into().ok()?) as usize,
                3,
            ),
            2 => (
                tag,
                u32::from_be_bytes(b.get(1..5)?.try_into().ok()?) as usize,
                5,
            ),
            _ => return None,
        }
    };
    Some((tag, b.get(header..header + len)?))
}

/// A v4 secret-key packet: skip the public part (by algorithm), then the S2K usage octet
/// says whether the secret part is encrypted (0: in the clear).
pub(super) fn pgp_secret_key_encrypted(p: &[u8]) -> Option<bool> {
    if *p.first()? != 4 {
        return None;
    }
    let algo = *p.get(5)?;
    let mut at = 6;
    let mpi = |at: &mut usize| -> Option<()> {
        let bits = u16::from_be_bytes(p.get(*at..*at + 2)?.try_into().ok()?) as usize;
        *at += 2 + bits.div_ceil(8);
        Some(())
    };
    // An OID, or ECDH's KDF parameters: one length octet, then that many bytes.
    let prefixed = |at: &mut usize| -> Option<()> {
        *at += 1 + *p.get(*at)? as usize;
        Some(())
    };
    match algo {
        1..=3 => (0..2).try_for_each(|_| mpi(&mut at))?,
        16 | 20 => (0..3).try_for_each(|_| mpi(&mut at))?,
        17 => (0..4).try_for_each(|_| mpi(&mut at))?,
        19 | 22 => {
            prefixed(&mut at)?;
            mpi(&mut at)?;
        }
        18 => {
            prefixed(&mut at)?;
            mpi(&mut at)?;
            prefixed(&mut at)?;
        }
        _ => return None,
    }
    Some(*p.get(at)? != 0)
}

/// GitHub tokens end in a base62 CRC32 of the rest (6 characters).
pub(super) fn github_checksum(token: &str) -> bool {
    let Some(us) = token.rfind('_') else {
        return false;
    };
    let body = &token[us + 1..];
    // Base62 only: a user rule may hand over any text, and the split below is by bytes.
    if body.len() < 7 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, check) = body.split_at(body.len() - 6);
    let crc = super::providers::crc32(random.as_bytes());
    base62_6(crc) == check
}

pub(super) fn base62_6(mut n: u32) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = [b'0'; 6];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out.to_vec()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validators::Candidate;

    #[test]
    fn aws_ids() {
        assert!(aws_key_id("AKIAQYLPMN5HHHFPZAM2"));
        assert!(!aws_key_id("AKIAIOSFODNN7EXAMPLE"));
        assert!(!aws_key_id("AKIAAAAAAAAAAAAAAAAA"));
    }

    #[test]
    fn aws_secrets() {
        assert!(aws_secret_key("Zq3vN8pR2xK7mW4tY6hJ9bC1dF5gL0sA/eU+iOoT"));
        assert!(!aws_secret_key("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"));
        assert!(!aws_secret_key("da39a3ee5e6b4b0d3255bfef95601890afd80709"));
    }

    #[test]
    fn crc_matches_the_standard_check_value() {
        assert_eq!(
            crate::validators::providers::crc32(b"123456789"),
            0xCBF4_3926
        );
    }

    /// Values made to break byte-indexed code: empty, lone separators, multi-byte characters
    /// (2, 3 and 4 bytes) inserted at and substituted for every position of token-shaped
    /// strings, and very long ones.
    fn tricky_values() -> Vec<String> {
        let bases = [
            "tok_abc1234567".to_string(),
            format!("ghp_{}", "aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dF3h"),
            "AKIAQYLPMN5HHHFPZAM2".into(),
            "Zq3vN8pR2xK7mW4tY6hJ9bC1dF5gL0sA/eU+iOoT".into(),
            "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.c2lnbmF0dXJl".into(),
            "glsa_Xq3vN8pR2xK7mW4tY6hJ9bC1dF5gL0sA_0a1b2c3d".into(),
            "pypi-AgEIcHlwaS5vcmcCJGFiY2Q".into(),
            "dXNlcjpwYXNzd29yZA==".into(),
            "MTIzNDU2Nzg5MDEyMzQ1Njc4.GhIjKl.abcdefghijklmnopqrstuvwxyz0".into(),
            "123456789:AAabcdefghijklmnopqrstuvwxyz0123456".into(),
            "p%40ss%C3%A9word%".into(),
            "-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----".into(),
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjE=\n-----END OPENSSH PRIVATE KEY-----".into(),
            "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nPrivate-Lines: 1\nAAAA".into(),
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQ==\n-----END PGP PRIVATE KEY BLOCK-----".into(),
            "Summer2024!\"".into(),
            "0123456789abcdef0123456789abcdef-us12".into(),
            "$2b$12$abcdefghijklmnopqrstuv".into(),
            "sntrys_eyJpYXQiOjF9_abc".into(),
            "a.b.c()".into(),
        ];
        let mut out = vec![
            String::new(),
            "_".into(),
            ".".into(),
            "%".into(),
            "é".into(),
            "_é".into(),
            "€_".into(),
            "😀".into(),
            "a".repeat(200_000),
            format!("tok_{}", "é".repeat(50_000)),
        ];
        for base in &bases {
            out.push(base.clone());
            let cuts: Vec<usize> = (0..=base.len())
                .filter(|&i| base.is_char_boundary(i))
                .collect();
            for &i in &cuts {
                for ch in ["é", "€", "😀"] {
                    out.push(format!("{}{ch}{}", &base[..i], &base[i..]));
                    if i < base.len() {
                        let next = base[i..].chars().next().map_or(0, char::len_utf8);
                        out.push(format!("{}{ch}{}", &base[..i], &base[i + next..]));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn no_validator_panics_on_tricky_values() {
        let values = tricky_values();
        let quiet = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let mut panicked = Vec::new();
        for v in crate::validators::ALL {
            let name = v.name;
            for value in &values {
                for (path, quoted, key) in [
                    ("a.py", true, None),
                    ("config.env", false, Some(value.as_bytes())),
                    ("x", false, Some("é".as_bytes())),
                ] {
                    let line = format!("key = \"{value}\" é");
                    let mut c = Candidate {
                        secret: value.clone(),
                        line: line.as_bytes(),
                        after: " \u{e9}".as_bytes(),
                        before: b"key = \"",
                        lines_before: "x:\n  é\n".as_bytes(),
                        path,
                        key,
                        quoted,
                        encrypted: None,
                    };
                    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        v.check(&mut c);
                    }));
                    if run.is_err() {
                        panicked.push(format!(
                            "`{name}` on {:?}",
                            value.chars().take(80).collect::<String>()
                        ));
                    }
                }
            }
        }
        std::panic::set_hook(quiet);
        panicked.dedup_by(|a, b| a.split(' ').next() == b.split(' ').next());
        assert!(panicked.is_empty(), "validators panicked: {panicked:#?}");
    }

    #[test]
    fn github_checksum_takes_ascii_tokens_only() {
        assert!(!github_checksum("tok_abé12345"));
        assert!(!github_checksum("tok_abc12é45"));
        assert!(!github_checksum("tok_"));
    }
}
