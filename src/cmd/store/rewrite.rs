//! `unleak store --rewrite`: replace a secret's literal in a source file with a reference the
//! file's language or format can resolve, and say how to load the secret from Secrets Manager.
//! Pure text work plus one atomic write; no AWS here.
//!
//! - code (Python, JavaScript/TypeScript, Go, Ruby, Java/Kotlin): the quoted literal becomes an
//!   environment lookup (`os.environ["DB_PASSWORD"]`, `process.env.DB_PASSWORD`, …);
//! - shell and `.env`: `${DB_PASSWORD}`;
//! - config files (YAML, JSON, TOML, INI, properties, XML): a `${DB_PASSWORD}` placeholder;
//! - CloudFormation templates: `{{resolve:secretsmanager:NAME}}`, resolved at deploy time.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context, Result};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Python,
    JavaScript,
    Go,
    Ruby,
    Java,
    Shell,
    DotEnv,
    Config,
    CloudFormation,
}

impl Style {
    pub fn name(self) -> &'static str {
        match self {
            Style::Python => "Python",
            Style::JavaScript => "JavaScript/TypeScript",
            Style::Go => "Go",
            Style::Ruby => "Ruby",
            Style::Java => "Java/Kotlin",
            Style::Shell => "shell",
            Style::DotEnv => ".env",
            Style::Config => "config file",
            Style::CloudFormation => "CloudFormation template",
        }
    }
}

/// The file's style from its name (and, for YAML/JSON, whether it is a CloudFormation template).
pub fn detect(path: &Path, text: &str) -> Option<Style> {
    let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
    if name == ".env" || name.starts_with(".env.") || name.ends_with(".env") {
        return Some(Style::DotEnv);
    }
    let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    Some(match ext {
        "py" => Style::Python,
        "js" | "mjs" | "cjs" | "jsx" | "ts" | "tsx" => Style::JavaScript,
        "go" => Style::Go,
        "rb" => Style::Ruby,
        "java" | "kt" | "kts" => Style::Java,
        "sh" | "bash" | "zsh" => Style::Shell,
        "yaml" | "yml" | "json" | "template" if is_cloudformation(text) => Style::CloudFormation,
        "yaml" | "yml" | "json" | "toml" | "ini" | "cfg" | "conf" | "properties" | "xml" => {
            Style::Config
        }
        _ => return None,
    })
}

fn is_cloudformation(text: &str) -> bool {
    text.contains("AWSTemplateFormatVersion")
        || (text.contains("Resources") && text.contains("AWS::"))
}

/// A planned edit of one line.
#[derive(Debug)]
pub struct Rewrite {
    pub style: Style,
    /// The environment variable the code now reads (unused for CloudFormation).
    pub var: String,
    pub line: u32,
    pub old_line: String,
    pub new_line: String,
    pub new_text: Vec<u8>,
    /// A note on what else the file needs (an import), if anything.
    pub note: Option<String>,
    /// An import line added for the new line (`import os`), and the 1-based line it is at in
    /// the new text; `line` above stays the line's number in the file as it was.
    pub import: Option<(u32, String)>,
}

