//! Versions spelled as `#define` lines in C headers (`CUDNN_MAJOR 9`, `CV_VERSION_MINOR 8`).

use std::io::Read;
use std::path::Path;

/// Headers are small; a larger file is read only this far.
const MAX_HEADER: u64 = 1 << 20;

/// `MAJOR.MINOR.PATCH` from three `#define NAME <digits>` lines; `patch_default` stands in
/// when the third is absent (None: it is required).
pub fn define_version(
    path: &Path,
    names: [&str; 3],
    patch_default: Option<&str>,
) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_HEADER).read_to_string(&mut text).ok()?;
    let value = |name: &str| -> Option<String> {
        text.lines().find_map(|l| {
            let mut words = l.split_whitespace();
            (words.next() == Some("#define") && words.next() == Some(name))
                .then(|| {
                    words
                        .next()
                        .filter(|v| v.bytes().all(|b| b.is_ascii_digit()))
                })
                .flatten()
                .map(str::to_string)
        })
    };
    let patch = value(names[2]).or_else(|| patch_default.map(str::to_string))?;
    Some(format!("{}.{}.{patch}", value(names[0])?, value(names[1])?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cudnn_and_opencv_headers() {
        let dir = tempfile::tempdir().unwrap();
        let cudnn = dir.path().join("cudnn_version.h");
        std::fs::write(&cudnn, "#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 14\n#define CUDNN_PATCHLEVEL 0\n#define CUDNN_VERSION (CUDNN_MAJOR * 10000)\n").unwrap();
        let names = ["CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"];
        assert_eq!(
            define_version(&cudnn, names, Some("0")).as_deref(),
            Some("9.14.0")
        );
        let opencv = dir.path().join("version.hpp");
        std::fs::write(
            &opencv,
            "#define CV_VERSION_MAJOR    4\n#define CV_VERSION_MINOR    8\n",
        )
        .unwrap();
        let names = [
            "CV_VERSION_MAJOR",
            "CV_VERSION_MINOR",
            "CV_VERSION_REVISION",
        ];
        assert_eq!(define_version(&opencv, names, None), None);
        assert_eq!(
            define_version(&opencv, names, Some("0")).as_deref(),
            Some("4.8.0")
        );
    }
}
