//! The serving loops of a generated program: accept in a loop and serve each connection in
//! its own thread (the tutorials' multi-thread server), or recvfrom / sendto for datagrams;
//! the reply each message gets from the socket's rules and responder.

use std::fmt::Write as _;

use crate::engine::{Framing, LenMatch, Match, Responder};

use super::python_lit::{py_bytes, py_payload};
use super::servers::ServerConf;

/// The functions that serve `conf`'s socket: `reply_X`, `messages_X`, `handle_X`, `serve_X`.
pub(crate) fn server_functions(conf: &ServerConf) -> String {
    let mut out = reply_function(conf);
    if conf.proto.is_stream() {
        out.push_str(&messages_function(conf));
        out.push_str(&handle_function(conf));
        out.push_str(&accept_loop(conf));
    } else {
        out.push_str(&datagram_loop(conf));
    }
    out
}

/// The pattern as Python's `re` takes it: sockscope runs rules as if they began with
/// `(?s-u)`, so the program's patterns begin with `(?s)` (merged with leading flags of the
/// pattern's own; Rust's `u` has no use on Python bytes patterns and is dropped).
fn python_regex(src: &str) -> String {
    let Some(rest) = src.strip_prefix("(?") else {
        return format!("(?s){src}");
    };
    let Some(end) = rest.find(')') else {
        return format!("(?s){src}");
    };
    let flags = &rest[..end];
    if flags.is_empty() || !flags.chars().all(|c| "imsxuU-".contains(c)) {
        return format!("(?s){src}");
    }
    let on: String = flags
        .split('-')
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| "imx".contains(*c))
        .collect();
    format!("(?s{on}){}", &rest[end + 1..])
}

/// A rule's length condition as a Python test on `msg`.
fn len_test(l: LenMatch) -> String {
    match l {
        LenMatch::Even => "len(msg) % 2 == 0".to_string(),
        LenMatch::Odd => "len(msg) % 2 == 1".to_string(),
        LenMatch::Eq(n) => format!("len(msg) == {n}"),
        LenMatch::Less(n) => format!("len(msg) < {n}"),
        LenMatch::More(n) => format!("len(msg) > {n}"),
    }
}

fn reply_function(conf: &ServerConf) -> String {
    let v = &conf.var;
    let mut out = format!(
        "\n\ndef reply_{v}(msg, peer, counter):\n    \
         \"\"\"What {v} answers to one message, and whether it closes after: rules first, then \
         the responder.\"\"\"\n"
    );
    for (i, rule) in conf.rules.iter().enumerate() {
        let reply = format!(
            "fill({}, msg, peer, counter, {{caps}}), {}",
            py_bytes(&rule.reply),
            if rule.close { "True" } else { "False" }
        );
        let n = i + 1;
        let (test, caps) = match &rule.on {
            Match::Any => ("True".to_string(), "()"),
            Match::Exact(b) => (format!("msg == {}", py_bytes(b)), "()"),
            Match::Contains(b) => (format!("{} in msg", py_bytes(b)), "()"),
            Match::Prefix(b) => (format!("msg.startswith({})", py_bytes(b)), "()"),
            Match::Regex(src) => {
                let _ = writeln!(
                    out,
                    "    m{n} = re.search({}, msg)  # rule {n}: regex {src:?}",
                    py_bytes(python_regex(src).as_bytes())
                );
                (format!("m{n}"), "m{n}.groups()")
            }
            Match::Len(l) => (len_test(*l), "()"),
            Match::Checksum(alg, ok) => (checksum_test(*alg, *ok), "()"),
        };
        let caps = caps.replace("{n}", &n.to_string());
        let _ = writeln!(out, "    if {test}:  # rule {n}");
        let _ = writeln!(out, "        return {}", reply.replace("{caps}", &caps));
    }
    let tail = match &conf.responder {
        Responder::Off => "None, False  # no responder".to_string(),
        Responder::Echo => "msg, False  # respond echo".to_string(),
        Responder::Upper => "msg.upper(), False  # respond upper".to_string(),
        Responder::Fixed(p) => format!("{}, False  # respond with fixed bytes", py_payload(p)),
    };
    let _ = writeln!(out, "    return {tail}");
    out
}

