//! The binary as users run it: exit codes, formats, colour, inputs, pipes, bad rules.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

const MAKE_POLICY: &str = "cv2.error: OpenCV(4.2.0) /home/u/opencv/modules/dnn/src/cuda/execution.hpp:52: error: (-217:Gpu API call) invalid device function in function 'make_policy'";

fn cvdoctor(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = stdin.map(<[u8]>::to_vec);
    let mut pipe = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        if let Some(bytes) = input {
            let _ = pipe.write_all(&bytes);
        }
    });
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    output
}

/// The rule ids of `--format json` output, most likely first.
fn rule_ids(output: &Output) -> Vec<String> {
    common::rules_of(&serde_json::from_slice(&output.stdout).unwrap())
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn explain_reports_rustc_style_and_exits_one() {
    let out = cvdoctor(
        &["explain", "-"],
        Some(format!("Tesla V100-SXM2-16GB\n{MAKE_POLICY}\n").as_bytes()),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.starts_with("error[CVD101]: "), "{text}");
    assert!(text.contains(" --> stdin:2"), "{text}");
    assert!(text.contains("CUDA_ARCH_BIN=7.0"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when stdout is a pipe");
}

#[test]
fn nothing_found_exits_zero() {
    let out = cvdoctor(&["explain", "all", "good", "here"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("no known OpenCV/CUDA problem"));
}

#[test]
fn colour_can_be_forced_and_no_color_wins_over_auto() {
    let out = cvdoctor(&["--color", "always", "explain", MAKE_POLICY], None);
    assert!(stdout(&out).contains("\x1b["));
    let out = cvdoctor(&["--color", "never", "explain", MAKE_POLICY], None);
    assert!(!stdout(&out).contains("\x1b["));
}

#[test]
fn json_has_the_documented_shape() {
    let out = cvdoctor(&["--format", "json", "explain", MAKE_POLICY], None);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["schema"], 1);
    let top = &doc["findings"][0];
    for key in [
        "rule",
        "category",
        "severity",
        "title",
        "explanation",
        "fix",
        "evidence",
        "commands",
    ] {
        assert!(!top[key].is_null(), "missing {key}");
    }
    assert_eq!(top["category"], "gpu-arch-not-in-build");
    assert_eq!(top["evidence"][0]["line"], 1);
    assert_eq!(doc["facts"]["opencv.version"][0]["value"], "4.2.0");
}

#[test]
fn markdown_is_ready_for_an_issue() {
    let out = cvdoctor(&["--format", "markdown", "explain", MAKE_POLICY], None);
    let text = stdout(&out);
    assert!(text.starts_with("## cvdoctor diagnosis"));
    assert!(text.contains("### 1. error `CVD101`"));
    assert!(text.contains("```sh"));
}

#[test]
fn most_specific_rule_comes_first() {
    // The generic -217 rule also matches, but is a fallback behind make_policy's rule.
    let out = cvdoctor(&["--format", "json", "explain", MAKE_POLICY], None);
    let rules = rule_ids(&out);
    assert_eq!(rules[0], "CVD101");
    assert!(!rules.contains(&"CVD110".to_string()));

    // A device count of 0 beside a driver of an older CUDA major than the toolkit: the driver
    // (CVD155) explains the count (CVD104, a missing arch) better.
    let paste = "cv2.cuda.getCudaEnabledDeviceCount() returns 0\n\
                 | NVIDIA-SMI 470.182.03   Driver Version: 470.182.03   CUDA Version: 11.4     |\n\
                 Cuda compilation tools, release 12.1, V12.1.105";
    let out = cvdoctor(&["--format", "json", "explain", paste], None);
    assert_eq!(rule_ids(&out), ["CVD155", "CVD104"]);
}

#[test]
fn a_fallback_is_hidden_only_by_a_rule_at_least_as_severe() {
    // CVD314 (a warning about the cmake flags) fires on the command line; the run-time error
    // has only the generic fallback CVD110, which must still be reported, and first.
    let paste = "error: (-217:Gpu API call) unspecified launch failure in function 'synchronize'\n\
                 opencv 2.4.9 (cmake -D CUDA_GENERATION=Auto -D CUDA_ARCH_BIN=6.1 ..)";
    let out = cvdoctor(&["--format", "json", "explain", paste], None);
    assert_eq!(rule_ids(&out), ["CVD110", "CVD314"]);

    // A specific warning still hides a generic warning: CVD206 (FP16 target) over CVD212's
    // "runs on the CPU" prose fallback.
    let paste = "DNN_TARGET_CUDA_FP16 not supported on this GPU\n\
                 the yolo detection still runs on the CPU even with the CUDA build";
    let out = cvdoctor(&["--format", "json", "explain", paste], None);
    assert_eq!(rule_ids(&out), ["CVD206"]);
}

#[test]
fn reads_files_crlf_ansi_and_non_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("paste.txt");
    let mut bytes = b"\xff\xfe garbage\r\n\x1b[31mmake: *** No targets specified\r\n and no makefile found.  Stop.\x1b[0m\r\n".to_vec();
    bytes.extend_from_slice(b"more \xc3\x28 bytes\r\n");
    std::fs::write(&path, bytes).unwrap();
    let out = cvdoctor(&["explain", path.to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).starts_with("error[CVD401]"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn usage_errors_exit_two_with_one_line() {
    let out = cvdoctor(&["explain", "missing-file.log"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no such file: missing-file.log"));
    assert_eq!(
        cvdoctor(&["--format", "xml", "explain", "x"], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(cvdoctor(&["rules", "CVD000"], None).status.code(), Some(2));
}

#[test]
fn streams_given_as_paths_are_read_and_mistyped_names_beside_files_are_refused() {
    // `/dev/stdin` is what `<(command)` and named pipes look like: a path that is not a
    // regular file. Before, it was refused as "no such file".
    #[cfg(target_os = "linux")]
    {
        let out = cvdoctor(&["explain", "/dev/stdin"], Some(MAKE_POLICY.as_bytes()));
        assert_eq!(
            out.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            stdout(&out).starts_with("error[CVD101]"),
            "{}",
            stdout(&out)
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("build.log");
    std::fs::write(&real, MAKE_POLICY).unwrap();
    // a real file and a mistyped one: not "missing.log" explained as text
    let out = cvdoctor(&["explain", real.to_str().unwrap(), "missing.log"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no such file: missing.log"));
    // two mistyped names
    let out = cvdoctor(&["explain", "logs/a.txt", "logs/b.txt"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no such file: logs/a.txt"), "{stderr}");
    assert!(stderr.contains("check the path"), "{stderr}");
    // the suggested command stays valid shell when the name holds a quote
    let out = cvdoctor(&["explain", "logs/it's.txt"], None);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(r"echo 'logs/it'\''s.txt' | cvdoctor explain"),
        "{stderr}"
    );
    // words of an error message that contain a path are still text
    let out = cvdoctor(
        &[
            "explain",
            "/usr/lib/libcudnn.so.8:",
            "cannot",
            "open",
            "shared",
            "object",
            "file",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_teaches_with_examples() {
    let out = cvdoctor(&["explain", "--help"], None);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("Examples:"));
}

#[test]
fn rules_lists_and_explains_by_id_or_name() {
    let list = stdout(&cvdoctor(&["rules"], None));
    assert!(list.lines().count() >= 40);
    assert!(
        list.lines()
            .any(|l| l.starts_with("CVD101  invalid-device-function"))
    );
    let by_id = stdout(&cvdoctor(&["rules", "CVD101"], None));
    let by_name = stdout(&cvdoctor(&["rules", "invalid-device-function"], None));
    assert_eq!(by_id, by_name);
    assert!(by_id.contains("## What happened, and why"));
}

#[test]
fn closed_pipe_exits_quietly() {
    // Reading one byte then closing: cvdoctor must not panic or print an error.
    let mut child = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .args(["--format", "json", "rules"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut byte = [0u8; 1];
    std::io::Read::read_exact(&mut stdout, &mut byte).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn user_rules_add_and_bad_rules_are_reported_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("CVD900-site-specific.toml"),
        r#"id = "CVD900"
name = "site-specific"
category = "cuda-runtime-error"
severity = "warning"
priority = 99
title = "our cluster's flaky node"
patterns = ['node gpu-17 failed']
explanation = "Node gpu-17 has a known bad GPU; jobs there fail at random."
fix = "Resubmit with --exclude=gpu-17."
references = ["internal wiki"]
[examples]
fires = ["node gpu-17 failed"]
silent = ["node gpu-18 failed"]
"#,
    )
    .unwrap();
    let rules_dir = dir.path().to_str().unwrap();
    let out = cvdoctor(
        &["--rules", rules_dir, "explain", "job 7: node gpu-17 failed"],
        None,
    );
    assert!(
        stdout(&out).starts_with("warning[CVD900]"),
        "{}",
        stdout(&out)
    );

    std::fs::write(
        dir.path().join("CVD901-broken.toml"),
        "id = \"CVD901\"\nname = \"broken\"\ncategory = \"no-such-category\"\n",
    )
    .unwrap();
    let out = cvdoctor(&["--rules", rules_dir, "explain", "x"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("CVD901-broken.toml:"), "{err}");
}

#[cfg(unix)]
#[test]
fn non_utf8_file_names_are_read() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.log"));
    std::fs::write(&path, MAKE_POLICY).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_cvdoctor"))
        .arg("explain")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout(&out).starts_with("error[CVD101]"));
}

#[test]
fn unreadable_input_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = cvdoctor(&["explain", dir.path().to_str().unwrap()], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is a directory"));
}
