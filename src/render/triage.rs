//! `triage` output for people: one line per report, then how many reports each category and
//! each rule covers. `markdown` gives the same as tables.

use std::io::{self, Write};

use crate::triage::{Summary, TriagedReport};

/// `{"schema", "reports": [...], "summary": {...}}`, pretty, from each report's kept JSON text
/// (written piece by piece: the whole document is never one tree in memory).
pub fn json(out: &mut dyn Write, reports: &[TriagedReport], summary: &Summary) -> io::Result<()> {
    writeln!(
        out,
        "{{\n  \"schema\": {},\n  \"reports\": [",
        crate::render::json::SCHEMA_VERSION
    )?;
    for (i, r) in reports.iter().enumerate() {
        let text = match &r.json {
            Some(text) => std::borrow::Cow::Borrowed(text.as_str()),
            None => std::borrow::Cow::Owned(serde_json::to_string_pretty(r)?),
        };
        let indented = text.replace('\n', "\n    ");
        let comma = if i + 1 < reports.len() { "," } else { "" };
        writeln!(out, "    {indented}{comma}")?;
    }
    let summary = serde_json::to_string_pretty(summary)?.replace('\n', "\n  ");
    writeln!(out, "  ],\n  \"summary\": {summary}\n}}")
}

pub fn human(
    out: &mut dyn Write,
    reports: &[TriagedReport],
    summary: &Summary,
    markdown: bool,
) -> io::Result<()> {
    if markdown {
        writeln!(
            out,
            "## cvdoctor triage\n\n| report | kind | most likely |\n|---|---|---|"
        )?;
    }
    for r in reports {
        let top = match (r.findings.first(), &r.error) {
            (_, Some(e)) => format!("not read: {e}"),
            (Some(f), None) => format!(
                "{} {} ({}){}",
                f["rule"].as_str().unwrap_or("?"),
                f["name"].as_str().unwrap_or(""),
                f["category"].as_str().unwrap_or("?"),
                match r.findings.len() {
                    1 => String::new(),
                    n => format!(" +{} more", n - 1),
                }
            ),
            (None, None) => "nothing found".into(),
        };
        if markdown {
            writeln!(
                out,
                "| `{}` | {} | {} |",
                r.source.replace('|', "\\|"),
                r.kind,
                top
            )?;
        } else {
            writeln!(out, "{}: {top}", r.source)?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "{} reports, {} with findings, {} not read",
        summary.reports, summary.with_findings, summary.unreadable
    )?;
    if markdown {
        writeln!(out, "\n| category (most likely) | reports |\n|---|---|")?;
    }
    let mut categories: Vec<(&String, &usize)> = summary.top_category.iter().collect();
    categories.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (category, n) in categories {
        if markdown {
            writeln!(out, "| `{category}` | {n} |")?;
        } else {
            writeln!(out, "  {n:>6}  {category}")?;
        }
    }
    if summary.nodes > 0 {
        if markdown {
            writeln!(
                out,
                "\n| nodes | finding | rule | which |\n|---|---|---|---|"
            )?;
        } else {
            writeln!(out, "by node ({} nodes):", summary.nodes)?;
        }
        for n in &summary.by_node {
            let share = format!("{} of {} nodes", n.nodes.len(), summary.nodes);
            let which = if n.nodes.len() == summary.nodes {
                "all".to_string()
            } else {
                shorten(&n.nodes, 8)
            };
            if markdown {
                writeln!(out, "| {share} | {} | `{}` | {which} |", n.title, n.rule)?;
            } else {
                writeln!(out, "  {share}: {} ({}): {which}", n.title, n.rule)?;
            }
        }
        let healthy = summary.nodes - nodes_with_findings(summary);
        if healthy > 0 && !markdown {
            writeln!(out, "  {healthy} of {} nodes: nothing found", summary.nodes)?;
        }
    }
    if !summary.rules.is_empty() {
        if markdown {
            writeln!(out, "\n| rule | fix for | reports |\n|---|---|---|")?;
        } else {
            writeln!(
                out,
                "most common findings (run `cvdoctor rules CODE` for the fix):"
            )?;
        }
        for (rule, title, n) in summary.rules.iter().take(10) {
            if markdown {
                writeln!(out, "| `{rule}` | {title} | {n} |")?;
            } else {
                writeln!(out, "  {n:>6}  {rule}  {title}")?;
            }
        }
    }
    Ok(())
}

/// The first `max` names, then how many more.
fn shorten(names: &[String], max: usize) -> String {
    let mut shown = names
        .iter()
        .take(max)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > max {
        shown.push_str(&format!(" and {} more", names.len() - max));
    }
    shown
}

fn nodes_with_findings(summary: &Summary) -> usize {
    let mut nodes: Vec<&String> = summary.by_node.iter().flat_map(|n| &n.nodes).collect();
    nodes.sort();
    nodes.dedup();
    nodes.len()
}
