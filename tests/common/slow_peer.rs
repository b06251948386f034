//! A slow TCP reader in Python: it listens on loopback, reads 4 KiB at a time with a pause
//! between reads (so the sender meets full buffers and short writes), and reports the bytes
//! it got when the stream ends.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, ChildStdout, Command, Stdio};

/// The reader. With `announce`, once `announce` bytes have arrived (or nothing came for
/// 5 s) it writes `total N\n` back to the sender, then reads on until the end.
const READER: &str = r#"
import socket, sys, time
announce = int(sys.argv[1])
srv = socket.socket()
srv.bind(("127.0.0.1", 0))
srv.listen(1)
print(srv.getsockname()[1], flush=True)
conn, _ = srv.accept()
conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
conn.settimeout(5.0)
total = 0
told = False
while True:
    try:
        b = conn.recv(4096)
    except socket.timeout:
        if announce and not told:
            conn.sendall(b"total %d\n" % total)
            told = True
            continue
        break
    if not b:
        break
    total += len(b)
    if announce and not told and total >= announce:
        conn.sendall(b"total %d\n" % total)
        told = True
    time.sleep(0.0005)
print(total, flush=True)
"#;

/// A running slow reader.
pub struct SlowPeer {
    child: Child,
    out: BufReader<ChildStdout>,
    /// Where it listens.
    pub addr: SocketAddr,
}

impl SlowPeer {
    /// Starts the reader; `announce` as described on [`READER`] (0: never).
    pub fn start(announce: u64) -> SlowPeer {
        let mut child = Command::new("python3")
            .args(["-c", READER, &announce.to_string()])
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut out = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut line = String::new();
        out.read_line(&mut line)
            .expect("the reader prints its port");
        let port: u16 = line.trim().parse().expect("a port number");
        SlowPeer {
            child,
            out,
            addr: SocketAddr::from(([127, 0, 0, 1], port)),
        }
    }

    /// Waits for the stream to end and returns the bytes the reader got.
    pub fn total(mut self) -> u64 {
        let mut rest = String::new();
        self.out
            .read_to_string(&mut rest)
            .expect("the reader's output");
        let _ = self.child.wait();
        rest.trim().parse().expect("the reader prints its total")
    }
}

impl Drop for SlowPeer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
