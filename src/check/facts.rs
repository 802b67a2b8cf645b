//! Machine facts → rule facts and findings. Everything `check` found becomes a fact key from
//! `FACT_KEYS`; OpenCV's build information goes through the text rules together with them
//! (so `build.arch_bin` from the library meets `gpu.cc` from NVML), and the inspected
//! libraries through the `inspect` rules.

use std::path::Path;

use super::MachineFacts;
use crate::engine::{self, Finding};
use crate::facts::{Facts, Origin};
use crate::inspect::{self, Inspection};
use crate::rules::RuleSet;
use crate::text::scan::Scanner;
use crate::version::Version;

/// The name the --live output is scanned under, and the rule for failures nothing explains.
const LIVE_SOURCE: &str = "live run";
const LIVE_TEST_FAILED: &str = "live-test-failed";

pub fn judge(rules: &RuleSet, m: &MachineFacts) -> Vec<Finding> {
    let mut scanner = Scanner::new(&rules.plan);
    for report in &m.opencv_libraries {
        if let Some(build) = &report.opencv_build {
            let name = format!("{} (build information)", report.path);
            let _ = scanner.scan_reader(&name, build.text.as_bytes());
        }
    }
    // What OpenCV printed in the --live run is a log like any pasted one.
    if let Some(live) = &m.live {
        let _ = scanner.scan_reader(LIVE_SOURCE, live.log.as_bytes());
    }
    let mut scan = scanner.finish();
    add_machine_facts(&mut scan.facts, m);
    let mut findings = engine::evaluate(rules, &mut scan);

    let mut inspection = Inspection {
        binaries: m.opencv_libraries.clone(),
        findings: Vec::new(),
        skipped: Vec::new(),
    };
    // The binary's findings are about this machine: its GPUs, Python and paths fill the fixes.
    let mut context = Facts::default();
    context.merge_from(&scan.facts, |key| {
        key.starts_with("gpu.")
            || key.starts_with("recipe.")
            || key.starts_with("platform.")
            || key == "python.executable"
    });
    inspect::add_findings_from(rules, &mut inspection, false, &context);
    findings.extend(inspection.findings);

    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| seen.insert(f.rule.clone()));
    // The generic "live test failed" is for failures no rule explains from OpenCV's output.
    let live_explained = findings
        .iter()
        .any(|f| f.name != LIVE_TEST_FAILED && f.evidence.iter().any(|h| h.source == LIVE_SOURCE));
    if live_explained {
        findings.retain(|f| f.name != LIVE_TEST_FAILED);
    }
    findings.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.severity.cmp(&b.severity))
    });
    findings
}

fn add_machine_facts(facts: &mut Facts, m: &MachineFacts) {
    let by = |probe: &'static str| Origin::Derived { by: probe };
    let on_host = m.root == Path::new("/");
    if let Some(d) = &m.driver {
        facts.add("driver.version", d.version.clone(), by("nvml"));
        if let Some(c) = &d.cuda_version {
            facts.add("driver.cuda_version", c.clone(), by("nvml"));
        }
    }
    for g in &m.gpus {
        facts.add("gpu.name", g.name.clone(), by("nvml"));
        facts.add("gpu.cc", g.compute_capability.clone(), by("nvml"));
    }
    if on_host && m.gpus.is_empty() {
        facts.add("gpu.none", "true", by("nvml"));
    }
    // NVML and the driver API should see the same GPUs (CUDA_VISIBLE_DEVICES applied to both).
    if let (Some(api), Some(d)) = (&m.cuda_driver_api, &m.driver) {
        let nvml_ccs: Vec<&str> = m
            .gpus
            .iter()
            .map(|g| g.compute_capability.as_str())
            .collect();
        let api_ccs: Vec<&str> = api.devices.iter().map(String::as_str).collect();
        let same_cuda = d.cuda_version.as_deref().is_none_or(|v| v == api.version);
        if nvml_ccs != api_ccs || !same_cuda {
            facts.add(
                "driver.api_disagrees",
                format!(
                    "NVML: CUDA {} GPUs [{}]; driver API: CUDA {} GPUs [{}]",
                    d.cuda_version.as_deref().unwrap_or("?"),
                    nvml_ccs.join(" "),
                    api.version,
                    api_ccs.join(" ")
                ),
                by("nvml, cuda driver api"),
            );
        }
    }
    for t in &m.toolkits {
        if let Some(v) = &t.version {
            facts.add("toolkit.version", v.clone(), by("toolkit files"));
        }
    }
    let mut cudnn_versions: Vec<String> = Vec::new();
    for c in &m.cudnn {
        if let Some(v) = &c.version {
            facts.add("cudnn.version", v.clone(), by("cudnn files"));
            // Compare copies by major.minor: 9.14.0 and 9.14 are one release.
            let key: String = v.split('.').take(2).collect::<Vec<_>>().join(".");
            if !cudnn_versions.contains(&key) {
                cudnn_versions.push(key);
            }
        }
    }
    if cudnn_versions.len() > 1 {
        facts.add(
            "cudnn.versions",
            cudnn_versions.join(", "),
            by("cudnn files"),
        );
    }
    if let Some(p) = &m.python {
        facts.add("python.version", p.version.clone(), by("python"));
        facts.add("python.executable", p.executable.clone(), by("python"));
    }
    add_cv2_facts(facts, m);
    add_build_dir_facts(facts, m);
    add_live_facts(facts, m);
    add_cudnn_runtime_facts(facts, m);
    add_recipe_facts(facts, m);
    // The CUDA runtime OpenCV links (libcudart.so.N) against what the driver supports.
    let cudart = m
        .opencv_libraries
        .iter()
        .flat_map(|r| r.needed.iter())
        .find_map(|n| n.name.strip_prefix("libcudart.so.").map(str::to_string));
    if let Some(major) = cudart {
        facts.add("build.cudart", major.clone(), by("inspect"));
        let driver_cuda = m
            .driver
            .as_ref()
            .and_then(|d| d.cuda_version.as_deref())
            .and_then(Version::parse);
        if let (Some(driver), Some(needed)) = (driver_cuda, Version::parse(&major))
            && driver.major() < needed.major()
        {
            facts.add("driver.older_than_build", "true", by("nvml, inspect"));
        }
    }
}

