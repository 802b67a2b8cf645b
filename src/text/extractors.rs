//! Regexes that turn pasted text into facts.
//!
//! Each extractor captures its value in the group `v` and names a real line it matches
//! (`example`); a unit test runs every example, so no regex here is untested. Order matters
//! only within one key: values are kept in the order they appear in the text.

use crate::facts::{Facts, Origin};
use crate::knowledge::gpus;

/// How a captured value becomes a fact value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The capture as is.
    Plain,
    /// `YES`/`NO` → `true`/`false`.
    YesNo,
    /// An arch list in any spelling → `6.0 6.1`.
    ArchList,
    /// `36` or `38` (from `cpython-36m`, `Python38\`) → `3.6`, `3.8`.
    PythonTag,
    /// `4-8-0` (from a script name like `OpenCV-4-8-0.sh`) → `4.8.0`.
    Dashed,
    /// A version, unless the capture goes on to make it a requirement (`12.4 or newer`,
    /// `9.2+`): "expected CUDA 12.4 or newer" says nothing about the CUDA installed.
    UnlessMinimum,
    /// A GPU product name: also records `gpu.cc` from the GPU table.
    GpuName,
    /// The version in an OpenCV library file name (`libopencv_core.so.3.2`): also records its
    /// release as `opencv.library_release`, so that two releases in one paste can be told.
    OpenCvLibrary,
    /// nvcc's own `--version` line: also records `nvcc.version`, the toolkit that compiles
    /// (cmake's FindCUDA starts from the nvcc on PATH, whatever else is installed).
    NvccRelease,
    /// `opencv-python==4.8.0.76`, `opencv-python   4.8.0.76`, `Name: opencv-python` +
    /// `Version: 4.8.0.76` → `opencv-python 4.8.0.76`.
    PipWheel,
    /// No capture: the match itself means this fixed value.
    Fixed(&'static str),
}

pub struct Extractor {
    pub fact: &'static str,
    pub pattern: &'static str,
    pub transform: Transform,
    /// A line this pattern matches, with the value it must give.
    pub example: (&'static str, &'static str),
}

macro_rules! ex {
    ($fact:literal, $transform:expr, $pattern:expr, $example:literal => $value:literal) => {
        Extractor {
            fact: $fact,
            pattern: $pattern,
            transform: $transform,
            example: ($example, $value),
        }
    };
}

/// What may follow a version to make it a requirement, not a fact: `12.4 or newer`, `9.2+`.
/// Captured with the version so that [`Transform::UnlessMinimum`] can drop it.
macro_rules! or_newer {
    () => {
        r"(?:\+| or (?:newer|later|above|higher|greater)\b)?"
    };
}

use Transform::*;

