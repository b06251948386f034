//! Every call into the C library or the kernel that Rust cannot check, behind safe functions.
//!
//! The rest of the crate holds no `unsafe` block: what it needs from libc (signal handlers,
//! `TCP_INFO`, `poll`/`FIONREAD`, `if_nametoindex`, descriptor limits) and the two buffers
//! whose memory starts uninitialised are here, each block with the `// SAFETY:` argument
//! that makes it sound.

#![deny(clippy::undocumented_unsafe_blocks)]

pub(crate) mod mem;
pub(crate) mod mmsg;
pub(crate) mod net;
pub(crate) mod process;
pub(crate) mod recv_buf;
pub(crate) mod signal;
