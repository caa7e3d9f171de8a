//! Reading an input and scanning it, in bounded chunks when it is longer than one: memory
//! stays at a chunk and its overlap whatever `--max-file-size` allows (a 2 GB file was read
//! whole, 2.1 GB of memory; so was 1 GB of stdin).
//!
//! Consecutive chunks overlap by at least `overlap` bytes, cut at a line start where one is
//! near. A finding is reported by the chunk in which it starts before the middle of the
//! overlap with the next chunk, and by the next chunk otherwise, so every finding has half the
//! overlap of context on either side (a pair's partner a few lines away, the rest of a
//! private key block) and none is reported twice. Line numbers and columns are made the
//! input's own.
//!
//! An input that fits one chunk is read and scanned exactly as before (one fill of the
//! reusable aligned buffer, one `scan_blob`): the normal path does no extra work.

use std::io::Read;
use std::sync::atomic::Ordering;

use crate::blob;
pub use crate::context::Chunking;
use crate::context::{keep_most_confident, ScanContext};
use crate::finding::Finding;
use crate::matcher::BlobOutcome;
use crate::sources::read_buffer::ReadBuffer;
use crate::sources::{archive, scan_blob};

/// Read `input` (at most `max` bytes) into `buf` and scan it as `path`: its findings as the
/// configuration keeps them, or `None` when it is longer than `max` (nothing is reported of
/// it then, as for a file skipped unread).
pub fn scan_reader(
    ctx: &ScanContext<'_>,
    path: &str,
    input: &mut impl Read,
    buf: &mut ReadBuffer,
    max: u64,
    chunking: Chunking,
) -> std::io::Result<Option<Vec<Finding>>> {
    let chunk = chunking.chunk.max(1) as u64;
    if buf.fill(input, max.min(chunk))? {
        return Ok(Some(scan_blob(ctx, path, buf.bytes())));
    }
    if max <= chunk {
        return Ok(None);
    }
    stream(ctx, path, input, buf, max, chunking)
}

/// Where a chunk starts in the input: the line of its first byte, and the bytes of that line
/// before it (0 when the chunk starts a line).
#[derive(Clone, Copy)]
struct Origin {
    line: u32,
    column: u32,
}

impl Origin {
    /// The input's (line, column) of the chunk's (line, column).
    fn place(self, line: u32, column: u32) -> (u32, u32) {
        if line <= 1 {
            (self.line, column + self.column)
        } else {
            (self.line + line - 1, column)
        }
    }

    /// The input's (line, column) of byte `at` of `chunk`.
    fn of(self, chunk: &[u8], at: usize) -> (u32, u32) {
        let ls = blob::line_start(chunk, at);
        self.place(blob::line_of(chunk, at), (at - ls) as u32 + 1)
    }

    /// The finding moved from the chunk's coordinates to the input's.
    fn apply(self, f: &mut Finding) {
        let end_line = self.place(f.end_line, 1).0;
        (f.line, f.column) = self.place(f.line, f.column);
        f.end_line = end_line;
        if let Some(p) = f.pair.as_mut() {
            p.line = self.place(p.line, 1).0;
        }
    }
}

fn stream(
    ctx: &ScanContext<'_>,
    path: &str,
    input: &mut impl Read,
    buf: &mut ReadBuffer,
    max: u64,
    chunking: Chunking,
) -> std::io::Result<Option<Vec<Finding>>> {
    let Chunking { chunk, overlap } = chunking;
    let overlap = overlap.max(1);
    // `buf` holds the first chunk, and one byte more: the input goes on.
    let mut total = buf.bytes().len() as u64;
    let mut ended = false;
    let mut origin = Origin { line: 1, column: 0 };
    // Findings before this place were reported by the chunk before.
    let mut report_from: Option<(u32, u32)> = None;
    let mut found = Vec::new();
    let (mut total_found, mut left_out) = (0, 0);
    let mut first = true;
    loop {
        if total > max {
            return Ok(None);
        }
        let data = buf.bytes();
        // The next chunk starts at `keep`; this one reports what starts before `middle`.
        let next = (!ended).then(|| {
            let cut = data.len().saturating_sub(overlap);
            let ls = blob::line_start(data, cut);
            let keep = if cut - ls <= overlap { ls } else { cut };
            let middle = keep + (data.len() - keep) / 2;
            (keep, origin.of(data, middle))
        });
        let mut chunk_found = if first {
            // An archive must be held whole to be opened: one longer than a chunk is noted.
            if archive::note_unopened_chunked(ctx, path, data) {
                count(ctx, total);
                return Ok(Some(Vec::new()));
            }
            match ctx.matcher.scan_bytes(path, data) {
                BlobOutcome::Binary => {
                    count(ctx, total);
                    ctx.stats.skipped_binary.fetch_add(1, Ordering::Relaxed);
                    return Ok(Some(Vec::new()));
                }
                BlobOutcome::Scanned(f) => f,
            }
        } else {
            ctx.matcher.scan_text(path, data)
        };
        for f in &mut chunk_found {
            origin.apply(f);
        }
        let before = next.map(|(_, m)| m);
        let reported = chunk_found.into_iter().filter(|f| {
            let at = (f.line, f.column);
            report_from.is_none_or(|r| at >= r) && before.is_none_or(|b| at < b)
        });
        let was = found.len();
        found.extend(reported);
        // Bounded as it grows: memory is the limit's, not the file's.
        total_found += found.len() - was;
        left_out += keep_most_confident(&mut found, ctx.max_findings_per_file);
        let Some((keep, middle)) = next else {
            break;
        };
        let start = origin.of(data, keep);
        origin = Origin {
            line: start.0,
            column: start.1 - 1,
        };
        report_from = Some(middle);
        first = false;
        buf.keep_from(keep);
        let held = buf.bytes().len();
        ended = buf.fill_to(input, held.saturating_add(chunk))?;
        total += (buf.bytes().len() - held) as u64;
    }
    count(ctx, total);
    ctx.note_unlisted(path, total_found, left_out);
    Ok(Some(ctx.keep(found)))
}

