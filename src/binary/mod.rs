//! Inspecting binaries: ELF files (shared libraries, objects, executables) and raw fatbins.
//! `source` reads at offsets, `elf` parses headers, `fatbin` walks CUDA containers, `cubin`
//! looks inside a payload when needed, `verdict` judges a GPU, `gpu_spec` parses `--gpu`.

pub mod buildinfo;
pub mod cubin;
pub mod deps;
pub mod elf;
pub mod fatbin;
pub mod gpu_spec;
pub mod ldcache;
pub mod source;
pub mod verdict;
pub mod walk;

use std::fs::File;
use std::path::Path;

use serde::{Deserialize, Serialize};

use fatbin::{FatbinSection, Kind};
use gpu_spec::GpuSpec;
use source::ByteSource;
use verdict::Verdict;

/// One listed entry of `.nv_fatbin`, as JSON shows it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryReport {
    pub module: usize,
    pub kind: Kind,
    pub arch: String,
    /// `[1,8]` code version for cubins, PTX ISA for PTX.
    pub version: String,
    pub compression: fatbin::Compression,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RelFatbin {
    pub cubins: Vec<String>,
    pub ptx: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BinaryReport {
    pub path: String,
    /// `ELF64 little-endian shared object`, `raw fatbin`.
    pub format: String,
    /// Arch of each cubin in `.nv_fatbin`, in file order (`sm_86`, `sm_90a`, `sm_100f`).
    pub cubins: Vec<String>,
    /// Arch of each PTX entry in `.nv_fatbin`, in file order.
    pub ptx: Vec<String>,
    /// Other entry kinds (NVVM IR, newer formats), as `kind N sm_XY`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other: Vec<String>,
    /// Number of containers (CUDA modules) in `.nv_fatbin`.
    pub modules: usize,
    pub entries: Vec<EntryReport>,
    /// `__nv_relfatbin` (device-link input, ignored by the runtime and cuobjdump).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relfatbin: Option<RelFatbin>,
    /// DT_NEEDED, each with where the loader would find it (`path` null when missing).
    pub needed: Vec<deps::Needed>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpath: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runpath: Vec<String>,
    /// OpenCV's build information, when this is an OpenCV core/world library or a cv2 module.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opencv_build: Option<buildinfo::OpenCvBuild>,
    /// What the needed CUDA libraries say: `CUDA runtime 12`, `cuDNN 9`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cuda_libraries: Vec<String>,
    pub verdicts: Vec<Verdict>,
    /// What could not be read or understood.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    #[serde(skip)]
    pub fatbin: FatbinSection,
    #[serde(skip)]
    pub dynamic: deps::Dynamic,
    #[serde(skip)]
    pub target: deps::Target,
}

impl BinaryReport {
    fn empty(path: &Path, format: String) -> BinaryReport {
        BinaryReport {
            path: path.display().to_string(),
            format,
            cubins: Vec::new(),
            ptx: Vec::new(),
            other: Vec::new(),
            modules: 0,
            entries: Vec::new(),
            relfatbin: None,
            needed: Vec::new(),
            rpath: Vec::new(),
            runpath: Vec::new(),
            cuda_libraries: Vec::new(),
            opencv_build: None,
            verdicts: Vec::new(),
            problems: Vec::new(),
            fatbin: FatbinSection::default(),
            dynamic: deps::Dynamic::default(),
            target: deps::Target::default(),
        }
    }

    pub fn has_cuda_code(&self) -> bool {
        !self.cubins.is_empty() || !self.ptx.is_empty()
    }
}

/// Why a path was not inspected at all.
#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error("{0}: cannot open: {1}")]
    Open(String, std::io::Error),
    #[error("{0}: not an ELF file or fat binary")]
    NotBinary(String),
}

pub fn inspect_file(
    path: &Path,
    gpus: &[GpuSpec],
    driver_cuda: Option<&crate::version::Version>,
) -> Result<BinaryReport, InspectError> {
    let file = File::open(path).map_err(|e| InspectError::Open(path.display().to_string(), e))?;
    inspect_source(&file, path, gpus, driver_cuda)
}

