//! The command language round trip and fuzz: every statement prints to a line that parses
//! back to an equal value, and no input — random bytes or mangled valid lines — panics.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV4, SocketAddrV6};
use std::path::PathBuf;
use std::time::Duration;

use proptest::prelude::*;
use sockscope::engine::{
    Addr, AddrSpec, Command, Dir, Family, Fault, FloodLimit, Framing, How, LenMatch, Match,
    OnClose, OptValue, Payload, Ppm, Proto, Responder, Rule, SockId, SockOpt, SockRef,
};
use sockscope::lang::{Statement, is_id_like, parse_line, parse_script};

// ---------------------------------------------------------------- strategies

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9_-]{1,12}",
        "s[0-9]{0,3}[a-z_-][a-z0-9]{0,3}",
        "[a-zé漢Ж_-][a-z0-9éЖ_-]{0,6}",
        Just("auto".to_string()),
        Just("closed".to_string()),
        Just("reset".to_string()),
        Just("as".to_string()),
        Just("s".to_string()),
    ]
    .prop_filter("names may not look like ids", |n| !is_id_like(n))
}

fn sock() -> impl Strategy<Value = SockRef> {
    prop_oneof![
        any::<u32>().prop_map(|n| SockRef::Id(SockId(n))),
        (0u32..20).prop_map(|n| SockRef::Id(SockId(n))),
        name().prop_map(SockRef::Name),
    ]
}

fn host() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("localhost".to_string()),
        "[a-z][a-z0-9-]{0,10}(\\.[a-z0-9_-]{1,8}){0,3}",
        "[a-zA-Z0-9._-]{1,16}",
    ]
    .prop_filter("host names are not IPv4-like", |h| {
        !h.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    })
}

fn addr() -> impl Strategy<Value = AddrSpec> {
    prop_oneof![
        (any::<u32>(), any::<u16>()).prop_map(|(ip, port)| AddrSpec::Exact(Addr::Ip(
            SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::from(ip), port))
        ))),
        (
            any::<u128>(),
            any::<u16>(),
            prop_oneof![Just(0u32), any::<u32>()]
        )
            .prop_map(|(ip, port, scope)| AddrSpec::Exact(Addr::Ip(SocketAddr::V6(
                SocketAddrV6::new(Ipv6Addr::from(ip), port, 0, scope)
            )))),
        prop_oneof![
            Just(Ipv6Addr::LOCALHOST),
            Just(Ipv6Addr::UNSPECIFIED),
            any::<u32>().prop_map(|v4| Ipv4Addr::from(v4).to_ipv6_mapped()),
            any::<u16>().prop_map(|x| Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, x)),
        ]
        .prop_map(|ip| AddrSpec::Exact(Addr::Ip(SocketAddr::new(ip.into(), 80)))),
        any::<u16>().prop_map(AddrSpec::Any),
        (host(), any::<u16>()).prop_map(|(h, p)| AddrSpec::Host(h, p)),
        sock().prop_map(AddrSpec::LocalOf),
        prop_oneof![Just("/"), Just("./"), Just("../")]
            .prop_flat_map(
                |head| "[a-zA-Z0-9_.@:/-]{0,24}".prop_map(move |tail| format!("{head}{tail}"))
            )
            .prop_map(|p| AddrSpec::Exact(Addr::Path(PathBuf::from(p)))),
        "[a-zA-Z0-9_.:/-]{1,16}".prop_map(|n| AddrSpec::Exact(Addr::Abstract(n))),
    ]
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..48).prop_map(Payload::from),
        ".{0,24}".prop_map(|s: String| Payload::from(s.into_bytes())),
        "[ -~\\n\\r\\t]{0,32}".prop_map(|s: String| Payload::from(s.into_bytes())),
        ".{1,24}".prop_map(|s: String| Payload::File(PathBuf::from(s))),
        "[a-zA-Z0-9/._\\\\-]{1,24}".prop_map(|s: String| Payload::File(PathBuf::from(s))),
    ]
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (0u64..100_000).prop_map(Duration::from_millis),
        (0u64..100).prop_map(Duration::from_secs),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u32..1_000_000_000).prop_map(|n| Duration::new(0, n)),
    ]
}

