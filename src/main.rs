//! The `unleak` command line: parse arguments, run a subcommand, set the exit status.
//! Exit status is decided here and only here: 0 clean, 1 findings (or `--exit-code N`),
//! 2 error, 3 incomplete, 4 cancelled at a prompt.

mod cmd;
mod output;
mod remote;

use std::process::ExitCode;

use clap::Parser;

/// What a subcommand reports back to `main`, which turns it into the exit status.
pub enum Outcome {
    /// Nothing to report.
    Clean,
    /// Findings (or a refused push): exit 1. `verify` returns this when its report has
    /// findings, judged or not, exactly as `scan` would.
    Findings,
    /// No findings, but part of what was asked for could not be read (a damaged object, an
    /// unreadable file, an explicit file over the size limit): exit 3. Distinct from 0 so
    /// that hooks and CI fail closed, and from 1 so that scripts can tell "found a secret"
    /// from "could not look"; findings take precedence (exit 1), warnings name what was missed.
    Incomplete,
}

impl Outcome {
    /// The outcome of a scan from what it found and how many things it could not read.
    pub fn of_scan(findings: bool, unread: u64) -> Outcome {
        match (findings, unread) {
            (true, _) => Outcome::Findings,
            (false, 0) => Outcome::Clean,
            (false, _) => Outcome::Incomplete,
        }
    }
}

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    let on_findings = cli.exit_code.unwrap_or(1);
    match cmd::run(cli) {
        Ok(Outcome::Clean) => ExitCode::from(0),
        Ok(Outcome::Findings) => ExitCode::from(on_findings),
        Ok(Outcome::Incomplete) => ExitCode::from(3),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::from(1);
            }
            if e.downcast_ref::<output::Cancelled>().is_some() {
                output::message("cancelled", "nothing was changed");
                return ExitCode::from(4);
            }
            output::message("error", &format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}
