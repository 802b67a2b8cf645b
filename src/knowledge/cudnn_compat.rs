//! Whether the cuDNN the loader finds at run time satisfies the one OpenCV was built with.
//!
//! OpenCV's own test, in `modules/dnn/src/cuda4dnn/init.hpp` (`checkVersions`), warns "cuDNN
//! reports version X which is not compatible with the version Y with which OpenCV was built"
//! when the major versions differ or the run-time minor is older than the build's. That follows
//! NVIDIA's cuDNN API compatibility note (cuDNN Developer Guide, "API Compatibility"): minor
//! releases are backward compatible with applications built against the same or an earlier
//! minor of the same major.

use crate::version::Version;

/// True when OpenCV built against `built` runs with `runtime` without the version warning.
pub fn runtime_satisfies_build(built: &Version, runtime: &Version) -> bool {
    runtime.major() == built.major() && runtime.minor() >= built.minor()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(built: &str, runtime: &str) -> bool {
        runtime_satisfies_build(
            &Version::parse(built).unwrap(),
            &Version::parse(runtime).unwrap(),
        )
    }

    #[test]
    fn newer_minor_and_other_patches_are_fine() {
        assert!(ok("8.2.4", "8.9.7"));
        assert!(ok("8.9.7", "8.9.2"));
        assert!(ok("9.1.0", "9.14.0"));
    }

    #[test]
    fn older_minor_or_other_major_is_not() {
        assert!(!ok("8.9.7", "8.2.4"));
        assert!(!ok("9.14.0", "9.1.0"));
        assert!(!ok("8.9.7", "9.1.0"));
        assert!(!ok("9.1.0", "8.9.7"));
    }
}
