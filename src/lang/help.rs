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
        usage: "socket tcp|udp [v4|v6] [as NAME]",
        about: "create a socket (IPv4 unless v6 is given)",
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
        usage: "send ID PAYLOAD",
        about: "TCP, or connected UDP: send all of PAYLOAD",
    },
    CommandHelp {
        name: "sendto",
        usage: "sendto ID ADDR PAYLOAD",
        about: "UDP: send one datagram to ADDR",
    },
    CommandHelp {
        name: "expect",
        usage: "expect ID PAYLOAD [DURATION] | expect ID closed [DURATION]",
        about: "wait (default 5s) until ID has received PAYLOAD, or until its peer has closed",
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
        usage: "status",
        about: "one line per socket: id, name, protocol, state, addresses, bytes in and out",
    },
];

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
