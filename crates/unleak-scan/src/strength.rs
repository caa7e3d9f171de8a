//! The confidence of a finding whose secret is a password a person chose. A provider token
//! proves itself by its structure (prefix, length, checksum); a password has none, so its place
//! and its shape decide. Under tests, examples, samples and documentation a password stands for
//! an example or a throwaway test database, and so does a password that repeats the name of its
//! service or user (`POSTGRES_PASSWORD=postgres`): `low`. Elsewhere a password is somebody's
//! (`medium`, `high` when it looks generated), however weak: `admin123` in a deployment's `.env`
//! is the leak that gets an account taken over.
//!
//! Measured on the real-world benchmark (`bench/realworld.py`): most password findings on public
//! repositories are illustrative values in documentation, tests and chart examples. They stay in
//! JSON and SARIF at `low`; the default `--min-confidence medium` keeps them from failing a scan
//! or a push.

use crate::finding::Confidence;

/// Words of illustrative passwords and the usual defaults of database images and tutorials
/// (after undoing leetspeak): a value with one in it was typed by a person, not generated.
const COMMON_WORDS: &[&str] = &[
    "password",
    "passwort",
    "passwd",
    "pass",
    "pwd",
    "secret",
    "admin",
    "administrator",
    "root",
    "toor",
    "guest",
    "user",
    "test",
    "tester",
    "testing",
    "demo",
    "example",
    "sample",
    "changeme",
    "change",
    "letmein",
    "welcome",
    "qwerty",
    "qwertz",
    "azerty",
    "asdf",
    "zxcv",
    "monkey",
    "dragon",
    "master",
    "hunter",
    "tiger",
    "scott",
    "lion",
    "default",
    "postgres",
    "postgresql",
    "mysql",
    "mariadb",
    "oracle",
    "redis",
    "mongo",
    "mongodb",
    "rabbit",
    "rabbitmq",
    "elastic",
    "kibana",
    "grafana",
    "jenkins",
    "docker",
    "vagrant",
    "ubuntu",
    "debian",
    "centos",
    "sa",
    "dev",
    "developer",
    "local",
    "localhost",
    "app",
    "apps",
    "db",
    "database",
    "web",
    "site",
    "my",
    "your",
    "our",
    "the",
    "super",
    "foo",
    "bar",
    "baz",
    "foobar",
    "abc",
    "xyz",
    "hello",
    "world",
    "login",
    "access",
    "open",
    "sesame",
    "love",
    "summer",
    "winter",
    "spring",
    "autumn",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "shadow",
    "trustno",
    "iloveyou",
    "batman",
    "superman",
    "starwars",
    "pa",
    "ss",
    "word",
    "pw",
    "key",
    "dummy",
    "fake",
    "mock",
    "insecure",
    "weak",
    "strong",
    "very",
    "new",
    "old",
    "temp",
    "tmp",
    "one",
    "two",
    "three",
    "keycloak",
    "wordpress",
    "wp",
    "drupal",
    "joomla",
    "magento",
    "odoo",
    "airflow",
    "minio",
    "nextcloud",
    "gitlab",
    "sonar",
    "nexus",
    "bitnami",
    "owncloud",
    "zabbix",
    "nagios",
    "airsonic",
    "superset",
    "metabase",
];

/// The confidence of a password finding of `value` found in `path`, `before` being what
/// precedes it on its line (see the module's doc).
pub fn password_confidence(value: &str, path: &str, before: &[u8]) -> Confidence {
    if is_example_path(path) || names_itself(value, before) {
        Confidence::Low
    } else if is_generated_looking(value) {
        Confidence::High
    } else {
        Confidence::Medium
    }
}

/// The password is a word the line already said before it: the service, the user or the
/// database it belongs to (`POSTGRES_PASSWORD=postgres`, `root:root@`, `IDENTIFIED BY
/// 'petclinic'` for user `petclinic`): the default an image or a tutorial ships with.
fn names_itself(value: &str, before: &[u8]) -> bool {
    let v = value.trim();
    v.len() >= 3
        && v.bytes().all(|b| b.is_ascii_alphanumeric())
        && before
            .split(|b| !b.is_ascii_alphanumeric())
            .any(|t| t.eq_ignore_ascii_case(v.as_bytes()))
}

/// A value that reads as generated: 12 characters or more, three character classes (or two
/// and no word in it), no character repeated much, and no common word inside.
pub fn is_generated_looking(value: &str) -> bool {
    let v = value.trim();
    let b = v.as_bytes();
    if b.len() < 12 || !v.is_ascii() {
        return false;
    }
    let classes = [
        b.iter().any(u8::is_ascii_lowercase),
        b.iter().any(u8::is_ascii_uppercase),
        b.iter().any(u8::is_ascii_digit),
        b.iter().any(|c| c.is_ascii_punctuation()),
    ]
    .iter()
    .filter(|&&x| x)
    .count();
    let distinct = {
        let mut seen = [false; 256];
        b.iter()
            .filter(|&&c| !std::mem::replace(&mut seen[c as usize], true))
            .count()
    };
    let lower = unleet(&v.to_ascii_lowercase());
    let has_word = COMMON_WORDS
        .iter()
        .any(|w| w.len() >= 4 && lower.contains(w));
    classes >= 3 && distinct * 2 >= b.len() && !has_word
        || classes >= 2 && distinct * 3 >= b.len() * 2 && b.len() >= 16 && !has_word
}

