//! Ctrl-C during `sockscope run`: the first SIGINT interrupts the statement the runner waits
//! on (an `accept`, `expect` or `sleep`), so that the run ends cleanly, saves its `--log`
//! and exits 130; a second one kills the process as usual.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::script::Interrupter;

/// Set by the signal handler (an atomic store is all a handler may safely do).
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How often the watcher looks at the flag.
const POLL: Duration = Duration::from_millis(50);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
    // The next Ctrl-C kills the process the usual way.
    // SAFETY: `signal` with SIG_DFL is async-signal-safe (it is sigaction on Linux).
    unsafe {
        libc::signal(libc::SIGINT, libc::SIG_DFL);
    }
}

/// Watches for Ctrl-C while it lives, interrupting the runner when it comes.
pub struct CtrlC {
    done: Arc<AtomicBool>,
}

impl CtrlC {
    /// Installs the handler and starts the watcher.
    pub fn watch(interrupter: Interrupter) -> CtrlC {
        let done = Arc::new(AtomicBool::new(false));
        let handler: extern "C" fn(libc::c_int) = on_sigint;
        // SAFETY: the handler only stores to an atomic and resets the disposition.
        unsafe {
            libc::signal(libc::SIGINT, handler as libc::sighandler_t);
        }
        let watching = Arc::clone(&done);
        let _ = std::thread::Builder::new()
            .name("sockscope-ctrlc".into())
            .spawn(move || {
                while !watching.load(Ordering::SeqCst) {
                    if INTERRUPTED.load(Ordering::SeqCst) {
                        interrupter.interrupt();
                        return;
                    }
                    std::thread::sleep(POLL);
                }
            });
        CtrlC { done }
    }

    /// True when Ctrl-C was pressed.
    pub fn pressed(&self) -> bool {
        INTERRUPTED.load(Ordering::SeqCst)
    }
}

impl Drop for CtrlC {
    /// Stops the watcher (the handler stays: a late Ctrl-C still ends the run cleanly).
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}
