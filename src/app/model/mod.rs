//! What the app knows, folded from the engine's events: the sockets and their rows, the
//! traffic counters, and the settings remembered between runs. No drawing here.

pub mod relay;
pub mod settings;
pub(crate) mod sock_config;
pub(crate) mod sock_row;
pub mod sockets_list;
pub mod state;
pub mod tls_view;
pub mod traffic;
