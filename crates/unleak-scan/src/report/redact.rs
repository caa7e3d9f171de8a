//! Previews: the piece of a finding's line that the text report shows, with nothing secret left
//! in it unless `--show-secrets`.
//!
//! A line can hold more than the finding being shown: its AWS key id and the paired secret key,
//! two passwords, the same secret twice, the base64 value a Kubernetes Secret's finding was
//! decoded from, or a secret no rule reported. So a preview hides, in this order:
//! 1. every secret found on that line (every finding of the same path, line and commit) at its
//!    position, and every occurrence of any secret found in the same file (and commit), or of
//!    its partner, wherever it stands; shown as the report shows secrets (first characters and
//!    `…`; AWS key ids whole);
//! 2. every other word that may be secret: the value after `=` or `:` (a quoted value whole) and
//!    any word that is neither plain (letters and `_ - . /`), nor a short number (4 digits) or
//!    punctuation (3 characters), nor a key name (an identifier followed by `=` or `:`). What remains is the line's shape: key names,
//!    punctuation, ordinary words;
//! 3. a word cut where the stored excerpt of the line ends (see [`crate::finding::Excerpt`]).

use std::borrow::Cow;
use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use crate::finding::{redact, Finding};

/// Previews hold at most this many characters (and `…` where cut).
pub const MAX_PREVIEW: usize = 160;

/// Secrets shorter than this are not searched for elsewhere in the file (they would hide every
/// occurrence of a common short string; position-based hiding still covers them).
const MIN_NEEDLE: usize = 4;

type LineKey<'a> = (&'a str, u32, Option<&'a str>);
type FileKey<'a> = (&'a str, Option<&'a str>);

/// The findings of one line: hidden by their position in its previews.
struct Line<'a> {
    members: Vec<&'a Finding>,
}

/// What is known to be secret in one file (one version of it, in history): every secret found
/// anywhere in it is hidden wherever its text occurs in any preview of the file. A secret found
/// on one line can stand on another line too, where no rule reported it (the fuzzer found a
/// quoted SQL fragment reported on line 6 and shown in full in line 2's preview).
struct FileSecrets<'a> {
    /// Secret texts to hide wherever they occur, with how each is shown.
    needles: Vec<(&'a str, String)>,
    /// Built only for files with several distinct secrets (most have one: `memmem` is cheaper).
    automaton: Option<AhoCorasick>,
}

/// Redacts previews for one report: built once over all its findings (O(n)), then asked for
/// each finding's preview.
pub struct Redactor<'a> {
    lines: HashMap<LineKey<'a>, Line<'a>>,
    files: HashMap<FileKey<'a>, FileSecrets<'a>>,
}

fn key(f: &Finding) -> LineKey<'_> {
    (
        f.path.as_str(),
        f.line,
        f.commit.as_ref().map(|c| c.commit.as_str()),
    )
}

fn file_key(f: &Finding) -> FileKey<'_> {
    (
        f.path.as_str(),
        f.commit.as_ref().map(|c| c.commit.as_str()),
    )
}

