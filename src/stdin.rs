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
    let stdin = io::stdin();
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        widen_pipe(stdin.as_raw_fd());
    }
    stdin
}

/// Asks for a [`PIPE_BUFFER`] buffer on `fd`. When `fd` is not a pipe, or the size is refused,
/// fcntl fails and nothing changes, as wanted.
#[cfg(target_os = "linux")]
fn widen_pipe(fd: std::os::fd::RawFd) {
    // SAFETY: fcntl with an integer argument touches no memory; a bad descriptor is an error.
    unsafe {
        libc::fcntl(fd, libc::F_SETPIPE_SZ, PIPE_BUFFER);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_pipe_gets_the_wide_buffer() {
        let mut fds = [0; 2];
        // SAFETY: pipe fills the two descriptors of the array it is given.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let before = unsafe { libc::fcntl(fds[0], libc::F_GETPIPE_SZ) };
        widen_pipe(fds[0]);
        let after = unsafe { libc::fcntl(fds[0], libc::F_GETPIPE_SZ) };
        unsafe {
            libc::close(fds[0]);
            libc::close(fds[1]);
        }
        // the default is 64 KiB on 4 KiB pages; the system's ceiling may be lower than ours
        let ceiling: libc::c_int = std::fs::read_to_string("/proc/sys/fs/pipe-max-size")
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(PIPE_BUFFER);
        assert_eq!(after, PIPE_BUFFER.min(ceiling).max(before));
    }
}
