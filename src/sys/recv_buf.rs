//! The engine's receive buffer (here because its memory starts uninitialised): a read lands in a fresh shared buffer that is handed out
//! whole, without a copy, when the read fills it (bulk TCP), and copied out when it does not.

use std::io;
use std::mem::MaybeUninit;
use std::sync::Arc;

/// Where `recv` writes; owned by the reactor and used by one read at a time.
pub(crate) struct RecvBuf {
    size: usize,
    /// A buffer nobody else holds, ready for the next read.
    spare: Option<Arc<[MaybeUninit<u8>]>>,
}

impl RecvBuf {
    /// A buffer of `size` bytes (allocated at the first read).
    pub fn new(size: usize) -> RecvBuf {
        RecvBuf { size, spare: None }
    }

    /// Runs `read` on the first `max` bytes of the buffer (clamped to 1..=size). `read`
    /// returns how many bytes it wrote at the start of the slice it was given (as `recv`
    /// does), with anything else it wants to pass on; those bytes come back as a shared slice.
    pub fn read<R>(
        &mut self,
        max: usize,
        read: impl FnOnce(&mut [MaybeUninit<u8>]) -> io::Result<(usize, R)>,
    ) -> io::Result<(Arc<[u8]>, R)> {
        let size = self.size;
        let max = max.clamp(1, size);
        let mut arc = match self.spare.take() {
            Some(a) => a,
            None => Arc::new_uninit_slice(size),
        };
        if Arc::get_mut(&mut arc).is_none() {
            arc = Arc::new_uninit_slice(size);
        }
        let Some(buf) = Arc::get_mut(&mut arc) else {
            unreachable!("a fresh Arc is unique")
        };
        let (n, extra) = match read(&mut buf[..max]) {
            Ok(r) => r,
            Err(e) => {
                self.spare = Some(arc);
                return Err(e);
            }
        };
        let n = n.min(max);
        if n == size {
            // SAFETY: `read` wrote all `size` bytes (n == max == size), so the slice is
            // initialized; nobody else holds the Arc.
            let whole = unsafe { arc.assume_init() };
            return Ok((whole, extra));
        }
        // SAFETY: `read` wrote the first `n` bytes (n <= max <= buf.len()); `MaybeUninit<u8>`
        // has the layout of `u8`.
        let got: &[u8] = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<u8>(), n) };
        let data = Arc::from(got);
        self.spare = Some(arc);
        Ok((data, extra))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fill(buf: &mut [MaybeUninit<u8>], n: usize) -> io::Result<(usize, ())> {
        for (i, b) in buf.iter_mut().take(n).enumerate() {
            b.write(i as u8);
        }
        Ok((n.min(buf.len()), ()))
    }

    #[test]
    fn a_full_read_is_handed_out_whole_and_a_new_buffer_follows() {
        let mut rb = RecvBuf::new(8);
        let (a, ()) = rb.read(8, |b| fill(b, 8)).expect("read");
        assert_eq!(&a[..], &[0, 1, 2, 3, 4, 5, 6, 7]);
        let (b, ()) = rb.read(8, |b| fill(b, 8)).expect("read");
        assert_eq!(&b[..], &a[..]);
        assert!(
            !std::ptr::eq(a.as_ptr(), b.as_ptr()),
            "the first is not overwritten"
        );
    }

    #[test]
    fn a_short_read_is_copied_and_the_buffer_kept() {
        let mut rb = RecvBuf::new(8);
        let (a, ()) = rb.read(8, |b| fill(b, 3)).expect("read");
        assert_eq!(&a[..], &[0, 1, 2]);
        let (b, ()) = rb.read(100, |b| fill(b, 5)).expect("read");
        assert_eq!(&b[..], &[0, 1, 2, 3, 4]);
        assert_eq!(&a[..], &[0, 1, 2], "earlier data stays");
    }

    #[test]
    fn max_is_clamped_and_errors_keep_the_buffer() {
        let mut rb = RecvBuf::new(8);
        let (a, ()) = rb.read(0, |b| fill(b, 8)).expect("read");
        assert_eq!(a.len(), 1, "at least one byte is asked for");
        let e = rb.read(4, |_| Err::<(usize, ()), _>(io::Error::other("boom")));
        assert!(e.is_err());
        let (c, ()) = rb.read(4, |b| fill(b, 4)).expect("read");
        assert_eq!(&c[..], &[0, 1, 2, 3]);
    }
}