impl<'a> Redactor<'a> {
    pub fn new(findings: &'a [Finding]) -> Self {
        let mut lines: HashMap<LineKey<'a>, Line<'a>> = HashMap::new();
        let mut files: HashMap<FileKey<'a>, FileSecrets<'a>> = HashMap::new();
        for f in findings {
            lines
                .entry(key(f))
                .or_insert_with(|| Line {
                    members: Vec::new(),
                })
                .members
                .push(f);
            let file = files.entry(file_key(f)).or_insert_with(|| FileSecrets {
                needles: Vec::new(),
                automaton: None,
            });
            let mut add = |secret: &'a str, shown: String| {
                if secret.len() >= MIN_NEEDLE && !file.needles.iter().any(|(s, _)| *s == secret) {
                    file.needles.push((secret, shown));
                }
            };
            add(&f.secret, f.display_secret(false));
            if let Some(p) = &f.pair {
                let shown = if crate::kind::shown_whole(&p.kind) {
                    p.secret.clone()
                } else {
                    redact(&p.secret)
                };
                add(&p.secret, shown);
            }
        }
        for file in files.values_mut() {
            if file.needles.len() > 1 {
                file.automaton = AhoCorasick::builder()
                    .match_kind(aho_corasick::MatchKind::LeftmostLongest)
                    .build(file.needles.iter().map(|(s, _)| s.as_bytes()))
                    .ok();
            }
        }
        Redactor { lines, files }
    }

    /// The finding's line as the report shows it: secrets hidden unless `show`, at most
    /// [`MAX_PREVIEW`] characters around the secret. Control characters are left to the caller.
    pub fn preview(&self, f: &Finding, show: bool) -> String {
        let e = &f.excerpt;
        let cut_start = e.from() > 0;
        let cut_end = e.to() < e.line_len;
        let (head, tail) = if show {
            (
                String::from_utf8_lossy(&e.before).into_owned(),
                String::from_utf8_lossy(&e.after).into_owned(),
            )
        } else {
            let line = self.lines.get(&key(f));
            let file = self.files.get(&file_key(f));
            (
                self.mask_segment(line, file, f, &e.before, e.from(), cut_start, false),
                self.mask_segment(line, file, f, &e.after, e.end, false, cut_end),
            )
        };
        fit(&head, &f.display_secret(show), &tail, cut_start, cut_end)
    }

    /// One side of the secret with every known and every likely secret hidden.
    #[allow(clippy::too_many_arguments)]
    fn mask_segment(
        &self,
        line: Option<&Line<'_>>,
        file: Option<&FileSecrets<'_>>,
        own: &Finding,
        bytes: &[u8],
        base: usize,
        cut_start: bool,
        cut_end: bool,
    ) -> String {
        let mut hidden: Vec<(usize, usize, Cow<'_, str>)> = Vec::new();
        if let Some(line) = line {
            // Other findings of the line, by position (an encoded value, a partner).
            for m in &line.members {
                let (s, e) = (m.excerpt.start, m.excerpt.end);
                if std::ptr::eq(*m, own) || s >= e || e <= base || s >= base + bytes.len() {
                    continue;
                }
                let whole = s >= base && e <= base + bytes.len();
                let (cs, ce) = (s.max(base) - base, e.min(base + bytes.len()) - base);
                let shown = if whole {
                    Cow::Owned(m.display_secret(false))
                } else {
                    Cow::Borrowed("…")
                };
                hidden.push((cs, ce, shown));
            }
        }
        // Every occurrence of any of the file's secrets.
        if let Some(file) = file {
            match &file.automaton {
                Some(ac) => {
                    for m in ac.find_iter(bytes) {
                        let shown = &file.needles[m.pattern().as_usize()].1;
                        hidden.push((m.start(), m.end(), Cow::Borrowed(shown.as_str())));
                    }
                }
                None => {
                    for (needle, shown) in &file.needles {
                        for at in memchr::memmem::find_iter(bytes, needle.as_bytes()) {
                            hidden.push((at, at + needle.len(), Cow::Borrowed(shown.as_str())));
                        }
                    }
                }
            }
        }
        hidden.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        let mut out = String::new();
        let mut at = 0;
        let mut value_next = false;
        let mut i = 0;
        while i < hidden.len() {
            let (s, mut e, shown) = hidden[i].clone();
            let mut shown = shown;
            i += 1;
            // Overlapping hidden ranges become one.
            while i < hidden.len() && hidden[i].0 < e {
                if hidden[i].1 > e {
                    e = hidden[i].1;
                    shown = Cow::Borrowed("…");
                }
                i += 1;
            }
            if s < at {
                continue;
            }
            let gap = String::from_utf8_lossy(&bytes[at..s]);
            mask_words(&gap, value_next, cut_start && at == 0, false, &mut out);
            out.push_str(&shown);
            at = e;
            // A word glued to a secret is taken as part of a value.
            value_next = true;
        }
        let gap = String::from_utf8_lossy(&bytes[at..]);
        mask_words(&gap, value_next, cut_start && at == 0, cut_end, &mut out);
        out
    }
}

/// The preview of a single finding (a report of one).
pub fn preview(f: &Finding, show: bool) -> String {
    Redactor::new(std::slice::from_ref(f)).preview(f, show)
}

/// Hide, in any text (a line of a diff, a message), the given secrets wherever they occur and
/// every word that may be secret, by the rules of this module's previews.
pub fn mask_text(text: &str, secrets: &[&str]) -> String {
    let mut out = String::new();
    let mut at = 0;
    let mut value_next = false;
    let mut hits: Vec<(usize, usize)> = secrets
        .iter()
        .filter(|s| !s.is_empty())
        .flat_map(|s| {
            memchr::memmem::find_iter(text.as_bytes(), s.as_bytes()).map(move |i| (i, i + s.len()))
        })
        .collect();
    hits.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    for (s, e) in hits {
        if s < at {
            at = at.max(e);
            continue;
        }
        mask_words(&text[at..s], value_next, false, false, &mut out);
        out.push_str(&redact(&text[s..e]));
        at = e;
        value_next = true;
    }
    mask_words(&text[at..], value_next, false, false, &mut out);
    out
}

/// `text` with every occurrence of each of `secrets` shown as reports show secrets, the rest
/// untouched (for free text such as a commit message, where masking every word would be noise).
pub fn hide(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for s in secrets.iter().filter(|s| !s.is_empty()) {
        if out.contains(*s) {
            out = out.replace(*s, &redact(s));
        }
    }
    out
}

/// Characters that separate words in a preview: structure that secrets rarely contain (a
/// secret's own `/`, `+`, `!`, `$`… keep it one word, so no piece of it is judged alone).
fn is_delimiter(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '`'
                | '='
                | ':'
                | ','
                | ';'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '<'
                | '>'
        )
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\'' | '`')
}

/// Ordinary words: letters (any script) and `_ - . /`, no digits.
fn is_plain(w: &str) -> bool {
    w.chars().any(char::is_alphabetic)
        && w.chars()
            .all(|c| c.is_alphabetic() || matches!(c, '_' | '-' | '.' | '/'))
}

