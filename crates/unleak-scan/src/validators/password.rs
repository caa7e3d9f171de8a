//! Whether a value assigned to a password's name is a password: a literal someone could log in
//! with, not code (a call, a member access, a template action, the head of an expression), not
//! text (a translated label, prose in a document), not a setting (`update_password: always`,
//! a validation rule list, a version range), not a name (a variable, a route, a constant). The
//! `password-literal` validator of the assignment rules. Each shape here was measured as noise
//! on real repositories (`bench/realworld.py`); `corpus/negatives/realworld-shapes/` keeps them.

use super::candidate::Candidate;
use crate::filters;

/// The `password-literal` check: the key names a password, the file is not a translation
/// catalogue or generated, and the value is a literal where it stands.
pub fn is_password_literal(c: &Candidate<'_>) -> bool {
    c.key.is_none_or(password_key)
        && !is_translation_catalog(c.path)
        && !is_generated_file(c.path)
        && !in_template_action(c.before)
        && !expansion_alternative(&c.secret, c.before)
        && (c.quoted || !heads_an_expression(c.after))
        && (c.quoted || !continues_a_sentence(c.path, c.after))
        && password_literal(&c.secret, c.quoted)
}

/// Names that hold something about a password, not the password itself.
const NOT_PASSWORD_KEYS: &[&str] = &[
    // Settings about a password (measured on real Terraform, Ansible and Helm code).
    "rotation",
    "rotate",
    "schedule",
    "expression",
    "validation",
    "errors",
    "update_password",
    "manage_",
    "complexity",
    "_version",
    "sender",
    "hash",
    "digest",
    "salt",
    "policy",
    "length",
    "reset",
    "forgot",
    "field",
    "regex",
    "pattern",
    "rule",
    "validator",
    "expir",
    "strength",
    "prompt",
    "label",
    "placeholder",
    "hint",
    "confirm",
    "changed",
    "_at",
    "url",
    "path",
    "file",
    "min",
    "max",
    "enabled",
    "required",
    "type",
    "mode",
    "encrypted",
    "crypt",
    "command",
    "cmd",
    "method",
    "manager",
    "store",
    "passport",
    "compass",
    "bypass",
    "passthrough",
    "passenger",
    "passive",
    "passage",
    "passed",
    "passes",
    "passing",
    "nopasswd",
    "sha1",
    "sha2",
    "sha256",
    "sha512",
    "md5",
    "_sha",
];

/// All of `NOT_PASSWORD_KEYS` in one automaton: a key is checked at every password-looking
/// match, and one `str::contains` a word was 3% of a tree scan's time.
static NOT_PASSWORD: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .build(NOT_PASSWORD_KEYS)
            .expect("plain literals build an automaton")
    });

pub(crate) fn password_key(key: &[u8]) -> bool {
    if NOT_PASSWORD.is_match(key) {
        return false;
    }
    let k = key.to_ascii_lowercase();

    // A short `pass` names a password only at the end (`DB_PASS`, `dbPass`), not inside
    // other words (`pass_by_value`, `late-compile-pass.stderr`).
    let mut end = k.as_slice();
    while let [rest @ .., b'"' | b'\'' | b']'] = end {
        end = rest;
    }
    // `passwords`: a collection or a section (`'passwords' => 'users'`, a README heading), not
    // one password.
    if end.ends_with(b"passwords") {
        return false;
    }
    [
        &b"password"[..],
        b"passwd",
        b"passwort",
        b"pwd",
        b"mot_de_passe",
    ]
    .iter()
    .any(|w| memchr::memmem::find(&k, w).is_some())
        || end.ends_with(b"pass")
}

/// Escapes: a value with them is a message or a document.
const ESCAPES: [&str; 2] = ["\\n", "\\t"];
/// Concatenation, logic, member access and closing markup: an unquoted value with them is
/// code or markup.
const CODE_MARKS: [&str; 7] = [" + ", "\" +", "||", "&&", "->", "::", "</"];

/// `ESCAPES` then `CODE_MARKS`, in one automaton (one pass over a value, not nine).
static LITERAL_MARKS: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::new(ESCAPES.iter().chain(&CODE_MARKS))
            .expect("plain literals build an automaton")
    });

