//! What the kernel says about a socket beyond its options: a listener's accept queue
//! (`TCP_INFO` on a listening socket reports the connections waiting to be accepted in
//! `tcpi_unacked` and the backlog in `tcpi_sacked`).

use std::os::fd::AsRawFd;

use socket2::Socket;

/// A listener's accept queue as the kernel reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AcceptQueue {
    /// Connections established and waiting for `accept()`.
    pub waiting: u32,
    /// The most that may wait (the backlog, as the kernel capped it).
    pub backlog: u32,
}

/// `TCP_INFO` of a TCP socket, if the kernel gives it.
fn tcp_info(os: &Socket) -> Option<libc::tcp_info> {
    // SAFETY: tcp_info is plain old data; all zeroes is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: the buffer is valid for `len` bytes and the kernel writes at most `len`.
    let rc = unsafe {
        libc::getsockopt(
            os.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&mut info as *mut libc::tcp_info).cast(),
            &mut len,
        )
    };
    (rc == 0 && len as usize >= 32).then_some(info)
}

/// The accept queue of a listening TCP socket; `None` for a socket that is not listening.
pub(crate) fn accept_queue(os: &Socket) -> Option<AcceptQueue> {
    const TCP_LISTEN: u8 = 10;
    let info = tcp_info(os)?;
    (info.tcpi_state == TCP_LISTEN).then_some(AcceptQueue {
        waiting: info.tcpi_unacked,
        backlog: info.tcpi_sacked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use socket2::{Domain, Protocol, Type};

    #[test]
    fn a_listener_reports_its_queue() {
        let s = Socket::new(Domain::IPV4, Type::STREAM, Some(Protocol::TCP)).expect("socket");
        let any: std::net::SocketAddr = "127.0.0.1:0".parse().expect("addr");
        s.bind(&any.into()).expect("bind");
        assert_eq!(accept_queue(&s), None, "not listening yet");
        s.listen(5).expect("listen");
        assert_eq!(
            accept_queue(&s),
            Some(AcceptQueue {
                waiting: 0,
                backlog: 5
            })
        );
        let addr = s
            .local_addr()
            .ok()
            .and_then(|a| a.as_socket())
            .expect("local");
        let _c = std::net::TcpStream::connect(addr).expect("connect");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while accept_queue(&s).map(|q| q.waiting) != Some(1) {
            assert!(std::time::Instant::now() < deadline, "the queue shows 1");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
    }
}