#[rustfmt::skip]
pub fn extractors() -> Vec<Extractor> {
    vec![
        // OpenCV version.
        ex!("opencv.version", Plain, r"OpenCV\((?P<v>\d+\.\d+\.\d+(?:-[a-z]+)?)\)",
            "cv2.error: OpenCV(4.5.3) C:\\opencv\\modules\\dnn\\src\\dnn.cpp:2385: error" => "4.5.3"),
        ex!("opencv.version", Plain, r"General configuration for OpenCV (?P<v>\d+\.\d+\.\d+)",
            "General configuration for OpenCV 4.10.0 =====" => "4.10.0"),
        ex!("opencv.version", Plain, r"OpenCV[ _]?version\s*[:=]?\s*(?P<v>\d+\.\d+(?:\.\d+)?)",
            "* OpenCV version: 4.1.1" => "4.1.1"),
        ex!("opencv.version", Plain, r"cv2(?:\.__)?[ _]?version(?:__)?\s*[:=]\s*'?(?P<v>\d+\.\d+\.\d+)",
            "cv2 version= 4.2.0" => "4.2.0"),
        ex!("opencv.version", Plain, r"[/\\]opencv[-_](?P<v>[2-5]\.\d+\.\d+)[/\\]",
            "/home/ycc/opencv-4.4.0/modules/dnn/src/dnn.cpp:2353" => "4.4.0"),
        ex!("opencv.version", UnlessMinimum, concat!(r"\bOpenCV[ -]?v?(?P<v>[2-5]\.\d{1,2}(?:\.\d+)?\b", or_newer!(), ")"),
            "I built OpenCV 4.1.2 from source" => "4.1.2"),
        ex!("opencv.version", Plain, r"\bOpenCV\s*(?:=>|:|version:?)\s*v?(?P<v>[2-5]\.\d{1,2}(?:\.\d+)?)",
            "- OpenCV => 4.3.0-527-ga711e2aa41 (master latest)" => "4.3.0"),
        // Qengineering's Jetson install scripts carry the version in their name.
        ex!("opencv.version", Dashed, r"\bOpenCV-(?P<v>[2-5]-\d{1,2}-\d+)\.sh\b",
            "./OpenCV-4-8-0.sh error build with Makefile" => "4.8.0"),
        ex!("opencv.version", OpenCvLibrary, r"libopencv_[a-z0-9_]+\.so\.(?P<v>[2-5]\.\d+(?:\.\d+)?)",
            "libopencv_core.so.3.2: cannot open shared object file" => "3.2"),
        ex!("opencv.version", Plain, r"opencv(?:-contrib)?-python(?:-headless)?\s*[= ]=?\s*(?P<v>[2-5]\.\d+\.\d+)",
            "opencv-python==4.8.0.76" => "4.8.0"),

        // CUDA toolkit / runtime used by the build.
        ex!("cuda.version", Plain, r"NVIDIA CUDA:\s+YES \(ver (?P<v>\d+\.\d+)",
            "  NVIDIA CUDA:                   YES (ver 10.0, no extra features)" => "10.0"),
        ex!("cuda.version", NvccRelease, r"Cuda compilation tools, release (?P<v>\d+\.\d+)",
            "Cuda compilation tools, release 13.0, V13.0.88" => "13.0"),
        ex!("cuda.version", Plain, r"[/\\]cuda-(?P<v>\d{1,2}\.\d)\b",
            "/usr/local/cuda-7.5/include/host_config.h:115:2: error" => "7.5"),
        // Written together with other versions: "jetpack6.2 opencv4.8.0 cuda12.6".
        ex!("cuda.version", Plain, r"\bcuda(?P<v>1[0-3]\.\d)\b",
            "(jetpack6.2 opencv4.8.0 cuda12.6)" => "12.6"),
        ex!("cuda.version", Plain, r"[/\\]CUDA[/\\]v(?P<v>\d{1,2}\.\d)[/\\]",
            r"c:\program files\nvidia gpu computing toolkit\cuda\v9.0\include" => "9.0"),
        ex!("cuda.version", Plain, r"libcudart\.so\.(?P<v>\d{1,2}\.\d)",
            "ImportError: libcudart.so.7.5: cannot open shared object file" => "7.5"),
        ex!("cuda.version", UnlessMinimum, concat!(r"\bCUDA(?: toolkit)? v?(?P<v>\d{1,2}\.\d\b", or_newer!(), ")"),
            "Ubuntu 18.04; CUDA 10.1 and cuDNN 7" => "10.1"),
        // Case-sensitive on purpose: nvidia-smi's `CUDA Version: 12.2` is the driver's, not the toolkit's.
        ex!("cuda.version", Plain, r"(?-i:Cuda version|CUDA version|cuda version|CUDA_VERSION|CUDA Toolkit Version)\s*[:=]?\s*(?P<v>\d{1,2}\.\d)",
            "Cuda version: 11.0RC (latest)" => "11.0"),
        ex!("cuda.version", Plain, r"\b(?:nvcc|CUDA) (?P<v>1[0-3])(?:[^.\d]|$)",
            "trying to build openCV 4.3.0 with cuda 11 on Ubuntu 18.04" => "11"),
        // Issue templates: "- CUDA => 10.1", "CUDA = 9.0.176", "Cuda: 12.2.1".
        ex!("cuda.version", Plain, r"\bCUDA\s*(?:=>|=|:)\s*v?(?P<v>\d{1,2}\.\d)",
            "CUDA = 9.0.176" => "9.0"),
        // A release line written with an x: "fails to compile with CUDA 8.x".
        ex!("cuda.version", Plain, r"\bCUDA[ -]?(?P<v>[5-9]|1[0-3])\.x\b",
            "OpenCV 3.1 fails to compile with CUDA 8.x" => "8"),
        // python -m torch.utils.collect_env: the toolkit it found (nvcc).
        ex!("cuda.version", Plain, r"CUDA runtime version:[ \t]*(?P<v>\d{1,2}\.\d)",
            "CUDA runtime version: 13.0.88" => "13.0"),
        ex!("cuda.version", Plain, r"\bnvidia/cuda:(?P<v>\d{1,2}\.\d)",
            "FROM nvidia/cuda:11.7.1-cudnn8-devel-ubuntu20.04" => "11.7"),
        ex!("cuda.version", Plain, r"\bnvcc v?(?P<v>\d{1,2}\.\d)\b",
            "- Compiler => gcc / g++ 10.1, nvcc 11.0, CuDNN 8.05" => "11.0"),
        // cmake's own reports: OpenCVDetectCUDA.cmake and FindCUDA.
        ex!("cuda.version", Plain, r"\bCUDA detected: (?P<v>\d{1,2}\.\d)",
            "-- CUDA detected: 9.0" => "9.0"),
        ex!("cuda.version", Plain, r#"\bFound CUDA: [^\n]*?\(found (?:suitable )?(?:exact )?version "(?P<v>\d{1,2}\.\d)"#,
            "-- Found CUDA: /usr/local/cuda (found suitable exact version \"10.2\")" => "10.2"),

        // cuDNN.
        ex!("cudnn.version", Plain, r"cuDNN:\s+YES \(ver (?P<v>\d+\.\d+\.\d+)\)",
            "  cuDNN:                         YES (ver 7.6.0)" => "7.6.0"),
        ex!("cudnn.version", Plain, r"cuDNN(?: version)?\s*:\s*(?P<v>[5-9]\.\d+\.\d+(?:\.\d+)?)",
            "* CUDNN: 8.0.0.180" => "8.0.0.180"),
        ex!("cudnn.version", UnlessMinimum, concat!(r"\bcuDNN v?(?P<v>[5-9](?:\.\d+){0,2}\b", or_newer!(), ")"),
            "with cuDNN 8.0 from JetPack" => "8.0"),
        ex!("cudnn.version", Plain, r"libcudnn(?:_[a-z_]+)?\.so\.(?P<v>[5-9](?:\.\d+){0,2})",
            "libcudnn.so.8 => /usr/lib/x86_64-linux-gnu/libcudnn.so.8" => "8"),

        // Driver.
        ex!("driver.version", Plain, r"Driver Version\s*:\s*(?P<v>\d{3}\.\d+(?:\.\d+)?)",
            "| NVIDIA-SMI 580.159.04   Driver Version: 580.159.04   CUDA Version: 13.0 |" => "580.159.04"),
        ex!("driver.version", Plain, r"NVRM version:[^\n]*?Kernel Module[^\n]*?(?P<v>\d{3}\.\d+(?:\.\d+)?)",
            "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  Tue Oct 28 2025" => "580.159.04"),
        ex!("driver.cuda_version", Plain, r"CUDA Version\s*:\s*(?P<v>\d+\.\d+)",
            "| NVIDIA-SMI 580.159.04   Driver Version: 580.159.04   CUDA Version: 13.0 |" => "13.0"),
        // The same retold: "nvidia-smi shows CUDA Version 11.4" (without nvidia-smi on the line, a
        // "CUDA version 11.4" is as often the toolkit's).
        ex!("driver.cuda_version", Plain, r"nvidia-smi\b[^\n]{0,40}?\bCUDA Version\s*:?\s*(?P<v>\d+\.\d+)",
            "nvidia-smi shows CUDA Version 11.4 but OpenCV was built with CUDA 12.2" => "11.4"),

        // GPUs.
        Extractor { fact: "gpu.name", pattern: gpu_name_pattern(), transform: GpuName,
            example: ("|   0  Tesla V100-SXM2-16GB     On   | 00000000:00:1E.0 Off |", "Tesla V100-SXM2-16GB") },
        ex!("gpu.cc", Plain, r"compute[ _]capability\s*(?:\(CC\)\s*)?[:=]?\s*(?P<v>\d{1,2}\.\d)\b",
            "my card has compute capability 8.6" => "8.6"),
        ex!("gpu.cc", Plain, r"CUDA Capability Major/Minor version number:\s*(?P<v>\d{1,2}\.\d)",
            "  CUDA Capability Major/Minor version number:    7.5" => "7.5"),
        // `nvidia-smi --query-gpu=name,compute_cap,driver_version --format=csv` rows, indented or quoted in
        // a reply (`> `) (any column order after the name): the compute capability is the only `N.N` column, the driver the only `NNN.NN[.NN]`.
        // Columns hold word characters, dots, spaces, `[N/A]`: any other character ends the try early,
        // which keeps the scan's lazy DFA small on logs full of `NVIDIA ...:` lines.
        ex!("gpu.cc", Plain, r"(?m)^[ \t>]*(?:NVIDIA|Tesla|GeForce|Quadro|RTX)[\w .+/\[\]-]*(?:,[\w .+/\[\]-]*)*?,[ \t]*(?P<v>\d{1,2}\.\d)[ \t]*(?:,|\r?$)",
            "NVIDIA H100 80GB HBM3, 9.0, 580.159.04" => "9.0"),
        ex!("driver.version", Plain, r"(?m)^[ \t>]*(?:NVIDIA|Tesla|GeForce|Quadro|RTX)[\w .+/\[\]-]*(?:,[\w .+/\[\]-]*)*?,[ \t]*(?P<v>[3-9]\d{2}\.\d{2,3}(?:\.\d{2})?)[ \t]*(?:,|\r?$)",
            "Tesla V100-SXM2-16GB, 7.0, 450.80.02, 16160 MiB" => "450.80.02"),

        // What the build holds.
        ex!("build.arch_bin", ArchList, r"NVIDIA GPU arch:[ \t]*(?P<v>[\d \t]*\d)",
            "    NVIDIA GPU arch:             30 35 37 50 52 60 61 70 75" => "3.0 3.5 3.7 5.0 5.2 6.0 6.1 7.0 7.5"),
        ex!("build.arch_bin", ArchList, r#"CUDA_ARCH_BIN(?::[A-Z]+)?\s*=\s*["']?(?P<v>\d+(?:\.\d)?(?:[ ;,]+\d+(?:\.\d)?)*)"#,
            "cmake -D CUDA_ARCH_BIN=7.5 -D WITH_CUDA=ON .." => "7.5"),
        ex!("build.arch_ptx", ArchList, r"NVIDIA PTX archs?:[ \t]*(?P<v>[\d \t]*\d)",
            "--     NVIDIA PTX archs:            120" => "12.0"),
        ex!("build.arch_ptx", ArchList, r#"CUDA_ARCH_PTX(?::[A-Z]+)?\s*=\s*["']?(?P<v>\d+(?:\.\d)?(?:[ ;,]+\d+(?:\.\d)?)*)"#,
            "-DCUDA_ARCH_PTX=8.6" => "8.6"),
        ex!("build.cuda_generation", Plain, r#"CUDA_GENERATION(?::[A-Z]+)?\s*=\s*["']?(?P<v>[A-Za-z]+)"#,
            "-DCUDA_ARCH_BIN=7.5 -DCUDA_GENERATION=Pascal" => "Pascal"),
        ex!("build.cuda", YesNo, r"(?:NVIDIA CUDA|OpenCV Cuda|Use Cuda|OpenCV ?:?[ \t]*[\d.]+ +(?:compiled|with) +CUDA) ?:[ \t]*(?P<v>YES|NO)\b",
            "  * OpenCV Cuda: NO" => "false"),
        ex!("build.cudnn", YesNo, r"\bcuDNN:[ \t]*(?P<v>YES|NO)\b",
            "  cuDNN:                         NO" => "false"),

        // Python.
        ex!("python.version", Plain, r"[/\\]python(?P<v>3\.\d{1,2})[/\\]",
            "/usr/local/lib/python3.6/dist-packages/cv2/__init__.py" => "3.6"),
        ex!("python.version", PythonTag, r"cpython-(?P<v>3\d{1,2})",
            "cv2.cpython-38-x86_64-linux-gnu.so" => "3.8"),
        ex!("python.version", PythonTag, r"[/\\]Python(?P<v>3\d{1,2})[/\\]",
            r"C:\Users\me\AppData\Local\Programs\Python\Python38\lib" => "3.8"),
        // The cmake configure summary's `Python 3:` section.
        ex!("python.version", Plain, r"Interpreter:[ \t]+[^ \t\n]+[ \t]+\(ver[ \t]+(?P<v>3\.\d{1,2})",
            "    Interpreter:                 /opt/python/cp39-cp39/bin/python3.9 (ver 3.9.25)" => "3.9"),
        ex!("python.version", Plain, r"\bPython (?P<v>3\.\d{1,2})(?:\.\d+)?\b",
            "Python 3.10.12 (main, Nov 20 2023)" => "3.10"),

        // pip list / pip freeze / pip show: a wheel's version has four parts (4.8.0.76), a source
        // build's three.
        ex!("pip.opencv_wheel", PipWheel, r"\b(?P<v>opencv(?:[-_]contrib)?[-_]python(?:[-_]headless)?(?:==|[ \t]+|[ \t]*\r?\nVersion:[ \t]*)\d+\.\d+\.\d+\.\d+)\b",
            "opencv-contrib-python        4.8.0.76" => "opencv-contrib-python 4.8.0.76"),
        // pip's own report, name and version joined by a hyphen
        ex!("pip.opencv_wheel", PipWheel, r"\bSuccessfully installed\b[^\n]*?\b(?P<v>opencv(?:[-_]contrib)?[-_]python(?:[-_]headless)?-\d+\.\d+\.\d+\.\d+)\b",
            "Successfully installed numpy-1.26.4 opencv-python-4.8.0.76" => "opencv-python 4.8.0.76"),
        // What `cv2.__version__` printed: in the REPL (`'2.4.5'` on the next line) or by `print()`.
        ex!("python.cv2_version", Plain, r"\bcv2\.__version__\)*['\x22]?[ \t]*\r?\n[ \t>]*'?(?P<v>\d+\.\d+\.\d+)",
            ">>> cv2.__version__\n'2.4.5'\n>>>" => "2.4.5"),
        // ldconfig -p: what the loader's cache holds.
        ex!("loader.libraries", Plain, r"(?m)^[ \t>]*(?P<v>lib(?:cudnn|cudart|cublas|cufft|npp[a-z]*|nvinfer|opencv_core|opencv_dnn)\.so\.[\d.]+[a-z]?)[ \t]+\(libc6",
            "\tlibcudnn.so.9 (libc6,x86-64) => /lib/x86_64-linux-gnu/libcudnn.so.9" => "libcudnn.so.9"),

        // Jetson's L4T release, of the host (`L4T 32.6.1`) or of a container image (`l4t-r35.4.1`).
        ex!("jetson.l4t", Plain, r"\bL4T[ _-]?R?(?P<v>3\d\.\d+(?:\.\d+)?)\b",
            "JetPack: 4.6 [L4T 32.6.1]" => "32.6.1"),
        ex!("jetson.l4t", Plain, r"\bl4t-r(?P<v>3\d\.\d+(?:\.\d+)?)\b",
            "Image: dustynv/ros:foxy-desktop-l4t-r35.4.1" => "35.4.1"),
        // jetson-containers' own line (`-- L4T_VERSION=32.7.4`) and image tags that end in the
        // release (`dustynv/opencv:4.8.1-r36.2.0`, `nvcr.io/nvidia/l4t-base:r32.7.1`).
        ex!("jetson.l4t", Plain, r"\bL4T_VERSION=(?P<v>3\d\.\d+(?:\.\d+)?)\b",
            "-- L4T_VERSION=32.7.4  JETPACK_VERSION=4.6.4  CUDA_VERSION=10.2.300" => "32.7.4"),
        ex!("jetson.l4t", Plain, r"[:-]r(?P<v>3[2-9]\.\d{1,2}\.\d{1,2})\b",
            "Found compatible container dustynv/opencv:4.8.1-r36.2.0 (2023-12-07, 5.1GB)" => "36.2.0"),

        // Operating system hints.
        ex!("platform.os_hint", Fixed("windows"), r"\b[A-Z]:\\[A-Za-z]|\\modules\\[a-z]+\\src\\|DLL load failed|\.dll\b|Unable to load DLL|The specified module could not be found|\b0x8007007E\b|Visual Studio|\bLNK\d{4}\b|\.vcxproj\b|MSBuild",
            r"\modules\core\src\cuda_info.cpp:62: error" => "windows"),
        ex!("platform.os_hint", Fixed("macos"), r"\.dylib\b|/Users/[^/\s]+/|\bmacOS\b|Mac OS X",
            "Expected in: /usr/local/lib/libopencv_dnn.4.0.dylib" => "macos"),
        ex!("platform.os_hint", Fixed("linux"), r"/usr/(?:local/)?(?:lib|include|bin)|\.so\.\d|\bUbuntu\b|\bDebian\b|linux-gnu",
            "/usr/lib/aarch64-linux-gnu/libcublas.so.10: file too short" => "linux"),
        ex!("platform.os_hint", Fixed("jetson"), r"\bJetson\b|\bL4T\b|JetPack|\btegra\b|aarch64-linux-gnu",
            "Jetson Nano JetPack 4.4 (L4T 32.4.3)" => "jetson"),
        // A container in the story (docker build, NVIDIA's images): on a Jetson, `docker build`
        // sees the CUDA libraries only when NVIDIA's runtime is docker's default.
        ex!("platform.container", Fixed("docker"), r"\b[Dd]ocker(?:file)?\b|\bDOCKER_BUILDKIT\b|\bnvcr\.io/|\bpodman\b|--runtime[= ]nvidia\b|\bl4t-(?:base|ml|pytorch)\b|jetson-containers",
            "I am trying to build the opencv image using ( Dockerfile.opencv_source)" => "docker"),
        // ROS in the story (its tools, packages and install folder): its binary packages are
        // built against the distribution's OpenCV, the usual second OpenCV beside a CUDA build.
        ex!("platform.ros", Fixed("ros"), r"\bros(?:run|launch)\b|[a-z0-9]_ros\b|\bcatkin|\bcolcon\b|cv_bridge|image_transport|image_view|/opt/ros/|\bROS\b",
            "rosrun vins vins_node config.yaml" => "ros"),
    ]
}

