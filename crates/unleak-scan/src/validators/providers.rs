//! Validators for provider tokens (`patterns/providers/*.toml`). Where a format carries
//! structure (a checksum, an encoded header, a fixed decoded length) it is checked here, so a
//! string that merely has the right prefix and length is not reported.

use base64::Engine;

use super::candidate::Candidate;
use crate::filters;

// --- providers-a checks ------------------------------------------------------------------------

const BECH32_ALPHABET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/// BIP-173 checksum polynomial over 5-bit values.
pub(super) fn bech32_polymod(values: impl Iterator<Item = u8>) -> u32 {
    const GEN: [u32; 5] = [
        0x3b6a_57b2,
        0x2650_8e6d,
        0x1ea1_19fa,
        0x3d42_33dd,
        0x2a14_62b3,
    ];
    let mut chk = 1u32;
    for v in values {
        let top = chk >> 25;
        chk = ((chk & 0x01ff_ffff) << 5) ^ v as u32;
        for (i, g) in GEN.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// A Bech32 string (any case) with a valid checksum, whose human-readable part is `hrp` and
/// whose data is `bytes` long.
pub(super) fn bech32_valid(s: &str, hrp: &str, bytes: usize) -> bool {
    let lower = s.to_ascii_lowercase();
    let Some((h, data)) = lower.rsplit_once('1') else {
        return false;
    };
    if h != hrp || data.len() < 6 {
        return false;
    }
    let Some(five): Option<Vec<u8>> = data
        .bytes()
        .map(|c| {
            BECH32_ALPHABET
                .iter()
                .position(|&a| a == c)
                .map(|p| p as u8)
        })
        .collect()
    else {
        return false;
    };
    // 8-bit payload length from the 5-bit groups without the 6 checksum characters.
    if (five.len() - 6) * 5 / 8 != bytes {
        return false;
    }
    let expand = h
        .bytes()
        .map(|c| c >> 5)
        .chain(std::iter::once(0))
        .chain(h.bytes().map(|c| c & 31));
    bech32_polymod(expand.chain(five.iter().copied())) == 1
}

pub(super) fn age_bech32(s: &str) -> bool {
    bech32_valid(s, "age-secret-key-", 32)
}

pub(super) fn supabase_service_role(token: &str) -> bool {
    Jwt::parse(token).is_some_and(|jwt| {
        jwt.header.contains_key("alg")
            && jwt.payload.get("role").and_then(|r| r.as_str()) == Some("service_role")
            && jwt.payload.get("iss").and_then(|r| r.as_str()) == Some("supabase")
    })
}

pub(super) fn jetbrains_perm_token(token: &str) -> bool {
    let Some(body) = token
        .strip_prefix("perm:")
        .or_else(|| token.strip_prefix("perm-"))
    else {
        return false;
    };
    let parts: Vec<&str> = body.split('.').collect();
    let printable = |seg: &str| {
        b64_decode(seg)
            .and_then(|b| String::from_utf8(b).ok())
            .is_some_and(|t| !t.is_empty() && t.chars().all(|c| !c.is_control()))
    };
    parts.len() == 3 && printable(parts[0]) && printable(parts[1])
}

/// The storage emulator's (Azurite's) account key: published, the same on every machine.
pub(super) const AZURITE_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// Base64 in any of the four alphabets/padding variants.
pub(super) fn b64_decode(s: &str) -> Option<Vec<u8>> {
    use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let t = s.trim_end_matches('=');
    STANDARD_NO_PAD
        .decode(t)
        .or_else(|_| URL_SAFE_NO_PAD.decode(t))
        .ok()
}

pub(super) fn b64_len(s: &str) -> Option<usize> {
    b64_decode(s).map(|b| b.len())
}

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

pub(super) fn base62_crc32(token: &str) -> bool {
    let body = token.rsplit('_').next().unwrap_or("");
    if body.len() != 36 || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return false;
    }
    let (random, check) = body.split_at(30);
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = crc32(random.as_bytes());
    let mut want = [b'0'; 6];
    for slot in want.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    check.as_bytes() == want
}

pub(super) fn grafana_checksum(token: &str) -> bool {
    let Some((head, check)) = token.rsplit_once('_') else {
        return false;
    };
    let crc = crc32(head.as_bytes()).to_le_bytes();
    let want: String = crc.iter().map(|b| format!("{b:02x}")).collect();
    check.eq_ignore_ascii_case(&want)
}

pub(super) fn json_object(bytes: &[u8]) -> Option<serde_json::Map<String, serde_json::Value>> {
    match serde_json::from_slice::<serde_json::Value>(bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

pub(super) fn jwt_hmac(token: &str) -> bool {
    let Some(jwt) = Jwt::parse(token) else {
        return false;
    };
    let sig_len = match jwt.header.get("alg").and_then(|a| a.as_str()) {
        Some("HS256") => 32,
        Some("HS384") => 48,
        Some("HS512") => 64,
        _ => return false,
    };
    b64_len(jwt.signature) == Some(sig_len)
}

/// A JWT taken apart: header and payload decoded to JSON objects, the signature as written.
struct Jwt<'a> {
    header: serde_json::Map<String, serde_json::Value>,
    payload: serde_json::Map<String, serde_json::Value>,
    signature: &'a str,
}

impl<'a> Jwt<'a> {
    /// Three `.`-separated base64url segments whose first two decode to JSON objects.
    fn parse(token: &'a str) -> Option<Self> {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return None;
        };
        Some(Jwt {
            header: b64_decode(h).as_deref().and_then(json_object)?,
            payload: b64_decode(p).as_deref().and_then(json_object)?,
            signature,
        })
    }
}

/// Header and payload decode to JSON objects (the header names its algorithm), and the
/// signature decodes: a string of three base64 segments that merely starts with `eyJ` is not
/// a token.
pub(super) fn jwt_json(token: &str) -> bool {
    Jwt::parse(token).is_some_and(|jwt| {
        jwt.header.get("alg").is_some_and(|a| a.is_string())
            && !jwt.payload.is_empty()
            && b64_len(jwt.signature).is_some_and(|n| n >= 16)
    })
}

/// `tok:<id>:<digits>:<digits>` once decoded; the id is hex with `_`/`-` separators.
pub(super) fn intercom_token(token: &str) -> bool {
    let Some(text) = b64_decode(token).and_then(|b| String::from_utf8(b).ok()) else {
        return false;
    };
    let parts: Vec<&str> = text.split(':').collect();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    parts.len() == 4
        && parts[0] == "tok"
        && parts[1].len() >= 20
        && parts[1]
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b'_' || b == b'-')
        && random_looking(parts[1])
        && digits(parts[2])
        && digits(parts[3])
}

