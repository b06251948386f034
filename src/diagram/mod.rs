//! The session as pictures, with no GUI: the exchange as a ladder (sequence) diagram built
//! from the log's records, and that diagram written as SVG. The app draws the same
//! [`Ladder`] with egui; `run --log FILE.svg` and *Save log…* write it with [`svg`].

pub mod ladder;
pub mod svg;

pub use ladder::{Ladder, Lane, LaneKind, Step, StepKind};
