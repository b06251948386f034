//! Engine test: shutting the engine down closes every socket and joins its thread.
//! Alone in its file so that no other test opens descriptors in the same process meanwhile.

mod common;

use common::Rig;
use sockscope::engine::{Family, Proto};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or(0)
}

fn engine_threads() -> usize {
    let Ok(dir) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    dir.filter_map(|t| t.ok())
        .filter(|t| {
            std::fs::read_to_string(t.path().join("comm"))
                .map(|c| c.trim() == "sockscope-engin")
                .unwrap_or(false)
        })
        .count()
}

#[test]
fn shutdown_leaks_no_descriptor_and_no_thread() {
    let before = open_fds();
    let threads_before = engine_threads();
    {
        let mut rig = Rig::new();
        let (_, addr) = rig.auto_listener();
        for _ in 0..10 {
            let c = rig.socket(Proto::Tcp, Family::V4);
            rig.ok(common::connect(c, addr));
        }
        rig.bound_udp();
        assert!(open_fds() >= before + 22, "the sockets are really open");
        assert_eq!(engine_threads(), threads_before + 1);
    } // Rig drop shuts the engine down.
    assert_eq!(open_fds(), before, "every descriptor is released");
    assert_eq!(
        engine_threads(),
        threads_before,
        "the engine thread is joined"
    );
}
