//! OpenCV's build information (`cv2.getBuildInformation()`), read from the binary.
//!
//! The string is one NUL-terminated literal in `libopencv_core*.so`, `libopencv_world*.so`,
//! or a statically linked `cv2*.so`, starting with `\nGeneral configuration for OpenCV`.
//! Each line is `  Label:` padded to column 33, then the value (cuda-knowledge.md §4).
//! The section is scanned in 1 MiB positioned reads; the string is capped at 256 KiB.

use serde::{Deserialize, Serialize};

use super::elf::ElfInfo;
use super::source::{ByteSource, read_vec};

const MARKER: &[u8] = b"General configuration for OpenCV";
const CHUNK: u64 = 1 << 20;
const MAX_INFO: u64 = 256 << 10;

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct OpenCvBuild {
    pub version: String,
    /// `NVIDIA CUDA: YES (ver 12.8, ...)`; false when the line is absent or says NO.
    pub cuda: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda_version: Option<String>,
    /// `NVIDIA GPU arch:` as compute capabilities (`7.5`, `8.6`).
    pub gpu_arch: Vec<String>,
    pub ptx_arch: Vec<String>,
    pub cudnn: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cudnn_version: Option<String>,
    /// `To be built:` modules.
    pub modules: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_interpreter: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub python_install_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_prefix: Option<String>,
    /// The whole string, for the text rules (and for `triage` to judge a report again).
    #[serde(rename = "build_information", default)]
    pub text: String,
}

impl OpenCvBuild {
    /// `CUDA 12.8 (SASS 7.5 8.6; PTX none)` or `no CUDA`, for people's output.
    pub fn cuda_summary(&self) -> String {
        if !self.cuda {
            return "no CUDA".into();
        }
        let ptx = if self.ptx_arch.is_empty() {
            "none".to_string()
        } else {
            self.ptx_arch.join(" ")
        };
        format!(
            "CUDA {} (SASS {}; PTX {ptx})",
            self.cuda_version.as_deref().unwrap_or("?"),
            self.gpu_arch.join(" ")
        )
    }

    /// `cuDNN 9.7.0`, `cuDNN yes` (version unknown) or `no cuDNN`.
    pub fn cudnn_summary(&self) -> String {
        match (&self.cudnn_version, self.cudnn) {
            (_, false) => "no cuDNN".into(),
            (Some(v), true) => format!("cuDNN {v}"),
            (None, true) => "cuDNN yes".into(),
        }
    }
}

/// Is this a file that can hold OpenCV's build information?
pub fn may_hold_build_info(file_name: &str) -> bool {
    file_name.starts_with("libopencv_core")
        || file_name.starts_with("libopencv_world")
        || (file_name.starts_with("cv2") && file_name.contains(".so"))
        || file_name.starts_with("opencv_world")
}

/// Finds and parses the build information in the read-only data of an ELF file.
pub fn find(src: &dyn ByteSource, info: &ElfInfo) -> Option<OpenCvBuild> {
    let section = info.section(".rodata").or_else(|| info.section(".rdata"))?;
    let end = section.offset.checked_add(section.size)?.min(src.len());
    let mut at = section.offset;
    while at < end {
        // Overlap chunks by the marker's length so a marker on a chunk edge is found.
        let len = (end - at).min(CHUNK + MARKER.len() as u64);
        let chunk = read_vec(src, at, len, CHUNK + MARKER.len() as u64).ok()?;
        if let Some(hit) = memchr::memmem::find(&chunk, MARKER) {
            let text = read_c_string_around(src, section.offset, end, at + hit as u64)?;
            return Some(parse(&text));
        }
        at += CHUNK;
    }
    None
}

