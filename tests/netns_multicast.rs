//! Broadcast and multicast between two network namespaces this test creates itself (two
//! hosts joined by a veth pair), driven by the real binary. Traffic never leaves them.
//! Skips with a clear message where namespaces cannot be created (not root, no iproute2).

use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

/// Two namespaces joined by a veth pair: `a` is 10.213.<n>.1, `b` is 10.213.<n>.2.
struct Hosts {
    a: String,
    b: String,
    net: u8,
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

impl Hosts {
    /// Creates the namespaces, or says why not.
    fn new(tag: &str, net: u8) -> Result<Hosts, String> {
        let pid = std::process::id();
        let h = Hosts {
            a: format!("ssa-{tag}-{pid}"),
            b: format!("ssb-{tag}-{pid}"),
            net,
        };
        let (va, vb) = (format!("va{net}"), format!("vb{net}"));
        let (ea, eb) = (format!("10.213.{net}.1/24"), format!("10.213.{net}.2/24"));
        for ns in [&h.a, &h.b] {
            if !ip(&["netns", "add", ns]) {
                return Err(format!("`ip netns add {ns}` failed"));
            }
            // No duplicate address detection: IPv6 addresses are usable at once.
            let _ = Command::new("ip")
                .args([
                    "netns",
                    "exec",
                    ns,
                    "sysctl",
                    "-qw",
                    "net.ipv6.conf.all.accept_dad=0",
                ])
                .args(["net.ipv6.conf.default.accept_dad=0"])
                .status();
        }
        let steps: Vec<Vec<&str>> = vec![
            vec![
                "link", "add", &va, "netns", &h.a, "type", "veth", "peer", "name", &vb, "netns",
                &h.b,
            ],
            vec!["-n", &h.a, "addr", "add", &ea, "dev", &va],
            vec!["-n", &h.b, "addr", "add", &eb, "dev", &vb],
            vec!["-n", &h.a, "link", "set", "lo", "up"],
            vec!["-n", &h.b, "link", "set", "lo", "up"],
            vec!["-n", &h.a, "link", "set", &va, "up"],
            vec!["-n", &h.b, "link", "set", &vb, "up"],
            vec!["-n", &h.a, "route", "add", "224.0.0.0/4", "dev", &va],
            vec!["-n", &h.b, "route", "add", "224.0.0.0/4", "dev", &vb],
        ];
        for step in steps {
            if !ip(&step) {
                return Err(format!("`ip {}` failed", step.join(" ")));
            }
        }
        Ok(h)
    }

    /// The interface index of `dev` inside namespace `ns`.
    fn ifindex(&self, ns: &str, dev: &str) -> Option<u32> {
        let out = Command::new("ip")
            .args([
                "netns",
                "exec",
                ns,
                "cat",
                &format!("/sys/class/net/{dev}/ifindex"),
            ])
            .output()
            .ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    }

    /// Runs a sockscope script inside namespace `ns`.
    fn spawn(&self, ns: &str, script: &str) -> Child {
        let dir =
            std::env::temp_dir().join(format!("sockscope-netns-{}-{ns}.scope", std::process::id()));
        std::fs::write(&dir, script).expect("write script");
        Command::new("ip")
            .env(
                "SOCKSCOPE_DATA_DIR",
                std::env::temp_dir().join("sockscope-test-data"),
            )
            .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_sockscope"), "run"])
            .arg(&dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start sockscope in the namespace")
    }
}

impl Drop for Hosts {
    fn drop(&mut self) {
        ip(&["netns", "del", &self.a]);
        ip(&["netns", "del", &self.b]);
    }
}

fn hosts(tag: &str, net: u8) -> Option<Hosts> {
    match Hosts::new(tag, net) {
        Ok(h) => Some(h),
        Err(why) => {
            eprintln!(
                "skipping: cannot create network namespaces here ({why}); needs root and iproute2"
            );
            None
        }
    }
}

fn text(o: &Output) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// The receiver waits for one datagram while the sender repeats it until the receiver is up.
fn exchange(h: &Hosts, receiver: &str, sender: &str) {
    let rx = h.spawn(&h.b, receiver);
    std::thread::sleep(Duration::from_millis(200));
    let tx = h.spawn(&h.a, sender);
    let rx = rx.wait_with_output().expect("receiver ends");
    let tx = tx.wait_with_output().expect("sender ends");
    assert_eq!(
        rx.status.code(),
        Some(0),
        "receiver:\n{}\nsender:\n{}",
        text(&rx),
        text(&tx)
    );
    assert_eq!(tx.status.code(), Some(0), "sender:\n{}", text(&tx));
}

#[test]
fn ipv4_multicast_between_two_hosts() {
    let Some(h) = hosts("m4", 41) else { return };
    let receiver = format!(
        "socket udp as r\nbind r 0.0.0.0:5400\njoin r 239.1.2.3 10.213.{n}.2\n\
         expect r \"hello group\" 5s\nleave r 239.1.2.3 10.213.{n}.2\n",
        n = h.net
    );
    let sender = format!(
        "socket udp as s\nbind s 10.213.{n}.1:0\noption s mcast-ttl 1\n\
         repeat s 30 100ms \"hello group\" to 239.1.2.3:5400\nsleep 3s\n",
        n = h.net
    );
    exchange(&h, &receiver, &sender);
}

#[test]
fn ipv4_broadcast_between_two_hosts() {
    let Some(h) = hosts("b4", 42) else { return };
    let receiver = "socket udp as r\nbind r 0.0.0.0:5401\nexpect r \"hello all\" 5s\n".to_string();
    let sender = format!(
        "socket udp as s\nbind s 10.213.{n}.1:0\noption s broadcast on\n\
         repeat s 30 100ms \"hello all\" to 10.213.{n}.255:5401\nsleep 3s\n",
        n = h.net
    );
    exchange(&h, &receiver, &sender);
}

#[test]
fn broadcast_without_so_broadcast_is_refused() {
    let Some(h) = hosts("nb", 43) else { return };
    let sender = format!(
        "socket udp as s\nbind s 10.213.{n}.1:0\nsendto s 10.213.{n}.255:5402 \"x\"\n",
        n = h.net
    );
    let out = h.spawn(&h.a, &sender).wait_with_output().expect("ends");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("permission denied"),
        "{}",
        text(&out)
    );
}

#[test]
fn ipv6_multicast_between_two_hosts() {
    let Some(h) = hosts("m6", 44) else { return };
    let idx = h.ifindex(&h.a, "va44").expect("interface index");
    let receiver = "socket udp v6 as r\nbind r [::]:5403\njoin r ff12::5:3 vb44\n\
         expect r \"hello v6 group\" 5s\n"
        .to_string();
    let sender = format!(
        "socket udp v6 as s\nbind s [::]:0\noption s mcast-ttl 1\n\
         repeat s 30 100ms \"hello v6 group\" to [ff12::5:3%{idx}]:5403\nsleep 3s\n"
    );
    exchange(&h, &receiver, &sender);
}
