//! `unleak scan`: working trees, single files and stdin (git history: `--history`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use clap::Args;
use unleak_scan::baseline::Baseline;
use unleak_scan::config::Config;
use unleak_scan::context::DEFAULT_MAX_FINDINGS_PER_FILE;
use unleak_scan::report::{self, Format, Style};
use unleak_scan::sources::{self, stdin, tree, ScanContext};
use unleak_scan::{Confidence, Finding};

use super::common::{below_minimum_note, build_matcher, load_config, parse_confidence, parse_size};
use crate::output::{self, color_enabled, Output};
use crate::Outcome;

#[derive(Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` reads standard input.
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', default_value = "text", value_parser = ["text", "json", "jsonl", "sarif"])]
    pub format: String,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Print secrets in full (they are redacted by default).
    #[arg(long)]
    pub show_secrets: bool,

    /// SARIF: the directory artifact URIs are relative to (default: the scanned repository's top).
    #[arg(long, value_name = "DIR")]
    pub sarif_root: Option<PathBuf>,

    /// Also scan files that .gitignore ignores.
    #[arg(long)]
    pub no_ignore: bool,

    /// Skip files larger than this (e.g. 10M, 512k).
    // Shown as written (`50M`, not 52428800); a unit test ties it to DEFAULT_MAX_FILE_SIZE.
    #[arg(long, value_name = "SIZE", value_parser = parse_limit, default_value = DEFAULT_MAX_FILE_SIZE_SHOWN)]
    pub max_file_size: u64,

    /// List at most N findings of one file, the most confident (0: no limit); the number of
    /// the others is reported.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_FINDINGS_PER_FILE)]
    pub max_findings_per_file: usize,

    /// Configuration file (default: .unleak.toml at the scanned root or the git repo's top).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Use no configuration file at all, not even the scanned tree's own `.unleak.toml`
    /// (for audits of code you do not trust: its allowlists could hide its own secrets).
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Report only findings whose fingerprints are not in FILE.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,

    /// Record the current findings' fingerprints in FILE (and exit 0).
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,

    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,

    /// Findings below this confidence (illustrative passwords) do not fail the scan and are
    /// left out of the text report; JSON and SARIF list every finding with its confidence.
    #[arg(long, value_name = "LEVEL", default_value = Confidence::DEFAULT_MINIMUM.as_str(), value_parser = parse_confidence)]
    pub min_confidence: Confidence,

    /// Print nothing on standard error but errors.
    #[arg(long, short = 'q')]
    pub quiet: bool,

    #[command(flatten)]
    pub history: super::history::HistoryArgs,
    /// Record the findings in a findings store, and leave out what it has triaged as a false
    /// positive.
    #[command(flatten)]
    pub store: super::findings::StoreArg,
    #[cfg(feature = "aws")]
    #[command(flatten)]
    pub verify: super::verify::VerifyArgs,
}

/// The configuration of a scan. In-tree configuration is what the scanned code says about
/// itself, so it is not applied when that code is not yours to trust: with `--no-config`, and
/// by default for `--history` of a repository outside the current directory (one that neither
/// contains it nor lies inside it), where a note names the file left out; `--config FILE`
/// applies a file deliberately.
fn scan_config(args: &ScanArgs, root: &Path) -> Result<Config> {
    if args.no_config {
        return Ok(Config::default());
    }
    if args.config.is_none() && args.history.active() && is_foreign(root) {
        if let Some(found) = Config::locate(root) {
            if !args.quiet {
                eprintln!(
                    "unleak: note: {} is not applied: it belongs to the repository being audited, outside the current directory (use --config FILE to apply it)",
                    report::escape_control(&found.display().to_string())
                );
            }
        }
        return Ok(Config::default());
    }
    load_config(args.config.as_ref(), root)
}

/// Whether `path` is outside the current directory: neither contains it nor lies inside it.
fn is_foreign(path: &Path) -> bool {
    let (Ok(here), Ok(there)) = (std::env::current_dir(), path.canonicalize()) else {
        return true;
    };
    let here = here.canonicalize().unwrap_or(here);
    !(here.starts_with(&there) || there.starts_with(&here))
}

/// [`DEFAULT_MAX_FILE_SIZE`] as `--help` shows it.
const DEFAULT_MAX_FILE_SIZE_SHOWN: &str = "50M";

