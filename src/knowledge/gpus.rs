//! GPU product names → compute capability.
//!
//! Rows are matched against pasted text (`Tesla V100-SXM2-16GB`, `GeForce RTX 3080 Laptop
//! GPU`, `Jetson Nano`), so each row carries a regex over the stable part of the marketing
//! name. More specific rows come first: the first row that matches a name wins.
//! Sources: NVIDIA's CUDA GPUs page (<https://developer.nvidia.com/cuda-gpus>), OpenCV's
//! `cmake/OpenCVDetectCUDAUtils.cmake` comment for Jetson boards, and the H100 measured here.

const NVIDIA_PAGE: &str = "https://developer.nvidia.com/cuda-gpus";
const OPENCV_JETSON: &str = "opencv/opencv cmake/OpenCVDetectCUDAUtils.cmake: TX1 (5.3) TX2 (6.2) Xavier (7.2) Orin (8.7) Thor (11.0) Spark (12.1)";
const MEASURED_H100: &str =
    "measured: nvidia-smi --query-gpu=compute_cap on an H100 80GB HBM3, 2026-11-26";

pub struct GpuRow {
    /// Regex (case-insensitive) over the product name as nvidia-smi or users write it.
    pub pattern: &'static str,
    /// A short family label for messages.
    pub family: &'static str,
    pub compute_capability: &'static str,
    pub source: &'static str,
}

macro_rules! row {
    ($pattern:literal, $family:literal, $cc:literal, $source:expr) => {
        GpuRow {
            pattern: $pattern,
            family: $family,
            compute_capability: $cc,
            source: $source,
        }
    };
}