pub(super) fn uuid_random(token: &str) -> bool {
    let Some(uuid) = token.len().checked_sub(36).and_then(|at| token.get(at..)) else {
        return false;
    };
    if !is_uuid(uuid) {
        return false;
    }
    let hex: Vec<u8> = uuid
        .bytes()
        .filter(|b| *b != b'-')
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let mut seen = [false; 256];
    let distinct = hex
        .iter()
        .filter(|&&b| !std::mem::replace(&mut seen[b as usize], true))
        .count();
    // Random: ~15 distinct of 16, a run of 5 ascending (`12345`, `abcde`) about once in 2,000.
    let ascending = hex
        .windows(5)
        .any(|w| w.windows(2).all(|p| p[1] == p[0] + 1));
    let repeated = uuid
        .split('-')
        .any(|g| g.bytes().all(|b| b == g.as_bytes()[0]));
    distinct >= 8 && !ascending && !repeated
}

pub(super) fn pypi_macaroon(token: &str) -> bool {
    let Some(body) = token.strip_prefix("pypi-") else {
        return false;
    };
    let Some(bytes) = b64_decode(body) else {
        return false;
    };
    // Macaroon v2: version 2, then field 1 (location) with a one-byte length.
    let located = |loc: &[u8]| {
        bytes.len() > 3 + loc.len() + 32
            && bytes[..2] == [2, 1]
            && bytes[2] as usize == loc.len()
            && &bytes[3..3 + loc.len()] == loc
    };
    located(b"pypi.org") || located(b"test.pypi.org")
}

pub(super) fn basic_auth_base64(s: &str) -> bool {
    let Some(bytes) = b64_decode(s) else {
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return false;
    };
    let Some((user, pass)) = text.split_once(':') else {
        return false;
    };
    !user.is_empty()
        && !pass.is_empty()
        && text.chars().all(|c| !c.is_control())
        && !filters::is_placeholder(pass)
}

