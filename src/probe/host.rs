//! The machine's name, for `check` (fleets group their outputs by it) and for the redactor
//! (which must hide it).

/// The kernel's host name.
pub fn kernel_name() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
}

/// Every name this machine goes by here: `$CVDOCTOR_NODE` and the kernel's host name (read once).
pub fn all_names() -> Vec<String> {
    node_override().into_iter().chain(kernel_name()).collect()
}

fn node_override() -> Option<String> {
    std::env::var("CVDOCTOR_NODE")
        .ok()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
}

/// `$CVDOCTOR_NODE` (set it where the host name is not the node's, as in a Kubernetes pod),
/// else the kernel's host name.
pub fn node_name() -> Option<String> {
    node_override().or_else(kernel_name)
}
