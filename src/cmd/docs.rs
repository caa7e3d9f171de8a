//! `unleak completions SHELL` and `unleak man`: generated from the same clap definition as
//! the parser, so they cannot drift from the options the binary accepts.

use anyhow::Result;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;
use crate::Outcome;

#[derive(Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    #[arg(value_enum)]
    pub shell: Shell,
}

pub fn completions(args: CompletionsArgs) -> Result<Outcome> {
    let mut cmd = Cli::command();
    let mut buf = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "unleak", &mut buf);
    write_all(&buf)
}

#[derive(Args)]
pub struct ManArgs {
    /// A subcommand's page instead (`unleak man scan`: unleak-scan(1)).
    pub command: Option<String>,
}

pub fn man(args: ManArgs) -> Result<Outcome> {
    let top = Cli::command();
    let page = match &args.command {
        None => top,
        Some(name) => {
            let version = top.get_version().unwrap_or_default().to_string();
            let Some(sub) = top.find_subcommand(name).cloned() else {
                anyhow::bail!("no subcommand `{name}` (see `unleak --help`)");
            };
            // clap wants 'static names; one page per process, so leaking two strings is fine.
            sub.name(String::leak(format!("unleak-{name}")) as &str)
                .version(String::leak(version) as &str)
        }
    };
    let mut buf = Vec::new();
    clap_mangen::Man::new(page).render(&mut buf)?;
    write_all(&buf)
}

fn write_all(buf: &[u8]) -> Result<Outcome> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(buf)?;
    out.flush()?;
    Ok(Outcome::Clean)
}