pub(super) fn embedded_json(s: &str) -> bool {
    let Some(at) = s.find("eyJ") else {
        return false;
    };
    let seg: String = s[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '-' | '=' | '_'))
        .collect();
    // `_` may separate the JSON from a trailing secret (Sentry `sntrys_<json>_<secret>`):
    // try the whole segment, then the prefixes before its last few `_`, longest first.
    // Bounded: decoding the prefix before every `_` was quadratic in the segment (the
    // validators fuzz target found a 22 KB value that took over 10 s).
    const TRAILING_PARTS: usize = 3;
    let mut candidates = vec![seg.as_str()];
    candidates.extend(
        seg.rmatch_indices('_')
            .take(TRAILING_PARTS)
            .map(|(i, _)| &seg[..i]),
    );
    candidates.iter().any(|c| {
        b64_decode(c)
            .as_deref()
            .and_then(json_object)
            .is_some_and(|m| !m.is_empty())
    })
}

pub(super) fn discord_bot_id(token: &str) -> bool {
    let first = token.split('.').next().unwrap_or("");
    b64_decode(first)
        .and_then(|b| String::from_utf8(b).ok())
        .is_some_and(|id| (17..=20).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()))
}

/// Hosts whose URLs a rule of their own reports, or that only appear in documentation.
const URL_HOSTS_ELSEWHERE: &[&str] = &["bitbucket.org", "hooks.slack.com", "discord.com"];
const DOC_HOST_SUFFIXES: &[&str] = &[
    "example.com",
    "example.org",
    "example.net",
    ".example",
    ".invalid",
    ".test",
];

pub(super) fn url_credentials(c: &mut Candidate<'_>) -> bool {
    let host = c
        .key
        .map(|k| String::from_utf8_lossy(k).to_ascii_lowercase())
        .unwrap_or_default();
    let host = host.trim_end_matches('.');
    if host.is_empty()
        || URL_HOSTS_ELSEWHERE
            .iter()
            .any(|h| host == *h || host.ends_with(&format!(".{h}")))
        || DOC_HOST_SUFFIXES
            .iter()
            .any(|s| host == s.trim_start_matches('.') || host.ends_with(s))
    {
        return false;
    }
    match percent_encoding::percent_decode_str(&c.secret).decode_utf8() {
        Ok(s) => c.secret = s.into_owned(),
        Err(_) => return false,
    }
    !filters::is_placeholder(&c.secret)
        && !filters::is_password_hash(&c.secret)
        && !has_provider_prefix(&c.secret)
}

