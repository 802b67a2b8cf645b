//! `check --live`: import cv2 in the user's Python, run a small network in memory with
//! `DNN_BACKEND_CUDA`, and keep what OpenCV printed for the text rules. Opt-in, because it
//! imports the user's OpenCV (the other probes only read files).

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::subprocess;

/// Importing OpenCV and initialising CUDA and cuDNN can take several seconds on a cold machine.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
const SCRIPT: &str = include_str!("live.py");
const MARKER: &str = "CVDOCTOR-LIVE ";
/// What is kept of the child's output; OpenCV's messages are short, a runaway log is not.
const OUTPUT_LIMIT: usize = 256 << 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LiveOutcome {
    /// The forward pass ran with a CUDA target available and OpenCV printed no warning.
    Passed,
    /// It ran, but OpenCV warned or offers no CUDA target: the network most likely ran on the CPU.
    Warned,
    /// A step raised (import, CPU forward, CUDA forward) or the interpreter crashed.
    Failed,
    TimedOut,
}

/// One forward pass with `DNN_BACKEND_CUDA` / `DNN_TARGET_CUDA`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Forward {
    /// `default` (what `readNet` picks), or `classic` on OpenCV 5, whose default engine
    /// ignores backends.
    pub engine: String,
    pub ok: bool,
    /// Largest difference to the CPU result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_abs_diff: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The first warning OpenCV printed during this pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LiveRun {
    pub python: String,
    pub outcome: LiveOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cv2_version: Option<String>,
    /// `cv2.cuda.getCudaEnabledDeviceCount()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda_devices: Option<i64>,
    /// `cv2.dnn.getAvailableTargets(DNN_BACKEND_CUDA)`: empty when the DNN module has no CUDA.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuda_targets: Option<Vec<i64>>,
    pub forwards: Vec<Forward>,
    /// The step that failed (`import`, `cpu-forward`, `cuda-forward (classic engine)`, `python`
    /// for a crash, `timeout`) and its error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_step: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub seconds: f64,
    /// OpenCV's warnings, errors and Python's traceback: read by the text rules.
    pub log: String,
}

/// Runs the live test with `python`, never failing: a crash or a hang is the result.
pub fn run(python: &Path, timeout: Duration) -> Result<LiveRun, String> {
    let mut command = Command::new(python);
    command.args(["-c", SCRIPT]);
    let started = std::time::Instant::now();
    let outcome = subprocess::run(&mut command, timeout, OUTPUT_LIMIT)?;
    let seconds = started.elapsed().as_secs_f64();
    let (stdout, stderr, exit) = match outcome {
        subprocess::Outcome::Finished(done) => (done.stdout, done.stderr, Some(done.status)),
        subprocess::Outcome::TimedOut { stdout, stderr } => (stdout, stderr, None),
    };
    let mut run = read_output(&stdout, &stderr);
    run.python = python.display().to_string();
    run.seconds = seconds;
    match exit {
        None => {
            run.failed_step = Some("timeout".into());
            run.error = Some(format!(
                "no answer within {} s (killed)",
                timeout.as_secs_f64()
            ));
            run.outcome = LiveOutcome::TimedOut;
        }
        Some(status) if !status.success() && run.failed_step.is_none() => {
            // Died without reporting: a segfault in a CUDA library, an abort().
            run.failed_step = Some("python".into());
            run.error = Some(format!("the interpreter exited with {status}"));
            run.outcome = LiveOutcome::Failed;
        }
        Some(_) => {}
    }
    Ok(run)
}

/// Reads the `CVDOCTOR-LIVE` steps from stdout and OpenCV's messages from both streams.
pub fn read_output(stdout: &str, stderr: &str) -> LiveRun {
    let mut run = LiveRun {
        python: String::new(),
        outcome: LiveOutcome::Failed,
        cv2_version: None,
        cuda_devices: None,
        cuda_targets: None,
        forwards: Vec::new(),
        failed_step: None,
        error: None,
        seconds: 0.0,
        log: String::new(),
    };
    for line in stdout.lines() {
        match line.strip_prefix(MARKER) {
            Some(json) => {
                if let Ok(step) = serde_json::from_str::<serde_json::Value>(json) {
                    read_step(&step, &mut run);
                }
            }
            None => {
                run.log.push_str(line);
                run.log.push('\n');
            }
        }
    }
    run.log.push_str(stderr);
    // The script marks each pass on stderr, so warnings can be told apart per engine.
    for section in stderr
        .split("--- cvdoctor: forward with DNN_BACKEND_CUDA, ")
        .skip(1)
    {
        let engine = section.split(' ').next().unwrap_or_default();
        let warning = section
            .lines()
            .skip(1)
            .find(|l| is_warning(l))
            .map(|l| l.trim().to_string());
        if let Some(f) = run.forwards.iter_mut().find(|f| f.engine == engine) {
            f.warning = warning;
        }
    }
    run.outcome = outcome(&run);
    run
}

fn is_warning(line: &str) -> bool {
    line.contains("WARN") || line.contains("Warning")
}

fn outcome(run: &LiveRun) -> LiveOutcome {
    let has_target = !run.cuda_targets.as_ref().is_some_and(Vec::is_empty);
    if run
        .failed_step
        .as_deref()
        .is_some_and(|s| !s.starts_with("cuda-forward"))
    {
        LiveOutcome::Failed
    } else if has_target && run.forwards.iter().any(|f| f.ok && f.warning.is_none()) {
        LiveOutcome::Passed
    } else if run.failed_step.is_some() || run.forwards.is_empty() {
        LiveOutcome::Failed
    } else {
        LiveOutcome::Warned
    }
}

