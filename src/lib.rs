//! cvdoctor: diagnoses OpenCV builds with NVIDIA CUDA/cuDNN.
//!
//! Layout: `text` turns pasted text into facts and pattern hits, `facts` holds typed
//! observations and derived facts, `knowledge` the cited tables, `rules` loads the TOML
//! rules, `engine` turns facts into findings, `render` prints them, `cli` wires it up.

pub mod binary;
pub mod categories;
pub mod check;
pub mod cli;
pub mod diagnose;
pub mod engine;
pub mod facts;
pub mod inspect;
pub mod knowledge;
pub mod probe;
pub mod render;
pub mod report;
pub mod rules;
pub mod stdin;
pub mod text;
pub mod triage;
pub mod version;
