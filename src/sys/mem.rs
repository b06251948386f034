//! Shared memory handed out without a second copy.

use std::sync::Arc;

/// `len` zero bytes in one shared allocation, to be filled in place (through
/// `Arc::get_mut`) while nobody else holds it.
pub(crate) fn zeroed_shared(len: usize) -> Arc<[u8]> {
    // SAFETY: all zeroes is a valid `u8`, so the zeroed slice is initialised.
    unsafe { Arc::<[u8]>::new_zeroed_slice(len).assume_init() }
}

/// Gives the free pages of the C heap back to the system (glibc's `malloc_trim(0)`;
/// nothing elsewhere).
pub(crate) fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists, under the arenas' locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// An initialized byte slice seen as room for `recv` (initialized bytes are valid
/// `MaybeUninit<u8>`s; nothing uninitialized is ever written through it).
pub(crate) fn as_recv_room(b: &mut [u8]) -> &mut [std::mem::MaybeUninit<u8>] {
    // SAFETY: `MaybeUninit<u8>` has the layout of `u8`, and `recv` only writes bytes.
    unsafe { &mut *(b as *mut [u8] as *mut [std::mem::MaybeUninit<u8>]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_slice_is_zeroed_and_unique() {
        let mut a = zeroed_shared(5);
        assert_eq!(&a[..], &[0; 5]);
        assert!(Arc::get_mut(&mut a).is_some(), "nobody else holds it");
    }
}
