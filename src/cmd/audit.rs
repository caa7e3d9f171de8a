//! `unleak audit --repos FILE|-`: the full history of every repository of a list (URLs or
//! paths), several at once, into one report (and a findings store). A repository that cannot
//! be cloned or scanned is an error line naming it; the others go on.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use unleak_scan::config::Config;
use unleak_scan::context::DEFAULT_MAX_FINDINGS_PER_FILE;
use unleak_scan::report::{self, Format, Style};
use unleak_scan::sources::history::{self, HistoryOptions, Progress};
use unleak_scan::sources::{self, ScanContext, StatsSummary};
use unleak_scan::{Confidence, Finding, Matcher};
use unleak_store::{AuditRecord, RepoState, Store};

use super::audit_settings::Limits;
use super::common::{build_matcher, load_config, parse_confidence};
use crate::output::{self, color_enabled, Output};
use crate::Outcome;

#[derive(Args)]
pub struct AuditArgs {
    /// The repositories: a file with one URL or path a line (`#` comments), `-` for stdin.
    #[arg(long, value_name = "FILE")]
    pub repos: PathBuf,

    /// How many repositories are cloned and scanned at once.
    #[arg(long, short = 'j', value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: u16,

    /// Only the I-th of N parts of the list (1-based; a repository's part is fixed by its URL),
    /// for workers that share one list (a Kubernetes Indexed Job, a CI matrix).
    #[arg(long, value_name = "I/N", value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,

    /// Output format.
    #[arg(long, short = 'f', default_value = "text", value_parser = ["text", "json", "jsonl", "sarif"])]
    pub format: String,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print secrets in full (they are redacted by default).
    #[arg(long)]
    pub show_secrets: bool,

    /// Skip blobs larger than this (e.g. 10M, 512k).
    #[arg(long, value_name = "SIZE", value_parser = super::common::parse_size, default_value = "50M")]
    pub max_file_size: u64,

    /// List at most N findings of one blob, the most confident (0: no limit); the number of
    /// the others is reported.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FINDINGS_PER_FILE)]
    pub max_findings_per_file: usize,

    /// Configuration applied to every repository (the repositories' own `.unleak.toml` files
    /// are never applied: audited code does not get to allowlist itself).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Findings below this confidence do not fail the audit and are left out of the text report.
    #[arg(long, value_name = "LEVEL", default_value = Confidence::DEFAULT_MINIMUM.as_str(), value_parser = parse_confidence)]
    pub min_confidence: Confidence,

    /// Print nothing on standard error but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub store: super::findings::StoreArg,
}

/// `I/N` with 1 ≤ I ≤ N.
fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("`{s}`: expected I/N with 1 <= I <= N (e.g. 2/4)");
    let (i, n) = s.split_once('/').ok_or_else(bad)?;
    let (i, n): (u64, u64) = (
        i.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    );
    if i == 0 || n == 0 || i > n {
        return Err(bad());
    }
    Ok((i, n))
}

/// Which of `n` parts `repo` belongs to (0-based): FNV-1a of its text, so every worker of a
/// shared list computes the same split and a repository added to the list moves no other.
pub fn shard_of(repo: &str, n: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in repo.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h % n
}

/// The most a repository list may hold (some 100,000 URLs).
const REPO_LIST_LIMIT: u64 = 16 * 1024 * 1024;

/// The list: one repository a line, blank lines and `#` comments skipped, duplicates once.
pub fn read_list(path: &Path) -> Result<Vec<String>> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .lock()
            .take(REPO_LIST_LIMIT + 1)
            .read_to_string(&mut s)
            .context("cannot read the repository list from stdin")?;
        anyhow::ensure!(
            s.len() as u64 <= REPO_LIST_LIMIT,
            "the repository list on stdin is over {} MiB",
            REPO_LIST_LIMIT >> 20
        );
        s
    } else {
        // Regular files only, bounded: a FIFO or /dev/zero must not hang the audit.
        unleak_scan::input_file::read_to_string(path, REPO_LIST_LIMIT)
            .with_context(|| format!("cannot read the repository list {}", path.display()))?
    };
    let mut seen = std::collections::HashSet::new();
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| seen.insert(l.to_string()))
        .map(str::to_string)
        .collect())
}

/// One repository's audit.
pub struct RepoAudit {
    /// The repository as reports name it (a URL without its password, or the path given).
    pub name: String,
    pub findings: Vec<Finding>,
    pub stats: StatsSummary,
    /// Objects (raw ids: commits diffed, blobs read) this scan finished that the store did not
    /// have: recorded, the next audit skips them. Whatever could not be read is not in it.
    pub scanned: Vec<Vec<u8>>,
    /// The ref tips scanned, when the scan read everything they reach: recorded, the next
    /// audit walks only what they do not reach.
    pub tips: Option<BTreeMap<String, String>>,
    /// Every ref tip as the store's last complete audit left it, under the same settings:
    /// nothing was walked or read.
    pub unchanged: bool,
}