/// Plan replacing `secret`, which starts at `line`:`column` (1-based, bytes) of `text`.
pub fn plan(
    path: &Path,
    text: &[u8],
    line: u32,
    column: u32,
    secret: &str,
    secret_name: &str,
    var: Option<&str>,
) -> Result<Rewrite> {
    let s = std::str::from_utf8(text).context("the file is not UTF-8 text; edit it by hand")?;
    let Some(style) = detect(path, s) else {
        bail!(
            "--rewrite does not know how {} reads secrets (supported: .py .js .ts .go .rb .java .kt .sh .env .yaml .yml .json .toml .ini .cfg .conf .properties .xml, CloudFormation); edit it by hand",
            path.display()
        );
    };
    let line_start = nth_line_start(s, line).with_context(|| {
        format!(
            "{} has no line {line}: it changed since the scan",
            path.display()
        )
    })?;
    let line_end = s[line_start..]
        .find('\n')
        .map_or(s.len(), |i| line_start + i);
    let start = line_start + column.saturating_sub(1) as usize;
    let end = start + secret.len();
    if s.get(start..end) != Some(secret) {
        bail!(
            "the secret is not written literally at {}:{line}:{column} (encoded, or the file changed since the scan); edit it by hand",
            path.display()
        );
    }
    let var = match var {
        Some(v) => v.to_string(),
        None => derive_var(&s[line_start..start]),
    };
    let quote = quote_around(s, start, end);
    let env_ref = format!("${{{var}}}");
    let (from, to, replacement) = match style {
        Style::CloudFormation => (
            start,
            end,
            format!("{{{{resolve:secretsmanager:{secret_name}}}}}"),
        ),
        Style::Config => (start, end, env_ref),
        Style::DotEnv | Style::Shell => match quote {
            // Single quotes do not expand: make them double.
            Some('\'') => (start - 1, end + 1, format!("\"{env_ref}\"")),
            _ => (start, end, env_ref),
        },
        code => {
            if quote.is_none() {
                bail!(
                    "the secret at {}:{line} is part of a larger string; replace it by hand with a read of the environment variable {var}",
                    path.display()
                );
            }
            let expr = match code {
                Style::Python => format!("os.environ[\"{var}\"]"),
                Style::JavaScript => format!("process.env.{var}"),
                Style::Go => format!("os.Getenv(\"{var}\")"),
                Style::Ruby => format!("ENV.fetch(\"{var}\")"),
                _ => format!("System.getenv(\"{var}\")"),
            };
            (start - 1, end + 1, expr)
        }
    };
    let mut new_text = String::with_capacity(s.len());
    new_text.push_str(&s[..from]);
    new_text.push_str(&replacement);
    new_text.push_str(&s[to..]);
    let new_line_end = line_end - (to - from) + replacement.len();
    let mut note = match style {
        Style::Python if !s.contains("import os") => Some("add `import os` to the file".into()),
        Style::Go if !s.contains("\"os\"") => Some("add \"os\" to the file's imports".into()),
        _ => None,
    };
    let old_line = s[line_start..line_end].to_string();
    let new_line = new_text[line_start..new_line_end].to_string();
    let mut import = None;
    if matches!(style, Style::Python) && note.is_some() {
        if let Some((at, n)) = python_import_slot(&new_text) {
            new_text.insert_str(at, "import os\n");
            import = Some((n, "import os".to_string()));
            note = None;
        }
    }
    Ok(Rewrite {
        style,
        var,
        line,
        old_line,
        new_line,
        new_text: new_text.into_bytes(),
        note,
        import,
    })
}

/// Where `import os` can go in a Python file: before its first top-level `import`/`from` line
/// that is not a `from __future__` import (those must stay first), as (byte offset, 1-based
/// line). None when the file has no top-level import: then where it belongs (after a
/// docstring, a shebang, an encoding line) is for a person to choose, and a note says so.
fn python_import_slot(text: &str) -> Option<(usize, u32)> {
    let mut at = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if (l.starts_with("import ") || l.starts_with("from ")) && !l.starts_with("from __future__")
        {
            return Some((at, i as u32 + 1));
        }
        at += l.len();
    }
    None
}

/// Byte offset where 1-based line `n` starts.
fn nth_line_start(s: &str, n: u32) -> Option<usize> {
    if n == 0 {
        return None;
    }
    let mut at = 0;
    for _ in 1..n {
        at += s[at..].find('\n')? + 1;
    }
    Some(at)
}

/// The quote character enclosing exactly `start..end`, if any.
fn quote_around(s: &str, start: usize, end: usize) -> Option<char> {
    let before = s[..start].chars().next_back()?;
    let after = s[end..].chars().next()?;
    (before == after && matches!(before, '"' | '\'' | '`')).then_some(before)
}

/// An environment variable name from the key the secret is assigned to on its line
/// (`dbPassword = "…"` → `DB_PASSWORD`), else `UNLEAK_SECRET`.
pub fn derive_var(before: &str) -> String {
    let trimmed = before.trim_end_matches(|c: char| {
        c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '=' | ':' | '>' | ',' | '(' | '[')
    });
    let key: String = trimmed
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let mut out = String::new();
    let mut prev_lower = false;
    for c in key.chars() {
        if c.is_ascii_uppercase() && prev_lower {
            out.push('_');
        }
        prev_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        out.push(if c.is_ascii_alphanumeric() {
            c.to_ascii_uppercase()
        } else {
            '_'
        });
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        "UNLEAK_SECRET".into()
    } else {
        out
    }
}