fn messages_function(conf: &ServerConf) -> String {
    let v = &conf.var;
    let head = format!("\n\ndef messages_{v}(buf):\n");
    let body = match &conf.framing {
        Framing::Raw => "    \"\"\"No framing: each recv is one message.\"\"\"\n    \
             return [buf], b\"\"\n"
            .to_string(),
        Framing::Delimited(d) => format!(
            "    \"\"\"Messages end with {d}, which is not part of them.\"\"\"\n    \
             parts = buf.split({d})\n    return parts[:-1], parts[-1]\n",
            d = py_bytes(d)
        ),
        Framing::LengthPrefixed { width, big_endian } => format!(
            "    \"\"\"Each message starts with a {width}-byte {order}-endian length header.\"\"\"\n    \
             msgs = []\n    while len(buf) >= {width}:\n        \
             n = int.from_bytes(buf[:{width}], \"{order}\")\n        \
             if len(buf) < {width} + n:\n            break\n        \
             msgs.append(buf[{width}:{width} + n])\n        buf = buf[{width} + n:]\n    \
             return msgs, buf\n",
            order = if *big_endian { "big" } else { "little" }
        ),
        Framing::Fixed(n) => format!(
            "    \"\"\"Every message is {n} bytes.\"\"\"\n    msgs = []\n    \
             while len(buf) >= {n}:\n        msgs.append(buf[:{n}])\n        buf = buf[{n}:]\n    \
             return msgs, buf\n"
        ),
    };
    head + &body
}

fn handle_function(conf: &ServerConf) -> String {
    let v = &conf.var;
    let size = conf.recv_size.unwrap_or(1024);
    let greet = match &conf.greet {
        None => String::new(),
        Some((p, close)) => {
            let mut g = format!("    conn.sendall({})  # greet\n", py_payload(p));
            if *close {
                g.push_str("    conn.close()  # greet … close\n    return\n");
            }
            g
        }
    };
    format!(
        "\n\ndef handle_{v}(conn, peer):\n    \
         \"\"\"Serves one connection accepted by {v}: recv, cut into messages, reply.\"\"\"\n    \
         conn.settimeout(TIMEOUT)\n{greet}    counter = 0\n    buf = b\"\"\n    while True:\n        \
         try:\n            data = conn.recv({size})\n        except socket.timeout:\n            \
         continue\n        except OSError:\n            break\n        if not data:\n            \
         break  # the client closed\n        print(f\"{v}: {{peer}} sent {{data!r}}\")\n        \
         msgs, buf = messages_{v}(buf + data)\n        for msg in msgs:\n            \
         reply, close = reply_{v}(msg, peer, counter + 1)\n            if reply is None:\n                \
         continue\n            counter += 1\n            conn.sendall(reply)\n            \
         if close:\n                conn.close()\n                return\n    conn.close()\n"
    )
}

fn accept_loop(conf: &ServerConf) -> String {
    let v = &conf.var;
    format!(
        "\n\ndef serve_{v}(listener):\n    \
         \"\"\"accept auto: every connection is accepted and served in a thread of its own.\"\"\"\n    \
         while True:\n        try:\n            conn, peer = listener.accept()\n        \
         except socket.timeout:\n            continue\n        except OSError:\n            \
         return  # the listener was closed\n        print(\"{v} accepted\", peer)\n        \
         threading.Thread(target=handle_{v}, args=(conn, peer), daemon=True).start()\n"
    )
}

fn datagram_loop(conf: &ServerConf) -> String {
    let v = &conf.var;
    format!(
        "\n\ndef serve_{v}(s):\n    \"\"\"recvfrom each datagram and sendto the reply back to its sender.\"\"\"\n    \
         counter = 0\n    while True:\n        try:\n            msg, peer = s.recvfrom(65536)\n        \
         except socket.timeout:\n            continue\n        except OSError:\n            \
         return  # the socket was closed\n        print(f\"{v}: {{peer}} sent {{msg!r}}\")\n        \
         reply, _ = reply_{v}(msg, peer, counter + 1)\n        if reply is not None:\n            \
         counter += 1\n            s.sendto(reply, peer)\n"
    )
}

/// A Python test that the message ends with (or without) its checksum: `sum8`, `xor8` and
/// `crc32` have a one-line form with Python's standard library; the other CRCs do not, and
/// the generated rule says so and never matches.
fn checksum_test(alg: crate::engine::Checksum, ok: bool) -> String {
    use crate::engine::Checksum;
    let not = if ok { "" } else { "not " };
    let value = match alg {
        Checksum::Sum8 => "bytes([sum(msg[:-1]) & 0xff])",
        Checksum::Xor8 => {
            "bytes([__import__('functools').reduce(lambda a, b: a ^ b, msg[:-1], 0)])"
        }
        Checksum::Crc32 => "__import__('zlib').crc32(msg[:-4]).to_bytes(4, 'little')",
        other => {
            return format!("False  # checksum {other}: not written in Python here");
        }
    };
    let w = alg.width();
    format!("len(msg) > {w} and {not}msg[-{w}:] == {value}")
}

#[cfg(test)]
mod tests {
    use super::python_regex;

    #[test]
    fn rust_only_regex_flags_are_dropped() {
        assert_eq!(python_regex("(?s-u)^(..)*$"), "(?s)^(..)*$");
        assert_eq!(python_regex("(?-u)x"), "(?s)x");
        assert_eq!(python_regex("(?i)x"), "(?si)x");
        assert_eq!(python_regex("(?P<a>x)"), "(?s)(?P<a>x)");
    }
}
