//! Loopback listeners that record what reaches them, to prove which requests were (not) sent:
//! a forwarding tap in front of moto, and a black hole that accepts and never answers.
//! Both listen on 127.0.0.1 only.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;

pub struct Tap {
    /// `http://127.0.0.1:PORT`
    pub endpoint: String,
    connections: Arc<AtomicUsize>,
    /// Every byte clients sent, all connections appended.
    sent: Arc<Mutex<Vec<u8>>>,
}

impl Tap {
    /// Forward every connection to `127.0.0.1:upstream_port`, recording what clients send.
    pub fn forward_to(upstream_port: u16) -> Tap {
        Self::start(Some(upstream_port))
    }

    /// Accept connections, read them, never answer.
    pub fn black_hole() -> Tap {
        Self::start(None)
    }

    fn start(upstream: Option<u16>) -> Tap {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let sent = Arc::new(Mutex::new(Vec::new()));
        let (c, s) = (Arc::clone(&connections), Arc::clone(&sent));
        thread::spawn(move || {
            for client in listener.incoming().map_while(Result::ok) {
                c.fetch_add(1, Ordering::SeqCst);
                let s = Arc::clone(&s);
                match upstream {
                    Some(up) => {
                        let Ok(server) = TcpStream::connect(("127.0.0.1", up)) else {
                            continue;
                        };
                        let (c2, s2) = (client.try_clone().unwrap(), server.try_clone().unwrap());
                        thread::spawn(move || copy(client, server, Some(s)));
                        thread::spawn(move || copy(s2, c2, None));
                    }
                    None => {
                        thread::spawn(move || {
                            let mut client = client;
                            let mut buf = [0u8; 4096];
                            while let Ok(n) = client.read(&mut buf) {
                                if n == 0 {
                                    break;
                                }
                                s.lock().unwrap().extend_from_slice(&buf[..n]);
                            }
                        });
                    }
                }
            }
        });
        Tap {
            endpoint: format!("http://127.0.0.1:{port}"),
            connections,
            sent,
        }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Everything clients sent so far, as text.
    pub fn traffic(&self) -> String {
        String::from_utf8_lossy(&self.sent.lock().unwrap()).into_owned()
    }

    /// Requests whose SigV4 signature names this key id.
    pub fn requests_signed_by(&self, key_id: &str) -> usize {
        self.traffic()
            .matches(&format!("Credential={key_id}/"))
            .count()
    }
}

fn copy(mut from: TcpStream, mut to: TcpStream, record: Option<Arc<Mutex<Vec<u8>>>>) {
    let mut buf = [0u8; 16384];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                if let Some(r) = &record {
                    r.lock().unwrap().extend_from_slice(&buf[..n]);
                }
                if to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        }
    }
    let _ = to.shutdown(Shutdown::Write);
}
