//! Derived facts: small algorithms over observed facts, exposed to rules as facts.
//!
//! Kept in Rust (not in rules) because each needs a table or a loop; each has unit tests.

use super::{Facts, Origin};
use crate::version::Version;

/// Fills every derived key from the observed ones. Idempotent.
pub fn derive(facts: &mut Facts) {
    derive_gpu_family(facts);
    derive_arch_bin_suggestion(facts);
    derive_runs_on_gpu(facts);
    derive_opencv_support(
        facts,
        "cuda",
        "cuda.version",
        "build.toolkit_too_new",
        "build.toolkit_min_opencv",
        "build.toolkit_checked",
    );
    derive_opencv_support(
        facts,
        "cudnn",
        "cudnn.version",
        "build.cudnn_too_new",
        "build.cudnn_min_opencv",
        "build.cudnn_checked",
    );
    derive_dnn_toolkit_minimum(facts);
    derive_os(facts);
    derive_jetson(facts);
    derive_gpu_newer_than_toolkit(facts);
    derive_arch_bin_unsupported(facts);
    derive_l4t_mismatch(facts);
    derive_mixed_opencv_releases(facts);
    derive_cv2_not_the_wheel(facts);
    derive_driver_older_than_toolkit(facts);
}

/// nvidia-smi's "CUDA Version" (the newest CUDA this driver runs) of an older major than the
/// toolkit the paste names. CUDA's minor-version compatibility stays within one major, so a
/// build made with the newer toolkit fails its first CUDA call on this driver.
fn derive_driver_older_than_toolkit(facts: &mut Facts) {
    let (Some(driver), Some(toolkit)) = (
        facts.newest_version("driver.cuda_version"),
        toolkit_named(facts),
    ) else {
        return;
    };
    if toolkit.major() > driver.major() {
        facts.add(
            "driver.older_than_toolkit",
            toolkit.as_str(),
            Origin::Derived {
                by: "driver.cuda_version, nvcc.version or cuda.version",
            },
        );
    }
}

/// `cv2.__version__` printed a version that none of the pip wheels in the paste has (`2.4.5`
/// after `pip install opencv-python==3.2.0.6`): the interpreter imports another `cv2` (a
/// distribution package, a source build, another environment's) than the wheel pip installed.
fn derive_cv2_not_the_wheel(facts: &mut Facts) {
    let Some(imported) = facts.version("python.cv2_version") else {
        return;
    };
    let wheels: Vec<String> = facts
        .all("pip.opencv_wheel")
        .iter()
        .map(|w| w.value.clone())
        .collect();
    // `opencv-python 4.8.0.76` is OpenCV 4.8.0: the fourth number is the wheel's own build.
    let release = |wheel: &str| {
        Version::parse(wheel.rsplit(' ').next().unwrap_or_default()).map(|v| v.leading(3))
    };
    if wheels.is_empty()
        || wheels
            .iter()
            .filter_map(|w| release(w))
            .any(|r| r == imported)
    {
        return;
    }
    facts.add(
        "python.cv2_not_the_wheel",
        format!("cv2 {imported}, wheel {}", wheels.join(", wheel ")),
        Origin::Derived {
            by: "python.cv2_version",
        },
    );
}

/// OpenCV library files of two releases in one paste (`libopencv_core.so.3.2` next to
/// `libopencv_core.so.4.1`): two installs take part in one link or one process.
fn derive_mixed_opencv_releases(facts: &mut Facts) {
    derive_when_values_differ(
        facts,
        "opencv.library_release",
        "opencv.mixed_releases",
        |release| release.to_string(),
        |release| release.to_string(),
    );
}

/// Two L4T majors in one paste (R32 on the host, an `l4t-r35` container image): Jetson
/// containers carry the CUDA of their L4T release and need a host driver of the same major.
fn derive_l4t_mismatch(facts: &mut Facts) {
    derive_when_values_differ(
        facts,
        "jetson.l4t",
        "jetson.l4t_mismatch",
        |release| release.split('.').next().unwrap_or("").to_string(),
        |release| format!("R{release}"),
    );
}

/// Records `derived` when the values of `observed` fall into more than one group (`group`): the
/// first value of each group, as `shown`, joined by "and".
fn derive_when_values_differ(
    facts: &mut Facts,
    observed: &'static str,
    derived: &'static str,
    group: fn(&str) -> String,
    shown: fn(&str) -> String,
) {
    let mut groups: Vec<String> = Vec::new();
    let mut firsts: Vec<String> = Vec::new();
    for value in facts.all(observed) {
        let key = group(&value.value);
        if !groups.contains(&key) {
            groups.push(key);
            firsts.push(shown(&value.value));
        }
    }
    if groups.len() > 1 {
        facts.add(
            derived,
            firsts.join(" and "),
            Origin::Derived { by: observed },
        );
    }
}

