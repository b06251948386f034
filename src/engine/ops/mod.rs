//! The per-command operations of the reactor: the socket lifecycle (socket, bind, listen,
//! accept, connect, send, shutdown), the commands that shape receiving and sending, the
//! kernel tuning commands, the variables of sent payloads, and `file:` payloads read off the engine thread.

pub(crate) mod file_payload;
pub(crate) mod lifecycle;
pub(crate) mod shaping;
pub(crate) mod tuning;
pub(crate) mod variables;
