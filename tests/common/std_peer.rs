//! Plain std sockets as the peer of a test: a UDP socket on 127.0.0.1 that waits a bounded
//! time, and the next datagram it receives.

use std::net::{SocketAddr, UdpSocket};

use super::WAIT;

/// A std UDP socket on 127.0.0.1 (the OS picks the port) that waits at most [`WAIT`] for a
/// datagram, and its address.
pub fn udp_peer() -> (UdpSocket, SocketAddr) {
    let p = UdpSocket::bind("127.0.0.1:0").expect("bind peer");
    p.set_read_timeout(Some(WAIT)).expect("timeout");
    let addr = p.local_addr().expect("addr");
    (p, addr)
}

/// The next datagram `p` receives; fails the test past its read timeout.
pub fn recv_datagram(p: &UdpSocket) -> Vec<u8> {
    let mut buf = [0u8; 2048];
    let (n, _) = p
        .recv_from(&mut buf)
        .expect("a datagram within the timeout");
    buf[..n].to_vec()
}
