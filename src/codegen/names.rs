//! Python variable names for a script's sockets, and what each socket is (transport, family).

use std::collections::HashMap;

use crate::engine::{Family, Proto, SockRef};

/// Names Python or the program's own helpers already use.
const TAKEN: &[&str] = &[
    "and",
    "as",
    "assert",
    "async",
    "await",
    "break",
    "class",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "finally",
    "for",
    "from",
    "global",
    "if",
    "import",
    "in",
    "is",
    "lambda",
    "nonlocal",
    "not",
    "or",
    "pass",
    "raise",
    "return",
    "try",
    "while",
    "with",
    "yield",
    "None",
    "True",
    "False",
    "socket",
    "sys",
    "time",
    "threading",
    "select",
    "struct",
    "re",
    "got",
    "lock",
    "reachable",
    "take",
    "expect",
    "expect_closed",
    "expect_reset",
    "received",
    "recv_before",
    "failures",
    "run_side",
    "server_side",
    "client_side",
    "sides",
    "t",
    "fill",
    "step_recv",
    "data",
    "TIMEOUT",
    "print",
    "open",
    "range",
    "len",
    "main",
];

/// One socket as the program knows it.
#[derive(Debug, Clone)]
pub(crate) struct SockInfo {
    /// The Python variable.
    pub var: String,
    /// Its transport.
    pub proto: Proto,
    /// Its family.
    pub family: Family,
    /// The listener it was accepted from, for accepted connections.
    pub parent: Option<String>,
}

/// The script's sockets in creation order, found by name or by engine id (`s3`).
///
/// Ids are counted as the engine counts them for the sockets the script creates and accepts
/// by hand; connections accepted by `accept ID auto` also take ids, which a script cannot
/// know in advance, so a script that names those by id is not followed exactly.
#[derive(Debug, Default)]
pub(crate) struct Names {
    by_ref: HashMap<String, usize>,
    socks: Vec<SockInfo>,
    next_id: u32,
}

impl Names {
    /// Records a new socket (created or accepted) and gives its variable.
    pub fn create(
        &mut self,
        name: Option<&str>,
        proto: Proto,
        family: Family,
        parent: Option<String>,
    ) -> String {
        self.next_id += 1;
        let id = format!("s{}", self.next_id);
        let var = self.fresh(name.unwrap_or(&id));
        let idx = self.socks.len();
        self.socks.push(SockInfo {
            var: var.clone(),
            proto,
            family,
            parent,
        });
        self.by_ref.insert(id, idx);
        if let Some(n) = name {
            self.by_ref.insert(n.to_string(), idx);
        }
        var
    }

    /// The socket a reference names, if the script made it.
    pub fn get(&self, r: &SockRef) -> Option<&SockInfo> {
        self.by_ref.get(&r.to_string()).map(|&i| &self.socks[i])
    }

    /// Every socket's variable so far, in creation order.
    pub fn vars(&self) -> Vec<String> {
        self.socks.iter().map(|s| s.var.clone()).collect()
    }

    /// The socket made last.
    pub fn last(&self) -> Option<&SockInfo> {
        self.socks.last()
    }

    /// A Python identifier for `name`, unlike any given before.
    fn fresh(&self, name: &str) -> String {
        let mut base: String = name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        if base.chars().next().is_none_or(|c| c.is_ascii_digit()) || TAKEN.contains(&&*base) {
            base = format!("{base}_sock");
        }
        let mut var = base.clone();
        let mut n = 2;
        while self.socks.iter().any(|s| s.var == var) {
            var = format!("{base}_{n}");
            n += 1;
        }
        var
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codegen::python_rt::{FILL, PRELUDE};
    use crate::codegen::python_sides::{Side, two_threads};

    /// The names the program's fixed text binds at module level: `def NAME(`, `NAME = `,
    /// `for NAME in`.
    fn module_names(text: &str) -> Vec<String> {
        let word = |c: char| c.is_alphanumeric() || c == '_';
        text.lines()
            .filter(|l| !l.starts_with([' ', '#']))
            .filter_map(|line| {
                let mut words = line.split(|c| !word(c)).filter(|w| !w.is_empty());
                let first = words.next()?;
                match first {
                    "def" | "for" => words.next(),
                    _ if line[first.len()..].trim_start().starts_with("= ") => Some(first),
                    _ => None,
                }
                .map(str::to_string)
            })
            .collect()
    }

    /// A socket named after one of the program's own helpers or globals would rebind it
    /// (a socket `expect_reset` made every later `expect … reset` call the socket; one
    /// named `t` was rebound by the loop that starts the two sides' threads).
    #[test]
    fn no_socket_variable_takes_a_name_the_program_binds_itself() {
        let chunks = [
            (Side::Server, "s1 = 1\n".to_string()),
            (Side::Client, "s2 = 2\n".to_string()),
        ];
        let sides = two_threads(&chunks, 0, &["s1".into()]);
        let bound: Vec<String> = [PRELUDE, FILL, sides.as_str()]
            .iter()
            .flat_map(|t| module_names(t))
            .filter(|n| n != "s1" && n != "s2")
            .collect();
        for must in [
            "expect",
            "expect_closed",
            "expect_reset",
            "fill",
            "run_side",
            "t",
        ] {
            assert!(
                bound.iter().any(|n| n == must),
                "{must} not found in {bound:?}"
            );
        }
        let mut names = Names::default();
        for name in &bound {
            let var = names.create(Some(name), Proto::Tcp, Family::V4, None);
            assert_ne!(&var, name, "a socket named {name} keeps the name");
        }
    }
}