/// A GPU whose architecture the build's CUDA toolkit cannot compile for (an RTX 5060, 12.0,
/// with CUDA 12.0, which first knows sm_120 in 12.8): no SASS for it can be in the build.
fn derive_gpu_newer_than_toolkit(facts: &mut Facts) {
    let Some(toolkit) = toolkit_named(facts) else {
        return;
    };
    let mut needs = Vec::new();
    for observed in facts.all("gpu.cc") {
        let Some(&(major, minor)) = parse_arch_list(&observed.value).first() else {
            continue;
        };
        let Some(row) = crate::knowledge::arch_toolkits::lookup(major * 10 + minor) else {
            continue;
        };
        let first = Version::parse(row.first).expect("table versions parse");
        let text = format!("{major}.{minor} needs CUDA {} or later", row.first);
        if toolkit < first && !needs.contains(&text) {
            needs.push(text);
        }
    }
    if !needs.is_empty() {
        facts.add(
            "gpu.needs_newer_toolkit",
            format!(
                "{}; the build uses CUDA {}",
                needs.join(", "),
                toolkit.as_str()
            ),
            Origin::Derived {
                by: "gpu.cc, cuda.version and the arch/toolkit table",
            },
        );
    }
}

/// `CUDA_ARCH_BIN` entries the paste's toolkit cannot compile (8.9 with CUDA 11.7, 3.0 with
/// CUDA 11): nvcc stops on them, often far above the tail of the log that users paste.
fn derive_arch_bin_unsupported(facts: &mut Facts) {
    let (Some(arch_bin), Some(toolkit)) = (
        facts.primary("build.arch_bin"),
        facts.version("cuda.version"),
    ) else {
        return;
    };
    let unsupported =
        crate::knowledge::arch_toolkits::unsupported_by(&parse_arch_list(arch_bin), &toolkit);
    if !unsupported.is_empty() {
        facts.add(
            "build.arch_unsupported",
            unsupported.join(" "),
            Origin::Derived {
                by: "build.arch_bin, cuda.version and the arch/toolkit table",
            },
        );
    }
}

/// Compute capabilities as OpenCV writes them in `CUDA_ARCH_BIN` (`7.0`), sorted, unique.
fn derive_arch_bin_suggestion(facts: &mut Facts) {
    let mut ccs: Vec<Version> = facts
        .all("gpu.cc")
        .iter()
        .filter_map(|o| Version::parse(&o.value))
        .collect();
    if ccs.is_empty() {
        return;
    }
    ccs.sort();
    ccs.dedup();
    let joined = ccs
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ");
    facts.add("gpu.arch_bin", joined, Origin::Derived { by: "gpu.cc" });
}

/// Parses an arch list in any of OpenCV's spellings: `60 61`, `6.0;6.1`, `7.5,8.6`,
/// `8.6(8.6)`, `8.6+PTX` (OpenCV reads only the 8.6). Returns `(major, minor)` pairs.
pub fn parse_arch_list(text: &str) -> Vec<(u32, u32)> {
    text.split(|c: char| c.is_whitespace() || c == ';' || c == ',')
        .filter_map(|item| {
            // `BIN(PTX)`: the part before the parenthesis is the binary arch.
            let item = item.split(['(', '+']).next()?.trim();
            if item.is_empty() {
                return None;
            }
            if let Some((major, minor)) = item.split_once('.') {
                Some((major.parse().ok()?, minor.parse().ok()?))
            } else {
                let n: u32 = item.parse().ok()?;
                (n >= 10).then_some((n / 10, n % 10))
            }
        })
        .collect()
}

/// Can a build with SASS for `bins` and PTX for `ptx` run on a GPU of compute capability
/// `cc`? SASS runs within a major on equal or higher minors; PTX JIT-compiles for any
/// equal or higher CC. This is OpenCV's own runtime check (`cuda4dnn::isDeviceCompatible`).
pub fn build_runs_on(bins: &[(u32, u32)], ptx: &[(u32, u32)], cc: (u32, u32)) -> bool {
    let sass_ok = bins
        .iter()
        .any(|&(major, minor)| major == cc.0 && minor <= cc.1);
    let ptx_ok = ptx.iter().any(|&arch| arch <= cc);
    sass_ok || ptx_ok
}

