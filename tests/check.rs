//! `cvdoctor check` end to end: fixture filesystems through `--root` (built here from real
//! CUDA binaries), a real virtualenv with opencv-python-headless (CI provides it), and hostile
//! pythons and build directories.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::{FATBIN_FIXTURES as FIXTURES, cvdoctor, install_cv2, rules_of, site_packages};

/// `check --format json` with `args`; every call also checks the round trip (below).
fn check(args: &[&str]) -> (i32, serde_json::Value, String) {
    let out = cvdoctor(&[&["--format", "json", "check"], args].concat());
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
    assert_round_trip(args, &doc);
    (
        out.status.code().unwrap_or(-1),
        doc,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// What a finding says, for comparing runs.
fn said(findings: &serde_json::Value) -> Vec<[String; 4]> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| ["rule", "category", "title", "fix"].map(|k| f[k].as_str().unwrap().to_string()))
        .collect()
}

/// Round trip: `triage` judges the facts of check's JSON output and of the `report` bundle
/// (made with the same arguments) again, and finds what `check` found on that machine: the
/// same findings with the same fixes, and with redaction the same rules in the same order.
fn assert_round_trip(args: &[&str], check_doc: &serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let check_json = dir.path().join("check.json");
    std::fs::write(&check_json, serde_json::to_vec(check_doc).unwrap()).unwrap();
    let bundle = dir.path().join("bundle.md");
    let redacted = dir.path().join("redacted.md");
    for (file, extra) in [(&bundle, &["--no-redact"][..]), (&redacted, &[][..])] {
        let path = file.display().to_string();
        let out = cvdoctor(&[&["report"], args, extra, &["-o", &path]].concat());
        assert!(matches!(out.status.code(), Some(0 | 1)), "report {args:?}");
    }
    let paths: Vec<String> = [&check_json, &bundle, &redacted]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let out = cvdoctor(&[&["--format", "json", "triage"], &paths[..]].concat());
    let triaged: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = triaged["reports"].as_array().unwrap();
    let expected = said(&check_doc["findings"]);
    for (report, kind) in reports.iter().zip(["check-json", "bundle"]) {
        assert_eq!(report["kind"], kind);
        assert!(report.get("note").is_none(), "{report}");
        assert_eq!(
            said(&report["findings"]),
            expected,
            "{kind} of check {args:?}"
        );
    }
    let rules = |v: &[[String; 4]]| v.iter().map(|f| f[0].clone()).collect::<Vec<_>>();
    assert_eq!(
        rules(&said(&reports[2]["findings"])),
        rules(&expected),
        "redacted bundle of check {args:?}"
    );
}

/// The finding of `rule`; fails the test with the rules that did fire.
fn finding<'a>(doc: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {:?}", rules_of(doc)))
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
    let site = site_packages(root.path());
    (root, site)
}

fn root_arg(root: &Path) -> String {
    root.display().to_string()
}

/// A cuDNN header `ROOT/DIR/NAME` (`cudnn_version.h`, or `cudnn.h` before cuDNN 8) of `version`.
fn cudnn_header(root: &Path, dir: &str, name: &str, version: (u32, u32, u32)) -> PathBuf {
    let include = root.join(dir);
    std::fs::create_dir_all(&include).unwrap();
    let (major, minor, patch) = version;
    let header = include.join(name);
    std::fs::write(
        &header,
        format!("#define CUDNN_MAJOR {major}\n#define CUDNN_MINOR {minor}\n#define CUDNN_PATCHLEVEL {patch}\n"),
    )
    .unwrap();
    header
}

