//! The packet library: named payloads (text, hex or escaped), each with an optional
//! destination, checksum and notes, in folders, kept in one JSON file in the user's data
//! folder and written atomically. The language reads a library packet as `@NAME` wherever
//! a PAYLOAD goes; the app's *Packets* panel edits and sends them.

mod import;
mod store;

pub use import::{export_folder, import_json, import_packet_sender};
pub use store::{DEFAULT_FILE, default_path, load, save};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::engine::Checksum;
use crate::engine::template::{split_checksum, with_checksum};
use crate::lang::PacketOp;

/// How a packet's payload text is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Form {
    /// The text's UTF-8 bytes, as typed.
    #[default]
    Text,
    /// Hex digit pairs (blanks and `:` between them allowed).
    Hex,
    /// Text with the language's escapes (`\n \r \t \0 \\ \" \xHH`).
    Escaped,
}

impl Form {
    /// Every form, in menu order.
    pub const ALL: [Form; 3] = [Form::Text, Form::Hex, Form::Escaped];

    /// Its name (`text`, `hex`, `escaped`).
    pub fn name(self) -> &'static str {
        match self {
            Form::Text => "text",
            Form::Hex => "hex",
            Form::Escaped => "escaped",
        }
    }
}

/// One named packet.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Packet {
    /// Its name, unique in the library (`@NAME` in the language).
    pub name: String,
    /// The folder it is filed in (`""` for the top).
    #[serde(default)]
    pub folder: String,
    /// The payload, written in `form`.
    pub payload: String,
    /// How `payload` is read.
    #[serde(default)]
    pub form: Form,
    /// Where to send it when the socket has no fixed peer (`HOST:PORT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// A checksum appended when it is sent (a name such as `crc16-modbus`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// Free notes.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub notes: String,
}

impl Packet {
    /// A packet of inline bytes, written as escaped text (or hex when mostly binary).
    pub fn from_bytes(name: &str, bytes: &[u8]) -> Packet {
        let text = crate::lang::payload_text(&crate::engine::Payload::from(bytes.to_vec()));
        let (payload, form) = match text.strip_prefix("hex:") {
            Some(h) => (h.to_string(), Form::Hex),
            None => (crate::lang::escape_bytes(bytes), Form::Escaped),
        };
        Packet {
            name: name.to_string(),
            payload,
            form,
            ..Packet::default()
        }
    }

    /// The payload's bytes (variables not filled in, no checksum); `Err` says what is wrong.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let word = match self.form {
            Form::Text => return Ok(self.payload.as_bytes().to_vec()),
            Form::Hex => format!("hex:\"{}\"", self.payload),
            Form::Escaped => format!("\"{}\"", self.payload),
        };
        match crate::lang::parse_payload_word(&word) {
            Ok(crate::engine::Payload::Bytes(b)) => Ok(b.to_vec()),
            Ok(crate::engine::Payload::File(_)) => Err("not a file".into()),
            Err(e) => Err(format!(
                "packet {}: expected {}, found {}",
                self.name, e.expected, e.found
            )),
        }
    }

    /// Its checksum algorithm, if it names one; `Err` for a name that is none.
    pub fn checksum_alg(&self) -> Result<Option<Checksum>, String> {
        match self.checksum.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(name) => name.parse().map(Some),
        }
    }

    /// The bytes to send: the payload with a trailing `{checksum:ALG}` variable when it has
    /// a checksum, so the checksum covers the payload as sent (its variables filled in).
    pub fn template(&self) -> Result<Vec<u8>, String> {
        let bytes = self.bytes()?;
        Ok(match self.checksum_alg()? {
            Some(alg) => with_checksum(&bytes, alg),
            None => bytes,
        })
    }
}

/// Every packet, in order (folders are the packets' `folder` fields; order within a
/// folder is the order here).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Library {
    /// The file format's version (1).
    #[serde(default = "version_one")]
    pub version: u32,
    /// The packets.
    #[serde(default)]
    pub packets: Vec<Packet>,
}