/// `--max-file-size`: 0 would skip every file and report a clean scan of nothing, so it is
/// refused (exit 2) rather than accepted.
fn parse_limit(s: &str) -> Result<u64, String> {
    match parse_size(s)? {
        0 => Err("must be at least 1 byte (0 would skip every file)".to_string()),
        n => Ok(n),
    }
}

pub fn run(args: ScanArgs) -> Result<Outcome> {
    let started = Instant::now();
    let format: Format = args.format.parse().map_err(anyhow::Error::msg)?;
    for p in &args.paths {
        let remote = args.history.active()
            && crate::remote::RemoteUrl::parse(&p.to_string_lossy()).is_some();
        if p.as_os_str() != "-" && !remote && std::fs::symlink_metadata(p).is_err() {
            bail!("{}: no such file or directory", p.display());
        }
    }
    let first_root = args
        .paths
        .iter()
        .find(|p| p.as_os_str() != "-")
        .cloned()
        .unwrap_or_else(|| PathBuf::from("."));
    let config = scan_config(&args, &first_root)?;
    let matcher = build_matcher(&config)?;
    if output::enabled(output::Level::Debug) {
        output::debug(&setup_note(&args, &first_root, matcher.rules().rules.len()));
    }
    let baseline = match &args.baseline {
        Some(p) => {
            let b = Baseline::load(p)
                .with_context(|| format!("cannot use baseline {}", p.display()))?;
            if !args.quiet {
                b.warnings(p).iter().for_each(|w| output::warn(w));
            }
            Some(b)
        }
        None => None,
    };
    if !args.quiet {
        config.warnings().iter().for_each(|w| output::warn(w));
    }

    let mut out = Output::open(args.output.as_ref())?;
    let style = Style {
        show_secrets: args.show_secrets,
        color: color_enabled(&args.color, out.is_terminal),
    };
    #[cfg(feature = "aws")]
    let verifying = args.verify.verify.is_some();
    #[cfg(not(feature = "aws"))]
    let verifying = false;
    // JSON Lines streams each finding as it is found (after judging, with --verify).
    let stream: Mutex<Option<&mut (dyn Write + Send)>> =
        Mutex::new(if format == Format::Jsonl && !verifying {
            Some(out.writer())
        } else {
            None
        });
    let stream_err: Mutex<Option<std::io::Error>> = Mutex::new(None);
    let on_finding = |f: &Finding| {
        let mut guard = stream.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(w) = guard.as_mut() {
            if let Err(e) = report::json::write_line(*w, f, style) {
                stream_err
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .get_or_insert(e);
            }
        }
    };
    let quiet = args.quiet;
    let on_warning = |m: &str| {
        if !quiet {
            output::warn(m);
        }
    };
    let (mut findings, mut stats, commits) = {
        let mut ctx = ScanContext::new(&matcher, &config);
        ctx.baseline = baseline.as_ref();
        ctx.max_file_size = args.max_file_size;
        ctx.max_findings_per_file = args.max_findings_per_file;
        ctx.on_finding = &on_finding;
        ctx.on_warning = &on_warning;

        let mut findings = Vec::new();
        let tree_opts = tree::TreeOptions {
            no_ignore: args.no_ignore,
        };
        let mut commits = None;
        if args.history.active() {
            let (found, n) = args.history.scan(&ctx, &args.paths, args.quiet)?;
            findings.extend(found);
            commits = Some(n).filter(|_| !args.history.staged);
        } else {
            for p in &args.paths {
                if p.as_os_str() == "-" {
                    findings.extend(stdin::scan(&ctx, std::io::stdin().lock())?);
                } else {
                    findings.extend(tree::scan(&ctx, Path::new(p), &tree_opts)?);
                }
            }
        }
        (findings, ctx.stats.summary(started.elapsed()), commits)
    };
    stats.commits = commits;
    if let Some(e) = stream_err.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e).context("cannot write the report");
    }
    sources::sort_findings(&mut findings);

    if let Some(path) = &args.write_baseline {
        let text = Baseline::render(&findings);
        std::fs::write(path, &text)
            .with_context(|| format!("cannot write baseline {}", path.display()))?;
        if !args.quiet {
            // What the file holds: one line per distinct fingerprint (a secret found in three
            // places is one entry), not the number of findings.
            let entries = text
                .lines()
                .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
                .count();
            output::note(&format!(
                "wrote {entries} fingerprint(s) to {} ({} finding(s))",
                path.display(),
                findings.len()
            ));
        }
        // A baseline of a scan that could not read everything may miss findings: say so.
        return Ok(Outcome::of_scan(false, stats.errors));
    }

    #[cfg(feature = "aws")]
    if let Some(families) = args.verify.verify {
        super::verify::annotate(
            &mut findings,
            &config,
            &args.verify.judge,
            families,
            args.quiet,
        )?;
        if format == Format::Jsonl {
            for f in &findings {
                report::json::write_line(out.writer(), f, style)
                    .context("cannot write the report")?;
            }
        }
    }

    if let Some(mut store) = args.store.open()? {
        store.record(&repo_name(&first_root), &findings)?;
        let fps = store.false_positives()?;
        findings.retain(|f| !fps.contains(&f.fingerprint()));
    }

    // The text report is for people deciding what to do: it lists what fails the scan. The
    // machine formats keep every finding, each with its confidence.
    let failing = findings
        .iter()
        .filter(|f| f.confidence >= args.min_confidence)
        .count();
    let listed: Vec<Finding>;
    let reported = if format == Format::Text && failing < findings.len() {
        listed = findings
            .iter()
            .filter(|f| f.confidence >= args.min_confidence)
            .cloned()
            .collect();
        &listed
    } else {
        &findings
    };
    let root = super::sarif_root::sarif_root(
        args.sarif_root.as_deref(),
        &args.paths,
        args.history.active(),
    )?;
    report::write_located(
        out.writer(),
        format,
        reported,
        &stats,
        matcher.rules(),
        style,
        &root,
    )
    .context("cannot write the report")?;
    if failing < findings.len() && !args.quiet {
        output::note(&below_minimum_note(
            findings.len() - failing,
            args.min_confidence,
            "do not fail the scan",
            if format == Format::Text {
                "`-f json` lists them with their confidence; `--min-confidence low` counts them"
            } else {
                "the report lists them with their confidence; `--min-confidence low` counts them"
            },
        ));
    }
    out.writer().flush().context("cannot write the report")?;
    output::debug(&format!(
        "{} file(s), {} byte(s), {} skipped as binary, {} over the size limit, {} allowlisted, in {} ms",
        stats.files,
        stats.bytes,
        stats.skipped_binary,
        stats.skipped_large,
        stats.skipped_allowlisted,
        stats.duration_ms
    ));
    if let (Some(path), false) = (&args.output, args.quiet) {
        output::note(&summary(&findings, &stats, path));
    }
    if stats.errors > 0 && !args.quiet {
        eprintln!(
            "unleak: warning: the scan is incomplete: {} item(s) could not be read (see the warnings above)",
            stats.errors
        );
    }
    Ok(Outcome::of_scan(failing > 0, stats.errors))
}

