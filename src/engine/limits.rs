//! Process limits a server needs: the soft limit on open descriptors raised to the hard one.

/// Raises the soft limit on open descriptors (RLIMIT_NOFILE) to the hard limit, as servers
/// do at start: the soft default (often 1024) is far below what the kernel allows a
/// process that serves many peers. Returns the limits before and after (soft, hard).
pub fn raise_fd_limit() -> std::io::Result<((u64, u64), (u64, u64))> {
    let before = crate::sys::process::nofile_limit()?;
    let (soft, hard) = before;
    if soft < hard {
        crate::sys::process::set_nofile_limit(hard, hard)?;
    }
    Ok((before, (soft.max(hard), hard)))
}
