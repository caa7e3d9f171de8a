//! The `unleak` command line: parse arguments, run a subcommand, set the exit status.
//! Exit status is decided here and only here: 0 clean, 1 findings, 2 error.

mod cmd;
mod output;
#[cfg(feature = "aws")]
mod rewrite;

use std::process::ExitCode;

use clap::Parser;

/// What a subcommand reports back to `main`, which turns it into the exit status.
pub enum Outcome {
    /// Nothing to report.
    Clean,
    /// Findings (or a refused push): exit 1. `verify` returns this when its report has
    /// findings, judged or not, exactly as `scan` would.
    Findings,
}

fn main() -> ExitCode {
    let cli = cmd::Cli::parse();
    match cmd::run(cli) {
        Ok(Outcome::Clean) => ExitCode::from(0),
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            if output::is_broken_pipe(&e) {
                return ExitCode::from(1);
            }
            output::message("error", &format!("{e:#}"));
            ExitCode::from(2)
        }
    }
}