/// Tests, fixtures, examples, samples and documentation: what a password there stands for is
/// an example or a throwaway test database, not an account.
pub fn is_example_path(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split(['/', '\\']).peekable();
    let mut name = "";
    while let Some(p) = parts.next() {
        if parts.peek().is_none() {
            name = p;
            break;
        }
        if matches!(
            p,
            "test"
                | "tests"
                | "testing"
                | "spec"
                | "specs"
                | "__tests__"
                | "testdata"
                | "test-data"
                | "test_data"
                | "fixtures"
                | "fixture"
                | "e2e"
                | "integration"
                | "integration_tests"
                | "examples"
                | "example"
                | "samples"
                | "sample"
                | "demo"
                | "demos"
                | "docs"
                | "doc"
                | "documentation"
                | "tutorial"
                | "tutorials"
                | "site"
                | "website"
                | "content"
                | "mocks"
                | "mock"
                | "stubs"
        ) {
            return true;
        }
    }
    let (stem, ext) = name.rsplit_once('.').unwrap_or((name, ""));
    matches!(
        ext,
        "md" | "markdown" | "rst" | "adoc" | "asciidoc" | "txt" | "ipynb" | "html" | "htm"
    ) || stem.starts_with("test_")
        || stem.ends_with("_test")
        || stem.ends_with("_spec")
        || stem.ends_with(".test")
        || stem.ends_with(".spec")
        || stem.ends_with("test") && stem.len() > 4 && name.ends_with(".java")
        || stem.starts_with("example")
        || stem.ends_with(".example")
        || stem.ends_with(".sample")
        || matches!(
            ext,
            "example" | "sample" | "dist" | "template" | "tmpl" | "tpl"
        )
}

/// Leetspeak undone: `p@ssw0rd` → `password`, `s3cr3t` → `secret`, `adm1n` → `admin`.
fn unleet(lower: &str) -> String {
    lower
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | '!' => 'i',
            '3' => 'e',
            '4' | '@' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_passwords_outside_examples_are_medium() {
        for v in [
            "hunter22",
            "admin123",
            "Pass!12345",
            "RedisPass1!",
            "UserPassword123",
        ] {
            assert_eq!(
                password_confidence(v, "deploy/.env", b"DB_PASSWORD="),
                Confidence::Medium,
                "{v:?}"
            );
        }
    }

    #[test]
    fn plausible_passwords_are_medium() {
        for v in [
            "Summer2024!x",
            "t1ger-Pa55-Zq",
            "Xq9vLm2pR7",
            "Tr0ub4dor&3",
            "kX9#mP2$vL",
        ] {
            assert_eq!(
                password_confidence(v, "config/app.yml", b"  password: "),
                Confidence::Medium,
                "{v:?}"
            );
        }
    }

    #[test]
    fn generated_passwords_are_high() {
        for v in ["q8Zr!vN2#kLw5Tx", "Jk3nVbq8ZpW2rT6yLm4s", "f7Gh2-Kx9q-Lm3Z"] {
            assert_eq!(
                password_confidence(v, "deploy/prod.env", b"DB_PASSWORD="),
                Confidence::High,
                "{v:?}"
            );
        }
    }

    #[test]
    fn a_password_named_after_its_service_is_a_default() {
        let low = |v: &str, before: &[u8]| {
            password_confidence(v, "compose.yaml", before) == Confidence::Low
        };
        assert!(low("postgres", b"      - POSTGRES_PASSWORD="));
        assert!(low("wordpress", b"WORDPRESS_DB_PASSWORD="));
        assert!(low(
            "petclinic",
            b"CREATE USER 'petclinic'@'%' IDENTIFIED BY '"
        ));
        assert!(low("root", b"DATABASE_URL: mysql://root:"));
        assert!(!low("gitea", b"      - DB_PASSWD="));
        assert!(!low("testpass", b"uri: mongodb://testuser:"));
    }

    #[test]
    fn example_paths_are_low() {
        assert_eq!(
            password_confidence("q8Zr!vN2#kLw5Tx", "tests/db.yml", b"password: "),
            Confidence::Low
        );
        assert_eq!(
            password_confidence("Xq9vLm2pR7", "docs/setup.md", b"password: "),
            Confidence::Low
        );
        assert_eq!(
            password_confidence("Xq9vLm2pR7", "README.md", b"password: "),
            Confidence::Low
        );
        assert_eq!(
            password_confidence("Xq9vLm2pR7", "src/db_test.go", b"password: "),
            Confidence::Low
        );
        assert_eq!(
            password_confidence("Xq9vLm2pR7", ".env.example", b"password: "),
            Confidence::Low
        );
        assert_eq!(
            password_confidence("Xq9vLm2pR7", "config/.env", b"password: "),
            Confidence::Medium
        );
        assert_eq!(
            password_confidence("Xq9vLm2pR7", "contest/app.yml", b"password: "),
            Confidence::Medium
        );
    }
}