fn count(ctx: &ScanContext<'_>, bytes: u64) {
    ctx.stats.files.fetch_add(1, Ordering::Relaxed);
    ctx.stats.bytes.fetch_add(bytes, Ordering::Relaxed);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::matcher::Matcher;
    use crate::rules::RuleSet;
    use std::path::Path;

    /// xorshift64*: the test's inputs are random but the same on every run.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: usize) -> usize {
            (self.next() % n.max(1) as u64) as usize
        }
    }

    /// Hands out a few bytes a call, like a pipe.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = buf.len().min(self.1).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    type Seen = Vec<(String, u32, u32, u32, String, Option<u32>)>;

    fn scan(m: &Matcher, text: &[u8], chunking: Chunking) -> Seen {
        let config = Config::default();
        let mut ctx = ScanContext::new(m, &config);
        ctx.max_file_size = u64::MAX;
        ctx.chunking = chunking;
        let mut buf = ReadBuffer::default();
        let found = scan_reader(
            &ctx,
            "x.txt",
            &mut Trickle(text, 5000),
            &mut buf,
            u64::MAX,
            chunking,
        )
        .unwrap()
        .unwrap();
        let mut seen: Seen = found
            .into_iter()
            .map(|f| {
                let pair = f.pair.map(|p| p.line);
                (f.rule_id, f.line, f.column, f.end_line, f.secret, pair)
            })
            .collect();
        seen.sort();
        seen
    }

    /// The corpus files with findings (AWS keys and pairs, private key blocks, passwords).
    fn samples() -> Vec<Vec<u8>> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus");
        let mut out = Vec::new();
        for family in ["aws", "private-keys", "databases"] {
            let mut dirs = vec![root.join(family)];
            while let Some(d) = dirs.pop() {
                let mut entries: Vec<_> = std::fs::read_dir(&d).unwrap().flatten().collect();
                entries.sort_by_key(|e| e.path());
                for e in entries {
                    let p = e.path();
                    if p.is_dir() {
                        dirs.push(p);
                    } else if !p.ends_with("EXPECTED.toml") {
                        out.push(std::fs::read(&p).unwrap());
                    }
                }
            }
        }
        out
    }

    const WORDS: &[&str] = &[
        "user", "order", "config", "value", "list", "map", "build", "= 1", "{",
    ];

    fn filler(rng: &mut Rng, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 64);
        while out.len() < len {
            for _ in 0..1 + rng.below(12) {
                out.extend_from_slice(WORDS[rng.below(WORDS.len())].as_bytes());
                out.push(b' ');
            }
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn a_planted_secret_is_found_at_any_offset_and_across_chunk_boundaries() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let whole = Chunking {
            chunk: usize::MAX,
            overlap: 1,
        };
        let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
        let samples: Vec<(Vec<u8>, Seen)> = samples()
            .into_iter()
            .filter(|s| s.len() < 6000)
            .map(|s| {
                let seen = scan(&m, &s, whole);
                (s, seen)
            })
            .filter(|(_, seen)| !seen.is_empty())
            .collect();
        assert!(samples.len() > 20, "{} corpus samples", samples.len());
        for round in 0..60 {
            let (sample, alone) = &samples[rng.below(samples.len())];
            let chunking = Chunking {
                chunk: 2048 + rng.below(14_000),
                overlap: 8192,
            };
            let len = 20_000 + rng.below(60_000);
            let mut text = filler(&mut rng, len);
            // Every other round right at a chunk boundary, else anywhere, even mid-line.
            let at = if round % 2 == 0 {
                let k = 1 + rng.below(text.len() / chunking.chunk);
                (k * chunking.chunk + rng.below(600)).saturating_sub(300)
            } else {
                rng.below(text.len())
            }
            .min(text.len());
            let planted = [b"\n", &sample[..], b"\n"].concat();
            text.splice(at..at, planted);
            let expected = scan(&m, &text, whole);
            for f in alone {
                assert!(
                    expected.iter().any(|g| g.0 == f.0 && g.4 == f.4),
                    "round {round}: {f:?} planted at {at} not found in the whole text"
                );
            }
            assert_eq!(
                scan(&m, &text, chunking),
                expected,
                "round {round}: planted at {at}, {chunking:?}"
            );
        }
    }

    #[test]
    fn a_long_line_is_cut_and_columns_stay_right() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let mut rng = Rng(7);
        // One line of 300 KB with key ids at random columns; chunks of 16 KiB.
        let mut line = Vec::new();
        while line.len() < 300_000 {
            let words = filler(&mut rng, 40);
            line.extend(
                words[..30]
                    .iter()
                    .map(|&b| if b == b'\n' { b' ' } else { b }),
            );
            if rng.below(20) == 0 {
                let id: String = (0..16)
                    .map(|_| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng.below(32)] as char)
                    .collect();
                line.extend_from_slice(format!(" AKIAQ{} ", &id[1..]).as_bytes());
            }
        }
        let whole = scan(
            &m,
            &line,
            Chunking {
                chunk: usize::MAX,
                overlap: 1,
            },
        );
        assert!(whole.len() > 10, "{} findings", whole.len());
        let cut = scan(
            &m,
            &line,
            Chunking {
                chunk: 16 << 10,
                overlap: 4096,
            },
        );
        assert_eq!(cut, whole);
    }

    /// Bounded chunk by chunk, a file keeps the findings that bounding it whole keeps.
    #[test]
    fn the_findings_limit_keeps_the_same_findings_cut_or_whole() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let config = Config::default();
        let mut rng = Rng(11);
        // Key ids and weak passwords at random places in 120 KB of filler.
        let mut text = filler(&mut rng, 120_000);
        for n in 0..300 {
            let at = crate::blob::line_start(&text, rng.below(text.len()));
            let id: String = (0..15)
                .map(|_| b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[rng.below(32)] as char)
                .collect();
            let line = if n % 3 == 0 {
                format!("key = AKIAQ{id}\n")
            } else {
                format!("password = \"{}{n}\"\n", &id[..9])
            };
            text.splice(at..at, line.into_bytes());
        }
        let run = |chunking: Chunking, limit: usize| {
            let mut ctx = ScanContext::new(&m, &config);
            ctx.max_file_size = u64::MAX;
            ctx.max_findings_per_file = limit;
            let mut buf = ReadBuffer::default();
            let found = scan_reader(&ctx, "x.txt", &mut &text[..], &mut buf, u64::MAX, chunking)
                .unwrap()
                .unwrap();
            let unlisted = ctx.stats.unlisted.load(Ordering::Relaxed);
            let seen: Vec<(String, u32, u32, String)> = found
                .into_iter()
                .map(|f| (f.rule_id, f.line, f.column, f.secret))
                .collect();
            (seen, unlisted)
        };
        let whole = Chunking {
            chunk: usize::MAX,
            overlap: 1,
        };
        let (all, none_left) = run(whole, 0);
        assert_eq!(none_left, 0);
        assert!(all.len() > 250, "{} findings", all.len());
        let limit = 60;
        let (bounded, unlisted) = run(whole, limit);
        assert_eq!(
            (bounded.len(), unlisted as usize),
            (limit, all.len() - limit)
        );
        for chunk in [4096, 10_000, 33_333] {
            let cut = Chunking {
                chunk,
                overlap: 2048,
            };
            assert_eq!(
                run(cut, limit),
                (bounded.clone(), unlisted),
                "chunks of {chunk}"
            );
        }
    }

    #[test]
    fn an_input_over_the_limit_reports_nothing() {
        let m = Matcher::new(RuleSet::builtin().unwrap());
        let config = Config::default();
        let ctx = ScanContext::new(&m, &config);
        // A key id made here, not written out (the project's own scan stays clean).
        let text = [
            &b"AKIA"[..],
            b"QYLPMN5HFIQR7XYZ\n",
            &filler(&mut Rng(3), 50_000),
        ]
        .concat();
        let chunking = Chunking {
            chunk: 4096,
            overlap: 1024,
        };
        let mut buf = ReadBuffer::default();
        let limit = text.len() as u64 - 1;
        let r = scan_reader(&ctx, "-", &mut &text[..], &mut buf, limit, chunking).unwrap();
        assert!(r.is_none());
        let r = scan_reader(&ctx, "-", &mut &text[..], &mut buf, limit + 1, chunking).unwrap();
        assert_eq!(r.unwrap().len(), 1);
    }
}
