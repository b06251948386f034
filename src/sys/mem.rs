//! Shared memory handed out without a second copy.

use std::sync::Arc;

/// `len` zero bytes in one shared allocation, to be filled in place (through
/// `Arc::get_mut`) while nobody else holds it.
pub(crate) fn zeroed_shared(len: usize) -> Arc<[u8]> {
    // SAFETY: all zeroes is a valid `u8`, so the zeroed slice is initialised.
    unsafe { Arc::<[u8]>::new_zeroed_slice(len).assume_init() }
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
