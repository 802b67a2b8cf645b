//! Every `cv2` on a Python's `sys.path`, in import order, and which one wins: a package
//! directory (`cv2/__init__.py` + `cv2*.so`, as pip and `make install` lay it out) or a bare
//! extension module (`cv2.cpython-312-x86_64-linux-gnu.so`, often a symlink made by hand).
//! Found by looking at files only; cv2 is not imported.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Candidate {
    /// The package directory or the extension module.
    pub path: String,
    /// The extension module that would be loaded, when found.
    pub module: Option<String>,
    /// `pip opencv-python-headless 5.0.0.93`, or `source build`.
    pub origin: String,
    /// The pip distribution name, when it came from pip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pip_distribution: Option<String>,
    /// Every OpenCV wheel installed beside it (`opencv-python 4.9.0.80`): they all write this
    /// one `cv2` folder, so more than one means its files come from several of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pip_wheels: Vec<String>,
    /// A symlink that points nowhere (the silent `ln -s` failure).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dangling_link: Option<String>,
    /// The module's ABI tag does not fit the interpreter (`cpython-36m` under Python 3.12).
    pub abi_mismatch: bool,
    /// `cv2/config-3.X.py` is missing for this interpreter (OpenCV's loader will refuse).
    pub missing_loader_config: bool,
}

impl Candidate {
    pub fn importable(&self) -> bool {
        self.dangling_link.is_none() && self.module.is_some() && !self.abi_mismatch
    }
}

/// What the search found, and the `sys.path` folders it could not read (so that "no cv2"
/// is not claimed where cv2 may be).
#[derive(Debug, Default)]
pub struct Search {
    pub candidates: Vec<Candidate>,
    /// `folder: reason`.
    pub unreadable: Vec<String>,
}

/// Looks for cv2 in each `sys.path` entry, in order. `python_version` is `3.12.3`.
pub fn find(sys_path: &[String], python_version: &str, ext_suffix: &str, root: &Path) -> Search {
    let mut search = Search::default();
    let major_minor: String = python_version
        .split('.')
        .take(2)
        .collect::<Vec<_>>()
        .join(".");
    let found = &mut search.candidates;
    for entry in sys_path {
        if entry.is_empty() {
            continue; // the script's directory
        }
        let dir = under(root, Path::new(entry));
        let package = dir.join("cv2");
        if package.is_dir() {
            found.push(package_candidate(&dir, &package, &major_minor, ext_suffix));
            continue;
        }
        let modules = match read_modules(&dir) {
            Ok(modules) => modules,
            // Missing folders on sys.path are normal (zip files, build leftovers).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            // A .zip or .egg on sys.path: Python reads it; a compiled cv2 cannot load from one.
            Err(_) if dir.is_file() => continue,
            Err(e) => {
                search.unreadable.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        for module in modules {
            found.push(module_candidate(&dir, &module, ext_suffix));
        }
    }
    search
}

fn under(root: &Path, path: &Path) -> PathBuf {
    match path.strip_prefix("/") {
        Ok(rel) if root != Path::new("/") => root.join(rel),
        _ => path.to_path_buf(),
    }
}

fn package_candidate(
    site: &Path,
    package: &Path,
    major_minor: &str,
    ext_suffix: &str,
) -> Candidate {
    // pip wheels put cv2*.so in the package; `make install` in cv2/python-3.X/.
    let mut modules = list_modules(package);
    let versioned = package.join(format!("python-{major_minor}"));
    modules.extend(list_modules(&versioned));
    if modules.is_empty()
        && let Ok(entries) = std::fs::read_dir(package)
    {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with("python-3") {
                modules.extend(list_modules(&e.path()));
            }
        }
    }
    let pip = pip_origin(site);
    let has_loader = package.join("__init__.py").exists();
    let missing_loader_config = has_loader
        && package.join("config.py").exists()
        && !package.join(format!("config-{major_minor}.py")).exists()
        && !package.join("config-3.py").exists();
    let module = modules
        .iter()
        .find(|m| fits_abi(m, ext_suffix))
        .or(modules.first())
        .cloned();
    let dangling = module
        .as_ref()
        .filter(|m| m.symlink_metadata().is_ok() && !m.exists())
        .map(|m| link_text(m));
    Candidate {
        path: package.display().to_string(),
        abi_mismatch: module.as_ref().is_some_and(|m| !fits_abi(m, ext_suffix)),
        module: module.map(|m| m.display().to_string()),
        origin: pip.origin,
        pip_distribution: pip.distribution,
        pip_wheels: pip.wheels,
        dangling_link: dangling,
        missing_loader_config,
    }
}

fn module_candidate(site: &Path, module: &Path, ext_suffix: &str) -> Candidate {
    let dangling =
        (module.symlink_metadata().is_ok() && !module.exists()).then(|| link_text(module));
    let pip = pip_origin(site);
    Candidate {
        path: module.display().to_string(),
        module: Some(module.display().to_string()),
        origin: pip.origin,
        pip_distribution: pip.distribution,
        pip_wheels: pip.wheels,
        dangling_link: dangling,
        abi_mismatch: !fits_abi(module, ext_suffix),
        missing_loader_config: false,
    }
}

fn list_modules(dir: &Path) -> Vec<PathBuf> {
    read_modules(dir).unwrap_or_default()
}

/// The `cv2*.so` / `cv2*.pyd` files in `dir`, sorted.
fn read_modules(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with("cv2") && (n.ends_with(".so") || n.ends_with(".pyd"))
            })
        })
        .collect();
    out.sort();
    Ok(out)
}

