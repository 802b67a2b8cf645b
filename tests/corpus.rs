//! The real-error corpus: for every case, the top finding has the case's category and its
//! fix mentions each of the case's `fix_mentions` (case-insensitive).

use cvdoctor::diagnose::diagnose_text;
use cvdoctor::rules::load_rules;

#[derive(serde::Deserialize)]
struct Case {
    id: String,
    text: String,
    category: String,
    fix_mentions: Vec<String>,
}

fn cases() -> Vec<Case> {
    include_str!("../fixtures/corpus/errors-dev.jsonl")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("corpus line parses"))
        .collect()
}

#[test]
fn every_corpus_case_is_diagnosed_with_its_category_and_fix() {
    let rules = load_rules(None).unwrap();
    let cases = cases();
    assert_eq!(cases.len(), 44);
    let mut failures = Vec::new();
    for case in &cases {
        let diagnosis = diagnose_text(&rules, &case.text);
        let Some(top) = diagnosis.findings.first() else {
            failures.push(format!("{}: no finding", case.id));
            continue;
        };
        if top.category != case.category {
            failures.push(format!(
                "{}: top is {} ({}), want {}",
                case.id, top.rule, top.category, case.category
            ));
        }
        if top.fix.contains("could not fill this fix") {
            failures.push(format!("{}: fix of {} did not render", case.id, top.rule));
        }
        for word in &case.fix_mentions {
            if !top.fix.to_lowercase().contains(&word.to_lowercase()) {
                failures.push(format!("{}: fix of {} lacks {word:?}", case.id, top.rule));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases fail:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
