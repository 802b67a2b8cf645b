//! The Python that would run the user's script: `--python PATH`, else the active virtualenv
//! (`VIRTUAL_ENV`), else `python3` on PATH. One short subprocess (with a timeout; it does
//! not import cv2) reads its version, `sys.path` and extension suffix.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::subprocess;

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
    /// The path run (a venv's `bin/python` link or a wrapper script, where `executable` is
    /// what it resolved to); `--live` runs the same.
    #[serde(default)]
    pub invoked_as: String,
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
    // No -I/-E: PYTHONPATH and the user site decide which cv2 is imported, so they must count.
    let mut command = Command::new(&exe);
    command.args(["-c", SCRIPT]);
    let done = match subprocess::run(&mut command, TIMEOUT, 1 << 20)? {
        subprocess::Outcome::Finished(done) => done,
        subprocess::Outcome::TimedOut { .. } => {
            return Err(format!(
                "{}: no answer within {} s (killed)",
                exe.display(),
                TIMEOUT.as_secs()
            ));
        }
    };
    if !done.status.success() {
        let last = done.stderr.lines().last().unwrap_or("").trim();
        return Err(format!(
            "{}: exited with {}: {last}",
            exe.display(),
            done.status
        ));
    }
    let mut python: Python = serde_json::from_str(done.stdout.trim())
        .map_err(|e| format!("{}: unexpected output ({e})", exe.display()))?;
    python.chosen_by = chosen_by.to_string();
    python.invoked_as = exe.display().to_string();
    Ok(python)
}
