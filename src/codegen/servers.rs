//! A first pass over the script: which sockets serve by themselves (auto-accept, responder,
//! rules, greeting) and with what, so their loop can be written before the steps run.

use std::collections::HashMap;

use crate::engine::{Command, Framing, Payload, Proto, Responder, Rule};
use crate::lang::{ScriptLine, Statement};

use super::names::{Names, SockInfo};

/// How one socket answers, as it stands at the end of the script.
#[derive(Debug, Clone)]
pub(crate) struct ServerConf {
    /// The socket's variable.
    pub var: String,
    /// Its transport.
    pub proto: Proto,
    /// `accept ID auto` is on.
    pub auto: bool,
    /// The responder.
    pub responder: Responder,
    /// The rule table, first rule first.
    pub rules: Vec<Rule>,
    /// The greeting and whether the connection closes after it.
    pub greet: Option<(Payload, bool)>,
    /// How received stream bytes are cut into messages.
    pub framing: Framing,
    /// Bytes per recv.
    pub recv_size: Option<usize>,
    /// Index of the last statement that configures it: its loop starts after that one.
    pub last: usize,
    /// The script accepts connections from it by hand (`accept ID [as NAME]`).
    pub accepts_by_hand: bool,
}

impl ServerConf {
    /// True when something answers what arrives (a responder or a rule).
    pub fn answers(&self) -> bool {
        self.responder != Responder::Off || !self.rules.is_empty()
    }

    /// True when the socket gets a serving thread: a stream listener accepting by itself, or
    /// a datagram socket that answers.
    pub fn serves(&self) -> bool {
        if self.proto.is_stream() {
            self.auto
        } else {
            self.answers()
        }
    }

    /// True when connections accepted by hand from it still need a thread to answer them.
    pub fn serves_accepted(&self) -> bool {
        self.proto.is_stream() && (self.answers() || self.greet.is_some())
    }
}

/// The serving configuration of every socket a configuring command names, by variable.
pub(crate) fn collect(lines: &[ScriptLine]) -> HashMap<String, ServerConf> {
    let mut names = Names::default();
    let mut confs: HashMap<String, ServerConf> = HashMap::new();
    for (i, line) in lines.iter().enumerate() {
        let Statement::Engine(cmd) = &line.stmt else {
            continue;
        };
        match cmd {
            Command::Socket {
                proto,
                family,
                name,
            } => {
                names.create(name.as_deref(), *proto, *family, None);
                continue;
            }
            Command::Accept { sock, name, .. } => {
                if let Some(info) = names.get(sock).cloned() {
                    entry(&mut confs, &info, i).accepts_by_hand = true;
                    names.create(name.as_deref(), info.proto, info.family, Some(info.var));
                }
                continue;
            }
            _ => {}
        }
        let Some(info) = cmd.target().and_then(|r| names.get(r)) else {
            continue;
        };
        let conf = entry(&mut confs, info, i);
        if configure(conf, cmd) {
            conf.last = i;
        }
    }
    confs
}

/// The configuration of a socket, made empty at its first mention (statement `i`).
fn entry<'a>(
    confs: &'a mut HashMap<String, ServerConf>,
    info: &SockInfo,
    i: usize,
) -> &'a mut ServerConf {
    confs.entry(info.var.clone()).or_insert_with(|| ServerConf {
        var: info.var.clone(),
        proto: info.proto,
        auto: false,
        responder: Responder::Off,
        rules: Vec::new(),
        greet: None,
        framing: Framing::Raw,
        recv_size: None,
        last: i,
        accepts_by_hand: false,
    })
}

/// Applies one command to the configuration; true when it was a configuring command.
fn configure(conf: &mut ServerConf, cmd: &Command) -> bool {
    match cmd {
        Command::AcceptAuto { on, .. } => conf.auto = *on,
        Command::Respond { responder, .. } => conf.responder = responder.clone(),
        Command::RuleAdd { rule, .. } => conf.rules.push(rule.clone()),
        Command::RuleClear { .. } => conf.rules.clear(),
        Command::Greet {
            greeting, close, ..
        } => conf.greet = greeting.clone().map(|g| (g, *close)),
        Command::Frame { framing, .. } => conf.framing = framing.clone(),
        Command::RecvSize { size, .. } => conf.recv_size = Some(*size),
        Command::Bind { .. } | Command::Listen { .. } => {}
        _ => return false,
    }
    true
}
