//! `cvdoctor inspect`: binaries → reports, verdicts → facts → findings through the rules.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::binary::gpu_spec::GpuSpec;
use crate::binary::verdict::Outcome;
use crate::binary::{self, BinaryReport, InspectError, walk};
use crate::engine::{self, Finding};
use crate::facts::{Facts, Origin};
use crate::rules::RuleSet;
use crate::version::Version;

#[derive(Debug, Serialize)]
pub struct Inspection {
    pub binaries: Vec<BinaryReport>,
    pub findings: Vec<Finding>,
    /// Paths that could not be inspected, with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<String>,
}

pub fn inspect(
    paths: &[PathBuf],
    recursive: bool,
    gpus: &[GpuSpec],
    driver_cuda: Option<&Version>,
    root: Option<&Path>,
) -> Inspection {
    let walked = walk::files(paths, recursive);
    let resolver = binary::deps::Resolver::new(root);
    let mut inspection = Inspection {
        binaries: Vec::new(),
        findings: Vec::new(),
        skipped: walked.problems,
    };
    let given_directly = |p: &PathBuf| paths.contains(p);
    for path in &walked.files {
        match binary::inspect_file(path, gpus, driver_cuda) {
            Ok(mut report) => {
                binary::resolve_needed(&mut report, &resolver);
                inspection.binaries.push(report);
            }
            // Inside a directory, non-ELF files are simply not binaries; named ones are worth a word.
            Err(InspectError::NotBinary(p)) if !given_directly(path) => drop(p),
            Err(e) => inspection.skipped.push(e.to_string()),
        }
    }
    if let Some(problem) = &resolver.cache_problem
        && inspection.binaries.iter().any(|b| !b.needed.is_empty())
    {
        inspection
            .skipped
            .push(format!("loader cache not used: {problem}"));
    }
    inspection
}

fn missing_libraries(report: &BinaryReport) -> Vec<&str> {
    report
        .needed
        .iter()
        .filter(|n| n.path.is_none())
        .map(|n| n.name.as_str())
        .collect()
}

/// Whether anything needs the rules: a failing verdict, a library the loader would miss, or
/// OpenCV build information to read.
pub fn has_failing_verdicts(inspection: &Inspection) -> bool {
    inspection.binaries.iter().any(|b| {
        b.verdicts.iter().any(|v| v.result == Outcome::Fails)
            || !missing_libraries(b).is_empty()
            || b.opencv_build.is_some()
    })
}

/// Each failing verdict and each missing library becomes facts; the rules turn them into findings.
pub fn add_findings(rules: &RuleSet, inspection: &mut Inspection) {
    add_findings_from(rules, inspection, true, &Facts::default());
}

/// `read_build_info`: also run OpenCV's build information through the text rules (`check`
/// does that itself, together with the machine's facts).
/// `context`: facts about the machine (`check`'s GPUs, Python, recipe paths) that the fixes
/// use after the binary's own.
pub fn add_findings_from(
    rules: &RuleSet,
    inspection: &mut Inspection,
    read_build_info: bool,
    context: &Facts,
) {
    for report in &inspection.binaries {
        // OpenCV's build information is text: the text rules read it (no CUDA, no cuDNN...).
        if let Some(build) = report.opencv_build.as_ref().filter(|_| read_build_info) {
            let name = format!("{} (build information)", report.path);
            let diagnosis = crate::diagnose::diagnose_named(rules, &name, &build.text);
            inspection.findings.extend(diagnosis.findings);
        }
        let missing = missing_libraries(report);
        if !missing.is_empty() {
            let mut facts = Facts::default();
            let origin = || Origin::Derived { by: "inspect" };
            facts.add("binary.path", report.path.clone(), origin());
            facts.add("binary.missing_libraries", missing.join(", "), origin());
            facts.merge_from(context, |_| true);
            inspection
                .findings
                .extend(engine::evaluate_facts(rules, facts));
        }
        for verdict in report
            .verdicts
            .iter()
            .filter(|v| v.result == Outcome::Fails)
        {
            let mut facts = Facts::default();
            let origin = || Origin::Derived { by: "inspect" };
            facts.add("binary.path", report.path.clone(), origin());
            facts.add("binary.arches", arch_summary(report), origin());
            facts.add("binary.fails_on_gpu", "true", origin());
            if verdict.modules_that_run > 0 {
                facts.add("binary.some_modules_run", "true", origin());
            }
            let kernels: Vec<&str> = verdict
                .failing_modules
                .iter()
                .flat_map(|m| m.kernels.iter().map(String::as_str))
                .collect();
            if !kernels.is_empty() {
                facts.add("binary.failing_kernels", kernels.join(", "), origin());
            }
            facts.add("gpu.cc", verdict.gpu.clone(), origin());
            if let Some(name) = &verdict.gpu_name {
                facts.add("gpu.name", name.clone(), origin());
            }
            facts.merge_from(context, |_| true);
            inspection
                .findings
                .extend(engine::evaluate_facts(rules, facts));
        }
    }
    // Most likely first, across binaries, as for explain.
    inspection.findings.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.severity.cmp(&b.severity))
    });
}

/// `SASS sm_75 sm_80 (x2 modules); PTX sm_90`: each arch once, in first-seen order.
pub fn arch_summary(report: &BinaryReport) -> String {
    fn unique(list: &[String]) -> Vec<&str> {
        let mut seen = Vec::new();
        for a in list {
            if !seen.contains(&a.as_str()) {
                seen.push(a.as_str());
            }
        }
        seen
    }
    let sass = unique(&report.cubins);
    let ptx = unique(&report.ptx);
    match (sass.is_empty(), ptx.is_empty()) {
        (true, true) => "no CUDA code".into(),
        (false, true) => format!("SASS {}", sass.join(" ")),
        (true, false) => format!("PTX {}", ptx.join(" ")),
        (false, false) => format!("SASS {}; PTX {}", sass.join(" "), ptx.join(" ")),
    }
}
