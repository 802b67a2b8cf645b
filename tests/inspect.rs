//! `inspect` on real CUDA binaries: listings equal NVIDIA's cuobjdump, verdicts equal what
//! ran on an H100 (fixtures/fatbin-h100/truth.json), hostile files are handled.
//!
//! The cuobjdump oracle and the large NVIDIA libraries come from PyPI; `.ci/run` installs
//! them and sets `CUOBJDUMP` and `CVDOCTOR_REAL_LIBS`. Without them (a bare checkout) those
//! two tests say so and pass, except under CI, where they must be present.

use std::path::{Path, PathBuf};
use std::process::Command;

use cvdoctor::binary::fatbin::Kind;
use cvdoctor::binary::verdict::Outcome;
use cvdoctor::binary::{cuobjdump_listing, gpu_spec, inspect_file, inspect_source};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/fatbin-h100");

#[derive(serde::Deserialize)]
struct Truth {
    cubins: Vec<String>,
    ptx: Vec<String>,
    runs_on_h100_cc90: Option<bool>,
}

fn truth() -> Vec<(String, Truth)> {
    let text = std::fs::read_to_string(Path::new(FIXTURES).join("truth.json")).unwrap();
    let map: std::collections::BTreeMap<String, Truth> = serde_json::from_str(&text).unwrap();
    map.into_iter().collect()
}

#[test]
fn listings_match_the_recorded_cuobjdump_output() {
    for (name, truth) in truth() {
        let report = inspect_file(&Path::new(FIXTURES).join(&name), &[], None).unwrap();
        // cuobjdump drops the `f` of family cubins; cvdoctor keeps it.
        let cubins: Vec<String> = report
            .cubins
            .iter()
            .map(|a| a.trim_end_matches('f').to_string())
            .collect();
        assert_eq!(cubins, truth.cubins, "{name} cubins");
        assert_eq!(report.ptx, truth.ptx, "{name} ptx");
        assert!(report.problems.is_empty(), "{name}: {:?}", report.problems);
    }
}

