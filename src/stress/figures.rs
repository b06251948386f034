//! The figures of a stress test: counters, failures by kind, and latency percentiles
//! from an HDR histogram (1 ns to 60 s, 3 significant digits).

use std::fmt;
use std::io::ErrorKind;
use std::time::Duration;

use hdrhistogram::Histogram;

/// How many kinds of failure there are.
pub const KINDS: usize = 8;

/// Why a request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Failure {
    /// The server refused the connection.
    ConnectRefused,
    /// The connection did not complete in time.
    ConnectTimedOut,
    /// The TLS handshake after the connect failed (certificate refused, reset, silence).
    TlsFailed,
    /// The server reset the connection.
    Reset,
    /// No reply in time.
    RecvTimedOut,
    /// The server closed the connection before replying.
    ClosedByPeer,
    /// The reply was not the expected one.
    Mismatch,
    /// Another error.
    Other,
}

impl Failure {
    /// Every kind, in report order.
    pub const ALL: [Failure; KINDS] = [
        Failure::ConnectRefused,
        Failure::ConnectTimedOut,
        Failure::TlsFailed,
        Failure::Reset,
        Failure::RecvTimedOut,
        Failure::ClosedByPeer,
        Failure::Mismatch,
        Failure::Other,
    ];

    /// The kind of an I/O error seen while connecting (`connecting`) or exchanging.
    pub fn of(e: &std::io::Error, connecting: bool) -> Failure {
        match e.kind() {
            ErrorKind::ConnectionRefused => Failure::ConnectRefused,
            ErrorKind::TimedOut | ErrorKind::WouldBlock if connecting => Failure::ConnectTimedOut,
            ErrorKind::TimedOut | ErrorKind::WouldBlock => Failure::RecvTimedOut,
            ErrorKind::ConnectionReset | ErrorKind::ConnectionAborted | ErrorKind::BrokenPipe => {
                Failure::Reset
            }
            ErrorKind::UnexpectedEof => Failure::ClosedByPeer,
            _ => Failure::Other,
        }
    }

    /// Its name in reports.
    pub fn name(self) -> &'static str {
        match self {
            Failure::ConnectRefused => "connect_refused",
            Failure::ConnectTimedOut => "connect_timed_out",
            Failure::TlsFailed => "tls_failed",
            Failure::Reset => "reset",
            Failure::RecvTimedOut => "recv_timed_out",
            Failure::ClosedByPeer => "closed_by_peer",
            Failure::Mismatch => "reply_mismatch",
            Failure::Other => "other",
        }
    }

    fn index(self) -> usize {
        Failure::ALL
            .iter()
            .position(|f| *f == self)
            .unwrap_or(KINDS - 1)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Counters one client thread keeps (merged by the gatherer).
#[derive(Debug, Clone)]
pub struct Tally {
    /// Requests sent.
    pub sent: u64,
    /// Requests answered as expected (throughput: blocks written).
    pub ok: u64,
    /// Failures by kind ([`Failure::ALL`] order).
    pub failed: [u64; KINDS],
    /// Bytes written.
    pub bytes_out: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Connections made.
    pub connects: u64,
    /// Request latencies, ns (a loopback round trip is ~10 µs: whole µs would be 10 % steps).
    pub latency: Histogram<u64>,
}

impl Default for Tally {
    fn default() -> Tally {
        Tally {
            sent: 0,
            ok: 0,
            failed: [0; KINDS],
            bytes_out: 0,
            bytes_in: 0,
            connects: 0,
            latency: new_histogram(),
        }
    }
}

/// The longest latency recorded, ns (60 s); longer ones count as this.
const MAX_NS: u64 = 60_000_000_000;

/// A histogram of 1 ns to 60 s at 3 significant digits.
fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_NS, 3)
        .unwrap_or_else(|_| unreachable!("1..60e9 at 3 digits are valid bounds"))
}

impl Tally {
    /// Counts a failure.
    pub fn fail(&mut self, why: Failure) {
        self.failed[why.index()] += 1;
    }

    /// Records an answered request and its latency.
    pub fn answered(&mut self, took: Duration) {
        self.ok += 1;
        self.latency
            .saturating_record(took.as_nanos().clamp(1, u128::from(MAX_NS)) as u64);
    }

    /// Adds `other` in (and leaves it as it was).
    pub fn add(&mut self, other: &Tally) {
        self.sent += other.sent;
        self.ok += other.ok;
        for (a, b) in self.failed.iter_mut().zip(other.failed) {
            *a += b;
        }
        self.bytes_out += other.bytes_out;
        self.bytes_in += other.bytes_in;
        self.connects += other.connects;
        let _ = self.latency.add(&other.latency);
    }
}