#[test]
fn source_build_without_code_for_the_gpu() {
    // A statically linked cv2 that holds sm_80 SASS only, judged for an H100 (9.0).
    let (root, site) = image();
    install_cv2(&site, "fatbin-h100/libsm80.so");
    let (code, doc, _) = check(&["--root", &root_arg(root.path()), "--gpu", "9.0"]);
    assert_eq!(code, 1);
    assert_eq!(doc["facts"]["cv2"]["origin"], "source build");
    let rules = rules_of(&doc);
    assert!(rules.contains(&"CVD111".to_string()), "{rules:?}");
    let fix = finding(&doc, "CVD111")["fix"].as_str().unwrap();
    assert!(fix.contains("CUDA_ARCH_BIN=9.0"), "{fix}");
    assert!(
        fix.contains("OPENCV_EXTRA_MODULES_PATH=$HOME/opencv_contrib/modules"),
        "{fix}"
    );

    // With the machine's cuDNN and a build directory, the rebuild command uses their paths.
    cudnn_header(
        root.path(),
        "usr/include/x86_64-linux-gnu",
        "cudnn_version.h",
        (9, 1, 0),
    );
    let lib = root.path().join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::write(lib.join("libcudnn.so.9.1.0"), "").unwrap();
    let sources = tempfile::tempdir().unwrap();
    let contrib = sources.path().join("opencv_contrib-4.8.0/modules");
    std::fs::create_dir_all(&contrib).unwrap();
    let build = opencv_sources(
        sources.path(),
        "4.8.0",
        &format!("OPENCV_EXTRA_MODULES_PATH:PATH={}\n", contrib.display()),
    );
    let (_, doc, _) = check(&[
        "--root",
        &root_arg(root.path()),
        "--gpu",
        "9.0",
        "--build-dir",
        &build.display().to_string(),
    ]);
    let fix = finding(&doc, "CVD111")["fix"].as_str().unwrap().to_string();
    for expected in [
        format!("cd {}", sources.path().join("opencv").display()),
        format!("OPENCV_EXTRA_MODULES_PATH={}", contrib.display()),
        "CUDNN_INCLUDE_DIR=/usr/include/x86_64-linux-gnu".to_string(),
        "CUDNN_LIBRARY=/usr/lib/x86_64-linux-gnu/libcudnn.so.9.1.0".to_string(),
    ] {
        assert!(fix.contains(&expected), "{expected} in {fix}");
    }
    // A machine with an RTX 3080 (8.6, which the sm_80 code serves) and an H100: the rebuild
    // keeps both.
    let (_, doc, _) = check(&[
        "--root",
        &root_arg(root.path()),
        "--gpu",
        "8.6",
        "--gpu",
        "9.0",
    ]);
    let fix = finding(&doc, "CVD111")["fix"].as_str().unwrap().to_string();
    assert!(
        fix.contains("CUDA_ARCH_BIN=8.6 9.0") && fix.contains("CUDA_ARCH_BIN=\"8.6 9.0\""),
        "{fix}"
    );
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

/// A `cv2` package as pip lays it out in `site` (an sm_86 module), with these dist-info folders.
fn wheel_package(site: &Path, dist_infos: &[&str]) {
    std::fs::create_dir_all(site.join("cv2")).unwrap();
    std::fs::write(site.join("cv2/__init__.py"), "").unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("libsm86.so"),
        site.join("cv2/cv2.abi3.so"),
    )
    .unwrap();
    for info in dist_infos {
        std::fs::create_dir_all(site.join(info)).unwrap();
    }
}

#[test]
fn pip_wheel_shadowing_a_source_build() {
    let (root, site) = image();
    // pip's wheel in /usr/local/... (first on the path) ...
    wheel_package(&site, &["opencv_python-4.10.0.84.dist-info"]);
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
    let f = finding(&doc, "CVD802");
    assert_eq!(f["category"], "opencv-built-without-cuda");
    assert!(
        f["fix"].as_str().unwrap().contains("hidden"),
        "{}",
        f["fix"]
    );
}

