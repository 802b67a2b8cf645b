//! Typed facts: what was observed, with where it came from.
//!
//! A fact has a dotted key from the registry below (`opencv.version`, `gpu.cc`), one or more
//! values in the order they were first seen, and for each value its origin. The first value
//! is the primary one that rule conditions compare. Extractors (pasted text) and derivations
//! (algorithms over other facts) fill them; rules only read them.

pub mod derived;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::version::Version;

/// How a fact's values are compared in rule conditions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FactKind {
    /// Compared as dotted versions (`4.4` < `4.10`).
    Version,
    /// Compared as case-insensitive text; only `==` and `!=`.
    Text,
    /// `true` / `false`; only `==` and `!=`.
    Bool,
    /// Every value found, in order: templates see them joined by `, `; only `==` and `!=`
    /// (against the first).
    List,
}

pub struct FactKey {
    pub key: &'static str,
    pub kind: FactKind,
    pub doc: &'static str,
}

macro_rules! key {
    ($key:literal, $kind:ident, $doc:literal) => {
        FactKey {
            key: $key,
            kind: FactKind::$kind,
            doc: $doc,
        }
    };
}

/// Every fact key a rule may name. A rule naming another key is rejected when loaded.
#[rustfmt::skip]
pub const FACT_KEYS: &[FactKey] = &[
    key!("opencv.version",       Version, "OpenCV version, e.g. from `OpenCV(4.2.0)` in an error or the build summary"),
    key!("cuda.version",         Version, "CUDA toolkit/runtime version the build uses (`NVIDIA CUDA: YES (ver 10.0`, nvcc, `/usr/local/cuda-11.8`)"),
    key!("nvcc.version",         Version, "the version nvcc reports for itself (`Cuda compilation tools, release 7.5`): the toolkit that compiles"),
    key!("cudnn.version",        Version, "cuDNN version (`cuDNN: YES (ver 7.6.0)`, `libcudnn.so.8`)"),
    key!("driver.version",       Version, "NVIDIA driver version (`Driver Version: 535.104.05`)"),
    key!("driver.cuda_version",  Version, "highest CUDA the driver supports (nvidia-smi `CUDA Version: 12.2`)"),
    key!("gpu.name",             Text,    "GPU product names found in the text"),
    key!("gpu.family",           Text,    "derived: the GPU table's family of each GPU named, e.g. `GTX 16xx (Turing TU116/TU117)`"),
    key!("gpu.cc",               Version, "compute capability of each GPU, from its name or stated outright"),
    key!("gpu.arch_bin",         Text,    "derived: the `CUDA_ARCH_BIN` value covering every GPU found, e.g. `7.0` or `7.0 8.6`"),
    key!("gpu.needs_newer_toolkit", Text, "derived: a GPU whose architecture the build's CUDA toolkit cannot compile for, e.g. `12.0 needs CUDA 12.8 or later; the build uses CUDA 12.0`"),
    key!("build.arch_bin",       Text,    "architectures with SASS in the build (`NVIDIA GPU arch: 60 61`, `CUDA_ARCH_BIN=6.1`), as `6.0 6.1`"),
    key!("build.arch_ptx",       Text,    "architectures with PTX in the build (`NVIDIA PTX archs:`), as `6.1`"),
    key!("build.cuda_generation",Text,    "`CUDA_GENERATION` value (Pascal, Volta...), which overrides `CUDA_ARCH_BIN`"),
    key!("build.cuda",           Bool,    "whether the build has CUDA (`NVIDIA CUDA: YES/NO`)"),
    key!("build.cudnn",          Bool,    "whether the build has cuDNN (`cuDNN: YES/NO`)"),
    key!("build.arch_unsupported", Text,  "derived: CUDA_ARCH_BIN entries the pasted CUDA toolkit cannot compile, e.g. `8.9` with CUDA 11.7"),
    key!("build.runs_on_gpu",    Bool,    "derived: whether the build's SASS/PTX list can run on every GPU found"),
    key!("build.toolkit_too_new", Bool,   "derived: the CUDA toolkit is newer than this OpenCV release supports"),
    key!("build.toolkit_min_opencv", Version, "derived: the oldest OpenCV that builds with this CUDA toolkit"),
    key!("build.toolkit_checked", Version, "derived: the newest CUDA version in the input, the one checked against the OpenCV support table"),
    key!("build.toolkit_too_old_for_dnn", Bool, "derived: the CUDA toolkit is older than this OpenCV's DNN CUDA backend compiles with"),
    key!("build.dnn_min_cuda",   Version, "derived: the oldest CUDA toolkit this OpenCV's DNN CUDA backend compiles with"),
    key!("build.toolkit_old_checked", Version, "derived: the oldest CUDA version in the input, the one checked against the DNN CUDA minimum"),
    key!("build.cudnn_too_new",  Bool,    "derived: cuDNN's major version is newer than this OpenCV release supports"),
    key!("build.cudnn_min_opencv", Version, "derived: the oldest OpenCV that builds with this cuDNN major version"),
    key!("build.cudnn_checked", Version, "derived: the newest cuDNN version in the input, the one checked against the OpenCV support table"),
    key!("binary.path",          Text,    "inspect: the binary a verdict is about"),
    key!("binary.arches",        Text,    "inspect: the SASS and PTX architectures the binary holds"),
    key!("binary.fails_on_gpu",  Bool,    "inspect: a module with kernels has no code the GPU can run"),
    key!("binary.missing_libraries", Text, "inspect: needed libraries the dynamic loader would not find"),
    key!("binary.some_modules_run", Bool, "inspect: besides the failing modules, some modules with kernels do run on the GPU"),
    key!("binary.failing_kernels", Text,  "inspect: demangled kernels in the modules that cannot run"),
    key!("driver.api_disagrees", Text,    "check: NVML and the CUDA driver API report different GPUs or CUDA versions"),
    key!("gpu.none",             Bool,    "check: no GPU visible (NVML missing or no device; CUDA_VISIBLE_DEVICES honoured)"),
    key!("toolkit.version",      Version, "check: each CUDA toolkit installed on disk"),
    key!("cudnn.runtime_version", Version, "check: the cuDNN the loader gives OpenCV (libcudnn.so.N resolved to its file)"),
    key!("cudnn.runtime_incompatible", Text, "check: the run-time cuDNN is older or of another major than the one OpenCV was built with"),
    key!("cudnn.versions",       Text,    "check: the distinct cuDNN versions found, when there is more than one"),
    key!("python.executable",    Text,    "check: the Python that would run the user's script"),
    key!("python.sys_path",      Text,    "check: that Python's sys.path"),
    key!("cv2.path",             Text,    "check: the cv2 that `import cv2` loads"),
    key!("cv2.origin",           Text,    "check: `pip` or `source build`"),
    key!("cv2.origin_detail",    Text,    "check: e.g. `pip opencv-python-headless 5.0.0.93`"),
    key!("cv2.cuda",             Bool,    "check: the loaded cv2's OpenCV has CUDA"),
    key!("cv2.version",          Version, "check: the loaded cv2's OpenCV version"),
    key!("cv2.missing",          Bool,    "check: no importable cv2 on sys.path"),
    key!("cv2.dangling_link",    Text,    "check: a cv2 symlink that points nowhere"),
    key!("cv2.abi_mismatch",     Text,    "check: a cv2 module built for another Python version"),
    key!("cv2.missing_loader_config", Text, "check: a cv2 package without config-3.X.py for this Python"),
    key!("cv2.shadowed_build",   Text,    "check: a source-built cv2 hidden behind a pip wheel earlier on sys.path"),
    key!("cv2.overlapping_wheels", Text,  "check: two or more OpenCV pip wheels installed beside one cv2 folder, which they all write"),
    key!("build.cudart",         Version, "check: the CUDA runtime major OpenCV links (libcudart.so.N)"),
    key!("driver.older_than_toolkit", Version, "derived: the toolkit version named, when nvidia-smi's `CUDA Version` is of an older major (the driver cannot run what that toolkit builds)"),
    key!("driver.older_than_build", Bool, "check: the driver supports an older CUDA than the runtime OpenCV links"),
    key!("cmake.build_dir",      Text,    "check: the build directory read"),
    key!("cmake.cuda_arch_bin",  Text,    "check: CUDA_ARCH_BIN in CMakeCache.txt"),
    key!("cmake.cuda_generation",Text,    "check: CUDA_GENERATION in CMakeCache.txt"),
    key!("cmake.extra_modules_path", Text, "check: OPENCV_EXTRA_MODULES_PATH in CMakeCache.txt"),
    key!("cmake.extra_modules_unusable", Text, "check: OPENCV_EXTRA_MODULES_PATH has `~` or does not exist"),
    key!("cmake.python_outside_venv", Text, "check: the Python cmake used, when it is not the active virtualenv's"),
    key!("cmake.toolchain_unsupported", Text, "check: the CUDA toolkit or cuDNN is newer than the OpenCV sources in the build directory support, or older than OpenCV's minimum"),
    key!("cmake.contrib_mismatch", Text,  "check: opencv and opencv_contrib sources of different releases"),
    key!("cmake.cudnn_notfound", Text,    "check: CUDNN_* entries set to NOTFOUND"),
    key!("cmake.notfound",       Text,    "check: every NOTFOUND entry"),
    key!("cmake.no_makefile",    Bool,    "check: the build directory has neither Makefile nor build.ninja"),
    key!("cmake.arch_unsupported", Text,  "check: CUDA_ARCH_BIN entries the installed toolkit cannot compile"),
    key!("live.failed_step",     Text,    "check --live: the step that failed (`import`, `cpu-forward`, `cuda-forward`, `python`, `timeout`)"),
    key!("live.error",           Text,    "check --live: the error of the failed step"),
    key!("recipe.source_dir",    Text,    "check: the OpenCV source folder the rebuild commands use (the build directory's CMAKE_HOME_DIRECTORY)"),
    key!("recipe.contrib_modules", Text,  "check: the opencv_contrib modules folder for the rebuild commands"),
    key!("recipe.cudnn_include_dir", Text, "check: the folder of the cuDNN headers for the rebuild commands"),
    key!("recipe.cudnn_library", Text,    "check: the cuDNN library file for the rebuild commands"),
    key!("opencv.library_release", List,  "OpenCV releases named by library file name (`libopencv_core.so.3.2` is 3.2)"),
    key!("opencv.mixed_releases", Text,   "derived: OpenCV libraries of two or more releases in one paste, e.g. `3.2 and 4.1`"),
    key!("jetson.l4t",           List,    "Jetson L4T releases named in the text (`L4T 32.6.1`, an image tag `l4t-r35.4.1`)"),
    key!("jetson.l4t_mismatch",  Text,    "derived: L4T releases of different majors in one paste (a container made for another JetPack than the host's)"),
    key!("pip.opencv_wheel",     Text,    "an OpenCV pip wheel in `pip list`/`pip freeze`/`pip show` output, as `opencv-python 4.8.0.76`"),
    key!("loader.libraries",     List,    "CUDA, cuDNN and OpenCV libraries in the loader's cache (`ldconfig -p`), e.g. `libcudnn.so.9`"),
    key!("python.version",       Version, "Python version, from paths (`python3.6/site-packages`, `cpython-38`) or banners"),
    key!("python.cv2_version",   Version, "what `cv2.__version__` printed: the OpenCV the interpreter imports"),
    key!("python.cv2_not_the_wheel", Text, "derived: `cv2.__version__` is none of the pip wheels' versions in the paste, e.g. `cv2 2.4.5, wheel opencv-python 3.2.0.6`"),
    key!("platform.os",          Text,    "derived: `windows`, `macos` or `linux`, from paths and messages"),
    key!("platform.os_hint",     Text,    "raw operating-system hints found in the text"),
    key!("platform.jetson",      Bool,    "derived: the text comes from a Jetson board (L4T, JetPack, tegra, a Jetson GPU)"),
    key!("platform.container",   Text,    "a container named in the text (`docker build`, a Dockerfile, `nvcr.io/` images, podman, `--runtime nvidia`, jetson-containers)"),
    key!("platform.ros",         Text,    "ROS named in the text (rosrun, roslaunch, catkin, colcon, cv_bridge, image_transport, /opt/ros/, a `*_ros` package)"),
];

