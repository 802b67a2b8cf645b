//! The first OpenCV release that builds with a CUDA toolkit or cuDNN major version.
//!
//! Older OpenCV releases fail to configure or compile against newer toolkits (removed
//! libraries and APIs). Sources per row: the OpenCV pull requests and issues that added
//! support, as collected in shared/knowledge/cuda-knowledge.md section 3e.1.

use crate::version::Version;

pub struct SupportRow {
    /// `cuda` or `cudnn`.
    pub component: &'static str,
    /// This toolkit (or cuDNN) version and later...
    pub since: &'static str,
    /// ...need at least this OpenCV.
    pub min_opencv: &'static str,
    pub source: &'static str,
}

#[rustfmt::skip]
pub const SUPPORT: &[SupportRow] = &[
    SupportRow { component: "cuda",  since: "13.0", min_opencv: "4.13.0", source: "opencv/opencv#27848, PR #27636 (cudaDeviceProp fields removed in CUDA 13)" },
    SupportRow { component: "cuda",  since: "12.9", min_opencv: "4.13.0", source: "opencv/opencv#27289 (nppGetStreamContext removed from CUDA 12.9 headers); cpp-pm/hunter#834 and conan-io/conan-center-index#29169: 4.12.0 lacks the CUDA 12.9 fix, commit e2d87def" },
    SupportRow { component: "cuda",  since: "12.4", min_opencv: "4.10.0", source: "opencv/opencv#25758 and #25461 (maintainer: CUDA 12.4 is not supported until 4.10.0; CCCL changes, gentoo/gentoo#36437)" },
    SupportRow { component: "cuda",  since: "12.2", min_opencv: "4.9.0",  source: "opencv/opencv PR #24104 'fix for compatibility with CUDA Toolkit >= 12.2.0' (merged after 4.8.0; 4.8.1 was a patch release), opencv/opencv#24669" },
    SupportRow { component: "cuda",  since: "12.0", min_opencv: "4.7.0",  source: "opencv/opencv#23034, PR #22963 + opencv_contrib PR #3378 (texture references removed in CUDA 12)" },
    SupportRow { component: "cuda",  since: "11.0", min_opencv: "4.4.0",  source: "opencv/opencv PR #17499 'Fix cuda11' (nppicom removed in CUDA 11)" },
    SupportRow { component: "cuda",  since: "9.0",  min_opencv: "3.3.1",  source: "opencv/opencv PR #9418, #9867 (CUDA 9 split nppi into nppial, nppicc...; older FindCUDA asks for nppi)" },
    // 2.4.13 carries the same fix, but the 2.4 line is not modelled here.
    SupportRow { component: "cuda",  since: "8.0",  min_opencv: "3.2.0",  source: "opencv/opencv#6632, #6677, commit 10896129 'GraphCut deprecated in CUDA 7.5 and removed in 8.0' (NppiGraphcutState undeclared in 3.1)" },
    SupportRow { component: "cudnn", since: "9.0",  min_opencv: "4.10.0", source: "opencv/opencv#24983, PR #25412 (cuDNN 9 removed v6/v7 APIs)" },
    SupportRow { component: "cudnn", since: "8.0",  min_opencv: "4.4.0",  source: "opencv/opencv PR #17499 / #17685 (cuDNN 8: cudnn_version.h, removed *_PREFER_FASTEST)" },
];

/// The oldest toolkit and cuDNN OpenCV's cmake accepts, `(component, version, source)`: older
/// ones are "unsuitable" and the DNN CUDA backend cannot be enabled.
#[rustfmt::skip]
pub const MINIMUM: &[(&str, &str, &str)] = &[
    ("cuda",  "6.5", "opencv/opencv cmake/OpenCVMinDepVersions.cmake: set(MIN_VER_CUDA 6.5)"),
    ("cudnn", "7.5", "opencv/opencv cmake/OpenCVMinDepVersions.cmake: set(MIN_VER_CUDNN 7.5), used by find_host_package(CUDNN) in OpenCVDetectCUDA.cmake"),
];

