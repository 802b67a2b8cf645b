//! Output of `cvdoctor inspect`: human, JSON (documented in README), Markdown, and the
//! cuobjdump-compatible listing.

use std::io::{self, Write};

use colored::Colorize;
use serde::Serialize;

use crate::binary::fatbin::Kind;
use crate::binary::verdict::Outcome;
use crate::binary::{BinaryReport, cuobjdump_listing};
use crate::cli::CuobjdumpList;
use crate::engine::Finding;
use crate::inspect::{Inspection, arch_summary};

pub fn cuobjdump(
    out: &mut dyn Write,
    inspection: &Inspection,
    list: CuobjdumpList,
) -> io::Result<()> {
    let kind = if list == CuobjdumpList::Elf {
        Kind::Cubin
    } else {
        Kind::Ptx
    };
    for report in &inspection.binaries {
        let lines = cuobjdump_listing(report, kind);
        if lines.is_empty() {
            // cuobjdump says this on stderr, so stdout stays comparable.
            let what = if kind == Kind::Cubin { "ELF" } else { "PTX" };
            eprintln!(
                "cuobjdump info    : No {what} file found to extract from '{}'. You may try with -all option.",
                report.path
            );
        }
        for line in lines {
            writeln!(out, "{line}")?;
        }
    }
    Ok(())
}

pub fn human(
    out: &mut dyn Write,
    inspection: &Inspection,
    no_gpu: bool,
    verbose: bool,
) -> io::Result<()> {
    for report in &inspection.binaries {
        binary(out, report, verbose)?;
    }
    if no_gpu && inspection.binaries.iter().any(BinaryReport::has_cuda_code) {
        writeln!(
            out,
            "{} no --gpu given: pass --gpu 9.0 (or sm_86, or a GPU name) to judge the code for a GPU",
            "note:".cyan().bold()
        )?;
    }
    if !inspection.findings.is_empty() {
        writeln!(out)?;
        let diagnosis = crate::diagnose::Diagnosis::of_findings(inspection.findings.clone());
        super::human::render(out, &diagnosis, false)?;
    }
    Ok(())
}

