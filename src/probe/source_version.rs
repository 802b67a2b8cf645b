//! The release of an OpenCV or opencv_contrib source tree, to tell whether the two match.
//! OpenCV's `version.hpp` is authoritative; otherwise the git checkout (a release tag on HEAD,
//! or a `4.x`-style branch) or a release tarball's folder name (`opencv_contrib-4.8.0`).

use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Bounds every file read here: these are small text files in a user's tree.
const MAX_FILE: u64 = 1 << 20;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceVersion {
    /// `4.8.0`, or `4.x` for a branch checkout.
    pub version: String,
    /// `version.hpp`, `git tag`, `git branch` or `folder name`.
    pub how: String,
}

fn read_small(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut text = String::new();
    file.take(MAX_FILE).read_to_string(&mut text).ok()?;
    Some(text)
}

/// An OpenCV source tree (the folder holding `modules/core`).
pub fn opencv(root: &Path) -> Option<SourceVersion> {
    from_version_hpp(root)
        .or_else(|| from_git(root))
        .or_else(|| from_folder_name(root))
}

/// opencv_contrib, given its `modules` folder (what OPENCV_EXTRA_MODULES_PATH names).
pub fn contrib(modules: &Path) -> Option<SourceVersion> {
    let root = if modules.file_name().is_some_and(|n| n == "modules") {
        modules.parent()?
    } else {
        modules
    };
    from_git(root).or_else(|| from_folder_name(root))
}

fn from_version_hpp(root: &Path) -> Option<SourceVersion> {
    let version = super::c_header::define_version(
        &root.join("modules/core/include/opencv2/core/version.hpp"),
        [
            "CV_VERSION_MAJOR",
            "CV_VERSION_MINOR",
            "CV_VERSION_REVISION",
        ],
        None,
    )?;
    Some(SourceVersion {
        version,
        how: "version.hpp".into(),
    })
}

/// `x.y.z` (optionally with a `-suffix`), or `x.x`-style branch names.
fn release_like(name: &str) -> Option<String> {
    let parts: Vec<&str> = name.split('.').collect();
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match parts.as_slice() {
        [a, b, c] if numeric(a) && numeric(b) && numeric(c.split('-').next().unwrap_or("")) => {
            Some(format!("{a}.{b}.{}", c.split('-').next().unwrap_or("")))
        }
        [a, "x"] if numeric(a) => Some(format!("{a}.x")),
        _ => None,
    }
}

fn from_git(root: &Path) -> Option<SourceVersion> {
    let git = root.join(".git");
    let head = read_small(&git.join("HEAD"))?;
    let head = head.trim();
    if let Some(branch) = head.strip_prefix("ref: refs/heads/") {
        return release_like(branch).map(|version| SourceVersion {
            version,
            how: "git branch".into(),
        });
    }
    // Detached HEAD (what `git checkout 4.8.0` gives): a tag pointing at that commit.
    let mut tags: Vec<(String, String)> = Vec::new();
    if let Some(packed) = read_small(&git.join("packed-refs")) {
        let mut last_tag: Option<String> = None;
        for line in packed.lines() {
            if let Some(peeled) = line.strip_prefix('^') {
                // An annotated tag: the commit it points to is on this line.
                if let Some(tag) = last_tag.take() {
                    tags.push((peeled.to_string(), tag));
                }
            } else if let Some((sha, name)) = line.split_once(' ') {
                last_tag = name.strip_prefix("refs/tags/").map(str::to_string);
                if let Some(tag) = &last_tag {
                    tags.push((sha.to_string(), tag.clone()));
                }
            }
        }
    }
    if let Ok(entries) = std::fs::read_dir(git.join("refs/tags")) {
        for entry in entries.flatten().take(10_000) {
            if let Some(sha) = read_small(&entry.path()) {
                tags.push((
                    sha.trim().to_string(),
                    entry.file_name().to_string_lossy().into_owned(),
                ));
            }
        }
    }
    tags.iter()
        .filter(|(sha, _)| sha == head)
        .find_map(|(_, tag)| release_like(tag))
        .map(|version| SourceVersion {
            version,
            how: "git tag".into(),
        })
}

fn from_folder_name(root: &Path) -> Option<SourceVersion> {
    let name = root.file_name()?.to_str()?;
    let (_, version) = name.rsplit_once('-')?;
    release_like(version).map(|version| SourceVersion {
        version,
        how: "folder name".into(),
    })
}

/// Whether two trees are of the same release: equal versions, or the same major when one of
/// them is a branch (`4.x`).
pub fn same_release(a: &SourceVersion, b: &SourceVersion) -> bool {
    let major = |v: &str| v.split('.').next().map(str::to_string);
    if a.version.ends_with(".x") || b.version.ends_with(".x") {
        major(&a.version) == major(&b.version)
    } else {
        a.version == b.version
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(version: &str) -> SourceVersion {
        SourceVersion {
            version: version.into(),
            how: "test".into(),
        }
    }

    #[test]
    fn versions_from_version_hpp_git_and_folder_names() {
        let dir = tempfile::tempdir().unwrap();
        let opencv = dir.path().join("opencv");
        let hpp = opencv.join("modules/core/include/opencv2/core");
        std::fs::create_dir_all(&hpp).unwrap();
        std::fs::write(
            hpp.join("version.hpp"),
            "#define CV_VERSION_MAJOR    4\n#define CV_VERSION_MINOR    8\n#define CV_VERSION_REVISION 0\n#define CV_VERSION_STATUS   \"\"\n",
        )
        .unwrap();
        assert_eq!(
            super::opencv(&opencv),
            Some(SourceVersion {
                version: "4.8.0".into(),
                how: "version.hpp".into()
            })
        );

        let contrib_git = dir.path().join("opencv_contrib");
        std::fs::create_dir_all(contrib_git.join(".git")).unwrap();
        std::fs::create_dir_all(contrib_git.join("modules")).unwrap();
        std::fs::write(contrib_git.join(".git/HEAD"), "ref: refs/heads/5.x\n").unwrap();
        assert_eq!(
            contrib(&contrib_git.join("modules")).unwrap().version,
            "5.x"
        );
        let sha = "0123456789abcdef0123456789abcdef01234567";
        std::fs::write(contrib_git.join(".git/HEAD"), format!("{sha}\n")).unwrap();
        std::fs::write(
            contrib_git.join(".git/packed-refs"),
            format!("# pack-refs with: peeled fully-peeled sorted\nfeedfeedfeedfeedfeedfeedfeedfeedfeedfeed refs/tags/4.5.5\n^{sha}\n"),
        )
        .unwrap();
        assert_eq!(
            contrib(&contrib_git.join("modules")),
            Some(SourceVersion {
                version: "4.5.5".into(),
                how: "git tag".into()
            })
        );

        let tarball = dir.path().join("opencv_contrib-4.8.0/modules");
        std::fs::create_dir_all(&tarball).unwrap();
        assert_eq!(contrib(&tarball).unwrap().version, "4.8.0");
        assert_eq!(contrib(&dir.path().join("elsewhere/modules")), None);
    }

    #[test]
    fn same_release_compares_majors_for_branches() {
        assert!(same_release(&v("4.8.0"), &v("4.8.0")));
        assert!(!same_release(&v("4.8.0"), &v("4.5.5")));
        assert!(same_release(&v("4.8.0"), &v("4.x")));
        assert!(!same_release(&v("4.8.0"), &v("5.x")));
    }
}
