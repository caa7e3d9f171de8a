//! The shared placeholder and indirection filter: values that look like a secret's slot but
//! hold no secret (`changeme`, `${DB_PASSWORD}`, `{{ .Values.x }}`, `os.getenv(...)`, `****`).
//! Every rule runs it unless it opts out, so all families agree on what a placeholder is.

/// Words that, as a whole value (case-insensitive, ignoring `-`/`_`), are never a real secret.
const PLACEHOLDER_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pass",
    "pwd",
    "changeme",
    "changeit",
    "changethis",
    "secret",
    "secrets",
    "example",
    "sample",
    "placeholder",
    "dummy",
    "fake",
    "test",
    "testing",
    "null",
    "nil",
    "none",
    "undefined",
    "true",
    "false",
    "todo",
    "tbd",
    "fixme",
    "redacted",
    "hidden",
    "masked",
    "removed",
    "foo",
    "bar",
    "foobar",
    "xxx",
    "mypassword",
    "yourpassword",
    "dbpassword",
    "databasepassword",
    "userpassword",
    "adminpassword",
    "rootpassword",
    "secretpassword",
    "password123",
    "notsecret",
    "nosecret",
    "notasecret",
    "empty",
    "default",
    "string",
    "value",
    "token",
    "apikey",
    "secretkey",
    "yoursecret",
    "mysecret",
    "somepassword",
    "supersecret",
    "required",
    "optional",
    "env",
    "environment",
    "variable",
];

/// Substrings (lowercase) that mark a value as a fill-in-the-blank.
const PLACEHOLDER_MARKS: &[&str] = &[
    "your_",
    "your-",
    "yourpass",
    "yoursecret",
    "yourkey",
    "yourtoken",
    "_here",
    "-here",
    "here>",
    "insert",
    "replace_me",
    "replace-me",
    "replaceme",
    "change_me",
    "change-me",
    "enter_",
    "enter-",
    "fill_in",
    "fill-in",
    "put_your",
    "example.com",
    "<password>",
    "placeholder",
    // YAML tags that fetch the value from elsewhere (Ansible Vault, CloudFormation, Home Assistant).
    "!vault",
    // Encrypted in place (SOPS, hiera-eyaml): ciphertext, not the secret.
    "enc[aes256_gcm",
    "enc[pkcs7",
    "!ref ",
    "!sub ",
    "!getatt",
    "!importvalue",
    "!join",
    "!findinmap",
    "!select",
    "!secret",
    "!env_var",
    "!env ",
];

/// Code that looks a value up rather than holding it.
const INDIRECTION_MARKS: &[&str] = &[
    "os.environ",
    "os.getenv",
    "getenv(",
    "process.env",
    "system.getenv",
    "env[",
    "env.fetch",
    "environment.getenvironmentvariable",
    "secrets.",
    "vault(",
    "config(",
    "config[",
    "settings.",
    "std::env",
    "env::var",
    "import.meta.env",
    "ssm:",
    "secretsmanager:",
    "resolve:",
    "valuefrom",
    "secretkeyref",
    "fromjson(",
    "lookup(",
];

/// Terraform/HCL references: only as the start of a value.
const INDIRECTION_PREFIXES: &[&str] = &["var.", "local.", "data.", "module.", "random_password."];

/// Whether a captured value is a placeholder, a template, or an indirection rather than a
/// literal secret.
/// All placeholder and indirection marks in one automaton: one pass a value, not one a mark.
static MARKS: std::sync::LazyLock<aho_corasick::AhoCorasick> = std::sync::LazyLock::new(|| {
    aho_corasick::AhoCorasick::new(PLACEHOLDER_MARKS.iter().chain(INDIRECTION_MARKS))
        .expect("plain literals build an automaton")
});

pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.chars().count() < 4 {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    let squashed: String = lower
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | ' ' | '.'))
        .collect();
    // `(redacted)`, `[hidden]`, `<password>`: a placeholder word in brackets is one too.
    let unwrapped = squashed.trim_matches(|c| matches!(c, '(' | ')' | '[' | ']' | '<' | '>'));
    if PLACEHOLDER_WORDS.contains(&squashed.as_str()) || PLACEHOLDER_WORDS.contains(&unwrapped) {
        return true;
    }
    // `PERSONAL_ACCESS_TOKEN`, `CLIENT_PASSWORD1`: an upper-case constant's name, a slot to
    // fill in (generated secrets do not come in words joined by underscores).
    if v.contains('_')
        && v.split('_').all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        && v.split('_')
            .filter(|p| p.len() >= 3 && p.bytes().all(|c| c.is_ascii_uppercase()))
            .count()
            >= 1
        && v.bytes().filter(u8::is_ascii_digit).count() <= 2
    {
        return true;
    }
    // `$GHOST_PASSWORD,mysql.auth…`, `$REDIS_PASSWORD{{ end }}`: a shell variable in upper
    // case starts the value, whatever the template or list around it.
    if let Some(rest) = v.strip_prefix('$') {
        let name = rest
            .bytes()
            .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == b'_')
            .count();
        if name >= 3 && rest.as_bytes()[0].is_ascii_uppercase() {
            return true;
        }
    }
    if is_template(v) {
        return true;
    }
    if MARKS.is_match(&lower) || INDIRECTION_PREFIXES.iter().any(|m| lower.starts_with(m)) {
        return true;
    }
    if is_mask(v) {
        return true;
    }
    false
}

/// A bare name such as `ro_password`, `dbPasswd` or `repopwd`: it names where a password is
/// kept (a variable, a setting), or stands in for one in an example. Quoted, a value is a
/// literal, so only a name with a separator or a case hump before its `pass`/`pwd` (`db_pass`,
/// `dbPass`) still reads as one: `"mongopass"` is a password people use (measured: a real leak
/// in a repository of planted secrets). Run by the assignment rules (`password-literal`), not
/// on URIs, which hold no variable names.
pub fn names_a_password(v: &str, quoted: bool) -> bool {
    let lower = v.to_ascii_lowercase();
    let short_suffix = ["pass", "pwd"].iter().any(|w| {
        lower.len() > w.len()
            && lower.ends_with(w)
            && (!quoted
                || matches!(v.as_bytes()[v.len() - w.len() - 1], b'_' | b'-' | b'.')
                || v.as_bytes()[v.len() - w.len()].is_ascii_uppercase())
    });
    v.chars()
        .all(|c| c.is_ascii_alphabetic() || matches!(c, '_' | '-' | '.'))
        && (["password", "passwd", "secret"]
            .iter()
            .any(|w| lower.contains(w))
            || short_suffix
            || lower == "pass"
            || lower == "pwd")
}

/// Template and variable syntaxes of shells, CI systems, Helm/Jinja/Go templates, ERB,
/// Python %-format, Spring, Maven and friends.
pub fn is_template(v: &str) -> bool {
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    // The default of a shell expansion, `${P:-$(< file)}` read from its `:`: the operator
    // before a substitution.
    let v = match v.strip_prefix(['-', '=', '+', '?']) {
        Some(rest) if rest.starts_with('$') => rest,
        _ => v,
    };
    let wrapped =
        |open: &str, close: &str| v.contains(open) && v[v.find(open).unwrap()..].contains(close);
    // An opening without its close is still a template (the value was cut at a quote).
    if ["${", "{{", "{%", "<%", "#{", "$("]
        .iter()
        .any(|o| v.starts_with(o))
    {
        return true;
    }
    if wrapped("${", "}")
        || wrapped("{{", "}}")
        || wrapped("{%", "%}")
        || wrapped("<%", "%>")
        || wrapped("$(", ")")
        || wrapped("%(", ")")
        || wrapped("#{", "}")
    {
        return true;
    }
    // A named format field as the whole value: `{password}`, `{db.password}`.
    if let Some(inner) = v.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        if inner
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && inner
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'))
        {
            return true;
        }
    }
    // printf-style and positional format strings: `%s:%s`, `{}@{}`, `{0}`.
    if ["%s", "%d", "%v", "{}", "{0}", "{1}"]
        .iter()
        .any(|f| v.contains(f))
    {
        return true;
    }
    // `$VAR`, `$env:VAR`, `%VAR%`, `<password>`, `[PASSWORD]`, `@@X@@`, `__X__`
    if let Some(rest) = v.strip_prefix('$') {
        if rest
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '{')
            && rest.chars().all(|c| {
                c.is_ascii_alphanumeric()
                    || matches!(c, '_' | ':' | '.' | '[' | ']' | '\'' | '"' | '-' | '>')
            })
        {
            return true;
        }
    }
    let enclosed = |a: char, b: char| v.len() >= 3 && v.starts_with(a) && v.ends_with(b);
    enclosed('<', '>')
        || enclosed('[', ']')
        || enclosed('%', '%')
        || (v.starts_with("@@") && v.ends_with("@@"))
        || (v.starts_with("__") && v.ends_with("__"))
}

