//! Helpers shared by the integration tests (each test file that needs them says `mod common;`).
#![allow(dead_code)] // each test crate uses its own subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const FATBIN_FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fatbin-h100");

/// The cvdoctor binary with `args`, outside any virtualenv.
pub fn cvdoctor(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(args)
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap()
}

/// The folder `ROOT/usr/local/lib/python3.12/dist-packages` of a machine image, created.
pub fn site_packages(root: &Path) -> PathBuf {
    let site = root.join("usr/local/lib/python3.12/dist-packages");
    std::fs::create_dir_all(&site).unwrap();
    site
}

/// Installs `fixtures/FIXTURE` (`fatbin-h100/libsm80.so`) as the image's Python 3.12 cv2 module.
pub fn install_cv2(site: &Path, fixture: &str) {
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(fixture),
        site.join("cv2.cpython-312-x86_64-linux-gnu.so"),
    )
    .unwrap();
}

/// The rule ids of a `--format json` document, most likely first.
pub fn rules_of(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}
