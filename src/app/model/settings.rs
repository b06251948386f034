//! The UI settings remembered between runs (eframe persistence): last addresses, ports,
//! modes, theme and layout. Runtime things (engine, sockets, the log) stay out of it.

use serde::{Deserialize, Serialize};

/// The key under which the settings are stored.
pub const STORAGE_KEY: &str = "sockscope.settings";

/// How many sent payloads and console lines are remembered.
pub const HISTORY_MAX: usize = 50;

/// How the send box reads its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum SendMode {
    /// The text as typed, UTF-8.
    #[default]
    Text,
    /// Hex byte pairs; spaces and `:` between pairs are allowed.
    Hex,
    /// Text with the escapes `\n \r \t \0 \\ \" \xHH`.
    Escaped,
}

impl SendMode {
    /// Every mode, in the order the UI lists them.
    pub const ALL: [SendMode; 3] = [SendMode::Text, SendMode::Hex, SendMode::Escaped];

    /// The mode's label.
    pub fn label(self) -> &'static str {
        match self {
            SendMode::Text => "text",
            SendMode::Hex => "hex",
            SendMode::Escaped => "escaped",
        }
    }
}

/// Light or dark look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum ThemeChoice {
    /// Follow the system.
    System,
    /// Light.
    Light,
    /// Dark.
    #[default]
    Dark,
}

impl ThemeChoice {
    /// The egui preference for this choice.
    pub fn preference(self) -> egui::ThemePreference {
        match self {
            ThemeChoice::System => egui::ThemePreference::System,
            ThemeChoice::Light => egui::ThemePreference::Light,
            ThemeChoice::Dark => egui::ThemePreference::Dark,
        }
    }
}

/// Everything the UI remembers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// The bind address used last: a new socket's bind field starts with it (its port
    /// starts at 0 whatever was used before: a remembered port surprises).
    pub bind_host: String,
    /// The listen backlog used last (a new socket's backlog field starts with it).
    pub backlog: String,
    /// The address connected to last (a suggestion when no listener of the session fits).
    pub connect_addr: String,
    /// The destination sent to last (a suggestion when no socket of the session fits).
    pub udp_dest: String,
    /// The send box mode.
    pub send_mode: SendMode,
    /// New sockets are IPv6.
    pub ipv6: bool,
    /// Light or dark look.
    pub theme: ThemeChoice,
    /// The console panel is shown.
    pub show_console: bool,
    /// Payloads in the log are shown as hex instead of text.
    pub log_hex: bool,
    /// What was sent, oldest first.
    pub send_history: Vec<String>,
    /// Console lines typed, oldest first.
    pub console_history: Vec<String>,
    /// The last folder a log was saved to.
    pub last_save_path: String,
    /// The last script opened.
    pub last_script_path: String,
    /// Payload bytes the session log keeps in memory, in MiB (older payloads leave memory;
    /// the journal keeps them).
    pub payload_budget_mib: u64,
    /// The traffic window is shown.
    pub show_traffic: bool,
    /// The Lessons window is open.
    pub show_lessons: bool,
    /// The language of the lessons and the learner's explanations.
    pub lang: crate::lessons::i18n::Lang,
    /// The traffic generator's message size field.
    pub flood_size: String,
    /// The traffic generator's rate field (`max` or messages per second).
    pub flood_rate: String,
    /// The traffic generator's stop field (a count or a duration).
    pub flood_limit: String,
}

/// The default payload budget, in MiB (see [`crate::log::DEFAULT_PAYLOAD_BUDGET`]).
pub const DEFAULT_BUDGET_MIB: u64 = (crate::log::DEFAULT_PAYLOAD_BUDGET >> 20) as u64;

/// The largest payload budget the setting takes, in MiB.
pub const MAX_BUDGET_MIB: u64 = 64 * 1024;

impl Settings {
    /// The payload budget in bytes.
    pub fn payload_budget(&self) -> usize {
        let mib = self.payload_budget_mib.min(MAX_BUDGET_MIB);
        usize::try_from(mib << 20).unwrap_or(usize::MAX)
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            bind_host: "127.0.0.1".into(),
            backlog: "128".into(),
            connect_addr: "127.0.0.1:".into(),
            udp_dest: "127.0.0.1:".into(),
            send_mode: SendMode::Text,
            ipv6: false,
            theme: ThemeChoice::Dark,
            show_console: true,
            log_hex: false,
            send_history: Vec::new(),
            console_history: Vec::new(),
            last_save_path: String::new(),
            last_script_path: String::new(),
            payload_budget_mib: DEFAULT_BUDGET_MIB,
            show_traffic: false,
            show_lessons: false,
            lang: crate::lessons::i18n::Lang::English,
            flood_size: "1400".into(),
            flood_rate: "max".into(),
            flood_limit: "5s".into(),
        }
    }
}

/// Appends `item` to a history list, dropping an equal last entry and the oldest past
/// [`HISTORY_MAX`].
pub fn remember(history: &mut Vec<String>, item: &str) {
    if item.is_empty() || history.last().is_some_and(|l| l == item) {
        return;
    }
    history.push(item.to_string());
    if history.len() > HISTORY_MAX {
        let extra = history.len() - HISTORY_MAX;
        history.drain(..extra);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_defaults() {
        let s: Settings =
            serde_json::from_str(r#"{"bind_port":"8080","backlog":"5"}"#).expect("parse");
        assert_eq!(s.backlog, "5");
        assert_eq!(s.bind_host, "127.0.0.1");
        assert_eq!(s.theme, ThemeChoice::Dark);
        assert_eq!(s.payload_budget(), crate::log::DEFAULT_PAYLOAD_BUDGET);
    }

    #[test]
    fn history_is_bounded_and_skips_repeats() {
        let mut h = Vec::new();
        remember(&mut h, "a");
        remember(&mut h, "a");
        assert_eq!(h, vec!["a".to_string()]);
        for i in 0..100 {
            remember(&mut h, &i.to_string());
        }
        assert_eq!(h.len(), HISTORY_MAX);
        assert_eq!(h.last().map(String::as_str), Some("99"));
    }
}