fn derive_runs_on_gpu(facts: &mut Facts) {
    let Some(bin_text) = facts.primary("build.arch_bin") else {
        return;
    };
    let bins = parse_arch_list(bin_text);
    let ptx = facts
        .primary("build.arch_ptx")
        .map(parse_arch_list)
        .unwrap_or_default();
    if bins.is_empty() && ptx.is_empty() {
        return;
    }
    let gpus: Vec<(u32, u32)> = facts
        .all("gpu.cc")
        .iter()
        .filter_map(|o| Version::parse(&o.value))
        .map(|v| (v.major(), v.minor()))
        .collect();
    if gpus.is_empty() {
        return;
    }
    let runs = gpus.iter().all(|&cc| build_runs_on(&bins, &ptx, cc));
    facts.add(
        "build.runs_on_gpu",
        runs.to_string(),
        Origin::Derived {
            by: "build.arch_bin, build.arch_ptx, gpu.cc",
        },
    );
}

/// Is the toolkit (or cuDNN) newer than the OpenCV release can build with? Decided only when
/// both versions are known; the table lives in `knowledge::opencv_support`.
fn derive_opencv_support(
    facts: &mut Facts,
    component: &str,
    version_key: &str,
    too_new_key: &'static str,
    min_key: &'static str,
    checked_key: &'static str,
) {
    // The newest version named: a too-new toolkit is what this table detects.
    let (Some(opencv), Some(version)) = (
        facts.version("opencv.version"),
        facts.newest_version(version_key),
    ) else {
        return;
    };
    let Some(row) = crate::knowledge::opencv_support::min_opencv_for(component, &version) else {
        return;
    };
    let min = Version::parse(row.min_opencv).expect("table versions parse");
    let by = Origin::Derived {
        by: "opencv.version and the OpenCV support table",
    };
    facts.add(too_new_key, (opencv < min).to_string(), by.clone());
    facts.add(min_key, row.min_opencv, by.clone());
    facts.add(checked_key, version.as_str(), by);
}

/// Is the toolkit older than the DNN module's CUDA backend compiles with? The oldest CUDA named
/// is checked: a paste that says "builds with CUDA 10, fails with 9.0" is about the 9.0.
fn derive_dnn_toolkit_minimum(facts: &mut Facts) {
    let (Some(opencv), Some(cuda)) = (
        facts.version("opencv.version"),
        facts.oldest_version("cuda.version"),
    ) else {
        return;
    };
    let Some(min) = crate::knowledge::opencv_support::dnn_cuda_too_old(&opencv, &cuda) else {
        return;
    };
    let by = Origin::Derived {
        by: "opencv.version, cuda.version and the DNN CUDA minimum table",
    };
    facts.add("build.toolkit_too_old_for_dnn", "true", by.clone());
    facts.add("build.dnn_min_cuda", min, by.clone());
    facts.add("build.toolkit_old_checked", cuda.as_str(), by);
}

/// Windows wins over macOS over Linux: a Windows paste often quotes Unix-style paths too.
fn derive_os(facts: &mut Facts) {
    let hints: Vec<String> = facts
        .all("platform.os_hint")
        .iter()
        .map(|o| o.value.clone())
        .collect();
    for os in ["windows", "macos", "linux"] {
        if hints.iter().any(|h| h == os) {
            facts.add(
                "platform.os",
                os,
                Origin::Derived {
                    by: "platform.os_hint",
                },
            );
            return;
        }
    }
}

fn derive_jetson(facts: &mut Facts) {
    let from_hint = facts
        .all("platform.os_hint")
        .iter()
        .any(|o| o.value == "jetson");
    let from_gpu = facts
        .all("gpu.family")
        .iter()
        .any(|o| o.value.starts_with("Jetson"));
    if from_hint || from_gpu {
        facts.add(
            "platform.jetson",
            "true",
            Origin::Derived {
                by: "platform.os_hint, gpu.family",
            },
        );
    }
}

/// Each named GPU's family in the GPU table, for whichever probe named it (a paste, NVML,
/// `inspect --gpu`): the GTX 16 and RTX 20 series share CC 7.5, and CVD153 tells them apart.
fn derive_gpu_family(facts: &mut Facts) {
    let families: Vec<&'static str> = facts
        .all("gpu.name")
        .iter()
        .filter_map(|o| crate::knowledge::gpus::lookup(&o.value))
        .map(|row| row.family)
        .collect();
    for family in families {
        facts.add(
            "gpu.family",
            family,
            Origin::Derived {
                by: "gpu.name and the GPU table",
            },
        );
    }
}

