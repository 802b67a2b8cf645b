//! Can this GPU run the CUDA code in a binary? The rules (cuda-knowledge.md §2.6):
//! - SASS `sm_XY` runs on X.Z with Z >= Y, never across majors; `sm_XYa` only on exactly X.Y;
//!   `sm_XYf` within the family (same major, Z >= Y).
//! - PTX `compute_XY` is JIT-compiled for any CC >= X.Y (`a` PTX only on X.Y, `f` within the
//!   family), if the driver's CUDA version knows the PTX ISA.
//! - The runtime picks code per module (container). Only modules that hold kernels count:
//!   nvlink adds an empty module to every library.

use serde::{Deserialize, Serialize};

use super::cubin;
use super::fatbin::{Container, Entry, Kind, Suffix};
use super::source::ByteSource;
use crate::knowledge::ptx_isa;
use crate::version::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Runs,
    Fails,
    NoCudaCode,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FailingModule {
    /// 1-based container number in `.nv_fatbin`.
    pub module: usize,
    /// What the module holds: `sm_80`, `PTX sm_100`.
    pub has: Vec<String>,
    pub kernels: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Verdict {
    /// Compute capability as "9.0".
    pub gpu: String,
    /// The name the user gave (`Tesla V100`), when not a bare CC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gpu_name: Option<String>,
    pub result: Outcome,
    /// One line: how it runs (SASS sm_90a, PTX JIT from compute_80) or why not.
    pub detail: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failing_modules: Vec<FailingModule>,
    /// Modules without kernels, which the runtime never needs to load.
    pub modules_without_kernels: usize,
    /// Modules with code this GPU can run.
    pub modules_that_run: usize,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

pub fn sass_runs(entry: &Entry, cc: (u32, u32)) -> bool {
    let (major, minor) = entry.compute_capability();
    match entry.suffix {
        Suffix::A => (major, minor) == cc,
        Suffix::None | Suffix::F => major == cc.0 && minor <= cc.1,
    }
}

/// `Err` names why PTX that fits the architecture still cannot be JIT-compiled.
pub fn ptx_runs(
    entry: &Entry,
    cc: (u32, u32),
    driver_cuda: Option<&Version>,
) -> Result<bool, String> {
    let arch = entry.compute_capability();
    let arch_ok = match entry.suffix {
        Suffix::None => arch <= cc,
        Suffix::A => arch == cc,
        Suffix::F => arch.0 == cc.0 && arch.1 <= cc.1,
    };
    if !arch_ok {
        return Ok(false);
    }
    let Some(driver) = driver_cuda else {
        return Ok(true);
    };
    match ptx_isa::min_cuda_for_ptx(entry.version) {
        Some(needed) if &needed <= driver => Ok(true),
        Some(needed) => Err(format!(
            "PTX ISA {}.{} needs a CUDA {needed} driver; this one is {driver}",
            entry.version.0, entry.version.1
        )),
        None => Err(format!(
            "PTX ISA {}.{} is newer than any driver cvdoctor knows",
            entry.version.0, entry.version.1
        )),
    }
}

/// How a module can run on `cc`, if it can: SASS first, then PTX.
fn module_code_for(
    container: &Container,
    cc: (u32, u32),
    driver: Option<&Version>,
    notes: &mut Vec<String>,
) -> Option<String> {
    if let Some(e) = container
        .entries
        .iter()
        .filter(|e| e.kind == Kind::Cubin)
        .find(|e| sass_runs(e, cc))
    {
        return Some(format!("SASS {}", e.arch_name()));
    }
    for e in container.entries.iter().filter(|e| e.kind == Kind::Ptx) {
        match ptx_runs(e, cc, driver) {
            Ok(true) => {
                return Some(format!(
                    "PTX JIT from {}",
                    e.arch_name().replace("sm_", "compute_")
                ));
            }
            Ok(false) => {}
            Err(why) => notes.push(format!("module {}: {why}", container.index + 1)),
        }
    }
    None
}

/// Judges every module of `.nv_fatbin` for one GPU.
pub fn judge(
    src: &dyn ByteSource,
    containers: &[Container],
    cc: (u32, u32),
    driver: Option<&Version>,
) -> Verdict {
    let gpu = format!("{}.{}", cc.0, cc.1);
    let mut verdict = Verdict {
        gpu,
        gpu_name: None,
        result: Outcome::NoCudaCode,
        detail: String::new(),
        failing_modules: Vec::new(),
        modules_without_kernels: 0,
        modules_that_run: 0,
        notes: Vec::new(),
    };
    let with_code: Vec<&Container> = containers
        .iter()
        .filter(|c| {
            c.entries
                .iter()
                .any(|e| matches!(e.kind, Kind::Cubin | Kind::Ptx))
        })
        .collect();
    if with_code.is_empty() {
        verdict.detail = "no cubin or PTX in .nv_fatbin".into();
        return verdict;
    }
    let mut used = Vec::new();
    for container in with_code {
        if let Some(how) = module_code_for(container, cc, driver, &mut verdict.notes) {
            verdict.modules_that_run += 1;
            used.push(how);
            continue;
        }
        match module_kernels(src, container) {
            Ok(kernels) if kernels.is_empty() => verdict.modules_without_kernels += 1,
            result => {
                let kernels = result.unwrap_or_else(|why| {
                    verdict.notes.push(format!(
                        "module {}: could not list kernels ({why}); counted as holding kernels",
                        container.index + 1
                    ));
                    Vec::new()
                });
                verdict.failing_modules.push(FailingModule {
                    module: container.index + 1,
                    has: container
                        .entries
                        .iter()
                        .map(|e| {
                            if e.kind == Kind::Ptx {
                                format!("PTX {}", e.arch_name())
                            } else {
                                format!("SASS {}", e.arch_name())
                            }
                        })
                        .collect(),
                    kernels,
                });
            }
        }
    }
    used.sort();
    used.dedup();
    if verdict.failing_modules.is_empty() {
        verdict.result = Outcome::Runs;
        verdict.detail = if used.is_empty() {
            "only modules without kernels".into()
        } else {
            used.join(", ")
        };
    } else {
        verdict.result = Outcome::Fails;
        verdict.detail = format!(
            "{} module(s) with kernels have no SASS for {}.x at or below {}.{} and no PTX at or below it",
            verdict.failing_modules.len(),
            cc.0,
            cc.0,
            cc.1
        );
    }
    verdict
}

/// The kernels of a module: read from its first cubin, else its first PTX.
fn module_kernels(src: &dyn ByteSource, container: &Container) -> Result<Vec<String>, String> {
    let entry = container
        .entries
        .iter()
        .find(|e| e.kind == Kind::Cubin)
        .or_else(|| container.entries.iter().find(|e| e.kind == Kind::Ptx))
        .ok_or("no cubin or PTX")?;
    cubin::kernels(src, entry).map(|k| k.names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::fatbin::Compression;

    fn entry(kind: Kind, arch: u32, suffix: Suffix, isa: (u16, u16)) -> Entry {
        Entry {
            kind,
            arch,
            suffix,
            version: isa,
            flags: 0,
            compression: Compression::None,
            debug: false,
            payload_offset: 0,
            size: 0,
            compressed_size: 0,
            uncompressed_size: 0,
            identifier: None,
        }
    }

    #[test]
    fn sass_rules() {
        let sm = |arch, suffix| entry(Kind::Cubin, arch, suffix, (1, 8));
        assert!(sass_runs(&sm(86, Suffix::None), (8, 9)));
        assert!(!sass_runs(&sm(89, Suffix::None), (8, 6)));
        assert!(
            !sass_runs(&sm(80, Suffix::None), (9, 0)),
            "never across majors"
        );
        assert!(sass_runs(&sm(90, Suffix::A), (9, 0)));
        assert!(
            !sass_runs(&sm(100, Suffix::A), (10, 3)),
            "a: exactly that CC"
        );
        assert!(
            sass_runs(&sm(100, Suffix::F), (10, 3)),
            "f: within the family"
        );
        assert!(!sass_runs(&sm(100, Suffix::F), (12, 0)));
    }

    #[test]
    fn ptx_rules_and_driver_isa() {
        let ptx = |arch, suffix, isa| entry(Kind::Ptx, arch, suffix, isa);
        assert_eq!(
            ptx_runs(&ptx(80, Suffix::None, (9, 0)), (9, 0), None),
            Ok(true)
        );
        assert_eq!(
            ptx_runs(&ptx(100, Suffix::None, (9, 0)), (9, 0), None),
            Ok(false)
        );
        assert_eq!(
            ptx_runs(&ptx(90, Suffix::A, (9, 0)), (10, 0), None),
            Ok(false)
        );
        let old_driver = Version::parse("12.4").unwrap();
        assert!(ptx_runs(&ptx(80, Suffix::None, (9, 0)), (9, 0), Some(&old_driver)).is_err());
        let new_driver = Version::parse("13.0").unwrap();
        assert_eq!(
            ptx_runs(&ptx(80, Suffix::None, (9, 0)), (9, 0), Some(&new_driver)),
            Ok(true)
        );
    }
}
