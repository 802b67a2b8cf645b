//! The NVIDIA driver and GPUs through NVML (`libnvidia-ml.so.1`, loaded at run time by
//! nvml-wrapper; its absence is reported, not fatal).

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Gpu {
    pub index: u32,
    pub name: String,
    /// `(major, minor)`.
    pub compute_capability: (u32, u32),
    pub memory_mib: Option<u64>,
    pub pci_bus_id: Option<String>,
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
            memory_mib: device.memory_info().ok().map(|m| m.total >> 20),
            pci_bus_id: device.pci_info().ok().map(|p| p.bus_id),
        });
    }
    Ok(Driver {
        version,
        cuda_version,
        gpus,
    })
}

/// `/proc/driver/nvidia/version` (`NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04 ...`):
/// the driver version when NVML cannot be loaded.
pub fn proc_driver_version(root: &std::path::Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("proc/driver/nvidia/version")).ok()?;
    let line = text.lines().find(|l| l.starts_with("NVRM version:"))?;
    line.split_whitespace()
        .find(|w| {
            w.chars().filter(|c| *c == '.').count() >= 1
                && w.chars().next().is_some_and(|c| c.is_ascii_digit())
        })
        .map(str::to_string)
}

/// `CUDA_VISIBLE_DEVICES`: `None` shows every GPU; `Some(list)` only those indexes (an empty
/// or invalid value hides all, as the CUDA runtime does).
pub fn visible_devices() -> Option<Vec<u32>> {
    let value = std::env::var("CUDA_VISIBLE_DEVICES").ok()?;
    let mut out = Vec::new();
    for item in value.split(',').map(str::trim) {
        match item.parse::<u32>() {
            Ok(i) => out.push(i),
            Err(_) => break, // UUIDs and garbage: stop here, like the runtime
        }
    }
    Some(out)
}