#[test]
fn verdicts_match_what_ran_on_the_h100() {
    let h100 = [gpu_spec::parse("9.0").unwrap()];
    let mut checked = 0;
    for (name, truth) in truth() {
        let Some(ran) = truth.runs_on_h100_cc90 else {
            continue;
        };
        let report = inspect_file(&Path::new(FIXTURES).join(&name), &h100, None).unwrap();
        let verdict = &report.verdicts[0];
        assert_eq!(verdict.result == Outcome::Runs, ran, "{name}: {verdict:?}");
        if !ran {
            assert_eq!(
                verdict.failing_modules[0].kernels,
                ["add1(float*, int)"],
                "{name}"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 19, "every library that was run on the H100");
}

#[test]
fn family_and_arch_specific_suffixes_are_kept() {
    let report = inspect_file(&Path::new(FIXTURES).join("libsm100f.so"), &[], None).unwrap();
    assert_eq!(report.cubins, ["sm_100f", "sm_100f"]);
    let report = inspect_file(
        &Path::new(FIXTURES).join("libsm90a.so"),
        &[gpu_spec::parse("sm_90").unwrap()],
        None,
    )
    .unwrap();
    assert_eq!(report.cubins, ["sm_90a", "sm_90a"]);
    assert_eq!(report.verdicts[0].result, Outcome::Runs);
    let report = inspect_file(
        &Path::new(FIXTURES).join("libsm90a.so"),
        &[gpu_spec::parse("10.0").unwrap()],
        None,
    )
    .unwrap();
    assert_eq!(
        report.verdicts[0].result,
        Outcome::Fails,
        "sm_90a runs only on 9.0"
    );
}

#[test]
fn relfatbin_is_reported_separately() {
    let report = inspect_file(&Path::new(FIXTURES).join("librdc.so"), &[], None).unwrap();
    assert_eq!(report.cubins, ["sm_80", "sm_90"]);
    let rel = report.relfatbin.expect("librdc.so has __nv_relfatbin");
    assert_eq!(rel.cubins.len() + rel.ptx.len(), 2);
}

#[test]
fn ptx_needs_a_driver_that_knows_its_isa() {
    let h100 = [gpu_spec::parse("9.0").unwrap()];
    let old = cvdoctor::version::Version::parse("12.4").unwrap();
    let report = inspect_file(&Path::new(FIXTURES).join("libptx80.so"), &h100, Some(&old)).unwrap();
    assert_eq!(
        report.verdicts[0].result,
        Outcome::Fails,
        "PTX ISA 9.0 cannot be JIT-compiled by a 12.4 driver"
    );
    assert!(
        report.verdicts[0]
            .notes
            .iter()
            .any(|n| n.contains("needs a CUDA 13.0 driver")),
        "{:?}",
        report.verdicts[0].notes
    );
}

fn cuobjdump() -> Option<PathBuf> {
    let path = std::env::var_os("CUOBJDUMP").map(PathBuf::from)?;
    path.is_file().then_some(path)
}

fn required_in_ci(what: &str) {
    assert!(
        std::env::var_os("CI").is_none(),
        "{what} is required under CI (.ci/run installs it)"
    );
    eprintln!("skipping: {what} not available (set it as .ci/run does)");
}

fn assert_same_as_cuobjdump(tool: &Path, file: &Path) -> usize {
    let report = inspect_file(file, &[], None).unwrap();
    let mut lines = 0;
    for (flag, kind) in [("--list-elf", Kind::Cubin), ("--list-ptx", Kind::Ptx)] {
        let output = Command::new(tool).arg(flag).arg(file).output().unwrap();
        let theirs = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_string)
            .collect::<Vec<_>>();
        let ours = cuobjdump_listing(&report, kind);
        if theirs.is_empty() {
            assert!(
                ours.is_empty(),
                "{} {flag}: cuobjdump lists nothing",
                file.display()
            );
        } else {
            assert_eq!(ours, theirs, "{} {flag}", file.display());
        }
        lines += ours.len();
    }
    lines
}

#[test]
fn listings_equal_nvidias_cuobjdump_on_every_fixture() {
    let Some(tool) = cuobjdump() else {
        return required_in_ci("CUOBJDUMP");
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(FIXTURES)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "so" || e == "o"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 21, "20 libraries and one object file");
    for file in files {
        assert_same_as_cuobjdump(&tool, &file);
    }
}

#[test]
fn listings_equal_nvidias_cuobjdump_on_curand_and_cublaslt() {
    let (Some(tool), Some(dir)) = (cuobjdump(), std::env::var_os("CVDOCTOR_REAL_LIBS")) else {
        return required_in_ci("CUOBJDUMP and CVDOCTOR_REAL_LIBS");
    };
    let dir = PathBuf::from(dir);
    let curand = assert_same_as_cuobjdump(&tool, &dir.join("libcurand.so.10"));
    let cublas = assert_same_as_cuobjdump(&tool, &dir.join("libcublasLt.so.13"));
    eprintln!("identical listings: libcurand {curand} lines, libcublasLt {cublas} lines");
    assert!(curand > 0 && cublas > 5000);
}

#[test]
fn hostile_files_give_messages_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read(Path::new(FIXTURES).join("libmulti.so")).unwrap();
    // Every truncation point of the file, and a few corruptions.
    for cut in (0..good.len()).step_by(97) {
        let _ = inspect_source(
            &&good[..cut],
            Path::new("cut.so"),
            &[gpu_spec::parse("9.0").unwrap()],
            None,
        );
    }
    let mut seed = 1u64;
    for _ in 0..300 {
        let mut bad = good.clone();
        for _ in 0..8 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let at = (seed as usize) % bad.len();
            bad[at] = (seed >> 32) as u8;
        }
        let _ = inspect_source(
            &bad,
            Path::new("bad.so"),
            &[gpu_spec::parse("7.5").unwrap()],
            None,
        );
    }
    // Not ELF at all, and an empty file.
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "hello").unwrap();
    assert!(
        inspect_file(&text, &[], None)
            .unwrap_err()
            .to_string()
            .contains("not an ELF file")
    );
    let empty = dir.path().join("empty.so");
    std::fs::write(&empty, b"").unwrap();
    assert!(inspect_file(&empty, &[], None).is_err());
    // A truncated library keeps what it could read and says what it could not.
    let truncated = dir.path().join("truncated.so");
    std::fs::write(&truncated, &good[..good.len() / 2]).unwrap();
    let report = inspect_file(&truncated, &[], None).unwrap();
    assert!(!report.problems.is_empty());
}