/// `a.b`, `a.b.c()`: dotted identifiers, the way code names another value.
pub(super) fn is_reference(v: &str) -> bool {
    let v = v.strip_suffix("()").unwrap_or(v);
    let ident = |s: &str| {
        s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    v.contains('.') && v.split('.').all(ident)
}

const JWT_KEY_NOT_SECRET: &[&str] = &[
    "file", "path", "url", "uri", "name", "type", "alg", "expir", "ttl", "header", "issuer",
    "audience", "env", "length", "id",
];

pub(super) fn jwt_secret_literal(c: &Candidate<'_>) -> bool {
    let key = c
        .key
        .map(|k| String::from_utf8_lossy(k).to_ascii_lowercase())
        .unwrap_or_default();
    if JWT_KEY_NOT_SECRET.iter().any(|w| key.contains(w)) {
        return false;
    }
    let v = c.secret.trim();
    let code = v.ends_with(')') || v.ends_with(");") || v.contains(" + ") || v.contains("::");
    v.len() >= 8 && (c.quoted || !code)
}

pub(super) fn random_looking(s: &str) -> bool {
    let b = s.as_bytes();
    let upper = b.iter().any(|c| c.is_ascii_uppercase());
    let lower = b.iter().any(|c| c.is_ascii_lowercase());
    let digit = b.iter().any(|c| c.is_ascii_digit());
    if (upper as u8 + lower as u8 + digit as u8) < 2 {
        return false;
    }
    // No run of 4 identical characters (`aaaa`, `0000`), no ascending run of 6 (`abcdef`).
    let run_same = b.windows(4).any(|w| w.iter().all(|&x| x == w[0]));
    let run_seq = b
        .windows(6)
        .any(|w| w.windows(2).all(|p| p[1] == p[0].wrapping_add(1)));
    !run_same && !run_seq
}

/// Prefixes of tokens that a specific rule reports (and validates): a generic or
/// context-bound rule must not report them a second time.
const PROVIDER_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "glptt-",
    "glrt-",
    "gldt-",
    "gloas-",
    "glft-",
    "glimt-",
    "glsoat-",
    "glcbt-",
    "glffct-",
    "glagent-",
    "GR1348941",
    "xoxb-",
    "xoxp-",
    "xoxe",
    "xapp-",
    "SG.",
    "sk_live_",
    "rk_live_",
    "sk_test_",
    "rk_test_",
    "pk_live_",
    "pk_test_",
    "whsec_",
    "EAAA",
    "sq0atp-",
    "sq0csp-",
    "access_token$",
    "shpat_",
    "shpca_",
    "shppa_",
    "shpss_",
    "AIza",
    "GOCSPX-",
    "dop_v1_",
    "doo_v1_",
    "dor_v1_",
    "HRKU-",
    "v1.0-",
    "nfp_",
    "npm_",
    "pypi-",
    "rubygems_",
    "oy2",
    "dckr_pat_",
    "hvs.",
    "hvb.",
    "hvr.",
    "AKCp",
    "cmVmdGtuOjAxOj",
    "sntrys_",
    "sntryu_",
    "NRAK-",
    "NRII-",
    "NRIQ-",
    "glsa_",
    "glc_",
    "eyJrIjoi",
    "sk-",
    "hf_",
    "eyJ",
    "AGE-SECRET-KEY-",
    "FwoGZXIvYXdz", // AWS STS session tokens
    "IQoJb3JpZ2lu",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "key-",
    // Issue 18, second half (chat, email, payments, AI, SaaS).
    "xoxa-",
    "xoxo-",
    "xoxr-",
    "xkeysib-",
    "xsmtpsib-",
    "mlsn.",
    "FLWSECK",
    "rzp_live_",
    "rzp_test_",
    "access-production-",
    "access-development-",
    "pdl_live_apikey_",
    "pdl_sdbx_apikey_",
    "duffel_live_",
    "duffel_test_",
    "shippo_live_",
    "shippo_test_",
    "EZAK",
    "EZTK",
    "sk_sbox_",
    "lin_api_",
    "lin_oauth_",
    "ntn_",
    "figd_",
    "PMAK-",
    "rdme_",
    "fio-u-",
    "api_org_",
    "r8_",
    "gsk_",
    "pplx-",
    "xai-",
    "lsv2_",
    "pcsk_",
    "nvapi-",
    "tgp_v1_",
    "csk-",
    "tvly-",
    "jina_",
    "esecret_",
    "sdk-",
    "mob-",
    "configcat-sdk-",
    "phx_",
    "sgp_",
    "pat-na",
    "pat-eu",
    "pat-ap",
    "CFPAT-",
    "tfp_",
    "sk.eyJ",
    "dG9rO",
    "secret-live-",
    "secret-test-",
    "ory_pat_",
    "ory_apikey_",
    // providers-a: source control, CI/CD, infra, registries, observability
    "CCIPAT_",
    "CCIPRJ_",
    "bkua_",
    "squ_",
    "sqp_",
    "sqa_",
    "dp.pt.",
    "dp.st.",
    "dp.ct.",
    "dp.sa.",
    "pul-",
    "ops_eyJ",
    "ddp_",
    "ddw_",
    "pnu_",
    "ATATT3xFfGF0",
    "ATCTT3xFfGN0",
    "BBDC-",
    "sgp_",
    "perm:",
    "SWMTKN-1-",
    "SWMKEY-1-",
    "tskey-",
    "fo1_",
    "FlyV1 ",
    "rnd_",
    "vercel_blob_rw_",
    "LTAI",
    "AKID",
    "sbp_",
    "sb_secret_",
    "pscale_",
    "napi_",
    "CLOJARS_",
    "NRAA-",
    "NRRA-",
    "NRJS-",
    "dt0c01.",
    "dt0s01.",
    "hcaik_",
    "hcxik_",
    "hcamk_",
    "xaat-",
    "xapt-",
    "eyJ2ZXIiOiIy",
    "cloudinary://",
];

pub fn has_provider_prefix(s: &str) -> bool {
    PROVIDER_PREFIXES.iter().any(|p| s.starts_with(p))
        || is_hex_shape(s, &[32, 8, 8]) // Mailgun
        || s.rsplit_once("-us").is_some_and(|(h, n)| {
            is_hex_shape(h, &[32]) && (1..=2).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_digit())
        }) // Mailchimp
        || is_discord_shape(s)
        || is_telegram_shape(s)
        || s.contains(".atlasv1.")
        || s.contains("T3BlbkFJ")
        || s.contains(":APA91b")
        || s.ends_with("NRAL")
        || s.contains("Q~")
        || is_azure_devops_pat(s)
}

