//! The text report: one entry per distinct secret, grouped by file, verified-live keys first,
//! coloured on a terminal.

use std::collections::HashMap;
use std::io::Write;

use super::redact::Redactor;
use super::{escape_control, Style};
use crate::finding::{Finding, Status};
use crate::stats::StatsSummary;

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(&self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn red(&self, s: &str) -> String {
        self.wrap("1;31", s)
    }
    fn yellow(&self, s: &str) -> String {
        self.wrap("33", s)
    }
    fn dim(&self, s: &str) -> String {
        self.wrap("2", s)
    }
}

/// How many further locations of a secret its entry lists before "and N more": enough to see
/// where a repeated value lives, short enough that a value copied into 37 versions of an API
/// document is one entry of a few lines, not 37 entries.
const LISTED_LOCATIONS: usize = 5;

/// Live admin keys first, then other live keys, then the rest; within that, by file and line.
fn status_rank(f: &Finding) -> u8 {
    let admin = f
        .verification
        .as_ref()
        .and_then(|v| v.access.as_ref())
        .is_some_and(|a| a.admin);
    match f.verification.as_ref().map(|v| v.status) {
        Some(Status::Live) if admin => 0,
        Some(Status::Live) => 1,
        Some(Status::Unknown) => 2,
        Some(Status::Inactive) => 3,
        None => 4,
        Some(Status::Invalid | Status::Canary) => 5,
    }
}

pub fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    stats: &StatsSummary,
    style: Style,
) -> std::io::Result<()> {
    let p = Paint { on: style.color };
    let mut order: Vec<&Finding> = findings.iter().collect();
    // Files holding a live key come first; findings stay grouped by file. Each file's rank is
    // computed once (a scan of all findings per comparison took 111 s for 60k findings).
    let mut file_rank: HashMap<&str, u8> = HashMap::new();
    for f in findings {
        let r = file_rank.entry(f.path.as_str()).or_insert(u8::MAX);
        *r = (*r).min(status_rank(f));
    }
    order.sort_by_cached_key(|f| {
        (
            file_rank[f.path.as_str()],
            &f.path,
            status_rank(f),
            f.line,
            f.column,
        )
    });
    // One entry per distinct secret, at its first location in this order; the entry lists the
    // others. The same value under two kinds (an AWS key id and a password rule) stays two.
    let mut entry_of: HashMap<(&str, &str), usize> = HashMap::new();
    let mut entries: Vec<(&Finding, Vec<&Finding>)> = Vec::new();
    for f in order {
        match entry_of.entry((f.kind.as_str(), f.secret.as_str())) {
            std::collections::hash_map::Entry::Occupied(e) => entries[*e.get()].1.push(f),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(entries.len());
                entries.push((f, Vec::new()));
            }
        }
    }
    let redactor = Redactor::new(findings);
    let mut current: Option<&str> = None;
    for (f, others) in &entries {
        let f = *f;
        if current != Some(f.path.as_str()) {
            if current.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "{}", p.bold(&escape_control(&f.path)))?;
            current = Some(&f.path);
        }
        let status = match &f.verification {
            Some(v) => {
                let s = v.status.as_str().to_ascii_uppercase();
                let tag = format!("[{s}] ");
                if v.status == Status::Live {
                    p.red(&tag)
                } else {
                    p.yellow(&tag)
                }
            }
            None => String::new(),
        };
        let mut title = format!("{status}{}", p.red(&f.description));
        if f.encrypted == Some(true) {
            title.push_str(" (encrypted)");
        }
        writeln!(
            out,
            "  {title}  {}",
            p.dim(&format!(
                "{}:{}:{}  {}  {}",
                escape_control(&f.path),
                f.line,
                f.column,
                f.rule_id,
                f.confidence.as_str()
            ))
        )?;
        writeln!(
            out,
            "    {}",
            escape_control(&redactor.preview(f, style.show_secrets))
        )?;
        if let Some(pair) = &f.pair {
            let shown = if style.show_secrets || crate::finding::shown_whole(&pair.kind) {
                pair.secret.clone()
            } else {
                crate::finding::redact(&pair.secret)
            };
            writeln!(
                out,
                "    {}",
                p.dim(&format!(
                    "paired with {} {} (line {})",
                    pair.kind,
                    escape_control(&shown),
                    pair.line
                ))
            )?;
        }
        if let Some(c) = &f.commit {
            let short = c.commit.get(..12).unwrap_or(&c.commit);
            writeln!(
                out,
                "    {}",
                p.dim(&escape_control(&format!(
                    "commit {short} by {} on {}{}",
                    c.author,
                    c.date,
                    match c.in_head {
                        Some(true) => ", still in HEAD",
                        Some(false) => ", no longer in HEAD (still in history)",
                        None => "",
                    }
                )))
            )?;
        }
        if let Some(v) = &f.verification {
            let mut parts = Vec::new();
            if let Some(a) = &v.account {
                parts.push(format!("account {a}"));
            }
            if let Some(a) = &v.arn {
                parts.push(a.clone());
            }
            if let Some(r) = &v.reason {
                parts.push(r.clone());
            }
            if !parts.is_empty() {
                writeln!(out, "    {}", p.dim(&escape_control(&parts.join(", "))))?;
            }
            if let Some(a) = &v.access {
                writeln!(out, "    can: {}", escape_control(&a.line()))?;
            }
        }
        if !others.is_empty() {
            writeln!(out, "    {}", p.dim(&escape_control(&also_at(others))))?;
        }
        writeln!(out, "    → {}", escape_control(&f.advice_shown()))?;
    }
    if !findings.is_empty() {
        writeln!(out)?;
    }
    let secs = stats.duration_ms as f64 / 1000.0;
    let distinct = if entries.len() < findings.len() {
        format!(
            " ({} distinct secret{})",
            entries.len(),
            if entries.len() == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    let mut summary = format!(
        "{} finding{}{distinct} in {} file{} ({:.1} MB) in {:.2} s",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        stats.files,
        if stats.files == 1 { "" } else { "s" },
        stats.bytes as f64 / 1e6,
        secs
    );
    let skipped = stats.skipped_binary + stats.skipped_large + stats.skipped_allowlisted;
    if skipped > 0 {
        summary.push_str(&format!(
            "; skipped {} binary, {} too large, {} allowlisted",
            stats.skipped_binary, stats.skipped_large, stats.skipped_allowlisted
        ));
    }
    if stats.unlisted > 0 {
        summary.push_str(&format!(
            "; {} more not listed (over --max-findings-per-file)",
            stats.unlisted
        ));
    }
    if stats.skipped_archive > 0 {
        summary.push_str(&format!("; {} archives not opened", stats.skipped_archive));
    }
    if stats.errors > 0 {
        summary.push_str(&format!("; {} unreadable", stats.errors));
    }
    writeln!(
        out,
        "{}",
        if findings.is_empty() {
            summary
        } else {
            p.bold(&summary)
        }
    )
}

/// `also at a.env:3, docs/b.md:10, … and 36 more`: the other locations of an entry's secret,
/// in report order (for a history finding, the path and line where its blob was found).
fn also_at(others: &[&Finding]) -> String {
    let listed: Vec<String> = others
        .iter()
        .take(LISTED_LOCATIONS)
        .map(|f| format!("{}:{}", f.path, f.line))
        .collect();
    let mut s = format!("also at {}", listed.join(", "));
    if others.len() > LISTED_LOCATIONS {
        s.push_str(&format!(" and {} more", others.len() - LISTED_LOCATIONS));
    }
    s
}