#[test]
fn thirty_two_bit_and_big_endian_elf_are_read() {
    // Minimal ELF headers with no sections: parsed, reported, no CUDA code.
    let mut elf32 = vec![0u8; 52];
    elf32[..4].copy_from_slice(b"\x7fELF");
    elf32[4] = 1; // ELFCLASS32
    elf32[5] = 1; // little-endian
    elf32[6] = 1;
    elf32[16] = 3; // ET_DYN
    let report = inspect_source(&elf32, Path::new("x32.so"), &[], None).unwrap();
    assert!(
        report.format.starts_with("ELF32 little-endian"),
        "{}",
        report.format
    );
    let mut be64 = vec![0u8; 64];
    be64[..4].copy_from_slice(b"\x7fELF");
    be64[4] = 2; // ELFCLASS64
    be64[5] = 2; // big-endian
    be64[6] = 1;
    be64[17] = 2; // ET_EXEC, big-endian
    be64[52..54].copy_from_slice(&64u16.to_be_bytes());
    let report = inspect_source(&be64, Path::new("be.so"), &[], None).unwrap();
    assert!(
        report.format.starts_with("ELF64 big-endian executable"),
        "{}",
        report.format
    );
    assert!(!report.has_cuda_code());
}

#[test]
fn directories_symlink_loops_and_missing_paths() {
    let dir = tempfile::tempdir().unwrap();
    let sub = dir.path().join("lib");
    std::fs::create_dir(&sub).unwrap();
    std::fs::copy(
        Path::new(FIXTURES).join("libsm86.so"),
        sub.join("libsm86.so"),
    )
    .unwrap();
    std::fs::write(sub.join("README"), "not a binary").unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path(), sub.join("loop")).unwrap();
        std::os::unix::fs::symlink("self-link", sub.join("self-link")).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["--format", "json", "inspect", "-r"])
        .arg(dir.path())
        .arg(dir.path().join("missing.so"))
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let binaries = doc["binaries"].as_array().unwrap();
    assert_eq!(binaries.len(), 1, "{doc}");
    assert_eq!(binaries[0]["cubins"], serde_json::json!(["sm_86", "sm_86"]));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("missing.so"), "{stderr}");
    assert!(stderr.contains("symbolic link loop"), "{stderr}");
}

#[test]
fn loader_cache_reads_like_ldconfig() {
    let Ok(output) = Command::new("ldconfig").arg("-p").output() else {
        return eprintln!("skipping: no ldconfig here to compare with");
    };
    let Ok(bytes) = std::fs::read("/etc/ld.so.cache") else {
        return eprintln!("skipping: no /etc/ld.so.cache");
    };
    let ours: std::collections::BTreeSet<(String, String)> =
        cvdoctor::binary::ldcache::parse(&bytes)
            .unwrap()
            .into_iter()
            .map(|e| (e.name, e.path))
            .collect();
    // `\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1`
    let theirs: std::collections::BTreeSet<(String, String)> =
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|l| {
                let (left, path) = l.trim().split_once(" => ")?;
                Some((left.split(" (").next()?.to_string(), path.to_string()))
            })
            .collect();
    assert!(!theirs.is_empty());
    assert_eq!(ours, theirs);
}