fn version_one() -> u32 {
    1
}

impl Library {
    /// An empty library.
    pub fn new() -> Library {
        Library {
            version: 1,
            packets: Vec::new(),
        }
    }

    /// The packet of that name.
    pub fn get(&self, name: &str) -> Option<&Packet> {
        self.packets.iter().find(|p| p.name == name)
    }

    /// Adds a packet, or replaces the one of the same name (keeping its place).
    pub fn put(&mut self, packet: Packet) {
        match self.packets.iter_mut().find(|p| p.name == packet.name) {
            Some(old) => *old = packet,
            None => self.packets.push(packet),
        }
    }

    /// Removes the packet of that name; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        let before = self.packets.len();
        self.packets.retain(|p| p.name != name);
        self.packets.len() != before
    }

    /// The folders, in order of first appearance.
    pub fn folders(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for p in &self.packets {
            if !out.contains(&p.folder) {
                out.push(p.folder.clone());
            }
        }
        out
    }

    /// The packets of a folder, in order, with their index in [`Library::packets`].
    pub fn in_folder<'a>(&'a self, folder: &'a str) -> impl Iterator<Item = (usize, &'a Packet)> {
        self.packets
            .iter()
            .enumerate()
            .filter(move |(_, p)| p.folder == folder)
    }

    /// Moves packet `i` one place up (`up`) or down among the packets of its folder.
    pub fn shift(&mut self, i: usize, up: bool) {
        let Some(folder) = self.packets.get(i).map(|p| p.folder.clone()) else {
            return;
        };
        let idx: Vec<usize> = self.in_folder(&folder).map(|(j, _)| j).collect();
        let Some(pos) = idx.iter().position(|&j| j == i) else {
            return;
        };
        let other = if up {
            pos.checked_sub(1).map(|p| idx[p])
        } else {
            idx.get(pos + 1).copied()
        };
        if let Some(j) = other {
            self.packets.swap(i, j);
        }
    }

    /// One line per packet, for `packet list`: `NAME  PAYLOAD [to ADDR] [checksum ALG]`.
    pub fn listing(&self) -> Vec<String> {
        self.packets
            .iter()
            .map(|p| {
                let mut line = String::new();
                if !p.folder.is_empty() {
                    line.push_str(&p.folder);
                    line.push('/');
                }
                line.push_str(&p.name);
                line.push_str("  ");
                match p.bytes() {
                    Ok(b) => line.push_str(&crate::lang::bytes_text(&b)),
                    Err(e) => line.push_str(&format!("(unreadable: {e})")),
                }
                if let Some(to) = &p.to {
                    line.push_str(&format!(" to {to}"));
                }
                if let Some(c) = &p.checksum {
                    line.push_str(&format!(" checksum {c}"));
                }
                line
            })
            .collect()
    }
}

/// Does what a `packet` line says to `lib`; the lines to show (for `packet list`) or why
/// it cannot.
pub fn apply(lib: &mut Library, op: &PacketOp) -> Result<Vec<String>, String> {
    match op {
        PacketOp::Save { name, payload, to } => {
            let (body, alg) = match split_checksum(payload) {
                Some((body, alg)) => (body, Some(alg)),
                None => (&payload[..], None),
            };
            let mut packet = Packet::from_bytes(name, body);
            packet.checksum = alg.map(|a| a.to_string());
            packet.to = to.as_ref().map(|a| a.to_string());
            if let Some(old) = lib.get(name) {
                packet.folder = old.folder.clone();
                packet.notes = old.notes.clone();
            }
            lib.put(packet);
            Ok(Vec::new())
        }
        PacketOp::Del(name) => {
            if lib.remove(name) {
                Ok(Vec::new())
            } else {
                Err(format!("packet del: no packet named {name}"))
            }
        }
        PacketOp::List => Ok(lib.listing()),
    }
}