fn command() -> impl Strategy<Value = Command> {
    let kind = prop_oneof![
        Just((Proto::Tcp, Family::V4)),
        Just((Proto::Tcp, Family::V6)),
        Just((Proto::Udp, Family::V4)),
        Just((Proto::Udp, Family::V6)),
        Just((Proto::UnixStream, Family::Unix)),
        Just((Proto::UnixDgram, Family::Unix)),
    ];
    let how = prop_oneof![Just(How::Read), Just(How::Write), Just(How::Both)];
    let responder = prop_oneof![
        Just(Responder::Off),
        Just(Responder::Echo),
        Just(Responder::Upper),
        payload().prop_map(Responder::Fixed),
    ];
    prop_oneof![
        (kind, proptest::option::of(name())).prop_map(|((proto, family), name)| {
            Command::Socket {
                proto,
                family,
                name,
            }
        }),
        (sock(), addr()).prop_map(|(sock, addr)| Command::Bind { sock, addr }),
        (sock(), proptest::option::of(any::<u32>()))
            .prop_map(|(sock, backlog)| Command::Listen { sock, backlog }),
        (
            sock(),
            proptest::option::of(name()),
            proptest::option::of(duration())
        )
            .prop_map(|(sock, name, timeout)| Command::Accept {
                sock,
                name,
                timeout
            }),
        (sock(), any::<bool>()).prop_map(|(sock, on)| Command::AcceptAuto { sock, on }),
        (sock(), addr(), proptest::option::of(duration())).prop_map(|(sock, addr, timeout)| {
            Command::Connect {
                sock,
                addr,
                timeout,
            }
        }),
        (sock(), payload()).prop_map(|(sock, payload)| Command::Send { sock, payload }),
        (sock(), addr(), payload()).prop_map(|(sock, addr, payload)| Command::SendTo {
            sock,
            addr,
            payload
        }),
        (sock(), responder).prop_map(|(sock, responder)| Command::Respond { sock, responder }),
        (sock(), how).prop_map(|(sock, how)| Command::Shutdown { sock, how }),
        sock().prop_map(|sock| Command::Close { sock }),
        Just(Command::Status),
        tool_command(),
    ]
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..24)
}

/// The commands beyond the core lifecycle (framing, step mode, rules, timed sends, options).
fn tool_command() -> impl Strategy<Value = Command> {
    let framing = prop_oneof![
        Just(Framing::Raw),
        proptest::collection::vec(any::<u8>(), 1..6).prop_map(Framing::Delimited),
        (prop_oneof![Just(1u8), Just(2), Just(4)], any::<bool>()).prop_map(|(width, be)| {
            Framing::LengthPrefixed {
                width,
                big_endian: be || width == 1,
            }
        }),
        (1usize..100_000).prop_map(Framing::Fixed),
    ];
    let on = prop_oneof![
        Just(Match::Any),
        bytes().prop_map(Match::Exact),
        bytes().prop_map(Match::Contains),
        bytes().prop_map(Match::Prefix),
        any::<String>().prop_map(Match::Regex),
        prop_oneof![
            Just(LenMatch::Even),
            Just(LenMatch::Odd),
            any::<usize>().prop_map(LenMatch::Eq),
            any::<usize>().prop_map(LenMatch::Less),
            any::<usize>().prop_map(LenMatch::More),
        ]
        .prop_map(Match::Len),
    ];
    let opt = proptest::sample::select(SockOpt::ALL.to_vec());
    let group = prop_oneof![
        any::<u32>().prop_map(|n| std::net::IpAddr::V4(Ipv4Addr::from(n))),
        any::<u128>().prop_map(|n| std::net::IpAddr::V6(Ipv6Addr::from(n))),
    ];
    let iface = proptest::option::of("[a-z0-9.:_-]{1,12}");
    prop_oneof![
        (sock(), framing).prop_map(|(sock, framing)| Command::Frame { sock, framing }),
        (sock(), 1usize..=65_536).prop_map(|(sock, size)| Command::RecvSize { sock, size }),
        (sock(), any::<bool>()).prop_map(|(sock, manual)| Command::RecvMode { sock, manual }),
        (sock(), proptest::option::of(1usize..=65_536))
            .prop_map(|(sock, max)| Command::Recv { sock, max }),
        sock().prop_map(|sock| Command::Ready { sock }),
        (sock(), on, bytes(), any::<bool>()).prop_map(|(sock, on, reply, close)| {
            Command::RuleAdd {
                sock,
                rule: Rule { on, reply, close },
            }
        }),
        sock().prop_map(|sock| Command::RuleClear { sock }),
        (sock(), proptest::option::of(payload()), any::<bool>()).prop_map(
            |(sock, greeting, close)| {
                Command::Greet {
                    close: close && greeting.is_some(),
                    sock,
                    greeting,
                }
            }
        ),
        (
            sock(),
            proptest::option::of(1u64..),
            duration(),
            payload(),
            proptest::option::of(addr())
        )
            .prop_map(|(sock, count, every, payload, to)| Command::Repeat {
                sock,
                count,
                every,
                payload,
                to
            }),
        sock().prop_map(|sock| Command::RepeatStop { sock }),
        (sock(), 1usize..=u32::MAX as usize, duration(), payload()).prop_map(
            |(sock, size, delay, payload)| Command::Chunked {
                sock,
                size,
                delay,
                payload
            }
        ),
        (
            sock(),
            opt,
            proptest::option::of(any::<u32>()),
            any::<bool>()
        )
            .prop_map(|(sock, opt, n, b)| {
                let value = n.map(|n| {
                    if opt.is_bool() {
                        OptValue::Bool(b)
                    } else if opt == SockOpt::Linger && b {
                        OptValue::Off
                    } else {
                        OptValue::Num(n)
                    }
                });
                Command::SetOption { sock, opt, value }
            }),
        (sock(), group.clone(), iface.clone()).prop_map(|(sock, group, iface)| Command::Join {
            sock,
            group,
            iface
        }),
        (sock(), group, iface).prop_map(|(sock, group, iface)| Command::Leave {
            sock,
            group,
            iface
        }),
        sock().prop_map(|sock| Command::Abort { sock }),
        (
            sock(),
            prop_oneof![Just(OnClose::Close), Just(OnClose::Keep)]
        )
            .prop_map(|(sock, policy)| Command::OnClose { sock, policy }),
        (
            sock(),
            1usize..=65_536,
            proptest::option::of(1u64..),
            prop_oneof![
                (1u64..).prop_map(FloodLimit::Count),
                duration().prop_map(FloodLimit::Time)
            ],
            proptest::option::of(addr())
        )
            .prop_map(|(sock, size, rate, limit, to)| Command::Flood {
                sock,
                size,
                rate,
                limit,
                to
            }),
        sock().prop_map(|sock| Command::Stats { sock }),
        sock().prop_map(|sock| Command::StatusOf { sock }),
        (
            sock(),
            proptest::option::of((addr(), proptest::option::of(duration())))
        )
            .prop_map(|(sock, to)| Command::Relay {
                sock,
                idle: to.as_ref().and_then(|t| t.1),
                to: to.map(|t| t.0),
            }),
        (
            sock(),
            prop_oneof![Just(None), Just(Some(Dir::Up)), Just(Some(Dir::Down))],
            fault()
        )
            .prop_map(|(sock, dir, fault)| Command::Fault { sock, dir, fault }),
    ]
}

