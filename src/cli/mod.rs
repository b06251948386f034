//! The command line: `sockscope` (the desktop app), `sockscope run FILE|-`, `sockscope shell`,
//! `sockscope recover`, `sockscope code`.

mod code;
mod journaling;
mod out;
mod paste;
mod recover;
mod run;
mod shell;
mod sigint;
mod stress;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use code::{CodeLang, code};
pub use recover::{RecoverArgs, recover_cmd};
pub use run::run;
pub use shell::shell;
pub use stress::stress;

/// The version line: package version and the git commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("SOCKSCOPE_COMMIT"),
    ")"
);

/// sockscope: a socket tester and socket lab. With no command it opens the desktop app.
#[derive(Debug, Parser)]
#[command(name = "sockscope", version = VERSION, about, long_about = None)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Cli {
    /// What to do; none opens the desktop app.
    #[command(subcommand)]
    pub command: Option<Cmd>,
    /// A script to run in the window as it opens (as File → Open script… does), so that a
    /// `.scope` file opens from a file manager or a terminal.
    #[arg(value_name = "FILE.scope")]
    pub script: Option<PathBuf>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Cmd {
    /// Run a script of sockscope commands headless (`-` reads standard input).
    ///
    /// Exit status: 0 when every command and expect succeeded, 1 when one failed at run
    /// time, 2 when the script does not parse (nothing runs then).
    Run {
        /// The script file, or `-` for standard input.
        file: String,
        /// Also save the session log to FILE (.txt, .jsonl, .csv, .pcap, .svg or .scope).
        #[arg(long, value_name = "FILE")]
        log: Option<PathBuf>,
        /// Print each command before its events.
        #[arg(long)]
        echo: bool,
        /// How the session prints, journals and finds its packets.
        #[command(flatten)]
        session: SessionArgs,
    },
    /// An interactive shell: type commands, see events as they happen.
    Shell {
        /// How the session prints, journals and finds its packets.
        #[command(flatten)]
        session: SessionArgs,
    },
    /// Recover the log of a session that did not end cleanly (crash, kill -9), from its
    /// journal in the data folder (`$SOCKSCOPE_DATA_DIR` or ~/.local/share/sockscope).
    ///
    /// With no option: describe the newest such journal. Exit status 1 when there is none.
    Recover {
        /// List the journals left by unfinished sessions, newest first.
        #[arg(long)]
        list: bool,
        /// Save the log to FILE (.txt, .jsonl or .csv), then delete the journal.
        #[arg(long, value_name = "FILE")]
        save: Option<PathBuf>,
        /// Keep the journal after saving.
        #[arg(long, requires = "save")]
        keep: bool,
        /// The journal file (default: the newest left in the data folder).
        journal: Option<PathBuf>,
    },
    /// Stress a server: `stress ADDR clients N (pingpong PAYLOAD [expect PAYLOAD] |
    /// throughput SIZE) [for DURATION | count K] [rate R/s] [connect per-request|once]
    /// [tcp|udp|tls] [sni NAME] [ca FILE] [insecure] [report FILE]`. Figures four times a
    /// second, then the final report.
    ///
    /// Exit status: 0 when every request succeeded, 1 when some failed, 2 when the words
    /// do not make a test.
    Stress {
        /// Print the figures as JSON lines.
        #[arg(long)]
        json: bool,
        /// Also save the final report to FILE (.csv or .json).
        #[arg(long, value_name = "FILE")]
        report: Option<PathBuf>,
        /// The statement's words after `stress`.
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true)]
        words: Vec<String>,
    },
    /// Print the script as a program in LANG that makes the same exchange with plain
    /// sockets (`-` reads standard input). Steps it cannot translate are listed on stderr.
    ///
    /// Exit status: 0 when the program was written, 2 when the script does not parse.
    Code {
        /// The language of the program.
        lang: CodeLang,
        /// The script file, or `-` for standard input.
        file: String,
    },
}

/// The options `run` and `shell` share: how a session prints, journals and finds its
/// packets.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SessionArgs {
    /// Print events as JSON lines instead of text.
    #[arg(long)]
    pub json: bool,
    /// Under each error, a second line for a learner: the call that failed, the errno's
    /// name, what it means, the usual cause and what to try.
    #[arg(long)]
    pub explain: bool,
    /// Keep no crash journal (by default the session is journaled in the data folder until
    /// it ends, for `sockscope recover` after a crash).
    #[arg(long)]
    pub no_journal: bool,
    /// The packet library for `@NAME` and `packet` lines (default: packets.json in the
    /// data folder).
    #[arg(long, value_name = "FILE")]
    pub packets: Option<PathBuf>,
}

/// Starts an engine and a runner over it printing through `printer`; on failure says why
/// and gives the exit status.
pub(crate) fn start_runner(
    json: bool,
    text_bytes: usize,
    printer: crate::script::Printer,
) -> Result<crate::script::Runner, i32> {
    let engine = crate::engine::Engine::start().map_err(|e| {
        err_line(&format!("cannot start the engine: {e}"));
        1
    })?;
    let output = if json {
        crate::script::Output::Json
    } else {
        crate::script::Output::Text(text_bytes)
    };
    Ok(crate::script::Runner::new(engine, output, printer))
}

/// Writes a line to standard output, ignoring a closed pipe.
pub(crate) fn out_line(line: &str) {
    use std::io::Write;
    out::flush_out();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Writes a line to standard error, ignoring a closed pipe.
pub(crate) fn err_line(line: &str) {
    use std::io::Write;
    out::flush_out();
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[cfg(test)]
mod cli_tests {
    use super::*;

    #[test]
    fn a_script_file_alone_opens_the_window_with_it() {
        let cli = Cli::try_parse_from(["sockscope", "demo.scope"]).expect("parses");
        assert!(cli.command.is_none());
        assert_eq!(cli.script, Some(PathBuf::from("demo.scope")));
        let cli = Cli::try_parse_from(["sockscope", "run", "demo.scope"]).expect("parses");
        assert!(matches!(cli.command, Some(Cmd::Run { .. })));
        assert_eq!(cli.script, None);
        let cli = Cli::try_parse_from(["sockscope"]).expect("parses");
        assert!(cli.command.is_none() && cli.script.is_none());
    }

    #[test]
    fn run_and_shell_take_the_same_session_options() {
        let flags = ["--json", "--explain", "--no-journal", "--packets", "p.json"];
        let run = Cli::try_parse_from(
            ["sockscope", "run", "--echo", "a.scope"]
                .iter()
                .chain(&flags),
        );
        let shell = Cli::try_parse_from(["sockscope", "shell"].iter().chain(&flags));
        for cli in [run, shell] {
            let session = match cli.expect("parses").command {
                Some(Cmd::Run { session, echo, .. }) if echo => session,
                Some(Cmd::Shell { session }) => session,
                other => panic!("{other:?}"),
            };
            assert!(session.json && session.explain && session.no_journal);
            assert_eq!(session.packets, Some(PathBuf::from("p.json")));
        }
    }
}
