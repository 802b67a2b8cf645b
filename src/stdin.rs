//! Standard input, read in large pieces.
//!
//! A pipe's kernel buffer is 64 KiB by default: reading 1 GB through it woke the writer for
//! every 55 KB piece, and the wake-ups cost cvdoctor more time than its scan (`cat` of 1 GB
//! into `explain -`, one core: 8.38 s with the default buffer, 5.49 s with 1 MiB).

use std::io;

/// The pipe buffer asked for; 1 MiB is Linux's default ceiling for unprivileged processes
/// (`/proc/sys/fs/pipe-max-size`).
#[cfg(target_os = "linux")]
const PIPE_BUFFER: libc::c_int = 1 << 20;

/// Standard input, its pipe buffer widened when it is a pipe.
pub fn reader() -> io::Stdin {
    widen_pipe();
    io::stdin()
}

#[cfg(target_os = "linux")]
fn widen_pipe() {
    use std::os::fd::AsRawFd;
    let fd = io::stdin().as_raw_fd();
    // SAFETY: fcntl with an integer argument on our own descriptor touches no memory. When
    // stdin is not a pipe, or the size is refused, it fails and nothing changes, as wanted.
    unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_BUFFER);
    }
}

#[cfg(not(target_os = "linux"))]
fn widen_pipe() {}
