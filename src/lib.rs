//! sockscope: a socket tester and socket lab. The [`engine`] owns sockets on a background
//! thread; the command language, the headless runner, the shell and the desktop app drive it.

#![warn(missing_docs)]

pub mod app;
pub mod cli;
pub mod codegen;
pub mod diagram;
pub mod engine;
pub mod explain;
pub mod lang;
pub mod lessons;
pub mod log;
pub mod packets;
pub mod script;
pub mod stress;
pub(crate) mod sys;
