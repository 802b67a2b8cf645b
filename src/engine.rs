//! Rules × (facts, pattern hits) → findings, most likely first.

use serde::Serialize;

use crate::facts::{FACT_KEYS, Facts, Origin, derived};
use crate::rules::model::Role;
use crate::rules::{Rule, RuleSet, Severity, template};
use crate::text::scan::{Hit, Owner, ScanResult};

/// A fact a finding rests on, as shown to the user.
#[derive(Debug, Clone, Serialize)]
pub struct FactUse {
    pub fact: &'static str,
    pub value: String,
    pub origin: Origin,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: String,
    pub name: String,
    pub category: String,
    pub severity: Severity,
    pub title: String,
    pub explanation: String,
    pub fix: String,
    /// Shell commands from the fix's code blocks, in order.
    pub commands: Vec<String>,
    pub evidence: Vec<Hit>,
    pub facts: Vec<FactUse>,
    pub references: Vec<String>,
    #[serde(skip)]
    pub priority: i32,
    /// The rule is generic: shown only when no specific finding at least as severe is.
    #[serde(skip)]
    pub fallback: bool,
}

/// What matched for one rule, gathered from the scan.
struct RuleMatches<'a> {
    pattern_hits: Vec<&'a Hit>,
    requires_met: bool,
    unless_hit: bool,
    captures: Vec<(String, String)>,
}

fn matches_for<'a>(rule_index: usize, rule: &Rule, scan: &'a ScanResult) -> RuleMatches<'a> {
    let slots = rule.slots();
    let mut found = RuleMatches {
        pattern_hits: Vec::new(),
        requires_met: true,
        unless_hit: false,
        captures: Vec::new(),
    };
    let mut required_seen = vec![false; slots.len()];
    for (owner, hits) in &scan.rule_hits {
        let Owner::Rule { rule: r, slot } = *owner else {
            continue;
        };
        if r != rule_index || hits.is_empty() {
            continue;
        }
        match slots[slot].0 {
            Role::Pattern => {
                // Every pattern that hit lends its named groups; an earlier pattern's value wins
                // (a fix reads `capture.lib or capture.lib2 ...` whichever pattern matched).
                for (name, value) in &hits[0].captures {
                    if !found.captures.iter().any(|(n, _)| n == name) {
                        found.captures.push((name.clone(), value.clone()));
                    }
                }
                found.pattern_hits.extend(hits.iter());
            }
            Role::Requires => required_seen[slot] = true,
            Role::Unless => found.unless_hit = true,
        }
    }
    found.requires_met = slots
        .iter()
        .enumerate()
        .all(|(i, (role, _, _))| *role != Role::Requires || required_seen[i]);
    found
}

/// Evaluates every rule. `scan.facts` gets its derived facts filled first.
/// The rules over facts alone (no text was scanned): probes and `inspect` verdicts.
pub fn evaluate_facts(rules: &RuleSet, facts: crate::facts::Facts) -> Vec<Finding> {
    let mut scan = ScanResult {
        rule_hits: Vec::new(),
        facts,
        bytes: 0,
        lines: 0,
    };
    evaluate(rules, &mut scan)
}

pub fn evaluate(rules: &RuleSet, scan: &mut ScanResult) -> Vec<Finding> {
    derived::derive(&mut scan.facts);
    let scan = &*scan;
    let mut findings = Vec::new();
    let mut superseded: Vec<&str> = Vec::new();
    for (index, rule) in rules.rules.iter().enumerate() {
        let found = matches_for(index, rule, scan);
        let patterns_ok = !rule.has_patterns() || !found.pattern_hits.is_empty();
        let fires = patterns_ok
            && found.requires_met
            && !found.unless_hit
            && rule.when.iter().all(|c| c.holds(&scan.facts));
        if !fires {
            continue;
        }
        let mut evidence: Vec<Hit> = found.pattern_hits.iter().map(|h| (*h).clone()).collect();
        evidence.sort_by_key(|h| (h.source.clone(), h.line));
        evidence.dedup_by(|a, b| a.source == b.source && a.line == b.line);
        evidence.truncate(3);
        superseded.extend(rule.supersedes.iter().map(String::as_str));
        findings.push(finding(rules, rule, evidence, &found.captures, &scan.facts));
    }
    findings.retain(|f| !superseded.contains(&f.rule.as_str()));
    // A generic (fallback) explanation gives way to a specific one at least as severe, but a
    // warning does not hide a generic error: a lint about the build flags does not explain the
    // failure the paste shows.
    let most_severe_specific = findings
        .iter()
        .filter(|f| !f.fallback)
        .map(|f| f.severity)
        .min();
    if let Some(specific) = most_severe_specific {
        findings.retain(|f| !f.fallback || f.severity < specific);
    }
    findings.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then(a.severity.cmp(&b.severity))
            .then_with(|| first_line(a).cmp(&first_line(b)))
            .then_with(|| a.rule.cmp(&b.rule))
    });
    findings
}

fn first_line(finding: &Finding) -> u64 {
    finding.evidence.first().map_or(u64::MAX, |h| h.line)
}

fn finding(
    rules: &RuleSet,
    rule: &Rule,
    evidence: Vec<Hit>,
    captures: &[(String, String)],
    facts: &Facts,
) -> Finding {
    let ctx = template::context(facts, captures);
    let fix = template::render(&rules.env, &rule.fix, &ctx)
        .unwrap_or_else(|e| format!("(cvdoctor could not fill this fix: {e})\n\n{}", rule.fix));
    Finding {
        rule: rule.id.clone(),
        name: rule.name.clone(),
        category: rule.category.clone(),
        severity: rule.severity,
        title: rule.title.clone(),
        explanation: rule.explanation.clone(),
        commands: code_block_lines(&fix),
        fix,
        evidence,
        facts: facts_used(rule, facts),
        references: rule.references.clone(),
        priority: rule.priority,
        fallback: rule.fallback,
    }
}

/// Facts the rule's conditions or fix mention, so the user sees what the fix was built from.
fn facts_used(rule: &Rule, facts: &Facts) -> Vec<FactUse> {
    FACT_KEYS
        .iter()
        .filter(|k| {
            rule.when.iter().any(|c| c.fact == k.key)
                || rule.fix.contains(k.key)
                || (k.key == "gpu.name" && rule.fix.contains("gpu"))
        })
        .filter_map(|k| {
            let observed = facts.primary_observed(k.key)?;
            Some(FactUse {
                fact: k.key,
                value: observed.value.clone(),
                origin: observed.origin.clone(),
            })
        })
        .collect()
}

/// Lines inside fenced code blocks (```sh ... ```), without the fences.
pub fn code_block_lines(markdown: &str) -> Vec<String> {
    let mut inside = false;
    let mut lines = Vec::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            inside = !inside;
        } else if inside && !line.trim().is_empty() {
            lines.push(line.trim_end().to_string());
        }
    }
    lines
}
