//! The log searched a slice at a time, so that a long log never stalls a frame: the
//! filter bar and Find both go on from where the last frame stopped.

use std::time::{Duration, Instant};

use crate::log::SessionLog;
use crate::log::filter::LogFilter;

/// Where a search of the log stands: how far it has checked, and the indices that matched.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Scan {
    /// Records checked so far (the log's first `scanned`).
    pub scanned: usize,
    /// The indices of the records that matched, in order.
    pub found: Vec<usize>,
}

impl Scan {
    /// Starts again from the first record.
    pub fn restart(&mut self) {
        self.scanned = 0;
        self.found.clear();
    }

    /// Checks records not checked yet against `filter`, `chunk` at a time, until `budget`
    /// is spent; returns true when every record has been checked. An empty filter matches
    /// everything and checks nothing.
    pub fn run(
        &mut self,
        log: &SessionLog,
        filter: &LogFilter,
        chunk: usize,
        budget: Duration,
    ) -> bool {
        if filter.is_empty() {
            self.scanned = log.len();
            return true;
        }
        let start = Instant::now();
        while self.scanned < log.len() {
            let end = (self.scanned + chunk).min(log.len());
            for (i, rec) in log.iter_range(self.scanned..end).enumerate() {
                if filter.matches(&rec, log) {
                    self.found.push(self.scanned + i);
                }
            }
            self.scanned = end;
            if start.elapsed() >= budget {
                break;
            }
        }
        self.scanned >= log.len()
    }
}