#[test]
fn several_opencv_wheels_in_one_site_packages() {
    // ComfyUI's pattern: two tools each installed their own OpenCV wheel into one Python.
    let (root, site) = image();
    wheel_package(
        &site,
        &[
            "opencv_python-4.7.0.72.dist-info",
            "opencv_contrib_python-4.9.0.80.dist-info",
        ],
    );
    let (code, doc, _) = check(&["--root", &root_arg(root.path())]);
    assert_eq!(code, 1);
    let f = finding(&doc, "CVD820");
    assert_eq!(f["category"], "mixed-or-stale-install");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains("opencv-contrib-python 4.9.0.80, opencv-python 4.7.0.72"),
        "{fix}"
    );
    // One wheel alone is not an overlap.
    std::fs::remove_dir_all(site.join("opencv_contrib_python-4.9.0.80.dist-info")).unwrap();
    let (_, doc, _) = check(&["--root", &root_arg(root.path())]);
    assert!(!rules_of(&doc).contains(&"CVD820".to_string()), "{doc}");
}

#[test]
fn library_missing_from_the_loader_path_and_then_present() {
    let (root, site) = image();
    install_cv2(&site, "fatbin-h100/libsm90.so");
    let (_, doc, _) = check(&["--root", &root_arg(root.path())]);
    let f = finding(&doc, "CVD511");
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
    cudnn_header(root.path(), "usr/include", "cudnn_version.h", (9, 1, 0));
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

/// `DIR/opencv` sources of OpenCV `version` (its version.hpp) with a configured `build` folder
/// (a Makefile and a CMakeCache.txt holding `cache_lines` after CMAKE_HOME_DIRECTORY).
fn opencv_sources(dir: &Path, version: &str, cache_lines: &str) -> PathBuf {
    let hpp = dir.join("opencv/modules/core/include/opencv2/core");
    std::fs::create_dir_all(&hpp).unwrap();
    let parts: Vec<&str> = version.split('.').collect();
    std::fs::write(
        hpp.join("version.hpp"),
        format!(
            "#define CV_VERSION_MAJOR    {}\n#define CV_VERSION_MINOR    {}\n#define CV_VERSION_REVISION {}\n",
            parts[0], parts[1], parts[2]
        ),
    )
    .unwrap();
    let build = dir.join("opencv/build");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(build.join("Makefile"), "").unwrap();
    std::fs::write(
        build.join("CMakeCache.txt"),
        format!(
            "CMAKE_HOME_DIRECTORY:INTERNAL={}\nWITH_CUDA:BOOL=ON\n{cache_lines}",
            dir.join("opencv").display()
        ),
    )
    .unwrap();
    build
}

#[test]
fn build_directory_with_contrib_of_another_release() {
    // opencv 4.8.0 (version.hpp) next to a contrib clone left on its default branch, 5.x.
    let sources = tempfile::tempdir().unwrap();
    let contrib = sources.path().join("opencv_contrib");
    std::fs::create_dir_all(contrib.join("modules")).unwrap();
    std::fs::create_dir_all(contrib.join(".git")).unwrap();
    std::fs::write(contrib.join(".git/HEAD"), "ref: refs/heads/5.x\n").unwrap();
    let cache = |contrib_modules: &Path| {
        opencv_sources(
            sources.path(),
            "4.8.0",
            &format!(
                "OPENCV_EXTRA_MODULES_PATH:PATH={}\n",
                contrib_modules.display()
            ),
        )
    };
    let build = cache(&contrib.join("modules"));
    let (root, _) = image();
    let args = [
        "--root",
        &root_arg(root.path()),
        "--build-dir",
        &build.display().to_string(),
    ];
    let (_, doc, _) = check(&args);
    let f = finding(&doc, "CVD818");
    assert!(
        f["fix"]
            .as_str()
            .unwrap()
            .contains("4.8.0 (from version.hpp)"),
        "{}",
        f["fix"]
    );

    // The 4.8.0 release tarball of contrib matches.
    let tarball = sources.path().join("opencv_contrib-4.8.0/modules");
    std::fs::create_dir_all(&tarball).unwrap();
    cache(&tarball);
    let (_, doc, _) = check(&args);
    assert_eq!(
        doc["facts"]["build_dir"]["contrib_source"]["version"],
        "4.8.0"
    );
    assert!(!rules_of(&doc).contains(&"CVD818".to_string()));
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

    // --live imports that cv2 and runs a network with the CUDA backend: it cannot.
    let (code, doc, _) = check(&["--python", &python.display().to_string(), "--live"]);
    assert_eq!(code, 1);
    let live = &doc["facts"]["live"];
    assert_eq!(
        live["cv2_version"], doc["facts"]["cv2"]["version"],
        "{live}"
    );
    assert_eq!(live["cuda_targets"], serde_json::json!([]), "{live}");
    assert_ne!(live["outcome"], "passed", "{live}");
    let from_live: Vec<&serde_json::Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            f["evidence"]
                .as_array()
                .unwrap()
                .iter()
                .any(|h| h["source"] == "live run")
        })
        .collect();
    assert!(
        from_live
            .iter()
            .any(|f| f["category"] == "opencv-built-without-cuda"),
        "{from_live:?}"
    );
}

