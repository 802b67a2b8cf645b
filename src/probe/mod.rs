//! Probes of this machine. Each returns what it found or why it could not, and never fails
//! the run: a missing driver is a fact, not an error.

pub mod c_header;
pub mod cmake_cache;
pub mod cuda_driver;
pub mod cv2;
pub mod host;
pub mod live;
pub mod nvml;
pub mod python;
pub mod source_version;
pub mod subprocess;
pub mod toolkit;