pub fn fact_key(key: &str) -> Option<&'static FactKey> {
    FACT_KEYS.iter().find(|k| k.key == key)
}

/// Where a value was seen.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Origin {
    /// A line of an input (`source` is a file name or `stdin`).
    Text { source: String, line: u64 },
    /// Computed from other facts by the named derivation.
    Derived { by: &'static str },
}

#[derive(Debug, Clone, Serialize)]
pub struct Observed {
    pub value: String,
    pub origin: Origin,
}

/// Values kept per key: enough to show disagreements, bounded for huge logs.
pub const MAX_VALUES_PER_FACT: usize = 16;

#[derive(Debug, Default, Clone, Serialize)]
#[serde(transparent)]
pub struct Facts {
    entries: BTreeMap<&'static str, Vec<Observed>>,
}

impl Facts {
    /// Records a value unless it is already known (first sighting wins) or the key is full.
    /// Returns whether the value was new.
    pub fn add(&mut self, key: &'static str, value: impl Into<String>, origin: Origin) -> bool {
        let value = value.into();
        let values = self.entries.entry(key).or_default();
        if values.len() >= MAX_VALUES_PER_FACT || values.iter().any(|o| o.value == value) {
            return false;
        }
        values.push(Observed { value, origin });
        true
    }

    pub fn primary(&self, key: &str) -> Option<&str> {
        self.entries.get(key)?.first().map(|o| o.value.as_str())
    }

