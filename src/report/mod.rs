//! `cvdoctor report`: one bundle a user attaches to a ticket — the `check` summary and
//! findings as Markdown, and the same content as a JSON block that `triage` can read back.
//! Redacted by default (see [`redact`]).

pub mod redact;

use serde::Serialize;

use crate::check::CheckReport;

/// Marks the JSON block inside the Markdown bundle.
pub const JSON_FENCE: &str = "```json cvdoctor-report";

#[derive(Serialize)]
struct Bundle<'a> {
    schema: u32,
    kind: &'static str,
    cvdoctor: &'static str,
    redacted: bool,
    facts: &'a crate::check::MachineFacts,
    findings: &'a [crate::engine::Finding],
}

/// The bundle text; `redactor` is `None` with `--no-redact`.
pub fn bundle(
    report: &CheckReport,
    redactor: Option<&mut redact::Redactor>,
) -> std::io::Result<String> {
    let mut markdown = Vec::new();
    crate::render::check::markdown(&mut markdown, report)?;
    let markdown = String::from_utf8_lossy(&markdown).into_owned();
    let mut json = serde_json::to_value(Bundle {
        schema: crate::render::json::SCHEMA_VERSION,
        kind: "cvdoctor-report",
        cvdoctor: env!("CARGO_PKG_VERSION"),
        redacted: redactor.is_some(),
        facts: &report.facts,
        findings: &report.findings,
    })?;
    let markdown = match redactor {
        Some(r) => {
            redact_json(&mut json, r);
            r.redact(&markdown)
        }
        None => markdown,
    };
    let json = serde_json::to_string_pretty(&json)?;
    Ok(format!(
        "{markdown}\n<details><summary>cvdoctor data (for <code>cvdoctor triage</code>)</summary>\n\n{JSON_FENCE}\n{json}\n```\n\n</details>\n"
    ))
}

/// Redacts every string in the JSON (keys are cvdoctor's own and stay).
fn redact_json(value: &mut serde_json::Value, r: &mut redact::Redactor) {
    match value {
        serde_json::Value::String(s) => *s = r.redact(s),
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| redact_json(v, r)),
        serde_json::Value::Object(map) => map.values_mut().for_each(|v| redact_json(v, r)),
        _ => {}
    }
}
