//! Running the command language: the session a runner keeps and the runner itself.

mod report;
mod runner;
mod session;
pub mod summary;

pub use report::{SHOWN_CHARS, shown_line};
pub use runner::{DEFAULT_ACCEPT, DEFAULT_EXPECT, RunError, Runner};
pub use session::{EXPECT_WINDOW, Output, Printer, Session};

/// Test set-up shared by the script and app tests: the lines that open an auto-accepting
/// echo listener named `srv` on an OS-chosen loopback port.
#[cfg(test)]
pub(crate) const ECHO_SERVER_LINES: [&str; 5] = [
    "socket tcp as srv",
    "bind srv 127.0.0.1:0",
    "listen srv",
    "accept srv auto",
    "respond srv echo",
];