fn fault() -> impl Strategy<Value = Fault> {
    let ppm = (0u32..=1_000_000).prop_map(Ppm);
    prop_oneof![
        (duration(), prop_oneof![Just(Duration::ZERO), duration()])
            .prop_map(|(delay, jitter)| Fault::Delay { delay, jitter }),
        proptest::option::of(1u64..).prop_map(Fault::Throttle),
        ppm.clone().prop_map(Fault::Drop),
        ppm.prop_map(Fault::Corrupt),
        proptest::option::of(any::<u64>()).prop_map(Fault::Cut),
        proptest::option::of(prop_oneof![any::<u64>(), (0u64..64).prop_map(|n| n << 20)])
            .prop_map(Fault::Stall),
        Just(Fault::Off),
    ]
}

/// `stress ADDR …`: every combination the words accept (`check` refuses the others).
fn stress() -> impl Strategy<Value = Statement> {
    use sockscope::stress::{Connect, Limit, Mode, StressConfig, Transport};
    let target = prop_oneof![
        addr().prop_filter("a server", sockscope::stress::words::is_target),
        sock().prop_map(AddrSpec::LocalOf),
    ];
    let some_bytes = || proptest::collection::vec(any::<u8>(), 1..24);
    let mode = prop_oneof![
        (some_bytes(), proptest::option::of(some_bytes())).prop_map(|(p, e)| Mode::PingPong {
            payload: p.into(),
            expect: e.map(Into::into)
        }),
        (1usize..=1 << 20).prop_map(|size| Mode::Throughput { size }),
    ];
    let limit = prop_oneof![
        duration().prop_map(Limit::For),
        (1u64..).prop_map(Limit::Count)
    ];
    let transport = prop_oneof![
        Just(Transport::Tcp),
        Just(Transport::Udp),
        Just(Transport::Tls)
    ];
    let tls = (
        proptest::option::of(host()),
        proptest::option::of("[a-zA-Z0-9/._ -]{1,16}"),
        any::<bool>(),
    );
    let report = proptest::option::of("[a-z/ _]{0,9}[a-z]\\.(csv|json)");
    let knobs = (1usize..=10_000, proptest::option::of(1u64..), any::<bool>());
    (target, mode, limit, transport, tls, report, knobs).prop_map(
        |(addr, mode, limit, transport, tls, report, (clients, rate, per))| {
            let mut test = StressConfig::pingpong(addr, clients, b"x", limit);
            test.transport = match (&mode, transport) {
                (Mode::Throughput { .. }, _) => Transport::Tcp,
                (_, t) => t,
            };
            test.mode = mode;
            test.rate = rate;
            test.connect = if per {
                Connect::PerRequest
            } else {
                Connect::Once
            };
            if test.transport == Transport::Tls {
                (test.tls.sni, test.tls.ca, test.tls.insecure) =
                    (tls.0, tls.1.map(PathBuf::from), tls.2);
            }
            Statement::Stress(Box::new(sockscope::lang::StressStmt {
                test,
                report: report.map(PathBuf::from),
            }))
        },
    )
}

