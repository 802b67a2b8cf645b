//! Rules as data: one TOML file per rule under `rules/`, embedded at build time, plus any
//! `--rules DIR` given at run time. `model` is the file format, `load` validates it,
//! `condition` evaluates `when` clauses over facts, `template` fills fixes.

pub mod condition;
pub mod load;
pub mod model;
pub mod template;

pub use load::{RuleSet, load_rules};
pub use model::{Rule, Severity};
