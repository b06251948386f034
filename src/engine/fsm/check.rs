//! [`Facts::check`]: the table of which step a socket takes in which state, and the
//! refusal when it does not.

use super::{Facts, Refusal, Step};
use crate::engine::command::Proto;
use crate::engine::event::SockState as S;

fn text(a: Option<&crate::engine::addr::Addr>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

impl Facts<'_> {
    /// `Ok` when `step` is valid now; otherwise why not.
    pub fn check(&self, step: Step) -> Result<(), Refusal> {
        self.gone(step)?;
        let stream = self.proto.is_stream();
        match step {
            Step::Bind => self.bind(),
            Step::Listen => self.listen(),
            Step::Accept if !stream => Err(Refusal::AcceptNotStream {
                label: self.label(),
                proto: self.proto,
            }),
            Step::Accept => self.is(S::Listening, || Refusal::NotListening {
                label: self.label(),
            }),
            Step::OnClose if !stream => Err(self.not_listener()),
            Step::OnClose => self.is(S::Listening, || self.not_listener()),
            Step::Connect => self.connect(),
            Step::Send if stream => self.send_stream(),
            Step::Send => self.send_datagram(),
            Step::SendTo if stream => Err(Refusal::SendToOnStream {
                label: self.label(),
            }),
            Step::Paced | Step::Chunked if stream => self.paced_stream(),
            Step::Paced => self.connected_or(Refusal::NoPeerAddTo {
                label: self.label(),
            }),
            Step::Chunked => self.connected_or(Refusal::NoPeerForPieces {
                label: self.label(),
            }),
            Step::PacedTo if stream => Err(Refusal::ToOnStream {
                label: self.label(),
            }),
            Step::Shutdown if !stream => Err(Refusal::ShutdownDatagram {
                label: self.label(),
            }),
            Step::Shutdown => self.connected_or(Refusal::NotConnected {
                label: self.label(),
            }),
            Step::Abort if self.proto != Proto::Tcp => Err(Refusal::AbortNotTcp {
                label: self.label(),
                proto: self.proto,
            }),
            Step::Multicast if self.proto != Proto::Udp => Err(Refusal::MulticastNotUdp {
                label: self.label(),
                proto: self.proto,
            }),
            Step::Recv => self.recv(),
            Step::Greet if !stream => Err(Refusal::GreetDatagram {
                label: self.label(),
            }),
            Step::Frame if !stream => Err(Refusal::FrameDatagram {
                label: self.label(),
            }),
            Step::SendTo
            | Step::PacedTo
            | Step::Close
            | Step::Abort
            | Step::Multicast
            | Step::Set
            | Step::Greet
            | Step::Frame
            | Step::Option => Ok(()),
        }
    }

    fn label(&self) -> String {
        self.label.clone()
    }

    fn connected(&self) -> bool {
        matches!(self.state, S::Connected | S::HalfClosed)
    }

    fn is(&self, state: S, refusal: impl FnOnce() -> Refusal) -> Result<(), Refusal> {
        if self.state == state {
            Ok(())
        } else {
            Err(refusal())
        }
    }

    fn connected_or(&self, refusal: Refusal) -> Result<(), Refusal> {
        if self.connected() {
            Ok(())
        } else {
            Err(refusal)
        }
    }

    fn not_listener(&self) -> Refusal {
        Refusal::OnCloseNotListener {
            label: self.label(),
        }
    }

    /// A closed or reset socket takes nothing but `close` (a reset one is closed to be
    /// forgotten).
    fn gone(&self, step: Step) -> Result<(), Refusal> {
        let label = self.label();
        match (self.state, step) {
            (S::Closed, Step::Close | Step::Abort) => Err(Refusal::AlreadyClosed { label }),
            (S::Closed, _) => Err(Refusal::Closed { label }),
            (S::Reset, Step::Close) => Ok(()),
            (S::Reset, _) => Err(Refusal::ResetByPeer { label }),
            _ => Ok(()),
        }
    }

    fn bind(&self) -> Result<(), Refusal> {
        let label = self.label();
        match self.state {
            S::Created => Ok(()),
            S::Connecting => Err(Refusal::BindWhileConnecting { label }),
            _ => Err(Refusal::AlreadyBound {
                label,
                at: text(self.local),
            }),
        }
    }

    fn listen(&self) -> Result<(), Refusal> {
        let label = self.label();
        match self.state {
            _ if !self.proto.is_stream() => Err(Refusal::ListenNotStream {
                label,
                proto: self.proto,
            }),
            S::Created | S::Bound | S::Listening => Ok(()),
            _ => Err(Refusal::ConnectedCannotListen { label }),
        }
    }

    fn connect(&self) -> Result<(), Refusal> {
        let label = self.label();
        match self.state {
            S::Listening => Err(Refusal::ListeningCannotConnect { label }),
            S::Connecting => Err(Refusal::AlreadyConnecting { label }),
            _ if self.proto.is_stream() && self.connected() => Err(Refusal::AlreadyConnected {
                label,
                peer: text(self.peer),
            }),
            _ => Ok(()),
        }
    }

    fn send_stream(&self) -> Result<(), Refusal> {
        match self.state {
            S::Connecting => Err(Refusal::StillConnecting {
                label: self.label(),
            }),
            S::Listening => Err(Refusal::SendOnListener {
                label: self.label(),
            }),
            _ => self.paced_stream(),
        }
    }

    fn send_datagram(&self) -> Result<(), Refusal> {
        let label = self.label();
        match self.state {
            S::Connecting => Err(Refusal::StillConnecting { label }),
            _ if !self.connected() => Err(Refusal::NoPeerUseSendTo { label }),
            _ => Ok(()),
        }
    }

    /// A connected stream whose write side is open (what `send` asks once it is neither
    /// connecting nor listening).
    fn paced_stream(&self) -> Result<(), Refusal> {
        let label = self.label();
        match self.state {
            _ if !self.connected() => Err(Refusal::ConnectFirst { label }),
            _ if self.write_done => Err(Refusal::WriteShut { label }),
            _ => Ok(()),
        }
    }

    fn recv(&self) -> Result<(), Refusal> {
        let label = self.label();
        match self.state {
            _ if !self.manual => Err(Refusal::NotStepMode { label }),
            S::Listening => Err(Refusal::RecvOnListener { label }),
            S::Created if self.proto.is_stream() => Err(Refusal::NotConnected { label }),
            _ if self.read_done => Err(Refusal::ReadFinished { label }),
            _ => Ok(()),
        }
    }
}
