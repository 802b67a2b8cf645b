//! The Python that would run the user's script: `--python PATH`, else the active virtualenv
//! (`VIRTUAL_ENV`), else `python3` on PATH. One short subprocess (with a timeout; it does
//! not import cv2) reads its version, `sys.path` and extension suffix.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub const TIMEOUT: Duration = Duration::from_secs(5);

const SCRIPT: &str = "import sys, json, sysconfig\n\
print(json.dumps({'executable': sys.executable, 'version': '%d.%d.%d' % sys.version_info[:3], \
'path': sys.path, 'ext_suffix': sysconfig.get_config_var('EXT_SUFFIX') or '', \
'platlib': sysconfig.get_paths().get('platlib', ''), 'prefix': sys.prefix}))";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Python {
    pub executable: String,
    pub version: String,
    #[serde(rename = "path")]
    pub sys_path: Vec<String>,
    /// `.cpython-312-x86_64-linux-gnu.so`: the ABI tag extension modules must carry.
    pub ext_suffix: String,
    pub platlib: String,
    pub prefix: String,
    /// How it was chosen: `--python`, `VIRTUAL_ENV`, `PATH`.
    #[serde(default)]
    pub chosen_by: String,
}

/// Which interpreter to ask, and why.
pub fn choose(explicit: Option<&Path>) -> Option<(PathBuf, &'static str)> {
    if let Some(p) = explicit {
        return Some((p.to_path_buf(), "--python"));
    }
    if let Some(venv) = std::env::var_os("VIRTUAL_ENV") {
        let candidate = Path::new(&venv).join("bin/python");
        if candidate.exists() {
            return Some((candidate, "VIRTUAL_ENV"));
        }
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("python3"))
        .find(|p| p.is_file())
        .map(|p| (p, "PATH"))
}

/// Runs the interpreter once, killing it after [`TIMEOUT`].
pub fn probe(explicit: Option<&Path>) -> Result<Python, String> {
    let (exe, chosen_by) = choose(explicit).ok_or("no python3 on PATH and no --python given")?;
    let mut child = Command::new(&exe)
        // No -I/-E: PYTHONPATH and the user site decide which cv2 is imported, so they must count.
        .args(["-c", SCRIPT])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{}: cannot run: {e}", exe.display()))?;
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "{}: no answer within {} s (killed)",
                    exe.display(),
                    TIMEOUT.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("{}: {e}", exe.display())),
        }
    };
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = child.stdout.take() {
        let _ = out.by_ref().take(1 << 20).read_to_string(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.by_ref().take(64 << 10).read_to_string(&mut stderr);
    }
    if !status.success() {
        let first = stderr.lines().last().unwrap_or("").trim();
        return Err(format!("{}: exited with {status}: {first}", exe.display()));
    }
    let mut python: Python = serde_json::from_str(stdout.trim())
        .map_err(|e| format!("{}: unexpected output ({e})", exe.display()))?;
    python.chosen_by = chosen_by.to_string();
    Ok(python)
}