/// A wrapper around the real `python3`: the probe runs for real, the `--live` script gets `live`.
fn python_whose_live_run(dir: &Path, name: &str, live: &str) -> String {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!(
            "#!/bin/sh\ncase \"$2\" in *CVDOCTOR-LIVE*)\n{live}\n;; esac\nexec python3 \"$@\"\n"
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    path.display().to_string()
}

#[test]
fn live_run_errors_go_through_the_text_rules_with_the_machine_facts() {
    let dir = tempfile::tempdir().unwrap();
    // What OpenCV 4.5.3 printed on a Jetson AGX Xavier (opencv/opencv#20778), from net.forward().
    let python = python_whose_live_run(
        dir.path(),
        "python-with-wrong-arch",
        r#"echo 'CVDOCTOR-LIVE {"step": "import", "ok": true, "version": "4.5.3-dev"}'
echo 'CVDOCTOR-LIVE {"step": "cuda-targets", "targets": [6, 7]}'
echo 'CVDOCTOR-LIVE {"step": "cpu-forward", "ok": true}'
echo '--- cvdoctor: forward with DNN_BACKEND_CUDA, default engine ---' >&2
echo 'Traceback (most recent call last):' >&2
echo "cv2.error: OpenCV(4.5.3-dev) /home/nvidia/opencv/modules/dnn/src/cuda/execution.hpp:52: error: (-217:Gpu API call) invalid device function in function 'make_policy'" >&2
echo 'CVDOCTOR-LIVE {"step": "cuda-forward", "engine": "default", "ok": false, "error": "invalid device function"}'
exit 5"#,
    );
    let (code, doc, _) = check(&["--python", &python, "--gpu", "Tesla V100", "--live"]);
    assert_eq!(code, 1);
    let live = &doc["facts"]["live"];
    assert_eq!(live["outcome"], "failed", "{live}");
    assert_eq!(live["failed_step"], "cuda-forward (default engine)");
    let top = &doc["findings"][0];
    assert_eq!(top["category"], "gpu-arch-not-in-build", "{top}");
    assert_eq!(top["evidence"][0]["source"], "live run");
    assert!(
        top["fix"].as_str().unwrap().contains("CUDA_ARCH_BIN=7.0"),
        "{}",
        top["fix"]
    );
    // Explained by a rule, so the generic live-test-failed is not reported.
    assert!(!rules_of(&doc).contains(&"CVD816".to_string()));
}

#[test]
fn live_run_that_hangs_or_crashes_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let hanging = python_whose_live_run(dir.path(), "python-hanging-in-cuda", "sleep 30");
    let started = std::time::Instant::now();
    let (_, doc, _) = check(&["--python", &hanging, "--live", "--live-timeout", "1"]);
    assert!(started.elapsed().as_secs() < 20);
    assert_eq!(doc["facts"]["live"]["outcome"], "timed-out");
    let live_failed = finding(&doc, "CVD816");
    assert!(
        live_failed["fix"]
            .as_str()
            .unwrap()
            .contains("no answer within 1 s")
    );

    let crashing = python_whose_live_run(dir.path(), "python-segfaulting", "kill -SEGV $$");
    let (_, doc, _) = check(&["--python", &crashing, "--live"]);
    let live = &doc["facts"]["live"];
    assert_eq!(live["failed_step"], "python", "{live}");
    assert!(rules_of(&doc).contains(&"CVD816".to_string()));
}

