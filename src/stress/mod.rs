//! The stress test: N concurrent clients against someone else's server,
//! ping-pong or throughput, with live figures four times a second, latency percentiles
//! from an HDR histogram, failures by kind, and a final report (CSV or JSON).
//!
//! It runs on a pool of its own: one blocking client thread per connection (64 KiB
//! stacks), and one thread that gathers the figures. Not the engine thread: the engine
//! logs and fans out every event, and a latency measured through it would include that
//! work (and a stress of 1,000 clients would starve the app's own sockets); a blocked
//! client thread wakes the moment its reply lands, which is what a latency figure needs.

pub mod config;
pub mod figures;
pub mod report;
mod run;
mod tls;
pub mod words;

pub use config::{Connect, Limit, Mode, StressConfig, Transport};
pub use figures::{Failure, Figures};
pub use run::{EVERY, Stress, StressUpdate};
pub use words::{WordError, parse_cli, parse_options, parse_words};
