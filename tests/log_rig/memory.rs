//! The memory tests' set-up: datagram events made in bulk, a log that spills to a folder,
//! the process's resident memory, and the figures a child process prints.

use std::path::Path;
use std::sync::Arc;
use std::time::SystemTime;

use sockscope::engine::{Addr, Event, EventKind, SockId};
use sockscope::log::SessionLog;

/// The peer every bulk datagram comes from.
pub fn local_peer() -> Addr {
    Addr::Ip("127.0.0.1:5000".parse().expect("literal address"))
}

/// A `Received` event of `data` on socket `sock`, from `peer`, now.
pub fn received_at(sock: u32, peer: &Addr, data: Arc<[u8]>) -> Event {
    Event {
        at: SystemTime::now(),
        socket: Some(SockId(sock)),
        cmd: None,
        kind: EventKind::Received {
            peer: Some(peer.clone()),
            data,
            truncated_from: None,
        },
    }
}

/// Datagram `i` on s1: `datagram ` and `i` in 56 digits.
pub fn datagram(i: usize, peer: &Addr) -> Event {
    received_at(1, peer, Arc::from(format!("datagram {i:056}").into_bytes()))
}

/// A log that keeps `window` records in memory and spills the rest into `dir`.
pub fn spilling_log(dir: &Path, window: usize) -> SessionLog {
    let mut log = SessionLog::new();
    log.set_spill_dir(dir);
    log.set_record_window(window);
    log
}

/// This process's resident memory in KiB (0 where /proc does not say).
pub fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// The numbers right after `key` on the first line of `text` that has it.
pub fn figures_after(text: &str, key: &str) -> Vec<i64> {
    text.lines()
        .find_map(|l| l.split_once(key).map(|(_, v)| v))
        .map(|v| v.split_whitespace().map_while(|n| n.parse().ok()).collect())
        .unwrap_or_default()
}