/// The repository (or directory) a store records a scan under: a URL without its password,
/// else the absolute path.
fn repo_name(root: &Path) -> String {
    let s = root.to_string_lossy();
    match crate::remote::RemoteUrl::parse(&s).filter(|_| !root.exists()) {
        Some(u) => u.display(),
        None => root
            .canonicalize()
            .map_or_else(|_| s.into_owned(), |p| p.display().to_string()),
    }
}

/// `-v`: which configuration the scan runs with, and how many rules.
fn setup_note(args: &ScanArgs, root: &Path, rules: usize) -> String {
    let config = if args.no_config {
        "none (--no-config)".to_string()
    } else if let Some(c) = &args.config {
        c.display().to_string()
    } else {
        Config::locate(root).map_or_else(|| "none found".to_string(), |p| p.display().to_string())
    };
    format!("configuration: {config}; {rules} rule(s)")
}

/// The line that tells what a report sent to a file (`-o FILE`) holds: nothing else on the
/// terminal would say whether the scan found anything.
fn summary(findings: &[Finding], stats: &sources::StatsSummary, path: &Path) -> String {
    let n = findings.len();
    let what = match stats.commits {
        Some(c) => format!("{c} commit(s)"),
        None => format!("{} file(s)", stats.files),
    };
    format!(
        "{n} finding{} in {what}, report written to {}",
        if n == 1 { "" } else { "s" },
        path.display()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use unleak_scan::sources::DEFAULT_MAX_FILE_SIZE;

    #[test]
    fn the_default_size_limit_is_shown_as_it_is() {
        assert_eq!(
            parse_limit(DEFAULT_MAX_FILE_SIZE_SHOWN),
            Ok(DEFAULT_MAX_FILE_SIZE)
        );
    }
}
