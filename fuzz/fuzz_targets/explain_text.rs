//! Fuzzes the whole text path: scanning (chunks, ANSI stripping, evidence clipping),
//! extractors, derived facts, rule evaluation, fix templates and all three renderers.
#![no_main]

use std::sync::OnceLock;

use cvdoctor::diagnose::{diagnose, Input};
use cvdoctor::render;
use cvdoctor::rules::{load_rules, RuleSet};
use libfuzzer_sys::fuzz_target;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| load_rules(None).expect("built-in rules load"))
}

fuzz_target!(|data: &[u8]| {
    let input = Input { name: "fuzz".into(), reader: Box::new(data) };
    let diagnosis = diagnose(rules(), vec![input]).expect("reading memory cannot fail");
    let mut sink = Vec::new();
    render::human::render(&mut sink, &diagnosis, true).unwrap();
    render::json::render(&mut sink, &diagnosis).unwrap();
    render::markdown::render(&mut sink, &diagnosis).unwrap();
});
