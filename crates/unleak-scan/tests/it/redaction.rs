//! Redaction, property style: many generated lines holding several secrets each (AWS key pairs,
//! passwords, tokens no rule reports, a Kubernetes Secret's base64 credentials file) at random
//! offsets, scanned by the real matcher with every built-in rule and written in every format.
//! Without `--show-secrets`, no planted secret (nor its encoded form) may appear, not even 8
//! characters of it; with it, the reported ones do (so the scan really found them).

use base64::Engine;
use unleak_scan::report::{self, Format, Style};
use unleak_scan::stats::StatsSummary;
use unleak_scan::{Finding, Matcher, RuleSet};

/// A small deterministic generator (xorshift64*): reproducible failures, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }
}

const UPPER32: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const WORDS: &[&str] = &[
    "export",
    "config",
    "value",
    "the",
    "service",
    "region",
    "bucket",
    "# note",
    "name",
    "--flag",
    "host",
    "and",
    "then",
    "path/to/file",
];

/// Mixed classes, so every shape of secret passes the rules' validators.
fn aws_secret(r: &mut Rng) -> String {
    loop {
        let s = r.pick(B64, 40);
        let has = |f: fn(&u8) -> bool| s.as_bytes().iter().filter(|c| f(c)).count() >= 3;
        if has(u8::is_ascii_uppercase) && has(u8::is_ascii_lowercase) && has(u8::is_ascii_digit) {
            return s;
        }
    }
}

fn password(r: &mut Rng) -> String {
    let n = 12 + r.below(9);
    format!("Pw{}-{}9x", r.pick(ALNUM, n / 2), r.pick(ALNUM, n / 2))
}

/// A token no rule knows (letters and digits, so it is not an ordinary word).
fn stray_token(r: &mut Rng) -> String {
    let n = 20 + r.below(12);
    format!("{}{}", r.pick(ALNUM, n), r.below(10))
}

fn filler(r: &mut Rng, max_words: usize) -> String {
    let n = r.below(max_words + 1);
    (0..n)
        .map(|_| WORDS[r.below(WORDS.len())])
        .collect::<Vec<_>>()
        .join(" ")
}

/// One generated file: its text, the secrets that must never show, the ones a rule reports.
struct Case {
    text: String,
    secrets: Vec<String>,
    reported: Vec<String>,
}

fn case(r: &mut Rng) -> Case {
    let mut secrets = Vec::new();
    let mut reported = Vec::new();
    let mut lines = Vec::new();
    for _ in 0..1 + r.below(4) {
        // Each line: 2 or 3 secrets among the shapes, in a random order, with filler between
        // (sometimes long enough that the stored excerpt of the line is cut).
        let mut parts: Vec<String> = Vec::new();
        let mut shapes: Vec<usize> = (0..4).collect();
        for i in (1..shapes.len()).rev() {
            shapes.swap(i, r.below(i + 1));
        }
        for &shape in shapes.iter().take(2 + r.below(2)) {
            match shape {
                0 => {
                    let id = format!("AKIA{}", r.pick(UPPER32, 16));
                    let s = aws_secret(r);
                    parts.push(format!("aws_access_key_id={id} aws_secret_access_key={s}"));
                    secrets.push(s.clone());
                    reported.push(s);
                }
                1 => {
                    let p = password(r);
                    // The same password twice on the line, the second time unreported.
                    parts.push(format!("DB_PASSWORD=\"{p}\" # was: {p}"));
                    secrets.push(p.clone());
                    reported.push(p);
                }
                2 => {
                    let p = password(r);
                    parts.push(format!("PGPASSWORD={p}"));
                    secrets.push(p.clone());
                    reported.push(p);
                }
                _ => {
                    let t = stray_token(r);
                    parts.push(format!("{} {t}", filler(r, 2)));
                    secrets.push(t);
                }
            }
            if r.below(4) == 0 {
                parts.push("x".repeat(150 + r.below(200)));
            } else {
                parts.push(filler(r, 5));
            }
        }
        lines.push(format!("{} {}", filler(r, 3), parts.join(" ")));
    }
    Case {
        text: lines.join("\n") + "\n",
        secrets,
        reported,
    }
}

