//! What a stress test does: the server, the clients, the exchange and when it ends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::engine::tls::ClientSpec;

/// The exchange each client repeats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Send a payload, wait for the reply (`expect`, or the payload itself echoed).
    PingPong {
        /// What is sent.
        payload: Arc<[u8]>,
        /// The reply that counts as ok; `None`: the payload itself (an echo).
        expect: Option<Arc<[u8]>>,
    },
    /// Send blocks of this many bytes as fast as the server takes them.
    Throughput {
        /// Bytes per send.
        size: usize,
    },
}

/// When the test ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// After this long.
    For(Duration),
    /// After this many requests in all (shared by the clients).
    Count(u64),
}

/// How clients connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connect {
    /// One connection per client for the whole test.
    Once,
    /// A new connection for every request (connection-rate test).
    PerRequest,
}

/// The transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// TCP.
    Tcp,
    /// UDP (a connected socket per client).
    Udp,
    /// TLS over TCP: a handshake after every connect (rustls), then the exchange.
    Tls,
}

/// A stress test. `A` is how the server is given: a socket address when the test runs, an
/// address of the language (`$srv`, `localhost:7`) in a `stress` statement, resolved when
/// the statement runs ([`StressConfig::at`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StressConfig<A = SocketAddr> {
    /// The server.
    pub addr: A,
    /// Concurrent clients.
    pub clients: usize,
    /// What each client does.
    pub mode: Mode,
    /// When it ends.
    pub limit: Limit,
    /// Requests per second in all, or `None` for as fast as the server answers.
    pub rate: Option<u64>,
    /// How clients connect.
    pub connect: Connect,
    /// The transport.
    pub transport: Transport,
    /// How long a connect, a handshake or a reply may take before it counts as failed.
    pub timeout: Duration,
    /// With [`Transport::Tls`]: the server name (`sni`), the CA file (`ca`), `insecure`.
    pub tls: ClientSpec,
}

/// Most concurrent clients.
pub const MAX_CLIENTS: usize = 10_000;

impl<A> StressConfig<A> {
    /// A test of `clients` clients echoing `payload` to `addr` until `limit`.
    pub fn pingpong(addr: A, clients: usize, payload: &[u8], limit: Limit) -> StressConfig<A> {
        StressConfig {
            addr,
            clients,
            mode: Mode::PingPong {
                payload: payload.into(),
                expect: None,
            },
            limit,
            rate: None,
            connect: Connect::Once,
            transport: Transport::Tcp,
            timeout: Duration::from_secs(5),
            tls: ClientSpec::default(),
        }
    }

    /// The same test against the server at `addr`.
    pub fn at<B>(&self, addr: B) -> StressConfig<B> {
        StressConfig {
            addr,
            clients: self.clients,
            mode: self.mode.clone(),
            limit: self.limit,
            rate: self.rate,
            connect: self.connect,
            transport: self.transport,
            timeout: self.timeout,
            tls: self.tls.clone(),
        }
    }

    /// Why the test cannot run, in plain words.
    pub fn check(&self) -> Result<(), String> {
        if self.transport != Transport::Tls && self.tls != ClientSpec::default() {
            return Err("sni, ca and insecure go with tls".into());
        }
        if self.clients == 0 || self.clients > MAX_CLIENTS {
            return Err(format!("a stress test has 1 to {MAX_CLIENTS} clients"));
        }
        match &self.mode {
            Mode::PingPong { payload, .. } if payload.is_empty() => {
                return Err("a ping-pong payload is at least 1 byte".into());
            }
            Mode::Throughput { size } if *size == 0 || *size > 1 << 20 => {
                return Err("a throughput block is 1 byte to 1 MiB".into());
            }
            Mode::Throughput { .. } if self.transport != Transport::Tcp => {
                return Err("throughput is measured over tcp (a UDP flood is `flood`; over tls, use pingpong)".into());
            }
            _ => {}
        }
        if self.rate == Some(0) || self.limit == Limit::Count(0) {
            return Err("a stress test's rate and count are at least 1".into());
        }
        Ok(())
    }
}
