//! `unleak findings list|show|triage`: the findings store (`--store`), triaged by people.

use std::io::Write;

use anyhow::{Context, Result};
use clap::{Args, Subcommand};
use unleak_store::{Filter, Store};

use crate::Outcome;

/// Where the store is: a SQLite file (`--store` alone: `$XDG_DATA_HOME/unleak/findings.db`)
/// or a PostgreSQL server (`postgres://USER@HOST/DB`, the password in the URL or `PGPASSWORD`).
#[derive(Args, Clone, Default)]
pub struct StoreArg {
    /// The findings store: a SQLite file (without a value: $XDG_DATA_HOME/unleak/findings.db)
    /// or a postgres:// URL (password in the URL or PGPASSWORD).
    #[arg(long, value_name = "PATH|URL", num_args = 0..=1, default_missing_value = "")]
    pub store: Option<String>,
}

impl StoreArg {
    /// The open store, if `--store` was given.
    pub fn open(&self) -> Result<Option<Store>> {
        self.store.as_deref().map(open).transpose()
    }
}

/// Open the store at `target` ("" for the default one).
pub fn open(target: &str) -> Result<Store> {
    let path = if target.is_empty() {
        unleak_store::default_path()
            .context("no default findings store: set XDG_DATA_HOME or HOME, or give --store PATH")?
            .display()
            .to_string()
    } else {
        target.to_string()
    };
    Ok(Store::open(&path)?)
}

#[derive(Subcommand)]
pub enum FindingsCommand {
    /// The secrets in the store (one line each; `--json` for all fields).
    List(ListArgs),
    /// One secret: its locations, triage history, verdicts and actions.
    Show(ShowArgs),
    /// Set a secret's status: open, false-positive, accepted, revoked, rotated.
    Triage(TriageArgs),
}

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    store: StoreArg,
    /// Only secrets with this status.
    #[arg(long)]
    status: Option<String>,
    /// Only secrets of this kind (or rule id).
    #[arg(long)]
    kind: Option<String>,
    /// Only secrets found in this repository (as audits name it).
    #[arg(long)]
    repo: Option<String>,
    /// Only secrets whose latest verdict is this (`unverified`: none).
    #[arg(long)]
    verdict: Option<String>,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct ShowArgs {
    #[command(flatten)]
    store: StoreArg,
    /// The secret's id (`v2:…`, or a unique prefix of it).
    id: String,
    /// JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct TriageArgs {
    #[command(flatten)]
    store: StoreArg,
    /// The secret's id (`v2:…`, or a unique prefix of it).
    id: String,
    /// The new status.
    #[arg(long, value_parser = unleak_store::STATUSES.to_vec())]
    status: String,
    /// Why.
    #[arg(long, default_value = "")]
    note: String,
    /// Who decided (default: $USER).
    #[arg(long)]
    who: Option<String>,
}

fn store_of(arg: &StoreArg) -> Result<Store> {
    open(arg.store.as_deref().unwrap_or(""))
}

pub fn run(cmd: FindingsCommand) -> Result<Outcome> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match cmd {
        FindingsCommand::List(a) => {
            let mut store = store_of(&a.store)?;
            let rows = store.list(&Filter {
                status: a.status,
                kind: a.kind,
                repo: a.repo,
                verdict: a.verdict,
            })?;
            if a.json {
                serde_json::to_writer_pretty(&mut out, &rows)?;
                writeln!(out)?;
            } else {
                for r in &rows {
                    writeln!(
                        out,
                        "{}  {:<15} {:<24} {:<12} {} repo(s), {} location(s)  {}",
                        r.id,
                        r.status,
                        r.kind,
                        r.secret,
                        r.repos,
                        r.occurrences,
                        r.verdict.as_deref().unwrap_or("unverified")
                    )?;
                }
            }
        }
        FindingsCommand::Show(a) => {
            let d = store_of(&a.store)?.show(&a.id)?;
            if a.json {
                serde_json::to_writer_pretty(&mut out, &d)?;
                writeln!(out)?;
            } else {
                let s = &d.secret;
                writeln!(out, "{}  {} ({})  {}", s.id, s.kind, s.rule_id, s.secret)?;
                writeln!(
                    out,
                    "status: {}; first seen {}, last seen {}",
                    s.status, s.first_seen, s.last_seen
                )?;
                for l in &d.locations {
                    writeln!(
                        out,
                        "  {}:{}:{}  {} {}",
                        l.repo, l.path, l.line, l.commit, l.date
                    )?;
                }
                for t in &d.triage {
                    writeln!(
                        out,
                        "  triage {} by {} at {}: {}",
                        t.status, t.who, t.at, t.note
                    )?;
                }
                for v in &d.verdicts {
                    writeln!(out, "  verdict {} at {}: {}", v.status, v.at, v.reason)?;
                }
                for x in &d.actions {
                    writeln!(
                        out,
                        "  {} {} by {} at {}{}",
                        x.action,
                        x.outcome,
                        x.who,
                        x.at,
                        if x.detail.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", x.detail)
                        }
                    )?;
                }
            }
        }
        FindingsCommand::Triage(a) => {
            let who = a
                .who
                .or_else(|| std::env::var("USER").ok())
                .unwrap_or_else(|| "unknown".to_string());
            let id = store_of(&a.store)?.triage(&a.id, &a.status, &a.note, &who)?;
            crate::output::note(&format!("{id}: {}", a.status));
        }
    }
    Ok(Outcome::Clean)
}
