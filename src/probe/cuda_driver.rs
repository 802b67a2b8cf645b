//! The CUDA driver API (`libcuda.so.1`) through cudarc with dynamic loading:
//! `cuDriverGetVersion` and each device's compute capability. cudarc panics on first use when
//! libcuda is missing, so `is_culib_present()` is asked first; its absence is a fact.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CudaDriver {
    /// `cuDriverGetVersion`, as "13.0".
    pub version: String,
    /// Compute capability of each device the driver API enumerates, as "9.0".
    pub devices: Vec<String>,
}

pub fn probe() -> Result<CudaDriver, String> {
    use cudarc::driver::{result, sys};
    // SAFETY: only checks that the library can be opened.
    if !unsafe { sys::is_culib_present() } {
        return Err("libcuda.so.1 (the CUDA driver library) is not present".into());
    }
    result::init().map_err(|e| format!("cuInit: {e:?}"))?;
    let mut version = 0i32;
    // SAFETY: cuDriverGetVersion writes one int.
    unsafe { sys::cuDriverGetVersion(&mut version).result() }
        .map_err(|e| format!("cuDriverGetVersion: {e:?}"))?;
    let count = result::device::get_count().map_err(|e| format!("cuDeviceGetCount: {e:?}"))?;
    let mut devices = Vec::new();
    for ordinal in 0..count {
        let dev =
            result::device::get(ordinal).map_err(|e| format!("cuDeviceGet({ordinal}): {e:?}"))?;
        // SAFETY: `dev` came from cuDeviceGet.
        let (major, minor) = unsafe {
            (
                result::device::get_attribute(
                    dev,
                    sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
                ),
                result::device::get_attribute(
                    dev,
                    sys::CUdevice_attribute::CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
                ),
            )
        };
        let (major, minor) = (
            major.map_err(|e| format!("{e:?}"))?,
            minor.map_err(|e| format!("{e:?}"))?,
        );
        devices.push(format!("{major}.{minor}"));
    }
    Ok(CudaDriver {
        version: format!("{}.{}", version / 1000, (version % 1000) / 10),
        devices,
    })
}
