//! Ticket-like fixtures (fixtures/tickets/, written by fixtures/tickets-src/compose.py from real texts: nvidia-smi
//! tables of real machines, H100 captures, corpus and holdout errors): `triage` on the folder
//! puts each ticket's expected category first, with the expected values in its fix.

use std::process::Command;

#[test]
fn every_ticket_gets_its_category_first_and_its_fix_values() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tickets");
    let src = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tickets-src");
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["--format", "json", "triage", dir])
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let reports = doc["reports"].as_array().unwrap();
    let expected: Vec<serde_json::Value> = std::fs::read_to_string(format!("{src}/expected.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(expected.len() >= 30, "{} tickets", expected.len());
    let mut misses = Vec::new();
    for want in &expected {
        let file = want["file"].as_str().unwrap();
        let report = reports
            .iter()
            .find(|r| r["source"].as_str().unwrap().ends_with(&format!("/{file}")))
            .unwrap_or_else(|| panic!("{file} not triaged"));
        let top = &report["findings"][0];
        let fix = top["fix"].as_str().unwrap_or("").to_lowercase();
        let missing: Vec<&str> = want["fix_contains"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .filter(|v| !fix.contains(&v.to_lowercase()))
            .collect();
        if top["category"] != want["category"] || !missing.is_empty() {
            misses.push(format!(
                "{file}: got {} ({}), want {}; fix lacks {missing:?}",
                top["category"], top["rule"], want["category"]
            ));
        }
    }
    assert!(misses.is_empty(), "{}", misses.join("\n"));
    assert_eq!(doc["summary"]["reports"], expected.len());
}

/// `explain` reads the same pastes: nvidia-smi of a V100 with the make_policy error gives the
/// rebuild for 7.0, and the H100's `--query-gpu` CSV gives 9.0.
#[test]
fn explain_takes_the_gpu_from_the_pasted_nvidia_smi() {
    for (ticket, arch) in [
        ("01-v100-make-policy.txt", "CUDA_ARCH_BIN=7.0"),
        ("04-h100-csv-not-built-for-device.txt", "CUDA_ARCH_BIN=9.0"),
    ] {
        let path = format!("{}/fixtures/tickets/{ticket}", env!("CARGO_MANIFEST_DIR"));
        let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
            .args(["--format", "json", "explain", &path])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let fix = doc["findings"][0]["fix"].as_str().unwrap();
        assert!(fix.contains(arch), "{ticket}: {fix}");
    }
}

/// The committed tickets and expected.jsonl are what compose.py writes from its real parts (a
/// ticket edited by hand, or a part changed without composing again, fails here).
#[test]
fn committed_tickets_are_what_compose_py_writes() {
    let root = env!("CARGO_MANIFEST_DIR");
    let out = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .arg(format!("{root}/fixtures/tickets-src/compose.py"))
        .arg(out.path())
        .stdout(std::process::Stdio::null())
        .status()
        .expect("python3 runs compose.py");
    assert!(status.success());
    let read = |p: std::path::PathBuf| {
        std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    };
    assert_eq!(
        read(out.path().join("expected.jsonl")),
        read(format!("{root}/fixtures/tickets-src/expected.jsonl").into())
    );
    let mut written = 0;
    for entry in std::fs::read_dir(out.path()).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".txt") {
            written += 1;
            assert_eq!(
                read(entry.path()),
                read(format!("{root}/fixtures/tickets/{name}").into()),
                "{name}"
            );
        }
    }
    let committed = std::fs::read_dir(format!("{root}/fixtures/tickets"))
        .unwrap()
        .count();
    assert_eq!(written, committed);
}