fn add_cv2_facts(facts: &mut Facts, m: &MachineFacts) {
    let by = |probe: &'static str| Origin::Derived { by: probe };
    let Some(python) = &m.python else { return };
    let searched_everywhere = !m.unavailable.iter().any(|u| u.probe == super::CV2_SEARCH);
    let Some(cv2) = &m.cv2 else {
        if searched_everywhere {
            facts.add("cv2.missing", "true", by("cv2 search"));
        }
        facts.add("python.sys_path", python.sys_path.join(" "), by("python"));
        return;
    };
    let winner = cv2.candidates.iter().find(|c| c.importable());
    if winner.is_none() {
        facts.add("cv2.missing", "true", by("cv2 search"));
    }
    facts.add("cv2.path", cv2.path.clone(), by("cv2 search"));
    facts.add(
        "cv2.origin",
        if cv2.origin.starts_with("pip") {
            "pip"
        } else {
            "source build"
        },
        by("cv2 search"),
    );
    facts.add("cv2.origin_detail", cv2.origin.clone(), by("cv2 search"));
    facts.add("cv2.cuda", cv2.cuda.to_string(), by("inspect"));
    if let Some(v) = &cv2.version {
        facts.add("cv2.version", v.clone(), by("inspect"));
    }
    for c in &cv2.candidates {
        if let Some(link) = &c.dangling_link {
            facts.add("cv2.dangling_link", link.clone(), by("cv2 search"));
        }
        if c.abi_mismatch {
            facts.add(
                "cv2.abi_mismatch",
                c.module.clone().unwrap_or_else(|| c.path.clone()),
                by("cv2 search"),
            );
        }
        if c.missing_loader_config {
            facts.add(
                "cv2.missing_loader_config",
                c.path.clone(),
                by("cv2 search"),
            );
        }
    }
    // opencv-python, -headless and -contrib-python write one cv2 folder: with several installed
    // (often by different tools), its files come from whichever wrote last.
    if let Some(c) = cv2.candidates.iter().find(|c| c.pip_wheels.len() > 1) {
        facts.add(
            "cv2.overlapping_wheels",
            c.pip_wheels.join(", "),
            by("cv2 search"),
        );
    }
    // A pip wheel first on sys.path hides a source build further down.
    if let Some(w) = winner
        && w.origin.starts_with("pip")
        && let Some(hidden) = cv2
            .candidates
            .iter()
            .skip_while(|c| c.path != w.path)
            .skip(1)
            .find(|c| !c.origin.starts_with("pip"))
    {
        facts.add("cv2.shadowed_build", hidden.path.clone(), by("cv2 search"));
    }
}

