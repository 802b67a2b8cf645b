//! `cvdoctor check`: run every probe, turn what they found into facts, let the rules judge.
//!
//! Probes never fail the run: what could not be checked is listed in `unavailable` with the
//! reason. `--root DIR` runs the file-based probes inside DIR and skips the device probes.

pub mod facts;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::binary::{self, BinaryReport, gpu_spec::GpuSpec};
use crate::engine::Finding;
use crate::probe::{cmake_cache, cv2, live, nvml, python, toolkit};
use crate::rules::RuleSet;

#[derive(Debug, Default, Clone)]
pub struct CheckOptions {
    pub root: Option<PathBuf>,
    pub python: Option<PathBuf>,
    pub build_dir: Option<PathBuf>,
    /// GPUs given on the command line: used instead of the machine's.
    pub gpus: Vec<GpuSpec>,
    /// Import cv2 and run a small network with the CUDA backend (`--live`), within this time.
    pub live: Option<std::time::Duration>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DriverFacts {
    pub version: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda_version: Option<String>,
    /// `nvml` or `/proc/driver/nvidia/version`.
    pub source: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GpuFacts {
    pub index: u32,
    pub name: String,
    /// As "9.0".
    pub compute_capability: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pci_bus_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cv2Facts {
    /// The cv2 that `import cv2` loads (the first importable one on sys.path).
    pub path: String,
    pub module: Option<String>,
    pub version: Option<String>,
    /// Whether its OpenCV has CUDA (build information `NVIDIA CUDA: YES`).
    pub cuda: bool,
    pub origin: String,
    /// Every cv2 on sys.path, in import order.
    pub candidates: Vec<cv2::Candidate>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Unavailable {
    pub probe: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct MachineFacts {
    /// The machine's name: `triage` groups `check` outputs of a fleet by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    pub driver: Option<DriverFacts>,
    /// What the CUDA driver API (libcuda) reports, to compare with NVML.
    pub cuda_driver_api: Option<crate::probe::cuda_driver::CudaDriver>,
    pub gpus: Vec<GpuFacts>,
    pub toolkits: Vec<toolkit::Toolkit>,
    pub cudnn: Vec<toolkit::Cudnn>,
    /// The cuDNN file the loader gives OpenCV (its `libcudnn.so.N` resolved through links).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cudnn_loaded: Option<toolkit::Cudnn>,
    pub python: Option<python::Python>,
    pub cv2: Option<Cv2Facts>,
    /// The cv2 module and the OpenCV libraries it loads, inspected.
    pub opencv_libraries: Vec<BinaryReport>,
    pub build_dir: Option<cmake_cache::BuildDir>,
    /// `--live`: the network run with the CUDA backend in the user's Python.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub live: Option<live::LiveRun>,
    pub unavailable: Vec<Unavailable>,
    /// What the judgement needs from the environment, recorded by the probes so that a report
    /// judged again elsewhere (`triage`) reads this machine, not the support desk's.
    pub environment: Environment,
    /// `/`, or the `--root` folder the file probes ran in.
    #[serde(default = "host_root")]
    pub root: PathBuf,
}

#[derive(Debug, Clone, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Environment {
    /// `$VIRTUAL_ENV` when check ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub virtual_env: Option<String>,
    /// `~/opencv_contrib/modules`, when that folder exists: the contrib path for rebuild commands.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub home_contrib_modules: Option<String>,
}

fn host_root() -> PathBuf {
    PathBuf::from("/")
}

#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub facts: MachineFacts,
    pub findings: Vec<Finding>,
}

/// The probe name under which unreadable `sys.path` folders are listed.
pub const CV2_SEARCH: &str = "cv2 search";

pub fn probe(opts: &CheckOptions) -> MachineFacts {
    let root = opts.root.clone().unwrap_or_else(|| PathBuf::from("/"));
    let on_host = root == Path::new("/");
    let mut m = MachineFacts {
        host: crate::probe::host::node_name(),
        root: root.clone(),
        ..Default::default()
    };
    let unavailable = |m: &mut MachineFacts, probe: &str, reason: String| {
        m.unavailable.push(Unavailable {
            probe: probe.to_string(),
            reason,
        })
    };

    // Driver and GPUs.
    if on_host {
        match nvml::probe() {
            Ok(driver) => {
                m.gpus = driver
                    .gpus
                    .iter()
                    .map(|g| GpuFacts {
                        index: g.index,
                        name: g.name.clone(),
                        compute_capability: format!(
                            "{}.{}",
                            g.compute_capability.0, g.compute_capability.1
                        ),
                        memory_mib: g.memory_mib,
                        pci_bus_id: g.pci_bus_id.clone(),
                    })
                    .collect();
                m.driver = Some(DriverFacts {
                    version: driver.version,
                    cuda_version: Some(driver.cuda_version),
                    source: "nvml".into(),
                });
            }
            Err(why) => {
                unavailable(&mut m, "nvml", why);
                if let Some(version) = nvml::proc_driver_version(&root) {
                    m.driver = Some(DriverFacts {
                        version,
                        cuda_version: None,
                        source: "/proc/driver/nvidia/version".into(),
                    });
                }
            }
        }
        match crate::probe::cuda_driver::probe() {
            Ok(api) => m.cuda_driver_api = Some(api),
            Err(why) => unavailable(&mut m, "cuda driver api", why),
        }
    } else {
        unavailable(
            &mut m,
            "nvml",
            format!("device probes are skipped with --root {}", root.display()),
        );
    }

    // GPUs given on the command line replace the machine's (support staff, --root images).
    if !opts.gpus.is_empty() {
        m.gpus = opts
            .gpus
            .iter()
            .enumerate()
            .map(|(i, g)| GpuFacts {
                index: i as u32,
                name: g
                    .name
                    .clone()
                    .unwrap_or_else(|| format!("--gpu {}.{}", g.cc.0, g.cc.1)),
                compute_capability: format!("{}.{}", g.cc.0, g.cc.1),
                memory_mib: None,
                pci_bus_id: None,
            })
            .collect();
    }

    // Toolkits.
    m.toolkits = toolkit::toolkits(&root, on_host);

    // Python and cv2.
    let python_result = if on_host {
        python::probe(opts.python.as_deref())
    } else {
        python_under_root(&root)
    };
    match python_result {
        Ok(p) => m.python = Some(p),
        Err(why) => unavailable(&mut m, "python", why),
    }
    let site_dirs: Vec<String> = m
        .python
        .as_ref()
        .map(|p| {
            p.sys_path
                .iter()
                .filter(|d| d.ends_with("-packages"))
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    m.cudnn = toolkit::cudnn_copies(&root, &m.toolkits, &site_dirs);

    let gpu_specs: Vec<GpuSpec> = m
        .gpus
        .iter()
        .filter_map(|g| {
            binary::gpu_spec::parse(&g.compute_capability)
                .ok()
                .map(|s| GpuSpec {
                    name: Some(g.name.clone()),
                    ..s
                })
        })
        .collect();
    let driver_cuda = m
        .driver
        .as_ref()
        .and_then(|d| d.cuda_version.as_deref())
        .and_then(crate::version::Version::parse);
    if let Some(p) = m.python.clone() {
        let search = cv2::find(&p.sys_path, &p.version, &p.ext_suffix, &root);
        for reason in search.unreadable {
            unavailable(&mut m, CV2_SEARCH, reason);
        }
        let candidates = search.candidates;
        let resolver =
            binary::deps::Resolver::new(if on_host { None } else { Some(root.as_path()) });
        let winner = candidates.iter().find(|c| c.importable()).cloned();
        if let Some(w) = &winner
            && let Some(module) = &w.module
        {
            inspect_opencv(
                Path::new(module),
                &gpu_specs,
                driver_cuda.as_ref(),
                &resolver,
                &mut m,
            );
        }
        let build = m
            .opencv_libraries
            .iter()
            .find_map(|r| r.opencv_build.as_ref());
        if let Some(w) = winner.or_else(|| candidates.first().cloned()) {
            m.cv2 = Some(Cv2Facts {
                path: w.path.clone(),
                module: w.module.clone(),
                version: build.map(|b| b.version.clone()),
                cuda: build.is_some_and(|b| b.cuda),
                origin: w.origin.clone(),
                candidates,
            });
        } else if !candidates.is_empty() {
            m.cv2 = None;
        }
    }

    if let Some(timeout) = opts.live {
        match (&m.python, on_host) {
            (_, false) => unavailable(&mut m, "live", "--live cannot run with --root".into()),
            (None, true) => unavailable(&mut m, "live", "no Python to run it with".into()),
            (Some(p), true) => match live::run(Path::new(&p.invoked_as), timeout) {
                Ok(run) => m.live = Some(run),
                Err(why) => unavailable(&mut m, "live", why),
            },
        }
    }

    m.cudnn_loaded = cudnn_loaded(&m.opencv_libraries);

    m.environment = environment(&root);

    // Build directory.
    match cmake_cache::locate(opts.build_dir.as_deref()) {
        Some(dir) => match cmake_cache::read(&dir, &root) {
            Ok(b) => m.build_dir = Some(b),
            Err(why) => unavailable(&mut m, "build directory", why),
        },
        None => unavailable(
            &mut m,
            "build directory",
            "none given (--build-dir) and none found in ./build, . or ~/opencv/build".into(),
        ),
    }
    m
}

/// `$VIRTUAL_ENV` and `~/opencv_contrib/modules` (on this machine only: not under `--root`).
fn environment(root: &Path) -> Environment {
    if root != Path::new("/") {
        return Environment::default();
    }
    let home_contrib_modules = std::env::var_os("HOME")
        .map(|home| Path::new(&home).join("opencv_contrib/modules"))
        .filter(|dir| dir.is_dir())
        .map(|dir| dir.display().to_string());
    Environment {
        virtual_env: std::env::var_os("VIRTUAL_ENV").map(|v| v.to_string_lossy().into_owned()),
        home_contrib_modules,
    }
}

/// The cv2 module, then the OpenCV libraries it needs (those hold the CUDA code and, for a
/// shared build, the build information).
fn inspect_opencv(
    module: &Path,
    gpus: &[GpuSpec],
    driver: Option<&crate::version::Version>,
    resolver: &binary::deps::Resolver,
    m: &mut MachineFacts,
) {
    let Ok(mut report) = binary::inspect_file(module, gpus, driver) else {
        m.unavailable.push(Unavailable {
            probe: "cv2 module".into(),
            reason: format!("{}: not readable as ELF", module.display()),
        });
        return;
    };
    binary::resolve_needed(&mut report, resolver);
    let opencv_libs: Vec<PathBuf> = report
        .needed
        .iter()
        .filter(|n| n.name.starts_with("libopencv_"))
        .filter_map(|n| n.path.as_ref().map(PathBuf::from))
        .collect();
    // cv2 itself may carry the build information (static build), else libopencv_core does.
    let cv2_has_build = report.opencv_build.is_some();
    m.opencv_libraries.push(report);
    for lib in opencv_libs {
        let name = lib
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let wanted = name.starts_with("libopencv_core") && !cv2_has_build
            || name.starts_with("libopencv_dnn")
            || name.starts_with("libopencv_cud")
            || name.starts_with("libopencv_world");
        if !wanted {
            continue;
        }
        if let Ok(mut r) = binary::inspect_file(&lib, gpus, driver) {
            binary::resolve_needed(&mut r, resolver);
            m.opencv_libraries.push(r);
        }
    }
}

/// `libcudnn.so.9` is a link to `libcudnn.so.9.14.0`: the file it resolves to names the version.
fn cudnn_loaded(libraries: &[BinaryReport]) -> Option<toolkit::Cudnn> {
    let needed = libraries
        .iter()
        .flat_map(|r| r.needed.iter())
        .filter(|n| n.name.starts_with("libcudnn.so"))
        .find_map(|n| n.path.clone())?;
    let file = std::fs::canonicalize(&needed).unwrap_or_else(|_| needed.into());
    let version = file
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_prefix("libcudnn.so."))
        .filter(|v| crate::version::Version::parse(v).is_some())
        .map(str::to_string);
    Some(toolkit::Cudnn {
        path: file.display().to_string(),
        version,
        kind: "loaded by OpenCV".into(),
    })
}

/// Under `--root` the image's Python cannot be run: its site-packages are found on disk.
fn python_under_root(root: &Path) -> Result<python::Python, String> {
    let mut sys_path = Vec::new();
    let mut version = String::new();
    for base in ["usr/local/lib", "usr/lib"] {
        let Ok(entries) = std::fs::read_dir(root.join(base)) else {
            continue;
        };
        let mut dirs: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("python3"))
            .collect();
        dirs.sort();
        for d in dirs {
            if version.is_empty() {
                version = format!("{}.0", d.trim_start_matches("python"));
            }
            for kind in ["dist-packages", "site-packages"] {
                let rel = format!("/{base}/{d}/{kind}");
                if root.join(rel.trim_start_matches('/')).is_dir() {
                    sys_path.push(rel);
                }
            }
        }
    }
    if sys_path.is_empty() {
        return Err(format!(
            "no /usr/lib/python3*/ or /usr/local/lib/python3*/ under {}",
            root.display()
        ));
    }
    Ok(python::Python {
        executable: "(under --root: not run)".into(),
        version,
        sys_path,
        ext_suffix: String::new(),
        platlib: String::new(),
        prefix: String::new(),
        chosen_by: "--root".into(),
        invoked_as: String::new(),
    })
}

/// Probes, then the rules.
pub fn check(rules: &RuleSet, opts: &CheckOptions) -> CheckReport {
    let machine = probe(opts);
    let findings = facts::judge(rules, &machine);
    CheckReport {
        facts: machine,
        findings,
    }
}
