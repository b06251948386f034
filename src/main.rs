//! The `sockscope` binary: the desktop app with no arguments, `run`, `shell`, `recover` and `code`
//! otherwise.

use clap::Parser;
use sockscope::cli::{Cli, Cmd};

fn main() {
    let cli = Cli::parse();
    // As servers do: a soft limit of 1024 descriptors would stop a server long before the
    // kernel would. Failing to raise it is harmless (the old limit stays).
    let _ = sockscope::engine::raise_fd_limit();
    let code = match cli.command {
        None => match sockscope::app::run_opening(cli.script) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("sockscope: cannot open the window: {e}");
                eprintln!(
                    "(no display? `sockscope run FILE` and `sockscope shell` work without one)"
                );
                1
            }
        },
        Some(Cmd::Run {
            file,
            log,
            echo,
            session,
        }) => sockscope::cli::run(&file, log.as_deref(), echo, &session),
        Some(Cmd::Shell { session }) => sockscope::cli::shell(&session),
        Some(Cmd::Recover {
            list,
            save,
            keep,
            journal,
        }) => sockscope::cli::recover_cmd(&sockscope::cli::RecoverArgs {
            list,
            save,
            keep,
            journal,
        }),
        Some(Cmd::Code { lang, file }) => sockscope::cli::code(lang, &file),
        Some(Cmd::Stress {
            json,
            report,
            words,
        }) => sockscope::cli::stress(&words, json, report.as_deref()),
    };
    std::process::exit(code);
}
