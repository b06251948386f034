//! A script that holds both ends of a connection it accepts by hand runs them as two
//! threads, the server side and the client side, as the tutorials' multi-thread section
//! does: the setup (up to the last `listen`) runs first, then each side's steps in order.

use std::collections::HashSet;

use crate::engine::Command;
use crate::lang::{ScriptLine, Statement};

use super::names::Names;
use super::servers::ServerConf;

/// Which thread a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// The listeners the script accepts from by hand, and their connections.
    Server,
    /// Everything else: the clients, sleeps, status.
    Client,
}

/// The listeners accepted from by hand.
pub(crate) fn manual_listeners<'a>(confs: impl Iterator<Item = &'a ServerConf>) -> HashSet<String> {
    confs
        .filter(|c| c.accepts_by_hand)
        .map(|c| c.var.clone())
        .collect()
}

/// The side of a statement just written (`names` as it stands after it).
pub(crate) fn side_of(stmt: &Statement, names: &Names, listeners: &HashSet<String>) -> Side {
    let target = match stmt {
        Statement::Engine(Command::Socket { .. }) => names.last(),
        Statement::Engine(cmd) => cmd.target().and_then(|r| names.get(r)),
        Statement::Expect { sock, .. }
        | Statement::ExpectClosed { sock, .. }
        | Statement::ExpectReset { sock, .. } => names.get(sock),
        Statement::Sleep(_) | Statement::Packet(_) | Statement::Stress(_) => None,
    };
    let server = target.is_some_and(|s| {
        listeners.contains(&s.var) || s.parent.as_ref().is_some_and(|p| listeners.contains(p))
    });
    if server { Side::Server } else { Side::Client }
}

/// Index of the statement that ends the setup: the last `listen` of a manual listener.
pub(crate) fn setup_end(lines: &[ScriptLine], sides: &[Side]) -> Option<usize> {
    lines.iter().zip(sides).rposition(|(l, s)| {
        *s == Side::Server && matches!(l.stmt, Statement::Engine(Command::Listen { .. }))
    })
}

fn indent(chunk: &str) -> String {
    chunk
        .lines()
        .map(|l| {
            if l.is_empty() {
                String::new()
            } else {
                format!("    {l}\n")
            }
        })
        .map(|l| if l.is_empty() { "\n".to_string() } else { l })
        .collect()
}

/// The steps as two threads after the setup; `vars` are the sockets both sides share.
pub(crate) fn two_threads(chunks: &[(Side, String)], setup: usize, vars: &[String]) -> String {
    let mut out =
        String::from("\n\n# Setup: the listening socket is ready before either side starts.\n");
    for (_, c) in &chunks[..=setup] {
        out.push_str(c);
    }
    let globals = format!("    global {}\n", vars.join(", "));
    for (side, name) in [(Side::Server, "server_side"), (Side::Client, "client_side")] {
        out.push_str(&format!(
            "\n\ndef {name}():\n    \"\"\"The {} end's steps, in the script's order.\"\"\"\n{globals}",
            if side == Side::Server { "server" } else { "client" }
        ));
        for (_, c) in chunks[setup + 1..].iter().filter(|(s, _)| *s == side) {
            out.push_str(&indent(c));
        }
    }
    out.push_str(
        "\n\nfailures = []\n\n\ndef run_side(name, steps):\n    \
         \"\"\"Runs one side; a failed expect or a socket error is kept for the exit status.\"\"\"\n    \
         try:\n        steps()\n    except SystemExit as e:\n        failures.append(f\"{name}: {e}\")\n    \
         except Exception as e:\n        failures.append(f\"{name}: {e!r}\")\n\n\n\
         sides = [threading.Thread(target=run_side, args=(\"server side\", server_side)),\n         \
         threading.Thread(target=run_side, args=(\"client side\", client_side))]\n\
         for t in sides:\n    t.start()\nfor t in sides:\n    t.join(120)\n\
         if failures or any(t.is_alive() for t in sides):\n    \
         sys.exit(\"; \".join(failures) or \"a side did not finish\")\n",
    );
    out
}
