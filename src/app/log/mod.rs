//! The log pane: the live table or the sequence diagram, one record's detail, the filter
//! bar and Find.

pub(crate) mod detail;
pub(crate) mod filter;
pub(crate) mod find;
pub(crate) mod scan;
pub(crate) mod sequence;
pub(crate) mod table;