/// An Azure DevOps PAT in the 84-character format: `JQQJ` at 52, `AZDO` at 76.
pub(super) fn is_azure_devops_pat(s: &str) -> bool {
    s.len() == 84 && s.get(52..56) == Some("JQQJ") && s.get(76..80) == Some("AZDO")
}

/// `<base64 id>.<6>.<27-38>`: a Discord bot token's shape.
pub(super) fn is_discord_shape(s: &str) -> bool {
    let parts: Vec<&str> = s.split('.').collect();
    parts.len() == 3
        && (23..=28).contains(&parts[0].len())
        && parts[1].len() == 6
        && (27..=38).contains(&parts[2].len())
}

/// `<bot id>:AA<33>`: a Telegram bot token's shape.
pub(super) fn is_telegram_shape(s: &str) -> bool {
    s.split_once(":AA").is_some_and(|(id, rest)| {
        (8..=10).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) && rest.len() == 33
    })
}

/// Dash-separated groups of lowercase hex of these lengths.
pub(super) fn is_hex_shape(s: &str, groups: &[usize]) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == groups.len()
        && parts.iter().zip(groups).all(|(p, &n)| {
            p.len() == n
                && p.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
}

/// Names (lowercase fragments) whose values another rule family judges, or that name
/// something other than a credential.
const GENERIC_KEY_ELSEWHERE: &[&str] = &[
    // other families: passwords, AWS, private keys, JWT secrets
    "password",
    "passwd",
    "pwd",
    "aws",
    "private_key",
    "privatekey",
    "jwt",
    "accesskeyid",
    "sessiontoken",
    "securitytoken",
    "access_key_id",
    "secretaccesskey",
    "secret_access_key",
    "secret-access-key",
    // providers with rules of their own: a value those rules reject is not a secret either
    "github",
    "gitlab",
    "bitbucket",
    "slack",
    "discord",
    "telegram",
    "sendgrid",
    "mailchimp",
    "stripe",
    "square",
    "braintree",
    "shopify",
    "google",
    "gcp",
    "firebase",
    "fcm",
    "digitalocean",
    "npm",
    "_authtoken",
    "pypi",
    "twine",
    "rubygems",
    "gem_host",
    "nuget",
    "docker",
    "terraform",
    "tfe_",
    "vault",
    "jfrog",
    "artifactory",
    "sentry",
    "newrelic",
    "new_relic",
    "grafana",
    "openai",
    "anthropic",
    "huggingface",
    "hf_",
    "datadog",
    "dd_api",
    "dd_app",
    "twilio",
    "mailgun",
    "postmark",
    "heroku",
    "cloudflare",
    "cf_api",
    "fastly",
    "vercel",
    "netlify",
    "linode",
    "pagerduty",
    "paypal",
    "azure",
    "storage_key",
    "account_key",
    "accountkey",
    // not credentials: names of, hashes of, places of, lengths of, kinds of secrets
    "hash",
    "digest",
    "checksum",
    "sha",
    "md5",
    "crc",
    "etag",
    "fingerprint",
    "nonce",
    "salt",
    "csrf",
    "xsrf",
    "public",
    "pub_key",
    "publishable",
    "_id",
    "name",
    "type",
    "url",
    "uri",
    "path",
    "file",
    "dir",
    "prefix",
    "header",
    "param",
    "field",
    "length",
    "len",
    "size",
    "count",
    "expir",
    "ttl",
    "timeout",
    "version",
    "format",
    "pattern",
    "regex",
    "scope",
    "endpoint",
    "mode",
    "enabled",
    "label",
    "description",
    "placeholder",
    "hint",
    "index",
    "cursor",
    "page",
    "next",
    "lexer",
    "parser",
    "kind",
    "class",
    "limit",
    "bucket",
    "cache",
];

/// A value that is something else than a secret: a UUID, a hash, an encoded image, a path, a
/// number, a version, a dotted name.
pub(super) fn generic_value_ok(v: &str) -> bool {
    let b = v.as_bytes();
    if b.len() < 16 || b.len() > 200 {
        return false;
    }
    if is_uuid(v) || b.iter().all(|c| c.is_ascii_digit()) {
        return false;
    }
    // Hex of a SHA digest's length: a commit id or a content hash. (32 hex is left in: API
    // keys of that shape are common, MD5s under a key/token/secret name are not.)
    if b.iter().all(|c| c.is_ascii_hexdigit()) && matches!(b.len(), 40 | 56 | 64 | 96 | 128) {
        return false;
    }
    // 40 characters of base64's alphabet: the shape of an AWS secret access key, which the AWS
    // family reports only next to a key id or under a name that says so.
    if b.len() == 40
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
    {
        return false;
    }
    // Generated secrets of this length almost always hold a digit; words and identifiers
    // (`getApiKeyFromRequest`, `X-Acme-Api-Key-Header`) do not.
    if !b.iter().any(|c| c.is_ascii_digit()) && (b.len() < 32 || entropy::shannon_entropy(b) < 4.3)
    {
        return false;
    }
    // Words joined into a name (`etcd-cluster-k8s`, `my_app_session_v2`): every part letters
    // only, or too short to carry randomness.
    let parts: Vec<&str> = v.split(['-', '_', '.']).collect();
    if parts.len() >= 2
        && parts
            .iter()
            .all(|p| p.len() <= 3 || p.bytes().all(|c| c.is_ascii_alphabetic()))
    {
        return false;
    }
    let lower = v.to_ascii_lowercase();
    if lower.starts_with("data:")
        || lower.starts_with("http")
        || lower.starts_with("ivbor") // base64 PNG
        || lower.starts_with("/9j/") // base64 JPEG
        || lower.starts_with("r0lgod") // base64 GIF
        || lower.contains("://")
        || v.starts_with('/')
        || v.starts_with("./")
        || v.contains(' ')
        || filters::is_password_hash(v)
    {
        return false;
    }
    !has_provider_prefix(v) && random_looking(v)
}

pub(super) fn is_uuid(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// The name the value is assigned to: the rule's `key` group, else the identifier just before
/// the value on its line.
pub(super) fn key_name(c: &Candidate<'_>) -> String {
    if let Some(k) = c.key {
        return String::from_utf8_lossy(k).to_ascii_lowercase();
    }
    let line = String::from_utf8_lossy(c.line);
    let at = line.find(&c.secret).unwrap_or(line.len());
    let before = line[..at].trim_end_matches(|ch: char| {
        ch.is_whitespace() || matches!(ch, '"' | '\'' | '`' | '=' | ':' | '>' | ',' | '(' | ']')
    });
    before
        .rsplit(|ch: char| !(ch.is_ascii_alphanumeric() || matches!(ch, '_' | '-' | '.')))
        .next()
        .unwrap_or("")
        .to_ascii_lowercase()
}

pub(super) fn generic_secret(c: &mut Candidate<'_>) -> bool {
    let key = key_name(c);
    // PagerDuty's `Authorization: Token token=…` has a rule of its own.
    let pagerduty = String::from_utf8_lossy(c.line)
        .to_ascii_lowercase()
        .contains("token token=");
    if key.is_empty()
        || pagerduty
        || GENERIC_KEY_ELSEWHERE.iter().any(|w| key.contains(w))
        || super::password::is_generated_file(c.path)
        || is_public_search_key(c, &key)
    {
        return false;
    }
    generic_value_ok(&c.secret)
}

/// Blocks whose plain `apiKey` is, by the provider's design, a search-only key that web pages
/// ship to every visitor (Algolia's DocSearch/InstantSearch configuration: its documentation
/// says the search-only key is safe to publish; admin and write keys have rules of their own,
/// named as such). Measured: the one not-a-secret of the real-world benchmark's default view
/// was such a key in a documentation site's `docusaurus.config.js`.
const PUBLIC_SEARCH_BLOCKS: &[&str] = &["algolia", "docsearch"];

/// The key names such a block gives its search key.
const SEARCH_KEY_NAMES: &[&str] = &["apikey", "api_key", "searchapikey", "search_api_key"];

/// A search-only key: `apiKey` directly inside an `algolia: {` / `algolia:` / `[params.algolia]`
/// block (see [`PUBLIC_SEARCH_BLOCKS`]).
fn is_public_search_key(c: &Candidate<'_>, key: &str) -> bool {
    SEARCH_KEY_NAMES.contains(&key)
        && enclosing_block(c).is_some_and(|b| {
            let b = b.to_ascii_lowercase();
            PUBLIC_SEARCH_BLOCKS.contains(&b.rsplit('.').next().unwrap_or(""))
        })
}

/// The name of the block the candidate's line stands in: the nearest line above that is less
/// indented and opens a block (`name: {`, `name:`, `"name" = {`, `name {`), or a TOML/INI
/// section header (`[a.name]`). `None` when the nearest less indented line is anything else, or
/// none is found within the bounded context.
fn enclosing_block(c: &Candidate<'_>) -> Option<String> {
    let indent_of = |l: &[u8]| l.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    let indent = indent_of(c.before);
    let text = String::from_utf8_lossy(c.lines_before);
    for line in text.lines().rev().take(40) {
        let trimmed = line.trim();
        if trimmed.is_empty()
            || ["//", "#", "/*", "*"]
                .iter()
                .any(|p| trimmed.starts_with(p))
        {
            continue;
        }
        if let Some(section) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            return Some(section.trim_matches(['[', ']', ' ']).to_string());
        }
        if indent_of(line.as_bytes()) >= indent {
            continue;
        }
        let head = trimmed
            .trim_end_matches(|ch: char| matches!(ch, '{' | '(' | '[') || ch.is_whitespace());
        let head = head.trim_end_matches([':', '=']).trim_end();
        let name = head.trim_matches(['"', '\'']);
        let is_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        return is_name.then(|| name.to_string());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_json_is_linear_in_the_number_of_underscores() {
        // A 1 MB segment with an `_` every third byte: one decode per `_` made this hours of
        // work; bounded, it is a few decodes. Run on a thread so a regression fails the test
        // instead of hanging the run.
        let sentry_like = format!("eyJ{}", "ab_".repeat(350_000));
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || tx.send(embedded_json(&sentry_like)).unwrap());
        let decoded = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("embedded_json over 1 MB of underscores did not finish in 60 s");
        assert!(!decoded);
        // The trailing secret is still split off.
        let json = base64::engine::general_purpose::STANDARD_NO_PAD.encode(br#"{"url":"x"}"#);
        assert!(embedded_json(&format!("{json}_{}", "s".repeat(43))));
    }

    fn candidate<'a>(before_lines: &'a str, line: &'a str, secret: &str) -> Candidate<'a> {
        let at = line.find(secret).unwrap();
        Candidate {
            secret: secret.to_string(),
            line: line.as_bytes(),
            after: &line.as_bytes()[at + secret.len()..],
            before: &line.as_bytes()[..at],
            lines_before: before_lines.as_bytes(),
            path: "site/docusaurus.config.js",
            key: None,
            quoted: true,
            encrypted: None,
        }
    }

    #[test]
    fn a_search_key_in_an_algolia_block_is_public_and_other_keys_are_not() {
        let value = "4b2f0c9e7d1a8b3c6e5f0a9d2c7b4e1f";
        let line = format!("    apiKey: '{value}',");
        let public = [
            "module.exports = {\n  algolia: {\n    // the application id\n    appId: 'X',\n\n",
            "[params]\ntitle = 'x'\n[params.algolia]\nappId = 'X'\n",
            "config:\n  docsearch:\n    indexName: site\n",
        ];
        for before in public {
            let line = if before.contains("[params") {
                format!("apiKey = '{value}'")
            } else {
                line.clone()
            };
            let c = candidate(before, &line, value);
            assert!(is_public_search_key(&c, &key_name(&c)), "{before:?}");
        }
        let secret = [
            // not an Algolia block: a plain api key
            "module.exports = {\n  datadog: {\n",
            // Algolia block, but a deeper object: the nearest less indented line is not the block
            "algolia: {\n  admin: {\n",
            // the block closed before the key
            "  algolia: {\n    appId: 'X',\n  },\n  analytics: {\n",
        ];
        for before in secret {
            let c = candidate(before, &line, value);
            assert!(!is_public_search_key(&c, &key_name(&c)), "{before:?}");
        }
        // The admin key of an Algolia block is not a search key.
        let admin = format!("    adminApiKey: '{value}',");
        let c = candidate(public[0], &admin, value);
        assert!(!is_public_search_key(&c, &key_name(&c)));
    }

    #[test]
    fn grafana_checksum_roundtrip() {
        let head = "glsa_Xq3vN8pR2xK7mW4tY6hJ9bC1dF5gL0sA";
        let crc = crc32(head.as_bytes()).to_le_bytes();
        let hex: String = crc.iter().map(|b| format!("{b:02x}")).collect();
        assert!(grafana_checksum(&format!("{head}_{hex}")));
        assert!(!grafana_checksum(&format!("{head}_00000000")));
    }

    #[test]
    fn generic_values() {
        assert!(generic_value_ok("Zq3vN8pR2xK7mW4tY6hJ9bC1"));
        assert!(!generic_value_ok(
            "3f786850e387550fdab836ed7e6dc881de23001b"
        ));
        assert!(!generic_value_ok("123e4567-e89b-42d3-a456-426614174000"));
        assert!(!generic_value_ok("iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB"));
        assert!(!generic_value_ok(concat!(
            "gh",
            "p_7g7i61xryvfevmjCYsuZdHeLulRKLQ31jhVH"
        )));
        assert!(!generic_value_ok("abcdefghijklmnopqrstuvwx1"));
    }

    #[test]
    fn uuid_randomness() {
        // Built at run time: the project's own scan must not see a token-shaped literal.
        assert!(uuid_random(&format!(
            "sdk-{}",
            "7f3c2b1a-0e9d-4c8b-a7f6-5e4d3c2b1a0f"
        )));
        assert!(!uuid_random("sdk-12345678-1234-1234-1234-123456789012"));
        assert!(!uuid_random("pat-na1-00000000-0000-0000-0000-000000000000"));
        assert!(!uuid_random("sdk-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"));
        assert!(!uuid_random("api-7f3c2b1a"));
    }

    #[test]
    fn intercom_shape() {
        use base64::engine::general_purpose::STANDARD;
        let id = "7f3c2b1a_0e9d_4c8b_a7f6_5e4d3c2b1a0f";
        assert!(intercom_token(&STANDARD.encode(format!("tok:{id}:1:0"))));
        assert!(!intercom_token(&STANDARD.encode("tok:example-token:1:0")));
        assert!(!intercom_token(&STANDARD.encode(format!("tok:{id}"))));
        assert!(!intercom_token(&STANDARD.encode(format!("tak:{id}:1:0"))));
    }

    #[test]
    fn jwt_any_algorithm() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD as B;
        let h = B.encode(r#"{"alg":"ES256","typ":"PAT"}"#);
        let p = B.encode(r#"{"iss":"https://auth.acme.dev","jti":"1"}"#);
        let sig = B.encode([7u8; 64]);
        assert!(jwt_json(&format!("{h}.{p}.{sig}")));
        assert!(!jwt_json(&format!("{h}.{p}.xx")));
        assert!(!jwt_json(&format!("{}.{p}.{sig}", B.encode("{}"))));
    }

    #[test]
    fn basic_auth() {
        assert!(basic_auth_base64("ZGVwbG95OlM0bXBsZS1Ba2Q5")); // deploy:S4mple-Akd9
        assert!(!basic_auth_base64("ZGVwbG95OmNoYW5nZW1l")); // deploy:changeme
        assert!(!basic_auth_base64("bm9jb2xvbg==")); // nocolon
    }
}

/// The providers-a checks: Bech32 checksums and JetBrains token names.
#[cfg(test)]
mod providers_a_checks {
    use super::*;

    #[test]
    fn age_checksum_catches_one_changed_character() {
        // A key whose checksum is computed here: 32 zero bytes under the age HRP.
        let data: Vec<u8> = std::iter::repeat_n(0u8, 52).collect();
        let hrp = "age-secret-key-";
        let expand = hrp
            .bytes()
            .map(|c| c >> 5)
            .chain(std::iter::once(0))
            .chain(hrp.bytes().map(|c| c & 31));
        let pm = bech32_polymod(expand.chain(data.iter().copied()).chain([0u8; 6])) ^ 1;
        let check: String = (0..6)
            .map(|i| BECH32_ALPHABET[((pm >> (5 * (5 - i))) & 31) as usize] as char)
            .collect();
        let built = format!("{}1{}{}", hrp, "q".repeat(52), check).to_ascii_uppercase();
        assert!(age_bech32(&built), "{built}");
        let mut flipped = built.clone().into_bytes();
        flipped[20] = if flipped[20] == b'P' { b'Q' } else { b'P' };
        assert!(!age_bech32(std::str::from_utf8(&flipped).unwrap()));
        assert!(!age_bech32(&built[..built.len() - 1]));
    }

    #[test]
    fn perm_token_names_must_decode() {
        // Put together here, so the project's own scan does not see a token in the source.
        let token = |login: &str, name: &str| format!("perm:{login}.{name}.{}", "aB3".repeat(10));
        assert!(jetbrains_perm_token(&token("cm9vdA==", "Y2ktMQ==")));
        assert!(!jetbrains_perm_token(&token("cm9vdA==", "!!!!")));
        assert!(!jetbrains_perm_token(&format!(
            "perm:cm9vdA==.{}",
            "aB3".repeat(10)
        )));
    }
}
