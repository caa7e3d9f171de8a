//! One TCP connection with every wait bounded: connecting by the connect timeout, each read
//! and write by what is left of the login's deadline (a port that accepts and never answers
//! costs at most that); and `Login`, what a login over it found (both protocols answer with it).

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// What one login found (each protocol's `login` answers with it).
#[derive(Debug)]
pub enum Login {
    Ok {
        user: String,
        version: Option<String>,
        /// PostgreSQL says so at login; MySQL does not (`None`).
        superuser: Option<bool>,
    },
    Refused(String),
    Unknown(String),
}

/// One connection and the deadline its reads and writes share.
pub struct Conn {
    stream: TcpStream,
    deadline: Instant,
}

#[derive(Debug)]
pub enum WireError {
    Resolve(String),
    Connect(String),
    Timeout,
    Io(String),
    Protocol(String),
}

impl std::fmt::Display for WireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WireError::Resolve(e) => write!(f, "host not resolvable: {e}"),
            WireError::Connect(e) => write!(f, "unreachable: {e}"),
            WireError::Timeout => f.write_str("timed out waiting for the server"),
            WireError::Io(e) => write!(f, "connection failed: {e}"),
            WireError::Protocol(e) => write!(f, "unexpected answer from the server: {e}"),
        }
    }
}

impl Conn {
    /// Connect to `host:port` only (the first address it resolves to that accepts).
    pub fn open(
        host: &str,
        port: u16,
        connect_timeout: Duration,
        deadline: Instant,
    ) -> Result<Conn, WireError> {
        let addrs: Vec<_> = (host, port)
            .to_socket_addrs()
            .map_err(|e| WireError::Resolve(e.to_string()))?
            .collect();
        let mut last = WireError::Resolve("no address".into());
        for a in addrs {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(WireError::Timeout);
            }
            match TcpStream::connect_timeout(&a, connect_timeout.min(left)) {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(Conn { stream, deadline });
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    last = WireError::Connect(format!(
                        "{a}: connect timed out after {connect_timeout:?}"
                    ))
                }
                Err(e) => last = WireError::Connect(format!("{a}: {e}")),
            }
        }
        Err(last)
    }

    fn left(&self) -> Result<Duration, WireError> {
        let left = self.deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            Err(WireError::Timeout)
        } else {
            Ok(left)
        }
    }

    pub fn write_all(&mut self, b: &[u8]) -> Result<(), WireError> {
        let left = self.left()?;
        self.stream.set_write_timeout(Some(left)).map_err(io)?;
        self.stream.write_all(b).map_err(io)
    }

    pub fn read_exact(&mut self, b: &mut [u8]) -> Result<(), WireError> {
        let mut got = 0;
        while got < b.len() {
            let left = self.left()?;
            self.stream.set_read_timeout(Some(left)).map_err(io)?;
            match self.stream.read(&mut b[got..]) {
                Ok(0) => return Err(WireError::Io("the server closed the connection".into())),
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io(e)),
            }
        }
        Ok(())
    }
}

fn io(e: std::io::Error) -> WireError {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => WireError::Timeout,
        _ => WireError::Io(e.to_string()),
    }
}