/// A library and the file it is kept in (none: in memory only), shared by the runner, the
/// console and the app's panel.
#[derive(Debug, Default)]
pub struct Shelf {
    /// The packets.
    pub lib: Library,
    /// Where they are saved after each change.
    pub path: Option<PathBuf>,
}

/// A shelf shared across threads.
pub type SharedShelf = Arc<Mutex<Shelf>>;

impl Shelf {
    /// The library of `path` (`None`: the user's, [`default_path`]); a file that cannot be
    /// read gives an error.
    pub fn open(path: Option<&Path>) -> Result<Shelf, String> {
        let path = path.map(Path::to_path_buf).or_else(default_path);
        let lib = match &path {
            Some(p) => load(p)?,
            None => Library::new(),
        };
        Ok(Shelf { lib, path })
    }

    /// Shares it.
    pub fn shared(self) -> SharedShelf {
        Arc::new(Mutex::new(self))
    }

    /// Runs a `packet` line and saves the library when it changed.
    pub fn run(&mut self, op: &PacketOp) -> Result<Vec<String>, String> {
        let out = apply(&mut self.lib, op)?;
        if !matches!(op, PacketOp::List) {
            self.save()?;
        }
        Ok(out)
    }

    /// Saves the library to its file (nothing to do without one).
    pub fn save(&self) -> Result<(), String> {
        match &self.path {
            Some(p) => save(p, &self.lib),
            None => Ok(()),
        }
    }
}

/// Locks a shared shelf (a panic elsewhere does not lose the library).
pub fn lock(shelf: &SharedShelf) -> std::sync::MutexGuard<'_, Shelf> {
    shelf.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_decode_and_a_checksum_becomes_a_trailing_variable() {
        let mut p = Packet {
            name: "read".into(),
            payload: "01 03 00 00 00 01".into(),
            form: Form::Hex,
            checksum: Some("crc16-modbus".into()),
            ..Packet::default()
        };
        assert_eq!(p.bytes(), Ok(vec![1, 3, 0, 0, 0, 1]));
        assert_eq!(
            p.template(),
            Ok(b"\x01\x03\x00\x00\x00\x01{checksum:crc16-modbus}".to_vec())
        );
        p.checksum = Some("crc99".into());
        assert!(p.template().is_err());
        p.form = Form::Escaped;
        p.payload = "a\\tb\\x00".into();
        assert_eq!(p.bytes(), Ok(b"a\tb\0".to_vec()));
        p.form = Form::Text;
        p.payload = "a\\tb".into();
        assert_eq!(p.bytes(), Ok(b"a\\tb".to_vec()), "text is taken as typed");
        p.form = Form::Hex;
        p.payload = "0g".into();
        assert!(p.bytes().is_err());
    }

    #[test]
    fn put_replaces_in_place_and_shift_stays_in_the_folder() {
        let mut lib = Library::new();
        for (n, f) in [("a", "x"), ("b", "y"), ("c", "x"), ("d", "x")] {
            lib.put(Packet {
                name: n.into(),
                folder: f.into(),
                ..Packet::default()
            });
        }
        lib.shift(3, true); // d above c
        let names = |lib: &Library| {
            lib.in_folder("x")
                .map(|(_, p)| p.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&lib), ["a", "d", "c"]);
        lib.shift(0, true); // first stays first
        assert_eq!(names(&lib), ["a", "d", "c"]);
        lib.put(Packet {
            name: "d".into(),
            folder: "x".into(),
            payload: "new".into(),
            ..Packet::default()
        });
        assert_eq!(lib.get("d").map(|p| p.payload.as_str()), Some("new"));
        assert_eq!(names(&lib), ["a", "d", "c"]);
        assert!(lib.remove("a") && !lib.remove("a"));
        assert_eq!(lib.folders(), ["y", "x"]);
    }
}
