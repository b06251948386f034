//! The session log's spill files stay within their disk budget (issue 19 item 6: at
//! 100 k datagrams/s the spill grew about 300 GB a day): past the budget the oldest file is
//! closed, which frees its space, and its records are dropped and counted; the newest ones
//! still read back intact.

mod log_rig;

use log_rig::memory::{datagram, local_peer, spilling_log};
use sockscope::log::{CHUNK, Record};

/// Spill files this process holds open (unlinked, so they show as deleted).
fn open_spill_files() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| {
        d.filter_map(Result::ok)
            .filter_map(|e| std::fs::read_link(e.path()).ok())
            .filter(|p| p.to_string_lossy().contains(".spill-"))
            .count()
    })
}

#[test]
fn log_spill_keeps_within_its_disk_budget_dropping_the_oldest() {
    let dir = tempfile::tempdir().expect("spill folder");
    let peer = local_peer();
    let mut log = spilling_log(dir.path(), CHUNK);
    // A chunk of these records takes about 800 KB spilled: 4 MiB holds five of them.
    let budget = 4u64 << 20;
    log.set_spill_disk_budget(budget);
    let total = 60 * CHUNK;
    let mut biggest = 0;
    for i in 0..total {
        log.push_event(datagram(i, &peer));
        biggest = biggest.max(log.spill().file_bytes);
    }
    let spill = log.spill().clone();
    assert!(
        biggest <= budget,
        "the spill files grew to {biggest} B (budget {budget} B): {spill:?}"
    );
    assert_eq!(spill.lost, 0, "{spill:?}");
    assert!(spill.dropped >= 40 * CHUNK as u64, "{spill:?}");
    assert_eq!(spill.dropped % CHUNK as u64, 0, "{spill:?}");
    // The closed files are closed: their disk space is free.
    assert!(
        open_spill_files() <= 6,
        "{} spill files open",
        open_spill_files()
    );
    // What is left reads back: every record not dropped, in order, the oldest kept first.
    let kept: Vec<usize> = log
        .iter()
        .map(|r| match &*r {
            Record::Event(ev) => {
                let text = String::from_utf8_lossy(ev.payload().unwrap_or_default()).to_string();
                text.trim_start_matches("datagram ")
                    .parse()
                    .unwrap_or(usize::MAX)
            }
            Record::Command { .. } => usize::MAX,
        })
        .collect();
    assert_eq!(kept.len() as u64, total as u64 - spill.dropped);
    let first = spill.dropped as usize;
    assert!(
        kept.iter().copied().eq(first..total),
        "records read back out of order"
    );
    assert!(log.get(0).is_none() && log.get(first).is_some());
    assert_eq!(log.len(), total);
}