#[test]
fn cudnn_at_run_time_older_than_the_build() {
    // fixtures/opencv-build: a cv2 built with cuDNN 8.9.7 that needs libcudnn.so.8 (build.sh).
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/opencv-build");
    let (root, site) = image();
    install_cv2(&site, "opencv-build/cv2-cudnn8.so");
    let lib = root.path().join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::copy(
        built.join("libcudnn-stub.so"),
        lib.join("libcudnn.so.8.2.4"),
    )
    .unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("libcudnn.so.8.2.4", lib.join("libcudnn.so.8")).unwrap();
    let (_, doc, _) = check(&["--root", &root_arg(root.path()), "--gpu", "8.6"]);
    let f = finding(&doc, "CVD817");
    assert_eq!(f["category"], "cudnn-version-mismatch");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains("cuDNN 8.9.7") && fix.contains("libcudnn.so.8.2.4"),
        "{fix}"
    );

    // A newer minor of the same major is what NVIDIA and OpenCV accept.
    std::fs::remove_file(lib.join("libcudnn.so.8")).unwrap();
    std::fs::rename(lib.join("libcudnn.so.8.2.4"), lib.join("libcudnn.so.8.9.7")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("libcudnn.so.8.9.7", lib.join("libcudnn.so.8")).unwrap();
    let (_, doc, _) = check(&["--root", &root_arg(root.path()), "--gpu", "8.6"]);
    assert!(
        !rules_of(&doc).contains(&"CVD817".to_string()),
        "{:?}",
        rules_of(&doc)
    );
}

#[test]
#[cfg(unix)]
fn symlink_loops_in_site_packages_and_the_library_path() {
    let (root, site) = image();
    // cv2 -> cv2 (a folder link to itself) and a .so pair pointing at each other.
    std::os::unix::fs::symlink("cv2", site.join("cv2")).unwrap();
    std::os::unix::fs::symlink("cv2.b.so", site.join("cv2.cpython-312-x86_64-linux-gnu.so"))
        .unwrap();
    std::os::unix::fs::symlink("cv2.cpython-312-x86_64-linux-gnu.so", site.join("cv2.b.so"))
        .unwrap();
    let lib = root.path().join("usr/lib/x86_64-linux-gnu");
    std::fs::create_dir_all(&lib).unwrap();
    std::os::unix::fs::symlink("libcudnn.so.9", lib.join("libcudnn.so.9.1.0")).unwrap();
    std::os::unix::fs::symlink("libcudnn.so.9.1.0", lib.join("libcudnn.so.9")).unwrap();
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["check", "--root", &root_arg(root.path())])
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    assert!(started.elapsed().as_secs() < 20);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{stdout}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    // The looping cv2 is not importable, and is said so.
    assert!(stdout.contains("cv2"), "{stdout}");
    let (_, doc, _) = check(&["--root", &root_arg(root.path())]);
    let links = doc["facts"]["cv2"]["candidates"].to_string();
    assert!(links.contains("(a symlink loop)"), "{links}");
    assert!(
        rules_of(&doc).contains(&"CVD803".to_string()),
        "{:?}",
        rules_of(&doc)
    );
    // The looping libcudnn is neither a copy with a version nor a crash.
    assert!(
        !doc["facts"]["cudnn"].to_string().contains("9.1.0"),
        "{}",
        doc["facts"]["cudnn"]
    );
}