#[rustfmt::skip]
pub const GPUS: &[GpuRow] = &[
    // Embedded boards first: their names contain no model number.
    row!(r"Jetson[\s_-]*(?:Nano|TX1)",                       "Jetson Nano/TX1 (Maxwell)", "5.3", OPENCV_JETSON),
    row!(r"Jetson[\s_-]*TX2",                                "Jetson TX2 (Pascal)",       "6.2", OPENCV_JETSON),
    row!(r"(?:Jetson|AGX)[\s_-]*(?:AGX[\s_-]*)?Xavier|Xavier[\s_-]*NX", "Jetson Xavier (Volta)", "7.2", OPENCV_JETSON),
    row!(r"(?:Jetson|AGX)[\s_-]*(?:AGX[\s_-]*)?Orin|Orin[\s_-]*(?:NX|Nano)", "Jetson Orin (Ampere)", "8.7", OPENCV_JETSON),
    row!(r"Jetson[\s_-]*(?:AGX[\s_-]*)?Thor",                "Jetson Thor (Blackwell)",   "11.0", OPENCV_JETSON),
    row!(r"DGX[\s_-]*Spark|\bGB10\b",                        "DGX Spark (Blackwell)",     "12.1", OPENCV_JETSON),
    // Workstation names that reuse GeForce-like numbers: before the GeForce rows.
    row!(r"RTX\s*PRO\s*\d{4}\b[^\n]{0,20}?Blackwell|RTX\s*PRO\s*\d{4}", "RTX PRO Blackwell", "12.0", NVIDIA_PAGE),
    row!(r"RTX\s*[2-6]000E?\s*(?:SFF\s*)?Ada",                "RTX Ada workstation",       "8.9", NVIDIA_PAGE),
    row!(r"RTX\s*A(?:[1-6][05]00|[45]00)\b",                   "RTX A-series (Ampere)",     "8.6", NVIDIA_PAGE),
    row!(r"Quadro\s*RTX\s*[3-8]000|TITAN\s*RTX",             "Quadro RTX / Titan RTX (Turing)", "7.5", NVIDIA_PAGE),
    // Data center.
    row!(r"\bK(?:20|40)[mcx]?\b",                            "Tesla K20/K40 (Kepler)",    "3.5", NVIDIA_PAGE),
    row!(r"\bK80\b",                                         "Tesla K80 (Kepler)",        "3.7", NVIDIA_PAGE),
    row!(r"\bM(?:40|60)\b",                                  "Tesla M40/M60 (Maxwell)",   "5.2", NVIDIA_PAGE),
    row!(r"\bP100\b|\bGP100\b",                              "Tesla P100 (Pascal)",       "6.0", NVIDIA_PAGE),
    row!(r"Tesla\s*P(?:4|40)\b",                             "Tesla P4/P40 (Pascal)",     "6.1", NVIDIA_PAGE),
    row!(r"\bG?V100S?\b|TITAN\s*V\b",                        "V100 / Titan V (Volta)",    "7.0", NVIDIA_PAGE),
    row!(r"(?:Tesla|NVIDIA)\s+T4\b",                         "Tesla T4 (Turing)",         "7.5", NVIDIA_PAGE),
    row!(r"\bA(?:100|30|800)\b",                             "A100/A30 (Ampere)",         "8.0", NVIDIA_PAGE),
    row!(r"\bA10G?\b|\bA(?:16|40)\b|NVIDIA\s+A2\b",          "A10/A16/A40/A2 (Ampere)",   "8.6", NVIDIA_PAGE),
    row!(r"NVIDIA\s+L4\b|\bL40S?\b|\bL20\b",                 "L4/L40 (Ada)",              "8.9", NVIDIA_PAGE),
    row!(r"\bG?H(?:100|200|800|20)\b",                       "H100/H200 (Hopper)",        "9.0", MEASURED_H100),
    row!(r"\bG?B(?:200|100)\b",                              "B200 (Blackwell)",          "10.0", NVIDIA_PAGE),
    row!(r"\bG?B300\b",                                      "B300 (Blackwell Ultra)",    "10.3", NVIDIA_PAGE),
    // GeForce and Titan.
    row!(r"GTX\s*6[5-9]0(?:\s*Ti)?|GTX\s*7[67]0(?:\s*Ti)?",   "GTX 650-690 / 760-770 (Kepler)", "3.0", NVIDIA_PAGE),
    row!(r"GTX\s*TITAN\b(?:\s*Black)?|GTX\s*78\d",           "GTX 780 / GTX Titan (Kepler)", "3.5", NVIDIA_PAGE),
    row!(r"GTX\s*7[45]\d(?:\s*Ti)?",                         "GTX 745/750 (Maxwell)",     "5.0", NVIDIA_PAGE),
    // Laptop and workstation Maxwell parts on the first-generation chip (GM107/GM108): before
    // the desktop GTX 9xx row, whose numbers they share.
    row!(r"GTX\s*9[56]0M\b|GeForce\s*9[34][05]MX?\b|GeForce\s*920MX\b|Quadro\s*(?:M1200|M1000M|K(?:620|1200|2200))\b", "Maxwell GM107/GM108 (laptop, Quadro)", "5.0", NVIDIA_PAGE),
    row!(r"Quadro\s*M(?:[4-6]000|2000)\b",                  "Quadro M2000-M6000 (Maxwell)", "5.2", NVIDIA_PAGE),
    row!(r"GTX\s*9[5-8]\d(?:\s*Ti)?|TITAN\s*X\s*\(?Maxwell", "GTX 9xx (Maxwell)",         "5.2", NVIDIA_PAGE),
    row!(r"GTX\s*10[5-8]\d(?:\s*Ti)?|TITAN\s*Xp|TITAN\s*X\s*\(?Pascal|Quadro\s*P\d{3,4}\b", "GTX 10xx (Pascal)", "6.1", NVIDIA_PAGE),
    row!(r"GT\s*1030\b",                                     "GT 1030 (Pascal)",          "6.1", NVIDIA_PAGE),
    // Same compute capability, two chip lines: the GTX 16 series (TU116/TU117) has no tensor
    // cores, and FP16 misbehaves there (CVD153 reads this family label).
    row!(r"RTX\s*20[5-8]\d(?:\s*(?:Ti|Super))?|\b20[6-8]0\s*(?:Ti|Super)\b", "RTX 20xx (Turing)", "7.5", NVIDIA_PAGE),
    row!(r"GTX\s*16[3-6]\d(?:\s*(?:Ti|Super))?|\b16[56]0\s*(?:Ti|Super)\b", "GTX 16xx (Turing TU116/TU117)", "7.5", NVIDIA_PAGE),
    // Laptop MX chips: Maxwell, Pascal, Turing and Ampere under one brand.
    row!(r"\bMX\s*1[13]0\b",                                 "GeForce MX110/MX130 (Maxwell)", "5.0", NVIDIA_PAGE),
    row!(r"\bMX\s*(?:150|2[35]0|3[35]0)\b",                  "GeForce MX150-MX350 (Pascal)", "6.1", NVIDIA_PAGE),
    row!(r"\bMX\s*[45]50\b",                                 "GeForce MX450/MX550 (Turing)", "7.5", NVIDIA_PAGE),
    row!(r"\bMX\s*570\b",                                    "GeForce MX570 (Ampere)",    "8.6", NVIDIA_PAGE),
    row!(r"Quadro\s*T\d{3,4}\b|NVIDIA\s+T(?:400|500|550|600|1000|1200)\b", "Quadro T-series (Turing)", "7.5", NVIDIA_PAGE),
    row!(r"RTX\s*30[5-9]\d(?:\s*Ti)?|\b30[6-9]0\s*Ti\b",      "RTX 30xx (Ampere)",         "8.6", NVIDIA_PAGE),
    row!(r"RTX\s*40[5-9]\d(?:\s*(?:Ti|Super))?|\b40[6-8]0\s*(?:Ti|Super)\b", "RTX 40xx (Ada)",            "8.9", NVIDIA_PAGE),
    row!(r"RTX\s*50[5-9]\d(?:\s*Ti)?",                       "RTX 50xx (Blackwell)",      "12.0", NVIDIA_PAGE),
];

