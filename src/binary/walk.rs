//! Which files `inspect` looks at: the paths given, and for directories the files in them
//! (recursively with `--recursive`). Symlinked directories are not followed and each
//! directory is visited once, so symlink loops end; unreadable entries are reported.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

pub struct Walked {
    pub files: Vec<PathBuf>,
    pub problems: Vec<String>,
}

pub fn files(paths: &[PathBuf], recursive: bool) -> Walked {
    let mut out = Walked {
        files: Vec::new(),
        problems: Vec::new(),
    };
    let mut seen_dirs = HashSet::new();
    for path in paths {
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => visit(path, recursive, 0, &mut seen_dirs, &mut out),
            Ok(meta) if meta.is_file() => out.files.push(path.clone()),
            // A FIFO or device would block or never end: not something to read.
            Ok(_) => out
                .problems
                .push(format!("{}: not a regular file", path.display())),
            Err(e) => out
                .problems
                .push(format!("{}: {}", path.display(), describe(&e))),
        }
    }
    out
}

const MAX_DEPTH: usize = 64;

fn visit(dir: &Path, recursive: bool, depth: usize, seen: &mut HashSet<PathBuf>, out: &mut Walked) {
    let canonical = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
    if !seen.insert(canonical) || depth > MAX_DEPTH {
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            out.problems
                .push(format!("{}: {}", dir.display(), describe(&e)));
            return;
        }
    };
    let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    children.sort();
    for child in children {
        let Ok(link_meta) = std::fs::symlink_metadata(&child) else {
            continue;
        };
        if link_meta.is_dir() {
            if recursive {
                visit(&child, recursive, depth + 1, seen, out);
            }
        } else if link_meta.file_type().is_symlink() {
            // A link to a file is inspected; a link to a directory is not followed.
            match std::fs::metadata(&child) {
                Ok(meta) if meta.is_file() => out.files.push(child),
                Ok(_) => {}
                Err(e) => out
                    .problems
                    .push(format!("{}: {}", child.display(), describe(&e))),
            }
        } else if link_meta.is_file() {
            out.files.push(child);
        }
    }
}

fn describe(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(40) => "symbolic link loop".into(),
        _ => e.to_string(),
    }
}