pub fn inspect_source(
    src: &dyn ByteSource,
    path: &Path,
    gpus: &[GpuSpec],
    driver_cuda: Option<&crate::version::Version>,
) -> Result<BinaryReport, InspectError> {
    let mut report;
    if elf::is_elf(src) {
        match elf::parse(src) {
            Ok(info) => {
                report = BinaryReport::empty(
                    path,
                    format!("{} {} {}", info.class, info.endian, info.file_type),
                );
                if let Some(section) = info.section(".nv_fatbin") {
                    report.fatbin = fatbin::walk(src, section.offset, section.size);
                }
                if let Some(section) = info.section("__nv_relfatbin") {
                    let rel = fatbin::walk(src, section.offset, section.size);
                    report
                        .problems
                        .extend(rel.problems.iter().map(|p| format!("__nv_relfatbin: {p}")));
                    report.relfatbin = Some(RelFatbin {
                        cubins: rel
                            .entries()
                            .filter(|e| e.kind == Kind::Cubin)
                            .map(fatbin::Entry::arch_name)
                            .collect(),
                        ptx: rel
                            .entries()
                            .filter(|e| e.kind == Kind::Ptx)
                            .map(fatbin::Entry::arch_name)
                            .collect(),
                    });
                }
                let file_name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                if buildinfo::may_hold_build_info(&file_name) {
                    report.opencv_build = buildinfo::find(src, &info);
                }
                match deps::read_dynamic(src, &info) {
                    Ok(dynamic) => report.dynamic = dynamic,
                    Err(e) => report.problems.push(e),
                }
                report.target = deps::Target::of(&info);
                report.rpath = report.dynamic.rpath.clone();
                report.runpath = report.dynamic.runpath.clone();
                report.cuda_libraries = report
                    .dynamic
                    .needed
                    .iter()
                    .filter_map(|n| deps::cuda_library_meaning(n))
                    .collect();
                report.needed = report
                    .dynamic
                    .needed
                    .iter()
                    .map(|n| deps::Needed {
                        name: n.clone(),
                        path: None,
                        via: None,
                    })
                    .collect();
                if info.sections.is_empty() {
                    report
                        .problems
                        .push("no section headers (stripped): CUDA code not searched".into());
                }
            }
            Err(e) => {
                report = BinaryReport::empty(path, "ELF (unreadable)".into());
                report.problems.push(e.to_string());
                return Ok(report);
            }
        }
    } else if starts_with_fatbin(src) {
        report = BinaryReport::empty(path, "raw fatbin".into());
        report.fatbin = fatbin::walk(src, 0, src.len());
    } else {
        return Err(InspectError::NotBinary(path.display().to_string()));
    }
    report
        .problems
        .extend(report.fatbin.problems.iter().cloned());
    report.modules = report.fatbin.containers.len();
    for container in &report.fatbin.containers {
        for e in &container.entries {
            match e.kind {
                Kind::Cubin => report.cubins.push(e.arch_name()),
                Kind::Ptx => report.ptx.push(e.arch_name()),
                Kind::Other(k) => report.other.push(format!("kind {k} {}", e.arch_name())),
            }
            report.entries.push(EntryReport {
                module: container.index + 1,
                kind: e.kind,
                arch: e.arch_name(),
                version: format!("{}.{}", e.version.0, e.version.1),
                compression: e.compression,
                size: e.size,
                identifier: e.identifier.clone(),
            });
        }
    }
    for gpu in gpus {
        let mut v = verdict::judge(src, &report.fatbin.containers, gpu.cc, driver_cuda);
        v.gpu_name = gpu.name.clone();
        report.verdicts.push(v);
    }
    Ok(report)
}

fn starts_with_fatbin(src: &dyn ByteSource) -> bool {
    let mut magic = [0u8; 4];
    src.len() >= 16
        && src.read_exact_at(0, &mut magic).is_ok()
        && u32::from_le_bytes(magic) == fatbin::FATBIN_MAGIC
}

/// Fills `needed[].path` the way the dynamic loader would search.
pub fn resolve_needed(report: &mut BinaryReport, resolver: &deps::Resolver) {
    let path = Path::new(&report.path);
    let origin = path
        .canonicalize()
        .ok()
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| path.parent().map(Path::to_path_buf).unwrap_or_default());
    report.needed = report
        .dynamic
        .needed
        .iter()
        .map(|name| resolver.resolve(name, &origin, &report.dynamic, report.target))
        .collect();
}

/// The lines `cuobjdump --list-elf` (cubins) or `--list-ptx` prints for this file.
pub fn cuobjdump_listing(report: &BinaryReport, kind: Kind) -> Vec<String> {
    let file_name = Path::new(&report.path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let label = if kind == Kind::Cubin { "ELF" } else { "PTX" };
    report
        .fatbin
        .entries()
        .filter(|e| e.kind == kind)
        .enumerate()
        .map(|(i, e)| {
            format!(
                "{label} file {:>4}: {}",
                i + 1,
                fatbin::cuobjdump_name(&file_name, i + 1, e)
            )
        })
        .collect()
}