/// One regex that finds any known GPU name in text; group `gN` tells which row matched.
pub fn name_regex_source() -> String {
    let alternatives: Vec<String> = GPUS
        .iter()
        .enumerate()
        .map(|(i, row)| format!("(?P<g{i}>{})", row.pattern))
        .collect();
    format!("(?i)(?:{})", alternatives.join("|"))
}

/// The row that a product name resolves to, if any.
pub fn lookup(name: &str) -> Option<&'static GpuRow> {
    // Compiled once: every GPU name in every report comes through here.
    static NAMES: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = NAMES
        .get_or_init(|| regex::Regex::new(&name_regex_source()).ok())
        .as_ref()?;
    let caps = re.captures(name)?;
    (0..GPUS.len()).find_map(|i| caps.name(&format!("g{i}")).map(|_| &GPUS[i]))
}

#[cfg(test)]
mod tests {
    use super::lookup;

    #[test]
    fn resolves_names_as_nvidia_smi_and_users_write_them() {
        let cases = [
            ("Tesla V100-SXM2-16GB", "7.0"),
            ("NVIDIA GeForce RTX 3080 Laptop GPU", "8.6"),
            ("GeForce GTX 1080 Ti", "6.1"),
            ("NVIDIA H100 80GB HBM3", "9.0"),
            ("Jetson Nano", "5.3"),
            ("Jetson AGX Xavier", "7.2"),
            ("Jetson Orin Nano", "8.7"),
            ("Tesla T4", "7.5"),
            ("NVIDIA A100-SXM4-40GB", "8.0"),
            ("NVIDIA RTX A6000", "8.6"),
            ("NVIDIA RTX 6000 Ada Generation", "8.9"),
            ("Quadro RTX 6000", "7.5"),
            ("NVIDIA GeForce RTX 5070 Ti Laptop GPU", "12.0"),
            ("GeForce GTX 1650", "7.5"),
            // the model number alone, as users write it: "GPU: 2080Ti"
            ("2080Ti", "7.5"),
            ("a 3080 Ti", "8.6"),
            ("GeForce GTX 745", "5.0"),
            ("Tesla K80", "3.7"),
            ("NVIDIA L4", "8.9"),
            ("NVIDIA B200", "10.0"),
            ("GeForce MX150", "6.1"),
            ("NVIDIA GeForce MX450", "7.5"),
            ("GeForce GTX 660 Ti", "3.0"),
            ("GeForce GT 1030", "6.1"),
            ("Quadro T1000", "7.5"),
            ("Tesla V100S-PCIE-32GB", "7.0"),
            ("NVIDIA RTX 4000 SFF Ada Generation", "8.9"),
            ("NVIDIA RTX A500 Laptop GPU", "8.6"),
            ("NVIDIA RTX A4500", "8.6"),
            ("NVIDIA T500", "7.5"),
            // the laptop 960M is a GM107 (5.0), the desktop 960 a GM206 (5.2)
            ("NVIDIA GeForce GTX 960M", "5.0"),
            ("GeForce GTX 960", "5.2"),
            ("GeForce GTX 970M", "5.2"),
            ("NVIDIA GeForce 940MX", "5.0"),
            ("Quadro K2200", "5.0"),
            ("Quadro M4000", "5.2"),
        ];
        for (name, cc) in cases {
            let row = lookup(name).unwrap_or_else(|| panic!("no row for {name}"));
            assert_eq!(row.compute_capability, cc, "{name}");
        }
    }

    #[test]
    fn tells_the_gtx_16_series_from_the_rtx_20_series_at_the_same_cc() {
        for name in [
            "NVIDIA GeForce GTX 1660 Ti",
            "GeForce GTX 1650",
            "1660 Super",
        ] {
            let row = lookup(name).unwrap_or_else(|| panic!("no row for {name}"));
            assert!(row.family.starts_with("GTX 16"), "{name}: {}", row.family);
        }
        for name in ["GeForce RTX 2080 Ti", "2060 Super"] {
            let row = lookup(name).unwrap_or_else(|| panic!("no row for {name}"));
            assert!(row.family.starts_with("RTX 20"), "{name}: {}", row.family);
        }
    }

    #[test]
    fn ignores_look_alikes() {
        for text in [
            "L4T R32.4.3",
            "sha A1000x",
            "T4 was the fourth test",
            "libopencv_core.so.4.5",
            "MX-150 series mouse",
        ] {
            assert!(lookup(text).is_none(), "{text}");
        }
    }

    #[test]
    fn every_row_cites_a_source_and_has_a_valid_cc() {
        for row in super::GPUS {
            assert!(!row.source.is_empty());
            assert!(crate::version::Version::parse(row.compute_capability).is_some());
            assert!(regex::Regex::new(row.pattern).is_ok(), "{}", row.pattern);
        }
    }
}