fn binary(out: &mut dyn Write, report: &BinaryReport, verbose: bool) -> io::Result<()> {
    writeln!(out, "{} ({})", report.path.bold(), report.format)?;
    if report.has_cuda_code() || !report.other.is_empty() {
        writeln!(
            out,
            "  CUDA modules: {}, cubins: {}, PTX: {}",
            report.modules,
            report.cubins.len(),
            report.ptx.len()
        )?;
        writeln!(out, "  code: {}", arch_summary(report))?;
        if report.cubins.iter().any(|a| a.ends_with('f')) {
            writeln!(
                out,
                "  note: `f` (family) cubins are shown with their `f`; cuobjdump --list-elf drops it"
            )?;
        }
    } else {
        writeln!(out, "  no CUDA code (.nv_fatbin)")?;
    }
    if !report.needed.is_empty() {
        let missing: Vec<&str> = report
            .needed
            .iter()
            .filter(|n| n.path.is_none())
            .map(|n| n.name.as_str())
            .collect();
        writeln!(
            out,
            "  needs {} libraries{}",
            report.needed.len(),
            if missing.is_empty() {
                ", all found".to_string()
            } else {
                format!(
                    ", {} {}: {}",
                    missing.len(),
                    "missing".red().bold(),
                    missing.join(" ")
                )
            }
        )?;
        if !report.cuda_libraries.is_empty() {
            writeln!(
                out,
                "  CUDA libraries linked: {}",
                report.cuda_libraries.join(", ")
            )?;
        }
        if verbose {
            for n in &report.needed {
                match (&n.path, &n.via) {
                    (Some(path), Some(via)) => writeln!(out, "    {} => {path} ({via})", n.name)?,
                    _ => writeln!(out, "    {} => not found", n.name)?,
                }
            }
        }
    }
    if let Some(b) = &report.opencv_build {
        writeln!(
            out,
            "  OpenCV {} build: {}, {}",
            b.version,
            b.cuda_summary(),
            b.cudnn_summary()
        )?;
        if let Some(python) = &b.python_interpreter {
            writeln!(out, "  built for Python: {python}")?;
        }
    }
    if !report.other.is_empty() {
        writeln!(
            out,
            "  other entries (not understood, skipped): {}",
            report.other.join(", ")
        )?;
    }
    if let Some(rel) = &report.relfatbin {
        writeln!(
            out,
            "  __nv_relfatbin (device-link input, not loaded at run time): cubins {:?}, PTX {:?}",
            rel.cubins, rel.ptx
        )?;
    }
    if verbose {
        for e in &report.entries {
            let kind = match e.kind {
                Kind::Cubin => "cubin".to_string(),
                Kind::Ptx => "ptx".to_string(),
                Kind::Other(k) => format!("kind {k}"),
            };
            writeln!(
                out,
                "    module {:>3}  {kind:<6} {:<8} version {:<5} {:?} {} bytes",
                e.module, e.arch, e.version, e.compression, e.size
            )?;
        }
    }
    for v in &report.verdicts {
        let name = v
            .gpu_name
            .as_ref()
            .map(|n| format!(" ({n})"))
            .unwrap_or_default();
        let result = match v.result {
            Outcome::Runs => "runs".green().bold(),
            Outcome::Fails => "fails".red().bold(),
            Outcome::NoCudaCode => "no CUDA code".yellow().bold(),
        };
        writeln!(out, "  GPU {}{name}: {result}: {}", v.gpu, v.detail)?;
        if v.modules_that_run > 0 && !v.failing_modules.is_empty() {
            writeln!(
                out,
                "    {} of {} modules with kernels run; libraries such as cuDNN and cuBLAS ship per-architecture modules and load only the ones for the GPU, while an OpenCV build needs every module",
                v.modules_that_run,
                v.modules_that_run + v.failing_modules.len()
            )?;
        }
        const SHOWN: usize = 5;
        for m in v
            .failing_modules
            .iter()
            .take(if verbose { usize::MAX } else { SHOWN })
        {
            let kernels = match m.kernels.len() {
                0 => "(kernel names unknown)".to_string(),
                n if n <= 3 || verbose => m.kernels.join(", "),
                n => format!("{} (+{} more)", m.kernels[..3].join(", "), n - 3),
            };
            writeln!(
                out,
                "    module {} has {}; kernels: {kernels}",
                m.module,
                m.has.join(", ")
            )?;
        }
        if !verbose && v.failing_modules.len() > SHOWN {
            writeln!(
                out,
                "    ... and {} more modules (-v lists them)",
                v.failing_modules.len() - SHOWN
            )?;
        }
        for note in &v.notes {
            writeln!(out, "    note: {note}")?;
        }
    }
    for problem in &report.problems {
        writeln!(out, "  {} {problem}", "problem:".yellow().bold())?;
    }
    Ok(())
}

/// Field order here is the order in the output.
#[derive(Serialize)]
struct Document<'a> {
    schema: u32,
    binaries: &'a [BinaryReport],
    findings: &'a [Finding],
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    skipped: &'a [String],
}

pub fn json(out: &mut dyn Write, inspection: &Inspection) -> io::Result<()> {
    let doc = Document {
        schema: super::json::SCHEMA_VERSION,
        binaries: &inspection.binaries,
        findings: &inspection.findings,
        skipped: &inspection.skipped,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

pub fn markdown(out: &mut dyn Write, inspection: &Inspection) -> io::Result<()> {
    writeln!(out, "## cvdoctor inspect\n")?;
    writeln!(
        out,
        "| binary | modules | code | verdicts |\n|---|---|---|---|"
    )?;
    for r in &inspection.binaries {
        let verdicts: Vec<String> = r
            .verdicts
            .iter()
            .map(|v| format!("{}: {:?}", v.gpu, v.result))
            .collect();
        writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            r.path,
            r.modules,
            arch_summary(r),
            verdicts.join(", ")
        )?;
    }
    if !inspection.findings.is_empty() {
        writeln!(out)?;
        let diagnosis = crate::diagnose::Diagnosis::of_findings(inspection.findings.clone());
        super::markdown::render(out, &diagnosis)?;
    }
    Ok(())
}
