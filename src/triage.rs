//! `cvdoctor triage`: many user reports at once. Each file is one report: a `cvdoctor report`
//! bundle or `check --format json` output (their recorded findings are read back), or free
//! text (a pasted ticket), which goes through the same rules as `explain`. Files are read on
//! every core; one that cannot be read is reported and the batch goes on.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde::Serialize;
use serde_json::Value;

use crate::check::MachineFacts;
use crate::diagnose::{self, Input};
use crate::rules::RuleSet;

/// Structured reports larger than this are read as text (no bundle is 64 MiB).
const MAX_STRUCTURED: u64 = 64 << 20;
/// Directories are walked to this many files.
const MAX_FILES: usize = 1_000_000;

#[derive(Debug, Clone, Serialize)]
pub struct TriagedReport {
    pub source: String,
    /// `bundle` (cvdoctor report), `check-json`, `text`, or `unreadable`.
    pub kind: &'static str,
    /// The machine a `check --format json` output came from (its host name).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// Why the file could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Something to know about how it was read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// This report with its full findings as JSON, when asked for (see [`triage_all`]).
    #[serde(skip)]
    pub json: Option<String>,
    pub findings: Vec<Value>,
}

#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub reports: usize,
    pub with_findings: usize,
    pub unreadable: usize,
    /// Reports whose most likely finding has this category.
    pub top_category: BTreeMap<String, usize>,
    /// Rules by how many reports they fire in, most first: `(rule, title, reports)`.
    pub rules: Vec<(String, String, usize)>,
    /// Distinct machines among `check --format json` outputs (by host name).
    pub nodes: usize,
    /// For a fleet: each rule with the nodes it fires on, most nodes first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub by_node: Vec<NodeFinding>,
}

#[derive(Debug, Serialize)]
pub struct NodeFinding {
    pub rule: String,
    pub category: String,
    pub title: String,
    pub nodes: Vec<String>,
}

/// Files named on the command line, directories walked (links to directories not followed).
pub fn collect(inputs: &[PathBuf]) -> (Vec<PathBuf>, Vec<TriagedReport>) {
    let mut files = Vec::new();
    let mut errors = Vec::new();
    let mut stack: Vec<PathBuf> = inputs.iter().rev().cloned().collect();
    while let Some(path) = stack.pop() {
        if files.len() >= MAX_FILES {
            errors.push(unreadable(
                &path,
                format!("not read: triage stops at {MAX_FILES} files; run it again on the rest"),
            ));
            break;
        }
        if path == Path::new("-") {
            files.push(path);
            continue;
        }
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_dir() => match std::fs::read_dir(&path) {
                Ok(entries) => {
                    let mut children: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                    children.sort();
                    stack.extend(children.into_iter().rev());
                }
                Err(e) => errors.push(unreadable(&path, e.to_string())),
            },
            Ok(_) => files.push(path),
            Err(e) => errors.push(unreadable(&path, e.to_string())),
        }
    }
    (files, errors)
}

fn unreadable(path: &Path, why: String) -> TriagedReport {
    TriagedReport {
        source: path.display().to_string(),
        kind: "unreadable",
        node: None,
        error: Some(why),
        note: None,
        json: None,
        findings: Vec::new(),
    }
}

/// One report: a file, or stdin for `-`.
pub fn triage_file(rules: &RuleSet, path: &Path) -> TriagedReport {
    let source = path.display().to_string();
    if path == Path::new("-") {
        return triage_reader(rules, "(stdin)".into(), Box::new(crate::stdin::reader()));
    }
    // A FIFO or a device would block or never end: only regular files (links followed).
    match std::fs::metadata(path) {
        Ok(m) if !m.is_file() => {
            return unreadable(
                path,
                "not a regular file (a FIFO, socket or device): skipped".into(),
            );
        }
        Ok(_) => {}
        Err(e) => return unreadable(path, e.to_string()),
    }
    match std::fs::File::open(path) {
        Ok(file) => triage_reader(rules, source, Box::new(file)),
        Err(e) => unreadable(path, e.to_string()),
    }
}

/// Reads up to `MAX_STRUCTURED` bytes to tell a bundle or check JSON from text; anything
/// longer is text, streamed through the rules with what was already read in front.
fn triage_reader(
    rules: &RuleSet,
    source: String,
    mut reader: Box<dyn Read + Send>,
) -> TriagedReport {
    let mut head = Vec::new();
    if let Err(e) = reader.by_ref().take(MAX_STRUCTURED).read_to_end(&mut head) {
        return unreadable(Path::new(&source), e.to_string());
    }
    if (head.len() as u64) < MAX_STRUCTURED
        && let Some(s) = structured(rules, &head)
    {
        return TriagedReport {
            source,
            kind: s.kind,
            node: s.node,
            error: None,
            note: s.unjudged.map(|why| {
                format!("the findings it recorded are shown: its facts are not readable by this version ({why}); ask for a report made with this cvdoctor version to judge it again")
            }),
            json: None,
            findings: s.findings,
        };
    }
    from_text(
        rules,
        &source,
        Box::new(std::io::Cursor::new(head).chain(reader)),
    )
}

