//! One socket state machine, shared by the engine and the app: a socket's phase, what an
//! event does to it ([`Life::on`]), and why a step is not allowed now ([`Facts::check`]).
//!
//! The engine checks every command with [`Facts::check`] before it touches the OS; the app
//! asks the same question to enable its buttons (and adds a few refusals of its own where a
//! button would do nothing useful). A [`Refusal`] is data: its `Display` is the sentence
//! the console, the log and the tooltips show.

mod check;
mod phase;
mod refusal;
#[cfg(test)]
mod tests;

pub use phase::{Halves, Life, Phase};
pub use refusal::Refusal;

use crate::engine::addr::Addr;
use crate::engine::command::Proto;
use crate::engine::event::SockState;

/// A step a person (or a script) can take on a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Step {
    /// `bind`.
    Bind,
    /// `listen`.
    Listen,
    /// `accept` (one) or `accept auto`.
    Accept,
    /// `onclose`: a listener's policy for its connections.
    OnClose,
    /// `connect`.
    Connect,
    /// `send` (the app's Send button: `send`, or `sendto` on a datagram socket).
    Send,
    /// `sendto`.
    SendTo,
    /// `repeat` / `flood` without `to ADDR`: over the connection or to the fixed peer.
    Paced,
    /// `repeat` / `flood` with `to ADDR`.
    PacedTo,
    /// `chunked`: pieces over a connection.
    Chunked,
    /// `shutdown`.
    Shutdown,
    /// `close`.
    Close,
    /// `abort`: close with linger 0 (TCP only).
    Abort,
    /// `recv` in step mode.
    Recv,
    /// `ready`, `recvsize`, `recvmode`, rules: anything an open socket takes.
    Set,
    /// `greet`: a stream listener's greeting.
    Greet,
    /// `frame`: stream framing.
    Frame,
    /// `join` / `leave`: UDP multicast.
    Multicast,
    /// `option`: any option.
    Option,
}

/// What the machine looks at to judge a step: the socket's state and the facts beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts<'a> {
    /// How the socket is called in messages: its name, else its id.
    pub label: String,
    /// Its transport.
    pub proto: Proto,
    /// Where it is in its lifecycle.
    pub state: SockState,
    /// Receiving is over (peer closed, or read side shut down).
    pub read_done: bool,
    /// Sending is over (write side shut down).
    pub write_done: bool,
    /// Step mode: it reads only on `recv`.
    pub manual: bool,
    /// Its local address, once bound.
    pub local: Option<&'a Addr>,
    /// Its peer, once connected (or while connecting).
    pub peer: Option<&'a Addr>,
}
