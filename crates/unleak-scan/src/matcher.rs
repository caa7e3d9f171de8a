//! The matcher: one Aho-Corasick pass over a blob selects the candidate rules, only their
//! regexes run, validators and entropy confirm, the placeholder filter drops slots without a
//! secret, and pairing links AWS secret keys to their key ids.

use crate::blob::{self, Decoded};
use crate::decode::EncodedValues;
use crate::filters;
use crate::finding::{Confidence, Finding, Pair};
use crate::keywords::{Hits, KeywordSearcher};
use crate::rules::{Rule, RuleSet};
use crate::strength;
use crate::validators::Candidate;
use regex_automata::Input;

/// Bytes of text whose keyword hits are collected at once.
const HIT_BLOCK: usize = 1 << 20;

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
    pem64_pattern: usize,
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
        // The words that call the decoder (decode.rs): `Secret` (a Kubernetes Secret) and the
        // base64 of `-----BEGI` (a PEM block in base64). Kept when no rule has them (a
        // configuration may disable them all): no rules to select.
        let mut pattern_of = |word: &str| match patterns.iter().position(|p| p == word) {
            Some(pi) => pi,
            None => {
                patterns.push(word.into());
                keyword_rules.push(Vec::new());
                patterns.len() - 1
            }
        };
        let secret_pattern = pattern_of("secret");
        let pem64_pattern = pattern_of(&crate::decode::BASE64_PEM_START.to_ascii_lowercase());
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
            pem64_pattern,
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
            Decoded::Both(text, raw) => {
                let mut found = self.scan_text(path, &text);
                found.extend(self.scan_text(path, raw));
                BlobOutcome::Scanned(found)
            }
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
        // Hits are collected a block at a time: their memory is bounded by a block's, not by
        // the text's (a 64 MB line of `password= x ` held 400 MB of hits at once). Blocks
        // overlap by a keyword's length less one; a hit belongs to the block it ends in.
        let overlap = self.keywords.max_len() - 1;
        let mut from: usize = 0;
        loop {
            let to = from.saturating_add(HIT_BLOCK).min(text.len());
            let base = from.saturating_sub(overlap);
            self.keywords.find_all(&text[base..to], hits);
            for m in hits.as_slice() {
                let (start, end) = (base + m.start, base + m.end);
                if end <= from {
                    continue; // the block before had it
                }
                if m.pattern == self.secret_pattern && &text[start..end] == b"Secret"
                    || m.pattern == self.pem64_pattern
                        && &text[start..end] == crate::decode::BASE64_PEM_START.as_bytes()
                {
                    says_secret = true;
                }
                for &ri in &self.keyword_rules[m.pattern] {
                    match self.rules.rules[ri].window() {
                        Some(lines) => {
                            let (start, end) = line.around(text, start, end, lines);
                            add(ri, start, end);
                        }
                        None => add(ri, 0, text.len()),
                    }
                }
            }
            if to == text.len() {
                break;
            }
            from = to;
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
        // Values stored encoded (decode.rs), e.g. Kubernetes Secret `data:`, are also scanned
        // decoded, as text of their own without looking into encodings again.
        match EncodedValues::find(text) {
            None => found,
            Some(decoded) => {
                let inner = self.scan_windows(path, decoded.text()).0;
                decoded.merge(text, found, inner)
            }
        }
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
            let mut lines = LineCursor::default();
            for &ri in touched.iter() {
                let rule = &self.rules.rules[ri];
                if rule.applies_to(path) {
                    let search = searches[ri].get_or_insert_with(|| RuleSearch::new(rule.regex()));
                    for &(start, end) in &windows[ri] {
                        let at = Window {
                            text,
                            from: start,
                            to: end,
                        };
                        self.run_rule(rule, search, path, at, &mut lines, &mut found);
                    }
                }
                windows[ri].clear();
            }
            touched.clear();
            if found.is_empty() {
                return (Vec::new(), says_secret);
            }
            let found = self.drop_unpaired(found);
            let mut findings = dedup_overlapping(found, &self.yielding);
            self.pair(&mut findings);
            (findings, says_secret)
        })
    }

    /// Run a rule's regex on `text[from..to]` (the text before `from` is context only, so
    /// anchors and word boundaries behave as in the whole text). Each search resumes where
    /// the last match ended; a match whose secret is empty is no candidate.
    fn run_rule(
        &self,
        rule: &Rule,
        search: &mut RuleSearch,
        path: &str,
        window: Window<'_>,
        lines: &mut LineCursor,
        out: &mut Vec<(usize, Finding)>,
    ) {
        let Window { text, from, to } = window;
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
                if e > s && (!rule.spec.token_boundary || is_whole_token(text, s, e)) {
                    let key = key_group
                        .and_then(|g| search.group(g))
                        .map(|(a, b)| &text[a..b]);
                    if let Some(f) = self.confirm(rule, path, text, lines, (s, e), key) {
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
    /// What is known of the candidate's line (its bounds, the allow marker, its number) comes
    /// from `lines`, found once per line; validators see a bounded excerpt of it, so the work
    /// per candidate does not grow with the line.
    fn confirm(
        &self,
        rule: &Rule,
        path: &str,
        text: &[u8],
        lines: &mut LineCursor,
        (start, end): (usize, usize),
        key: Option<&[u8]>,
    ) -> Option<Finding> {
        let (ls, le) = lines.line(text, start)?;
        let line = &text[ls..le];
        let raw = &text[start..end];
        let mut cand = Candidate {
            secret: String::from_utf8_lossy(raw).into_owned(),
            line: context(text, ls, le, start, end),
            after: &text[end.min(le)..end.saturating_add(CONTEXT).min(le).max(end.min(le))],
            before: &text[start.saturating_sub(CONTEXT).max(ls)..start.max(ls)],
            lines_before: &text[ls.saturating_sub(CONTEXT)..ls],
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
        // A password's confidence is its own (strength.rs). A context-bound rule (below `high`:
        // a value recognised by its name, not its structure) is an example under tests and
        // docs, as a password is; a structured token (a checksum, a key) is real anywhere.
        let confidence = if rule.spec.password_value {
            rule.spec.confidence.min(strength::password_confidence(
                &cand.secret,
                path,
                cand.before,
            ))
        } else if rule.spec.confidence < Confidence::High && strength::is_example_path(path) {
            Confidence::Low
        } else {
            rule.spec.confidence
        };
        let line_no = lines.number(text, start);
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
                .unwrap_or_else(|| crate::kind::default_advice(&rule.spec.kind)),
            path: path.to_string(),
            line: line_no,
            end_line,
            column: (start - ls) as u32 + 1,
            secret: cand.secret,
            excerpt: crate::finding::Excerpt::new(line, start - ls, end - ls),
            confidence,
            entropy,
            encrypted: cand.encrypted,
            pair: None,
            commit: None,
            verification: None,
        })
    }

    /// Drop the findings that require a partner and have none in reach, before broad rules
    /// yield to them: a candidate that pairing discards must not take a broad rule's finding
    /// of the same bytes with it (a 32-character value in a file naming Twilio, far from any
    /// SID, is still a generic API key).
    fn drop_unpaired(&self, found: Vec<(usize, Finding)>) -> Vec<(usize, Finding)> {
        if !found.iter().any(|(_, f)| {
            self.pairing
                .get(f.rule_id.as_str())
                .is_some_and(|p| p.required)
        }) {
            return found;
        }
        let (starts, findings): (Vec<usize>, Vec<Finding>) = found.into_iter().unzip();
        let mut by_kind = PartnersByKind::default();
        let keep: Vec<bool> = (0..findings.len())
            .map(|i| {
                let Some(spec) = self.pairing.get(findings[i].rule_id.as_str()) else {
                    return true;
                };
                !spec.required
                    || by_kind
                        .of(&findings, &spec.kind)
                        .nearest(&findings, i)
                        .is_some_and(|(_, d)| spec.max_lines.is_none_or(|m| d <= m))
            })
            .collect();
        starts
            .into_iter()
            .zip(findings)
            .zip(keep)
            .filter_map(|(f, k)| k.then_some(f))
            .collect()
    }

    /// Link each finding of a pairing rule to the nearest finding of its partner kind; drop
    /// those that require a partner and have none in reach.
    fn pair(&self, findings: &mut Vec<Finding>) {
        let mut keep = vec![true; findings.len()];
        let mut links: Vec<(usize, usize)> = Vec::new();
        let mut by_kind = PartnersByKind::default();
        for (i, f) in findings.iter().enumerate() {
            let Some(spec) = self.pairing.get(f.rule_id.as_str()) else {
                continue;
            };
            let nearest = by_kind
                .of(findings, &spec.kind)
                .nearest(findings, i)
                .filter(|(_, d)| spec.max_lines.is_none_or(|m| *d <= m));
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

/// The findings of each partner kind, sorted by line, made when a pairing rule first asks
/// for that kind: a partner is found by binary search, not by a look at every finding (all
/// pairs: 4,000 key pairs of minified JSON on one line took seconds).
#[derive(Default)]
struct PartnersByKind {
    kinds: Vec<(String, Partners)>,
}

impl PartnersByKind {
    fn of(&mut self, findings: &[Finding], kind: &str) -> &Partners {
        let k = match self.kinds.iter().position(|(k, _)| k == kind) {
            Some(k) => k,
            None => {
                let mut list: Vec<(u32, usize)> = (findings.iter().enumerate())
                    .filter(|(_, g)| g.kind == kind)
                    .map(|(j, g)| (g.line, j))
                    .collect();
                list.sort_unstable();
                self.kinds.push((kind.to_string(), Partners(list)));
                self.kinds.len() - 1
            }
        };
        &self.kinds[k].1
    }
}

/// (line, index) of the findings of one kind, sorted.
struct Partners(Vec<(u32, usize)>);

impl Partners {
    /// The finding nearest to finding `i` by line, other than `i`, and the distance in lines;
    /// of those equally near, the first in `findings` (what a scan of them all in order
    /// would pick).
    fn nearest(&self, findings: &[Finding], i: usize) -> Option<(usize, u32)> {
        let list = &self.0;
        let line = findings[i].line;
        let first_on = |l: u32| list.partition_point(|p| p.0 < l);
        let p = first_on(line);
        // At or after the line: the first one that is not `i` (it may be `list[p]`), which
        // is the first of its line.
        let after = list[p..]
            .iter()
            .take(2)
            .find(|&&(_, j)| j != i)
            .map(|&(l, j)| (j, l - line));
        // Before the line: the first one of the nearest line.
        let before = p
            .checked_sub(1)
            .map(|q| list[first_on(list[q].0)])
            .map(|(l, j)| (j, line - l));
        match (before, after) {
            (Some(b), Some(a)) => Some(if (b.1, b.0) <= (a.1, a.0) { b } else { a }),
            (b, a) => b.or(a),
        }
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

/// A rule's window: `text[from..to]` is searched, the rest of `text` is context.
#[derive(Clone, Copy)]
struct Window<'a> {
    text: &'a [u8],
    from: usize,
    to: usize,
}

/// What confirming a candidate needs of its line, found once per line and not once per
/// candidate: on a 1 MB line of `password= x ` (87,000 candidates), finding the line's bounds,
/// the allow marker and the line number from the text's start at every candidate was the
/// quadratic part (5.8 s at 1 MB, over 30 s at 4 MB).
struct LineCursor {
    /// The line last asked about: its start, its end (before any `\r\n`), where its newline
    /// (or the text's end) is, and whether it carries the allow marker.
    line: Option<(usize, usize, usize, bool)>,
    /// A position whose 1-based line number is known, and that number.
    pos: usize,
    number: u32,
    /// More such positions, every `MARK_EVERY` bytes of the furthest point counted to: a
    /// rule's findings come in order, but the next rule starts again near the text's start.
    marks: Vec<(usize, u32)>,
}

/// Spacing of the line-number marks: a jump back costs at most this many bytes of counting.
const MARK_EVERY: usize = 64 << 10;

impl Default for LineCursor {
    fn default() -> Self {
        LineCursor {
            line: None,
            pos: 0,
            number: 1,
            marks: Vec::new(),
        }
    }
}

impl LineCursor {
    /// The bounds of the line holding `at`, or `None` when it carries the allow marker.
    fn line(&mut self, text: &[u8], at: usize) -> Option<(usize, usize)> {
        let (ls, le, _, allowed) = match self.line {
            Some(l @ (ls, _, nl, _)) if ls <= at && at <= nl => l,
            _ => {
                let ls = blob::line_start(text, at);
                let nl = memchr::memchr(b'\n', &text[at..]).map_or(text.len(), |i| at + i);
                let le = blob::line_end(text, at);
                let allowed = memchr::memmem::find(&text[ls..le], ALLOW_MARKER).is_some();
                *self.line.insert((ls, le, nl, allowed))
            }
        };
        (!allowed).then_some((ls, le))
    }

    /// The 1-based line number of byte `at`, counted from the nearest known position before it.
    fn number(&mut self, text: &[u8], at: usize) -> u32 {
        let at = at.min(text.len());
        let k = self.marks.partition_point(|m| m.0 <= at);
        let (mut p, mut n) = if k > 0 { self.marks[k - 1] } else { (0, 1) };
        if self.pos <= at && self.pos > p {
            (p, n) = (self.pos, self.number);
        }
        let count = |a: usize, b: usize| memchr::memchr_iter(b'\n', &text[a..b]).count() as u32;
        while at - p > MARK_EVERY {
            let q = p + MARK_EVERY;
            n += count(p, q);
            p = q;
            if self.marks.last().is_none_or(|m| m.0 < p) {
                self.marks.push((p, n));
            }
        }
        n += count(p, at);
        (self.pos, self.number) = (at, n);
        n
    }
}

/// Bytes of a candidate's line, each side of it, that validators see (the name a value is
/// assigned to stands just before it).
const CONTEXT: usize = 1024;

/// The candidate's line `text[ls..le]` cut to `CONTEXT` bytes each side of `start..end`.
fn context(text: &[u8], ls: usize, le: usize, start: usize, end: usize) -> &[u8] {
    &text[start.saturating_sub(CONTEXT).max(ls)..end.saturating_add(CONTEXT).min(le).max(start)]
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
    let drop = yielding_overlaps(&out, yielding);
    out.into_iter()
        .zip(drop)
        .filter(|(_, d)| !d)
        .map(|((_, _, f), _)| f)
        .collect()
}

/// For each finding (in start order): it is of a yielding rule and a finding of a specific
/// rule and of another kind overlaps it. One pass over the specific findings: for each prefix
/// of them (by start), the furthest end, and the furthest end of a kind other than that one's,
/// answer "does one of another kind than `f`'s reach past `f`'s start" in O(log n) (an `any`
/// over all findings per finding was quadratic: 4,000 pairs on one line took seconds).
fn yielding_overlaps(
    out: &[(usize, usize, Finding)],
    yielding: &std::collections::HashSet<String>,
) -> Vec<bool> {
    let is_yielding: Vec<bool> = out
        .iter()
        .map(|(_, _, f)| yielding.contains(&f.rule_id))
        .collect();
    if !is_yielding.iter().any(|&y| y) {
        return is_yielding;
    }
    // (start, furthest end and its kind, furthest end of any other kind) over the prefix.
    let mut prefix: Vec<(usize, (usize, &str), usize)> = Vec::new();
    let mut best: (usize, &str) = (0, "");
    let mut other = 0;
    for ((s, e, g), _) in out.iter().zip(&is_yielding).filter(|(_, y)| !**y) {
        if *e > best.0 {
            if g.kind != best.1 {
                other = best.0;
            }
            best = (*e, g.kind.as_str());
        } else if g.kind != best.1 {
            other = other.max(*e);
        }
        prefix.push((*s, best, other));
    }
    out.iter()
        .zip(&is_yielding)
        .map(|((s, e, f), &y)| {
            if !y {
                return false;
            }
            // The specific findings that start before this one ends.
            let k = prefix.partition_point(|p| p.0 < *e);
            k > 0 && {
                let (_, (end, kind), other) = prefix[k - 1];
                (end > *s && kind != f.kind) || other > *s
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Confidence;

    /// xorshift64*: random cases, the same on every run.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
        }
    }

    fn finding(rule: &str, kind: &str, line: u32) -> Finding {
        Finding {
            rule_id: rule.into(),
            kind: kind.into(),
            description: String::new(),
            advice: String::new(),
            path: "x".into(),
            line,
            end_line: line,
            column: 1,
            secret: String::new(),
            excerpt: Default::default(),
            confidence: Confidence::High,
            entropy: 0.0,
            encrypted: None,
            pair: None,
            commit: None,
            verification: None,
        }
    }

    #[test]
    fn the_nearest_partner_is_the_one_a_look_at_every_finding_picks() {
        let mut rng = Rng(11);
        for _ in 0..300 {
            let n = 1 + rng.below(40) as usize;
            let mut lines: Vec<u32> = (0..n).map(|_| 1 + rng.below(12) as u32).collect();
            lines.sort_unstable(); // findings come in file order
            let findings: Vec<Finding> = lines
                .iter()
                .map(|&l| finding("r", ["id", "secret"][rng.below(2) as usize], l))
                .collect();
            let mut by_kind = PartnersByKind::default();
            for i in 0..n {
                let all = findings
                    .iter()
                    .enumerate()
                    .filter(|(j, g)| *j != i && g.kind == "id")
                    .map(|(j, g)| (j, g.line.abs_diff(findings[i].line)))
                    .min_by_key(|(_, d)| *d);
                assert_eq!(
                    by_kind.of(&findings, "id").nearest(&findings, i),
                    all,
                    "{lines:?} {i}"
                );
            }
        }
    }

    #[test]
    fn yielding_overlaps_are_the_ones_a_look_at_every_finding_finds() {
        let yielding: std::collections::HashSet<String> = ["broad".to_string()].into();
        let mut rng = Rng(5);
        for _ in 0..300 {
            let n = 1 + rng.below(30) as usize;
            let mut out: Vec<(usize, usize, Finding)> = (0..n)
                .map(|_| {
                    let s = rng.below(100) as usize;
                    let e = s + 1 + rng.below(15) as usize;
                    let rule = ["broad", "a", "b"][rng.below(3) as usize];
                    let kind = ["k1", "k2", "k3"][rng.below(3) as usize];
                    (s, e, finding(rule, kind, 1))
                })
                .collect();
            out.sort_by_key(|x| x.0);
            let all: Vec<bool> = out
                .iter()
                .map(|(s, e, f)| {
                    yielding.contains(&f.rule_id)
                        && out.iter().any(|(s2, e2, g)| {
                            !yielding.contains(&g.rule_id) && s < e2 && s2 < e && g.kind != f.kind
                        })
                })
                .collect();
            assert_eq!(yielding_overlaps(&out, &yielding), all);
        }
    }

    #[test]
    fn line_cursor_agrees_with_counting_from_the_start() {
        let mut rng = Rng(3);
        let text: Vec<u8> = (0..300_000)
            .map(|_| match rng.below(40) {
                0 => b'\n',
                1 => b'\r',
                _ => b'a',
            })
            .collect();
        let mut cursor = LineCursor::default();
        for round in 0..2000 {
            // Runs in order, then jumps back, as rules take their turns.
            let at = if round % 50 == 0 {
                rng.below(text.len() as u64) as usize
            } else {
                (cursor.pos + rng.below(20_000) as usize).min(text.len() - 1)
            };
            assert_eq!(
                cursor.number(&text, at),
                blob::line_of(&text, at),
                "at {at}"
            );
            let want = (blob::line_start(&text, at), blob::line_end(&text, at));
            assert_eq!(cursor.line(&text, at), Some(want), "at {at}");
        }
    }
}
