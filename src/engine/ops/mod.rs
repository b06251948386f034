//! The per-command operations of the reactor: the socket lifecycle (socket and bind in
//! `lifecycle`, `listen`, `connect`, `send` with shutdown, addresses in `address`), the commands that shape receiving and sending, the
//! kernel tuning commands, and `file:` payloads read off the engine thread.

pub(crate) mod address;
pub(crate) mod connect;
pub(crate) mod file_payload;
pub(crate) mod lifecycle;
pub(crate) mod listen;
pub(crate) mod send;
pub(crate) mod shaping;
pub(crate) mod tuning;
