//! Renderers: one `Diagnosis`, three outputs. Each writes to any `io::Write` and returns
//! its errors, so a closed pipe ends the program quietly instead of panicking.

pub mod check;
pub mod human;
pub mod inspect;
pub mod json;
pub mod markdown;
pub mod progress;
pub mod rules;
pub mod triage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Like rustc and ruff: `error[CVD101]: ...` with evidence and a fix.
    Human,
    /// One JSON document; the schema is documented in the README.
    Json,
    /// Ready to paste into a GitHub issue.
    Markdown,
    /// `triage`: one JSON line per report, written as each is done. Elsewhere the same as json.
    Jsonl,
}

/// Where a piece of evidence came from, as `source:line`.
pub fn location(source: &str, line: u64) -> String {
    format!("{source}:{line}")
}
