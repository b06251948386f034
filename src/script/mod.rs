//! Running the command language: the session a runner keeps and the runner itself.

mod report;
mod runner;
mod session;
pub mod summary;

pub use report::{SHOWN_CHARS, shown_line};
pub use runner::{DEFAULT_ACCEPT, DEFAULT_EXPECT, RunError, Runner};
pub use session::{EXPECT_WINDOW, Output, Printer, Session};
