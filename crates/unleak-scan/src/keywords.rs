//! The keyword search: every occurrence of every rule keyword (ASCII case-insensitive), in one
//! pass over the bytes.
//!
//! The automaton is built by the `aho-corasick` crate (standard semantics, so every
//! occurrence, overlapping ones included, is reported) and copied into a compact table: a row
//! per state, an entry per byte class, each entry the address of the next state's row. The
//! rows of states that end a keyword lie where one address bit is set (one test tells "match"
//! from "no match").
//!
//! Why not search with the crate directly: a DFA step is a dependent load, so one search runs
//! at the latency of a cache hit per byte (~450 MB/s here for ~150 keywords, where no SIMD
//! prefilter applies). This search cuts the haystack into a few segments and walks them in
//! lockstep: the steps of different segments do not depend on each other, so the CPU overlaps
//! them (measured: ~2.3x the throughput on a 105 MB source tree). Each segment starts
//! `max_len - 1` bytes early, from the start state, so a keyword that crosses a cut is found
//! by exactly one segment.
//!
//! A state is the address of its row, and the lanes read the text in unaligned words, both
//! through raw pointers (each read's bounds argued at its SAFETY comment): the one module of
//! the scanner that allows `unsafe`.
#![allow(unsafe_code)]

/// One keyword occurrence: `text[start..end]` is keyword number `pattern`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub pattern: usize,
}

/// Keyword hits of one text, and room for the lanes' hits while they are collected; reused
/// from text to text.
#[derive(Default)]
pub struct Hits {
    all: Vec<Hit>,
    /// Lanes 1.. collect apart and are appended in order: no sort.
    later: [Vec<Hit>; LANES - 1],
}

impl Hits {
    pub fn as_slice(&self) -> &[Hit] {
        &self.all
    }
}

/// The lanes' layout: lane k starts reading at `k * d`.
struct Lanes {
    d: usize,
    overlap: usize,
    n: usize,
}

impl Lanes {
    /// Where lane k's own matches (by last byte) start; `own(LANES)` is the end of the text.
    fn own(&self, k: usize) -> usize {
        match k {
            0 => 0,
            LANES => self.n,
            k => k * self.d + self.overlap,
        }
    }
}

pub struct KeywordSearcher {
    /// Byte → class: bytes that occur in no keyword share class 0; the two cases of a letter
    /// share a class.
    classes: [u8; 256],
    /// Row width: the number of classes.
    stride: usize,
    /// The transition table, a row of `stride` entries per state, in which every entry is the
    /// address of the next state's row: a state is the address of its own row, and a step is
    /// one load, `row[class]`, with no index arithmetic in the chain of dependent loads (one
    /// thread over moby's files: 1500 MB/s with `u32` row numbers, 1800 with addresses). Never
    /// written after `new` and never moved (a boxed slice), so the addresses stay valid.
    table: Box<[usize]>,
    start: usize,
    /// The address of the first row of a state that ends at least one keyword: the rows of
    /// such states come last.
    first_match: usize,
    /// The one address bit set in every row address of a state that ends a keyword, and in no
    /// other: four lanes are tested for a match with three ORs and one test (against three
    /// maxima and a compare: 4% faster on the 200 MB benchmark tree).
    match_bit: usize,
    /// For each match state, in id order: the keywords (pattern, length) ending there.
    outputs: Vec<Vec<(u32, u32)>>,
    max_len: usize,
}

/// Segments searched in lockstep (4 measured best: 3 is slower, and 5, 6 or 8 spill
/// registers). The loop in `run_lanes` is written out for four.
const LANES: usize = 4;
/// Below this many bytes, one lane: the set-up would cost more than it saves. Most source
/// files are a few KB, so the lanes must pay off early.
const LANE_MIN: usize = 256;

