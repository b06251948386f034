//! Batched datagram I/O: `recvmmsg(2)` takes up to [`BATCH`] datagrams in one system call
//! and `sendmmsg(2)` sends up to [`BATCH`] copies of a flood's message in one.

use std::io;
use std::os::fd::RawFd;

use socket2::{SockAddr, SockAddrStorage};

/// Datagrams per `recvmmsg` / `sendmmsg` call at most.
pub(crate) const BATCH: usize = 64;

/// Where a batch of datagrams lands: `BATCH` slots of a fixed size, and their senders.
pub(crate) struct RecvBatch {
    buf: Vec<u8>,
    addrs: Vec<libc::sockaddr_storage>,
    /// Per received datagram: its real length (past the slot when truncated) and the
    /// length of its sender's address.
    got: Vec<(usize, libc::socklen_t)>,
    slot: usize,
}

impl RecvBatch {
    /// Room for `BATCH` datagrams of up to `max_slot` bytes each (allocated lazily by the
    /// OS: a 64-byte datagram touches one page of its slot).
    pub fn new(max_slot: usize) -> RecvBatch {
        // SAFETY: an all-zero sockaddr_storage is a valid (AF_UNSPEC) value.
        let zero: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        RecvBatch {
            buf: vec![0; BATCH * max_slot],
            addrs: vec![zero; BATCH],
            got: Vec::with_capacity(BATCH),
            slot: max_slot,
        }
    }

    /// The `i`-th datagram of the last call: its bytes (cut to the slot), its real length,
    /// and its sender (`None` when the kernel gave no address).
    pub fn get(&self, i: usize, slot: usize) -> (&[u8], usize, Option<SockAddr>) {
        let (real, alen) = self.got[i];
        let start = i * slot;
        let data = &self.buf[start..start + real.min(slot)];
        let addr = (alen > 0).then(|| {
            let mut storage = SockAddrStorage::zeroed();
            // SAFETY: `view_as` is given libc's sockaddr_storage, one of the platform's
            // sockaddr types; `SockAddr::new` gets the family and length the kernel wrote
            // for that address (at most the storage's size, as recvmmsg was told).
            unsafe {
                *storage.view_as::<libc::sockaddr_storage>() = self.addrs[i];
                SockAddr::new(storage, alen)
            }
        });
        (data, real, addr)
    }

    /// One `recvmmsg(fd, …, MSG_TRUNC | MSG_DONTWAIT)` of up to `BATCH` datagrams of at
    /// most `slot` bytes (clamped to the batch's slot size). With `MSG_TRUNC` a datagram's
    /// length is its real length, so a truncation can be reported.
    pub fn recv(&mut self, fd: RawFd, slot: usize) -> io::Result<usize> {
        let slot = slot.clamp(1, self.slot);
        self.got.clear();
        let base = self.buf.as_mut_ptr();
        let mut iovs: [libc::iovec; BATCH] = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; BATCH];
        let mut hdrs = [empty_header(); BATCH];
        let name_len = size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        for i in 0..BATCH {
            // SAFETY: i * slot + slot <= BATCH * self.slot == buf.len(): in bounds.
            iovs[i].iov_base = unsafe { base.add(i * slot) }.cast();
            iovs[i].iov_len = slot;
            let name = (&mut self.addrs[i] as *mut libc::sockaddr_storage).cast();
            point(&mut hdrs[i], &mut iovs[i], name, name_len);
        }
        let flags = libc::MSG_TRUNC | libc::MSG_DONTWAIT;
        // SAFETY: every header points at a live iovec over its own slot of `buf` and at its
        // own sockaddr_storage, all of which outlive the call; vlen is the array's length.
        let n = counted(unsafe {
            libc::recvmmsg(
                fd,
                hdrs.as_mut_ptr(),
                BATCH as libc::c_uint,
                flags,
                std::ptr::null_mut(),
            )
        })?;
        for h in &hdrs[..n] {
            self.got.push((h.msg_len as usize, h.msg_hdr.msg_namelen));
        }
        Ok(n)
    }
}

