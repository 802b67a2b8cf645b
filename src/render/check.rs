//! `cvdoctor check` output: a doctor summary (one line per area with ✓ / ! / ✗ and the key
//! value), then the findings, then where to read more. JSON: `{"facts": ..., "findings": [...]}`.

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::check::{CheckReport, MachineFacts};
use crate::engine::Finding;
use crate::probe::live::{LiveOutcome, LiveRun};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Ok,
    Warn,
    Bad,
    Skip,
}

fn mark(m: Mark) -> colored::ColoredString {
    match m {
        Mark::Ok => "✓".green().bold(),
        Mark::Warn => "!".yellow().bold(),
        Mark::Bad => "✗".red().bold(),
        Mark::Skip => "-".dimmed(),
    }
}

/// Lines of the summary: (mark, area, value).
fn summary(m: &MachineFacts, findings: &[Finding]) -> Vec<(Mark, &'static str, String)> {
    let has = |cat: &str| findings.iter().any(|f| f.category == cat);
    let why = |probe: &str| {
        m.unavailable
            .iter()
            .find(|u| u.probe == probe)
            .map(|u| u.reason.clone())
    };
    // Under --root the device probes do not run: nothing to judge, not a failure.
    let under_root = m.root != std::path::Path::new("/");
    let mut lines = Vec::new();
    lines.push(match &m.driver {
        Some(d) => (
            if has("driver-too-old") {
                Mark::Bad
            } else {
                Mark::Ok
            },
            "driver",
            format!(
                "{}{}",
                d.version,
                d.cuda_version
                    .as_ref()
                    .map(|c| format!(" (CUDA {c})"))
                    .unwrap_or_default()
            ),
        ),
        None => (
            if under_root { Mark::Skip } else { Mark::Bad },
            "driver",
            why("nvml").unwrap_or_else(|| "not found".into()),
        ),
    });
    lines.push(if m.gpus.is_empty() {
        (
            if under_root { Mark::Skip } else { Mark::Bad },
            "GPUs",
            why("nvml").unwrap_or_else(|| "none visible".into()),
        )
    } else {
        (
            Mark::Ok,
            "GPUs",
            m.gpus
                .iter()
                .map(|g| format!("{} ({})", g.name, g.compute_capability))
                .collect::<Vec<_>>()
                .join(", "),
        )
    });
    lines.push(if m.toolkits.is_empty() {
        (
            Mark::Warn,
            "toolkit",
            "no CUDA toolkit found (needed only to build OpenCV)".into(),
        )
    } else {
        let mark = if has("toolkit-incompatible-with-opencv") || has("arch-unsupported-by-toolkit")
        {
            Mark::Warn
        } else {
            Mark::Ok
        };
        (
            mark,
            "toolkit",
            m.toolkits
                .iter()
                .map(|t| format!("CUDA {} ({})", t.version.as_deref().unwrap_or("?"), t.path))
                .collect::<Vec<_>>()
                .join(", "),
        )
    });
    lines.push(if m.cudnn.is_empty() {
        (Mark::Warn, "cuDNN", "not found".into())
    } else {
        let mark = if has("cudnn-version-mismatch") || has("cudnn-not-found") {
            Mark::Warn
        } else {
            Mark::Ok
        };
        (
            mark,
            "cuDNN",
            m.cudnn
                .iter()
                .map(|c| {
                    format!(
                        "{} ({}: {})",
                        c.version.as_deref().unwrap_or("?"),
                        c.kind,
                        c.path
                    )
                })
                .collect::<Vec<_>>()
                .join(", "),
        )
    });
    lines.push(match &m.python {
        Some(p) => (
            Mark::Ok,
            "Python",
            format!("{} {} (by {})", p.version, p.executable, p.chosen_by),
        ),
        None => (
            Mark::Bad,
            "Python",
            why("python").unwrap_or_else(|| "not found".into()),
        ),
    });
    lines.push(match &m.cv2 {
        Some(c) => {
            let bad = has("python-bindings-not-installed")
                || has("mixed-or-stale-install")
                || has("opencv-built-without-cuda");
            (
                if bad { Mark::Bad } else { Mark::Ok },
                "cv2",
                format!(
                    "{} {} ({})",
                    c.version.as_deref().unwrap_or("?"),
                    c.module.as_deref().unwrap_or(&c.path),
                    c.origin
                ),
            )
        }
        None if m.python.is_some() => match why(crate::check::CV2_SEARCH) {
            Some(reason) => (
                Mark::Warn,
                "cv2",
                format!("not found, and not checked: {reason}"),
            ),
            None => (Mark::Bad, "cv2", "no cv2 on this Python's sys.path".into()),
        },
        None => (Mark::Skip, "cv2", "not checked (no Python)".into()),
    });
    let build = m
        .opencv_libraries
        .iter()
        .find_map(|r| r.opencv_build.as_ref());
    lines.push(match build {
        Some(b) if b.cuda => {
            let bad = has("gpu-arch-not-in-build");
            (
                if bad { Mark::Bad } else { Mark::Ok },
                "OpenCV build",
                format!("{}: {}, {}", b.version, b.cuda_summary(), b.cudnn_summary()),
            )
        }
        Some(b) => (Mark::Bad, "OpenCV build", format!("{}: no CUDA", b.version)),
        None => (
            Mark::Skip,
            "OpenCV build",
            "no build information found".into(),
        ),
    });
    if let Some(live) = &m.live {
        lines.push(live_line(live));
    }
    lines.push(match &m.build_dir {
        Some(b) => {
            let mark = if b.notfound.is_empty() && (b.has_makefile || b.has_build_ninja) {
                Mark::Ok
            } else {
                Mark::Warn
            };
            (
                mark,
                "build dir",
                format!(
                    "{} (CUDA_ARCH_BIN {}{}{})",
                    b.path,
                    b.variables
                        .get("CUDA_ARCH_BIN")
                        .map_or("unset", String::as_str),
                    b.opencv_source
                        .as_ref()
                        .map_or(String::new(), |v| format!(", opencv {}", v.version)),
                    b.contrib_source
                        .as_ref()
                        .map_or(String::new(), |v| format!(", contrib {}", v.version)),
                ),
            )
        }
        None => (
            Mark::Skip,
            "build dir",
            why("build directory").unwrap_or_default(),
        ),
    });
    lines
}

