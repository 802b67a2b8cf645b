//! The prefilter never leaves out a pattern that matches: checked pattern by pattern, with the
//! regex as the oracle, on every real text the repository holds (rule examples, the dev corpus,
//! all holdout sets, tickets) and on those texts upper-cased and lower-cased.

use std::fs;

use cvdoctor::rules::load_rules;
use cvdoctor::text::extractors::extractors;
use cvdoctor::text::pattern;
use cvdoctor::text::prefilter::{Prefilter, required_of};

/// Every `"text"` of the JSON lines files under `dir`, and its text files whole.
fn texts_in(dir: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt" || e == "log") {
            texts.push(String::from_utf8_lossy(&fs::read(&path).unwrap()).into_owned());
        }
        if path.extension().is_some_and(|e| e == "jsonl") {
            for line in fs::read_to_string(&path).unwrap().lines() {
                let value: serde_json::Value = serde_json::from_str(line).unwrap();
                if let Some(text) = value["text"].as_str() {
                    texts.push(text.to_string());
                }
            }
        }
    }
    texts
}

#[test]
fn no_pattern_that_matches_is_left_out() {
    let rules = load_rules(None).unwrap();
    let mut sources: Vec<String> = rules
        .rules
        .iter()
        .flat_map(|r| r.slots().into_iter().map(|(_, p, _)| p.to_string()))
        .collect();
    sources.extend(extractors().iter().map(|e| e.pattern.to_string()));
    let required: Vec<_> = sources
        .iter()
        .map(|s| required_of(&pattern::parse(s).unwrap()))
        .collect();
    let regexes: Vec<_> = sources
        .iter()
        .map(|s| pattern::compile(s).unwrap())
        .collect();
    let prefilter = Prefilter::new(required.iter().map(Vec::as_slice));
    // Most patterns are left to the prefilter: a change that made it give up would not fail
    // the check below, only make the head slow.
    assert!(prefilter.filtered_len() * 10 >= sources.len() * 9);

    let mut texts: Vec<String> = rules
        .rules
        .iter()
        .flat_map(|r| {
            r.fires
                .iter()
                .map(|e| e.text().to_string())
                .chain(r.silent.iter().cloned())
        })
        .collect();
    for dir in [
        "fixtures/corpus",
        "fixtures/holdout",
        "fixtures/tickets",
        "fixtures/text",
    ] {
        texts.extend(texts_in(dir));
    }
    assert!(texts.len() > 1000, "{} texts", texts.len());
    let variants: Vec<String> = texts
        .iter()
        .flat_map(|t| [t.to_uppercase(), t.to_lowercase()])
        .collect();
    texts.extend(variants);

    let mut matches = 0;
    for text in &texts {
        let candidates = prefilter.candidates(text.as_bytes());
        for (id, regex) in regexes.iter().enumerate() {
            if regex.is_match(text.as_bytes()) {
                matches += 1;
                assert!(
                    candidates.binary_search(&id).is_ok(),
                    "pattern `{}` matches but was left out, on:\n{text}",
                    sources[id]
                );
            }
        }
    }
    assert!(matches > 5000, "{matches} matches checked");
    eprintln!("{} texts, {matches} matches, none left out", texts.len());
}