/// `cv2.abi3.so`, `cv2.so` and a module ending in the interpreter's own suffix load; a
/// `cv2.cpython-36m-...so` does not under 3.12.
pub fn fits_abi(module: &Path, ext_suffix: &str) -> bool {
    let name = module
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if name == "cv2.so"
        || name.ends_with(".abi3.so")
        || name.ends_with(".pyd")
        || ext_suffix.is_empty()
    {
        return true;
    }
    if name.contains(".cpython-") {
        name.ends_with(ext_suffix)
    } else {
        true
    }
}

/// `link -> target` for messages.
fn link_text(path: &Path) -> String {
    let target = std::fs::read_link(path)
        .map(|t| t.display().to_string())
        .unwrap_or_else(|_| "?".into());
    // ELOOP (40 on Linux): the links lead back to themselves rather than to a missing file.
    let looping = std::fs::metadata(path)
        .err()
        .and_then(|e| e.raw_os_error())
        .is_some_and(|code| code == 40);
    let note = if looping { " (a symlink loop)" } else { "" };
    format!("{} -> {target}{note}", path.display())
}

/// Who installed the `cv2` of one `site-packages` folder, from the dist-info folders beside it.
struct PipOrigin {
    /// The pip distribution name (`opencv-python-headless`), when pip installed it.
    distribution: Option<String>,
    /// `pip opencv-python-headless 5.0.0.93`, or `source build`.
    origin: String,
    /// Every OpenCV wheel there, `name version`.
    wheels: Vec<String>,
}

/// An `opencv_*python*.dist-info` next to the package means pip installed it.
fn pip_origin(site: &Path) -> PipOrigin {
    let source_build = || PipOrigin {
        distribution: None,
        origin: "source build".into(),
        wheels: Vec::new(),
    };
    let Ok(entries) = std::fs::read_dir(site) else {
        return source_build();
    };
    let mut infos: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("opencv_") && n.contains("python") && n.ends_with(".dist-info"))
        .collect();
    infos.sort();
    let wheels: Vec<(String, String)> = infos
        .iter()
        .map(|info| {
            let stem = info.trim_end_matches(".dist-info");
            let (name, version) = stem.split_once('-').unwrap_or((stem, ""));
            (name.replace('_', "-"), version.to_string())
        })
        .collect();
    let listed = wheels
        .iter()
        .map(|(name, version)| format!("{name} {version}").trim().to_string())
        .collect();
    match wheels.first() {
        Some((name, version)) => PipOrigin {
            distribution: Some(name.clone()),
            origin: format!("pip {name} {version}").trim().to_string(),
            wheels: listed,
        },
        None => source_build(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_tags() {
        let suffix = ".cpython-312-x86_64-linux-gnu.so";
        assert!(fits_abi(Path::new("cv2.abi3.so"), suffix));
        assert!(fits_abi(
            Path::new("cv2.cpython-312-x86_64-linux-gnu.so"),
            suffix
        ));
        assert!(!fits_abi(
            Path::new("cv2.cpython-36m-x86_64-linux-gnu.so"),
            suffix
        ));
        assert!(fits_abi(Path::new("cv2.so"), suffix));
    }

    #[test]
    fn every_opencv_wheel_beside_the_package_is_listed() {
        let site = tempfile::tempdir().unwrap();
        for info in [
            "opencv_python-4.7.0.72.dist-info",
            "opencv_contrib_python-4.9.0.80.dist-info",
            "numpy-1.26.4.dist-info",
        ] {
            std::fs::create_dir_all(site.path().join(info)).unwrap();
        }
        let pip = pip_origin(site.path());
        assert_eq!(pip.distribution.as_deref(), Some("opencv-contrib-python"));
        assert_eq!(pip.origin, "pip opencv-contrib-python 4.9.0.80");
        assert_eq!(
            pip.wheels,
            ["opencv-contrib-python 4.9.0.80", "opencv-python 4.7.0.72"]
        );
        let empty = tempfile::tempdir().unwrap();
        let none = pip_origin(empty.path());
        assert_eq!(none.origin, "source build");
        assert!(none.wheels.is_empty());
    }
}