fn reports(rules: &RuleSet, findings: &[Finding], show: bool) -> Vec<(Format, String)> {
    let style = Style {
        show_secrets: show,
        color: false,
    };
    let stats = StatsSummary::default();
    let mut out = Vec::new();
    for format in [Format::Text, Format::Json, Format::Sarif] {
        let mut buf = Vec::new();
        report::write(&mut buf, format, findings, &stats, rules, style).unwrap();
        out.push((format, String::from_utf8(buf).unwrap()));
    }
    let mut buf = Vec::new();
    for f in findings {
        report::json::write_line(&mut buf, f, style).unwrap();
    }
    out.push((Format::Jsonl, String::from_utf8(buf).unwrap()));
    out
}

/// Fails if any 8 characters of `secret` appear in `report`.
fn assert_hidden(report: &str, secret: &str, context: &str) {
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(8) {
        let w: String = w.iter().collect();
        assert!(
            !report.contains(&w),
            "`{w}` of planted `{secret}` leaked:\n{report}\n--- input:\n{context}"
        );
    }
}

#[test]
fn no_planted_secret_survives_in_any_format() {
    let matcher = Matcher::new(RuleSet::builtin().unwrap());
    let mut r = Rng(0x5eed_1234_abcd_0001);
    let mut found_total = 0;
    for _ in 0..120 {
        let c = case(&mut r);
        let findings = matcher.scan_text("gen.env", c.text.as_bytes());
        found_total += findings.len();
        for (format, out) in reports(matcher.rules(), &findings, false) {
            for s in &c.secrets {
                assert_hidden(&out, s, &format!("{format:?}\n{}", c.text));
            }
        }
        // The reported ones were found: with --show-secrets they are there in full.
        let shown = reports(matcher.rules(), &findings, true);
        for s in &c.reported {
            let (_, json) = &shown[1];
            assert!(json.contains(s.as_str()), "{s} not found in:\n{}", c.text);
        }
    }
    assert!(found_total > 240, "{found_total}");
}

#[test]
fn an_encoded_credentials_file_is_hidden_with_what_it_decodes_to() {
    let matcher = Matcher::new(RuleSet::builtin().unwrap());
    let mut r = Rng(0x0bad_cafe_0000_0002);
    for _ in 0..10 {
        let id = format!("AKIA{}", r.pick(UPPER32, 16));
        let secret = aws_secret(&mut r);
        let pw = password(&mut r);
        let creds = format!(
            "[default]\naws_access_key_id = {id}\naws_secret_access_key = {secret}\ndb_password = {pw}\n"
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(&creds);
        let text = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\ndata:\n  credentials: {encoded}\n  other: {}\n",
            base64::engine::general_purpose::STANDARD.encode(format!("PASSWORD={}", password(&mut r)))
        );
        let findings = matcher.scan_text("k8s.yaml", text.as_bytes());
        assert!(findings.len() >= 2, "{findings:?}");
        for (_, out) in reports(matcher.rules(), &findings, false) {
            for s in [&secret, &pw, &encoded] {
                assert_hidden(&out, s, &text);
            }
        }
    }
}

/// A secret reported on one line also stands, unreported, on another line of the same file,
/// next to a finding of its own: that line's preview hides it too (the fuzzer's `matcher`
/// target found a quoted SQL fragment reported on a later line and shown in full earlier).
#[test]
fn a_secret_found_on_one_line_is_hidden_on_every_line_of_the_file() {
    let matcher = Matcher::new(RuleSet::builtin().unwrap());
    let mut r = Rng(0x5eed_1234_abcd_0003);
    // A passphrase of plain words: nothing about its words alone says "secret", so only
    // knowing it was found elsewhere in the file can hide it.
    let lower = b"abcdefghijklmnopqrstuvwxyz";
    let first = format!(
        "{} {} {}",
        r.pick(lower, 7),
        r.pick(lower, 6),
        r.pick(lower, 8)
    );
    let second = password(&mut r);
    // Line 1: only `second` is reported there, but the text of line 2's secret stands in it.
    let text = format!(
        "-- was {first} until today; CREATE ROLE app WITH LOGIN PASSWORD '{second}';\nDB_PASSWORD=\"{first}\"\n"
    );
    let findings = matcher.scan_text("gen.env", text.as_bytes());
    assert!(
        findings.iter().any(|f| f.secret == first && f.line == 2),
        "{findings:?}"
    );
    for (format, out) in reports(matcher.rules(), &findings, false) {
        assert_hidden(&out, &first, &format!("{format:?}\n{text}"));
        assert_hidden(&out, &second, &format!("{format:?}\n{text}"));
    }
}
