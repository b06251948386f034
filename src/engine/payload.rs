//! What a command sends: bytes given inline, or a file read when the command runs.

use std::path::PathBuf;
use std::sync::Arc;

/// Bytes to send: given inline, or read from a file when the command runs.
///
/// Inline bytes are shared (`Arc<[u8]>`): the engine sends them, and its `Sent` event and the
/// session log hold them, without a copy, so a 64 MiB payload is never duplicated.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Payload {
    /// The bytes themselves (from quoted text or `hex:`).
    Bytes(Arc<[u8]>),
    /// `file:PATH`: the file's contents, read when the command runs.
    File(PathBuf),
}

impl Payload {
    /// Inline bytes.
    pub fn bytes(b: impl Into<Arc<[u8]>>) -> Payload {
        Payload::Bytes(b.into())
    }

    /// The bytes to send (shared, not copied), reading the file for `file:` payloads.
    pub fn load(&self) -> std::io::Result<Arc<[u8]>> {
        match self {
            Payload::Bytes(b) => Ok(b.clone()),
            Payload::File(p) => read_shared(p),
        }
    }
}

/// A file's bytes, read straight into shared memory (one copy of a large file in memory,
/// not two); a file that changes size while it is read is read again the plain way.
fn read_shared(path: &std::path::Path) -> std::io::Result<Arc<[u8]>> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let Ok(len) = usize::try_from(f.metadata()?.len()) else {
        return std::fs::read(path).map(Arc::from);
    };
    let mut data = crate::sys::mem::zeroed_shared(len);
    let Some(buf) = Arc::get_mut(&mut data) else {
        return std::fs::read(path).map(Arc::from);
    };
    let whole = match f.read_exact(buf) {
        Ok(()) => f.read(&mut [0u8; 1])? == 0,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => false,
        Err(e) => return Err(e),
    };
    if whole {
        Ok(data)
    } else {
        std::fs::read(path).map(Arc::from)
    }
}

impl From<&str> for Payload {
    fn from(s: &str) -> Self {
        Payload::Bytes(s.as_bytes().into())
    }
}

impl From<Vec<u8>> for Payload {
    fn from(b: Vec<u8>) -> Self {
        Payload::Bytes(b.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_payload_loads_whole_and_a_missing_one_is_an_error() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("data.bin");
        let bytes: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        std::fs::write(&path, &bytes).expect("write");
        let p = Payload::File(path.clone());
        assert_eq!(&p.load().expect("load")[..], &bytes[..]);
        std::fs::write(&path, b"").expect("empty it");
        assert!(p.load().expect("an empty file").is_empty());
        let gone = Payload::File(dir.path().join("missing"));
        assert_eq!(
            gone.load().map(|b| b.len()).map_err(|e| e.kind()),
            Err(std::io::ErrorKind::NotFound)
        );
        let inline = Payload::from("hi");
        let (a, b) = (
            inline.load().expect("inline"),
            inline.load().expect("inline"),
        );
        assert!(
            std::ptr::eq(a.as_ptr(), b.as_ptr()),
            "inline bytes are shared, not copied"
        );
    }
}
