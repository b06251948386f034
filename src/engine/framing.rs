//! Receive framing for stream sockets: turning the chunks `recv` returns into messages —
//! by delimiter, by length prefix, or by fixed size.

/// How a stream socket's bytes are cut into messages.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Framing {
    /// No framing: each chunk as the OS delivers it (the default).
    #[default]
    Raw,
    /// Messages end with this delimiter (`\n` for lines); the delimiter is kept out.
    Delimited(Vec<u8>),
    /// Each message starts with a big- or little-endian length header of 1, 2 or 4 bytes.
    LengthPrefixed {
        /// Header size in bytes: 1, 2 or 4.
        width: u8,
        /// True for big-endian (network order).
        big_endian: bool,
    },
    /// Every message is exactly this many bytes.
    Fixed(usize),
}

/// A length header in words, as the log and the Receive tab tell it:
/// `2-byte big-endian length header`.
pub fn length_header_text(width: u8, big_endian: bool) -> String {
    let order = if big_endian {
        "big-endian"
    } else {
        "little-endian"
    };
    format!("{width}-byte {order} length header")
}

/// Largest message any framing holds before the stream is declared broken: a length header
/// announcing more, a fixed size above it, or this many bytes without a delimiter.
pub const MAX_FRAME: usize = 16 << 20;

/// Reassembles messages from chunks.
///
/// Work and memory are linear in the bytes fed: consumed bytes are only marked (`start`)
/// and dropped once per [`FrameSplitter::feed`], a delimiter search resumes where the last
/// one stopped, and no message may grow past [`MAX_FRAME`].
#[derive(Debug, Default)]
pub struct FrameSplitter {
    framing: Framing,
    buf: Vec<u8>,
    /// Where the next message starts in `buf` (bytes before it are consumed).
    start: usize,
    /// How far a delimiter search has looked without finding one.
    scanned: usize,
}

/// What feeding a chunk produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// A complete message.
    Message(Vec<u8>),
    /// The stream cannot be framed (a message would exceed [`MAX_FRAME`]); the buffered
    /// bytes were dropped.
    Broken(String),
}

impl FrameSplitter {
    /// A splitter for `framing`.
    pub fn new(framing: Framing) -> FrameSplitter {
        FrameSplitter {
            framing,
            ..FrameSplitter::default()
        }
    }

    /// The framing in use.
    pub fn framing(&self) -> &Framing {
        &self.framing
    }