/// The keywords' trie over byte classes, completed into a DFA (Aho-Corasick, standard
/// semantics): for each state, breadth first, the next state of every class, and the keywords
/// (pattern, length) ending there, its own first, then those of its failure state's.
///
/// Why not ask the `aho-corasick` crate's NFA for each transition: there a step may walk a
/// chain of failure links, once per state and class, and that copy was a fifth of the start-up
/// CPU (measured: 1.1 of 5.5 ms with 152 keywords, growing with the keywords). Here each entry
/// is one lookup: a missing edge takes the failure state's entry, already complete because
/// that state is shallower. State 0 is the start.
fn trie_dfa(
    patterns: &[String],
    classes: &[u8; 256],
    stride: usize,
) -> (Vec<u32>, Vec<Vec<(u32, u32)>>) {
    const NONE: u32 = u32::MAX;
    let mut next = vec![NONE; stride];
    let mut out: Vec<Vec<(u32, u32)>> = vec![Vec::new()];
    for (pid, p) in patterns.iter().enumerate() {
        let mut s = 0usize;
        for b in p.bytes() {
            let at = s * stride + classes[b as usize] as usize;
            if next[at] == NONE {
                next[at] = out.len() as u32;
                out.push(Vec::new());
                next.resize(out.len() * stride, NONE);
            }
            s = next[at] as usize;
        }
        out[s].push((pid as u32, p.len() as u32));
    }
    let mut fail = vec![0usize; out.len()];
    let mut queue = std::collections::VecDeque::new();
    for entry in next.iter_mut().take(stride) {
        match *entry {
            NONE => *entry = 0,
            t => queue.push_back(t as usize),
        }
    }
    while let Some(s) = queue.pop_front() {
        for c in 0..stride {
            let via_fail = next[fail[s] * stride + c];
            match next[s * stride + c] {
                NONE => next[s * stride + c] = via_fail,
                t => {
                    let t = t as usize;
                    fail[t] = via_fail as usize;
                    let inherited = out[fail[t]].clone();
                    out[t].extend(inherited);
                    queue.push_back(t);
                }
            }
        }
    }
    (next, out)
}

impl KeywordSearcher {
    /// `patterns` must be non-empty byte strings.
    pub fn new(patterns: &[String]) -> Self {
        let mut classes = [0u8; 256];
        let mut reps: Vec<u8> = vec![0]; // a representative byte of each class
        for p in patterns {
            for b in p.bytes() {
                let lower = b.to_ascii_lowercase();
                if classes[lower as usize] == 0 {
                    let c = reps.len() as u8;
                    classes[lower as usize] = c;
                    classes[lower.to_ascii_uppercase() as usize] = c;
                    reps.push(lower);
                }
            }
        }
        // Class 0 stands for bytes in no keyword: any of them is a representative.
        reps[0] = (0..=255u8).find(|&b| classes[b as usize] == 0).unwrap_or(0);
        let stride = reps.len();
        if patterns.is_empty() {
            let table = Table::new(&vec![0; stride], stride, 1);
            return KeywordSearcher {
                classes,
                stride,
                start: table.row(0),
                first_match: table.first_match,
                match_bit: table.match_bit,
                table: table.entries,
                outputs: Vec::new(),
                max_len: 1,
            };
        }
        let (next_of, own) = trie_dfa(patterns, &classes, stride);
        let states = own.len();
        // New numbering: states without a match first.
        let (plain, matching): (Vec<usize>, Vec<usize>) =
            (0..states).partition(|&i| own[i].is_empty());
        let mut new_id = vec![0usize; states];
        for (new, &old) in plain.iter().chain(&matching).enumerate() {
            new_id[old] = new;
        }
        let mut trans = vec![0u32; states * stride];
        let mut outputs = vec![Vec::new(); matching.len()];
        for (old, out) in own.into_iter().enumerate() {
            let row = new_id[old] * stride;
            for class in 0..stride {
                let next = next_of[old * stride + class] as usize;
                trans[row + class] = (new_id[next] * stride) as u32;
            }
            if !out.is_empty() {
                outputs[new_id[old] - plain.len()] = out;
            }
        }
        let table = Table::new(&trans, stride, plain.len());
        KeywordSearcher {
            classes,
            stride,
            start: table.row(new_id[0]),
            first_match: table.first_match,
            match_bit: table.match_bit,
            table: table.entries,
            outputs,
            max_len: patterns.iter().map(|p| p.len()).max().unwrap_or(1),
        }
    }

