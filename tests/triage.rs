//! `cvdoctor triage`: bundles, check JSON and pasted text in one batch; unreadable and binary
//! files are reported per file and the batch goes on.

use std::path::Path;
use std::process::Command;

fn cvdoctor(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(args)
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap()
}

fn rules(findings: &serde_json::Value) -> Vec<String> {
    findings
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_batch_of_bundles_check_json_text_and_bad_files() {
    let dir = tempfile::tempdir().unwrap();
    let tickets = dir.path().join("tickets");
    std::fs::create_dir_all(&tickets).unwrap();
    // A machine image and build directory that check has something to say about.
    let root = dir.path().join("image");
    std::fs::create_dir_all(root.join("usr/local/lib/python3.12/dist-packages")).unwrap();
    let build = dir.path().join("build");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(
        build.join("CMakeCache.txt"),
        "CUDA_GENERATION:STRING=Pascal\nCUDA_ARCH_BIN:STRING=6.1\nWITH_CUDA:BOOL=ON\n",
    )
    .unwrap();
    let common = |p: &Path| {
        vec![
            "--root".to_string(),
            root.display().to_string(),
            "--build-dir".to_string(),
            build.display().to_string(),
            "-o".to_string(),
            p.display().to_string(),
        ]
    };
    let bundle = tickets.join("ticket-1.md");
    let args: Vec<String> = ["report".to_string()]
        .into_iter()
        .chain(common(&bundle))
        .collect();
    cvdoctor(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let check = cvdoctor(&[
        "--format",
        "json",
        "check",
        "--root",
        &root.display().to_string(),
        "--build-dir",
        &build.display().to_string(),
    ]);
    std::fs::write(tickets.join("node-07.json"), &check.stdout).unwrap();
    // A pasted ticket: a V100 and OpenCV's make_policy error (opencv/opencv#20778's message).
    std::fs::write(
        tickets.join("ticket-2.txt"),
        "GPU: Tesla V100-SXM2-16GB\ncv2.error: OpenCV(4.5.3-dev) /opencv/modules/dnn/src/cuda4dnn/csl/memory.hpp:52: error: (-217:Gpu API call) invalid device function in function 'make_policy'\n",
    )
    .unwrap();
    std::fs::write(
        tickets.join("core.bin"),
        (0..=255u8).cycle().take(100_000).collect::<Vec<_>>(),
    )
    .unwrap();
    let missing = dir.path().join("no-such-ticket.txt");

    let out = cvdoctor(&[
        "--format",
        "json",
        "triage",
        &tickets.display().to_string(),
        &missing.display().to_string(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = doc["reports"].as_array().unwrap();
    let by_name = |name: &str| {
        reports
            .iter()
            .find(|r| r["source"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} not in {reports:?}"))
    };
    assert_eq!(by_name("ticket-1.md")["kind"], "bundle");
    assert_eq!(by_name("node-07.json")["kind"], "check-json");
    // Round trip: the bundle carries the findings check gives on that machine.
    let check_doc: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(
        rules(&by_name("ticket-1.md")["findings"]),
        rules(&check_doc["findings"])
    );
    assert!(rules(&by_name("node-07.json")["findings"]).contains(&"CVD810".to_string()));
    let pasted = &by_name("ticket-2.txt")["findings"][0];
    assert_eq!(pasted["category"], "gpu-arch-not-in-build");
    assert!(
        pasted["fix"]
            .as_str()
            .unwrap()
            .contains("CUDA_ARCH_BIN=7.0")
    );
    assert_eq!(by_name("core.bin")["kind"], "text");
    assert_eq!(by_name("no-such-ticket.txt")["kind"], "unreadable");
    let summary = &doc["summary"];
    assert_eq!(summary["reports"], 5);
    assert_eq!(summary["unreadable"], 1);
    assert_eq!(summary["top_category"]["gpu-arch-not-in-build"], 1);

    // jsonl: one parseable line per report.
    let out = cvdoctor(&[
        "--format",
        "jsonl",
        "triage",
        &tickets.display().to_string(),
    ]);
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
}

/// A fleet: `check --format json` from 12 nodes (a real check of one image, with each node's host
/// name and driver as NVML would record them; three nodes run a driver for CUDA 12 while the
/// OpenCV build needs the CUDA 13 runtime). Triage judges each node's facts and counts nodes.
#[test]
fn check_outputs_of_a_fleet_are_aggregated_by_node() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("image");
    let site = root.join("usr/local/lib/python3.12/dist-packages");
    std::fs::create_dir_all(&site).unwrap();
    // A cv2 built for sm_80 that needs libcudart.so.13.
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/fatbin-h100/libsm80.so"),
        site.join("cv2.cpython-312-x86_64-linux-gnu.so"),
    )
    .unwrap();
    let out = cvdoctor(&[
        "--format",
        "json",
        "check",
        "--root",
        &root.display().to_string(),
        "--gpu",
        "A100",
    ]);
    let check: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let fleet = dir.path().join("fleet");
    std::fs::create_dir_all(&fleet).unwrap();
    for n in 1..=12 {
        let mut node = check.clone();
        node["facts"]["host"] = format!("gpu{n:02}").into();
        let (driver, cuda) = if [3, 7, 11].contains(&n) {
            ("535.183.01", "12.2")
        } else {
            ("580.159.04", "13.0")
        };
        node["facts"]["driver"] =
            serde_json::json!({"version": driver, "cuda_version": cuda, "source": "nvml"});
        std::fs::write(
            fleet.join(format!("gpu{n:02}.json")),
            serde_json::to_vec(&node).unwrap(),
        )
        .unwrap();
    }
    let fleet_arg = fleet.display().to_string();
    let out = cvdoctor(&["--format", "json", "triage", &fleet_arg]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["summary"]["nodes"], 12);
    let driver = doc["summary"]["by_node"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["category"] == "driver-too-old")
        .unwrap_or_else(|| panic!("{}", doc["summary"]));
    assert_eq!(
        driver["nodes"],
        serde_json::json!(["gpu03", "gpu07", "gpu11"])
    );

    let out = cvdoctor(&["triage", &fleet_arg]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("by node (12 nodes):"), "{text}");
    let line = text
        .lines()
        .find(|l| l.contains("3 of 12 nodes:"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("CVD807") && line.ends_with("gpu03, gpu07, gpu11"),
        "{line}"
    );
}

/// Round trip on a real machine: check's JSON and a redacted `report --live` bundle made on
/// the H100 (fixtures/h100-report/), judged again here, give the findings check gave there.
#[test]
fn reports_made_on_the_h100_triage_to_the_findings_check_gave_there() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/h100-report");
    let said = |findings: &serde_json::Value| -> Vec<(String, String)> {
        findings
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["fix"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    for (report, check) in [
        ("check.json", "check.json"),
        ("check-live.json", "check-live.json"),
        ("bundle-live-redacted.md", "check-live.json"),
    ] {
        let recorded: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join(check)).unwrap()).unwrap();
        let out = cvdoctor(&[
            "--format",
            "json",
            "triage",
            &dir.join(report).display().to_string(),
        ]);
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let triaged = &doc["reports"][0];
        assert!(triaged.get("note").is_none(), "{triaged}");
        assert_eq!(triaged["node"], "vm");
        let (got, want) = (said(&triaged["findings"]), said(&recorded["findings"]));
        assert!(!want.is_empty());
        assert_eq!(
            got.iter().map(|f| &f.0).collect::<Vec<_>>(),
            want.iter().map(|f| &f.0).collect::<Vec<_>>(),
            "{report}"
        );
        // Without redaction the fixes are the same text too.
        if !report.contains("redacted") {
            assert_eq!(got, want, "{report}");
        }
    }
}