/// One `sendmmsg(fd, …, MSG_NOSIGNAL | MSG_DONTWAIT)` of `count` (at most `BATCH`) copies
/// of `data`, to `to` (or the connected peer); returns how many the kernel took.
pub(crate) fn send_copies(
    fd: RawFd,
    data: &[u8],
    to: Option<&SockAddr>,
    count: usize,
) -> io::Result<usize> {
    let count = count.clamp(1, BATCH);
    let mut iov = libc::iovec {
        iov_base: data.as_ptr().cast_mut().cast(),
        iov_len: data.len(),
    };
    let (name, name_len) = match to {
        Some(sa) => (sa.as_ptr().cast_mut().cast(), sa.len()),
        None => (std::ptr::null_mut(), 0),
    };
    let mut hdrs = [empty_header(); BATCH];
    for h in &mut hdrs[..count] {
        point(h, &mut iov, name, name_len);
    }
    let flags = libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT;
    // SAFETY: the headers point at one live iovec over `data` (which the kernel only reads)
    // and at `to`'s address, both alive for the call; vlen <= the array's length.
    counted(unsafe { libc::sendmmsg(fd, hdrs.as_mut_ptr(), count as libc::c_uint, flags) })
}

/// A header that points at nothing yet.
fn empty_header() -> libc::mmsghdr {
    // SAFETY: mmsghdr is plain data; all-zero is a valid empty header.
    unsafe { std::mem::zeroed() }
}

/// Points `h` at one iovec and at an address (`name` null and `name_len` 0 for none).
fn point(
    h: &mut libc::mmsghdr,
    iov: *mut libc::iovec,
    name: *mut libc::c_void,
    name_len: libc::socklen_t,
) {
    h.msg_hdr.msg_iov = iov;
    h.msg_hdr.msg_iovlen = 1;
    h.msg_hdr.msg_name = name;
    h.msg_hdr.msg_namelen = name_len;
}

/// How many datagrams a batched call took, or the OS error it set.
fn counted(n: libc::c_int) -> io::Result<usize> {
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::UdpSocket;
    use std::os::fd::AsRawFd;

    #[test]
    fn a_batch_takes_every_waiting_datagram_with_its_sender_and_real_length() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let to = rx.local_addr().expect("addr");
        for i in 0..5u8 {
            tx.send_to(&vec![i; 10 + i as usize], to).expect("send");
        }
        tx.send_to(&[9; 100], to).expect("send");
        let mut b = RecvBatch::new(64);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        let mut seen = Vec::new();
        while seen.len() < 6 && std::time::Instant::now() < deadline {
            match b.recv(rx.as_raw_fd(), 32) {
                Ok(n) => {
                    for i in 0..n {
                        let (data, real, from) = b.get(i, 32);
                        let from = from.and_then(|a| a.as_socket()).expect("an IP sender");
                        assert_eq!(from, tx.local_addr().expect("addr"));
                        seen.push((data.to_vec(), real));
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::yield_now(),
                Err(e) => panic!("recvmmsg: {e}"),
            }
        }
        assert_eq!(seen.len(), 6);
        for (i, (data, real)) in seen.iter().take(5).enumerate() {
            assert_eq!(*real, 10 + i);
            assert_eq!(data, &vec![i as u8; 10 + i]);
        }
        assert_eq!(seen[5].1, 100, "the real length of a truncated datagram");
        assert_eq!(seen[5].0, vec![9; 32], "cut to the slot");
    }

    #[test]
    fn send_copies_sends_count_datagrams_to_the_address() {
        let rx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let tx = UdpSocket::bind("127.0.0.1:0").expect("bind");
        let to = SockAddr::from(rx.local_addr().expect("addr"));
        let n = send_copies(tx.as_raw_fd(), b"hello", Some(&to), 7).expect("sendmmsg");
        assert_eq!(n, 7);
        rx.set_read_timeout(Some(std::time::Duration::from_secs(10)))
            .expect("timeout");
        let mut buf = [0u8; 16];
        for _ in 0..7 {
            let (n, _) = rx.recv_from(&mut buf).expect("recv");
            assert_eq!(&buf[..n], b"hello");
        }
    }
}
