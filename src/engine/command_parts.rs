//! What each command is about: the socket it acts on and the operation its errors name,
//! in one table (a new command is taught here once).

use crate::engine::command::{Command, SockRef};
use crate::engine::error::Op;

impl Command {
    /// The socket the command acts on, if any.
    pub fn target(&self) -> Option<&SockRef> {
        self.parts().1
    }

    /// The operation the command performs, for error reports.
    pub fn op(&self) -> Op {
        self.parts().0
    }

    fn parts(&self) -> (Op, Option<&SockRef>) {
        use Command as C;
        match self {
            C::Socket { .. } => (Op::Socket, None),
            C::Status => (Op::Status, None),
            C::StatusOf { sock } | C::Stats { sock } => (Op::Status, Some(sock)),
            C::Bind { sock, .. } => (Op::Bind, Some(sock)),
            C::Listen { sock, .. } => (Op::Listen, Some(sock)),
            C::Accept { sock, .. } | C::AcceptAuto { sock, .. } => (Op::Accept, Some(sock)),
            C::Connect { sock, .. } => (Op::Connect, Some(sock)),
            C::Send { sock, .. } => (Op::Send, Some(sock)),
            C::SendTo { sock, .. } => (Op::SendTo, Some(sock)),
            C::Respond { sock, .. } => (Op::Respond, Some(sock)),
            C::Shutdown { sock, .. } => (Op::Shutdown, Some(sock)),
            C::Close { sock } => (Op::Close, Some(sock)),
            C::Frame { sock, .. }
            | C::RecvSize { sock, .. }
            | C::RecvMode { sock, .. }
            | C::RuleAdd { sock, .. }
            | C::RuleClear { sock }
            | C::Greet { sock, .. }
            | C::OnClose { sock, .. }
            | C::Relay { sock, .. }
            | C::Fault { sock, .. } => (Op::Set, Some(sock)),
            C::Recv { sock, .. } => (Op::Recv, Some(sock)),
            C::Ready { sock } => (Op::Ready, Some(sock)),
            C::Repeat { sock, .. } | C::RepeatStop { sock } => (Op::Repeat, Some(sock)),
            C::Chunked { sock, .. } => (Op::Chunked, Some(sock)),
            C::SetOption { sock, .. } => (Op::Option, Some(sock)),
            C::Join { sock, .. } => (Op::Join, Some(sock)),
            C::Leave { sock, .. } => (Op::Leave, Some(sock)),
            C::Abort { sock } => (Op::Abort, Some(sock)),
            C::Flood { sock, .. } => (Op::Flood, Some(sock)),
            C::Tls { sock, .. } | C::TlsSaveCert { sock, .. } => (Op::Tls, Some(sock)),
        }
    }
}
