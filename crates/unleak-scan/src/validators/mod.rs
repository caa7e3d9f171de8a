//! Named checks that rules list in `validators = [...]`. Each looks at a candidate secret (and
//! its line, for context) and either rejects it or accepts it, possibly rewriting the secret
//! (percent-decoding) or noting that a key is encrypted.
//!
//! Every validator is one line of [`ALL`]: its name and its check. The checks live by family
//! (core.rs, providers.rs, password.rs); adding a validator is its check function and its line.

mod candidate;
mod core;
pub mod password;
pub mod providers;

pub use candidate::Candidate;

use crate::filters;

/// A named check.
#[derive(Clone, Copy)]
pub struct Validator {
    pub name: &'static str,
    check: fn(&mut Candidate<'_>) -> bool,
}

impl std::fmt::Debug for Validator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

impl PartialEq for Validator {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for Validator {}

const fn v(name: &'static str, check: fn(&mut Candidate<'_>) -> bool) -> Validator {
    Validator { name, check }
}

/// Record what a key check found about encryption: accepted when the check recognised a key.
fn with_encryption(c: &mut Candidate<'_>, found: Option<Option<bool>>) -> bool {
    match found {
        Some(enc) => {
            c.encrypted = enc;
            true
        }
        None => false,
    }
}

/// Every validator, in the order `unleak rules check` lists them.
pub const ALL: &[Validator] = &[
    // Core families (core.rs, password.rs).
    v("aws-key-id", |c| core::aws_key_id(&c.secret)),
    v("aws-secret-key", |c| core::aws_secret_key(&c.secret)),
    v("not-hex", |c| {
        !c.secret.bytes().all(|b| b.is_ascii_hexdigit())
    }),
    v("pem-private-key", |c| {
        let found = core::pem_private_key(&c.secret).map(Some);
        with_encryption(c, found)
    }),
    v("putty-private-key", |c| {
        let found = core::putty_private_key(&c.secret).map(Some);
        with_encryption(c, found)
    }),
    v("pgp-private-key", |c| {
        let found = core::pgp_private_key(&c.secret);
        with_encryption(c, found)
    }),
    v(
        "percent-decode",
        |c| match percent_encoding::percent_decode_str(&c.secret).decode_utf8() {
            Ok(s) => {
                c.secret = s.into_owned();
                true
            }
            Err(_) => false,
        },
    ),
    v("not-password-hash", |c| {
        !filters::is_password_hash(&c.secret)
    }),
    v("password-literal", |c| password::is_password_literal(c)),
    v("quoted-in-code", |c| {
        c.quoted || !core::is_source_code(c.path)
    }),
    v("not-example-host", |c| !core::at_example_host(c.after)),
    v("github-checksum", |c| core::github_checksum(&c.secret)),
    // Provider tokens (providers.rs).
    v("base62-crc32", |c| providers::base62_crc32(&c.secret)),
    v("grafana-checksum", |c| {
        providers::grafana_checksum(&c.secret)
    }),
    v("jwt-hmac", |c| providers::jwt_hmac(&c.secret)),
    v("pypi-macaroon", |c| providers::pypi_macaroon(&c.secret)),
    v("base64-64-bytes", |c| {
        c.secret != providers::AZURITE_KEY && providers::b64_len(&c.secret) == Some(64)
    }),
    v("base64-32-bytes", |c| {
        let s = percent_encoding::percent_decode_str(&c.secret).decode_utf8_lossy();
        providers::b64_len(&s) == Some(32)
    }),
    v("basic-auth-base64", |c| {
        providers::basic_auth_base64(&c.secret)
    }),
    v("embedded-json", |c| providers::embedded_json(&c.secret)),
    v("grafana-key-json", |c| {
        providers::b64_decode(&c.secret)
            .as_deref()
            .and_then(providers::json_object)
            .is_some_and(|m| m.contains_key("k") && m.contains_key("n"))
    }),
    v("discord-bot-id", |c| providers::discord_bot_id(&c.secret)),
    v("url-credentials", providers::url_credentials),
    v("random-looking", |c| providers::random_looking(&c.secret)),
    v("not-provider-token", |c| {
        !providers::has_provider_prefix(&c.secret)
    }),
    v("not-reference", |c| {
        c.quoted || !providers::is_reference(&c.secret)
    }),
    v("jwt-secret-literal", |c| providers::jwt_secret_literal(c)),
    v("generic-secret", providers::generic_secret),
    v("jwt-json", |c| providers::jwt_json(&c.secret)),
    v("intercom-token", |c| providers::intercom_token(&c.secret)),
    v("not-hex-body", |c| {
        !c.secret
            .rsplit('_')
            .next()
            .is_some_and(|b| b.bytes().all(|x| x.is_ascii_hexdigit()))
    }),
    v("uuid-random", |c| providers::uuid_random(&c.secret)),
    v("age-bech32", |c| providers::age_bech32(&c.secret)),
    v("supabase-service-role", |c| {
        providers::supabase_service_role(&c.secret)
    }),
    v("jetbrains-perm-token", |c| {
        providers::jetbrains_perm_token(&c.secret)
    }),
];

impl Validator {
    /// Every validator name a rule may use.
    pub fn all_names() -> impl Iterator<Item = &'static str> {
        ALL.iter().map(|v| v.name)
    }

    pub fn by_name(name: &str) -> Option<Self> {
        ALL.iter().find(|v| v.name == name).copied()
    }

    /// Accept (true, maybe rewriting the candidate) or reject (false).
    pub fn check(self, c: &mut Candidate<'_>) -> bool {
        (self.check)(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_resolve_to_themselves() {
        let mut seen = std::collections::HashSet::new();
        for v in ALL {
            assert!(seen.insert(v.name), "`{}` listed twice", v.name);
            assert_eq!(Validator::by_name(v.name).map(|x| x.name), Some(v.name));
        }
        assert_eq!(Validator::all_names().count(), ALL.len());
        assert!(Validator::by_name("no-such-check").is_none());
    }
}