/// The cuDNN OpenCV was built with (build information) against the file the loader resolves
/// `libcudnn.so.N` to, as OpenCV's own `checkVersions` compares them at run time.
fn add_cudnn_runtime_facts(facts: &mut Facts, m: &MachineFacts) {
    let by = Origin::Derived {
        by: "inspect, loader",
    };
    let Some(loaded) = &m.cudnn_loaded else {
        return;
    };
    let Some(runtime) = loaded.version.as_deref().and_then(Version::parse) else {
        return;
    };
    facts.add("cudnn.runtime_version", runtime.as_str(), by.clone());
    let built = m
        .opencv_libraries
        .iter()
        .filter_map(|r| r.opencv_build.as_ref())
        .find_map(|b| b.cudnn_version.as_deref())
        .and_then(Version::parse);
    if let Some(built) = built
        && !crate::knowledge::cudnn_compat::runtime_satisfies_build(&built, &runtime)
    {
        facts.add(
            "cudnn.runtime_incompatible",
            format!(
                "OpenCV was built with cuDNN {}; the loader gives it {} ({})",
                built.as_str(),
                loaded.path,
                runtime.as_str()
            ),
            by,
        );
    }
}

/// This machine's paths for the rebuild commands of the fixes (`rebuild_commands(..., recipe)`).
fn add_recipe_facts(facts: &mut Facts, m: &MachineFacts) {
    let by = || Origin::Derived {
        by: "build directory, cuDNN files",
    };
    // Under --root, paths are shown as the image sees them.
    let shown = |path: &Path| -> String {
        path.strip_prefix(&m.root)
            .ok()
            .filter(|_| m.root != Path::new("/"))
            .map(|rel| format!("/{}", rel.display()))
            .unwrap_or_else(|| path.display().to_string())
    };
    let var = |name: &str| {
        m.build_dir
            .as_ref()
            .and_then(|b| b.variables.get(name))
            .filter(|v| !v.is_empty())
    };
    if let Some(source) = var("CMAKE_HOME_DIRECTORY") {
        facts.add("recipe.source_dir", source.clone(), by());
    }
    let extra_found = m
        .build_dir
        .as_ref()
        .and_then(|b| b.extra_modules_found)
        .unwrap_or(false);
    let contrib = var("OPENCV_EXTRA_MODULES_PATH")
        .filter(|_| extra_found)
        .cloned()
        .or_else(|| m.environment.home_contrib_modules.clone());
    if let Some(contrib) = contrib {
        facts.add("recipe.contrib_modules", contrib, by());
    }
    let first = |kind: &str| {
        m.cudnn
            .iter()
            .find(|c| c.kind == kind)
            .map(|c| Path::new(&c.path))
    };
    if let Some(dir) = first("header").and_then(Path::parent) {
        facts.add("recipe.cudnn_include_dir", shown(dir), by());
    }
    if let Some(lib) = first("library") {
        facts.add("recipe.cudnn_library", shown(lib), by());
    }
}

fn add_live_facts(facts: &mut Facts, m: &MachineFacts) {
    let Some(live) = &m.live else { return };
    let by = Origin::Derived { by: "--live" };
    if let Some(step) = &live.failed_step {
        facts.add("live.failed_step", step.clone(), by.clone());
        let error = live.error.as_deref().unwrap_or("(no message)");
        facts.add("live.error", error, by);
    }
}

/// The OpenCV sources being built against the CUDA toolkit (the cache's CUDA_VERSION, else the
/// first toolkit found) and the cuDNN headers cmake would read: too new for the sources (the
/// support table) or older than OpenCV's minimum.
fn toolchain_unsupported_by_sources(
    b: &crate::probe::cmake_cache::BuildDir,
    m: &MachineFacts,
) -> Option<String> {
    let source = b.opencv_source.as_ref()?;
    let opencv = Version::parse(&source.version).filter(|_| !source.version.ends_with(".x"))?;
    let cuda = b
        .variables
        .get("CUDA_VERSION")
        .filter(|v| !v.is_empty())
        .cloned()
        .or_else(|| m.toolkits.iter().find_map(|t| t.version.clone()));
    let cudnn = m
        .cudnn
        .iter()
        .filter(|c| c.kind == "header")
        .find_map(|c| c.version.clone());
    let mut problems = Vec::new();
    for (component, label, version) in [("cuda", "CUDA", cuda), ("cudnn", "cuDNN", cudnn)] {
        let Some(version) = version.as_deref().and_then(Version::parse) else {
            continue;
        };
        if let Some(min) = crate::knowledge::opencv_support::below_minimum(component, &version) {
            problems.push(format!(
                "{label} {} is older than the {min} OpenCV's cmake accepts",
                version.as_str()
            ));
            continue;
        }
        let Some(row) = crate::knowledge::opencv_support::min_opencv_for(component, &version)
        else {
            continue;
        };
        if Version::parse(row.min_opencv).is_some_and(|min| opencv < min) {
            problems.push(format!(
                "{label} {} needs OpenCV {} or later",
                version.as_str(),
                row.min_opencv
            ));
        }
    }
    (!problems.is_empty()).then(|| {
        format!(
            "the sources are OpenCV {} ({}); {}",
            source.version,
            source.how,
            problems.join(", ")
        )
    })
}

