//! `cvdoctor check` end to end: fixture filesystems through `--root` (built here from real
//! CUDA binaries), a real virtualenv with opencv-python-headless (CI provides it), and hostile
//! pythons and build directories.

use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fatbin-h100");

fn check(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["--format", "json", "check"])
        .args(args)
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rules_of(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

fn categories_of(doc: &serde_json::Value) -> Vec<String> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap().to_string())
        .collect()
}

/// An image with Python 3.12's site-packages.
fn image() -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("usr/local/lib/python3.12/dist-packages");
    std::fs::create_dir_all(&site).unwrap();
    (root, site)
}

fn root_arg(root: &Path) -> String {
    root.display().to_string()
}

#[test]
fn source_build_without_code_for_the_gpu() {
    // A statically linked cv2 that holds sm_80 SASS only, judged for an H100 (9.0).
    let (root, site) = image();
    std::fs::copy(
        Path::new(FIXTURES).join("libsm80.so"),
        site.join("cv2.cpython-312-x86_64-linux-gnu.so"),
    )
    .unwrap();
    let (code, doc, _) = check(&["--root", &root_arg(root.path()), "--gpu", "9.0"]);
    assert_eq!(code, 1);
    assert_eq!(doc["facts"]["cv2"]["origin"], "source build");
    let rules = rules_of(&doc);
    assert!(rules.contains(&"CVD111".to_string()), "{rules:?}");
    let fix = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CVD111")
        .unwrap()["fix"]
        .as_str()
        .unwrap();
    assert!(fix.contains("CUDA_ARCH_BIN=9.0"), "{fix}");
    // The same image judged for an A100 (8.0) has code for it.
    let (_, doc, _) = check(&["--root", &root_arg(root.path()), "--gpu", "A100"]);
    assert!(!rules_of(&doc).contains(&"CVD111".to_string()));
}

#[test]
fn dangling_cv2_symlink() {
    let (root, site) = image();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/usr/local/lib/python3.12/site-packages/cv2/python-3.12/cv2.cpython-312-x86_64-linux-gnu.so", site.join("cv2.so")).unwrap();
    let (code, doc, _) = check(&["--root", &root_arg(root.path())]);
    assert_eq!(code, 1);
    assert!(
        rules_of(&doc).contains(&"CVD803".to_string()),
        "{:?}",
        rules_of(&doc)
    );
    assert!(categories_of(&doc).contains(&"python-bindings-not-installed".to_string()));
}

#[test]
fn pip_wheel_shadowing_a_source_build() {
    let (root, site) = image();
    // pip's wheel in /usr/local/... (first on the path) ...
    std::fs::create_dir_all(site.join("cv2")).unwrap();
    std::fs::write(site.join("cv2/__init__.py"), "").unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("libsm86.so"),
        site.join("cv2/cv2.abi3.so"),
    )
    .unwrap();
    std::fs::create_dir_all(site.join("opencv_python-4.10.0.84.dist-info")).unwrap();
    // ... and the source build's package in /usr/lib/python3/dist-packages (later).
    let system = root
        .path()
        .join("usr/lib/python3.12/dist-packages/cv2/python-3.12");
    std::fs::create_dir_all(&system).unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("libsm90.so"),
        system.join("cv2.cpython-312-x86_64-linux-gnu.so"),
    )
    .unwrap();
    let (code, doc, _) = check(&["--root", &root_arg(root.path())]);
    assert_eq!(code, 1);
    assert_eq!(doc["facts"]["cv2"]["origin"], "pip opencv-python 4.10.0.84");
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CVD802")
        .expect("pip wheel finding");
    assert_eq!(f["category"], "opencv-built-without-cuda");
    assert!(
        f["fix"].as_str().unwrap().contains("hidden"),
        "{}",
        f["fix"]
    );
}

#[test]
fn library_missing_from_the_loader_path_and_then_present() {
    let (root, site) = image();
    std::fs::copy(
        Path::new(FIXTURES).join("libsm90.so"),
        site.join("cv2.cpython-312-x86_64-linux-gnu.so"),
    )
    .unwrap();
    let (_, doc, _) = check(&["--root", &root_arg(root.path())]);
    let f = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "CVD511")
        .expect("missing library finding");
    assert!(f["fix"].as_str().unwrap().contains("libcudart.so.13"));
    // ldconfig's work: the library in a default directory of the image.
    let lib = root.path().join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&lib).unwrap();
    for name in [
        "libcudart.so.13",
        "libstdc++.so.6",
        "libgcc_s.so.1",
        "libc.so.6",
    ] {
        std::fs::copy(Path::new(FIXTURES).join("libsm86.so"), lib.join(name)).unwrap();
    }
    let (_, doc, _) = check(&["--root", &root_arg(root.path())]);
    assert!(
        !rules_of(&doc).contains(&"CVD511".to_string()),
        "{:?}",
        rules_of(&doc)
    );
}