    /// The length of the longest keyword (at least 1).
    pub fn max_len(&self) -> usize {
        self.max_len.max(1)
    }

    #[inline(always)]
    fn step(&self, state: usize, byte: u8) -> usize {
        let class = self.classes[byte as usize] as usize;
        // SAFETY: every state (`start` and every table entry, all set in `new` by `addresses`)
        // is the address of a row start inside `table`, a row has `stride` entries and every
        // class is `< stride`, so the entry read is inside `table`, which is never written or
        // moved after `new` and lives as long as `self`. The pointer takes its provenance from
        // `table` itself.
        unsafe { *self.table.as_ptr().with_addr(state).add(class) }
    }

    /// Every keyword occurrence in `text`, into `out` (cleared), in order of where they end.
    pub fn find_all(&self, text: &[u8], out: &mut Hits) {
        out.all.clear();
        // Lanes overlap by `max_len - 1` bytes: not worth it for a text only a few keywords long.
        if text.len() < LANE_MIN.max(8 * self.max_len) {
            let mut s = self.start;
            for (at, &b) in text.iter().enumerate() {
                s = self.step(s, b);
                if s & self.match_bit != 0 {
                    self.emit(at, s, &mut out.all);
                }
            }
        } else {
            self.find_lanes(text, out);
            // Each lane's hits are in order and lanes own consecutive parts of the text.
            for lane in &mut out.later {
                out.all.append(lane);
            }
        }
    }

    fn find_lanes(&self, text: &[u8], out: &mut Hits) {
        // Lane k reads `text[k * d..k * d + len]`: equally spaced and all of one length, so
        // one loop with no per-lane tail covers them. The last lane ends at the end of the
        // text; each lane reads `max_len - 1` bytes into the next one's part (and a little more
        // from rounding), so a keyword across a boundary is seen whole. Lane k owns the matches
        // ending in `[own(k), own(k + 1))`.
        let n = text.len();
        let overlap = self.max_len - 1;
        let d = (n - overlap) / LANES;
        let len = n - (LANES - 1) * d;
        debug_assert!(len >= d + overlap);
        let lanes = Lanes { d, overlap, n };
        let mut states = [self.start; LANES];
        let p = text.as_ptr();
        let mut at = 0;
        loop {
            // SAFETY: `len + 3 * d == n`, the length of the text at `p`.
            let (stop, hit) = unsafe { self.run_lanes(&mut states, p, d, at, len) };
            if hit {
                self.lane_hits(&lanes, stop, states, out);
            }
            if stop >= len {
                break;
            }
            at = stop + 1;
        }
    }

    /// Step the four lanes over their bytes `at..len` (lane k's bytes start at `p + k * d`)
    /// until one of them reaches a match state: then `(where, true)`, `where` being the byte
    /// just stepped over; else `(len, false)`.
    ///
    /// Out of line and given only what the loop needs: with the hit handling or the hits'
    /// buffers in the same function, the register allocator had to keep more alive than x86-64
    /// has registers, and depending on the build it spilled two lane states to the stack
    /// (every step then waited on a store and a reload: 22% of a tree scan became 28%). Eight
    /// input bytes of a lane come in one load.
    ///
    /// # Safety
    /// `p[..len + 3 * d]` must be readable.
    #[inline(never)]
    unsafe fn run_lanes(
        &self,
        states: &mut [usize; LANES],
        p: *const u8,
        d: usize,
        mut at: usize,
        len: usize,
    ) -> (usize, bool) {
        let [mut s0, mut s1, mut s2, mut s3] = *states;
        let match_bit = self.match_bit;
        // SAFETY (all reads): `i + 8 <= len` for words, `i < len` for bytes, and lane 3 reads
        // at `i + 3 * d`, inside `p[..len + 3 * d]`.
        let word = |i: usize| unsafe { std::ptr::read_unaligned(p.add(i) as *const u64) };
        while at + 8 <= len {
            let (mut a, mut b, mut c, mut e) =
                (word(at), word(at + d), word(at + 2 * d), word(at + 3 * d));
            for j in 0..8 {
                s0 = self.step(s0, a as u8);
                s1 = self.step(s1, b as u8);
                s2 = self.step(s2, c as u8);
                s3 = self.step(s3, e as u8);
                a >>= 8;
                b >>= 8;
                c >>= 8;
                e >>= 8;
                if (s0 | s1 | s2 | s3) & match_bit != 0 {
                    *states = [s0, s1, s2, s3];
                    return (at + j, true);
                }
            }
            at += 8;
        }
        while at < len {
            let q = unsafe { p.add(at) };
            let (a, b, c, e) = unsafe { (*q, *q.add(d), *q.add(2 * d), *q.add(3 * d)) };
            s0 = self.step(s0, a);
            s1 = self.step(s1, b);
            s2 = self.step(s2, c);
            s3 = self.step(s3, e);
            if (s0 | s1 | s2 | s3) & match_bit != 0 {
                *states = [s0, s1, s2, s3];
                return (at, true);
            }
            at += 1;
        }
        *states = [s0, s1, s2, s3];
        (len, false)
    }

