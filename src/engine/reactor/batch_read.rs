//! The datagram read path: a readable UDP or Unix datagram socket is drained with
//! `recvmmsg`, [`BATCH`](crate::sys::mmsg::BATCH) datagrams a system call, each delivered as one `Received`.

use std::io::ErrorKind;
use std::os::fd::AsRawFd;
use std::sync::Arc;

use crate::engine::addr::Addr;
use crate::engine::event::SockId;
use crate::engine::reactor::Reactor;
use crate::sys::mmsg::RecvBatch;

/// What one batch read did.
pub(crate) enum Batch {
    /// Datagrams were delivered; `drained` when fewer came than a batch holds, so the
    /// queue was empty when the kernel looked (a datagram queued after that readies the
    /// socket again: epoll reports every arrival, edge-triggered or not).
    Delivered { drained: bool },
    /// Nothing is waiting (or the socket is gone).
    Empty,
    /// A signal interrupted the call.
    Interrupted,
    /// An error (reported by the caller as a failed receive).
    Error(std::io::Error),
}

impl Reactor {
    /// Takes what one `recvmmsg` gives from datagram socket `id` and delivers each datagram.
    pub(crate) fn read_batch(&mut self, id: SockId) -> Batch {
        let Some(sock) = self.socks.get(&id) else {
            return Batch::Empty;
        };
        let Some(os) = sock.os.as_ref() else {
            return Batch::Empty;
        };
        let slot = sock.recv_size.clamp(1, crate::engine::reactor::RECV_BUF);
        let fd = os.as_raw_fd();
        let mut batch = self
            .batch
            .take()
            .unwrap_or_else(|| Box::new(RecvBatch::new(crate::engine::reactor::RECV_BUF)));
        let n = match batch.recv(fd, slot) {
            Ok(n) => n,
            Err(e) => {
                self.batch = Some(batch);
                return match e.kind() {
                    ErrorKind::WouldBlock => Batch::Empty,
                    ErrorKind::Interrupted => Batch::Interrupted,
                    _ => Batch::Error(e),
                };
            }
        };
        for i in 0..n {
            let (data, real, from) = batch.get(i, slot);
            let got = data.len();
            let data: Arc<[u8]> = Arc::from(data);
            let peer = Some(from.map_or(Addr::Unnamed, |sa| Addr::from_sock(&sa)));
            let Some(sock) = self.socks.get_mut(&id) else {
                break;
            };
            sock.counters.received(got);
            self.deliver(id, None, data, peer, (real > got).then_some(real));
        }
        self.batch = Some(batch);
        self.flooded |= n >= FLOODED;
        if n == 0 {
            return Batch::Empty;
        }
        Batch::Delivered {
            drained: n < crate::sys::mmsg::BATCH,
        }
    }
}

/// Datagrams one read must find queued for the loop to nap before its next poll.
const FLOODED: usize = 4;

/// The receive buffer a datagram socket asks for as it is created (the kernel doubles it,
/// and caps the request at `net.core.rmem_max`): room for a burst of ~4,000 datagrams
/// while the engine thread is not scheduled. An `option ID rcvbuf N` afterwards overrides it.
pub(crate) const SINK_RCVBUF: usize = 4 << 20;

impl Reactor {
    /// Gives a new datagram socket the sink's receive buffer and says what the kernel set
    /// (an `option rcvbuf` event, so that its options show it).
    pub(crate) fn sink_buffer(&mut self, id: SockId) {
        use crate::engine::event::{EventKind, Setting};
        use crate::engine::options::SockOpt;
        let Some(sock) = self.socks.get(&id) else {
            return;
        };
        let Some(os) = sock.os.as_ref() else {
            return;
        };
        if sock.proto.is_stream() || os.set_recv_buffer_size(SINK_RCVBUF).is_err() {
            return;
        }
        let Ok(value) = crate::engine::options::get(os, sock.family, SockOpt::RcvBuf) else {
            return;
        };
        let opt = SockOpt::RcvBuf;
        self.hub.emit(
            Some(id),
            None,
            EventKind::Set(Setting::Option { opt, value }),
        );
    }
}