    /// Bytes held waiting for the rest of a message.
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// Adds a chunk and returns every message it completed, in order.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Framed> {
        if self.framing == Framing::Raw {
            return vec![Framed::Message(chunk.to_vec())];
        }
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        loop {
            match self.next_message() {
                Ok(Some(m)) => out.push(Framed::Message(m)),
                Ok(None) => break,
                Err(why) => {
                    self.buf.clear();
                    self.start = 0;
                    self.scanned = 0;
                    out.push(Framed::Broken(why));
                    break;
                }
            }
        }
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.scanned -= self.start.min(self.scanned);
            self.start = 0;
        }
        out
    }

    /// What is left when the stream ends: an incomplete message, if any.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        let rest = self.buf.split_off(self.start);
        self.buf.clear();
        self.start = 0;
        self.scanned = 0;
        (!rest.is_empty()).then_some(rest)
    }

    /// Cuts `len` bytes at `start` into a message, then skips `skip` more.
    fn take(&mut self, len: usize, skip: usize) -> Vec<u8> {
        let msg = self.buf[self.start..self.start + len].to_vec();
        self.start += len + skip;
        self.scanned = self.start;
        msg
    }

    fn next_message(&mut self) -> Result<Option<Vec<u8>>, String> {
        let held = self.buf.len() - self.start;
        match &self.framing {
            Framing::Raw => Ok(None),
            Framing::Delimited(delim) => {
                let d = delim.len();
                if d == 0 {
                    return Err("empty delimiter".into());
                }
                // A delimiter may straddle the end of the last search.
                let from = self.scanned.saturating_sub(d - 1).max(self.start);
                let found = if d == 1 {
                    memchr::memchr(delim[0], &self.buf[from..])
                } else {
                    memchr::memmem::find(&self.buf[from..], delim)
                };
                match found {
                    Some(at) => {
                        let len = from + at - self.start;
                        Ok(Some(self.take(len, d)))
                    }
                    None if held > MAX_FRAME => Err(format!(
                        "no delimiter in {held} bytes (a message is at most {MAX_FRAME})"
                    )),
                    None => {
                        self.scanned = self.buf.len();
                        Ok(None)
                    }
                }
            }
            Framing::LengthPrefixed { width, big_endian } => {
                let w = usize::from(*width);
                if held < w {
                    return Ok(None);
                }
                let header = &self.buf[self.start..self.start + w];
                let mut n: usize = 0;
                for i in 0..w {
                    let b = if *big_endian {
                        header[i]
                    } else {
                        header[w - 1 - i]
                    };
                    n = (n << 8) | usize::from(b);
                }
                if n > MAX_FRAME {
                    return Err(format!(
                        "a length header announced {n} bytes (more than {MAX_FRAME})"
                    ));
                }
                if held < w + n {
                    return Ok(None);
                }
                self.start += w;
                Ok(Some(self.take(n, 0)))
            }
            Framing::Fixed(n) => {
                let n = *n;
                if n == 0 {
                    return Err("fixed size 0".into());
                }
                if n > MAX_FRAME {
                    return Err(format!("fixed size {n} (more than {MAX_FRAME})"));
                }
                if held < n {
                    return Ok(None);
                }
                Ok(Some(self.take(n, 0)))
            }
        }
    }
}

