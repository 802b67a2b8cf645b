//! One call for "here is some text, what is wrong": scan, derive, evaluate.

use std::io::{self, Read};

use serde::Serialize;

use crate::engine::{self, Finding};
use crate::facts::Facts;
use crate::rules::RuleSet;
use crate::text::scan::Scanner;

#[derive(Debug, Serialize)]
pub struct Diagnosis {
    pub findings: Vec<Finding>,
    pub facts: Facts,
    pub bytes: u64,
    pub lines: u64,
}

impl Diagnosis {
    /// Findings that came from probes rather than text, for the text renderers.
    pub fn of_findings(findings: Vec<Finding>) -> Diagnosis {
        Diagnosis {
            findings,
            facts: Facts::default(),
            bytes: 0,
            lines: 0,
        }
    }
}

/// A named input: a file name or `stdin`, and its reader.
pub struct Input<'a> {
    pub name: String,
    pub reader: Box<dyn Read + 'a>,
}

pub fn diagnose(rules: &RuleSet, inputs: Vec<Input<'_>>) -> std::io::Result<Diagnosis> {
    let mut scanner = Scanner::new(&rules.plan);
    for input in inputs {
        scanner
            .scan_reader(&input.name, input.reader)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", input.name)))?;
    }
    let mut scan = scanner.finish();
    let findings = engine::evaluate(rules, &mut scan);
    Ok(Diagnosis {
        findings,
        facts: scan.facts,
        bytes: scan.bytes,
        lines: scan.lines,
    })
}

/// Convenience for tests and callers holding the text in memory.
pub fn diagnose_text(rules: &RuleSet, text: &str) -> Diagnosis {
    diagnose_text_with_facts(rules, text, &[])
}

/// Like [`diagnose_text`], naming the source in the evidence.
pub fn diagnose_named(rules: &RuleSet, name: &str, text: &str) -> Diagnosis {
    let input = Input {
        name: name.to_string(),
        reader: Box::new(io::Cursor::new(text.as_bytes().to_vec())),
    };
    diagnose(rules, vec![input]).expect("reading from memory cannot fail")
}

/// Text plus facts a probe would have supplied (rule examples for probe-fed rules).
/// Unknown fact keys are ignored.
pub fn diagnose_text_with_facts(
    rules: &RuleSet,
    text: &str,
    facts: &[(String, String)],
) -> Diagnosis {
    let mut scanner = Scanner::new(&rules.plan);
    scanner
        .scan_reader("text", text.as_bytes())
        .expect("reading from memory cannot fail");
    let mut scan = scanner.finish();
    for (key, value) in facts {
        if let Some(k) = crate::facts::fact_key(key) {
            scan.facts.add(
                k.key,
                value.clone(),
                crate::facts::Origin::Derived { by: "example" },
            );
        }
    }
    let findings = engine::evaluate(rules, &mut scan);
    Diagnosis {
        findings,
        facts: scan.facts,
        bytes: scan.bytes,
        lines: scan.lines,
    }
}
