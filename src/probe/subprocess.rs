//! Running the user's Python safely: a time limit (the child is killed after it), bounded
//! capture of stdout and stderr (drained on threads so a chatty child cannot block on a full
//! pipe), and no stdin.

use std::io::Read;
use std::process::{Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub struct Finished {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

pub enum Outcome {
    Finished(Finished),
    /// Killed after the limit; what it printed until then.
    TimedOut {
        stdout: String,
        stderr: String,
    },
}

/// Keeps the first `limit` bytes and discards the rest, reading to the end.
fn drain(mut from: impl Read + Send + 'static, limit: usize) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        while let Ok(n) = from.read(&mut buf) {
            if n == 0 {
                break;
            }
            let room = limit.saturating_sub(kept.len());
            kept.extend_from_slice(&buf[..n.min(room)]);
        }
        String::from_utf8_lossy(&kept).into_owned()
    })
}

pub fn run(command: &mut Command, timeout: Duration, limit: usize) -> Result<Outcome, String> {
    let program = command.get_program().to_string_lossy().into_owned();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{program}: cannot run: {e}"))?;
    let stdout = child.stdout.take().map(|o| drain(o, limit));
    let stderr = child.stderr.take().map(|e| drain(e, limit));
    let collect =
        |handle: Option<JoinHandle<String>>| handle.and_then(|h| h.join().ok()).unwrap_or_default();
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => {
                return Ok(Outcome::Finished(Finished {
                    status,
                    stdout: collect(stdout),
                    stderr: collect(stderr),
                    elapsed: started.elapsed(),
                }));
            }
            Ok(None) if started.elapsed() > timeout => {
                let _ = child.kill();
                let _ = child.wait();
                // A grandchild may still hold the pipes open: do not wait for it.
                let take = |h: Option<JoinHandle<String>>| match h {
                    Some(h) if h.is_finished() => h.join().unwrap_or_default(),
                    _ => String::new(),
                };
                return Ok(Outcome::TimedOut {
                    stdout: take(stdout),
                    stderr: take(stderr),
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(format!("{program}: {e}")),
        }
    }
}
