//! CUDA toolkits and cuDNN copies on disk: found by reading files (`version.json`,
//! `version.txt`, `cudnn_version*.h`, library names), never by running them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Toolkit {
    pub path: String,
    pub version: Option<String>,
    /// How it was found: `nvcc on PATH`, `CUDA_HOME`, `CUDA_PATH`, `/usr/local/cuda*`.
    pub found_by: String,
    pub has_nvcc: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cudnn {
    pub path: String,
    pub version: Option<String>,
    /// `header`, `library` or `pip`.
    pub kind: String,
}

fn under(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix("/") {
        Ok(rel) => root.join(rel),
        Err(_) => path.to_path_buf(),
    }
}

/// Toolkits: `nvcc` on PATH (host only), `CUDA_HOME`/`CUDA_PATH` (host only), `/usr/local/cuda*`.
pub fn toolkits(root: &Path, on_host: bool) -> Vec<Toolkit> {
    let mut candidates: Vec<(PathBuf, String)> = Vec::new();
    if on_host {
        if let Some(path) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&path) {
                if dir.join("nvcc").is_file()
                    && let Some(parent) = dir.parent()
                {
                    candidates.push((parent.to_path_buf(), "nvcc on PATH".into()));
                }
            }
        }
        for var in ["CUDA_HOME", "CUDA_PATH"] {
            if let Some(v) = std::env::var_os(var) {
                candidates.push((PathBuf::from(v), var.into()));
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(under(root, Path::new("/usr/local"))) {
        let mut dirs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("cuda"))
            })
            .collect();
        dirs.sort();
        for d in dirs {
            candidates.push((d, "/usr/local/cuda*".into()));
        }
    }
    let mut out: Vec<Toolkit> = Vec::new();
    for (path, found_by) in candidates {
        let canonical = std::fs::canonicalize(&path).unwrap_or(path.clone());
        if !canonical.join("bin").is_dir() && !canonical.join("version.json").is_file() {
            continue;
        }
        if let Some(existing) = out
            .iter_mut()
            .find(|t| t.path == canonical.display().to_string())
        {
            if !existing.found_by.contains(&found_by) {
                existing.found_by = format!("{}, {found_by}", existing.found_by);
            }
            continue;
        }
        out.push(Toolkit {
            version: toolkit_version(&canonical),
            has_nvcc: canonical.join("bin/nvcc").is_file(),
            path: canonical.display().to_string(),
            found_by,
        });
    }
    out
}

/// `version.json` (CUDA 11.1+) `{"cuda": {"version": "12.4.1"}}`, or `version.txt`
/// (`CUDA Version 10.2.89`).
pub fn toolkit_version(dir: &Path) -> Option<String> {
    if let Ok(text) = std::fs::read_to_string(dir.join("version.json")) {
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        return json["cuda"]["version"].as_str().map(str::to_string);
    }
    if let Ok(text) = std::fs::read_to_string(dir.join("version.txt")) {
        return text.split_whitespace().last().map(str::to_string);
    }
    // Some installs ship neither file: `#define CUDA_VERSION 13000` in include/cuda.h.
    let header = std::fs::read_to_string(dir.join("include/cuda.h")).ok()?;
    let value: u32 = header.lines().find_map(|l| {
        l.trim()
            .strip_prefix("#define CUDA_VERSION")?
            .trim()
            .parse()
            .ok()
    })?;
    Some(format!("{}.{}", value / 1000, (value % 1000) / 10))
}

/// cuDNN headers and libraries in the usual places, and pip's `nvidia-cudnn-cu*` in the
/// given site-packages directories.
pub fn cudnn_copies(root: &Path, toolkits: &[Toolkit], site_packages: &[String]) -> Vec<Cudnn> {
    let mut out = Vec::new();
    let mut include_dirs: Vec<PathBuf> = [
        "/usr/include",
        "/usr/include/x86_64-linux-gnu",
        "/usr/include/aarch64-linux-gnu",
        "/usr/local/include",
    ]
    .iter()
    .map(|d| under(root, Path::new(d)))
    .collect();
    let mut lib_dirs: Vec<PathBuf> = [
        "/usr/lib/x86_64-linux-gnu",
        "/usr/lib/aarch64-linux-gnu",
        "/usr/lib64",
        "/usr/lib",
        "/usr/local/lib",
    ]
    .iter()
    .map(|d| under(root, Path::new(d)))
    .collect();
    for t in toolkits {
        let p = PathBuf::from(&t.path);
        include_dirs.push(p.join("include"));
        lib_dirs.push(p.join("lib64"));
        lib_dirs.push(p.join("targets/x86_64-linux/lib"));
    }
    for dir in include_dirs {
        for name in ["cudnn_version.h", "cudnn.h"] {
            let header = dir.join(name);
            if let Some(version) = header_version(&header) {
                out.push(Cudnn {
                    path: header.display().to_string(),
                    version: Some(version),
                    kind: "header".into(),
                });
                break;
            }
        }
    }
    for dir in lib_dirs {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut libs: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let n = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                // is_file: a dangling or looping link is not a copy of cuDNN.
                n.starts_with("libcudnn.so.") && n.matches('.').count() >= 4 && p.is_file()
            })
            .collect();
        libs.sort();
        for lib in libs {
            let name = lib
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let version = name.strip_prefix("libcudnn.so.").map(str::to_string);
            out.push(Cudnn {
                path: lib.display().to_string(),
                version,
                kind: "library".into(),
            });
        }
    }
    for site in site_packages {
        let Ok(entries) = std::fs::read_dir(under(root, Path::new(site))) else {
            continue;
        };
        for e in entries.flatten() {
            let n = e.file_name().to_string_lossy().into_owned();
            if n.starts_with("nvidia_cudnn_cu") && n.ends_with(".dist-info") {
                let version = n
                    .trim_end_matches(".dist-info")
                    .split_once('-')
                    .map(|(_, v)| v.to_string());
                out.push(Cudnn {
                    path: e.path().display().to_string(),
                    version,
                    kind: "pip".into(),
                });
            }
        }
    }
    out
}

/// `#define CUDNN_MAJOR 9` / `MINOR` / `PATCHLEVEL` → `9.14.0`.
pub fn header_version(path: &Path) -> Option<String> {
    super::c_header::define_version(
        path,
        ["CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"],
        Some("0"),
    )
}
