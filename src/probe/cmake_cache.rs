//! A build directory's `CMakeCache.txt`: `NAME:TYPE=VALUE` lines (comments `//` and `#`).
//! Source: Kitware/CMake `Source/cmCacheManager.cxx`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::source_version::{self, SourceVersion};

const MAX_CACHE: u64 = 16 << 20;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BuildDir {
    pub path: String,
    /// The variables cvdoctor looks at, when set.
    pub variables: BTreeMap<String, String>,
    /// Every `*-NOTFOUND` entry.
    pub notfound: Vec<String>,
    pub has_makefile: bool,
    pub has_build_ninja: bool,
    /// Lines that were not `NAME:TYPE=VALUE`.
    pub unparsed_lines: usize,
    /// The release of the OpenCV sources (CMAKE_HOME_DIRECTORY) and of opencv_contrib
    /// (OPENCV_EXTRA_MODULES_PATH), where they can be told.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opencv_source: Option<SourceVersion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contrib_source: Option<SourceVersion>,
    /// Whether OPENCV_EXTRA_MODULES_PATH is a folder cmake can use (no `~`, no list, present),
    /// recorded when the cache is read so that a report judged elsewhere needs no disk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra_modules_found: Option<bool>,
}

pub const WATCHED: &[&str] = &[
    "WITH_CUDA",
    "WITH_CUDNN",
    "OPENCV_DNN_CUDA",
    "CUDA_ARCH_BIN",
    "CUDA_ARCH_PTX",
    "CUDA_GENERATION",
    "CUDNN_LIBRARY",
    "CUDNN_INCLUDE_DIR",
    "OPENCV_EXTRA_MODULES_PATH",
    "PYTHON3_EXECUTABLE",
    "PYTHON_EXECUTABLE",
    "CMAKE_INSTALL_PREFIX",
    "CUDA_TOOLKIT_ROOT_DIR",
    "CMAKE_HOME_DIRECTORY",
    "OpenCV_VERSION",
    "CUDA_VERSION",
];

/// The build directory to read: `--build-dir`, else `./build`, `.`, `~/opencv/build`.
pub fn locate(explicit: Option<&Path>) -> Option<PathBuf> {
    if let Some(p) = explicit {
        return Some(p.to_path_buf());
    }
    let mut candidates = vec![PathBuf::from("build"), PathBuf::from(".")];
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join("opencv/build"));
    }
    candidates
        .into_iter()
        .find(|c| c.join("CMakeCache.txt").is_file())
}

/// Reads `DIR/CMakeCache.txt`. Paths the cache names are looked up under `root` too (`--root`
/// images) and on this machine.
pub fn read(dir: &Path, root: &Path) -> Result<BuildDir, String> {
    let path = dir.join("CMakeCache.txt");
    let meta = std::fs::metadata(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.len() > MAX_CACHE {
        return Err(format!(
            "{}: larger than 16 MiB, not a CMake cache",
            path.display()
        ));
    }
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let text = String::from_utf8_lossy(&bytes);
    let mut out = BuildDir {
        path: dir.display().to_string(),
        variables: BTreeMap::new(),
        notfound: Vec::new(),
        has_makefile: dir.join("Makefile").is_file(),
        has_build_ninja: dir.join("build.ninja").is_file(),
        unparsed_lines: 0,
        opencv_source: None,
        contrib_source: None,
        extra_modules_found: None,
    };
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with("//") || line.starts_with('#') {
            continue;
        }
        let Some((name_type, value)) = line.split_once('=') else {
            out.unparsed_lines += 1;
            continue;
        };
        let name = name_type
            .split(':')
            .next()
            .unwrap_or(name_type)
            .trim_matches('"');
        if value.ends_with("-NOTFOUND") {
            out.notfound.push(name.to_string());
        }
        if WATCHED.contains(&name) {
            out.variables.insert(name.to_string(), value.to_string());
        }
    }
    if out.variables.is_empty() && out.notfound.is_empty() {
        return Err(format!("{}: no CMake cache entries found", path.display()));
    }
    let var = |name: &str| out.variables.get(name).filter(|v| !v.is_empty());
    out.opencv_source =
        var("CMAKE_HOME_DIRECTORY").and_then(|d| source_version::opencv(Path::new(d)));
    out.extra_modules_found = var("OPENCV_EXTRA_MODULES_PATH").map(|v| usable_folder(v, root));
    // A `;`-separated list; contrib's is the one that is a folder.
    out.contrib_source = var("OPENCV_EXTRA_MODULES_PATH").and_then(|list| {
        list.split(';')
            .map(Path::new)
            .filter(|p| p.is_dir())
            .find_map(source_version::contrib)
    });
    Ok(out)
}

/// A folder cmake can use as given: no `~` (cmake does not expand it), no `;`-list, and there.
fn usable_folder(value: &str, root: &Path) -> bool {
    !value.contains('~')
        && !value.contains(';')
        && (root.join(value.trim_start_matches('/')).is_dir() || Path::new(value).is_dir())
}