    pub fn primary_observed(&self, key: &str) -> Option<&Observed> {
        self.entries.get(key)?.first()
    }

    pub fn all(&self, key: &str) -> &[Observed] {
        self.entries.get(key).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Adds `other`'s values of the keys `keep` accepts, after this set's own.
    pub fn merge_from(&mut self, other: &Facts, keep: impl Fn(&str) -> bool) {
        for (key, values) in other.iter().filter(|(key, _)| keep(key)) {
            for observed in values {
                self.add(key, observed.value.clone(), observed.origin.clone());
            }
        }
    }

    pub fn version(&self, key: &str) -> Option<Version> {
        self.primary(key).and_then(Version::parse)
    }

    /// The highest version observed under `key` (a paste that says "12.4 fails, 12.2 worked").
    pub fn newest_version(&self, key: &str) -> Option<Version> {
        self.versions(key).max()
    }

    /// The lowest version observed under `key` (a paste that says "builds with 10, fails with 9.0").
    pub fn oldest_version(&self, key: &str) -> Option<Version> {
        self.versions(key).min()
    }

    fn versions(&self, key: &str) -> impl Iterator<Item = Version> + '_ {
        self.all(key)
            .iter()
            .filter_map(|o| Version::parse(&o.value))
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[Observed])> {
        self.entries.iter().map(|(k, v)| (*k, v.as_slice()))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}
