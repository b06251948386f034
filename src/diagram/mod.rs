//! The session as pictures, with no GUI: the exchange as a ladder (sequence) diagram built
//! from the log's records, that diagram written as SVG, and the TCP state machine as data. The app draws the same
//! [`Ladder`] with egui; `run --log FILE.svg` and *Save log…* write it with [`svg`].

pub mod ladder;
mod ladder_parts;
pub mod svg;
pub mod tcp;

pub use ladder::{Ladder, Lane, LaneKind, Step, StepKind};
