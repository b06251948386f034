//! The plain references the UDP figures are measured against: a `recvmmsg` receiver with a
//! 4 MiB receive buffer on its own thread, and a `sendmmsg` sender, both straight libc on a
//! std socket, 64 datagrams a call (what a careful C program does).

use std::net::{SocketAddr, UdpSocket};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Datagrams per call.
pub const BATCH: usize = 64;

/// What the receiver counted.
#[derive(Default)]
pub struct Counts {
    /// Datagrams.
    pub msgs: AtomicU64,
    /// Nanoseconds from the start instant to the last arrival.
    pub last_ns: AtomicU64,
}

/// A plain receiver running on its own thread until `stop`.
pub struct Receiver {
    /// Its address.
    pub addr: SocketAddr,
    /// Its counts.
    pub counts: Arc<Counts>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<f64>>,
}

fn set_rcvbuf(s: &UdpSocket, bytes: libc::c_int) {
    // SAFETY: a valid descriptor and a pointer to an int of the size given.
    unsafe {
        libc::setsockopt(
            s.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            (&bytes as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
}

impl Receiver {
    /// Binds 127.0.0.1:0 with a 4 MiB receive buffer and counts from `start` on.
    pub fn start(start: Instant) -> Receiver {
        let s = UdpSocket::bind("127.0.0.1:0").expect("plain receiver binds");
        set_rcvbuf(&s, 4 << 20);
        s.set_read_timeout(Some(Duration::from_millis(20)))
            .expect("timeout");
        let addr = s.local_addr().expect("addr");
        let counts = Arc::new(Counts::default());
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (counts, stop) = (counts.clone(), stop.clone());
            std::thread::spawn(move || {
                let cpu0 = super::cpu_thread_s();
                let mut buf = vec![0u8; BATCH * 2048];
                while !stop.load(Ordering::Acquire) {
                    let n = recv_batch(&s, &mut buf, 2048);
                    if n > 0 {
                        counts
                            .last_ns
                            .store(start.elapsed().as_nanos() as u64, Ordering::Release);
                        counts.msgs.fetch_add(n as u64, Ordering::Release);
                    }
                }
                super::cpu_thread_s() - cpu0
            })
        };
        Receiver {
            addr,
            counts,
            stop,
            thread: Some(thread),
        }
    }

    /// Stops it; returns the CPU seconds its thread used.
    pub fn stop(mut self) -> f64 {
        self.stop.store(true, Ordering::Release);
        self.thread
            .take()
            .and_then(|t| t.join().ok())
            .unwrap_or(0.0)
    }
}

/// One blocking `recvmmsg` (up to the socket's read timeout) of `BATCH` datagrams into
/// slots of `slot` bytes; 0 on timeout.
fn recv_batch(s: &UdpSocket, buf: &mut [u8], slot: usize) -> usize {
    let mut iovs: Vec<libc::iovec> = buf
        .chunks_mut(slot)
        .take(BATCH)
        .map(|c| libc::iovec {
            iov_base: c.as_mut_ptr().cast(),
            iov_len: c.len(),
        })
        .collect();
    // SAFETY: mmsghdr is plain data; all-zero is a valid empty header.
    let mut hdrs: Vec<libc::mmsghdr> = (0..iovs.len())
        .map(|_| unsafe { std::mem::zeroed() })
        .collect();
    for (h, iov) in hdrs.iter_mut().zip(iovs.iter_mut()) {
        h.msg_hdr.msg_iov = iov;
        h.msg_hdr.msg_iovlen = 1;
    }
    // SAFETY: each header points at its own live iovec over `buf`; vlen is their count.
    // MSG_WAITFORONE: block for the first datagram only, then take what is there.
    let n = unsafe {
        libc::recvmmsg(
            s.as_raw_fd(),
            hdrs.as_mut_ptr(),
            hdrs.len() as libc::c_uint,
            libc::MSG_WAITFORONE,
            std::ptr::null_mut(),
        )
    };
    n.max(0) as usize
}

/// Sends `count` datagrams of `size` bytes to `to` with `sendmmsg`, `BATCH` a call, as fast
/// as it goes, from a socket connected to `to` or (`connected` false) naming `to` in every
/// datagram; returns how many the kernel took and the seconds it took.
pub fn send(to: SocketAddr, size: usize, count: u64, connected: bool) -> (u64, f64) {
    let s = UdpSocket::bind("127.0.0.1:0").expect("plain sender binds");
    if connected {
        s.connect(to).expect("connect");
    }
    let name = socket2::SockAddr::from(to);
    let data = vec![0x5au8; size];
    let mut iov = libc::iovec {
        iov_base: data.as_ptr().cast_mut().cast(),
        iov_len: size,
    };
    // SAFETY: mmsghdr is plain data; all-zero is a valid empty header.
    let mut hdrs: Vec<libc::mmsghdr> = (0..BATCH).map(|_| unsafe { std::mem::zeroed() }).collect();
    for h in &mut hdrs {
        h.msg_hdr.msg_iov = &mut iov;
        h.msg_hdr.msg_iovlen = 1;
        if !connected {
            h.msg_hdr.msg_name = name.as_ptr().cast_mut().cast();
            h.msg_hdr.msg_namelen = name.len();
        }
    }
    let start = Instant::now();
    let mut sent = 0u64;
    while sent < count {
        let want = (count - sent).min(BATCH as u64) as libc::c_uint;
        // SAFETY: the headers point at one live iovec over `data` and at `name`, both alive
        // and read-only for the kernel.
        let n = unsafe { libc::sendmmsg(s.as_raw_fd(), hdrs.as_mut_ptr(), want, 0) };
        if n > 0 {
            sent += n as u64;
        }
    }
    (sent, start.elapsed().as_secs_f64())
}
