//! The matcher: one Aho-Corasick pass over a blob selects the candidate rules, only their
//! regexes run, validators and entropy confirm, the placeholder filter drops slots without a
//! secret, and pairing links AWS secret keys to their key ids.

use crate::blob::{self, Decoded};
use crate::filters;
use crate::finding::{Finding, Pair};
use crate::keywords::{Hits, KeywordSearcher};
use crate::rules::{Rule, RuleSet};
use crate::validators::Candidate;
use regex_automata::Input;

/// Marks a line whose secrets are never reported.
pub const ALLOW_MARKER: &[u8] = b"unleak:allow";

pub struct Matcher {
    /// Tells this matcher's per-thread scratch space from another's (tests build several).
    id: usize,
    rules: RuleSet,
    /// Path-bound rules without keywords: they run on every file their globs match.
    always: Vec<usize>,
    keywords: KeywordSearcher,
    /// For each keyword pattern, the rules it selects.
    keyword_rules: Vec<Vec<usize>>,
    /// The keyword pattern "secret": its hits spelled `Secret` gate the look into Kubernetes
    /// Secrets (decode.rs) at no extra pass over the text.
    secret_pattern: usize,
    /// Ids of broad rules that give way to a specific rule's finding on the same bytes.
    yielding: std::collections::HashSet<String>,
    /// Pairing specs by rule id (looked up once per finding).
    pairing: std::collections::HashMap<String, crate::rules::PairSpec>,
}

/// What became of a blob.
pub enum BlobOutcome {
    Scanned(Vec<Finding>),
    Binary,
}

