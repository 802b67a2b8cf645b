//! Pasted text → facts and pattern hits.
//!
//! `localized` puts toolchain messages printed in other languages back into English,
//! `pattern` turns a rule author's regex into the one we run (spaces match wrapped lines),
//! `extractors` lists the regexes that fill facts, `prefilter` finds which patterns a text may
//! match from the literals they need, and `scan` streams any amount of input
//! through all of them at once with bounded memory.

pub mod extractors;
pub mod localized;
pub mod pattern;
pub mod prefilter;
pub mod scan;
