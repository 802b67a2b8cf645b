//! Facts read from real text captured on an H100 machine (fixtures/text/, from shared/device/).

use cvdoctor::diagnose::diagnose_text;
use cvdoctor::rules::load_rules;

#[test]
fn probe_log_gives_driver_gpu_and_opencv_facts() {
    let rules = load_rules(None).unwrap();
    let d = diagnose_text(
        &rules,
        include_str!("../fixtures/text/probe-2026-11-26.log"),
    );
    assert_eq!(d.facts.primary("driver.version"), Some("580.159.04"));
    assert_eq!(d.facts.primary("driver.cuda_version"), Some("13.0"));
    assert_eq!(d.facts.primary("gpu.name"), Some("NVIDIA H100 80GB HBM3"));
    assert_eq!(d.facts.primary("gpu.family"), Some("H100/H200 (Hopper)"));
    assert_eq!(d.facts.primary("gpu.cc"), Some("9.0"));
    assert_eq!(d.facts.primary("opencv.version"), Some("5.0.0"));
    assert_eq!(d.facts.primary("platform.os"), Some("linux"));
    // Its OpenCV is the pip wheel without CUDA: the build-information rule says so.
    assert!(
        d.findings.iter().any(|f| f.rule == "CVD318"),
        "{:?}",
        d.findings.iter().map(|f| &f.rule).collect::<Vec<_>>()
    );
}

#[test]
fn nvidia_smi_q_alone_gives_driver_cuda_and_gpu() {
    // Only the `nvidia-smi -q` part of the probe log (its table comes first in the file).
    let log = include_str!("../fixtures/text/probe-2026-11-26.log");
    let q = &log[log
        .find("==============NVSMI LOG")
        .expect("nvidia-smi -q in the log")..];
    let d = diagnose_text(&load_rules(None).unwrap(), q);
    assert_eq!(d.facts.primary("driver.version"), Some("580.159.04"));
    assert_eq!(d.facts.primary("driver.cuda_version"), Some("13.0"));
    assert_eq!(d.facts.primary("gpu.cc"), Some("9.0"));
}

#[test]
fn collect_env_gives_gpu_driver_and_cudnn() {
    let rules = load_rules(None).unwrap();
    let d = diagnose_text(&rules, include_str!("../fixtures/text/collect_env.txt"));
    assert_eq!(d.facts.primary("gpu.name"), Some("NVIDIA H100 80GB HBM3"));
    assert_eq!(d.facts.primary("driver.version"), Some("580.159.04"));
    assert_eq!(d.facts.primary("cudnn.version"), Some("9.14.0"));
    assert!(
        d.findings.is_empty(),
        "a healthy machine's report has no findings"
    );
}

#[test]
fn gpu_in_a_paste_fills_the_arch_in_the_fix() {
    let rules = load_rules(None).unwrap();
    for (gpu, arch) in [
        ("GeForce GTX 1080 Ti", "6.1"),
        ("Jetson Nano", "5.3"),
        ("NVIDIA A100-SXM4-40GB", "8.0"),
        ("Tesla T4", "7.5"),
    ] {
        let text = format!(
            "{gpu}\ncv2.error: OpenCV(4.5.0) error: (-217:Gpu API call) invalid device function in function 'make_policy'"
        );
        let d = diagnose_text(&rules, &text);
        assert!(
            d.findings[0].fix.contains(&format!("CUDA_ARCH_BIN={arch}")),
            "{gpu}: {}",
            d.findings[0].fix
        );
    }
}

