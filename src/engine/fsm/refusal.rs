//! Why the engine (or the app, for a button) will not take a step: refusals as data, whose
//! `Display` is the sentence a person reads in the console, the log and a tooltip.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::engine::command::{Family, Proto};

/// How a socket of `proto` is named after "is" in a refusal: `TCP`, `UDP`, `a unix stream
/// socket`.
fn kind(proto: &Proto) -> &'static str {
    match proto {
        Proto::Tcp => "TCP",
        Proto::Udp => "UDP",
        Proto::UnixStream => "a unix stream socket",
        Proto::UnixDgram => "a unix datagram socket",
    }
}

/// A step refused: not valid in the socket's state, or an argument out of its range. Each
/// variant keeps what its sentence names (the socket's label, an address, a number).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
pub enum Refusal {
    // ---- the relay, in its own words
    /// A `relay` or `fault` command not possible now.
    #[error("{why}")]
    Relay {
        /// Why, in plain words.
        why: String,
    },
    // ---- TLS, in its own words
    /// A `tls` command not possible now (a datagram socket, already TLS, half-closed, …).
    #[error("{why}")]
    Tls {
        /// Why, in plain words.
        why: String,
    },
    // ---- the socket is gone
    /// The socket is closed.
    #[error("{label} is closed")]
    Closed {
        /// The socket's name, else its id.
        label: String,
    },
    /// `close` or `abort` on a socket already closed.
    #[error("{label} is already closed")]
    AlreadyClosed {
        /// The socket's name, else its id.
        label: String,
    },
    /// The peer reset the connection.
    #[error("{label} was reset by its peer (its descriptor is released; close it to forget it)")]
    ResetByPeer {
        /// The socket's name, else its id.
        label: String,
    },
    /// A command still waiting when its socket was closed.
    #[error("{label} was closed first")]
    ClosedFirst {
        /// The socket's name, else its id.
        label: String,
    },

    // ---- names and creation
    /// A name with characters a name may not have.
    #[error("invalid name {name:?}: use letters, digits, _ and -")]
    BadName {
        /// The name asked for.
        name: String,
    },
    /// A name of the id form `sN`.
    #[error("{name} looks like a socket id; choose another name")]
    NameLikeId {
        /// The name asked for.
        name: String,
    },
    /// A name an open socket already has.
    #[error("the name {name} is already taken")]
    NameTaken {
        /// The name asked for.
        name: String,
    },
    /// A transport with a family it does not have (`socket tcp unix`).
    #[error("a {proto} socket cannot be of family {family}")]
    ProtoFamily {
        /// The transport asked for.
        proto: Proto,
        /// The family asked for.
        family: Family,
    },

    // ---- addresses
    /// `*:PORT` for a unix socket.
    #[error("a unix socket's address is a path (/tmp/x.sock) or @name, not *:PORT")]
    UnixAny,
    /// `$ID` of a socket with no local address.
    #[error("${sock} has no local address yet: bind it first")]
    NoLocalYet {
        /// The reference as written.
        sock: String,
    },
    /// An IPv6 address for an IPv4 socket.
    #[error("this is an IPv4 socket and {addr} is IPv6: create the socket with v6")]
    V6OnV4 {
        /// The address given.
        addr: String,
    },
    /// An IP address for a unix socket.
    #[error("this is a unix socket: its address is a path (/tmp/x.sock) or @name")]
    IpOnUnix,
    /// A path or abstract name for an IP socket.
    #[error("a path or @name is a unix socket's address: use IP:PORT here")]
    PathOnIp,

