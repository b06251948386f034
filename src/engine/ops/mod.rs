//! The per-command operations of the reactor: the socket lifecycle (`lifecycle` for socket
//! and bind, `listen`, `connect`, `send` with shutdown, `address` for addresses), the
//! commands that shape receiving and sending, the kernel tuning commands, the variables of
//! sent payloads, and `file:` payloads read off the engine thread.

pub(crate) mod address;
pub(crate) mod connect;
pub(crate) mod file_payload;
pub(crate) mod lifecycle;
pub(crate) mod listen;
pub(crate) mod send;
pub(crate) mod shaping;
pub(crate) mod tuning;
pub(crate) mod variables;
