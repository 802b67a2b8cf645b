//! PTX ISA version → the oldest CUDA (driver) whose JIT compiler accepts it.
//! Source for every row: NVIDIA/cuda-python `cuda_bindings/cuda/bindings/utils/_ptx_utils.py`.

use crate::version::Version;

#[rustfmt::skip]
const PTX_ISA_TO_CUDA: &[((u16, u16), &str)] = &[
    ((4, 2), "7.0"), ((4, 3), "7.5"), ((5, 0), "8.0"),
    ((6, 0), "9.0"), ((6, 1), "9.1"), ((6, 2), "9.2"), ((6, 3), "10.0"), ((6, 4), "10.1"), ((6, 5), "10.2"),
    ((7, 0), "11.0"), ((7, 1), "11.1"), ((7, 2), "11.2"), ((7, 3), "11.3"), ((7, 4), "11.4"),
    ((7, 5), "11.5"), ((7, 6), "11.6"), ((7, 7), "11.7"), ((7, 8), "11.8"),
    ((8, 0), "12.0"), ((8, 1), "12.1"), ((8, 2), "12.2"), ((8, 3), "12.3"), ((8, 4), "12.4"),
    ((8, 5), "12.5"), ((8, 6), "12.7"), ((8, 7), "12.8"), ((8, 8), "12.9"),
    ((9, 0), "13.0"), ((9, 1), "13.1"),
];

/// The oldest CUDA driver version that can JIT this PTX ISA; `None` for ISAs newer than the
/// table (treated as needing a newer driver than any known).
pub fn min_cuda_for_ptx(isa: (u16, u16)) -> Option<Version> {
    PTX_ISA_TO_CUDA
        .iter()
        .find(|(i, _)| *i == isa)
        .and_then(|(_, cuda)| Version::parse(cuda))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_isas() {
        assert_eq!(min_cuda_for_ptx((9, 0)).unwrap().to_string(), "13.0");
        assert_eq!(min_cuda_for_ptx((8, 6)).unwrap().to_string(), "12.7");
        assert!(min_cuda_for_ptx((9, 9)).is_none());
    }
}