/// A unified diff of the one changed line, with every secret in `secrets` redacted on both
/// sides (the line may hold others besides the one replaced, and they stay on the new line).
pub fn diff(display_path: &str, rw: &Rewrite, secrets: &[String]) -> String {
    let mut d = format!("--- a/{display_path}\n+++ b/{display_path}\n");
    // An added import comes first in the file (it is above the changed line).
    let shift = match &rw.import {
        Some((n, text)) => {
            d.push_str(&format!("@@ -{},0 +{n},1 @@\n+{text}\n", n - 1));
            1
        }
        None => 0,
    };
    d.push_str(&format!(
        "@@ -{l},1 +{},1 @@\n-{}\n+{}\n",
        rw.line + shift,
        redact_all(&rw.old_line, secrets),
        redact_all(&rw.new_line, secrets),
        l = rw.line
    ));
    d
}

/// `line` with each secret (and each line of a multi-line one) replaced by its redaction,
/// longest first so that a secret containing another is hidden whole.
fn redact_all(line: &str, secrets: &[String]) -> String {
    let mut pieces: Vec<&str> = secrets
        .iter()
        .flat_map(|s| {
            std::iter::once(s.as_str()).chain(s.lines().map(str::trim).filter(|l| l.len() >= 8))
        })
        .filter(|p| !p.is_empty())
        .collect();
    pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
    pieces.dedup();
    let mut out = line.to_string();
    for p in pieces {
        if out.contains(p) {
            out = out.replace(p, &unleak_scan::finding::redact(p));
        }
    }
    out
}

/// `path` as a file inside `root` (canonical) that `--rewrite` may replace, or a clear
/// refusal. A report's `path` may say `../outside/app.env` or `/etc/...`, and `--path` may go
/// through a symlinked directory: the write must stay in the tree that was scanned. A
/// symlinked file is refused too: replacing the link with a regular file would leave the
/// secret in the link's target while unleak says "Rewrote". So: relative (or absolute under
/// `root`), no `..`, and no symlink in any component below `root`.
pub fn confine(root: &Path, path: &Path) -> Result<PathBuf> {
    let shown = path.display();
    let rel = if path.is_absolute() {
        path.strip_prefix(root).map_err(|_| {
            anyhow::anyhow!(
                "--rewrite edits only files inside the current directory ({}), and {shown} is not; run unleak from the top of the tree you scanned",
                root.display()
            )
        })?
    } else {
        path
    };
    let mut parts = Vec::new();
    for c in rel.components() {
        match c {
            Component::Normal(p) => parts.push(p),
            Component::CurDir => {}
            _ => bail!(
                "--rewrite edits only files inside the current directory ({}), and {shown} leaves it (`..`); run unleak from the top of the tree you scanned",
                root.display()
            ),
        }
    }
    if parts.is_empty() {
        bail!("{shown} is not a file");
    }
    let mut at = root.to_path_buf();
    let last = parts.len() - 1;
    for (i, p) in parts.into_iter().enumerate() {
        at.push(p);
        let meta =
            fs::symlink_metadata(&at).with_context(|| format!("cannot read {}", at.display()))?;
        if meta.file_type().is_symlink() {
            bail!(
                "--rewrite does not follow symbolic links, and {} is one (it would write outside the tree, or replace the link and leave the secret in its target); edit the real file by hand. Nothing was changed",
                at.strip_prefix(root).unwrap_or(&at).display()
            );
        }
        if i < last && !meta.is_dir() {
            bail!("{} is not a directory", at.display());
        }
        if i == last && !meta.is_file() {
            bail!("{shown} is not a regular file; edit it by hand");
        }
    }
    Ok(at)
}

