//! `cvdoctor report`: the bundle carries `check`'s findings as Markdown and as a JSON block, and
//! redaction leaves no planted secret in either.

use std::process::Command;

const SECRETS: &[&str] = &[
    "alice",
    "bob",
    "192.168.17.42",
    "00:1b:63:84:45:e6",
    "5fa2b3c4-1d2e-3f40-5a6b-7c8d9e0f1a2b",
    "1654321098765",
    "ghp_0123456789abcdefghijABCDEFGHIJ012345",
    "gpu-node-17",
    "rack4-node-33",
];

fn report(
    home: &std::path::Path,
    root: &std::path::Path,
    build: &std::path::Path,
    extra: &[&str],
) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["report", "--root"])
        .arg(root)
        .arg("--build-dir")
        .arg(build)
        .args(["--gpu", "9.0"])
        .args(extra)
        .env("HOME", home)
        .env("USER", "alice")
        .env("HOSTNAME", "gpu-node-17.lab.example.org")
        // The node name check records for fleets (a Kubernetes pod's node) is a secret too.
        .env("CVDOCTOR_NODE", "rack4-node-33")
        .env_remove("VIRTUAL_ENV")
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json_block(bundle: &str) -> serde_json::Value {
    let start = bundle
        .find("```json cvdoctor-report\n")
        .expect("JSON block")
        + 24;
    let end = start + bundle[start..].find("\n```").unwrap();
    serde_json::from_str(&bundle[start..end]).unwrap()
}

#[test]
fn planted_secrets_do_not_survive_redaction_in_markdown_or_json() {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home/alice");
    let build = home.join("opencv/build");
    std::fs::create_dir_all(&build).unwrap();
    let root = dir.path().join("image");
    std::fs::create_dir_all(root.join("usr/local/lib/python3.12/dist-packages")).unwrap();
    // Each kind of secret in a CMake cache value that check reports (CUDA_GENERATION also
    // reaches a finding's fix).
    std::fs::write(
        build.join("CMakeCache.txt"),
        format!(
            "CMAKE_HOME_DIRECTORY:INTERNAL={home}/opencv\n\
             OPENCV_EXTRA_MODULES_PATH:PATH=/home/bob/opencv_contrib/modules\n\
             CMAKE_INSTALL_PREFIX:PATH=/mnt/192.168.17.42/opt\n\
             CUDA_TOOLKIT_ROOT_DIR:PATH=/mnt/00:1b:63:84:45:e6/cuda\n\
             PYTHON3_EXECUTABLE:FILEPATH=/srv/GPU-5fa2b3c4-1d2e-3f40-5a6b-7c8d9e0f1a2b/bin/python3\n\
             CUDNN_LIBRARY:FILEPATH=/opt/serial=1654321098765/libcudnn.so\n\
             CUDNN_INCLUDE_DIR:PATH=/opt/ghp_0123456789abcdefghijABCDEFGHIJ012345/include\n\
             CUDA_GENERATION:STRING=gpu-node-17.lab.example.org\n\
             WITH_CUDA:BOOL=ON\n",
            home = home.display()
        ),
    )
    .unwrap();

    let plain = report(&home, &root, &build, &["--no-redact"]);
    for secret in SECRETS {
        assert!(
            plain.contains(secret),
            "the test plants {secret}, --no-redact keeps it"
        );
    }

    let bundle = report(&home, &root, &build, &[]);
    for secret in SECRETS {
        assert!(
            !bundle.contains(secret),
            "{secret} survived redaction:\n{bundle}"
        );
    }
    let json = json_block(&bundle);
    assert_eq!(json["kind"], "cvdoctor-report");
    assert_eq!(json["redacted"], true);
    let vars = &json["facts"]["build_dir"]["variables"];
    assert_eq!(vars["CMAKE_HOME_DIRECTORY"], "~/opencv");
    assert_eq!(
        vars["OPENCV_EXTRA_MODULES_PATH"],
        "/home/<user-2>/opencv_contrib/modules"
    );
    assert!(
        vars["CMAKE_INSTALL_PREFIX"]
            .as_str()
            .unwrap()
            .contains("<ip-1>")
    );
    // The same findings as check, in the same order, in both forms.
    let rules: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert!(rules.contains(&"CVD810"), "{rules:?}");
    for rule in &rules {
        assert!(
            bundle.contains(&format!("`{rule}`")),
            "{rule} missing from the Markdown"
        );
    }
}

#[test]
fn report_writes_a_file_with_dash_o() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("image");
    std::fs::create_dir_all(&root).unwrap();
    let file = dir.path().join("ticket.md");
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["report", "--root"])
        .arg(&root)
        .arg("-o")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("attach it to your ticket"));
    let text = std::fs::read_to_string(&file).unwrap();
    assert_eq!(json_block(&text)["schema"], 1);
}