    // ---- bind, listen, accept
    /// `bind` on a socket that has an address.
    #[error("{label} is already bound to {at}; a socket binds once (create a new one)")]
    AlreadyBound {
        /// The socket's name, else its id.
        label: String,
        /// Its local address.
        at: String,
    },
    /// `bind` while a connect is under way.
    #[error("{label} is connecting; bind comes before connect")]
    BindWhileConnecting {
        /// The socket's name, else its id.
        label: String,
    },
    /// `listen` on a datagram socket.
    #[error("{label} is a {proto} socket; only stream sockets (TCP, unix stream) listen")]
    ListenNotStream {
        /// The socket's name, else its id.
        label: String,
        /// Its transport.
        proto: Proto,
    },
    /// `listen` on a connected socket.
    #[error("{label} is connected; a connected socket cannot listen")]
    ConnectedCannotListen {
        /// The socket's name, else its id.
        label: String,
    },
    /// The Listen button on a socket that listens already (the engine takes `listen`
    /// again, for a new backlog; the app offers no button for it).
    #[error("{label} is already listening")]
    AlreadyListening {
        /// The socket's name, else its id.
        label: String,
    },
    /// `accept` on a datagram socket.
    #[error("{label} is a {proto} socket; only stream sockets (TCP, unix stream) accept")]
    AcceptNotStream {
        /// The socket's name, else its id.
        label: String,
        /// Its transport.
        proto: Proto,
    },
    /// `accept` before `listen`.
    #[error("{label} is not listening: listen first")]
    NotListening {
        /// The socket's name, else its id.
        label: String,
    },
    /// `onclose` on anything but a stream listener.
    #[error(
        "{label} is not a listening stream socket: onclose sets what a listener does with the connections it accepts"
    )]
    OnCloseNotListener {
        /// The socket's name, else its id.
        label: String,
    },

    // ---- connect, send
    /// `connect` on a listener.
    #[error("{label} is listening; a listening socket cannot connect")]
    ListeningCannotConnect {
        /// The socket's name, else its id.
        label: String,
    },
    /// `connect` while a connect is under way.
    #[error("{label} is already connecting")]
    AlreadyConnecting {
        /// The socket's name, else its id.
        label: String,
    },
    /// `connect` on a connected stream.
    #[error("{label} is already connected to {peer}")]
    AlreadyConnected {
        /// The socket's name, else its id.
        label: String,
        /// Its peer's address.
        peer: String,
    },
    /// `send` while a connect is under way.
    #[error("{label} is still connecting")]
    StillConnecting {
        /// The socket's name, else its id.
        label: String,
    },
    /// `send` on a stream listener.
    #[error("{label} is listening; send on an accepted connection")]
    SendOnListener {
        /// The socket's name, else its id.
        label: String,
    },
    /// A stream send before the connection.
    #[error("{label} is not connected: connect first")]
    ConnectFirst {
        /// The socket's name, else its id.
        label: String,
    },
    /// `send` on a datagram socket with no fixed peer.
    #[error("{label} has no fixed peer: use sendto {label} ADDR PAYLOAD, or connect it first")]
    NoPeerUseSendTo {
        /// The socket's name, else its id.
        label: String,
    },
    /// `repeat` or `flood` on a datagram socket with no fixed peer and no `to ADDR`.
    #[error("{label} has no fixed peer: add `to ADDR`")]
    NoPeerAddTo {
        /// The socket's name, else its id.
        label: String,
    },
    /// `chunked` on a datagram socket with no fixed peer (pieces take no `to ADDR`).
    #[error("{label} has no fixed peer: pieces go over a connection (connect first)")]
    NoPeerForPieces {
        /// The socket's name, else its id.
        label: String,
    },
    /// A send after `shutdown write`.
    #[error("{label}'s write side is shut down")]
    WriteShut {
        /// The socket's name, else its id.
        label: String,
    },
    /// `sendto` on a stream socket.
    #[error("{label} is a stream socket: use send once it is connected")]
    SendToOnStream {
        /// The socket's name, else its id.
        label: String,
    },
    /// `to ADDR` on a stream socket.
    #[error("{label} is a stream socket: `to ADDR` is for datagram sockets")]
    ToOnStream {
        /// The socket's name, else its id.
        label: String,
    },

    // ---- shutdown, abort, multicast
    /// `shutdown` on a datagram socket.
    #[error("{label} is a datagram socket; shutdown half-closes stream connections")]
    ShutdownDatagram {
        /// The socket's name, else its id.
        label: String,
    },
    /// A step that needs a connection, on a socket without one.
    #[error("{label} is not connected")]
    NotConnected {
        /// The socket's name, else its id.
        label: String,
    },
    /// `abort` on anything but TCP.
    #[error("{label} is {}: abort resets TCP connections; use close", kind(proto))]
    AbortNotTcp {
        /// The socket's name, else its id.
        label: String,
        /// Its transport.
        proto: Proto,
    },
    /// `join` / `leave` on anything but UDP.
    #[error("{label} is {}: multicast is for UDP sockets", kind(proto))]
    MulticastNotUdp {
        /// The socket's name, else its id.
        label: String,
        /// Its transport.
        proto: Proto,
    },
    /// A group that is not a multicast address.
    #[error("{group} is not a multicast address (224.0.0.0/4 or ff00::/8)")]
    NotMulticast {
        /// The address given.
        group: IpAddr,
    },
    /// An interface name with a NUL in it.
    #[error("bad interface name {name:?}")]
    BadInterface {
        /// The name given.
        name: String,
    },
    /// An interface this machine does not have.
    #[error("no interface named {name}")]
    NoInterface {
        /// The name given.
        name: String,
    },
    /// A value the option does not take (the OS layer's words).
    #[error("{0}")]
    BadOptionValue(String),

    // ---- receiving
    /// `recv` outside step mode.
    #[error("{label} receives in the background: `recvmode {label} manual` first")]
    NotStepMode {
        /// The socket's name, else its id.
        label: String,
    },
    /// `recv` on a listener.
    #[error("{label} is listening: accept, then recv on the connection")]
    RecvOnListener {
        /// The socket's name, else its id.
        label: String,
    },
    /// The Recv button on a datagram socket with no address: nothing can reach it.
    #[error("{label} has no address yet: bind first")]
    NoAddressYet {
        /// The socket's name, else its id.
        label: String,
    },
    /// `recv` after the read side ended.
    #[error("{label}'s read side is finished (the peer closed or it was shut down)")]
    ReadFinished {
        /// The socket's name, else its id.
        label: String,
    },
    /// A `recv N` out of range.
    #[error("recv reads 1 to {max} bytes, not {asked}", max = crate::engine::RECV_MAX)]
    RecvRange {
        /// The count asked for.
        asked: usize,
    },
    /// A `recvsize N` out of range.
    #[error("a receive size is 1 to {max} bytes, not {asked}", max = crate::engine::RECV_MAX)]
    RecvSizeRange {
        /// The size asked for.
        asked: usize,
    },
    /// The peer closed in the middle of a framed message.
    #[error("the stream ended inside a message ({left} bytes left unframed)")]
    EndedInsideMessage {
        /// Bytes received and not framed.
        left: usize,
    },
    /// A message the framing cannot cut (the framer's words).
    #[error("{0}")]
    BrokenFrame(String),

    // ---- settings
    /// An empty delimiter.
    #[error("a delimiter needs at least one byte")]
    EmptyDelimiter,
    /// A fixed frame size of 0.
    #[error("a fixed size must be at least 1 byte")]
    ZeroFixedSize,
    /// A length header of another width than 1, 2 or 4.
    #[error("a length header is 1, 2 or 4 bytes")]
    BadLengthWidth,
    /// `frame` on a datagram socket.
    #[error("{label} is a datagram socket: each datagram is already a message")]
    FrameDatagram {
        /// The socket's name, else its id.
        label: String,
    },
    /// `greet` on a datagram socket.
    #[error("{label} is a datagram socket: only stream listeners greet their connections")]
    GreetDatagram {
        /// The socket's name, else its id.
        label: String,
    },
    /// The greeting field on a connection (a greeting goes on the listener).
    #[error("{label} is a connection; a greeting is set on the listener before accepting")]
    GreetConnection {
        /// The socket's name, else its id.
        label: String,
    },
    /// A rule that does not compile (the rule's own words).
    #[error("{0}")]
    BadRule(String),

    // ---- timed sends
    /// `repeat 0`.
    #[error("a repeat count is at least 1")]
    ZeroRepeat,
    /// `chunked 0`.
    #[error("a piece is at least 1 byte")]
    ZeroPiece,
    /// `repeat ID stop` with nothing repeating.
    #[error("{label} is not repeating")]
    NotRepeating {
        /// The socket's name, else its id.
        label: String,
    },
    /// A flood message size out of range.
    #[error("a flood message is 1 to {max} bytes", max = crate::engine::RECV_MAX)]
    FloodSize,
    /// A flood rate or count of 0.
    #[error("a flood's rate and count are at least 1")]
    ZeroFlood,

    // ---- file payloads
    /// A `file:` payload that is not a regular file.
    #[error("{path} is {what}: a file: payload must be a regular file")]
    NotRegularFile {
        /// The path given.
        path: String,
        /// What it is instead (`a directory`, `a FIFO`, …).
        what: String,
    },
    /// A `file:` payload larger than what a command keeps in memory.
    #[error(
        "{path} is {len} bytes; {} takes at most {limit} bytes from a file",
        if *datagram { "a datagram" } else { "this command" }
    )]
    FileTooBig {
        /// The path given.
        path: String,
        /// Its size.
        len: u64,
        /// The limit.
        limit: u64,
        /// True when the limit is a datagram's.
        datagram: bool,
    },
    /// A `file:` payload that grew past its limit while it was read.
    #[error("{path} grew past {limit} bytes while it was read")]
    FileGrew {
        /// The path given.
        path: String,
        /// The limit.
        limit: u64,
    },
    /// The helper thread reading a file payload went away.
    #[error("the file's reader stopped")]
    ReaderStopped,
}
