//! A folder of the library to and from JSON, and Packet Sender's exported packets.
//!
//! A folder exports as `{"version": 1, "packets": [...]}` (the library's own format, only
//! that folder's packets). Packet Sender (`Packet::ExportJSON` in its repository) exports a
//! JSON array of objects with lower-cased keys: `name`, `hexstring` (`"48 65 6C"`),
//! `toip`, `port` (a number as a string), `tcporudp` (its method: `TCP`, `UDP`, `SSL`,
//! `HTTP GET`, …), `repeat`, `fromip`, `fromport`, `sendresponse`, `requestpath`,
//! `errorstring`, `asciistring` (base64). The import keeps the name, the bytes (as hex),
//! the destination and, in the notes, the method and repeat interval.

use serde::Deserialize;

use super::{Form, Library, Packet};

/// The packets of `folder` as a library file's JSON.
pub fn export_folder(lib: &Library, folder: &str) -> String {
    let part = Library {
        version: 1,
        packets: lib.in_folder(folder).map(|(_, p)| p.clone()).collect(),
    };
    serde_json::to_string_pretty(&part).unwrap_or_default()
}

/// Reads exported JSON (ours, or Packet Sender's array) into packets filed in `folder`
/// (`None` keeps our export's folders; Packet Sender's go to `Packet Sender`).
pub fn import_json(text: &str, folder: Option<&str>) -> Result<Vec<Packet>, String> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let mut packets = if value.is_array() {
        import_packet_sender(text)?
    } else {
        let lib: Library =
            serde_json::from_value(value).map_err(|e| format!("not a packet export: {e}"))?;
        lib.packets
    };
    if let Some(f) = folder {
        for p in &mut packets {
            p.folder = f.to_string();
        }
    }
    for p in &packets {
        p.bytes()?;
    }
    Ok(packets)
}

/// One packet of Packet Sender's export (the fields sockscope uses).
#[derive(Debug, Deserialize)]
struct PsPacket {
    #[serde(default)]
    name: String,
    #[serde(default)]
    hexstring: String,
    #[serde(default)]
    toip: String,
    #[serde(default)]
    port: serde_json::Value,
    #[serde(default)]
    tcporudp: String,
    #[serde(default)]
    repeat: serde_json::Value,
}

/// A JSON string or number as text (Packet Sender writes numbers as strings).
fn scalar(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.trim().to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Packet Sender's exported JSON array as packets in the folder `Packet Sender`.
pub fn import_packet_sender(text: &str) -> Result<Vec<Packet>, String> {
    let list: Vec<PsPacket> = serde_json::from_str(text)
        .map_err(|e| format!("not a Packet Sender export (a JSON array of packets): {e}"))?;
    let mut out = Vec::new();
    for ps in list.into_iter().filter(|p| !p.name.trim().is_empty()) {
        let port = scalar(&ps.port);
        let host = ps.toip.trim();
        let to = match (host.is_empty(), port.is_empty()) {
            (false, false) if host.contains(':') => Some(format!("[{host}]:{port}")),
            (false, false) => Some(format!("{host}:{port}")),
            _ => None,
        };
        let mut notes = Vec::new();
        if !ps.tcporudp.trim().is_empty() {
            notes.push(format!("method {}", ps.tcporudp.trim()));
        }
        let repeat = scalar(&ps.repeat);
        if !repeat.is_empty() && repeat.parse::<f64>().is_ok_and(|r| r > 0.0) {
            notes.push(format!("repeat every {repeat} s"));
        }
        out.push(Packet {
            name: ps.name.trim().to_string(),
            folder: "Packet Sender".into(),
            payload: ps
                .hexstring
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            form: Form::Hex,
            to,
            checksum: None,
            notes: notes.join("; "),
        });
    }
    Ok(out)
}
