//! The socket calls socket2 does not wrap: `TCP_INFO`, a zero-timeout `poll`, `FIONREAD`,
//! and `if_nametoindex`.

use std::io;
use std::os::fd::{AsRawFd, RawFd};

/// `TCP_INFO` of a TCP socket, if the kernel gives it (at least its first 32 bytes, which
/// hold the state and the queue counters).
pub(crate) fn tcp_info(fd: &impl AsRawFd) -> Option<libc::tcp_info> {
    // SAFETY: tcp_info is plain old data; all zeroes is a valid value.
    let mut info: libc::tcp_info = unsafe { std::mem::zeroed() };
    let mut len = std::mem::size_of::<libc::tcp_info>() as libc::socklen_t;
    // SAFETY: the buffer is valid for `len` bytes and the kernel writes at most `len`.
    let rc = unsafe {
        libc::getsockopt(
            fd.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_INFO,
            (&raw mut info).cast(),
            &mut len,
        )
    };
    (rc == 0 && len as usize >= 32).then_some(info)
}

/// `poll()` on one descriptor for `events` with a zero timeout: the events it reports.
pub(crate) fn poll_now(fd: RawFd, events: libc::c_short) -> io::Result<libc::c_short> {
    let mut pfd = libc::pollfd {
        fd,
        events,
        revents: 0,
    };
    // SAFETY: one valid pollfd that lives for the call, zero timeout.
    let rc = unsafe { libc::poll(&mut pfd, 1, 0) };
    if rc < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(pfd.revents)
}

/// The bytes waiting to be read on `fd` (`FIONREAD`); 0 when the kernel does not say.
pub(crate) fn pending_bytes(fd: RawFd) -> usize {
    let mut pending: libc::c_int = 0;
    // SAFETY: FIONREAD writes one c_int, into `pending`, which lives for the call.
    let rc = unsafe { libc::ioctl(fd, libc::FIONREAD, &mut pending) };
    if rc != 0 {
        return 0;
    }
    usize::try_from(pending).unwrap_or(0)
}

/// The index of the network interface called `name`, if this machine has one.
pub(crate) fn if_nametoindex(name: &str) -> Option<u32> {
    if name.is_empty() || name.len() >= libc::IFNAMSIZ {
        return None;
    }
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: `c` is a NUL-terminated string that outlives the call, which only reads it.
    let n = unsafe { libc::if_nametoindex(c.as_ptr()) };
    (n != 0).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_has_an_index_and_nonsense_has_none() {
        assert!(if_nametoindex("lo").is_some_and(|n| n > 0));
        assert_eq!(if_nametoindex("no-such-if0"), None);
        assert_eq!(if_nametoindex(""), None);
        assert_eq!(if_nametoindex("a\0b"), None);
        assert_eq!(if_nametoindex(&"x".repeat(64)), None);
    }

    #[test]
    fn poll_and_fionread_see_a_pending_datagram() {
        let a = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        let b = std::net::UdpSocket::bind("127.0.0.1:0").expect("bind");
        b.send_to(b"hello", a.local_addr().expect("addr"))
            .expect("send");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while poll_now(a.as_raw_fd(), libc::POLLIN).expect("poll") & libc::POLLIN == 0 {
            assert!(std::time::Instant::now() < deadline, "the datagram arrives");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert_eq!(pending_bytes(a.as_raw_fd()), 5);
    }
}