fn statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        4 => command().prop_map(Statement::Engine),
        1 => (sock(), payload(), proptest::option::of(duration())).prop_map(
            |(sock, payload, timeout)| Statement::Expect {
                sock,
                payload,
                timeout
            }
        ),
        1 => (sock(), proptest::option::of(duration()))
            .prop_map(|(sock, timeout)| Statement::ExpectClosed { sock, timeout }),
        1 => (sock(), proptest::option::of(duration()))
            .prop_map(|(sock, timeout)| Statement::ExpectReset { sock, timeout }),
        1 => duration().prop_map(Statement::Sleep),
        1 => stress(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn every_statement_round_trips(stmt in statement()) {
        let text = stmt.to_string();
        prop_assert_eq!(parse_line(&text), Ok(Some(stmt.clone())), "printed as {:?}", text);
        // The printed line is a single line, so it also works as a script line.
        let script = parse_script(&format!("# generated\n{text}\n")).map(|l| {
            l.into_iter().map(|s| (s.line, s.stmt)).collect::<Vec<_>>()
        });
        prop_assert_eq!(script, Ok(vec![(2, stmt)]));
    }
}

// ---------------------------------------------------------------- fuzz

/// A small deterministic generator (splitmix64), so the fuzz is reproducible and cheap.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const VALID: &[&str] = &[
    "socket tcp",
    "socket udp v6 as srv",
    "socket tcp v4 as my_sock-2",
    "bind s1 127.0.0.1:0",
    "bind srv [::1]:8080",
    "bind s1 [fe80::1%2]:0",
    "bind s1 *:9000",
    "listen s1",
    "listen s1 16",
    "accept s1",
    "accept s1 as conn 2s",
    "accept srv 250ms",
    "accept s1 auto",
    "accept s1 auto off",
    "connect s2 $s1",
    "connect s2 localhost:80 1.5s",
    "send s2 \"hello\\r\\n\\x00\\\"q\\\"\"",
    "send s2 hex:48656c6c6f",
    "send s2 hex:\"48 65:6c\"",
    "send s2 file:/tmp/x.bin",
    "send s2 file:\"/tmp/a b\\tc\"",
    "sendto s1 127.0.0.1:9 \"ping\"",
    "expect s2 \"pong\" 100ms",
    "expect s2 closed",
    "expect s2 closed 0.5ms",
    "respond s1 echo",
    "respond s1 upper",
    "respond s1 \"HTTP/1.0 200 OK\\r\\n\\r\\n\"",
    "shutdown s2 write",
    "close s2",
    "sleep 1.5s",
    "status",
    "frame s1 lines",
    "frame s1 delim \"||\"",
    "frame s1 len2be",
    "frame s1 fixed 8",
    "recvsize s1 8",
    "recvmode s1 manual",
    "recv s1 4",
    "ready s1",
    "rule s1 add regex \"^(..)*$\" reply \"OK {len}\"",
    "rule s1 add len even reply \"OK\"",
    "rule s1 add len <10 reply \"short\" close",
    "rule s1 add exact \"close\" reply \"bye\" close",
    "rule s1 clear",
    "greet s1 \"Hey there!!!\" close",
    "repeat s1 5 100ms \"n={counter}\" to 127.0.0.1:9",
    "repeat s1 stop",
    "chunked s1 3 10ms \"abcdefgh\"",
    "option s1 linger 0",
    "option s1 nodelay on",
    "join s1 239.1.2.3 127.0.0.1",
    "leave s1 ff02::1 lo",
    "abort s1",
    "flood s1 1400 max 2s to 127.0.0.1:9",
    "flood s1 64 1000/s 5000",
    "stats s1",
    "socket unix dgram as u",
    "bind u /tmp/sockscope-x.sock",
    "connect s1 @sockscope-abstract",
    "stress $srv clients 4 pingpong hi count 200 report r.json",
    "stress 127.0.0.1:7 clients 2 pingpong \"a b\" expect hex:00 for 2s rate 500/s connect per-request udp",
    "stress localhost:443 clients 1 pingpong x tls sni a.test ca \"my ca.pem\" insecure",
    "# comment",
    "",
];

