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