/// A human-chosen or generated password literal: not code, not a hash, not a placeholder.
fn password_literal(s: &str, quoted: bool) -> bool {
    let s = s.trim();
    if s.len() < 4 || s.len() > 200 || filters::is_password_hash(s) {
        return false;
    }
    // Version numbers (`1.302103`) and absolute paths (`/Users/me`, `~/bin/tool`) are values
    // of other settings that share a name with a password (`PWD`, `Pass` in a module map).
    let version = s.split('.').count() >= 2
        && s.split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    let path = (s.starts_with('/') || s.starts_with("~/"))
        && s.matches('/').count() >= 2
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._/-~".contains(&b));
    // A URL is where something is, not a password (credentials inside URLs have their own rules).
    let url = s.starts_with("http://") || s.starts_with("https://");
    if version || path || url {
        return false;
    }
    if filters::names_a_password(s, quoted)
        || SETTING_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s))
        || describes_a_value(s)
        || names_a_password_slot(s)
    {
        return false;
    }
    // One pass for the substrings that make a value text or code rather than a password.
    let (mut escaped, mut code) = (false, false);
    for m in LITERAL_MARKS.find_overlapping_iter(s) {
        if m.pattern().as_usize() < ESCAPES.len() {
            escaped = true;
        } else {
            code = true;
        }
    }
    // Text with escapes (`\n`, `\t`) is a message or a document, not something typed at a prompt.
    if escaped {
        return false;
    }
    // Prose (a message, a label, advice): five words or more. Passphrases are shorter.
    if s.split_whitespace().count() >= 5 {
        return false;
    }
    if quoted {
        return true;
    }
    // An escaped quote opens the literal (`PGPASSWORD=\"…\"` inside a string): the value proper
    // is inside it, and a rule that reads escaped strings reports it.
    if s.starts_with('\\') {
        return false;
    }
    // Code, not a literal: calls, member access chains, concatenation.
    // `(trimAll "x" $p)`, `!local.is_replica && …`, `try(each.value.p, …)`, `.Values.auth`:
    // an expression, a negation, a call, a member access.
    let expression = s.starts_with('(')
        || s.starts_with('!') && s[1..].starts_with(|c: char| c.is_ascii_alphabetic())
        || s.starts_with('.') && s[1..].starts_with(|c: char| c.is_ascii_alphabetic())
        || s.contains('(') && s.starts_with(|c: char| c.is_ascii_alphabetic());
    let looks_like_code = expression
        || s.ends_with(')')
        || s.ends_with("):")
        || s.ends_with(");")
        || s.ends_with('{')
        || s.starts_with("this.")
        || s.starts_with("self.")
        || s.starts_with("params")
        || s.starts_with("props.")
        || s.starts_with("args.")
        || s.starts_with("request.")
        || s.starts_with("req.")
        || code;
    // `&str`, `*const`, `*mut`, YAML aliases (`*db_password`), anchors: references, not values.
    let reference = s.starts_with(['&', '*'])
        && s[1..]
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '[' || c == '_');
    // Markup around a value (syntax-highlighted docs): `<span`, `sample</code>` (`</` is in
    // `CODE_MARKS`).
    let markup = s.starts_with('<') && s[1..].starts_with(|c: char| c.is_ascii_alphabetic());
    if looks_like_code || reference || markup || is_type(s) {
        return false;
    }
    // A bare identifier such as `dbPassword` or `DB_PASSWORD` names a variable.
    let identifier = s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && (s.contains('_') || has_case_hump(s))
        && !s.chars().any(|c| c.is_ascii_digit());
    !identifier
}

/// A catalogue of translated interface strings (`lang/fr/auth.php`, `locales/de.json`,
/// `i18n/`, gettext `.po`): the value under a `password` key there is the word for
/// "password" in some language. Measured: 310 of the 462 findings that were not secrets on the
/// real-world benchmark were such labels, in one Laravel application's `lang/` tree.
fn is_translation_catalog(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split(['/', '\\']);
    let name = parts.next_back().unwrap_or("");
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    matches!(ext, "po" | "pot" | "xliff" | "xlf" | "strings" | "arb")
        || parts.any(|p| {
            matches!(
                p,
                "lang"
                    | "langs"
                    | "locale"
                    | "locales"
                    | "i18n"
                    | "l10n"
                    | "translations"
                    | "translation"
                    | "languages"
                    | "messages"
            )
        })
}

/// Files a tool wrote, not a person: lock files, minified and bundled code, source maps,
/// vendored package-manager releases. Their `pass…=` are variable names and version ranges.
pub fn is_generated_file(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit(['/', '\\']).next().unwrap_or("");
    matches!(
        name,
        "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "composer.lock"
            | "gemfile.lock"
            | "cargo.lock"
            | "poetry.lock"
            | "pipfile.lock"
            | "go.sum"
            | "packages.lock.json"
            | "mix.lock"
            | "pubspec.lock"
            | "podfile.lock"
            | "uv.lock"
            | "bun.lock"
    ) || name.contains(".min.")
        || name.ends_with(".map")
        || name.ends_with("-bundle.js")
        || name.ends_with(".bundle.js")
        || lower.contains(".yarn/releases/")
        || lower.contains(".pnp.")
        || (name.ends_with(".js") || name.ends_with(".css") || name.ends_with(".cjs"))
            && lower
                .split(['/', '\\'])
                .any(|p| p == "dist" || p == "build" || p == "vendor")
}

