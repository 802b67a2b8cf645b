//! Needed libraries (DT_NEEDED) and where the dynamic loader would find them, worked out
//! from the files alone: RPATH (when there is no RUNPATH), LD_LIBRARY_PATH, RUNPATH,
//! `/etc/ld.so.cache` and the default directories, with `$ORIGIN` expanded. Nothing is
//! loaded or run (unlike `ldd`). With `--root DIR` every path is looked up under DIR and
//! this process's LD_LIBRARY_PATH is ignored.
//! Source for the order: ld.so(8), "Rpath token expansion" and the search order it lists.

use std::path::{Path, PathBuf};

use goblin::container::{Container, Endian};
use serde::{Deserialize, Serialize};

use super::elf::{ElfInfo, c_string_at};
use super::ldcache::{self, CacheEntry};
use super::source::{ByteSource, read_vec};

const DT_NULL: u64 = 0;
const DT_NEEDED: u64 = 1;
const DT_SONAME: u64 = 14;
const DT_RPATH: u64 = 15;
const DT_RUNPATH: u64 = 29;
const MAX_DYNAMIC: u64 = 4 << 20;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Dynamic {
    pub needed: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rpath: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub runpath: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soname: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Needed {
    pub name: String,
    /// Where the loader would find it; `null` when it would not.
    pub path: Option<String>,
    /// How: `rpath`, `LD_LIBRARY_PATH`, `runpath`, `ld.so.cache`, `default`, `path`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub via: Option<String>,
}

/// Reads `.dynamic` and `.dynstr`. Objects without them (static, `.o`) need nothing.
pub fn read_dynamic(src: &dyn ByteSource, info: &ElfInfo) -> Result<Dynamic, String> {
    let (Some(dynamic), Some(dynstr)) = (info.section(".dynamic"), info.section(".dynstr")) else {
        return Ok(Dynamic::default());
    };
    let table = read_vec(src, dynamic.offset, dynamic.size, MAX_DYNAMIC)
        .map_err(|e| format!(".dynamic: {e}"))?;
    let strings = read_vec(src, dynstr.offset, dynstr.size, MAX_DYNAMIC)
        .map_err(|e| format!(".dynstr: {e}"))?;
    let wide = info.ctx.container == Container::Big;
    let big_endian = info.ctx.le == Endian::Big;
    let word = if wide { 8 } else { 4 };
    let read_word = |b: &[u8]| -> u64 {
        if wide {
            let a: [u8; 8] = b.try_into().unwrap_or_default();
            if big_endian {
                u64::from_be_bytes(a)
            } else {
                u64::from_le_bytes(a)
            }
        } else {
            let a: [u8; 4] = b.try_into().unwrap_or_default();
            u64::from(if big_endian {
                u32::from_be_bytes(a)
            } else {
                u32::from_le_bytes(a)
            })
        }
    };
    let mut out = Dynamic::default();
    for entry in table.chunks_exact(2 * word) {
        let tag = read_word(&entry[..word]);
        let value = read_word(&entry[word..]) as usize;
        let text = || c_string_at(&strings, value);
        let split = |s: String| {
            s.split(':')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        match tag {
            DT_NULL => break,
            DT_NEEDED => out.needed.push(text()),
            DT_SONAME => out.soname = Some(text()),
            DT_RPATH => out.rpath.extend(split(text())),
            DT_RUNPATH => out.runpath.extend(split(text())),
            _ => {}
        }
    }
    Ok(out)
}

/// What a library must match to be loadable by the object that needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Target {
    pub machine: u16,
    /// `EI_CLASS`: 1 for 32-bit, 2 for 64-bit.
    pub class: u8,
}

impl Target {
    pub fn of(info: &ElfInfo) -> Target {
        Target {
            machine: info.machine,
            class: info.header.e_ident[goblin::elf::header::EI_CLASS],
        }
    }
}

/// Loader search state: the cache is read once per run.
pub struct Resolver {
    root: PathBuf,
    ld_library_path: Vec<String>,
    cache: Vec<CacheEntry>,
    pub cache_problem: Option<String>,
}

impl Resolver {
    /// `root`: the filesystem to look in (`/` for this machine).
    pub fn new(root: Option<&Path>) -> Resolver {
        let root = root.map_or_else(|| PathBuf::from("/"), Path::to_path_buf);
        let on_host = root == Path::new("/");
        let ld_library_path = if on_host {
            std::env::var("LD_LIBRARY_PATH")
                .unwrap_or_default()
                .split(':')
                .filter(|p| !p.is_empty())
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        let cache_path = root.join("etc/ld.so.cache");
        let (cache, cache_problem) = match std::fs::read(&cache_path) {
            Ok(bytes) if bytes.len() <= 64 << 20 => match ldcache::parse(&bytes) {
                Ok(entries) => (entries, None),
                Err(e) => (Vec::new(), Some(format!("{}: {e}", cache_path.display()))),
            },
            Ok(_) => (
                Vec::new(),
                Some(format!("{}: larger than 64 MiB", cache_path.display())),
            ),
            Err(e) => (Vec::new(), Some(format!("{}: {e}", cache_path.display()))),
        };
        Resolver {
            root,
            ld_library_path,
            cache,
            cache_problem,
        }
    }

    /// Where the loader would find `name` for an object in `origin_dir`.
    pub fn resolve(
        &self,
        name: &str,
        origin_dir: &Path,
        dynamic: &Dynamic,
        target: Target,
    ) -> Needed {
        let found = |path: Option<PathBuf>, via: &str| Needed {
            name: name.to_string(),
            path: path.map(|p| p.display().to_string()),
            via: Some(via.to_string()),
        };
        if name.contains('/') {
            let p = self.under_root(Path::new(name));
            return if self.loadable(&p, target) {
                found(Some(p), "path")
            } else {
                Needed {
                    name: name.into(),
                    path: None,
                    via: None,
                }
            };
        }
        let expand = |dir: &str| -> PathBuf {
            let origin = origin_dir.display().to_string();
            let expanded = dir
                .replace("${ORIGIN}", &origin)
                .replace("$ORIGIN", &origin);
            if expanded.starts_with('/') && !dir.contains("ORIGIN") {
                self.under_root(Path::new(&expanded))
            } else {
                PathBuf::from(expanded)
            }
        };
        // RPATH applies only when there is no RUNPATH.
        if dynamic.runpath.is_empty() {
            for dir in &dynamic.rpath {
                let candidate = expand(dir).join(name);
                if self.loadable(&candidate, target) {
                    return found(Some(candidate), "rpath");
                }
            }
        }
        for dir in &self.ld_library_path {
            let candidate = Path::new(dir).join(name);
            if self.loadable(&candidate, target) {
                return found(Some(candidate), "LD_LIBRARY_PATH");
            }
        }
        for dir in &dynamic.runpath {
            let candidate = expand(dir).join(name);
            if self.loadable(&candidate, target) {
                return found(Some(candidate), "runpath");
            }
        }
        let arch = ldcache::arch_flags_for_machine(target.machine);
        let mut cached: Vec<&CacheEntry> = self.cache.iter().filter(|e| e.name == name).collect();
        cached.sort_by_key(|e| arch.is_none_or(|a| e.flags & 0xff00 != a));
        for entry in cached {
            let candidate = self.under_root(Path::new(&entry.path));
            if self.loadable(&candidate, target) {
                return found(Some(candidate), "ld.so.cache");
            }
        }
        for dir in default_dirs(target.machine) {
            let candidate = self.under_root(Path::new(dir)).join(name);
            if self.loadable(&candidate, target) {
                return found(Some(candidate), "default");
            }
        }
        Needed {
            name: name.to_string(),
            path: None,
            via: None,
        }
    }

    fn under_root(&self, path: &Path) -> PathBuf {
        match path.strip_prefix("/") {
            Ok(relative) => self.root.join(relative),
            Err(_) => path.to_path_buf(),
        }
    }

    /// An ELF file of the same class and machine (the loader skips others).
    fn loadable(&self, path: &Path, target: Target) -> bool {
        let Ok(file) = std::fs::File::open(path) else {
            return false;
        };
        let Ok(candidate) = super::elf::parse_header_only(&file) else {
            return false;
        };
        candidate.e_machine == target.machine
            && candidate.e_ident[goblin::elf::header::EI_CLASS] == target.class
    }
}

fn default_dirs(machine: u16) -> &'static [&'static str] {
    match machine {
        goblin::elf::header::EM_X86_64 => &[
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
        ],
        goblin::elf::header::EM_AARCH64 => &[
            "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
        ],
        _ => &["/lib", "/usr/lib"],
    }
}

/// `libcudart.so.12` → `CUDA runtime 12`: what a needed name says about the CUDA and cuDNN an
/// OpenCV build expects.
pub fn cuda_library_meaning(name: &str) -> Option<String> {
    let (stem, version) = name.split_once(".so.")?;
    let what = match stem {
        "libcudart" => "CUDA runtime",
        "libcudnn" => "cuDNN",
        "libcublas" | "libcublasLt" => "cuBLAS",
        "libcufft" => "cuFFT",
        "libcurand" => "cuRAND",
        "libnvrtc" => "NVRTC",
        "libcuda" => "NVIDIA driver (libcuda)",
        s if s.starts_with("libnpp") => "NPP",
        s if s.starts_with("libcudnn_") => "cuDNN",
        _ => return None,
    };
    Some(format!("{what} {version}"))
}