/// Clone or fetch `repo` and scan its whole history; with `store`, incrementally: nothing at
/// all when its ref tips are those of the last complete audit under the same settings, else
/// only the commits those tips do not reach, and of those only the objects not scanned before.
pub fn audit_one(
    repo: &str,
    matcher: &Matcher,
    config: &Config,
    limits: Limits,
    quiet: bool,
    store: Option<&Prior<'_>>,
) -> Result<RepoAudit> {
    let started = Instant::now();
    let (local, name) = crate::remote::local_repo(Path::new(repo), quiet)?;
    let on_warning = |m: &str| {
        if !quiet {
            output::warn(&format!("{name}: {m}"));
        }
    };
    let mut opts = HistoryOptions::default();
    let mut known = None;
    let mut tips = None;
    if let Some(p) = store {
        let now = history::ref_tips(&local)?;
        let state = p.trusted_state(&name)?;
        if state.as_ref().is_some_and(|s| s.tips == now) {
            return Ok(RepoAudit {
                name,
                findings: Vec::new(),
                stats: StatsSummary {
                    commits: Some(0),
                    duration_ms: started.elapsed().as_millis() as u64,
                    ..StatsSummary::default()
                },
                scanned: Vec::new(),
                tips: None,
                unchanged: true,
            });
        }
        if let Some(state) = state {
            let mut hide: Vec<String> = state.tips.into_values().collect();
            hide.sort_unstable();
            hide.dedup();
            opts.scanned_tips = hide;
            known = Some(p.known(&name)?);
        }
        tips = Some(now);
    }
    let known = known.unwrap_or_default();
    let new_objects = Mutex::new(Vec::new());
    let wants = |id: &[u8]| {
        let skip = known.contains(id);
        if !skip {
            new_objects
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(id.to_vec());
        }
        !skip
    };
    let mut ctx = ScanContext::new(matcher, config);
    ctx.max_file_size = limits.max_file_size;
    ctx.max_findings_per_file = limits.max_findings_per_file;
    ctx.on_warning = &on_warning;
    if store.is_some() {
        ctx.wants = Some(&wants);
    }
    let out = history::scan(&ctx, &local, &opts, &Progress::default())?;
    let mut stats = ctx.stats.summary(started.elapsed());
    stats.commits = Some(out.commits);
    let unfinished = ctx
        .unfinished
        .into_inner()
        .unwrap_or_else(|p| p.into_inner());
    let mut scanned = new_objects.into_inner().unwrap_or_else(|p| p.into_inner());
    scanned.retain(|id| !unfinished.contains(id));
    Ok(RepoAudit {
        name,
        findings: out.findings,
        // Tips only after a scan that read everything: what a damaged scan missed is walked
        // again next time (its finished objects are skipped then all the same).
        tips: tips.filter(|_| stats.errors == 0),
        stats,
        scanned,
        unchanged: false,
    })
}

/// An audit's view of the store, for incremental audits: what it recorded of a repository,
/// trusted only when it was recorded under this audit's settings (rules, configuration,
/// limits, version: [`super::audit_settings::digest`]).
pub struct Prior<'a> {
    pub store: &'a Mutex<Store>,
    pub settings: &'a str,
}

impl Prior<'_> {
    fn lock(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The stored state of `name`, if made under these settings.
    fn trusted_state(&self, name: &str) -> Result<Option<RepoState>> {
        Ok(self
            .lock()
            .repo_state(name)?
            .filter(|s| s.settings == self.settings))
    }

    fn known(&self, name: &str) -> Result<HashSet<Vec<u8>>> {
        Ok(self.lock().scanned_objects(name)?)
    }
}

/// Audit every repository of `repos`, `jobs` at a time; each result (or error) goes to
/// `done` as it comes, in no fixed order.
pub fn audit_all(
    repos: &[String],
    jobs: usize,
    one: &(dyn Fn(&str) -> Result<RepoAudit> + Sync),
    done: &(dyn Fn(&str, Result<RepoAudit>) + Sync),
) {
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..jobs.min(repos.len()) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(repo) = repos.get(i) else { break };
                done(repo, one(repo));
            });
        }
    });
}

fn add(total: &mut StatsSummary, s: &StatsSummary) {
    total.files += s.files;
    total.bytes += s.bytes;
    total.skipped_binary += s.skipped_binary;
    total.skipped_large += s.skipped_large;
    total.skipped_allowlisted += s.skipped_allowlisted;
    total.skipped_archive += s.skipped_archive;
    total.archive_members += s.archive_members;
    total.errors += s.errors;
    total.packed_blobs += s.packed_blobs;
    total.unlisted += s.unlisted;
    total.commits = Some(total.commits.unwrap_or(0) + s.commits.unwrap_or(0));
}

