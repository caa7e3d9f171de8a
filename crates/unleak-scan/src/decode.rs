//! Secrets hidden in an encoding: the `data:` values of a Kubernetes Secret are base64, and so
//! is a PEM block pasted into Helm values, JSON or `.env` (`tls.key: LS0tLS1CRUdJTi…`), so a
//! leaked key or password there is invisible to the rules. Such values are decoded, written
//! as `name: value` lines into one synthetic text (so context words and AWS pairing still
//! work), scanned, and the findings are moved back to the line of the encoded value. Raw
//! findings on the encoded values themselves (the base64 text is not the secret) are dropped.
//! Pure text work: the matcher finds the values here, scans the synthetic text itself, and
//! hands both scans back to [`EncodedValues::merge`].

use base64::Engine;

use crate::finding::{Excerpt, Finding};

/// One base64 value of a Secret's `data:` map.
struct Encoded {
    name: String,
    /// 1-based line and column of the value in the original text.
    line: u32,
    column: u32,
    /// Length in bytes of the encoded value (previews hide it: decoding it gives the secret).
    len: usize,
    decoded: String,
}

/// The encoded values of a text, decoded into one synthetic text for the matcher to scan.
pub struct EncodedValues {
    values: Vec<Encoded>,
    /// `name: value` lines, one or more per value.
    synthetic: String,
    /// For each line of `synthetic`, the value it came from.
    origin: Vec<usize>,
}

impl EncodedValues {
    /// The encoded values of `text`, or None when it has none. The matcher asks only for a
    /// text with the word `Secret` in it.
    pub fn find(text: &[u8]) -> Option<EncodedValues> {
        let mut values = kubernetes_secret_data(text);
        for v in base64_pem(text) {
            if !values
                .iter()
                .any(|k| k.line == v.line && k.column == v.column)
            {
                values.push(v);
            }
        }
        if values.is_empty() {
            return None;
        }
        let mut synthetic = String::new();
        let mut origin: Vec<usize> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let line = format!("{}: {}\n", v.name, v.decoded.trim_end_matches('\n'));
            origin.extend(std::iter::repeat_n(i, line.matches('\n').count()));
            synthetic.push_str(&line);
        }
        Some(EncodedValues {
            values,
            synthetic,
            origin,
        })
    }

    /// What the matcher scans: the decoded values as `name: value` lines.
    pub fn text(&self) -> &[u8] {
        self.synthetic.as_bytes()
    }

    /// The findings of `text`: `plain` (its own scan) without those on the encoded values
    /// themselves, and `decoded` (the scan of [`EncodedValues::text`]) moved to the line of the
    /// value each came from.
    pub fn merge(
        &self,
        text: &[u8],
        mut plain: Vec<Finding>,
        decoded: Vec<Finding>,
    ) -> Vec<Finding> {
        let values = &self.values;
        plain.retain(|f| {
            !values
                .iter()
                .any(|v| v.line == f.line && f.column >= v.column)
        });
        for mut f in decoded {
            let Some(&i) = self.origin.get(f.line.saturating_sub(1) as usize) else {
                continue;
            };
            let v = &values[i];
            f.line = v.line;
            f.end_line = v.line;
            f.column = v.column;
            let c = v.column as usize - 1;
            f.excerpt = Excerpt::new(&original_line(text, v.line), c, c + v.len);
            if let Some(p) = f.pair.as_mut() {
                if let Some(&j) = self.origin.get(p.line.saturating_sub(1) as usize) {
                    p.line = values[j].line;
                }
            }
            plain.push(f);
        }
        plain.sort_by_key(|f| (f.line, f.column));
        plain
    }
}

/// The base64 of `-----BEGI`: every base64-wrapped PEM block starts with it.
pub const BASE64_PEM_START: &str = "LS0tLS1CRUdJTi";

/// Base64 tokens that start a PEM block (`LS0tLS1CRUdJTi…`), anywhere in the text: Helm values
/// (`tls.key:`), JSON, `.env` files. Measured on the real-world benchmark: a chart's CI values
/// held a whole private key this way, which only the Kubernetes `data:` decoder could see.
fn base64_pem(text: &[u8]) -> Vec<Encoded> {
    static TOKEN: std::sync::LazyLock<regex::bytes::Regex> = std::sync::LazyLock::new(|| {
        regex::bytes::Regex::new(r"LS0tLS1CRUdJTi[A-Za-z0-9+/]{20,}={0,2}").expect("valid regex")
    });
    let mut out = Vec::new();
    let mut line = 1u32;
    let mut counted = 0usize;
    for m in TOKEN.find_iter(text) {
        line += memchr::memchr_iter(b'\n', &text[counted..m.start()]).count() as u32;
        counted = m.start();
        let line_start = memchr::memrchr(b'\n', &text[..m.start()]).map_or(0, |i| i + 1);
        let Some(decoded) = std::str::from_utf8(m.as_bytes()).ok().and_then(decode_text) else {
            continue;
        };
        out.push(Encoded {
            name: "base64".into(),
            line,
            column: (m.start() - line_start) as u32 + 1,
            len: m.len(),
            decoded,
        });
    }
    out
}

