//! SIGTERM for the app: the handler sets a flag and wakes a watcher thread through a pipe;
//! the watcher raises the app's terminate flag and requests a repaint, and the next frame
//! ends the session as a clean exit does (journal ended, then the window closes through
//! eframe's own exit path, which saves the settings).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The write end of the pipe the handler wakes the watcher through (-1: none).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_sigterm(_sig: libc::c_int) {
    let fd = WAKE_FD.load(Ordering::Acquire);
    if fd >= 0 {
        let b = 1u8;
        // SAFETY: write(2) is async-signal-safe; `b` lives for the call.
        let _ = unsafe { libc::write(fd, (&raw const b).cast(), 1) };
    }
}

/// Installs the SIGTERM handler: on the signal, `flag` is set and `ctx` repaints.
pub fn install(ctx: &egui::Context, flag: Arc<AtomicBool>) -> std::io::Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: `fds` has room for the two descriptors pipe(2) writes.
    if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    let [read_fd, write_fd] = fds;
    WAKE_FD.store(write_fd, Ordering::Release);
    let ctx = ctx.clone();
    std::thread::Builder::new()
        .name("sockscope-sigterm".into())
        .spawn(move || {
            let mut b = 0u8;
            loop {
                // SAFETY: reads one byte into `b` from the pipe this thread owns.
                let n = unsafe { libc::read(read_fd, (&raw mut b).cast(), 1) };
                if n == 1 {
                    flag.store(true, Ordering::Release);
                    ctx.request_repaint();
                } else if n == 0
                    || std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted
                {
                    return;
                }
            }
        })?;
    // SAFETY: `sa` is fully initialised; the handler only calls write(2).
    unsafe {
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = on_sigterm as *const () as libc::sighandler_t;
        sa.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut sa.sa_mask);
        if libc::sigaction(libc::SIGTERM, &sa, std::ptr::null_mut()) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    #[test]
    fn sigterm_raises_the_flag_and_the_process_lives_on() {
        let flag = Arc::new(AtomicBool::new(false));
        install(&egui::Context::default(), flag.clone()).expect("install");
        // SAFETY: raise(3) sends SIGTERM to this process, whose handler is installed above.
        assert_eq!(unsafe { libc::raise(libc::SIGTERM) }, 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !flag.load(Ordering::Acquire) {
            assert!(Instant::now() < deadline, "SIGTERM did not raise the flag");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
