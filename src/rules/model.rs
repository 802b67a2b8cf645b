//! The rule file format. See `rules/README.md` for the author's guide.

use serde::{Deserialize, Serialize};

use super::condition::Condition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// A rule file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRule {
    pub id: String,
    pub name: String,
    pub category: String,
    pub severity: Severity,
    /// Higher comes first when several rules fire; specific causes above generic ones.
    #[serde(default = "default_priority")]
    pub priority: i32,
    /// Reported only when no other (non-fallback) rule of at least its severity fires (a warning
    /// does not hide a generic error).
    #[serde(default)]
    pub fallback: bool,
    /// Reads what a person wrote: matched only in the first MiB of the input (a report's
    /// words; a 100 MB log holds none, and such patterns are the costliest to scan for).
    #[serde(default)]
    pub prose: bool,
    /// Rules this one makes redundant when both fire (same cause, more specific advice).
    #[serde(default)]
    pub supersedes: Vec<String>,
    pub title: String,
    /// Fires if any of these match (or always, when empty and `when` is given).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Patterns like `patterns`, but for sentences: matched only in the input's first MiB, as
    /// a `prose` rule's are (one rule can read a log line and the same thing said in words).
    #[serde(default)]
    pub prose_patterns: Vec<String>,
    /// Each of these must also match somewhere in the input.
    #[serde(default)]
    pub requires: Vec<String>,
    /// None of these may match: they mark near-misses that belong to another rule.
    #[serde(default)]
    pub unless: Vec<String>,
    /// Conditions over facts, all of which must hold: `opencv.version < 4.4`, `gpu.cc exists`.
    #[serde(default)]
    pub when: Vec<String>,
    pub explanation: String,
    pub fix: String,
    #[serde(default)]
    pub references: Vec<String>,
    pub examples: RawExamples,
}

fn default_priority() -> i32 {
    50
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExamples {
    pub fires: Vec<Example>,
    pub silent: Vec<String>,
}

/// An input the rule must fire on, optionally with words its fix must contain.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Example {
    Text(String),
    Detailed {
        #[serde(default)]
        text: String,
        #[serde(default)]
        fix_contains: Vec<String>,
        /// Words the fix must not contain: a branch of the template that must stay closed.
        #[serde(default)]
        fix_lacks: Vec<String>,
        /// Facts that probes (inspect, check) would supply, `"binary.fails_on_gpu" = "true"`.
        #[serde(default)]
        facts: std::collections::BTreeMap<String, String>,
    },
}

impl Example {
    pub fn text(&self) -> &str {
        match self {
            Example::Text(text) | Example::Detailed { text, .. } => text,
        }
    }

    pub fn fix_contains(&self) -> &[String] {
        match self {
            Example::Text(_) => &[],
            Example::Detailed { fix_contains, .. } => fix_contains,
        }
    }

    pub fn fix_lacks(&self) -> &[String] {
        match self {
            Example::Text(_) => &[],
            Example::Detailed { fix_lacks, .. } => fix_lacks,
        }
    }

    pub fn facts(&self) -> Vec<(String, String)> {
        match self {
            Example::Text(_) => Vec::new(),
            Example::Detailed { facts, .. } => {
                facts.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
            }
        }
    }
}

/// A validated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub name: String,
    pub category: String,
    pub severity: Severity,
    pub priority: i32,
    pub fallback: bool,
    pub prose: bool,
    pub supersedes: Vec<String>,
    pub title: String,
    pub patterns: Vec<String>,
    pub prose_patterns: Vec<String>,
    pub requires: Vec<String>,
    pub unless: Vec<String>,
    pub when: Vec<Condition>,
    pub explanation: String,
    pub fix: String,
    pub references: Vec<String>,
    pub fires: Vec<Example>,
    pub silent: Vec<String>,
    /// Where it came from: `rules/runtime/CVD101-....toml` or a `--rules` path.
    pub origin: String,
}

/// Which list of a rule a pattern slot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Pattern,
    Requires,
    Unless,
}

impl Rule {
    /// All patterns in slot order, with their role and how many hits to keep.
    pub fn slots(&self) -> Vec<(Role, &str, usize)> {
        let pattern = self
            .patterns
            .iter()
            .chain(&self.prose_patterns)
            .map(|p| (Role::Pattern, p.as_str(), 3));
        let requires = self
            .requires
            .iter()
            .map(|p| (Role::Requires, p.as_str(), 1));
        let unless = self.unless.iter().map(|p| (Role::Unless, p.as_str(), 1));
        pattern.chain(requires).chain(unless).collect()
    }

    /// Whether slot `slot` is read only in the input's first MiB.
    pub fn slot_is_prose(&self, slot: usize) -> bool {
        let first_prose = self.patterns.len();
        self.prose || (first_prose..first_prose + self.prose_patterns.len()).contains(&slot)
    }

    /// Whether the rule has patterns (of either kind) that must match.
    pub fn has_patterns(&self) -> bool {
        !self.patterns.is_empty() || !self.prose_patterns.is_empty()
    }
}