#[test]
fn build_directory_with_sources_older_than_the_toolkit() {
    // OpenCV 4.5.5 sources with CUDA 12.1 installed: texture references are gone (needs 4.7.0).
    let sources = tempfile::tempdir().unwrap();
    let build = opencv_sources(sources.path(), "4.5.5", "");
    let (root, _) = image();
    let cuda = root.path().join("usr/local/cuda-12.1");
    std::fs::create_dir_all(&cuda).unwrap();
    std::fs::write(
        cuda.join("version.json"),
        r#"{"cuda": {"name": "CUDA SDK", "version": "12.1.1"}}"#,
    )
    .unwrap();
    let args = [
        "--root",
        &root_arg(root.path()),
        "--build-dir",
        &build.display().to_string(),
    ];
    let (_, doc, _) = check(&args);
    let f = finding(&doc, "CVD819");
    assert_eq!(f["category"], "toolkit-incompatible-with-opencv");
    let fix = f["fix"].as_str().unwrap();
    assert!(
        fix.contains("OpenCV 4.5.5") && fix.contains("CUDA 12.1.1 needs OpenCV 4.7.0"),
        "{fix}"
    );
    // A cuDNN 7.4 next to them is too old for any OpenCV's cmake.
    let header = cudnn_header(root.path(), "usr/include", "cudnn.h", (7, 4, 2));
    let (_, doc, _) = check(&args);
    let fix = finding(&doc, "CVD819")["fix"].as_str().unwrap().to_string();
    assert!(fix.contains("cuDNN 7.4.2 is older than the 7.5"), "{fix}");
    std::fs::remove_file(&header).unwrap();
    // OpenCV 4.9.5 sources build with CUDA 12.
    opencv_sources(sources.path(), "4.9.5", "");
    let (_, doc, _) = check(&args);
    assert!(!rules_of(&doc).contains(&"CVD819".to_string()));
}

/// Runs cvdoctor as `nobody` when the tests run as root (CI containers), so that permissions
/// apply; as any other user it runs directly.
#[cfg(unix)]
fn check_unprivileged(args: &[&str]) -> Option<(serde_json::Value, String)> {
    use std::os::unix::fs::PermissionsExt;
    // A copy in a world-readable folder: the checkout may sit under a private home.
    let bin_dir = tempfile::tempdir().ok()?;
    let exe = bin_dir.path().join("cvdoctor");
    std::fs::copy(env!("CARGO_BIN_EXE_cvdoctor"), &exe).ok()?;
    std::fs::set_permissions(bin_dir.path(), std::fs::Permissions::from_mode(0o755)).ok()?;
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut command = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
            .arg(&exe);
        c
    } else {
        Command::new(&exe)
    };
    let out = command.args(args).env_remove("VIRTUAL_ENV").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let doc = serde_json::from_str(&text).ok()?;
    Some((doc, text))
}

#[test]
#[cfg(unix)]
fn unreadable_site_packages_and_build_directory_are_said_not_checked() {
    use std::os::unix::fs::PermissionsExt;
    let (root, site) = image();
    install_cv2(&site, "opencv-build/cv2-cudnn8.so");
    let build = tempfile::tempdir().unwrap();
    std::fs::write(build.path().join("CMakeCache.txt"), "WITH_CUDA:BOOL=ON\n").unwrap();
    let mode = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    mode(&site, 0o000).unwrap();
    mode(build.path(), 0o000).unwrap();
    // The unprivileged user must reach the folders to be refused by them.
    mode(root.path(), 0o755).unwrap();
    let root_s = root_arg(root.path());
    let build_s = build.path().display().to_string();
    let args = [
        "--format",
        "json",
        "check",
        "--root",
        &root_s,
        "--build-dir",
        &build_s,
    ];
    let result = check_unprivileged(&args);
    mode(&site, 0o755).unwrap();
    mode(build.path(), 0o755).unwrap();
    let Some((doc, text)) = result else {
        assert!(
            std::env::var_os("CI").is_none(),
            "setpriv is needed under CI"
        );
        return eprintln!("skipping: cannot run cvdoctor unprivileged here");
    };
    let unavailable = doc["facts"]["unavailable"].to_string();
    assert!(
        unavailable.contains("cv2 search") && unavailable.contains("Permission denied"),
        "{text}"
    );
    assert!(
        unavailable.contains("CMakeCache.txt: Permission denied"),
        "{text}"
    );
    // Not being able to look is not "no cv2".
    assert!(
        !rules_of(&doc).contains(&"CVD804".to_string()),
        "{:?}",
        rules_of(&doc)
    );
}
