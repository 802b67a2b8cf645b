//! `cvdoctor rules`: the list, and one rule's long explanation (like `rustc --explain`).

use std::io::{self, Write};

use colored::Colorize;
use serde_json::json;

use super::Format;
use crate::rules::{Rule, RuleSet};

fn rule_json(rule: &Rule) -> serde_json::Value {
    json!({
        "rule": rule.id, "name": rule.name, "category": rule.category,
        "severity": rule.severity, "title": rule.title, "explanation": rule.explanation,
        "fix_template": rule.fix, "references": rule.references, "origin": rule.origin,
    })
}

pub fn list(out: &mut dyn Write, rules: &RuleSet, format: Format) -> io::Result<()> {
    let mut sorted: Vec<&Rule> = rules.rules.iter().collect();
    sorted.sort_by(|a, b| a.id.cmp(&b.id));
    match format {
        Format::Json | Format::Jsonl => {
            let list: Vec<_> = sorted.iter().map(|r| rule_json(r)).collect();
            serde_json::to_writer_pretty(&mut *out, &json!({ "rules": list }))?;
            writeln!(out)
        }
        Format::Markdown => {
            writeln!(out, "| id | name | category | title |\n|---|---|---|---|")?;
            for r in sorted {
                writeln!(
                    out,
                    "| {} | `{}` | `{}` | {} |",
                    r.id, r.name, r.category, r.title
                )?;
            }
            Ok(())
        }
        Format::Human => {
            let name_width = sorted.iter().map(|r| r.name.len()).max().unwrap_or(0);
            let category_width = sorted.iter().map(|r| r.category.len()).max().unwrap_or(0);
            for r in sorted {
                writeln!(
                    out,
                    "{}  {:name_width$}  {:category_width$}  {}",
                    r.id.bold(),
                    r.name,
                    r.category,
                    r.title
                )?;
            }
            Ok(())
        }
    }
}

pub fn show(out: &mut dyn Write, rule: &Rule, format: Format) -> io::Result<()> {
    match format {
        Format::Json | Format::Jsonl => {
            serde_json::to_writer_pretty(&mut *out, &rule_json(rule))?;
            writeln!(out)
        }
        Format::Human | Format::Markdown => {
            writeln!(out, "# {} `{}`: {}\n", rule.id, rule.name, rule.title)?;
            writeln!(
                out,
                "Category: `{}`. Severity: {}.\n",
                rule.category,
                rule.severity.as_str()
            )?;
            writeln!(out, "## What happened, and why\n\n{}\n", rule.explanation)?;
            writeln!(
                out,
                "## Fix\n\nThe fix is filled from what cvdoctor finds in your input; the template is:\n\n{}\n",
                rule.fix.trim()
            )?;
            writeln!(out, "## Recognised by\n")?;
            for p in &rule.patterns {
                writeln!(out, "- text matching `{p}`")?;
            }
            for p in &rule.requires {
                writeln!(out, "- together with text matching `{p}`")?;
            }
            for c in &rule.when {
                writeln!(out, "- when `{c}`")?;
            }
            writeln!(
                out,
                "\n## Example\n\n```text\n{}\n```",
                rule.fires[0].text().trim()
            )?;
            if !rule.references.is_empty() {
                writeln!(out, "\n## References\n")?;
                for r in &rule.references {
                    writeln!(out, "- {r}")?;
                }
            }
            Ok(())
        }
    }
}