impl Matcher {
    pub fn new(rules: RuleSet) -> Self {
        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        for (ri, rule) in rules.rules.iter().enumerate() {
            for kw in &rule.spec.keywords {
                let kw = kw.to_ascii_lowercase();
                match patterns.iter().position(|p| *p == kw) {
                    Some(pi) => keyword_rules[pi].push(ri),
                    None => {
                        patterns.push(kw);
                        keyword_rules.push(vec![ri]);
                    }
                }
            }
        }
        // Kept when no rule has it (a configuration may disable them all): no rules to select.
        let secret_pattern = match patterns.iter().position(|p| p == "secret") {
            Some(pi) => pi,
            None => {
                patterns.push("secret".into());
                keyword_rules.push(Vec::new());
                patterns.len() - 1
            }
        };
        let always = rules
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.spec.keywords.is_empty())
            .map(|(i, _)| i)
            .collect();
        // Every occurrence of every keyword is reported ("password" and the "pass" inside it),
        // so each keyword selects just its own rules.
        let keywords = KeywordSearcher::new(&patterns);
        let pairing = rules
            .rules
            .iter()
            .filter_map(|r| Some((r.spec.id.clone(), r.spec.pair.clone()?)))
            .collect();
        let yielding = rules
            .rules
            .iter()
            .filter(|r| r.spec.yields)
            .map(|r| r.spec.id.clone())
            .collect();
        static NEXT_ID: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(1);
        Matcher {
            id: NEXT_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
            rules,
            secret_pattern,
            yielding,
            pairing,
            always,
            keywords,
            keyword_rules,
        }
    }

    pub fn rules(&self) -> &RuleSet {
        &self.rules
    }

    /// Scan one blob's raw bytes found at `path` (used for path-bound rules and reports).
    pub fn scan_bytes(&self, path: &str, bytes: &[u8]) -> BlobOutcome {
        match blob::decode(bytes) {
            Decoded::Binary => BlobOutcome::Binary,
            Decoded::Text(text) => BlobOutcome::Scanned(self.scan_text(path, &text)),
        }
    }

    /// Collect into `scratch` the rules whose keywords occur in `text`, each with the byte
    /// ranges its regex must see: the lines around its keyword hits, merged, or the whole
    /// text. Whether the text has the word `Secret` comes back.
    fn collect_windows(&self, text: &[u8], scratch: &mut Scratch) -> bool {
        let Scratch {
            hits,
            windows,
            touched,
            ..
        } = scratch;
        self.keywords.find_all(text, hits);
        let mut says_secret = false;
        // Hits come in order of their ends, so each rule's windows come in order too (two
        // hits out of start order overlap, so they share a line) and merge as they come.
        let mut add = |ri: usize, start: usize, end: usize| {
            let w = &mut windows[ri];
            match w.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                Some(_) => w.push((start, end)),
                None => {
                    touched.push(ri);
                    w.push((start, end));
                }
            }
        };
        let mut line = LineWindows::default();
        for m in hits.as_slice() {
            if m.pattern == self.secret_pattern && &text[m.start..m.end] == b"Secret" {
                says_secret = true;
            }
            for &ri in &self.keyword_rules[m.pattern] {
                match self.rules.rules[ri].window() {
                    Some(lines) => {
                        let (start, end) = line.around(text, m.start, m.end, lines);
                        add(ri, start, end);
                    }
                    None => add(ri, 0, text.len()),
                }
            }
        }
        for &ri in &self.always {
            add(ri, 0, text.len());
        }
        says_secret
    }

    /// Scan decoded text.
    pub fn scan_text(&self, path: &str, text: &[u8]) -> Vec<Finding> {
        let (found, says_secret) = self.scan_windows(path, text);
        if !says_secret {
            return found;
        }
        // Hook (decode.rs): values stored encoded, e.g. Kubernetes Secret `data:`, are also
        // scanned decoded.
        crate::decode::with_encoded(self, path, text, found)
    }

    /// Scan text as it is, without looking into encoded values.
    pub(crate) fn scan_plain(&self, path: &str, text: &[u8]) -> Vec<Finding> {
        self.scan_windows(path, text).0
    }

    /// The plain scan, and whether the text has the word `Secret`.
    fn scan_windows(&self, path: &str, text: &[u8]) -> (Vec<Finding>, bool) {
        SCRATCH.with_borrow_mut(|scratch| {
            if scratch.owner != self.id {
                let n = self.rules.rules.len();
                *scratch = Scratch {
                    owner: self.id,
                    windows: vec![Vec::new(); n],
                    searches: (0..n).map(|_| None).collect(),
                    ..Scratch::default()
                };
            }
            let says_secret = self.collect_windows(text, scratch);
            let Scratch {
                windows,
                touched,
                searches,
                ..
            } = scratch;
            // Rules in order, as the findings' tie-breaks expect.
            touched.sort_unstable();
            let mut found: Vec<(usize, Finding)> = Vec::new();
            for &ri in touched.iter() {
                let rule = &self.rules.rules[ri];
                if rule.applies_to(path) {
                    let search = searches[ri].get_or_insert_with(|| RuleSearch::new(rule.regex()));
                    for &(start, end) in &windows[ri] {
                        self.run_rule(rule, search, path, text, start, end, &mut found);
                    }
                }
                windows[ri].clear();
            }
            touched.clear();
            if found.is_empty() {
                return (Vec::new(), says_secret);
            }
            let mut findings = dedup_overlapping(found, &self.yielding);
            self.pair(&mut findings);
            (findings, says_secret)
        })
    }

    /// Run a rule's regex on `text[from..to]` (the text before `from` is context only, so
    /// anchors and word boundaries behave as in the whole text).
    #[allow(clippy::too_many_arguments)]
    fn run_rule(
        &self,
        rule: &Rule,
        search: &mut RuleSearch,
        path: &str,
        text: &[u8],
        from: usize,
        to: usize,
        out: &mut Vec<(usize, Finding)>,
    ) {
        let re = rule.regex();
        let secret_groups = rule.secret_groups();
        let key_group = rule.key_group();
        let mut input = Input::new(&text[..to]).range(from..);
        while re
            .search_slots_with(&mut search.cache, &input, &mut search.slots)
            .is_some()
        {
            let Some((ms, me)) = search.group(0) else {
                break;
            };
            if let Some((s, e)) = secret_groups.iter().find_map(|&g| search.group(g)) {
                if !rule.spec.token_boundary || is_whole_token(text, s, e) {
                    let key = key_group
                        .and_then(|g| search.group(g))
                        .map(|(a, b)| &text[a..b]);
                    if let Some(f) = self.confirm(rule, path, text, s, e, key) {
                        out.push((s, f));
                    }
                }
            }
            let next = if me > ms { me } else { me + 1 };
            if next > to {
                break;
            }
            input.set_start(next);
        }
    }

    /// Validators, entropy, placeholder filter and the allow marker; then a finding.
    fn confirm(
        &self,
        rule: &Rule,
        path: &str,
        text: &[u8],
        start: usize,
        end: usize,
        key: Option<&[u8]>,
    ) -> Option<Finding> {
        let ls = blob::line_start(text, start);
        let le = blob::line_end(text, start);
        let line = &text[ls..le];
        if memchr::memmem::find(line, ALLOW_MARKER).is_some() {
            return None;
        }
        let raw = &text[start..end];
        let mut cand = Candidate {
            secret: String::from_utf8_lossy(raw).into_owned(),
            line,
            path,
            key,
            quoted: is_quoted(text, start, end),
            encrypted: None,
        };
        // The rule's own validators first: they reject most near misses, and cost less.
        for v in &rule.validators {
            if !v.check(&mut cand) {
                return None;
            }
        }
        // A value is a placeholder as found or as a validator decoded it (`%24%7BPASSWORD%7D`).
        if rule.spec.placeholder_filter
            && (filters::is_placeholder(&cand.secret)
                || (cand.secret.as_bytes() != raw
                    && filters::is_placeholder(&String::from_utf8_lossy(raw))))
        {
            return None;
        }
        let entropy = entropy::shannon_entropy(cand.secret.as_bytes());
        if rule.spec.min_entropy.is_some_and(|min| entropy < min) {
            return None;
        }
        let line_no = blob::line_of(text, start);
        let span = &text[start..end];
        let span = span.strip_suffix(b"\n").unwrap_or(span);
        let end_line = line_no + memchr::memchr_iter(b'\n', span).count() as u32;
        Some(Finding {
            rule_id: rule.spec.id.clone(),
            kind: rule.spec.kind.clone(),
            description: if rule.spec.description.is_empty() {
                rule.spec.name.clone()
            } else {
                rule.spec.description.clone()
            },
            advice: rule
                .spec
                .advice
                .clone()
                .unwrap_or_else(|| default_advice(&rule.spec.kind)),
            path: path.to_string(),
            line: line_no,
            end_line,
            column: (start - ls) as u32 + 1,
            secret: cand.secret,
            excerpt: crate::finding::Excerpt::new(line, start - ls, end - ls),
            confidence: rule.spec.confidence,
            entropy,
            encrypted: cand.encrypted,
            pair: None,
            commit: None,
            verification: None,
        })
    }

    /// Link each finding of a pairing rule to the nearest finding of its partner kind; drop
    /// those that require a partner and have none in reach.
    fn pair(&self, findings: &mut Vec<Finding>) {
        let mut keep = vec![true; findings.len()];
        let mut links: Vec<(usize, usize)> = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            let Some(spec) = self.pairing.get(f.rule_id.as_str()) else {
                continue;
            };
            let nearest = findings
                .iter()
                .enumerate()
                .filter(|(j, g)| *j != i && g.kind == spec.kind)
                .map(|(j, g)| (j, g.line.abs_diff(f.line)))
                .filter(|(_, d)| spec.max_lines.is_none_or(|m| *d <= m))
                .min_by_key(|(_, d)| *d);
            match nearest {
                Some((j, _)) => links.push((i, j)),
                None if spec.required => keep[i] = false,
                None => {}
            }
        }
        for (i, j) in links {
            if !keep[i] {
                continue;
            }
            let partner = &findings[j];
            let p = Pair {
                rule_id: partner.rule_id.clone(),
                kind: partner.kind.clone(),
                secret: partner.secret.clone(),
                line: partner.line,
            };
            let back = Pair {
                rule_id: findings[i].rule_id.clone(),
                kind: findings[i].kind.clone(),
                secret: findings[i].secret.clone(),
                line: findings[i].line,
            };
            findings[i].pair = Some(p);
            if findings[j].pair.is_none() {
                findings[j].pair = Some(back);
            }
        }
        let mut k = keep.into_iter();
        findings.retain(|_| k.next().unwrap_or(true));
    }
}