/// A key name: an identifier (`S3_BUCKET`, `aws_secret_access_key`) followed by `=` or `:`.
fn is_key_name(w: &str, rest: &str) -> bool {
    let mut cs = w.chars();
    cs.next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && cs.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && rest
            .trim_start_matches(is_quote)
            .trim_start()
            .starts_with(['=', ':'])
}

/// Mask the words of `s` that may be secret (see the module's rules), appending to `out`.
/// `value_next`: the first word is a value (it follows `=`, `:` or a secret). `cut_start` /
/// `cut_end`: `s` begins / ends where the stored excerpt was cut, so a word there is partial.
fn mask_words(s: &str, mut value_next: bool, cut_start: bool, cut_end: bool, out: &mut String) {
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next().expect("not at the end");
        if is_delimiter(c) {
            let run_len = rest.find(|c| !is_delimiter(c)).unwrap_or(rest.len());
            let run = &rest[..run_len];
            out.push_str(run);
            i += run_len;
            let assigns = run.contains(['=', ':']);
            value_next = assigns;
            let last = run.chars().next_back().expect("a run is not empty");
            if assigns && is_quote(last) {
                // A quoted value is one value, spaces and all.
                let body = &s[i..];
                let len = body.find(last).unwrap_or(body.len());
                if cut_end && len == body.len() {
                    out.push('…');
                } else if len > 0 {
                    out.push_str(&redact(&body[..len]));
                }
                i += len;
                value_next = false;
            }
            continue;
        }
        let len = rest.find(is_delimiter).unwrap_or(rest.len());
        let word = &rest[..len];
        let partial = (cut_start && i == 0) || (cut_end && i + len == s.len());
        let shown = !partial
            && !value_next
            && (is_plain(word)
                || (word.len() <= 4 && word.bytes().all(|b| b.is_ascii_digit()))
                || (word.chars().count() <= 3 && !word.chars().any(char::is_alphanumeric))
                || is_key_name(word, &rest[len..]));
        if shown {
            out.push_str(word);
        } else if partial {
            out.push('…');
        } else {
            out.push_str(&redact(word));
        }
        value_next = false;
        i += len;
    }
}

/// Join the masked sides and the secret as shown, cut to [`MAX_PREVIEW`] characters around
/// the secret, `…` marking every cut.
fn fit(head: &str, mid: &str, tail: &str, cut_start: bool, cut_end: bool) -> String {
    let head = head.trim_start();
    let tail = tail.trim_end();
    let (hn, mn, tn) = (
        head.chars().count(),
        mid.chars().count(),
        tail.chars().count(),
    );
    let budget = MAX_PREVIEW.saturating_sub(mn);
    // Some context before the secret, the rest after it; either side takes what the other
    // does not need.
    let keep_head = hn.min(budget.saturating_sub(tn.min(budget - budget / 3)));
    let keep_tail = tn.min(budget - keep_head);
    let mut out = String::new();
    if keep_head < hn || cut_start {
        out.push('…');
    }
    out.extend(head.chars().skip(hn - keep_head));
    out.push_str(mid);
    out.extend(tail.chars().take(keep_tail));
    if keep_tail < tn || cut_end {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> String {
        let mut out = String::new();
        mask_words(s, false, false, false, &mut out);
        out
    }

    #[test]
    fn values_and_secret_like_words_are_hidden() {
        let pw = ["Pg-S3", "cretVal"].concat();
        assert_eq!(
            words(&format!("export PGPASSWORD={pw}")),
            "export PGPASSWORD=Pg-S…"
        );
        assert_eq!(words("# previous: Xq7-Tz9!pLm2"), "# previous: Xq7-…"); // unleak:allow
        let phrase = ["correct horse", " battery staple"].concat();
        assert_eq!(
            words(&format!("password = \"{phrase}\" # old")),
            "password = \"corr…\" # old"
        );
        assert_eq!(words("alice,,wJalrXUtnFEMIK7MDENG,x"), "alice,,wJal…,x");
        assert_eq!(words("S3_BUCKET: logs port 5432"), "S3_BUCKET: … port 5432");
        assert_eq!(words("token ghp_abc123def456"), "token ghp_…");
    }

    #[test]
    fn cut_words_are_dropped() {
        let mut out = String::new();
        mask_words("tail of word and more", false, true, true, &mut out);
        assert_eq!(out, "… of word and …");
    }

    #[test]
    fn fit_keeps_the_secret_and_context_within_the_limit() {
        let head = "h".repeat(300);
        let tail = "t".repeat(300);
        let p = fit(&head, "wJal…", &tail, false, false);
        assert!(p.chars().count() <= MAX_PREVIEW + 2, "{}", p.len());
        assert!(p.contains("hwJal…t"));
        assert_eq!(fit("  a=", "x…", " b  ", false, false), "a=x… b");
        assert_eq!(fit("a=", "x…", "", true, true), "…a=x……");
    }

    #[test]
    fn mask_text_hides_given_secrets_anywhere() {
        assert_eq!(
            mask_text("pw hunterhunter and hunterhunter", &["hunterhunter"]),
            "pw hunt… and hunt…"
        );
    }
}