#[test]
fn two_cudnn_versions() {
    let (root, _) = image();
    let include = root.path().join("usr/include");
    std::fs::create_dir_all(&include).unwrap();
    std::fs::write(
        include.join("cudnn_version.h"),
        "#define CUDNN_MAJOR 9\n#define CUDNN_MINOR 1\n#define CUDNN_PATCHLEVEL 0\n",
    )
    .unwrap();
    let lib = root.path().join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(lib.join("libcudnn.so.8.9.7"), "").unwrap();
    let (_, doc, _) = check(&["--root", &root_arg(root.path())]);
    assert_eq!(
        doc["facts"]["cudnn"].as_array().unwrap().len(),
        2,
        "{}",
        doc["facts"]["cudnn"]
    );
    assert!(
        rules_of(&doc).contains(&"CVD806".to_string()),
        "{:?}",
        rules_of(&doc)
    );
}

#[test]
fn build_directory_with_a_tilde_contrib_path_and_no_makefile() {
    let (root, _) = image();
    let build = tempfile::tempdir().unwrap();
    std::fs::write(
        build.path().join("CMakeCache.txt"),
        "# This is the CMakeCache file.\n//Where contrib is\nOPENCV_EXTRA_MODULES_PATH:PATH=~/opencv_contrib/modules\nCUDA_ARCH_BIN:STRING=6.1\nCUDA_GENERATION:STRING=Pascal\nCUDNN_LIBRARY:FILEPATH=CUDNN_LIBRARY-NOTFOUND\nWITH_CUDA:BOOL=ON\n",
    )
    .unwrap();
    let (_, doc, _) = check(&[
        "--root",
        &root_arg(root.path()),
        "--build-dir",
        &build.path().display().to_string(),
    ]);
    let rules = rules_of(&doc);
    for expected in ["CVD809", "CVD810", "CVD812", "CVD813"] {
        assert!(
            rules.contains(&expected.to_string()),
            "{expected} in {rules:?}"
        );
    }
    assert_eq!(
        doc["facts"]["build_dir"]["variables"]["CUDA_ARCH_BIN"],
        "6.1"
    );
}

#[test]
fn garbage_cmake_cache_hanging_and_broken_pythons_are_reported() {
    let build = tempfile::tempdir().unwrap();
    std::fs::write(
        build.path().join("CMakeCache.txt"),
        b"\x00\xff garbage without entries\n",
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken-python");
    std::fs::write(
        &broken,
        "#!/bin/sh\necho 'Fatal Python error: init_fs_encoding' >&2\nexit 1\n",
    )
    .unwrap();
    let hanging = dir.path().join("hanging-python");
    std::fs::write(&hanging, "#!/bin/sh\nsleep 60\n").unwrap();
    #[cfg(unix)]
    for p in [&broken, &hanging] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let (_, doc, _) = check(&[
        "--python",
        &broken.display().to_string(),
        "--build-dir",
        &build.path().display().to_string(),
    ]);
    let unavailable = doc["facts"]["unavailable"].to_string();
    assert!(unavailable.contains("exited with"), "{unavailable}");
    assert!(
        unavailable.contains("no CMake cache entries"),
        "{unavailable}"
    );
    let started = std::time::Instant::now();
    let (_, doc, _) = check(&["--python", &hanging.display().to_string()]);
    assert!(started.elapsed().as_secs() < 30);
    assert!(doc["facts"]["unavailable"].to_string().contains("killed"));
}

#[test]
fn real_virtualenv_with_opencv_python_headless() {
    let Some(venv) = std::env::var_os("CVDOCTOR_TEST_VENV") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CVDOCTOR_TEST_VENV is required under CI (.ci/run creates it)"
        );
        return eprintln!("skipping: CVDOCTOR_TEST_VENV not set");
    };
    let python = Path::new(&venv).join("bin/python");
    let (code, doc, _) = check(&["--python", &python.display().to_string()]);
    assert_eq!(code, 1);
    let facts = &doc["facts"];
    assert_eq!(facts["cv2"]["cuda"], false, "{}", facts["cv2"]);
    assert!(
        facts["cv2"]["origin"]
            .as_str()
            .unwrap()
            .starts_with("pip opencv-python-headless")
    );
    assert!(
        facts["python"]["executable"]
            .as_str()
            .unwrap()
            .contains(&*venv.to_string_lossy())
    );
    let categories = categories_of(&doc);
    assert!(
        categories.contains(&"opencv-built-without-cuda".to_string()),
        "{categories:?}"
    );
    if facts["gpus"].as_array().unwrap().is_empty() {
        assert!(
            categories.contains(&"no-gpu-visible".to_string()),
            "{categories:?}"
        );
    }
}