    #[cold]
    #[inline(never)]
    fn lane_hits(&self, lanes: &Lanes, i: usize, s: [usize; LANES], out: &mut Hits) {
        for (k, st) in s.into_iter().enumerate() {
            if st & self.match_bit != 0 {
                let at = k * lanes.d + i;
                if at >= lanes.own(k) && at < lanes.own(k + 1) {
                    let lane = match k {
                        0 => &mut out.all,
                        k => &mut out.later[k - 1],
                    };
                    self.emit(at, st, lane);
                }
            }
        }
    }

    /// The keywords that end at byte `last` in match state `s`.
    fn emit(&self, last: usize, s: usize, out: &mut Vec<Hit>) {
        let m = (s - self.first_match) / (self.stride * std::mem::size_of::<usize>());
        for &(pattern, len) in &self.outputs[m] {
            out.push(Hit {
                start: last + 1 - len as usize,
                end: last + 1,
                pattern: pattern as usize,
            });
        }
    }
}

/// The transition table with row addresses for entries, laid out so that one address bit
/// tells the rows of match states from the others.
struct Table {
    entries: Box<[usize]>,
    /// Address of row 0.
    base: usize,
    /// Address of the first match state's row.
    first_match: usize,
    match_bit: usize,
    row_bytes: usize,
    /// Rows below this number are states without a match.
    plain: usize,
}

impl Table {
    /// `trans`: for each state, `stride` next-state numbers premultiplied by `stride`; states
    /// `plain..` end a keyword. Rows `..plain` go at `base`, the others at `base + split`,
    /// where `base` is aligned to `2 * split` and each group fits in `split` bytes (a power
    /// of two): so `split` is the match bit. The gap in between is allocated, never touched.
    fn new(trans: &[u32], stride: usize, plain: usize) -> Table {
        const W: usize = std::mem::size_of::<usize>();
        let row_bytes = stride * W;
        let rows = trans.len() / stride;
        let split = (plain.max(rows - plain).max(1) * row_bytes).next_power_of_two();
        // Room to align a start to `2 * split` and hold both groups after it.
        let mut entries = vec![0usize; 4 * split / W].into_boxed_slice();
        let ptr = entries.as_ptr().addr();
        let base = (ptr + 2 * split - 1) & !(2 * split - 1);
        let table = Table {
            base,
            first_match: base + split,
            match_bit: split,
            row_bytes,
            plain,
            entries: Box::default(),
        };
        for r in 0..rows {
            let at = (table.row(r) - ptr) / W;
            for c in 0..stride {
                entries[at + c] = table.row(trans[r * stride + c] as usize / stride);
            }
        }
        Table { entries, ..table }
    }

