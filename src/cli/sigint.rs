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
    crate::sys::signal::set_handler(libc::SIGINT, on_sigint)?;
    Ok(&INTERRUPTED)
}