/// The CUDA toolkit a paste names: nvcc's own `--version` line names the one in use; without
/// it, the newest CUDA named, as a second, newer CUDA in the paste may well be the one used.
fn toolkit_named(facts: &Facts) -> Option<Version> {
    facts
        .newest_version("nvcc.version")
        .or_else(|| facts.newest_version("cuda.version"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arch_lists_in_every_spelling() {
        assert_eq!(parse_arch_list("60 61"), vec![(6, 0), (6, 1)]);
        assert_eq!(parse_arch_list(" 6.0;6.1 "), vec![(6, 0), (6, 1)]);
        assert_eq!(parse_arch_list("7.5,8.6"), vec![(7, 5), (8, 6)]);
        assert_eq!(parse_arch_list("8.6+PTX"), vec![(8, 6)]);
        assert_eq!(
            parse_arch_list("5.3(5.3) 100 120"),
            vec![(5, 3), (10, 0), (12, 0)]
        );
        assert!(parse_arch_list("").is_empty());
    }

    #[test]
    fn sass_within_major_ptx_upwards() {
        let bins = parse_arch_list("60 61");
        assert!(!build_runs_on(&bins, &[], (7, 0)), "V100 on a Pascal build");
        assert!(build_runs_on(&bins, &[], (6, 2)), "sm_61 runs on 6.2");
        assert!(!build_runs_on(&bins, &[], (5, 3)), "never downwards");
        assert!(build_runs_on(&[], &[(7, 5)], (9, 0)), "PTX JIT upwards");
        assert!(
            !build_runs_on(&[], &[(9, 0)], (8, 6)),
            "PTX never downwards"
        );
        assert!(
            !build_runs_on(&parse_arch_list("86"), &[], (9, 0)),
            "never across majors"
        );
    }

    /// The facts `observed` (key, value) after [`derive`], as if read from one pasted text.
    fn derived(observed: &[(&'static str, &str)]) -> Facts {
        let mut facts = Facts::default();
        for &(key, value) in observed {
            let origin = Origin::Text {
                source: "t".into(),
                line: 1,
            };
            facts.add(key, value, origin);
        }
        derive(&mut facts);
        facts
    }

    #[test]
    fn checks_the_newest_toolkit_named() {
        let facts = derived(&[
            ("opencv.version", "4.9"),
            ("cuda.version", "12.2"),
            ("cuda.version", "12.4"),
        ]);
        assert_eq!(facts.primary("build.toolkit_checked"), Some("12.4"));
        assert_eq!(facts.primary("build.toolkit_too_new"), Some("true"));
        assert_eq!(facts.primary("build.toolkit_min_opencv"), Some("4.10.0"));
    }

    #[test]
    fn flags_toolkits_newer_than_opencv() {
        let facts = derived(&[
            ("opencv.version", "4.3.0"),
            ("cuda.version", "11.0"),
            ("cudnn.version", "7.6.5"),
        ]);
        assert_eq!(facts.primary("build.toolkit_too_new"), Some("true"));
        assert_eq!(facts.primary("build.toolkit_min_opencv"), Some("4.4.0"));
        assert_eq!(
            facts.primary("build.cudnn_too_new"),
            None,
            "cuDNN 7 has no row"
        );
    }

    #[test]
    fn flags_a_driver_of_an_older_cuda_major_than_the_toolkit() {
        let facts = derived(&[("driver.cuda_version", "11.4"), ("cuda.version", "12.2")]);
        assert_eq!(facts.primary("driver.older_than_toolkit"), Some("12.2"));
        // minor-version compatibility: a 12.0 driver runs a 12.2 build
        let facts = derived(&[("driver.cuda_version", "12.0"), ("cuda.version", "12.2")]);
        assert_eq!(facts.primary("driver.older_than_toolkit"), None);
        // nvcc's version wins over other CUDA versions named
        let facts = derived(&[
            ("driver.cuda_version", "11.4"),
            ("cuda.version", "12.1"),
            ("nvcc.version", "11.8"),
        ]);
        assert_eq!(facts.primary("driver.older_than_toolkit"), None);
        let facts = derived(&[("cuda.version", "12.2")]);
        assert_eq!(facts.primary("driver.older_than_toolkit"), None);
    }

    #[test]
    fn flags_toolkits_older_than_the_dnn_backend_needs() {
        let facts = derived(&[
            ("opencv.version", "4.3.0"),
            ("cuda.version", "9.0"),
            ("cuda.version", "10"),
        ]);
        assert_eq!(facts.primary("build.toolkit_too_old_for_dnn"), Some("true"));
        assert_eq!(facts.primary("build.dnn_min_cuda"), Some("10.0"));
        assert_eq!(facts.primary("build.toolkit_old_checked"), Some("9.0"));
        let recent = derived(&[("opencv.version", "4.5.0"), ("cuda.version", "10.2")]);
        assert_eq!(recent.primary("build.toolkit_too_old_for_dnn"), None);
    }

    #[test]
    fn opencv_libraries_of_two_releases() {
        let facts = derived(&[
            ("opencv.library_release", "4.1"),
            ("opencv.library_release", "3.2"),
            ("opencv.library_release", "4.1"),
        ]);
        assert_eq!(facts.primary("opencv.mixed_releases"), Some("4.1 and 3.2"));
        let facts = derived(&[("opencv.library_release", "4.5")]);
        assert_eq!(facts.primary("opencv.mixed_releases"), None);
    }

    #[test]
    fn a_cv2_version_that_no_pip_wheel_has() {
        let key = "python.cv2_not_the_wheel";
        let facts = derived(&[
            ("python.cv2_version", "2.4.5"),
            ("pip.opencv_wheel", "opencv-python 3.2.0.6"),
        ]);
        assert_eq!(
            facts.primary(key),
            Some("cv2 2.4.5, wheel opencv-python 3.2.0.6")
        );
        // The wheel's fourth number is its packaging build.
        let same = derived(&[
            ("python.cv2_version", "4.8.0"),
            ("pip.opencv_wheel", "opencv-python 4.8.0.76"),
        ]);
        assert_eq!(same.primary(key), None);
        let one_of_two = derived(&[
            ("python.cv2_version", "4.8.0"),
            ("pip.opencv_wheel", "opencv-python 4.10.0.84"),
            ("pip.opencv_wheel", "opencv-contrib-python 4.8.0.76"),
        ]);
        assert_eq!(one_of_two.primary(key), None);
        assert_eq!(
            derived(&[("python.cv2_version", "4.8.0")]).primary(key),
            None
        );
    }

    #[test]
    fn l4t_releases_of_two_majors() {
        let facts = derived(&[("jetson.l4t", "32.6.1"), ("jetson.l4t", "35.4.1")]);
        assert_eq!(
            facts.primary("jetson.l4t_mismatch"),
            Some("R32.6.1 and R35.4.1")
        );
        let facts = derived(&[("jetson.l4t", "35.4.1"), ("jetson.l4t", "35.3.1")]);
        assert_eq!(facts.primary("jetson.l4t_mismatch"), None);
    }

    #[test]
    fn gpu_newer_than_the_toolkit() {
        let facts = derived(&[("gpu.cc", "12.0"), ("cuda.version", "12.0")]);
        assert_eq!(
            facts.primary("gpu.needs_newer_toolkit"),
            Some("12.0 needs CUDA 12.8 or later; the build uses CUDA 12.0")
        );
        let facts = derived(&[("gpu.cc", "8.6"), ("cuda.version", "12.0")]);
        assert_eq!(facts.primary("gpu.needs_newer_toolkit"), None);
        let facts = derived(&[("gpu.cc", "6.1"), ("cuda.version", "7.5")]);
        assert!(facts.primary("gpu.needs_newer_toolkit").is_some());
        // CUDA 7.5 and 10.0 both named: the newer one may be in use, and it knows 6.1.
        let facts = derived(&[
            ("gpu.cc", "6.1"),
            ("cuda.version", "7.5"),
            ("cuda.version", "10.0"),
        ]);
        assert_eq!(facts.primary("gpu.needs_newer_toolkit"), None);
        // ...unless nvcc says it is 7.5 (CUDA 10.0 installed, 7.5's nvcc first on PATH:
        // opencv/opencv#12786): FindCUDA takes the toolkit of the nvcc on PATH.
        let facts = derived(&[
            ("gpu.cc", "6.1"),
            ("cuda.version", "7.5"),
            ("cuda.version", "10.0"),
            ("nvcc.version", "7.5"),
        ]);
        assert_eq!(
            facts.primary("gpu.needs_newer_toolkit"),
            Some("6.1 needs CUDA 8.0 or later; the build uses CUDA 7.5")
        );
    }

    #[test]
    fn derives_suggestion_and_verdict() {
        let facts = derived(&[
            ("gpu.cc", "8.6"),
            ("gpu.cc", "7.0"),
            ("build.arch_bin", "6.0 6.1"),
        ]);
        assert_eq!(facts.primary("gpu.arch_bin"), Some("7.0 8.6"));
        assert_eq!(facts.primary("build.runs_on_gpu"), Some("false"));
    }
}
