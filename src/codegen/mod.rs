//! The session as code: a script's statements written as a runnable Python 3 program that
//! uses only the standard `socket` module, in the style of the tutorials (`sockscope code
//! python FILE.scope`).
//!
//! The generator works from parsed statements ([`crate::lang::parse_script`]), never from
//! text. Each statement becomes the socket calls the tutorials write (`bind`, `listen`,
//! `accept`, `sendall`, `recv`, `sendto`/`recvfrom`, `shutdown`, `close`) under a comment
//! quoting the script line and saying what the app shows at that step. Servers that answer
//! by themselves (`accept ID auto`, `respond`, `rule`, `greet`) become a thread running the
//! accept / recv / reply loop the tutorials write by hand, one thread per connection.
//! What Python cannot say simply becomes a `# not translated: …` comment, listed in
//! [`Generated::untranslated`].

mod names;
mod python;
mod python_lit;
mod python_rt;
mod python_sides;
mod python_srv;
mod python_steps;
mod servers;
mod session;

pub use python::python;
pub use session::python_of_session;

/// A generated program and what it leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The program's source text.
    pub code: String,
    /// One line per statement the program does not carry out (`LINE: TEXT: why`).
    pub untranslated: Vec<String>,
}
