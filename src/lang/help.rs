//! The command words with their usage and a line of help, for `help` and tab completion.

/// One command word of the language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandHelp {
    /// The word that starts the line (`bind`).
    pub name: &'static str,
    /// Its forms (`bind ID ADDR`); several forms are separated by ` | `.
    pub usage: &'static str,
    /// What it does, in one line.
    pub about: &'static str,
}

/// Every command word, in the order of the language's reference.
pub const COMMANDS: &[CommandHelp] = &[
    CommandHelp {
        name: "socket",
        usage: "socket tcp|udp [v4|v6] [as NAME] | socket unix [stream|dgram] [as NAME]",
        about: "create a socket (IPv4 unless v6 is given; unix: a path or @name is its address)",
    },
    CommandHelp {
        name: "bind",
        usage: "bind ID ADDR",
        about: "bind; the reply shows the address the OS gave",
    },
    CommandHelp {
        name: "listen",
        usage: "listen ID [BACKLOG]",
        about: "TCP: start listening (backlog default 128)",
    },
    CommandHelp {
        name: "accept",
        usage: "accept ID [as NAME] [DURATION] | accept ID auto [on|off]",
        about: "TCP: accept one pending connection as a new socket, or every one as it arrives",
    },
    CommandHelp {
        name: "connect",
        usage: "connect ID ADDR [DURATION]",
        about: "TCP: connect; UDP: fix the peer (only its datagrams are received)",
    },
    CommandHelp {
        name: "send",
        usage: "send ID PAYLOAD [checksum ALG]",
        about: "TCP, or connected UDP: send all of PAYLOAD ({seq} {time} {hex:..} filled in; ALG appended)",
    },
    CommandHelp {
        name: "sendto",
        usage: "sendto ID ADDR PAYLOAD [checksum ALG]",
        about: "UDP: send one datagram to ADDR",
    },
    CommandHelp {
        name: "expect",
        usage: "expect ID PAYLOAD [DURATION] | expect ID closed [DURATION] | expect ID reset [DURATION]",
        about: "wait (default 5s) until ID has received PAYLOAD, until its peer has closed, or until its peer has reset it",
    },
    CommandHelp {
        name: "respond",
        usage: "respond ID echo|upper|off|PAYLOAD",
        about: "auto-reply to everything ID receives: echo, upper-cased echo, stop, or PAYLOAD",
    },
    CommandHelp {
        name: "shutdown",
        usage: "shutdown ID read|write|both",
        about: "TCP half-close",
    },
    CommandHelp {
        name: "close",
        usage: "close ID",
        about: "close the socket",
    },
    CommandHelp {
        name: "sleep",
        usage: "sleep DURATION",
        about: "wait",
    },
    CommandHelp {
        name: "status",
        usage: "status [ID]",
        about: "one line per socket: id, name, protocol, state, addresses, bytes in and out; with ID, that socket and the connections it accepted",
    },
    CommandHelp {
        name: "frame",
        usage: "frame ID raw|lines|crlf|len1|len2be|len2le|len4be|len4le | frame ID delim PAYLOAD | frame ID fixed N",
        about: "TCP: cut received bytes into messages (a listener passes it on to its connections)",
    },
    CommandHelp {
        name: "recvsize",
        usage: "recvsize ID N",
        about: "read at most N bytes (1-65536) per recv, as recv(N) does",
    },
    CommandHelp {
        name: "recvmode",
        usage: "recvmode ID auto|manual",
        about: "receive in the background, or only when you say recv (step mode)",
    },
    CommandHelp {
        name: "recv",
        usage: "recv ID [N]",
        about: "step mode: one recv of at most N bytes now",
    },
    CommandHelp {
        name: "ready",
        usage: "ready ID",
        about: "readable / writable as select() says, and bytes waiting, without reading",
    },
    CommandHelp {
        name: "rule",
        usage: "rule ID add any|exact P|contains P|prefix P|regex P|len L|checksum ALG ok|bad reply TEMPLATE [checksum ALG] [close] | rule ID clear",
        about: "reply table: first matching rule answers ({data} {rx[0..2]} {upper} {len} {peer} {counter} {seq} {time} {1}..{9})",
    },
    CommandHelp {
        name: "greet",
        usage: "greet ID PAYLOAD [close] | greet ID off",
        about: "TCP listener: send PAYLOAD to every accepted connection (then close it)",
    },
    CommandHelp {
        name: "repeat",
        usage: "repeat ID COUNT|forever INTERVAL PAYLOAD [checksum ALG] [to ADDR] | repeat ID stop",
        about: "send again and again ({counter} {seq} {time} {random} in the payload)",
    },
    CommandHelp {
        name: "packet",
        usage: "packet save NAME PAYLOAD [checksum ALG] [to ADDR] | packet del NAME | packet list",
        about: "the packet library: @NAME is a packet's payload wherever a PAYLOAD goes",
    },
    CommandHelp {
        name: "chunked",
        usage: "chunked ID SIZE DELAY PAYLOAD",
        about: "send PAYLOAD in pieces of SIZE bytes, DELAY apart (to test a peer's framing)",
    },
    CommandHelp {
        name: "option",
        usage: "option ID NAME [VALUE]",
        about: "set a socket option, or read it back (reuseaddr reuseport nodelay keepalive keepidle keepintvl keepcnt rcvbuf sndbuf ttl linger v6only broadcast mcast-ttl mcast-loop)",
    },
    CommandHelp {
        name: "join",
        usage: "join ID GROUP [INTERFACE]",
        about: "UDP: join a multicast group (IPv4 or IPv6)",
    },
    CommandHelp {
        name: "leave",
        usage: "leave ID GROUP [INTERFACE]",
        about: "UDP: leave a multicast group",
    },
    CommandHelp {
        name: "flood",
        usage: "flood ID SIZE max|N/s COUNT|DURATION [to ADDR]",
        about: "traffic generator: SIZE-byte sends as fast as possible or N a second; totals reported, not each send",
    },
    CommandHelp {
        name: "stats",
        usage: "stats ID",
        about: "counters of a socket and its rates since the previous stats",
    },
    CommandHelp {
        name: "abort",
        usage: "abort ID",
        about: "TCP: close with linger 0, so the peer gets a reset",
    },
    CommandHelp {
        name: "tls",
        usage: "tls ID client [sni NAME] [alpn P1,P2] [ca FILE] [insecure] [timeout D] | tls ID server [cert FILE key FILE] [self-signed [NAME…]] [alpn P1,P2] [client-auth ca FILE] [timeout D] | tls ID save-cert FILE",
        about: "TCP: TLS handshake now (a connection, also after plaintext: STARTTLS) or for every accepted connection (a listener); save-cert writes the server's certificate",
    },
    CommandHelp {
        name: "onclose",
        usage: "onclose ID close|keep",
        about: "listener: close a connection it accepted once the peer has closed and all is sent (default for auto-accept), or keep it half-open (default for accept)",
    },
    CommandHelp {
        name: "relay",
        usage: "relay ID to ADDR [idle DURATION] | relay ID off",
        about: "TCP listener: every accepted connection opens its own connection to ADDR, bytes pass both ways; bound UDP socket: one session per client (ends after idle, 60s)",
    },
    CommandHelp {
        name: "fault",
        usage: "fault ID [up|down] delay D [jitter J] | throttle SIZE/s | drop P% | corrupt P% | cut after SIZE | stall after SIZE | off",
        about: "a relay's fault injection, per direction (both without up/down); throttle/cut/stall also take off",
    },
    CommandHelp {
        name: "stress",
        usage: "stress ADDR clients N pingpong PAYLOAD [expect PAYLOAD] | throughput SIZE [for DURATION|count K] [rate R/s] [connect per-request|once] [tcp|udp|tls [sni NAME] [ca FILE] [insecure]] [report FILE]",
        about: "N concurrent clients against a server: live figures four times a second, then the report (a failed request fails the script)",
    },
];

/// The command reference, one command a line (usage and what it does): the text of the
/// shell's `help` and of the app's Help → Command language.
pub fn help_text() -> String {
    let mut s = String::from("commands (see shared/spec/COMMANDS.md):\n");
    for c in COMMANDS {
        s.push_str(&format!("  {:<44} {}\n", c.usage, c.about));
    }
    s.push_str("  help                                         this list\n  quit                                         leave (closes every socket)");
    s
}

/// The help of a command word, if it is one.
pub fn command_help(name: &str) -> Option<&'static CommandHelp> {
    COMMANDS.iter().find(|c| c.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_usage_starts_with_its_name() {
        for c in COMMANDS {
            assert!(c.usage.starts_with(c.name), "{}", c.name);
            assert!(!c.about.is_empty());
        }
        assert_eq!(command_help("bind").map(|c| c.usage), Some("bind ID ADDR"));
        assert_eq!(command_help("bnd"), None);
    }
}
