//! Process limits a server needs: the soft limit on open descriptors raised to the hard one.

/// Raises the soft limit on open descriptors (RLIMIT_NOFILE) to the hard limit, as servers
/// do at start: the soft default (often 1024) is far below what the kernel allows a
/// process that serves many peers. Returns the limits before and after (soft, hard).
pub fn raise_fd_limit() -> std::io::Result<((u64, u64), (u64, u64))> {
    let mut r = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only the struct we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let before = (r.rlim_cur, r.rlim_max);
    if r.rlim_cur < r.rlim_max {
        r.rlim_cur = r.rlim_max;
        // SAFETY: setrlimit reads only the struct we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &r) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok((before, (r.rlim_cur, r.rlim_max)))
}
