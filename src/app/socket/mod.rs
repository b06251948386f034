//! The selected socket's room: its header and step buttons, the tabs (lifecycle, receive,
//! options, responders), the send box and its tools, the traffic window, and the guards
//! that say which step is valid now.

pub(crate) mod controls;
pub(crate) mod lifecycle_diagram;
pub(crate) mod lifecycle_layout;
pub(crate) mod lifecycle_tab;
pub(crate) mod multicast;
pub(crate) mod options_tab;
pub(crate) mod receive_tab;
pub(crate) mod relay_tab;
pub(crate) mod responders_tab;
pub(crate) mod room;
pub(crate) mod rule_fields;
pub(crate) mod send_box;
pub(crate) mod send_tools;
pub(crate) mod step_guards;
pub(crate) mod tls_section;
pub(crate) mod traffic_window;