/// The value stands inside an open template action (`{{- $password := include … }}`,
/// `{{ range $u, $password := .Values.users }}`): template code, not a literal.
fn in_template_action(before: &[u8]) -> bool {
    let open = memchr::memmem::rfind(before, b"{{");
    let close = memchr::memmem::rfind(before, b"}}");
    matches!((open, close), (Some(o), c) if c.is_none_or(|c| c < o))
}

/// `${VAR:+text}` or `${VAR:?message}`: the value is what the expansion gives when the
/// variable is set, or its error message, not a password.
fn expansion_alternative(secret: &str, before: &[u8]) -> bool {
    secret.starts_with(['+', '?']) && in_shell_expansion(before)
}

/// The key is a shell parameter expansion (`${MVNW_PASSWORD:+has-password}`): what follows
/// `:+` is the text used when the variable is set, and `:?` an error message.
fn in_shell_expansion(before: &[u8]) -> bool {
    memchr::memmem::rfind(before, b"${").is_some_and(|at| {
        let name = &before[at + 2..];
        let name = name.strip_suffix(b":").unwrap_or(name);
        !name.is_empty() && name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_')
    })
}

/// An unquoted value followed by what can only be its arguments: a string, a parenthesis, a
/// variable, a member access, a pipe, or the end of a template action (`include "x" (dict…`,
/// `append $errors $err`, `list -}}`, `coalesce .Values.a`).
fn heads_an_expression(after: &[u8]) -> bool {
    let Some(rest) = after
        .strip_prefix(b" ")
        .or_else(|| after.strip_prefix(b"\t"))
    else {
        return false;
    };
    let rest = rest.trim_ascii_start();
    rest.first()
        .is_some_and(|b| matches!(b, b'"' | b'(' | b'$' | b'.' | b'|'))
        || rest.starts_with(b"}}")
        || rest.starts_with(b"-}}")
}

/// In documentation, an unquoted value followed by more words is the start of a sentence
/// (`- The previous root password: This value is taken from …`), not a value.
fn continues_a_sentence(path: &str, after: &[u8]) -> bool {
    let doc = path.rsplit_once('.').is_some_and(|(_, e)| {
        ["md", "markdown", "rst", "adoc", "txt", "html", "htm"]
            .iter()
            .any(|d| d.eq_ignore_ascii_case(e))
    });
    let mut words = after.split(|b| *b == b' ').filter(|w| !w.is_empty());
    let word = |w: Option<&[u8]>| w.is_some_and(|w| w.iter().all(u8::is_ascii_alphabetic));
    doc && after.starts_with(b" ") && word(words.next()) && word(words.next())
}

/// Values of settings that share a name with a password: `update_password: always`,
/// `password_encryption = scram-sha-256`, pg_hba methods, policy levels.
const SETTING_WORDS: &[&str] = &[
    "always",
    "never",
    "on_create",
    "on-create",
    "oncreate",
    "enabled",
    "disabled",
    "enable",
    "disable",
    "auto",
    "automatic",
    "manual",
    "prompt",
    "random",
    "generate",
    "generated",
    "inherit",
    "unset",
    "keep",
    "ignore",
    "strong",
    "weak",
    "plain",
    "plaintext",
    "hashed",
    "scram-sha-256",
    "trust",
    "peer",
    "ident",
    "reject",
    "interactive",
    "optional",
    "mandatory",
    "yes",
    "no",
    "on",
    "off",
    "users",
    "file",
    "files",
    "stdin",
    "env",
];

