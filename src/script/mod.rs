//! Running the command language: the session a runner keeps and the runner itself.

mod runner;
mod session;

pub use runner::{DEFAULT_EXPECT, RunError, Runner};
pub use session::{EXPECT_WINDOW, Output, Printer, Session};
