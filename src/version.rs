//! Dotted version numbers (`4.4.0-dev`, `12.8`, `580.159.04`) compared numerically.
//!
//! Missing trailing components count as zero, so `4.4` == `4.4.0`; anything after the
//! numeric part (`-dev`, `+cu130`) is kept for display but ignored when comparing.

use std::cmp::Ordering;
use std::fmt;

#[derive(Debug, Clone, Eq, serde::Serialize)]
#[serde(into = "String")]
pub struct Version {
    parts: Vec<u32>,
    text: String,
}

impl Version {
    /// Parses the leading `N(.N)*` of `text`; `None` when it does not start with a digit.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let numeric_len = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let numeric = text[..numeric_len].trim_end_matches('.');
        if numeric.is_empty() || !numeric.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let parts = numeric
            .split('.')
            .map(|p| p.parse::<u32>().ok())
            .collect::<Option<Vec<_>>>()?;
        Some(Version {
            parts,
            text: text.to_string(),
        })
    }

    pub fn major(&self) -> u32 {
        self.parts[0]
    }

    pub fn minor(&self) -> u32 {
        self.parts.get(1).copied().unwrap_or(0)
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The first `n` components: `4.8.0.76` → `4.8.0` (a pip wheel's fourth number is its
    /// packaging build, not OpenCV's).
    pub fn leading(&self, n: usize) -> Version {
        let parts: Vec<u32> = self.parts.iter().copied().take(n).collect();
        let text = parts
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".");
        Version { parts, text }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let len = self.parts.len().max(other.parts.len());
        for i in 0..len {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => continue,
                unequal => return unequal,
            }
        }
        Ordering::Equal
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<Version> for String {
    fn from(v: Version) -> String {
        v.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compares_numerically_with_missing_parts_as_zero() {
        let v = |s| Version::parse(s).unwrap();
        assert!(v("4.10.0") > v("4.9"));
        assert_eq!(v("4.4"), v("4.4.0-dev"));
        assert!(v("580.159.04") > v("580.65.06"));
        assert!(v("4.3.9") < v("4.4"));
        assert_eq!(v("12.8").major(), 12);
        assert_eq!(v("12.8").minor(), 8);
        assert_eq!(v("4.8.0.76").leading(3), v("4.8.0"));
        assert_eq!(v("4.8.0.76").leading(3).as_str(), "4.8.0");
        assert_ne!(v("4.10.0.84").leading(3), v("4.8.0"));
    }

    #[test]
    fn rejects_non_versions() {
        assert!(Version::parse("dev").is_none());
        assert!(Version::parse("").is_none());
        assert!(Version::parse(".5").is_none());
        assert!(Version::parse("99999999999999").is_none());
    }
}
