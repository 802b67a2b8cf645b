//! Human output, modelled on rustc and ruff:
//!
//! ```text
//! error[CVD101]: OpenCV has no CUDA code for this GPU's architecture
//!   --> stdin:7
//!    |
//!  7 | cv2.error: OpenCV(4.2.0) ... invalid device function in function 'make_policy'
//!    |
//!    = category: gpu-arch-not-in-build
//!    = found: gpu.name = Tesla V100-SXM2-16GB (stdin:3)
//!    = why: ...
//!    = fix: ...
//! ```

use std::io::{self, Write};

use colored::Colorize;

use crate::diagnose::Diagnosis;
use crate::engine::Finding;
use crate::facts::Origin;
use crate::rules::Severity;

pub fn render(out: &mut dyn Write, diagnosis: &Diagnosis, verbose: bool) -> io::Result<()> {
    for finding in &diagnosis.findings {
        render_finding(out, finding)?;
        writeln!(out)?;
    }
    if verbose {
        render_facts(out, diagnosis)?;
    }
    summary(out, diagnosis)
}

fn severity_label(severity: Severity) -> colored::ColoredString {
    match severity {
        Severity::Error => "error".red().bold(),
        Severity::Warning => "warning".yellow().bold(),
        Severity::Note => "note".cyan().bold(),
    }
}

fn render_finding(out: &mut dyn Write, f: &Finding) -> io::Result<()> {
    let header = format!("[{}]", f.rule);
    writeln!(
        out,
        "{}{}: {}",
        severity_label(f.severity),
        header.bold(),
        f.title.bold()
    )?;
    let gutter_width = f
        .evidence
        .iter()
        .map(|h| h.line.to_string().len())
        .max()
        .unwrap_or(1);
    let pad = " ".repeat(gutter_width);
    if let Some(first) = f.evidence.first() {
        writeln!(
            out,
            "{pad}{} {}:{}",
            "-->".blue().bold(),
            first.source,
            first.line
        )?;
        writeln!(out, "{pad} {}", "|".blue().bold())?;
        for hit in &f.evidence {
            for (i, text) in hit.text.lines().enumerate() {
                let number = if i == 0 {
                    format!("{:>gutter_width$}", hit.line)
                } else {
                    pad.clone()
                };
                writeln!(
                    out,
                    "{} {} {}",
                    number.blue().bold(),
                    "|".blue().bold(),
                    text
                )?;
            }
        }
        writeln!(out, "{pad} {}", "|".blue().bold())?;
    }
    let note = |label: &str| format!("{pad} {} {label}:", "=".blue().bold());
    writeln!(out, "{} {}", note("category"), f.category)?;
    if !f.facts.is_empty() {
        let facts: Vec<String> = f
            .facts
            .iter()
            .map(|u| match &u.origin {
                Origin::Text { source, line } => {
                    format!("{} = {} ({source}:{line})", u.fact, u.value)
                }
                Origin::Derived { .. } => format!("{} = {}", u.fact, u.value),
            })
            .collect();
        writeln!(out, "{} {}", note("found"), facts.join(", "))?;
    }
    writeln!(out, "{}", note("why"))?;
    write_indented(out, &f.explanation, &pad, false)?;
    writeln!(out, "{}", note("fix").green().bold())?;
    write_indented(out, &f.fix, &pad, true)?;
    writeln!(
        out,
        "{} run `cvdoctor rules {}` for details",
        note("note"),
        f.rule
    )
}

/// Writes text indented under a `= label:` line; code-block lines are highlighted.
fn write_indented(
    out: &mut dyn Write,
    text: &str,
    pad: &str,
    highlight_code: bool,
) -> io::Result<()> {
    let mut in_code = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code && highlight_code {
            writeln!(out, "{pad}       {}", line.green())?;
        } else if line.is_empty() {
            writeln!(out)?;
        } else {
            writeln!(out, "{pad}     {line}")?;
        }
    }
    Ok(())
}

fn render_facts(out: &mut dyn Write, diagnosis: &Diagnosis) -> io::Result<()> {
    writeln!(out, "{}", "facts found in the input:".bold())?;
    if diagnosis.facts.is_empty() {
        writeln!(out, "  (none)")?;
    }
    for (key, values) in diagnosis.facts.iter() {
        let values: Vec<String> = values
            .iter()
            .map(|o| match &o.origin {
                Origin::Text { source, line } => format!("{} ({source}:{line})", o.value),
                Origin::Derived { by } => format!("{} (from {by})", o.value),
            })
            .collect();
        writeln!(out, "  {key} = {}", values.join(", "))?;
    }
    writeln!(out)
}

fn summary(out: &mut dyn Write, diagnosis: &Diagnosis) -> io::Result<()> {
    let n = diagnosis.findings.len();
    if n == 0 {
        writeln!(
            out,
            "{} no known OpenCV/CUDA problem found in {} line{} of input",
            "ok:".green().bold(),
            diagnosis.lines,
            if diagnosis.lines == 1 { "" } else { "s" }
        )?;
        // A short paste with nothing recognised is usually missing the error itself.
        if diagnosis.lines < 20 {
            writeln!(
                out,
                "  = help: paste the whole error (the traceback, or the build log from its first error),\n          or run `cvdoctor check` on the machine"
            )?;
        }
        return Ok(());
    }
    let top = &diagnosis.findings[0];
    writeln!(
        out,
        "{} {n} finding{}; most likely: {} {} ({})",
        "summary:".bold(),
        if n == 1 { "" } else { "s" },
        top.rule,
        top.name,
        top.category
    )
}
