//! The question the fix commands ask before they change anything in AWS or in a file.

use std::io::{BufRead, IsTerminal, Write};

use anyhow::{bail, Result};

/// Proceed with `--yes`; on a terminal ask; anywhere else refuse (a script must say `--yes`).
pub fn confirm(yes: bool, question: &str) -> Result<()> {
    if yes {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        bail!("not on a terminal: pass --yes to proceed (nothing was changed)");
    }
    eprint!("{question} [y/N] ");
    std::io::stderr().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => Err(crate::output::Cancelled.into()),
    }
}

/// A current-thread runtime for one command's AWS calls.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?)
}
