//! SIGTERM for the app: the handler sets a flag and wakes a watcher thread through a pipe;
//! the watcher raises the app's terminate flag and requests a repaint, and the next frame
//! ends the session as a clean exit does (journal ended, then the window closes through
//! eframe's own exit path, which saves the settings).

use std::io::Read;
use std::os::fd::IntoRawFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

/// The write end of the pipe the handler wakes the watcher through (-1: none).
static WAKE_FD: AtomicI32 = AtomicI32::new(-1);

extern "C" fn on_sigterm(_sig: libc::c_int) {
    let fd = WAKE_FD.load(Ordering::Acquire);
    if fd >= 0 {
        crate::sys::signal::write_byte(fd);
    }
}

/// Installs the SIGTERM handler: on the signal, `flag` is set and `ctx` repaints.
pub fn install(ctx: &egui::Context, flag: Arc<AtomicBool>) -> std::io::Result<()> {
    let (mut reader, writer) = std::io::pipe()?;
    // The write end lives as long as the process: the handler may write to it at any time.
    WAKE_FD.store(writer.into_raw_fd(), Ordering::Release);
    let ctx = ctx.clone();
    std::thread::Builder::new()
        .name("sockscope-sigterm".into())
        .spawn(move || {
            let mut b = [0u8; 1];
            loop {
                match reader.read(&mut b) {
                    Ok(1) => {
                        flag.store(true, Ordering::Release);
                        ctx.request_repaint();
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    _ => return,
                }
            }
        })?;
    crate::sys::signal::set_handler(libc::SIGTERM, on_sigterm)?;
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
        crate::sys::signal::raise(libc::SIGTERM).expect("raise SIGTERM");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !flag.load(Ordering::Acquire) {
            assert!(Instant::now() < deadline, "SIGTERM did not raise the flag");
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}