#[test]
fn needed_libraries_resolve_through_origin_rpath_and_a_root() {
    use cvdoctor::binary::deps::{Dynamic, Resolver, Target};
    let x86_64 = Target {
        machine: 62,
        class: 2,
    }; // EM_X86_64, ELFCLASS64
    let dir = tempfile::tempdir().unwrap();
    let elf = Path::new(FIXTURES).join("libsm86.so");
    std::fs::create_dir_all(dir.path().join("app/deps")).unwrap();
    std::fs::copy(&elf, dir.path().join("app/deps/libfoo.so.1")).unwrap();
    std::fs::write(dir.path().join("app/deps/libtext.so.1"), "not an ELF").unwrap();
    let dynamic = Dynamic {
        needed: vec![],
        rpath: vec!["$ORIGIN/deps".into()],
        runpath: vec![],
        soname: None,
    };
    let resolver = Resolver::new(Some(dir.path()));
    let found = resolver.resolve("libfoo.so.1", &dir.path().join("app"), &dynamic, x86_64);
    assert_eq!(found.via.as_deref(), Some("rpath"));
    assert!(
        resolver
            .resolve("libtext.so.1", &dir.path().join("app"), &dynamic, x86_64)
            .path
            .is_none(),
        "not an ELF: the loader skips it"
    );
    // RUNPATH present: RPATH is ignored.
    let with_runpath = Dynamic {
        runpath: vec!["/nowhere".into()],
        ..dynamic.clone()
    };
    assert!(
        resolver
            .resolve(
                "libfoo.so.1",
                &dir.path().join("app"),
                &with_runpath,
                x86_64
            )
            .path
            .is_none()
    );
    // Default directories, looked up under the root.
    std::fs::create_dir_all(dir.path().join("usr/lib/x86_64-linux-gnu")).unwrap();
    std::fs::copy(
        &elf,
        dir.path().join("usr/lib/x86_64-linux-gnu/libcudart.so.13"),
    )
    .unwrap();
    let found = resolver.resolve(
        "libcudart.so.13",
        Path::new("/somewhere"),
        &Dynamic::default(),
        x86_64,
    );
    assert_eq!(found.via.as_deref(), Some("default"));
    assert!(
        found
            .path
            .unwrap()
            .starts_with(&dir.path().display().to_string())
    );
    // A 32-bit target does not take a 64-bit library.
    let x86 = Target {
        machine: 3,
        class: 1,
    };
    assert!(
        resolver
            .resolve("libcudart.so.13", Path::new("/"), &Dynamic::default(), x86)
            .path
            .is_none()
    );
}

#[test]
fn missing_libraries_become_a_library_not_found_finding() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["--format", "json", "inspect", "--root"])
        .arg(dir.path())
        .arg(Path::new(FIXTURES).join("libsm86.so"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let needed = doc["binaries"][0]["needed"].as_array().unwrap();
    assert!(
        needed.iter().all(|n| n["path"].is_null()),
        "an empty root has none of them"
    );
    assert_eq!(
        doc["binaries"][0]["cuda_libraries"],
        serde_json::json!(["CUDA runtime 13"])
    );
    assert_eq!(doc["findings"][0]["category"], "library-not-found");
    assert!(
        doc["findings"][0]["fix"]
            .as_str()
            .unwrap()
            .contains("libcudart.so.13")
    );
}

#[test]
fn build_information_from_the_probe_log_text() {
    let log = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/text/probe-2026-11-26.log"
    ))
    .unwrap();
    let start = log.find("General configuration for OpenCV").unwrap();
    let build = cvdoctor::binary::buildinfo::parse(&log[start..]);
    assert_eq!(build.version, "5.0.0");
    assert!(
        !build.cuda && !build.cudnn,
        "the pip wheel on the H100 machine has neither"
    );
    assert_eq!(
        build.python_interpreter.as_deref(),
        Some("/opt/python/cp39-cp39/bin/python3.9")
    );
    assert!(build.modules.contains(&"dnn".to_string()));
}

#[test]
fn build_information_from_a_real_opencv_python_headless_wheel() {
    let Some(dir) = std::env::var_os("CVDOCTOR_REAL_LIBS") else {
        return required_in_ci("CVDOCTOR_REAL_LIBS");
    };
    let cv2 = PathBuf::from(dir).join("site-packages/cv2/cv2.abi3.so");
    if !cv2.is_file() {
        return required_in_ci("cv2.abi3.so from opencv-python-headless in CVDOCTOR_REAL_LIBS");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["--format", "json", "inspect"])
        .arg(&cv2)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let binary = &doc["binaries"][0];
    let build = &binary["opencv_build"];
    assert!(
        build["version"]
            .as_str()
            .unwrap()
            .starts_with(|c: char| c.is_ascii_digit()),
        "{build}"
    );
    assert_eq!(build["cuda"], false, "pip wheels are built without CUDA");
    assert!(
        binary["needed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !n["path"].is_null()),
        "the wheel's bundled libraries resolve through RPATH $ORIGIN: {}",
        binary["needed"]
    );
    let categories: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["category"].as_str().unwrap())
        .collect();
    assert!(
        categories.contains(&"opencv-built-without-cuda"),
        "{categories:?}"
    );
}

#[cfg(unix)]
#[test]
fn fifos_are_refused_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.so");
    if !Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success())
    {
        return eprintln!("skipping: mkfifo not available");
    }
    // Reading a FIFO with no writer would block forever; inspect must not open it.
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .arg("inspect")
        .arg(&fifo)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
}