/// `****`, `xxxxxxxx`, `........`, `00000000`: one character repeated, or only mask characters.
fn is_mask(v: &str) -> bool {
    // `\*\*\*\*`: a mask escaped for a regex or a shell.
    let unescaped = v.replace('\\', "");
    let v = unescaped.as_str();
    if v.is_empty() {
        return true;
    }
    let mut chars = v.chars();
    let first = chars.next().unwrap_or(' ');
    if chars.all(|c| c == first) {
        return true;
    }
    v.chars()
        .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '#' | '•' | '-' | '?'))
        || v.contains("***")
        || v.contains("•••")
}

/// Password hashes and verifiers: stored by applications on purpose, not usable to log in.
pub fn is_password_hash(v: &str) -> bool {
    let prefixed = [
        "$2a$",
        "$2b$",
        "$2y$",
        "$argon2",
        "$scrypt$",
        "$pbkdf2",
        "$6$",
        "$5$",
        "$1$",
        "scram-sha-256$",
        "{ssha}",
        "{sha}",
        "{bcrypt}",
        "sha256:",
        "sha512:",
        "sha1:",
        "sha512-",
        "sha384-",
        "sha256-",
        "pbkdf2_sha256$",
        "pbkdf2:",
        "bcrypt$",
        "argon2$",
    ];
    let starts_with = |p: &str| {
        v.as_bytes()
            .get(..p.len())
            .is_some_and(|h| h.eq_ignore_ascii_case(p.as_bytes()))
    };
    if prefixed.iter().any(|p| starts_with(p)) {
        return true;
    }
    // Postgres md5 verifier: `md5` + 32 hex.
    v.len() == 35 && starts_with("md5") && v.as_bytes()[3..].iter().all(u8::is_ascii_hexdigit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        for p in [
            "changeme",
            "password",
            "<password>",
            "${DB_PASSWORD}",
            "{{ .Values.db.password }}",
            "%(password)s",
            "****",
            "xxxxxxxx",
            "your-password-here",
            "",
            "${{ secrets.DB }}",
            "os.environ['DB_PASSWORD']",
            "process.env.DB_PASS",
            "$DB_PASSWORD",
            "CHANGE_ME",
            "<your_password>",
            "{{password}}",
            "%DB_PASSWORD%",
            "#{dbPassword}",
            "$(cat /run/secret)",
            ":****",
            "%s:%s",
            "{}:{}",
            "{db_password}",
        ] {
            assert!(is_placeholder(p), "{p:?} should be a placeholder");
        }
    }

    #[test]
    fn real_passwords_are_not_placeholders() {
        for p in [
            "Summer2024!",
            "hunter2x",
            "s3cr3t-Pa55",
            "Tr0ub4dor&3",
            "correct horse battery staple",
            "p@$$w0rd!",
        ] {
            assert!(!is_placeholder(p), "{p:?} is a real password");
        }
    }

    #[test]
    fn hashes() {
        assert!(is_password_hash(
            "$2b$12$KIXQJ8b0Zy1rQ9uM1m5p3eWcJf0YFv1rVvZ3QmS6a8lO1y5f3H7yK"
        ));
        assert!(is_password_hash("md5a3556571e93b0d20722ba62be61e8c2d"));
        assert!(is_password_hash("SCRAM-SHA-256$4096:abc=$def=:ghi="));
        assert!(!is_password_hash("Summer2024!"));
    }
}
