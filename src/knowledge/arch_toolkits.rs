//! Which CUDA toolkits can compile SASS for an architecture (`nvcc -arch=sm_XY`).
//!
//! Used to explain `nvcc fatal : Unsupported gpu architecture 'compute_XY'`: the arch was
//! either dropped by this toolkit or is newer than it.

use crate::version::Version;

const CMAKE_SELECT: &str = "Kitware/CMake Modules/FindCUDA/select_compute_arch.cmake";
const TORCH_JIT: &str =
    "pytorch aten/src/ATen/native/cuda/jit_utils.cpp (toolkit -> max arch comments)";
const WIKI_SDK: &str = "Wikipedia: CUDA, GPUs supported (CUDA SDK 1.0-6.5 rows); Stack Overflow 37855310 (6.0 last for sm_10, 6.5 for sm_11-13)";
const NVCC_128: &str = "nvcc V12.8.93 --list-gpu-code";
const BLOG_129: &str = "NVIDIA blog: family-specific architecture features (CUDA 12.9)";
const NVCC_130: &str = "measured: nvcc 13.0.88 --list-gpu-code on the H100 machine, 2026-11-26; CUDA 13.1 release notes";

pub struct ArchSupport {
    /// Architecture without the dot: 86 for sm_86 / CC 8.6.
    pub arch: u32,
    /// First toolkit that compiles it.
    pub first: &'static str,
    /// Last toolkit that compiles it, `None` while current.
    pub last: Option<&'static str>,
    pub source: &'static str,
}

macro_rules! arch {
    ($arch:literal, $first:literal, None, $source:expr) => {
        ArchSupport {
            arch: $arch,
            first: $first,
            last: None,
            source: $source,
        }
    };
    ($arch:literal, $first:literal, $last:literal, $source:expr) => {
        ArchSupport {
            arch: $arch,
            first: $first,
            last: Some($last),
            source: $source,
        }
    };
}

#[rustfmt::skip]
pub const ARCH_SUPPORT: &[ArchSupport] = &[
    arch!(10,  "1.0",  "6.0",  WIKI_SDK),
    arch!(11,  "1.0",  "6.5",  WIKI_SDK),
    arch!(12,  "2.1",  "6.5",  WIKI_SDK),
    arch!(13,  "2.1",  "6.5",  WIKI_SDK),
    arch!(20,  "3.0",  "8.0",  CMAKE_SELECT),
    arch!(30,  "5.0",  "10.2", CMAKE_SELECT),
    arch!(32,  "6.0",  "10.2", CMAKE_SELECT),
    arch!(35,  "5.0",  "11.8", CMAKE_SELECT),
    arch!(37,  "6.5",  "11.8", CMAKE_SELECT),
    arch!(50,  "6.0",  "12.9", NVCC_130),
    arch!(52,  "6.5",  "12.9", NVCC_130),
    arch!(53,  "7.0",  "12.9", NVCC_130),
    arch!(60,  "8.0",  "12.9", CMAKE_SELECT),
    arch!(61,  "8.0",  "12.9", CMAKE_SELECT),
    arch!(62,  "8.0",  "12.9", CMAKE_SELECT),
    arch!(70,  "9.0",  "12.9", TORCH_JIT),
    arch!(72,  "9.0",  "12.9", TORCH_JIT),
    arch!(75,  "10.0", None,   TORCH_JIT),
    arch!(80,  "11.0", None,   CMAKE_SELECT),
    arch!(86,  "11.1", None,   CMAKE_SELECT),
    arch!(87,  "11.4", None,   NVCC_130),
    arch!(88,  "13.0", None,   NVCC_130),
    arch!(89,  "11.8", None,   TORCH_JIT),
    arch!(90,  "11.8", None,   TORCH_JIT),
    arch!(100, "12.8", None,   NVCC_128),
    arch!(101, "12.8", "12.9", NVCC_128),
    arch!(103, "12.9", None,   BLOG_129),
    arch!(110, "13.0", None,   NVCC_130),
    arch!(120, "12.8", None,   NVCC_128),
    arch!(121, "12.9", None,   BLOG_129),
];

pub fn lookup(arch: u32) -> Option<&'static ArchSupport> {
    ARCH_SUPPORT.iter().find(|row| row.arch == arch)
}

/// The architectures of `archs` (`(major, minor)`) that `toolkit` cannot compile: dropped
/// before it or added after it. Unknown architectures are not reported.
pub fn unsupported_by(archs: &[(u32, u32)], toolkit: &Version) -> Vec<String> {
    archs
        .iter()
        .filter(|&&(major, minor)| {
            lookup(major * 10 + minor).is_some_and(|row| {
                let too_new = Version::parse(row.first).is_some_and(|first| *toolkit < first);
                // `last` names a major.minor release: 12.9 covers 12.9.1 too
                let dropped = row.last.and_then(Version::parse).is_some_and(|last| {
                    (toolkit.major(), toolkit.minor()) > (last.major(), last.minor())
                });
                too_new || dropped
            })
        })
        .map(|(major, minor)| format!("{major}.{minor}"))
        .collect()
}

/// A sentence for fixes: "CUDA 11.1 and later" / "CUDA 5.0 to 10.2".
pub fn toolkits_for_arch(arch: u32) -> String {
    match lookup(arch) {
        Some(ArchSupport {
            first, last: None, ..
        }) => format!("CUDA {first} and later"),
        Some(ArchSupport {
            first,
            last: Some(last),
            ..
        }) => format!("CUDA {first} to {last}"),
        None => "no CUDA toolkit known to cvdoctor".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dropped_and_new_architectures() {
        assert_eq!(toolkits_for_arch(30), "CUDA 5.0 to 10.2");
        assert_eq!(toolkits_for_arch(86), "CUDA 11.1 and later");
        assert_eq!(toolkits_for_arch(70), "CUDA 9.0 to 12.9");
        assert_eq!(toolkits_for_arch(120), "CUDA 12.8 and later");
        assert_eq!(toolkits_for_arch(999), "no CUDA toolkit known to cvdoctor");
    }

    #[test]
    fn unsupported_archs_are_the_dropped_and_the_too_new() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(
            unsupported_by(&[(6, 1), (7, 5), (8, 9)], &v("11.7")),
            ["8.9"]
        );
        assert!(unsupported_by(&[(8, 9)], &v("11.8")).is_empty());
        assert_eq!(unsupported_by(&[(3, 0), (7, 5)], &v("11.0")), ["3.0"]);
        assert_eq!(
            unsupported_by(&[(5, 2), (7, 0)], &v("13.0")),
            ["5.2", "7.0"]
        );
        assert!(unsupported_by(&[(7, 0)], &v("12.9.1")).is_empty());
        assert!(unsupported_by(&[(9, 9)], &v("12.0")).is_empty());
    }

    #[test]
    fn rows_are_sorted_unique_and_cited() {
        for pair in ARCH_SUPPORT.windows(2) {
            assert!(pair[0].arch < pair[1].arch);
        }
        assert!(ARCH_SUPPORT.iter().all(|r| !r.source.is_empty()));
    }
}
