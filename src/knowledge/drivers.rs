//! Minimum Linux driver for each CUDA toolkit family (minor-version compatibility).
//!
//! Source for every row: CUDA 13.1 release notes, Table 3 "CUDA Toolkit and Corresponding
//! Driver Versions" and the minor-version compatibility table on the same page
//! (<https://docs.nvidia.com/cuda/archive/13.1.0/cuda-toolkit-release-notes/index.html>).

use crate::version::Version;

const RELEASE_NOTES: &str = "CUDA 13.1 release notes, Table 3 and minor-version compatibility";

pub struct DriverMinimum {
    /// Toolkit version prefix this row covers (`12` covers 12.x; `10.2` only 10.2).
    pub cuda: &'static str,
    pub linux: &'static str,
    pub windows: &'static str,
    pub source: &'static str,
}

#[rustfmt::skip]
pub const DRIVER_MINIMUMS: &[DriverMinimum] = &[
    DriverMinimum { cuda: "13",   linux: "580.65.06", windows: "N/A",    source: RELEASE_NOTES },
    DriverMinimum { cuda: "12",   linux: "525.60.13", windows: "527.41", source: RELEASE_NOTES },
    DriverMinimum { cuda: "11",   linux: "450.80.02", windows: "452.39", source: RELEASE_NOTES },
    DriverMinimum { cuda: "10.2", linux: "440.33",    windows: "441.22", source: RELEASE_NOTES },
    DriverMinimum { cuda: "10.1", linux: "418.39",    windows: "418.96", source: RELEASE_NOTES },
    DriverMinimum { cuda: "10.0", linux: "410.48",    windows: "411.31", source: RELEASE_NOTES },
    DriverMinimum { cuda: "9.2",  linux: "396.26",    windows: "397.44", source: RELEASE_NOTES },
    DriverMinimum { cuda: "9.1",  linux: "390.46",    windows: "391.29", source: RELEASE_NOTES },
    DriverMinimum { cuda: "9.0",  linux: "384.81",    windows: "385.54", source: RELEASE_NOTES },
    DriverMinimum { cuda: "8.0",  linux: "367.48",    windows: "369.30", source: RELEASE_NOTES },
];

/// The row for a CUDA version: a major-only row (`12`) covers every minor.
pub fn minimum_for(cuda: &Version) -> Option<&'static DriverMinimum> {
    DRIVER_MINIMUMS.iter().find(|row| {
        let Some(row_version) = Version::parse(row.cuda) else {
            return false;
        };
        if row.cuda.contains('.') {
            row_version.major() == cuda.major() && row_version.minor() == cuda.minor()
        } else {
            row_version.major() == cuda.major()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_rows_cover_minors() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(minimum_for(&v("12.8")).unwrap().linux, "525.60.13");
        assert_eq!(minimum_for(&v("13.0")).unwrap().linux, "580.65.06");
        assert_eq!(minimum_for(&v("10.2")).unwrap().linux, "440.33");
        assert!(minimum_for(&v("7.5")).is_none());
    }
}