pub fn run(args: AuditArgs) -> Result<Outcome> {
    let started = Instant::now();
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    let mut repos = read_list(&args.repos)?;
    if repos.is_empty() {
        bail!("no repositories in {}", args.repos.display());
    }
    if let Some((i, n)) = args.shard {
        repos.retain(|r| shard_of(r, n) == i - 1);
        if !args.quiet {
            output::note(&format!("shard {i}/{n}: {} repositories", repos.len()));
        }
    }
    let config = match &args.config {
        Some(p) => load_config(Some(p), Path::new("."))?,
        None => Config::default(),
    };
    let matcher = build_matcher(&config)?;
    let limits = Limits {
        max_file_size: args.max_file_size,
        max_findings_per_file: args.max_findings_per_file,
    };
    let settings = super::audit_settings::digest(args.config.as_deref(), limits)?;
    let store = args.store.open()?.map(Mutex::new);
    let false_positives = match &store {
        Some(s) => s
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .false_positives()?,
        None => HashSet::new(),
    };
    let prior = store.as_ref().map(|store| Prior {
        store,
        settings: &settings,
    });
    let results: Mutex<Vec<RepoAudit>> = Mutex::new(Vec::new());
    let failed = AtomicUsize::new(0);
    let one = |r: &str| {
        let a = audit_one(r, &matcher, &config, limits, args.quiet, prior.as_ref())?;
        if let (Some(s), false) = (&store, a.unchanged) {
            s.lock().unwrap_or_else(|p| p.into_inner()).record_audit(
                &a.name,
                &AuditRecord {
                    findings: &a.findings,
                    settings: &settings,
                    scanned: &a.scanned,
                    tips: a.tips.as_ref(),
                },
            )?;
        }
        Ok(a)
    };
    let done = |repo: &str, res: Result<RepoAudit>| match res {
        Ok(mut a) => {
            a.findings
                .retain(|f| !false_positives.contains(&f.fingerprint()));
            results.lock().unwrap_or_else(|p| p.into_inner()).push(a)
        }
        Err(e) => {
            failed.fetch_add(1, Ordering::Relaxed);
            let name = crate::remote::RemoteUrl::parse(repo)
                .map_or_else(|| repo.to_string(), |u| u.display());
            output::message("error", &format!("{name}: {e:#}"));
        }
    };
    audit_all(&repos, usize::from(args.jobs), &one, &done);
    let failed = failed.into_inner();
    if !repos.is_empty() && failed == repos.len() {
        bail!("all {failed} repositories failed");
    }
    let mut audits = results.into_inner().unwrap_or_else(|p| p.into_inner());
    audits.sort_by(|a, b| a.name.cmp(&b.name));

    let mut stats = StatsSummary::default();
    let mut findings = Vec::new();
    for a in &audits {
        add(&mut stats, &a.stats);
        findings.extend(a.findings.iter().cloned().map(|mut f| {
            f.path = format!("{}:{}", a.name, f.path);
            f
        }));
    }
    stats.errors += failed as u64;
    stats.duration_ms = started.elapsed().as_millis() as u64;
    sources::sort_findings(&mut findings);
    report_all(&args, format, &findings, &stats, &matcher)?;
    if !args.quiet {
        output::note(&format!(
            "audited {} of {} repositories ({} unchanged, {failed} failed), {} commit(s), {} finding(s) in {} ms",
            audits.len(),
            repos.len(),
            audits.iter().filter(|a| a.unchanged).count(),
            stats.commits.unwrap_or(0),
            findings.len(),
            stats.duration_ms
        ));
    }
    let failing = findings.iter().any(|f| f.confidence >= args.min_confidence);
    Ok(Outcome::of_scan(failing, stats.errors))
}

fn report_all(
    args: &AuditArgs,
    format: Format,
    findings: &[Finding],
    stats: &StatsSummary,
    matcher: &Matcher,
) -> Result<()> {
    let mut out = Output::open(args.output.as_ref())?;
    let style = Style {
        show_secrets: args.show_secrets,
        color: color_enabled("auto", out.is_terminal),
    };
    let listed: Vec<Finding> = if format == Format::Text {
        findings
            .iter()
            .filter(|f| f.confidence >= args.min_confidence)
            .cloned()
            .collect()
    } else {
        findings.to_vec()
    };
    if format == Format::Jsonl {
        for f in &listed {
            report::json::write_line(out.writer(), f, style).context("cannot write the report")?;
        }
    } else {
        let root = report::sarif::SrcRoot {
            dir: None,
            paths_from: std::env::current_dir().context("cannot read the current directory")?,
        };
        report::write_located(
            out.writer(),
            format,
            &listed,
            stats,
            matcher.rules(),
            style,
            &root,
        )
        .context("cannot write the report")?;
    }
    out.writer().flush().context("cannot write the report")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_a_list_into_disjoint_covering_parts() {
        let repos: Vec<String> = (0..200)
            .map(|i| format!("https://h/org/r{i}.git"))
            .collect();
        for n in [1, 2, 4, 7] {
            let mut sizes = vec![0; n as usize];
            for r in &repos {
                sizes[shard_of(r, n) as usize] += 1;
            }
            assert_eq!(sizes.iter().sum::<usize>(), repos.len());
            assert!(sizes.iter().all(|&s| s > 0), "{n}: {sizes:?}");
        }
        assert_eq!(parse_shard("2/4"), Ok((2, 4)));
        for bad in ["0/4", "5/4", "x", "1/0", "1/"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }
}