/// Room a thread reuses for every blob it scans: no allocation per blob for keyword hits,
/// windows or capture slots.
#[derive(Default)]
struct Scratch {
    /// The matcher whose rules the rule-indexed vectors below follow.
    owner: usize,
    hits: Hits,
    /// Per rule: its windows in the blob being scanned.
    windows: Vec<Vec<(usize, usize)>>,
    /// The rules with windows in the blob being scanned.
    touched: Vec<usize>,
    /// Per rule: its search state, made at the rule's first window.
    searches: Vec<Option<RuleSearch>>,
}

/// One rule's search state on one thread: the regex's cache (its lazy DFAs grow there) and
/// capture slots. Kept here, not taken from the regex's shared pool at every window: on two
/// threads, one of them took the pool's slow path each time.
struct RuleSearch {
    cache: regex_automata::meta::Cache,
    slots: Vec<Option<regex_automata::util::primitives::NonMaxUsize>>,
}

impl RuleSearch {
    fn new(re: &regex_automata::meta::Regex) -> Self {
        RuleSearch {
            cache: re.create_cache(),
            slots: vec![None; re.group_info().slot_len()],
        }
    }

    /// The span of capture group `g` in the last match.
    fn group(&self, g: usize) -> Option<(usize, usize)> {
        let start = self.slots.get(2 * g).copied().flatten()?;
        let end = self.slots.get(2 * g + 1).copied().flatten()?;
        Some((start.get(), end.get()))
    }
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// The windows around the line of the latest keyword hit, by their number of lines: found
/// once for all the rules and all the hits on that line (a password line has "pass" in
/// "password", often twice).
#[derive(Default)]
struct LineWindows {
    /// The line: its start, and its end after the newline.
    line: (usize, usize),
    /// (lines around, window start, window end); a few sizes are in use.
    spans: Vec<(u32, usize, usize)>,
}

impl LineWindows {
    /// The window of `lines` lines around the line(s) of `text[start..end]`.
    fn around(&mut self, text: &[u8], start: usize, end: usize, lines: u32) -> (usize, usize) {
        let (ls, le) = self.line;
        if self.spans.is_empty() || start < ls || end >= le {
            let ls = blob::line_start(text, start);
            let le = lines_after(text, end, 0);
            self.line = (ls, le);
            self.spans.clear();
            self.spans.push((0, ls, le));
        }
        if let Some(&(_, s, e)) = self.spans.iter().find(|w| w.0 == lines) {
            return (s, e);
        }
        let (ls, le) = self.line;
        let s = lines_before(text, ls, lines);
        let e = match lines {
            0 => le,
            n => lines_after(text, le, n - 1),
        };
        self.spans.push((lines, s, e));
        (s, e)
    }
}

/// Start of the line `lines` lines before the one holding `offset`.
fn lines_before(text: &[u8], offset: usize, lines: u32) -> usize {
    let mut start = blob::line_start(text, offset);
    for _ in 0..lines {
        if start == 0 {
            break;
        }
        start = blob::line_start(text, start - 1);
    }
    start
}

/// End (after the newline) of the line `lines` lines after the one holding `offset`.
fn lines_after(text: &[u8], offset: usize, lines: u32) -> usize {
    let mut end = offset;
    for _ in 0..=lines {
        match memchr::memchr(b'\n', &text[end.min(text.len())..]) {
            Some(i) => end += i + 1,
            None => return text.len(),
        }
    }
    end
}

/// The span stands between two identical quote characters.
fn is_quoted(text: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).map(|i| text[i]);
    matches!(before, Some(b'"' | b'\'' | b'`')) && text.get(end).copied() == before
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// No token character touches the span on either side.
fn is_whole_token(text: &[u8], start: usize, end: usize) -> bool {
    let before = start.checked_sub(1).map(|i| text[i]);
    let after = text.get(end).copied();
    !before.is_some_and(is_token_byte) && !after.is_some_and(is_token_byte)
}

/// Two rules of one kind that matched overlapping bytes found one secret: keep the more
/// confident (then the earlier rule). Findings come back in file order.
/// A finding of a broad rule (`yields = true`, e.g. the generic API key rule) is also dropped
/// where a finding of another kind covers the same bytes: the specific rule says more.
fn dedup_overlapping(
    mut found: Vec<(usize, Finding)>,
    yielding: &std::collections::HashSet<String>,
) -> Vec<Finding> {
    found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.confidence.cmp(&a.1.confidence)));
    let mut out: Vec<(usize, usize, Finding)> = Vec::with_capacity(found.len());
    for (start, f) in found {
        let end = start + f.secret.len();
        if let Some(prev) = out
            .iter_mut()
            .rev()
            .take(8)
            .find(|(s, e, g)| g.kind == f.kind && start < *e && *s < end)
        {
            if f.confidence > prev.2.confidence {
                *prev = (start, end, f);
            }
            continue;
        }
        out.push((start, end, f));
    }
    let overlaps_specific = |i: usize| {
        let (s, e, f) = &out[i];
        yielding.contains(&f.rule_id)
            && out.iter().any(|(s2, e2, g)| {
                !yielding.contains(&g.rule_id) && s < e2 && s2 < e && g.kind != f.kind
            })
    };
    let drop: Vec<bool> = (0..out.len()).map(overlaps_specific).collect();
    out.into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|((_, _, f), _)| f)
        .collect()
}

/// What to do, by kind, when a rule says nothing more specific.
pub fn default_advice(kind: &str) -> String {
    match kind {
        "aws-access-key-id" | "aws-secret-access-key" => {
            "Deactivate and rotate this key (`unleak rotate KEY_ID`), then remove it from the code.".into()
        }
        "private-key" => "Revoke this key where it is trusted, generate a new one, and keep it out of the repository.".into(),
        "db-password" => "Change this password in the database, then load it from the environment or a secret store (`unleak store`).".into(),
        _ => "Revoke or rotate this credential at its issuer, then load it from a secret store (`unleak store`).".into(),
    }
}
