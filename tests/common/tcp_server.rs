//! A plain std TCP server on loopback for tests that need someone else's server: a thread
//! per connection running a given function, and the echo most of them run.
//! Included by path (`#[path = "common/tcp_server.rs"]`) where the engine rig is not needed.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};

/// A thread-per-connection TCP server on 127.0.0.1:0 running `serve` on each connection.
pub fn server(serve: fn(TcpStream)) -> SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = l.local_addr().expect("addr");
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            std::thread::spawn(move || serve(c));
        }
    });
    addr
}

/// Sends back every byte the connection receives, until the peer closes.
pub fn echo(mut c: TcpStream) {
    let mut buf = [0u8; 4096];
    while let Ok(n) = c.read(&mut buf) {
        if n == 0 || c.write_all(&buf[..n]).is_err() {
            return;
        }
    }
}
