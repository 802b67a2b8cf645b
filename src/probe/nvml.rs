//! The NVIDIA driver and GPUs through NVML (`libnvidia-ml.so.1`, loaded at run time by
//! nvml-wrapper; its absence is reported, not fatal).

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Gpu {
    pub index: u32,
    pub name: String,
    /// `(major, minor)`.
    pub compute_capability: (u32, u32),
}

#[derive(Debug, Clone, Serialize)]
pub struct Driver {
    pub version: String,
    /// The newest CUDA the driver supports, as "13.0".
    pub cuda_version: String,
    pub gpus: Vec<Gpu>,
}

/// The driver and every GPU NVML reports, or why they could not be read.
pub fn probe() -> Result<Driver, String> {
    let nvml = nvml_wrapper::Nvml::init().map_err(|e| format!("NVML unavailable: {e}"))?;
    let version = nvml
        .sys_driver_version()
        .map_err(|e| format!("NVML driver version: {e}"))?;
    let cuda = nvml
        .sys_cuda_driver_version()
        .map_err(|e| format!("NVML CUDA version: {e}"))?;
    let cuda_version = format!(
        "{}.{}",
        nvml_wrapper::cuda_driver_version_major(cuda),
        nvml_wrapper::cuda_driver_version_minor(cuda)
    );
    let count = nvml
        .device_count()
        .map_err(|e| format!("NVML device count: {e}"))?;
    let mut gpus = Vec::new();
    for index in 0..count {
        let device = nvml
            .device_by_index(index)
            .map_err(|e| format!("NVML device {index}: {e}"))?;
        let cc = device
            .cuda_compute_capability()
            .map_err(|e| format!("NVML device {index} compute capability: {e}"))?;
        gpus.push(Gpu {
            index,
            name: device.name().unwrap_or_else(|_| format!("GPU {index}")),
            compute_capability: (cc.major.max(0) as u32, cc.minor.max(0) as u32),
        });
    }
    Ok(Driver {
        version,
        cuda_version,
        gpus,
    })
}
