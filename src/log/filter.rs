//! Filtering and searching the log: by socket (with the connections accepted from it, unless
//! asked not to), by direction, by a text substring and by a byte (hex) substring.
//!
//! A socket filter follows the command language: `expect` and `respond` on a listener cover
//! the connections accepted from it, so the filter of a listener shows them too. Commands
//! have no socket of their own; one shows when the socket it acts on (its second word) is
//! the one filtered, by id or by name. Payloads that have left memory cannot be searched.

use super::format::{self, Direction};
use super::{Record, SessionLog};
use crate::engine::SockId;

/// What the log view shows. The default shows everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Only records of this socket (and, unless `exact_socket`, of connections accepted from it).
    pub socket: Option<SockId>,
    /// Leave out the connections accepted from `socket`.
    pub exact_socket: bool,
    /// Only these directions; empty means all.
    pub directions: Vec<Direction>,
    /// Only records whose payload or summary contains this text (ASCII case ignored); empty
    /// means any.
    pub text: String,
    /// Only records whose payload contains these bytes; empty means any.
    pub hex: Vec<u8>,
}

/// Why a hex search string was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not hex: give byte pairs such as 48 65 6c or 48:65:6c")]
pub struct HexError(pub String);

/// Parses a hex search string: byte pairs, optionally separated by spaces or `:`, optionally
/// prefixed by `hex:` or `0x`.
pub fn parse_hex(s: &str) -> Result<Vec<u8>, HexError> {
    let t = s.trim();
    let t = t
        .strip_prefix("hex:")
        .or_else(|| t.strip_prefix("0x"))
        .unwrap_or(t);
    let digits: String = t
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    super::read::decode_hex(&digits).ok_or_else(|| HexError(s.to_string()))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || hay.windows(needle.len()).any(|w| w == needle)
}

fn contains_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    needle.is_empty()
        || hay
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

/// The socket a command's word names: an id (`s3`) or a name the log has learned.
fn resolve(word: &str, log: &SessionLog) -> Option<SockId> {
    if let Some(n) = word.strip_prefix('s').and_then(|n| n.parse().ok()) {
        return Some(SockId(n));
    }
    log.names()
        .iter()
        .find(|(_, n)| n.as_str() == word)
        .map(|(id, _)| *id)
}

impl LogFilter {
    /// True when the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.socket.is_none()
            && self.directions.is_empty()
            && self.text.is_empty()
            && self.hex.is_empty()
    }

    /// Sets the byte search from a hex string (see [`parse_hex`]).
    pub fn set_hex(&mut self, s: &str) -> Result<(), HexError> {
        self.hex = parse_hex(s)?;
        Ok(())
    }

    fn socket_matches(&self, id: SockId, rec: &Record, log: &SessionLog) -> bool {
        let ours = |s: SockId| s == id || (!self.exact_socket && log.parent(s) == Some(id));
        match rec {
            Record::Event(_) => rec.socket().is_some_and(ours),
            Record::Command { line, .. } => line
                .split_whitespace()
                .nth(1)
                .and_then(|target| resolve(target, log))
                .is_some_and(ours),
        }
    }

    /// True when the record passes the filter.
    pub fn matches(&self, rec: &Record, log: &SessionLog) -> bool {
        if let Some(id) = self.socket
            && !self.socket_matches(id, rec, log)
        {
            return false;
        }
        if !self.directions.is_empty() && !self.directions.contains(&format::direction(rec)) {
            return false;
        }
        let data = format::payload(rec);
        if !self.hex.is_empty() && !data.is_some_and(|d| contains(d, &self.hex)) {
            return false;
        }
        if !self.text.is_empty() {
            let needle = self.text.as_bytes();
            let in_payload = data.is_some_and(|d| contains_ignore_case(d, needle));
            if !in_payload && !contains_ignore_case(format::summary(rec, log, 0).as_bytes(), needle)
            {
                return false;
            }
        }
        true
    }

    /// The indices of the records that pass, in order.
    pub fn indices(&self, log: &SessionLog) -> Vec<usize> {
        log.iter()
            .enumerate()
            .filter(|(_, r)| self.matches(r, log))
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::engine::{Addr, Event, EventKind};

    fn addr(s: &str) -> Addr {
        Addr::Ip(s.parse().unwrap())
    }

    fn sample() -> SessionLog {
        let mut log = SessionLog::new();
        log.push_command("listen srv");
        log.push_event(Event::on(
            1,
            EventKind::Listening {
                local: addr("127.0.0.1:5000"),
                backlog: 128,
            },
        ));
        log.push_event(Event::on(
            3,
            EventKind::Accepted {
                listener: SockId(1),
                local: addr("127.0.0.1:5000"),
                peer: addr("127.0.0.1:6000"),
                name: Some(Box::new("conn".into())),
            },
        ));
        log.push_command("send conn \"Hello\"");
        log.push_event(Event::on(
            3,
            EventKind::Sent {
                peer: None,
                data: Arc::from(&b"Hello"[..]),
                reply: false,
            },
        ));
        log.push_event(Event::on(
            2,
            EventKind::Received {
                peer: Some(addr("127.0.0.1:5000")),
                data: Arc::from(&[0u8, 0xff, 0x10][..]),
                truncated_from: None,
            },
        ));
        log
    }

    #[test]
    fn log_filter_by_socket_includes_accepted_unless_exact() {
        let log = sample();
        let mut f = LogFilter {
            socket: Some(SockId(1)),
            ..LogFilter::default()
        };
        assert_eq!(f.indices(&log), vec![1, 2, 3, 4]);
        f.exact_socket = true;
        assert_eq!(f.indices(&log), vec![1]);
        f.socket = Some(SockId(3));
        assert_eq!(f.indices(&log), vec![2, 3, 4]);
    }

    #[test]
    fn log_filter_by_direction_text_and_hex() {
        let log = sample();
        let f = LogFilter {
            directions: vec![Direction::Received, Direction::Command],
            ..LogFilter::default()
        };
        assert_eq!(f.indices(&log), vec![0, 3, 5]);
        let f = LogFilter {
            text: "hello".into(),
            ..LogFilter::default()
        };
        assert_eq!(f.indices(&log), vec![3, 4]);
        let f = LogFilter {
            text: "6000".into(),
            ..LogFilter::default()
        };
        assert_eq!(f.indices(&log), vec![2]);
        let mut f = LogFilter::default();
        f.set_hex("ff:10").unwrap();
        assert_eq!(f.indices(&log), vec![5]);
        assert!(f.set_hex("f").is_err());
        assert_eq!(parse_hex("hex:48 65").unwrap(), b"He");
        assert!(LogFilter::default().is_empty());
    }
}