/// Prepends a length header to `data` (for sending length-prefixed messages).
pub fn length_prefixed(data: &[u8], width: u8, big_endian: bool) -> Option<Vec<u8>> {
    let n = data.len();
    let max = match width {
        1 => 0xff,
        2 => 0xffff,
        4 => 0xffff_ffff,
        _ => return None,
    };
    if n > max {
        return None;
    }
    let mut out = Vec::with_capacity(n + usize::from(width));
    let bytes = (n as u64).to_be_bytes();
    let header = &bytes[8 - usize::from(width)..];
    if big_endian {
        out.extend_from_slice(header);
    } else {
        out.extend(header.iter().rev());
    }
    out.extend_from_slice(data);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msgs(out: Vec<Framed>) -> Vec<Vec<u8>> {
        out.into_iter()
            .map(|f| match f {
                Framed::Message(m) => m,
                Framed::Broken(why) => panic!("broken: {why}"),
            })
            .collect()
    }

    #[test]
    fn lines_split_and_join_across_chunks() {
        let mut d = FrameSplitter::new(Framing::Delimited(b"\n".to_vec()));
        assert!(msgs(d.feed(b"Hey th")).is_empty());
        assert_eq!(
            msgs(d.feed(b"ere!!!\nsecond\nthi")),
            vec![b"Hey there!!!".to_vec(), b"second".to_vec()]
        );
        assert_eq!(d.pending(), 3);
        assert_eq!(d.finish(), Some(b"thi".to_vec()));
    }

    #[test]
    fn crlf_delimiter_split_between_chunks() {
        let mut d = FrameSplitter::new(Framing::Delimited(b"\r\n".to_vec()));
        assert!(msgs(d.feed(b"a\r")).is_empty());
        assert_eq!(msgs(d.feed(b"\nb\r\n")), vec![b"a".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn length_prefixed_reassembles_a_message_split_over_sends() {
        for (width, be) in [(1, true), (2, true), (2, false), (4, true), (4, false)] {
            let framed = length_prefixed(b"Hey there!!!", width, be).expect("fits");
            let mut d = FrameSplitter::new(Framing::LengthPrefixed {
                width,
                big_endian: be,
            });
            let mut got = Vec::new();
            for piece in framed.chunks(3) {
                got.extend(msgs(d.feed(piece)));
            }
            assert_eq!(got, vec![b"Hey there!!!".to_vec()], "width {width} be {be}");
            assert_eq!(d.pending(), 0);
        }
    }

    #[test]
    fn two_length_prefixed_messages_in_one_chunk() {
        let mut both = length_prefixed(b"one", 2, true).expect("fits");
        both.extend(length_prefixed(b"", 2, true).expect("fits"));
        both.extend(length_prefixed(b"three", 2, true).expect("fits"));
        let mut d = FrameSplitter::new(Framing::LengthPrefixed {
            width: 2,
            big_endian: true,
        });
        assert_eq!(
            msgs(d.feed(&both)),
            vec![b"one".to_vec(), vec![], b"three".to_vec()]
        );
    }

    #[test]
    fn an_absurd_length_header_breaks_the_stream_instead_of_buffering_forever() {
        let mut d = FrameSplitter::new(Framing::LengthPrefixed {
            width: 4,
            big_endian: true,
        });
        let out = d.feed(&[0xff, 0xff, 0xff, 0xff, 1, 2]);
        assert!(matches!(out.as_slice(), [Framed::Broken(_)]), "{out:?}");
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn fixed_size_messages() {
        let mut d = FrameSplitter::new(Framing::Fixed(4));
        assert_eq!(
            msgs(d.feed(b"abcdefghij")),
            vec![b"abcd".to_vec(), b"efgh".to_vec()]
        );
        assert_eq!(d.finish(), Some(b"ij".to_vec()));
    }

    #[test]
    fn a_delimiter_that_never_comes_breaks_the_stream_at_max_frame() {
        let mut d = FrameSplitter::new(Framing::Delimited(b"\r\n".to_vec()));
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..16 {
            assert!(msgs(d.feed(&chunk)).is_empty());
        }
        assert_eq!(d.pending(), MAX_FRAME);
        let out = d.feed(b"x");
        assert!(matches!(out.as_slice(), [Framed::Broken(_)]), "{out:?}");
        assert_eq!(d.pending(), 0);
        assert_eq!(msgs(d.feed(b"after\r\n")), vec![b"after".to_vec()]);
    }

    #[test]
    fn many_short_lines_in_one_chunk_all_come_out() {
        // (Their cost is measured by `cargo bench --bench framing`.)
        let chunk: Vec<u8> = b"a\n".repeat(32 << 10);
        let mut d = FrameSplitter::new(Framing::Delimited(b"\n".to_vec()));
        for _ in 0..4 {
            let got = msgs(d.feed(&chunk));
            assert_eq!(got.len(), 32 << 10);
            assert!(got.iter().all(|m| m == b"a"));
        }
        assert_eq!(d.pending(), 0);
    }

    #[test]
    fn a_delimiter_split_over_many_chunks_is_found_once() {
        let mut d = FrameSplitter::new(Framing::Delimited(b"END".to_vec()));
        let mut got = Vec::new();
        for piece in [&b"abcE"[..], b"N", b"Dxy", b"E", b"", b"NDz"] {
            got.extend(msgs(d.feed(piece)));
        }
        assert_eq!(got, vec![b"abc".to_vec(), b"xy".to_vec()]);
        assert_eq!(d.finish(), Some(b"z".to_vec()));
        assert_eq!(d.finish(), None);
    }

    #[test]
    fn a_fixed_size_above_max_frame_is_refused() {
        let mut d = FrameSplitter::new(Framing::Fixed(MAX_FRAME + 1));
        let out = d.feed(b"abc");
        assert!(matches!(out.as_slice(), [Framed::Broken(_)]), "{out:?}");
    }

    #[test]
    fn raw_passes_chunks_through() {
        let mut d = FrameSplitter::new(Framing::Raw);
        assert_eq!(msgs(d.feed(b"as is")), vec![b"as is".to_vec()]);
    }

    #[test]
    fn length_header_too_small_for_the_data_is_refused() {
        assert_eq!(length_prefixed(&[0; 256], 1, true), None);
        assert_eq!(length_prefixed(b"x", 3, true), None);
    }
}
