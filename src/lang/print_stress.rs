//! The printer, continued: a `stress` statement in the canonical form that parses back to
//! an equal value: the words in the order of the usage, `clients` and the limit always
//! written, `connect once` and `tcp` (the defaults) left out.

use std::fmt;

use crate::engine::Payload;
use crate::stress::{Connect, Limit, Mode, Transport};

use super::StressStmt;
use super::duration::duration_text;
use super::payload::payload_text;
use super::print_tls::path_word;

fn bytes(b: &std::sync::Arc<[u8]>) -> String {
    payload_text(&Payload::Bytes(std::sync::Arc::clone(b)))
}

impl fmt::Display for StressStmt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &self.test;
        write!(f, "stress {} clients {}", t.addr, t.clients)?;
        match &t.mode {
            Mode::PingPong { payload, expect } => {
                write!(f, " pingpong {}", bytes(payload))?;
                if let Some(e) = expect {
                    write!(f, " expect {}", bytes(e))?;
                }
            }
            Mode::Throughput { size } => write!(f, " throughput {size}")?,
        }
        match t.limit {
            Limit::For(d) => write!(f, " for {}", duration_text(d))?,
            Limit::Count(k) => write!(f, " count {k}")?,
        }
        if let Some(r) = t.rate {
            write!(f, " rate {r}/s")?;
        }
        if t.connect == Connect::PerRequest {
            f.write_str(" connect per-request")?;
        }
        match t.transport {
            Transport::Tcp => {}
            Transport::Udp => f.write_str(" udp")?,
            Transport::Tls => f.write_str(" tls")?,
        }
        if let Some(n) = &t.tls.sni {
            write!(f, " sni {n}")?;
        }
        if let Some(ca) = &t.tls.ca {
            write!(f, " ca {}", path_word(ca))?;
        }
        if t.tls.insecure {
            f.write_str(" insecure")?;
        }
        if let Some(p) = &self.report {
            write!(f, " report {}", path_word(p))?;
        }
        Ok(())
    }
}
