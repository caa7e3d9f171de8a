//! Where reports go (stdout or `--output FILE`) and whether they are coloured; messages on
//! stderr (errors, warnings, notes), always with control characters escaped: paths and file
//! content end up in them, and an escape sequence there would drive the terminal.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

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

/// `--color`: auto means a terminal and no `NO_COLOR`.
pub fn color_enabled(choice: &str, is_terminal: bool) -> bool {
    match choice {
        "always" => true,
        "never" => false,
        _ => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    }
}

/// A reader that closed our stdout early (`unleak scan | head`) is not an error worth a message.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// A message on stderr as `unleak: <kind>: <text>` (empty kind: `unleak: <text>`), escaped.
/// Every error, warning and note goes through here.
pub fn message(kind: &str, text: &str) {
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