/// How the application gets the secret now, in the file's language.
pub fn snippet(style: Style, var: &str, name: &str) -> String {
    let shell = format!(
        "export {var}=\"$(aws secretsmanager get-secret-value --secret-id '{name}' --query SecretString --output text)\""
    );
    match style {
        Style::Python => format!(
            "import os, boto3\nos.environ.setdefault(\"{var}\", boto3.client(\"secretsmanager\").get_secret_value(SecretId=\"{name}\")[\"SecretString\"])"
        ),
        Style::JavaScript => format!(
            "import {{ SecretsManagerClient, GetSecretValueCommand }} from \"@aws-sdk/client-secrets-manager\";\nconst {{ SecretString }} = await new SecretsManagerClient({{}}).send(new GetSecretValueCommand({{ SecretId: \"{name}\" }}));\nprocess.env.{var} ??= SecretString;"
        ),
        Style::Go => format!(
            "cfg, err := config.LoadDefaultConfig(ctx)\nout, err := secretsmanager.NewFromConfig(cfg).GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{{SecretId: aws.String(\"{name}\")}})\nos.Setenv(\"{var}\", aws.ToString(out.SecretString))"
        ),
        Style::Ruby => format!(
            "require \"aws-sdk-secretsmanager\"\nENV[\"{var}\"] ||= Aws::SecretsManager::Client.new.get_secret_value(secret_id: \"{name}\").secret_string"
        ),
        Style::Java => format!(
            "String value = SecretsManagerClient.create().getSecretValue(r -> r.secretId(\"{name}\")).secretString();\n// pass it to the process as {var}, or use it directly"
        ),
        Style::Shell | Style::DotEnv => format!("# before starting the application:\n{shell}"),
        Style::Config => format!(
            "# the application must substitute ${{{var}}} from its environment; set it with:\n{shell}"
        ),
        Style::CloudFormation => format!(
            "# nothing to load: CloudFormation resolves {{{{resolve:secretsmanager:{name}}}}} at deploy time"
        ),
    }
}