fn add_build_dir_facts(facts: &mut Facts, m: &MachineFacts) {
    let by = |probe: &'static str| Origin::Derived { by: probe };
    let Some(b) = &m.build_dir else { return };
    facts.add("cmake.build_dir", b.path.clone(), by("CMakeCache.txt"));
    if let Some(why) = toolchain_unsupported_by_sources(b, m) {
        facts.add(
            "cmake.toolchain_unsupported",
            why,
            by("source trees, toolkit"),
        );
    }
    if let (Some(opencv), Some(contrib)) = (&b.opencv_source, &b.contrib_source)
        && !crate::probe::source_version::same_release(opencv, contrib)
    {
        facts.add(
            "cmake.contrib_mismatch",
            format!(
                "opencv is {} (from {}) but opencv_contrib is {} (from {})",
                opencv.version, opencv.how, contrib.version, contrib.how
            ),
            by("source trees"),
        );
    }
    let var = |name: &str| b.variables.get(name).filter(|v| !v.is_empty()).cloned();
    if let Some(v) = var("CUDA_ARCH_BIN") {
        facts.add("cmake.cuda_arch_bin", v, by("CMakeCache.txt"));
    }
    if let Some(v) = var("CUDA_GENERATION") {
        facts.add("cmake.cuda_generation", v, by("CMakeCache.txt"));
    }
    if let Some(v) = var("OPENCV_EXTRA_MODULES_PATH") {
        if b.extra_modules_found == Some(false) {
            facts.add(
                "cmake.extra_modules_unusable",
                v.clone(),
                by("CMakeCache.txt"),
            );
        }
        facts.add("cmake.extra_modules_path", v, by("CMakeCache.txt"));
    }
    let python = var("PYTHON3_EXECUTABLE").or_else(|| var("PYTHON_EXECUTABLE"));
    if let (Some(cmake_python), Some(p), Some(venv)) =
        (python, &m.python, &m.environment.virtual_env)
        && !cmake_python.starts_with(venv.as_str())
        && p.executable.starts_with(venv.as_str())
    {
        facts.add(
            "cmake.python_outside_venv",
            cmake_python,
            by("CMakeCache.txt"),
        );
    }
    if b.notfound.iter().any(|n| n.starts_with("CUDNN")) {
        facts.add(
            "cmake.cudnn_notfound",
            b.notfound
                .iter()
                .filter(|n| n.starts_with("CUDNN"))
                .cloned()
                .collect::<Vec<_>>()
                .join(", "),
            by("CMakeCache.txt"),
        );
    }
    if !b.notfound.is_empty() {
        facts.add(
            "cmake.notfound",
            b.notfound.join(", "),
            by("CMakeCache.txt"),
        );
    }
    if !b.has_makefile && !b.has_build_ninja {
        facts.add("cmake.no_makefile", "true", by("build directory"));
    }
    // An arch in CUDA_ARCH_BIN that the installed toolkit cannot compile.
    if let (Some(arch_bin), Some(toolkit)) = (
        var("CUDA_ARCH_BIN"),
        m.toolkits
            .iter()
            .find_map(|t| t.version.as_deref().and_then(Version::parse)),
    ) {
        let unsupported = crate::knowledge::arch_toolkits::unsupported_by(
            &crate::facts::derived::parse_arch_list(&arch_bin),
            &toolkit,
        );
        if !unsupported.is_empty() {
            facts.add(
                "cmake.arch_unsupported",
                unsupported.join(" "),
                by("CMakeCache.txt, toolkit"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::GpuFacts;

    #[test]
    fn names_each_nvml_gpu_family_from_the_gpu_table() {
        let gpu = |name: &str| GpuFacts {
            index: 0,
            name: name.into(),
            compute_capability: "7.5".into(),
            memory_mib: None,
            pci_bus_id: None,
        };
        let m = MachineFacts {
            gpus: vec![gpu("NVIDIA GeForce GTX 1660 SUPER"), gpu("Some Future GPU")],
            ..Default::default()
        };
        let mut facts = Facts::default();
        add_machine_facts(&mut facts, &m);
        crate::facts::derived::derive(&mut facts);
        // the table knows the first; an unknown name yields no family, not a wrong one
        let families: Vec<&str> = facts
            .all("gpu.family")
            .iter()
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(families, ["GTX 16xx (Turing TU116/TU117)"]);
        assert_eq!(facts.all("gpu.name").len(), 2);
    }
}
