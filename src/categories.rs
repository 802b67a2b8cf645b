//! The diagnosis categories: a contract with support tooling and JSON consumers.
//! The list and its meanings live in `docs/categories.md`; a test keeps the two equal.

pub const CATEGORIES: &[&str] = &[
    "gpu-arch-not-in-build",
    "opencv-built-without-cuda",
    "dnn-backend-ignored",
    "contrib-missing-or-mismatched",
    "cudnn-not-found",
    "cudnn-version-mismatch",
    "cudnn-runtime-error",
    "toolkit-incompatible-with-opencv",
    "arch-unsupported-by-toolkit",
    "arch-below-dnn-minimum",
    "host-compiler-unsupported",
    "cuda-toolkit-not-found",
    "cmake-failed-no-makefile",
    "consumer-cmake-config",
    "library-not-found",
    "mixed-or-stale-install",
    "python-bindings-not-installed",
    "driver-too-old",
    "no-gpu-visible",
    "gpu-out-of-memory",
    "cuda-runtime-error",
    "layer-unsupported-on-cuda",
    "fp16-unsupported-or-slow",
];

pub fn is_category(name: &str) -> bool {
    CATEGORIES.contains(&name)
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_the_documented_list() {
        let doc = include_str!("../docs/categories.md");
        let documented: Vec<&str> = doc
            .lines()
            .filter_map(|l| l.strip_prefix("| `"))
            .filter_map(|l| l.split('`').next())
            .collect();
        assert_eq!(documented, super::CATEGORIES);
    }
}