/// A bundle's JSON block or a `check --format json` document. Its machine facts are judged
/// again by these rules (the same judgement `check` makes); a document whose facts this
/// version cannot read keeps the findings it recorded.
fn structured(rules: &RuleSet, bytes: &[u8]) -> Option<Structured> {
    let text = std::str::from_utf8(bytes).ok()?;
    let (kind, json) = match text.find(crate::report::JSON_FENCE) {
        Some(at) => {
            let start = at + crate::report::JSON_FENCE.len();
            let end = start + text[start..].find("\n```")?;
            ("bundle", &text[start..end])
        }
        None if text.trim_start().starts_with('{') => ("check-json", text),
        None => return None,
    };
    let mut doc: Value = serde_json::from_str(json).ok()?;
    doc.get("findings")?.as_array()?; // what makes it a report; read only if not judged again
    let facts = doc.get_mut("facts")?.take();
    let redacted = doc
        .get("redacted")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    match serde_json::from_value::<MachineFacts>(facts) {
        Ok(machine) => {
            let findings = crate::check::facts::judge(rules, &machine)
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .collect();
            // A redacted host name (`<host-1>`) names no node.
            let node = machine.host.filter(|h| !(redacted && h.starts_with('<')));
            Some(Structured {
                kind,
                node,
                findings,
                unjudged: None,
            })
        }
        Err(why) => Some(Structured {
            kind,
            node: None,
            findings: match doc["findings"].take() {
                Value::Array(recorded) => recorded,
                _ => Vec::new(),
            },
            unjudged: Some(why.to_string()),
        }),
    }
}

struct Structured {
    kind: &'static str,
    node: Option<String>,
    findings: Vec<Value>,
    /// Why the recorded findings were kept (facts from another version).
    unjudged: Option<String>,
}

fn from_text(rules: &RuleSet, source: &str, reader: Box<dyn Read + Send>) -> TriagedReport {
    let input = Input {
        name: source.to_string(),
        reader,
    };
    match diagnose::diagnose(rules, vec![input]) {
        Ok(d) => TriagedReport {
            source: source.to_string(),
            kind: "text",
            node: None,
            error: None,
            note: None,
            json: None,
            findings: d
                .findings
                .iter()
                .filter_map(|f| serde_json::to_value(f).ok())
                .collect(),
        },
        Err(e) => unreadable(Path::new(source), e.to_string()),
    }
}

/// What a finding keeps once `each` has seen it: 100,000 reports with full findings would hold
/// every fix's text as JSON trees; the summary needs only these.
const BRIEF_KEYS: &[&str] = &["rule", "name", "category", "severity", "title"];

/// Every file on every core; `each` sees each report as it is done (any order). The result is
/// in input order with findings reduced to [`BRIEF_KEYS`]; with `keep_json`, each report's full
/// JSON (pretty) is kept in [`TriagedReport::json`] first, as compact text.
pub fn triage_all(
    rules: &RuleSet,
    files: &[PathBuf],
    keep_json: bool,
    each: &(dyn Fn(&TriagedReport) + Sync),
) -> Vec<TriagedReport> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(files.len().max(1));
    let next = AtomicUsize::new(0);
    let mut results: Vec<Option<TriagedReport>> = vec![None; files.len()];
    let chunks: Vec<Vec<(usize, TriagedReport)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(path) = files.get(i) else { break };
                        let mut report = triage_file(rules, path);
                        each(&report);
                        if keep_json {
                            report.json = serde_json::to_string_pretty(&report).ok();
                        }
                        report.findings.iter_mut().for_each(keep_brief);
                        done.push((i, report));
                    }
                    done
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_default())
            .collect()
    });
    for (i, report) in chunks.into_iter().flatten() {
        results[i] = Some(report);
    }
    results.into_iter().flatten().collect()
}

fn keep_brief(finding: &mut Value) {
    if let Value::Object(map) = finding {
        map.retain(|k, _| BRIEF_KEYS.contains(&k.as_str()));
    }
}

pub fn summarize(reports: &[TriagedReport]) -> Summary {
    let mut summary = Summary {
        reports: reports.len(),
        ..Default::default()
    };
    let mut rules: BTreeMap<String, (String, usize)> = BTreeMap::new();
    for r in reports {
        if r.kind == "unreadable" {
            summary.unreadable += 1;
        }
        if let Some(top) = r.findings.first() {
            summary.with_findings += 1;
            let category = top["category"].as_str().unwrap_or("?").to_string();
            *summary.top_category.entry(category).or_default() += 1;
        }
        let mut seen = std::collections::HashSet::new();
        for f in &r.findings {
            let rule = f["rule"].as_str().unwrap_or("?").to_string();
            if seen.insert(rule.clone()) {
                let entry = rules
                    .entry(rule)
                    .or_insert_with(|| (f["title"].as_str().unwrap_or("").to_string(), 0));
                entry.1 += 1;
            }
        }
    }
    summarize_nodes(reports, &mut summary);
    summary.rules = rules
        .into_iter()
        .map(|(rule, (title, n))| (rule, title, n))
        .collect();
    summary
        .rules
        .sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    summary
}

/// "3 of 12 nodes: driver older than the CUDA runtime OpenCV needs".
fn summarize_nodes(reports: &[TriagedReport], summary: &mut Summary) {
    use std::collections::BTreeSet;
    let mut nodes = BTreeSet::new();
    // rule -> (category, title, nodes): sets, as a fleet may have thousands of nodes.
    let mut by_rule: BTreeMap<String, (String, String, BTreeSet<String>)> = BTreeMap::new();
    for r in reports {
        let Some(node) = &r.node else { continue };
        nodes.insert(node.clone());
        for f in &r.findings {
            let text = |key: &str| f[key].as_str().unwrap_or("?").to_string();
            by_rule
                .entry(text("rule"))
                .or_insert_with(|| (text("category"), text("title"), BTreeSet::new()))
                .2
                .insert(node.clone());
        }
    }
    summary.nodes = nodes.len();
    summary.by_node = by_rule
        .into_iter()
        .map(|(rule, (category, title, nodes))| NodeFinding {
            rule,
            category,
            title,
            nodes: nodes.into_iter().collect(),
        })
        .collect();
    summary
        .by_node
        .sort_by(|a, b| b.nodes.len().cmp(&a.nodes.len()).then(a.rule.cmp(&b.rule)));
}