/// The oldest CUDA toolkit the DNN module's CUDA backend (OpenCV 4.2 and later) compiles with,
/// `(from this OpenCV, oldest CUDA, source)`: older toolkits lack APIs `cuda4dnn` uses, and the
/// build fails in `modules/dnn/src/cuda` although cmake accepted the toolkit.
#[rustfmt::skip]
pub const DNN_CUDA_MINIMUM: &[(&str, &str, &str)] = &[
    ("4.2.0", "10.0", "opencv/opencv#17467 and #16528: cuda4dnn's atomicAdd on __half needs CUDA 10 (builds with CUDA 10, fails with 9.0 and 9.2)"),
    ("4.4.0", "9.2",  "opencv/opencv PR #17534 'cuda4dnn: reduce CUDA version requirements to at least CUDA 9.2' (merged for 4.4.0)"),
];

/// The oldest CUDA toolkit the DNN CUDA backend of `opencv` compiles with, when `cuda` is older
/// (`None` for OpenCV before 4.2, which has no CUDA backend for DNN).
pub fn dnn_cuda_too_old(opencv: &Version, cuda: &Version) -> Option<&'static str> {
    DNN_CUDA_MINIMUM
        .iter()
        .rfind(|(since, _, _)| Version::parse(since).is_some_and(|since| *opencv >= since))
        .map(|(_, min, _)| *min)
        .filter(|min| Version::parse(min).is_some_and(|min| *cuda < min))
}

/// The oldest version of `component` OpenCV accepts, when `version` is below it.
pub fn below_minimum(component: &str, version: &Version) -> Option<&'static str> {
    MINIMUM
        .iter()
        .find(|(c, _, _)| *c == component)
        .map(|(_, min, _)| *min)
        .filter(|min| Version::parse(min).is_some_and(|min| *version < min))
}

/// The oldest OpenCV that supports `version` of `component`, if a row covers it.
pub fn min_opencv_for(component: &str, version: &Version) -> Option<&'static SupportRow> {
    // Compared on major.minor only: 12.2.1 is covered by the 12.2 row.
    let major_minor = (version.major(), version.minor());
    SUPPORT
        .iter()
        .filter(|row| row.component == component)
        .filter_map(|row| {
            let since = Version::parse(row.since)?;
            ((since.major(), since.minor()) <= major_minor).then_some((since, row))
        })
        .max_by(|(a, _), (b, _)| a.cmp(b))
        .map(|(_, row)| row)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newest_matching_row_wins() {
        let cases = [
            ("cuda", "12.1", Some("4.7.0")),
            ("cuda", "12.2.1", Some("4.9.0")),
            ("cuda", "12.4", Some("4.10.0")),
            ("cuda", "12.9", Some("4.13.0")),
            ("cuda", "12", Some("4.7.0")),
            ("cuda", "11.0", Some("4.4.0")),
            ("cuda", "10.2", Some("3.3.1")),
            ("cuda", "9.0", Some("3.3.1")),
            ("cuda", "8", Some("3.2.0")),
            ("cuda", "7.5", None),
            ("cuda", "13.1", Some("4.13.0")),
            ("cudnn", "9.1.0", Some("4.10.0")),
            ("cudnn", "8", Some("4.4.0")),
            ("cudnn", "7.6.5", None),
        ];
        for (component, version, expected) in cases {
            let version = Version::parse(version).unwrap();
            let found = min_opencv_for(component, &version).map(|row| row.min_opencv);
            assert_eq!(found, expected, "{component} {}", version.as_str());
        }
    }

    #[test]
    fn dnn_backend_needs_a_recent_enough_toolkit() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(dnn_cuda_too_old(&v("4.3.0"), &v("9.0")), Some("10.0"));
        assert_eq!(dnn_cuda_too_old(&v("4.2"), &v("9.2")), Some("10.0"));
        assert_eq!(dnn_cuda_too_old(&v("4.3.0"), &v("10.0")), None);
        assert_eq!(dnn_cuda_too_old(&v("4.5.1"), &v("9.2")), None);
        assert_eq!(dnn_cuda_too_old(&v("4.5.1"), &v("9.0")), Some("9.2"));
        assert_eq!(
            dnn_cuda_too_old(&v("4.1.2"), &v("8.0")),
            None,
            "no CUDA backend before 4.2"
        );
    }

    #[test]
    fn minimums_from_opencv_cmake() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(below_minimum("cudnn", &v("7.4.2")), Some("7.5"));
        assert_eq!(below_minimum("cudnn", &v("7.5.0")), None);
        assert_eq!(below_minimum("cudnn", &v("9.1.0")), None);
        assert_eq!(below_minimum("cuda", &v("6.0")), Some("6.5"));
        assert_eq!(below_minimum("cuda", &v("10.2")), None);
    }
}