fn original_line(text: &[u8], line: u32) -> Vec<u8> {
    text.split(|&b| b == b'\n')
        .nth(line.saturating_sub(1) as usize)
        .map(|l| l.to_vec())
        .unwrap_or_default()
}

/// The `data:` values of every YAML document that declares `kind: Secret`, decoded when
/// they are base64 of UTF-8 text (binary values such as keystores are left alone).
fn kubernetes_secret_data(text: &[u8]) -> Vec<Encoded> {
    // Cheap gate first (the matcher's keyword search saw the word `Secret`): most files
    // never declare a Secret, and walking their lines showed up at 3% of a tree scan's time
    // when the gate was just the word.
    static DECLARES_SECRET: std::sync::LazyLock<regex::bytes::Regex> =
        std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new(r#"(?m)^kind:[ \t]*["']?Secret\b|"kind"[ \t]*:[ \t]*"Secret""#)
                .expect("valid regex")
        });
    if !DECLARES_SECRET.is_match(text) || memchr::memmem::find(text, b"data").is_none() {
        return Vec::new();
    }
    let Ok(text) = std::str::from_utf8(text) else {
        return Vec::new();
    };
    if text.trim_start().starts_with('{') {
        return json_secret_data(text);
    }
    let mut out = Vec::new();
    let mut doc: Vec<(u32, &str)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("---") {
            secret_document(&doc, &mut out);
            doc.clear();
        } else {
            doc.push((i as u32 + 1, line));
        }
    }
    secret_document(&doc, &mut out);
    out
}

/// The same for JSON (`kubectl get secret -o json`, a `List` of them): values are found back
/// in the text by their quoted form to report their line.
fn json_secret_data(text: &str) -> Vec<Encoded> {
    let Ok(doc) = serde_json::from_str::<serde_json::Value>(text) else {
        return Vec::new();
    };
    let items: Vec<&serde_json::Value> = match doc.get("items").and_then(|i| i.as_array()) {
        Some(items) => items.iter().collect(),
        None => vec![&doc],
    };
    let mut out = Vec::new();
    for item in items {
        if item.get("kind").and_then(|k| k.as_str()) != Some("Secret") {
            continue;
        }
        let Some(data) = item.get("data").and_then(|d| d.as_object()) else {
            continue;
        };
        for (name, value) in data {
            let Some(value) = value.as_str() else {
                continue;
            };
            let (Some(decoded), Some(at)) =
                (decode_text(value), text.find(&format!("\"{value}\"")))
            else {
                continue;
            };
            let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
            out.push(Encoded {
                name: name.clone(),
                line: text[..at].matches('\n').count() as u32 + 1,
                column: (at + 1 - line_start) as u32 + 1,
                len: value.len(),
                decoded,
            });
        }
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn secret_document(doc: &[(u32, &str)], out: &mut Vec<Encoded>) {
    let is_secret = doc.iter().any(|(_, l)| {
        let t = l.trim();
        indent(l) == 0 && (t == "kind: Secret" || t == "kind: \"Secret\"" || t == "kind: 'Secret'")
    });
    if !is_secret {
        return;
    }
    let mut data_indent: Option<usize> = None;
    for &(no, line) in doc {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = indent(line);
        match data_indent {
            Some(d) if ind > d => {
                let Some((name, value)) = t.split_once(':') else {
                    continue;
                };
                let value = value.trim().trim_matches(['"', '\'']);
                if let Some(decoded) = decode_text(value) {
                    let column = line.find(value).map_or(1, |c| c as u32 + 1);
                    out.push(Encoded {
                        name: name.trim().trim_matches(['"', '\'']).to_string(),
                        line: no,
                        column,
                        len: value.len(),
                        decoded,
                    });
                }
            }
            _ => data_indent = (t == "data:" && ind == 0).then_some(ind),
        }
    }
}

/// Base64 of UTF-8 text without control characters other than line breaks and tabs.
fn decode_text(value: &str) -> Option<String> {
    if value.len() < 4 {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(value)
        .ok()?;
    let s = String::from_utf8(bytes).ok()?;
    s.chars()
        .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t'))
        .then_some(s)
}
