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

/// Largest message a length header may announce before the stream is declared broken.
pub const MAX_FRAME: usize = 16 << 20;

/// Reassembles messages from chunks.
#[derive(Debug, Default)]
pub struct FrameSplitter {
    framing: Framing,
    buf: Vec<u8>,
}

/// What feeding a chunk produced.
#[derive(Debug, PartialEq, Eq)]
pub enum Framed {
    /// A complete message.
    Message(Vec<u8>),
    /// The stream cannot be framed (a header announced more than [`MAX_FRAME`]); the
    /// buffered bytes were dropped.
    Broken(String),
}

impl FrameSplitter {
    /// A splitter for `framing`.
    pub fn new(framing: Framing) -> FrameSplitter {
        FrameSplitter {
            framing,
            buf: Vec::new(),
        }
    }

    /// The framing in use.
    pub fn framing(&self) -> &Framing {
        &self.framing
    }

    /// Bytes held waiting for the rest of a message.
    pub fn pending(&self) -> usize {
        self.buf.len()
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
                    out.push(Framed::Broken(why));
                    break;
                }
            }
        }
        out
    }

    /// What is left when the stream ends: an incomplete message, if any.
    pub fn finish(&mut self) -> Option<Vec<u8>> {
        (!self.buf.is_empty()).then(|| std::mem::take(&mut self.buf))
    }

    fn next_message(&mut self) -> Result<Option<Vec<u8>>, String> {
        match &self.framing {
            Framing::Raw => Ok(None),
            Framing::Delimited(delim) => {
                if delim.is_empty() {
                    return Err("empty delimiter".into());
                }
                let Some(at) = self
                    .buf
                    .windows(delim.len())
                    .position(|w| w == delim.as_slice())
                else {
                    return Ok(None);
                };
                let msg = self.buf[..at].to_vec();
                self.buf.drain(..at + delim.len());
                Ok(Some(msg))
            }
            Framing::LengthPrefixed { width, big_endian } => {
                let w = usize::from(*width);
                if self.buf.len() < w {
                    return Ok(None);
                }
                let mut n: usize = 0;
                for i in 0..w {
                    let b = if *big_endian {
                        self.buf[i]
                    } else {
                        self.buf[w - 1 - i]
                    };
                    n = (n << 8) | usize::from(b);
                }
                if n > MAX_FRAME {
                    return Err(format!(
                        "a length header announced {n} bytes (more than {MAX_FRAME})"
                    ));
                }
                if self.buf.len() < w + n {
                    return Ok(None);
                }
                let msg = self.buf[w..w + n].to_vec();
                self.buf.drain(..w + n);
                Ok(Some(msg))
            }
            Framing::Fixed(n) => {
                if *n == 0 {
                    return Err("fixed size 0".into());
                }
                if self.buf.len() < *n {
                    return Ok(None);
                }
                let msg: Vec<u8> = self.buf.drain(..*n).collect();
                Ok(Some(msg))
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