    /// The address of row `r`.
    fn row(&self, r: usize) -> usize {
        if r < self.plain {
            self.base + r * self.row_bytes
        } else {
            self.first_match + (r - self.plain) * self.row_bytes
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aho_corasick::AhoCorasickBuilder;

    /// The crate's own overlapping search is the reference.
    fn reference(patterns: &[String], text: &[u8]) -> Vec<Hit> {
        let ac = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(patterns)
            .unwrap();
        let mut hits: Vec<Hit> = ac
            .find_overlapping_iter(text)
            .map(|m| Hit {
                start: m.start(),
                end: m.end(),
                pattern: m.pattern().as_usize(),
            })
            .collect();
        hits.sort_unstable_by_key(|h| (h.start, h.end));
        hits
    }

    /// The hits, checked to come in order of their ends, sorted as `reference` sorts.
    fn sorted(hits: &Hits) -> Vec<Hit> {
        let mut out = hits.as_slice().to_vec();
        assert!(out.windows(2).all(|w| w[0].end <= w[1].end), "{out:?}");
        out.sort_unstable_by_key(|h| (h.start, h.end));
        out
    }

    fn pats(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn finds_overlapping_and_nested_keywords_in_any_case() {
        let p = pats(&["pass", "password", "word", "AKIA", "sword"]);
        let text = b"my PassWord is akia and swordfish";
        let mut hits = Hits::default();
        KeywordSearcher::new(&p).find_all(text, &mut hits);
        let out = sorted(&hits);
        assert_eq!(out, reference(&p, text));
        let found: Vec<&str> = out.iter().map(|h| p[h.pattern].as_str()).collect();
        assert_eq!(
            found,
            ["pass", "password", "sword", "word", "AKIA", "sword", "word"]
        );
    }

    #[test]
    fn lanes_agree_with_the_reference_across_every_cut() {
        // Long enough for several lanes; keywords placed on and around the cut points.
        let p = pats(&["secret_access_key", "key", "pass", "://", "q~", "eyj"]);
        let mut text = Vec::new();
        let mut seed = 7u32;
        while text.len() < 3 * LANE_MIN + 1000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            match seed >> 28 {
                0 => text.extend_from_slice(b"SECRET_ACCESS_KEY"),
                1 => text.extend_from_slice(b"pAsS"),
                2 => text.extend_from_slice(b"http://"),
                3 => text.extend_from_slice(b"8Q~"),
                4 => text.extend_from_slice(b"eyJ"),
                _ => text.push(b"abcdefgh \n_-:"[(seed >> 16) as usize % 13]),
            }
        }
        let s = KeywordSearcher::new(&p);
        let mut out = Hits::default();
        // Every length around the lane threshold and each cut moves the cuts over keywords.
        for len in (LANE_MIN - 40..text.len()).step_by(3) {
            s.find_all(&text[..len], &mut out);
            assert_eq!(sorted(&out), reference(&p, &text[..len]), "length {len}");
        }
    }

    #[test]
    fn the_builtin_keywords_agree_with_the_reference() {
        // Every built-in rule's keywords (shared prefixes, nested and repeated keywords), over
        // text made of those keywords, their pieces, in mixed case, and separators.
        let set = crate::rules::RuleSet::builtin().expect("built-in rules load");
        let p: Vec<String> = set
            .rules
            .iter()
            .flat_map(|r| r.spec.keywords.iter().cloned())
            .collect();
        let mut text = Vec::new();
        let mut seed = 11u32;
        while text.len() < 200_000 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let k = p[(seed >> 8) as usize % p.len()].as_bytes();
            let cut = (seed >> 4) as usize % (k.len() + 1);
            let piece = if seed & 1 == 0 { k } else { &k[..cut] };
            for &b in piece {
                text.push(if seed & 2 == 0 {
                    b
                } else {
                    b.to_ascii_uppercase()
                });
            }
            text.push(b" _-.=:\n"[(seed >> 20) as usize % 7]);
        }
        let s = KeywordSearcher::new(&p);
        let mut out = Hits::default();
        s.find_all(&text, &mut out);
        assert_eq!(sorted(&out), reference(&p, &text));
        s.find_all(&text[..300], &mut out);
        assert_eq!(sorted(&out), reference(&p, &text[..300]));
    }

    #[test]
    fn no_keywords_finds_nothing() {
        let mut out = Hits::default();
        out.all.push(Hit {
            start: 0,
            end: 1,
            pattern: 0,
        });
        KeywordSearcher::new(&[]).find_all(&[b'a'; 10_000], &mut out);
        assert!(out.as_slice().is_empty());
    }
}
