//! The printer, continued: `relay` and `fault` in the canonical form that parses back to
//! an equal value.

use std::fmt;

use crate::engine::relay::fault::size_text;
use crate::engine::{Command, Fault};

use super::duration::duration_text;

/// The words of a fault after `fault ID [up|down]`.
fn fault_text(fault: &Fault) -> String {
    match fault {
        Fault::Delay { delay, jitter } if jitter.is_zero() => {
            format!("delay {}", duration_text(*delay))
        }
        Fault::Delay { delay, jitter } => format!(
            "delay {} jitter {}",
            duration_text(*delay),
            duration_text(*jitter)
        ),
        Fault::Throttle(Some(r)) => format!("throttle {}/s", size_text(*r)),
        other => other.to_string(),
    }
}

/// Writes `relay` and `fault`; false for any other command.
pub(super) fn write_relay(cmd: &Command, f: &mut fmt::Formatter<'_>) -> Result<bool, fmt::Error> {
    match cmd {
        Command::Relay { sock, to: None, .. } => write!(f, "relay {sock} off")?,
        Command::Relay {
            sock,
            to: Some(to),
            idle,
        } => {
            write!(f, "relay {sock} to {to}")?;
            if let Some(d) = idle {
                write!(f, " idle {}", duration_text(*d))?;
            }
        }
        Command::Fault { sock, dir, fault } => {
            write!(f, "fault {sock} ")?;
            if let Some(d) = dir {
                write!(f, "{d} ")?;
            }
            f.write_str(&fault_text(fault))?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}