/// Records one `CVDOCTOR-LIVE` step.
fn read_step(step: &serde_json::Value, run: &mut LiveRun) {
    let name = step["step"].as_str().unwrap_or_default();
    let ok = step["ok"].as_bool() != Some(false);
    let error = step["error"].as_str().map(|e| e.trim().to_string());
    match name {
        "import" => run.cv2_version = step["version"].as_str().map(str::to_string),
        "cuda-devices" => run.cuda_devices = step["count"].as_i64(),
        "cuda-targets" => {
            run.cuda_targets = step["targets"]
                .as_array()
                .map(|t| t.iter().filter_map(serde_json::Value::as_i64).collect())
        }
        "cuda-forward" => run.forwards.push(Forward {
            engine: step["engine"].as_str().unwrap_or("default").to_string(),
            ok,
            max_abs_diff: step["max_abs_diff"].as_f64(),
            error: error.clone(),
            warning: None,
        }),
        _ => {}
    }
    if !ok && run.failed_step.is_none() {
        run.failed_step = Some(match name {
            "cuda-forward" => format!(
                "cuda-forward ({} engine)",
                step["engine"].as_str().unwrap_or("default")
            ),
            other => other.to_string(),
        });
        run.error = error;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Output of the script with opencv-python-headless 5.0.0.93 (no CUDA), captured on CI's venv.
    const PIP_STDOUT: &str = r#"CVDOCTOR-LIVE {"step": "import", "ok": true, "file": "/v/cv2/__init__.py", "version": "5.0.0"}
CVDOCTOR-LIVE {"step": "cuda-devices", "count": 0}
CVDOCTOR-LIVE {"step": "cuda-targets", "targets": []}
CVDOCTOR-LIVE {"step": "cpu-forward", "ok": true}
CVDOCTOR-LIVE {"step": "cuda-forward", "engine": "default", "ok": true, "seconds": 0.0, "max_abs_diff": 0.0}
CVDOCTOR-LIVE {"step": "cuda-forward", "engine": "classic", "ok": false, "error": "OpenCV(5.0.0) /io/opencv/modules/dnn/src/net_impl.cpp:175: error: (-215:Assertion failed) preferableBackend != DNN_BACKEND_CUDA || IS_DNN_CUDA_TARGET(preferableTarget) in function 'validateBackendAndTarget'\n"}
"#;
    const PIP_STDERR: &str = "--- cvdoctor: forward with DNN_BACKEND_CUDA, default engine ---
[ WARN:0@0.019] global net_impl_backend.cpp:297 setPreferableBackend Back-ends are not supported by the new graph engine for now
--- cvdoctor: forward with DNN_BACKEND_CUDA, classic engine ---
Traceback (most recent call last):
cv2.error: OpenCV(5.0.0) /io/opencv/modules/dnn/src/net_impl.cpp:175: error: (-215:Assertion failed) preferableBackend != DNN_BACKEND_CUDA || IS_DNN_CUDA_TARGET(preferableTarget) in function 'validateBackendAndTarget'
";

    #[test]
    fn a_pip_wheel_fails_the_classic_engine_and_warns_in_the_default_one() {
        let run = read_output(PIP_STDOUT, PIP_STDERR);
        assert_eq!(run.outcome, LiveOutcome::Failed);
        assert_eq!(
            run.failed_step.as_deref(),
            Some("cuda-forward (classic engine)")
        );
        assert!(run.error.as_deref().unwrap().contains("IS_DNN_CUDA_TARGET"));
        assert_eq!(run.cuda_targets, Some(vec![]));
        assert_eq!(run.forwards.len(), 2);
        assert!(
            run.forwards[0]
                .warning
                .as_deref()
                .unwrap()
                .contains("new graph engine")
        );
        assert!(run.forwards[1].warning.is_none());
        assert!(run.log.contains("validateBackendAndTarget"));
    }

    #[test]
    fn a_clean_cuda_pass_is_passed_even_when_the_default_engine_warns() {
        let stdout = PIP_STDOUT
            .replace(r#""targets": []"#, r#""targets": [6, 7]"#)
            .lines()
            .filter(|l| !l.contains("\"classic\""))
            .collect::<Vec<_>>()
            .join("\n")
            + "\nCVDOCTOR-LIVE {\"step\": \"cuda-forward\", \"engine\": \"classic\", \"ok\": true, \"max_abs_diff\": 1e-7}\n";
        let stderr = PIP_STDERR.split("Traceback").next().unwrap();
        let run = read_output(&stdout, stderr);
        assert_eq!(run.outcome, LiveOutcome::Passed, "{run:?}");
        assert_eq!(run.failed_step, None);
    }

    #[test]
    fn only_warnings_is_warned() {
        let stdout: String = PIP_STDOUT
            .lines()
            .filter(|l| !l.contains("\"classic\""))
            .map(|l| format!("{l}\n"))
            .collect();
        let stderr = PIP_STDERR
            .split("--- cvdoctor: forward with DNN_BACKEND_CUDA, classic")
            .next()
            .unwrap();
        assert_eq!(read_output(&stdout, stderr).outcome, LiveOutcome::Warned);
    }

    #[test]
    fn an_import_error_is_failed_at_import() {
        let run = read_output(
            "CVDOCTOR-LIVE {\"step\": \"import\", \"ok\": false, \"error\": \"No module named 'cv2'\"}\n",
            "ModuleNotFoundError: No module named 'cv2'\n",
        );
        assert_eq!(run.outcome, LiveOutcome::Failed);
        assert_eq!(run.failed_step.as_deref(), Some("import"));
    }
}
