//! switchboard-ivr
pub mod diag;
pub mod model;
pub mod parse;

pub use diag::{Diagnostic, Diagnostics, Position, Problem};
pub use parse::{parse, parse_bytes, parse_with};