const ALPHABET: &[&str] = &[
    "\"",
    "\\",
    ":",
    "$",
    "[",
    "]",
    "%",
    "*",
    "#",
    " ",
    "\t",
    "x",
    "0",
    "9",
    "f",
    "s",
    "s1",
    ".",
    "-",
    "_",
    "é",
    "漢",
    "\u{200b}",
    "\u{0}",
    "\r",
    "ms",
    "s",
    "hex:",
    "file:",
    "as",
    "auto",
    "\\x",
    "\\q",
    "99999999999999999999",
    "65536",
    "::",
    "\u{feff}",
];

/// Applies one random edit to `line`, keeping it valid UTF-8.
fn mutate(rng: &mut Rng, line: &str) -> String {
    let cuts: Vec<usize> = line
        .char_indices()
        .map(|(i, _)| i)
        .chain([line.len()])
        .collect();
    let a = *rng.pick(&cuts);
    let b = *rng.pick(&cuts);
    let (lo, hi) = (a.min(b), a.max(b));
    let (head, mid, tail) = (&line[..lo], &line[lo..hi], &line[hi..]);
    match rng.below(6) {
        0 => format!("{head}{tail}"),
        1 => format!("{head}{}{mid}{tail}", rng.pick(ALPHABET)),
        2 => format!("{head}{}{tail}", rng.pick(ALPHABET)),
        3 => format!("{head}{mid}{mid}{tail}"),
        4 => head.to_string(),
        _ => format!("{head}{mid} {}", rng.pick(VALID)),
    }
}

/// Checks one input: no panic, sane error positions, and every parse re-prints exactly.
/// Returns whether it parsed to a statement.
fn check(line: &str) -> bool {
    match parse_line(line) {
        Ok(Some(stmt)) => {
            let text = stmt.to_string();
            assert_eq!(
                parse_line(&text),
                Ok(Some(stmt)),
                "{line:?} printed as {text:?}"
            );
            true
        }
        Ok(None) => false,
        Err(e) => {
            assert_eq!(e.line, 1);
            assert!(
                e.col >= 1 && e.col <= line.chars().count() + 1,
                "{line:?}: {e}"
            );
            assert!(!e.expected.is_empty() && !e.found.is_empty());
            false
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5eed_0001);
    for _ in 0..250_000 {
        let len = rng.below(40);
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                // Mostly printable ASCII, sometimes anything.
                if rng.below(4) == 0 {
                    rng.next() as u8
                } else {
                    b' ' + rng.below(95) as u8
                }
            })
            .collect();
        let _ = check(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn mutated_lines_never_panic() {
    let mut rng = Rng(0x5eed_0002);
    let mut parsed = 0;
    for _ in 0..250_000 {
        let mut line = rng.pick(VALID).to_string();
        for _ in 0..=rng.below(3) {
            line = mutate(&mut rng, &line);
        }
        parsed += usize::from(check(&line));
    }
    // Enough mutants stay valid for the re-print check to mean something.
    assert!(parsed > 5_000, "only {parsed} mutants parsed");
}

#[test]
fn random_scripts_never_panic() {
    let mut rng = Rng(0x5eed_0003);
    for _ in 0..5_000 {
        let mut script = String::new();
        for _ in 0..rng.below(12) {
            let line = rng.pick(VALID).to_string();
            let line = if rng.below(5) == 0 {
                mutate(&mut rng, &line)
            } else {
                line
            };
            script.push_str(&line);
            script.push_str(if rng.below(3) == 0 { "\r\n" } else { "\n" });
        }
        let lines = script.lines().count();
        match parse_script(&script) {
            Ok(parsed) => {
                assert!(parsed.iter().all(|l| l.line >= 1 && l.line <= lines));
                assert!(parsed.windows(2).all(|w| w[0].line < w[1].line));
            }
            Err(e) => assert!(e.line >= 1 && e.line <= lines, "{script:?}: {e}"),
        }
    }
}