/// Write `new` over `path` atomically (temp file in the same directory, fsync, rename), but
/// only if the file still holds exactly `original`: a file changed since it was read is refused.
pub fn write_atomic(path: &Path, original: &[u8], new: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .context("not a file path")?
        .to_string_lossy();
    let tmp = dir.join(format!(".{file_name}.unleak-{}.tmp", std::process::id()));
    let perms = fs::metadata(path)
        .with_context(|| format!("cannot read {}", path.display()))?
        .permissions();
    let result = (|| -> Result<()> {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)
            .with_context(|| format!("cannot create {}", tmp.display()))?;
        f.write_all(new)?;
        f.sync_all()?;
        drop(f);
        fs::set_permissions(&tmp, perms)?;
        let now = fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        if now != original {
            bail!(
                "{} changed while unleak was working on it; nothing was rewritten",
                path.display()
            );
        }
        fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))?;
        #[cfg(unix)]
        File::open(dir)?.sync_all()?;
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(name: &str, text: &str, secret: &str) -> Rewrite {
        let (line, col) = text
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find(secret).map(|c| (i as u32 + 1, c as u32 + 1)))
            .expect("secret in text");
        plan(
            Path::new(name),
            text.as_bytes(),
            line,
            col,
            secret,
            "unleak/app/db",
            None,
        )
        .unwrap()
    }

    const S: &str = "pa55-Wq8zVx7Kp2Lm";

    #[test]
    fn code_literals_become_environment_reads() {
        let cases = [
            (
                "app.py",
                format!("import os\ndb_password = \"{S}\"\n"),
                "db_password = os.environ[\"DB_PASSWORD\"]",
            ),
            (
                "app.js",
                format!("const dbPassword = '{S}';\n"),
                "const dbPassword = process.env.DB_PASSWORD;",
            ),
            (
                "main.go",
                format!("var password = \"{S}\"\n"),
                "var password = os.Getenv(\"PASSWORD\")",
            ),
            (
                "app.rb",
                format!("TOKEN = \"{S}\"\n"),
                "TOKEN = ENV.fetch(\"TOKEN\")",
            ),
            (
                "App.java",
                format!("  String apiKey = \"{S}\";\n"),
                "  String apiKey = System.getenv(\"API_KEY\");",
            ),
        ];
        for (name, text, want) in cases {
            let r = rw(name, &text, S);
            assert_eq!(r.new_line, want, "{name}");
            assert!(!String::from_utf8(r.new_text).unwrap().contains(S));
        }
    }

    #[test]
    fn env_config_and_cloudformation() {
        let r = rw(".env", &format!("A=1\nDB_PASSWORD={S}\n"), S);
        assert_eq!(r.new_line, "DB_PASSWORD=${DB_PASSWORD}");
        assert_eq!(
            String::from_utf8(r.new_text).unwrap(),
            "A=1\nDB_PASSWORD=${DB_PASSWORD}\n"
        );
        let r = rw("run.sh", &format!("export TOKEN='{S}'\n"), S);
        assert_eq!(r.new_line, "export TOKEN=\"${TOKEN}\"");
        let r = rw("config.yaml", &format!("db:\n  password: \"{S}\"\n"), S);
        assert_eq!(r.new_line, "  password: \"${PASSWORD}\"");
        let r = rw("settings.json", &format!("{{\"apiKey\": \"{S}\"}}\n"), S);
        assert_eq!(r.new_line, "{\"apiKey\": \"${API_KEY}\"}");
        let cfn = format!("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Db:\n    Properties:\n      MasterUserPassword: {S}\n");
        let r = rw("stack.yaml", &cfn, S);
        assert_eq!(r.style, Style::CloudFormation);
        assert_eq!(
            r.new_line,
            "      MasterUserPassword: {{resolve:secretsmanager:unleak/app/db}}"
        );
    }

    #[test]
    fn refuses_what_it_cannot_rewrite_safely() {
        let text = format!("url = \"postgres://u:{S}@db/x\"\n");
        let col = text.find(S).unwrap() as u32 + 1;
        let e = plan(Path::new("a.py"), text.as_bytes(), 1, col, S, "n", None).unwrap_err();
        assert!(e.to_string().contains("larger string"), "{e}");
        let e = plan(Path::new("a.py"), text.as_bytes(), 1, col + 1, S, "n", None).unwrap_err();
        assert!(e.to_string().contains("not written literally"), "{e}");
        let e = plan(Path::new("a.bin"), text.as_bytes(), 1, col, S, "n", None).unwrap_err();
        assert!(e.to_string().contains("does not know"), "{e}");
        let e = plan(Path::new("a.py"), text.as_bytes(), 7, 1, S, "n", None).unwrap_err();
        assert!(e.to_string().contains("no line 7"), "{e}");
    }

    #[test]
    fn python_without_import_gets_a_note_and_diff_is_redacted() {
        let r = rw("a.py", &format!("password = \"{S}\"\n"), S);
        assert!(r.note.is_some());
        let d = diff("a.py", &r, &[S.to_string()]);
        assert!(!d.contains(S), "{d}");
        assert!(d.contains("+password = os.environ[\"PASSWORD\"]"), "{d}");
    }

    #[test]
    fn python_gets_import_os_before_its_first_import_and_the_diff_shows_it() {
        let text = format!("\"\"\"Settings.\"\"\"\nfrom __future__ import annotations\nimport sys\n\npassword = \"{S}\"\n");
        let r = rw("a.py", &text, S);
        assert!(r.note.is_none());
        let new = String::from_utf8(r.new_text.clone()).unwrap();
        assert_eq!(
            new,
            "\"\"\"Settings.\"\"\"\nfrom __future__ import annotations\nimport os\nimport sys\n\npassword = os.environ[\"PASSWORD\"]\n"
        );
        let d = diff("a.py", &r, &[S.to_string()]);
        assert!(d.contains("@@ -2,0 +3,1 @@\n+import os\n"), "{d}");
        assert!(d.contains("@@ -5,1 +6,1 @@\n-password"), "{d}");
        assert!(!d.contains(S), "{d}");
    }

    #[test]
    fn atomic_write_refuses_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.env");
        fs::write(&p, b"A=1\n").unwrap();
        write_atomic(&p, b"A=1\n", b"A=2\n").unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"A=2\n");
        let e = write_atomic(&p, b"A=1\n", b"A=3\n").unwrap_err();
        assert!(e.to_string().contains("changed"), "{e}");
        assert_eq!(fs::read(&p).unwrap(), b"A=2\n");
        assert_eq!(
            fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temp file left"
        );
    }

    #[test]
    fn variable_names_from_keys() {
        assert_eq!(derive_var("  dbPassword = \""), "DB_PASSWORD");
        assert_eq!(derive_var("export API_TOKEN="), "API_TOKEN");
        assert_eq!(derive_var("\"client-secret\": \""), "CLIENT_SECRET");
        assert_eq!(derive_var("f(\""), "F");
        assert_eq!(derive_var("  "), "UNLEAK_SECRET");
    }
}
