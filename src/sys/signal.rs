//! Signal handlers that only touch what is async-signal-safe: an atomic, or one byte
//! written to a pipe.

use std::io;
use std::os::fd::RawFd;

/// Installs `handler` for `sig` with `SA_RESTART` (a read under way is not broken off)
/// and an empty mask. `handler` must only do async-signal-safe things (store to an
/// atomic, [`write_byte`]).
pub(crate) fn set_handler(sig: libc::c_int, handler: extern "C" fn(libc::c_int)) -> io::Result<()> {
    // SAFETY: `sa` is fully initialised (zeroed, then the handler, an empty mask and the
    // flags) and outlives the call; the handler is a plain `extern "C" fn`, and the caller
    // keeps it to async-signal-safe calls.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler as *const () as libc::sighandler_t;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Writes one byte to `fd`, ignoring errors: what a signal handler may do (write(2) is
/// async-signal-safe and allocates nothing).
pub(crate) fn write_byte(fd: RawFd) {
    let b = 1u8;
    // SAFETY: write(2) reads one byte from `b`, which lives for the call; a bad `fd` is an
    // error return, not undefined behaviour.
    let _ = unsafe { libc::write(fd, (&raw const b).cast(), 1) };
}

/// Sends `sig` to this process (for tests of the handlers).
#[cfg(test)]
pub(crate) fn raise(sig: libc::c_int) -> io::Result<()> {
    // SAFETY: raise(3) takes no pointers; what the signal does is up to its handler.
    if unsafe { libc::raise(sig) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