/// The NUL-terminated string that contains `hit`.
fn read_c_string_around(src: &dyn ByteSource, min: u64, max: u64, hit: u64) -> Option<String> {
    let back = (hit - min).min(64);
    let before = read_vec(src, hit - back, back, 64).ok()?;
    let start = hit - back + memchr::memrchr(0, &before).map_or(0, |i| i as u64 + 1);
    let len = (max - start).min(MAX_INFO);
    let bytes = read_vec(src, start, len, MAX_INFO).ok()?;
    let end = memchr::memchr(0, &bytes).unwrap_or(bytes.len());
    Some(String::from_utf8_lossy(&bytes[..end]).into_owned())
}

/// Parses the build-information text (also as pasted, with cmake's `-- ` prefixes).
pub fn parse(text: &str) -> OpenCvBuild {
    let mut build = OpenCvBuild {
        text: text.to_string(),
        ..Default::default()
    };
    let mut section = String::new();
    for raw in text.lines() {
        let line = raw.strip_prefix("-- ").unwrap_or(raw);
        if let Some(rest) = line
            .trim()
            .strip_prefix("General configuration for OpenCV ")
        {
            build.version = rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_string();
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let Some((label, value)) = line.trim().split_once(':') else {
            continue;
        };
        let value = value.trim();
        if indent <= 2 && value.is_empty() {
            section = label.to_string();
        }
        match label {
            "NVIDIA CUDA" => {
                build.cuda = value.starts_with("YES");
                build.cuda_version = version_in(value);
            }
            "NVIDIA GPU arch" => build.gpu_arch = arch_list(value),
            "NVIDIA PTX archs" | "NVIDIA PTX arch" => build.ptx_arch = arch_list(value),
            "cuDNN" => {
                build.cudnn = value.starts_with("YES");
                build.cudnn_version = version_in(value);
            }
            "To be built" => build.modules = value.split_whitespace().map(str::to_string).collect(),
            "Interpreter" if section.starts_with("Python 3") || section.starts_with("Python 2") => {
                build.python_interpreter = value.split(" (").next().map(str::to_string);
            }
            "install path" if section.starts_with("Python") => {
                build.python_install_path = Some(value.to_string())
            }
            "Install to" => build.install_prefix = Some(value.to_string()),
            _ => {}
        }
    }
    build
}

fn version_in(value: &str) -> Option<String> {
    let rest = value.split("ver ").nth(1)?;
    let version: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    (!version.is_empty()).then_some(version)
}

fn arch_list(value: &str) -> Vec<String> {
    crate::facts::derived::parse_arch_list(value)
        .into_iter()
        .map(|(a, b)| format!("{a}.{b}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_cuda_build_summary() {
        let text = "\nGeneral configuration for OpenCV 4.10.0 =====\n  OpenCV modules:\n    To be built:                 core cudev dnn python3\n\n  NVIDIA CUDA:                   YES (ver 12.8, CUFFT CUBLAS NVCUVID)\n    NVIDIA GPU arch:             75 86 90\n    NVIDIA PTX archs:            90\n\n  cuDNN:                         YES (ver 9.7.0)\n\n  Python 3:\n    Interpreter:                 /home/u/.venv/bin/python3 (ver 3.12.3)\n    install path:                lib/python3.12/site-packages/cv2/python-3.12\n\n  Install to:                    /usr/local\n";
        let b = parse(text);
        assert_eq!(b.version, "4.10.0");
        assert!(b.cuda && b.cudnn);
        assert_eq!(b.cuda_version.as_deref(), Some("12.8"));
        assert_eq!(b.cudnn_version.as_deref(), Some("9.7.0"));
        assert_eq!(b.gpu_arch, ["7.5", "8.6", "9.0"]);
        assert_eq!(b.ptx_arch, ["9.0"]);
        assert_eq!(b.modules, ["core", "cudev", "dnn", "python3"]);
        assert_eq!(
            b.python_interpreter.as_deref(),
            Some("/home/u/.venv/bin/python3")
        );
        assert_eq!(b.install_prefix.as_deref(), Some("/usr/local"));
    }
}
