//! Ctrl-C in the shell: a SIGINT handler that only sets a flag, which the runner's waits look
//! at ([`crate::script::Runner::set_interrupt`]), so that Ctrl-C ends the statement under way
//! (an `accept`, `expect`, `sleep`) and the shell, its sockets and its history stay.
//!
//! While rustyline reads a line the terminal is in raw mode and Ctrl-C is a key (an empty
//! line); this handler serves the time a statement runs, when the terminal is cooked.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT; cleared by the wait it interrupts.
pub(crate) static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_sig: libc::c_int) {
    // Only an atomic store: async-signal-safe.
    INTERRUPTED.store(true, Ordering::Release);
}

/// Installs the handler (with `SA_RESTART`, so that a read under way is not broken off);
/// returns the flag, or the OS error.
pub(crate) fn install() -> std::io::Result<&'static AtomicBool> {
    // SAFETY: `sa` is fully initialised (zeroed, then the handler, an empty mask and the
    // flags), and the handler only stores to an atomic.
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigint as *const () as libc::sighandler_t;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGINT, &sa, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(&INTERRUPTED)
}