/// What a stress test reports, live (four times a second) and at the end.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Figures {
    /// Seconds since the start.
    pub secs: f64,
    /// Answered requests per second over the last interval.
    pub qps: f64,
    /// The highest `qps` so far.
    pub qps_peak: f64,
    /// Requests sent.
    pub sent: u64,
    /// Requests answered as expected.
    pub ok: u64,
    /// Requests failed, all kinds.
    pub failed: u64,
    /// Failures by kind (kinds with none are left out).
    pub failures: Vec<(Failure, u64)>,
    /// Connections open now.
    pub active: u64,
    /// Connections made.
    pub connects: u64,
    /// Bytes written and read.
    pub bytes_out: u64,
    /// Bytes read.
    pub bytes_in: u64,
    /// Latency median, µs (to the ns).
    pub p50_us: f64,
    /// 95th percentile, µs.
    pub p95_us: f64,
    /// 99th percentile, µs.
    pub p99_us: f64,
    /// Maximum, µs.
    pub max_us: f64,
}

impl Figures {
    /// The figures of `t` at `secs`, with the rate now and the peak so far.
    pub fn of(t: &Tally, secs: f64, qps: f64, qps_peak: f64, active: u64) -> Figures {
        let h = &t.latency;
        let us = |ns: u64| if h.is_empty() { 0.0 } else { ns as f64 / 1e3 };
        let q = |p: f64| us(h.value_at_quantile(p));
        Figures {
            secs,
            qps,
            qps_peak,
            sent: t.sent,
            ok: t.ok,
            failed: t.failed.iter().sum(),
            failures: Failure::ALL
                .iter()
                .zip(t.failed)
                .filter(|(_, n)| *n > 0)
                .map(|(f, n)| (*f, n))
                .collect(),
            active,
            connects: t.connects,
            bytes_out: t.bytes_out,
            bytes_in: t.bytes_in,
            p50_us: q(0.50),
            p95_us: q(0.95),
            p99_us: q(0.99),
            max_us: us(h.max()),
        }
    }
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:.2} s: {:.0} req/s (peak {:.0}), sent {} ok {} failed {}, {} active, out {} B in {} B, latency p50 {:.1} µs p95 {:.1} µs p99 {:.1} µs max {:.1} µs",
            self.secs,
            self.qps,
            self.qps_peak,
            self.sent,
            self.ok,
            self.failed,
            self.active,
            self.bytes_out,
            self.bytes_in,
            self.p50_us,
            self.p95_us,
            self.p99_us,
            self.max_us
        )?;
        for (k, n) in &self.failures {
            write!(f, ", {k} {n}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tallies_add_up_and_percentiles_come_from_the_histogram() {
        let mut a = Tally::default();
        for us in 1..=100 {
            a.sent += 1;
            a.answered(Duration::from_micros(us * 10));
        }
        let mut b = Tally {
            sent: 3,
            ..Tally::default()
        };
        b.fail(Failure::Reset);
        b.fail(Failure::Mismatch);
        b.fail(Failure::Reset);
        a.add(&b);
        let f = Figures::of(&a, 1.0, 100.0, 120.0, 4);
        assert_eq!((f.sent, f.ok, f.failed), (103, 100, 3));
        assert_eq!(
            f.failures,
            vec![(Failure::Reset, 2), (Failure::Mismatch, 1)]
        );
        assert!((499.0..=501.0).contains(&f.p50_us), "{}", f.p50_us);
        assert!((989.0..=991.0).contains(&f.p99_us), "{}", f.p99_us);
        assert!((999.0..=1001.0).contains(&f.max_us), "{}", f.max_us);
    }

    #[test]
    fn io_errors_map_to_their_kinds() {
        let table = [
            (ErrorKind::ConnectionRefused, true, Failure::ConnectRefused),
            (ErrorKind::TimedOut, true, Failure::ConnectTimedOut),
            (ErrorKind::WouldBlock, false, Failure::RecvTimedOut),
            (ErrorKind::ConnectionReset, false, Failure::Reset),
            (ErrorKind::UnexpectedEof, false, Failure::ClosedByPeer),
        ];
        for (kind, connecting, failure) in table {
            let e = std::io::Error::from(kind);
            assert_eq!(Failure::of(&e, connecting), failure, "{kind:?}");
        }
    }
}
