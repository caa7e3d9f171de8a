//! Where reports go (stdout or `--output FILE`) and whether they are coloured; messages on
//! stderr (errors, warnings, notes), always with control characters escaped: paths and file
//! content end up in them, and an escape sequence there would drive the terminal.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU8, Ordering};

use anyhow::{Context, Result};

/// A report destination.
pub struct Output {
    writer: Box<dyn Write + Send>,
    pub is_terminal: bool,
}

impl Output {
    pub fn open(path: Option<&PathBuf>) -> Result<Self> {
        Ok(match path {
            Some(p) => Output {
                writer: Box::new(BufWriter::new(
                    File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
                )),
                is_terminal: false,
            },
            None => Output {
                is_terminal: io::stdout().is_terminal(),
                writer: Box::new(BufWriter::new(io::stdout())),
            },
        })
    }

    pub fn writer(&mut self) -> &mut (dyn Write + Send) {
        &mut *self.writer
    }
}

/// `--color`: auto follows the environment's conventions, in this order: `NO_COLOR` set (and
/// not empty) turns colour off; `CLICOLOR_FORCE` set to anything but `0` turns it on even into
/// a pipe; `CLICOLOR=0` turns it off; otherwise colour on a terminal only.
pub fn color_enabled(choice: &str, is_terminal: bool) -> bool {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    match choice {
        "always" => true,
        "never" => false,
        _ if var("NO_COLOR").is_some() => false,
        _ if var("CLICOLOR_FORCE").is_some_and(|v| v != "0") => true,
        _ if var("CLICOLOR").is_some_and(|v| v == "0") => false,
        _ => is_terminal,
    }
}

/// How much goes to stderr (`--log-level`, `-v`, `-q`): errors always; warnings from `warn`;
/// notes (what was written where, what was skipped) from `info`, the default; `debug` adds
/// how the command was set up (configuration used, rules loaded, counts and timings).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Level {
    Error = 0,
    Warn = 1,
    Info = 2,
    Debug = 3,
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: Level) -> bool {
    LEVEL.load(Ordering::Relaxed) >= level as u8
}

/// `println!` that hands back the write error instead of panicking: a reader that closed the
/// pipe early (`unleak rules list | head`) ends the command quietly, as it does `scan`.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}
/// `print!`, likewise (only `store` prints without a newline: unused in a scanner-only build).
#[cfg_attr(not(feature = "aws"), allow(unused_macros))]
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}
#[cfg_attr(not(feature = "aws"), allow(unused_imports))]
pub(crate) use {out, outln};

/// The user answered "no" at a prompt: not an error (nothing failed, nothing was changed),
/// so `main` says so without `error:` and exits 4.
#[derive(Debug)]
pub struct Cancelled;

impl std::fmt::Display for Cancelled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("cancelled: nothing was changed")
    }
}

impl std::error::Error for Cancelled {}

/// A reader that closed our stdout early (`unleak scan | head`) is not an error worth a message.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// A message on stderr as `unleak: <kind>: <text>` (empty kind: `unleak: <text>`), escaped.
/// Every error, warning and note goes through here; warnings and notes only at their level.
pub fn message(kind: &str, text: &str) {
    let level = match kind {
        "warning" => Level::Warn,
        "" => Level::Info,
        "debug" => Level::Debug,
        _ => Level::Error,
    };
    if !enabled(level) {
        return;
    }
    let text = unleak_scan::report::escape_control(text);
    if kind.is_empty() {
        eprintln!("unleak: {text}");
    } else {
        eprintln!("unleak: {kind}: {text}");
    }
}

pub fn warn(text: &str) {
    message("warning", text);
}

pub fn note(text: &str) {
    message("", text);
}

pub fn debug(text: &str) {
    message("debug", text);
}