/// Facts of `explain` on one real text from the H100 machine (fixtures/text/h100/).
fn facts_of(file: &str) -> cvdoctor::facts::Facts {
    let path = format!("{}/fixtures/text/h100/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    diagnose_text(&load_rules(None).unwrap(), &text).facts
}

fn all_values(facts: &cvdoctor::facts::Facts, key: &str) -> Vec<String> {
    facts.all(key).iter().map(|o| o.value.clone()).collect()
}

#[test]
fn nvidia_smi_query_gpu_csv_gives_gpu_cc_and_driver_in_any_column_order() {
    for file in [
        "nvidia-smi-query-gpu.csv",
        "nvidia-smi-query-gpu-noheader.csv",
    ] {
        let facts = facts_of(file);
        assert_eq!(facts.primary("gpu.cc"), Some("9.0"), "{file}");
        assert_eq!(
            facts.primary("driver.version"),
            Some("580.159.04"),
            "{file}"
        );
        assert_eq!(
            facts.primary("gpu.name"),
            Some("NVIDIA H100 80GB HBM3"),
            "{file}"
        );
    }
    // A GPU the name table does not know still gets its compute capability from the CSV.
    let d = diagnose_text(
        &load_rules(None).unwrap(),
        "name, compute_cap, driver_version\nNVIDIA Future GPU 9000, 13.0, 610.11\n",
    );
    assert_eq!(d.facts.primary("gpu.cc"), Some("13.0"));
    assert_eq!(d.facts.primary("driver.version"), Some("610.11"));
    // The same rows quoted in a GitHub reply (`> ` at every line start).
    let d = diagnose_text(
        &load_rules(None).unwrap(),
        "> name, compute_cap, driver_version\n> NVIDIA Future GPU 9000, 13.0, 610.11\n",
    );
    assert_eq!(d.facts.primary("gpu.cc"), Some("13.0"));
    assert_eq!(d.facts.primary("driver.version"), Some("610.11"));
}

#[test]
fn pip_list_and_freeze_name_the_opencv_wheel() {
    for file in ["pip-list.txt", "pip-freeze.txt"] {
        let facts = facts_of(file);
        assert_eq!(
            all_values(&facts, "pip.opencv_wheel"),
            ["opencv-python-headless 5.0.0.93"],
            "{file}"
        );
    }
    // `pip show` puts name and version on two lines (the probe log has one).
    let log = include_str!("../fixtures/text/probe-2026-11-26.log");
    let d = diagnose_text(&load_rules(None).unwrap(), log);
    assert_eq!(
        d.facts.primary("pip.opencv_wheel"),
        Some("opencv-python-headless 5.0.0.93")
    );
}

#[test]
fn ldconfig_p_lists_cuda_and_cudnn_libraries_in_the_loader_cache() {
    let facts = facts_of("ldconfig-p.txt");
    let libs = all_values(&facts, "loader.libraries");
    for lib in ["libcudnn.so.9", "libcudart.so.13", "libcublas.so.13"] {
        assert!(libs.iter().any(|l| l == lib), "{lib} not in {libs:?}");
    }
    assert_eq!(facts.primary("cudnn.version"), Some("9"));
}

#[test]
fn nvcc_and_proc_driver_version() {
    assert_eq!(
        facts_of("nvcc-version.txt").primary("cuda.version"),
        Some("13.0")
    );
    assert_eq!(
        facts_of("proc-driver-nvidia-version.txt").primary("driver.version"),
        Some("580.159.04")
    );
}

#[test]
fn collect_env_and_cmake_summary_give_cuda_and_python() {
    let rules = load_rules(None).unwrap();
    let d = diagnose_text(&rules, include_str!("../fixtures/text/collect_env.txt"));
    // `CUDA runtime version: 13.0.88` is the toolkit collect_env found.
    assert_eq!(d.facts.primary("cuda.version"), Some("13.0"));
    // The wheel's build summary (`Interpreter: ... (ver 3.9.25)`) in the probe log.
    let log = include_str!("../fixtures/text/probe-2026-11-26.log");
    let summary = &log[log.find("General configuration for OpenCV").unwrap()..];
    let d = diagnose_text(&rules, summary);
    assert_eq!(d.facts.primary("python.version"), Some("3.9"));
}