/// A Laravel-style validation rule list (`required|string|min:8|confirmed`), a version range
/// (`<2.0.5|>=3`, `^4.0.17`, `~> 2.1`), or a regular expression (`\S+`, `[0-9.]+`, `\K.+`):
/// what a setting, a lock file or a test says about a password, never one.
fn describes_a_value(s: &str) -> bool {
    let b = s.as_bytes();
    const RULES: &[&str] = &[
        "required",
        "nullable",
        "string",
        "confirmed",
        "min",
        "max",
        "sometimes",
        "alpha_dash",
        "alpha_num",
        "between",
        "size",
        "regex",
        "email",
        "different",
        "same",
    ];
    let rule_list = s.contains('|')
        && s.split('|').all(|r| {
            let name = r.split(':').next().unwrap_or("");
            !name.is_empty() && name.bytes().all(|c| c.is_ascii_lowercase() || c == b'_')
        })
        && s.split('|')
            .any(|r| RULES.contains(&r.split(':').next().unwrap_or("")));
    let version_range = matches!(b.first(), Some(b'<' | b'>' | b'^' | b'~' | b'='))
        && s.trim_start_matches(['<', '>', '^', '~', '=', ' '])
            .starts_with(|c: char| c.is_ascii_digit());
    let regex = b.windows(2).any(|w| {
        w[0] == b'\\'
            && matches!(
                w[1],
                b'S' | b's'
                    | b'w'
                    | b'W'
                    | b'd'
                    | b'D'
                    | b'K'
                    | b'b'
                    | b'('
                    | b')'
                    | b'['
                    | b'.'
                    | b'*'
                    | b'+'
                    | b'?'
                    | b'1'..=b'9'
            )
    }) || s.contains("]{")
        || s.ends_with(".+")
        || s.ends_with(".*")
        || s.contains("]+")
        || s.contains("]*");
    rule_list || version_range || regex
}

/// A value that names a password rather than holding one: a route, an id or a path built
/// around the word (`login#set_new_password`, `secrets/db-password`, `app.password.reset`),
/// or an upper-case placeholder (`CLIENT_PASSWORD1`).
fn names_a_password_slot(s: &str) -> bool {
    let lower = s.to_ascii_lowercase();
    let named = ["password", "passwd", "passwort"]
        .iter()
        .any(|w| lower.contains(w));
    if !named {
        return false;
    }
    let upper_placeholder = s
        .bytes()
        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
    let reference = s
        .bytes()
        .all(|c| c.is_ascii_alphanumeric() || b"_#/.:-".contains(&c))
        && s.bytes().any(|c| b"#/.:".contains(&c));
    upper_placeholder || reference
}

/// Type names of common languages, bare or with `!`, `?`, `[]` (a declaration, not a value).
const TYPE_NAMES: &[&str] = &[
    "str",
    "string",
    "int",
    "integer",
    "bool",
    "boolean",
    "bytes",
    "byte",
    "char",
    "chararray",
    "securestring",
    "secretstring",
    "secretstr",
    "secret",
    "text",
    "varchar",
    "any",
    "object",
];

/// `String!`, `str`, `Option<String>`, `Mapped[str]`: a type in a declaration or schema.
fn is_type(s: &str) -> bool {
    let bare = s
        .trim_end_matches([';', ',', '!', '?'])
        .trim_end_matches("[]");
    if TYPE_NAMES.iter().any(|t| t.eq_ignore_ascii_case(bare)) {
        return true;
    }
    // A generic application whose arguments are types: `Option<String>`, `Mapped[str]`.
    let Some(open) = bare.find(['<', '[']) else {
        return false;
    };
    let (head, args) = bare.split_at(open);
    let close = if args.starts_with('<') { '>' } else { ']' };
    !head.is_empty()
        && head
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
        && args.len() >= 2
        && args.ends_with(close)
        && args[1..args.len() - 1]
            .split([',', '<', '>', '[', ']', ' '])
            .filter(|a| !a.is_empty())
            .all(|a| {
                a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
            })
}

fn has_case_hump(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2)
        .any(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_literals() {
        assert!(password_literal("Summer2024!", false));
        assert!(password_literal("getPassword()", true));
        assert!(!password_literal("dbPassword", false));
        assert!(!password_literal("DB_PASSWORD", false));
        assert!(!password_literal("getPassword()", false));
        assert!(!password_literal("this.password", false));
        assert!(!password_literal("str):", false));
        assert!(!password_literal("String!", false));
        assert!(!password_literal("Option<String>", false));
        assert!(!password_literal("Mapped[str]", false));
        assert!(password_literal("Passw0rd<3", false));
        assert!(!password_literal("&str", false));
        assert!(!password_literal("1.302103", true));
        assert!(!password_literal("/Users/someone", true));
        assert!(!password_literal("<span", false));
        assert!(!password_literal("sample</code>", false));
        assert!(!password_literal("2024.1", false));
        assert!(password_literal("/Kx9+aB/q2", true));
        assert!(!password_literal("*db_password", false));
        assert!(password_literal("*Star-Pw1", true));
        assert!(password_key(b"DB_PASS"));
        assert!(password_key(b"smtpPass"));
        assert!(!password_key(b"needless_pass_by_value"));
        assert!(password_literal("correct horse battery staple", true));
        assert!(!password_literal(
            "Change this password in the database, then rotate it.",
            true
        ));
    }
}
