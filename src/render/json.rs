//! JSON output. The contract (documented in README.md, "JSON output"):
//!
//! ```text
//! { "schema": 1,
//!   "findings": [ { "rule", "name", "category", "severity", "title", "explanation",
//!                   "fix", "commands": [..], "evidence": [ {"source","line","text"} ],
//!                   "facts": [ {"fact","value","origin"} ], "references": [..] } ],
//!   "facts": { "<key>": [ {"value", "origin"} ] },
//!   "input": { "bytes", "lines" } }
//! ```
//! Findings are sorted most likely first. `schema` changes only with a README entry.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnose::Diagnosis;
use crate::engine::Finding;
use crate::facts::Facts;

pub const SCHEMA_VERSION: u32 = 1;

/// Field order here is the order in the output.
#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    findings: &'a [Finding],
    facts: &'a Facts,
    input: InputStats,
}

#[derive(Serialize)]
struct InputStats {
    bytes: u64,
    lines: u64,
}

pub fn render(out: &mut dyn Write, diagnosis: &Diagnosis) -> io::Result<()> {
    let doc = Document {
        schema: SCHEMA_VERSION,
        findings: &diagnosis.findings,
        facts: &diagnosis.facts,
        input: InputStats {
            bytes: diagnosis.bytes,
            lines: diagnosis.lines,
        },
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
