//! `cvdoctor triage`: bundles, check JSON and pasted text in one batch; unreadable and binary
//! files are reported per file and the batch goes on.

use std::path::Path;
use std::process::Command;

mod common;
use common::{cvdoctor, install_cv2, site_packages};

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
    site_packages(&root);
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
    // A cv2 built for sm_80 that needs libcudart.so.13.
    install_cv2(&site_packages(&root), "fatbin-h100/libsm80.so");
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

/// Hostile batches: binary and huge files, a FIFO, dangling and looping links, a file whose
/// read fails, unreadable files and folders, a broken bundle, a directory of 100,000 files.
/// Each is reported on its own line and the batch goes on.
#[test]
fn hostile_files_are_reported_per_file_and_the_batch_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch");
    std::fs::create_dir_all(&batch).unwrap();
    let bytes: Vec<u8> = (0..4_000_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(batch.join("a-random.bin"), &bytes).unwrap();
    // 80 MB of zeros without a newline (sparse): past the size read whole, streamed as text.
    std::fs::File::create(batch.join("b-huge.log"))
        .unwrap()
        .set_len(80 << 20)
        .unwrap();
    std::fs::write(
        batch.join("c-broken-bundle.md"),
        "## cvdoctor check\n```json cvdoctor-report\n{\"facts\": {\"gpus\": [1, 2",
    )
    .unwrap();
    std::fs::write(batch.join("d-not-json.json"), "{ this is not json").unwrap();
    std::fs::write(
        batch.join("e-real-ticket.txt"),
        "ImportError: libcudnn.so.8: cannot open shared object file: No such file or directory\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(batch.join("nowhere"), batch.join("f-dangling")).unwrap();
        symlink(batch.join("g-loop"), batch.join("g-loop")).unwrap();
        let fifo = batch.join("h-fifo");
        let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
    }
    let batch_arg = batch.display().to_string();
    let out = cvdoctor(&["--format", "json", "triage", &batch_arg, "/proc/self/mem"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let kind_of = |name: &str| -> (String, String) {
        let r = doc["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["source"].as_str().unwrap().ends_with(name))
            .unwrap_or_else(|| panic!("{name} missing"));
        (
            r["kind"].as_str().unwrap().to_string(),
            r["error"].as_str().unwrap_or("").to_string(),
        )
    };
    assert_eq!(kind_of("a-random.bin").0, "text");
    assert_eq!(kind_of("b-huge.log").0, "text");
    assert_eq!(kind_of("c-broken-bundle.md").0, "text");
    assert_eq!(kind_of("d-not-json.json").0, "text");
    assert_eq!(kind_of("e-real-ticket.txt").0, "text");
    for (name, why) in [
        ("f-dangling", "No such file"),
        ("g-loop", "symbolic links"),
        ("h-fifo", "not a regular file"),
        ("/proc/self/mem", "error"),
    ] {
        let (kind, error) = kind_of(name);
        assert_eq!(kind, "unreadable", "{name}");
        assert!(error.contains(why), "{name}: {error}");
    }
    assert_eq!(doc["summary"]["unreadable"], 4);
    assert_eq!(doc["summary"]["top_category"]["library-not-found"], 1);

    // A file and a folder this user may not read (root reads everything: checked unprivileged).
    if let Some(mut nobody) = unprivileged() {
        let locked = dir.path().join("locked");
        std::fs::create_dir_all(locked.join("inside")).unwrap();
        std::fs::write(locked.join("secret.txt"), "x").unwrap();
        Command::new("chmod")
            .args(["-R", "a+rX"])
            .arg(dir.path())
            .status()
            .unwrap();
        Command::new("chmod")
            .arg("000")
            .arg(locked.join("secret.txt"))
            .status()
            .unwrap();
        Command::new("chmod")
            .arg("000")
            .arg(locked.join("inside"))
            .status()
            .unwrap();
        let out = nobody
            .arg("--format")
            .arg("json")
            .arg("triage")
            .arg(&locked)
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["summary"]["unreadable"], 2, "{doc}");
        assert_eq!(out.status.code(), Some(2));
    }
}

/// `cvdoctor` as the user `nobody`, when this test runs as root and `setpriv` exists.
fn unprivileged() -> Option<Command> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return None;
    }
    let mut c = Command::new("setpriv");
    c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(env!("CARGO_BIN_EXE_cvdoctor"));
    Command::new("setpriv").arg("--version").output().ok()?;
    Some(c)
}

#[test]
fn a_directory_of_100000_files() {
    let dir = tempfile::tempdir().unwrap();
    let messages = [
        "cv2.error: OpenCV(4.5.3) error: (-217:Gpu API call) invalid device function in function 'make_policy'\n",
        "ImportError: libcudnn.so.8: cannot open shared object file: No such file or directory\n",
        "nothing to see here\n",
        "make: *** No targets specified and no makefile found.  Stop.\n",
    ];
    for i in 0..100_000 {
        std::fs::write(
            dir.path().join(format!("{i:06}.txt")),
            messages[i % messages.len()],
        )
        .unwrap();
    }
    let out = cvdoctor(&["triage", &dir.path().display().to_string()]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        text.lines().filter(|l| l.contains(".txt: ")).count(),
        100_000
    );
    assert!(
        text.contains("100000 reports, 75000 with findings, 0 not read"),
        "{}",
        &text[text.len().saturating_sub(600)..]
    );
    // stderr is not a terminal here: no progress bar.
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// On a terminal the progress bar is drawn on stderr (a pseudo-terminal from `script`).
#[test]
fn progress_bar_on_a_terminal_only() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("no `script` to give cvdoctor a terminal: skipped");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for i in 0..300 {
        std::fs::write(dir.path().join(format!("{i}.txt")), "hello\n").unwrap();
    }
    let elsewhere = tempfile::tempdir().unwrap();
    let typescript = elsewhere.path().join("typescript");
    let command = format!(
        "{} triage {} > /dev/null",
        env!("CARGO_BIN_EXE_cvdoctor"),
        dir.path().display()
    );
    // script copies the session to its own stdout too: keep that out of the test's output.
    let status = Command::new("script")
        .args(["-qec", &command])
        .arg(&typescript)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let drawn = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(drawn.contains("/300 reports"), "{drawn}");
}