/// All GPU table rows as one alternation; which row matched is resolved afterwards.
fn gpu_name_pattern() -> &'static str {
    static PATTERN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PATTERN.get_or_init(|| {
        let rows: Vec<&str> = gpus::GPUS.iter().map(|row| row.pattern).collect();
        // Keep the vendor prefix and variant suffix for display: "Tesla V100-SXM2-16GB".
        format!(
            r"(?P<v>(?:(?:NVIDIA|Tesla|GeForce|Quadro) )*(?:{})(?:[- ](?:SXM\d?|PCIE|\d+GB|HBM\de?|Laptop GPU|Ti|SUPER|Max-Q|NVL)\b)*)",
            rows.join("|")
        )
    })
}

/// Records one captured value as facts. Returns false when the capture made no fact.
pub fn record(extractor: &Extractor, raw: &str, origin: Origin, facts: &mut Facts) -> bool {
    let raw = raw.trim();
    match extractor.transform {
        Plain => !raw.is_empty() && facts.add(extractor.fact, raw, origin),
        YesNo => facts.add(
            extractor.fact,
            raw.eq_ignore_ascii_case("yes").to_string(),
            origin,
        ),
        ArchList => {
            let list = crate::facts::derived::parse_arch_list(raw);
            let text = list
                .iter()
                .map(|(a, b)| format!("{a}.{b}"))
                .collect::<Vec<_>>()
                .join(" ");
            !text.is_empty() && facts.add(extractor.fact, text, origin)
        }
        Dashed => !raw.is_empty() && facts.add(extractor.fact, raw.replace('-', "."), origin),
        UnlessMinimum => {
            !raw.is_empty()
                && raw.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                && facts.add(extractor.fact, raw, origin)
        }
        PythonTag => {
            let (major, minor) = raw.split_at(1);
            facts.add(extractor.fact, format!("{major}.{minor}"), origin)
        }
        GpuName => {
            let Some(row) = gpus::lookup(raw) else {
                return false;
            };
            let new = facts.add("gpu.name", raw, origin.clone());
            facts.add("gpu.cc", row.compute_capability, origin);
            new
        }
        OpenCvLibrary => {
            let release: Vec<&str> = raw.split('.').take(2).collect();
            facts.add("opencv.library_release", release.join("."), origin.clone());
            facts.add(extractor.fact, raw, origin)
        }
        NvccRelease => {
            facts.add("nvcc.version", raw, origin.clone());
            facts.add(extractor.fact, raw, origin)
        }
        Fixed(value) => facts.add(extractor.fact, value, origin),
        PipWheel => {
            // `opencv-python==4.8.0.76`, `opencv-python 4.8.0.76`, `pip show`'s `Version:` line,
            // `opencv-python-4.8.0.76`: the name ends at `=`, a space or a hyphen before a digit.
            let bytes = raw.as_bytes();
            let name_end = (0..bytes.len())
                .find(|&i| {
                    let b = bytes[i];
                    b == b'='
                        || b.is_ascii_whitespace()
                        || (b == b'-' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
                })
                .unwrap_or(raw.len());
            let version = raw
                .rsplit(|c: char| c == '=' || c == '-' || c.is_whitespace())
                .next()
                .unwrap_or_default();
            let name = &raw[..name_end];
            let name = name.replace('_', "-").to_ascii_lowercase();
            facts.add(extractor.fact, format!("{name} {version}"), origin)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::pattern;

    #[test]
    fn every_example_yields_its_value() {
        for extractor in extractors() {
            let (line, expected) = extractor.example;
            let re = pattern::compile(extractor.pattern).unwrap();
            let caps = re
                .captures(line.as_bytes())
                .unwrap_or_else(|| panic!("{} does not match {line:?}", extractor.pattern));
            let raw = caps
                .name("v")
                .map(|m| String::from_utf8_lossy(m.as_bytes()).into_owned())
                .unwrap_or_default();
            let mut facts = Facts::default();
            let origin = Origin::Text {
                source: "t".into(),
                line: 1,
            };
            record(&extractor, &raw, origin, &mut facts);
            let got = facts.primary(extractor.fact).unwrap_or_default();
            if extractor.transform == GpuName {
                assert!(got.contains(expected), "{got} for {line}");
            } else {
                assert_eq!(got, expected, "{}", extractor.pattern);
            }
        }
    }

    #[test]
    fn a_required_minimum_is_not_the_installed_version() {
        use crate::text::scan::{ScanPlan, Scanner};
        let plan = ScanPlan::new(&[]).unwrap();
        let facts_of = |text: &str| {
            let mut scanner = Scanner::new(&plan);
            scanner.scan_reader("t", text.as_bytes()).unwrap();
            scanner.finish().facts
        };
        let facts = facts_of(
            "error STL1002: Unexpected compiler version, expected CUDA 12.4 or\nnewer.\nneeds CUDA 9.2+\nrequires OpenCV 4.2 or later and cuDNN 7.5 or higher",
        );
        assert_eq!(facts.primary("cuda.version"), None);
        assert_eq!(facts.primary("opencv.version"), None);
        assert_eq!(facts.primary("cudnn.version"), None);
        let facts = facts_of("Ubuntu 18.04; CUDA 10.1 and cuDNN 7");
        assert_eq!(facts.primary("cuda.version"), Some("10.1"));
    }

    /// The facts the extractor with `transform` records from each of `raws`.
    fn recorded(transform: Transform, raws: &[&str]) -> Facts {
        let extractor = extractors()
            .into_iter()
            .find(|e| e.transform == transform)
            .unwrap();
        let mut facts = Facts::default();
        for raw in raws {
            record(&extractor, raw, Origin::Derived { by: "test" }, &mut facts);
        }
        facts
    }

    #[test]
    fn gpu_names_also_give_compute_capability() {
        let facts = recorded(GpuName, &["GeForce RTX 3080"]);
        assert_eq!(facts.primary("gpu.cc"), Some("8.6"));
    }

    #[test]
    fn nvcc_version_lines_also_name_the_compiling_toolkit() {
        let facts = recorded(NvccRelease, &["7.5"]);
        assert_eq!(facts.primary("cuda.version"), Some("7.5"));
        assert_eq!(facts.primary("nvcc.version"), Some("7.5"));
    }

    #[test]
    fn opencv_library_names_also_give_their_release() {
        let facts = recorded(OpenCvLibrary, &["4.5.1", "3.2"]);
        assert_eq!(facts.primary("opencv.version"), Some("4.5.1"));
        let releases: Vec<&str> = facts
            .all("opencv.library_release")
            .iter()
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(releases, ["4.5", "3.2"]);
    }

    #[test]
    fn pip_wheels_are_named_the_same_in_every_pip_output() {
        let raws = [
            "opencv-python==4.8.0.76",
            "opencv_contrib_python  4.9.0.80",
            "opencv-python-headless\nVersion: 4.10.0.84",
            "opencv-python-headless-4.7.0.72",
        ];
        let facts = recorded(PipWheel, &raws);
        let wheels: Vec<&str> = facts
            .all("pip.opencv_wheel")
            .iter()
            .map(|o| o.value.as_str())
            .collect();
        assert_eq!(
            wheels,
            [
                "opencv-python 4.8.0.76",
                "opencv-contrib-python 4.9.0.80",
                "opencv-python-headless 4.10.0.84",
                "opencv-python-headless 4.7.0.72",
            ]
        );
    }
}