/// The summary keeps one line per area; the findings below quote messages in full.
fn clip(message: &str) -> String {
    const WIDTH: usize = 110;
    match message.char_indices().nth(WIDTH) {
        Some((cut, _)) => format!("{}…", &message[..cut]),
        None => message.to_string(),
    }
}

fn live_line(live: &LiveRun) -> (Mark, &'static str, String) {
    let took = format!("{:.1} s", live.seconds);
    match live.outcome {
        LiveOutcome::Passed => {
            let pass = live.forwards.iter().find(|f| f.ok && f.warning.is_none());
            (
                Mark::Ok,
                "live",
                format!(
                    "CUDA forward ran ({} engine), max difference to CPU {:.1e} ({took})",
                    pass.map_or("default", |f| f.engine.as_str()),
                    pass.and_then(|f| f.max_abs_diff).unwrap_or(0.0)
                ),
            )
        }
        LiveOutcome::Warned => {
            let warning = live
                .forwards
                .iter()
                .find_map(|f| f.warning.clone())
                .unwrap_or_else(|| "this OpenCV offers no CUDA target".into());
            (
                Mark::Warn,
                "live",
                format!("ran, most likely on the CPU: {}", clip(&warning)),
            )
        }
        LiveOutcome::Failed | LiveOutcome::TimedOut => (
            Mark::Bad,
            "live",
            format!(
                "{} failed: {}",
                live.failed_step.as_deref().unwrap_or("run"),
                clip(
                    live.error
                        .as_deref()
                        .and_then(|e| e.lines().find(|l| !l.trim().is_empty()))
                        .unwrap_or("(no message)")
                        .trim()
                )
            ),
        ),
    }
}

pub fn human(out: &mut dyn Write, report: &CheckReport, verbose: bool) -> io::Result<()> {
    writeln!(out, "{}", "cvdoctor check".bold())?;
    for (m, area, value) in summary(&report.facts, &report.findings) {
        writeln!(out, "  {} {:<13} {value}", mark(m), area)?;
    }
    for u in report.facts.unavailable.iter().filter(|_| verbose) {
        writeln!(out, "    not checked: {}: {}", u.probe, u.reason)?;
    }
    writeln!(out)?;
    if report.findings.is_empty() {
        let mut skipped: Vec<&str> = report
            .facts
            .unavailable
            .iter()
            .map(|u| u.probe.as_str())
            .collect();
        skipped.dedup();
        if skipped.is_empty() {
            return writeln!(out, "{} no problem found", "ok:".green().bold());
        }
        return writeln!(
            out,
            "{} no problem found in what could be checked; not checked: {}{}",
            "ok:".green().bold(),
            skipped.join(", "),
            if verbose { "" } else { " (-v says why)" }
        );
    }
    let diagnosis = crate::diagnose::Diagnosis::of_findings(report.findings.clone());
    super::human::render(out, &diagnosis, false)?;
    let ids: Vec<&str> = report.findings.iter().map(|f| f.rule.as_str()).collect();
    writeln!(
        out,
        "run `cvdoctor rules CODE` for details ({})",
        ids.join(", ")
    )
}

#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    facts: &'a MachineFacts,
    findings: &'a [Finding],
}

pub fn json(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &Document {
            schema: super::json::SCHEMA_VERSION,
            facts: &report.facts,
            findings: &report.findings,
        },
    )?;
    writeln!(out)
}

pub fn markdown(out: &mut dyn Write, report: &CheckReport) -> io::Result<()> {
    writeln!(
        out,
        "## cvdoctor check\n\n| | area | found |\n|---|---|---|"
    )?;
    for (m, area, value) in summary(&report.facts, &report.findings) {
        let sign = match m {
            Mark::Ok => "✓",
            Mark::Warn => "!",
            Mark::Bad => "✗",
            Mark::Skip => "-",
        };
        writeln!(out, "| {sign} | {area} | {} |", value.replace('|', "\\|"))?;
    }
    writeln!(out)?;
    let diagnosis = crate::diagnose::Diagnosis::of_findings(report.findings.clone());
    super::markdown::render(out, &diagnosis)
}
