//! Every rule's own examples, and the tidy checks over the rule files.

use std::collections::HashSet;

use cvdoctor::categories::CATEGORIES;
use cvdoctor::diagnose::{diagnose_text, diagnose_text_with_facts};
use cvdoctor::rules::load_rules;
use cvdoctor::text::pattern;

#[test]
fn every_example_fires_and_every_near_miss_stays_silent() {
    let rules = load_rules(None).unwrap();
    let mut failures = Vec::new();
    for rule in &rules.rules {
        for example in &rule.fires {
            let diagnosis = diagnose_text_with_facts(&rules, example.text(), &example.facts());
            match diagnosis.findings.iter().find(|f| f.rule == rule.id) {
                None => failures.push(format!(
                    "{} did not fire on {:?} (got {:?})",
                    rule.id,
                    example.text().trim(),
                    diagnosis
                        .findings
                        .iter()
                        .map(|f| &f.rule)
                        .collect::<Vec<_>>()
                )),
                Some(finding) => {
                    if finding.fix.contains("could not fill this fix") {
                        failures.push(format!(
                            "{}: fix template did not render:\n{}",
                            rule.id, finding.fix
                        ));
                    }
                    for word in example.fix_contains() {
                        if !finding.fix.to_lowercase().contains(&word.to_lowercase()) {
                            failures
                                .push(format!("{}: fix lacks {word:?}:\n{}", rule.id, finding.fix));
                        }
                    }
                    for word in example.fix_lacks() {
                        if finding.fix.to_lowercase().contains(&word.to_lowercase()) {
                            failures.push(format!(
                                "{}: fix should not say {word:?}:\n{}",
                                rule.id, finding.fix
                            ));
                        }
                    }
                }
            }
        }
        for text in &rule.silent {
            let diagnosis = diagnose_text(&rules, text);
            if diagnosis.findings.iter().any(|f| f.rule == rule.id) {
                failures.push(format!("{} fired on its near-miss {text:?}", rule.id));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn ids_names_files_and_categories_are_tidy() {
    let rules = load_rules(None).unwrap();
    let mut ids = HashSet::new();
    let mut names = HashSet::new();
    for rule in &rules.rules {
        assert!(ids.insert(rule.id.clone()), "duplicate id {}", rule.id);
        assert!(
            names.insert(rule.name.clone()),
            "duplicate name {}",
            rule.name
        );
        let file_name = rule.origin.rsplit('/').next().unwrap();
        assert_eq!(
            file_name,
            format!("{}-{}.toml", rule.id, rule.name),
            "file name of {}",
            rule.id
        );
        assert!(CATEGORIES.contains(&rule.category.as_str()));
        // Name the problem, not the fix (ruff's naming convention).
        for banned in [
            "use-", "avoid-", "prefer-", "fix-", "install-", "upgrade-", "do-not-",
        ] {
            assert!(
                !rule.name.starts_with(banned),
                "{} is named after a fix",
                rule.name
            );
        }
        assert!(
            !rule.title.ends_with('.'),
            "{} title ends with a period",
            rule.id
        );
        assert!(
            !rule.fires.is_empty() && !rule.silent.is_empty(),
            "{} lacks examples",
            rule.id
        );
        assert!(
            !rule.references.is_empty(),
            "{} cites no reference",
            rule.id
        );
        // Explanations are printed as written; only fixes are templates.
        assert!(
            !rule.explanation.contains("{{") && !rule.explanation.contains("{%"),
            "{} explanation holds template syntax",
            rule.id
        );
        assert!(
            rule.explanation.len() > 80,
            "{} explanation is too short to explain",
            rule.id
        );
    }
}

#[test]
fn every_category_has_a_rule() {
    let rules = load_rules(None).unwrap();
    let covered: HashSet<&str> = rules.rules.iter().map(|r| r.category.as_str()).collect();
    let missing: Vec<&&str> = CATEGORIES
        .iter()
        .filter(|c| !covered.contains(**c))
        .collect();
    assert!(missing.is_empty(), "categories without a rule: {missing:?}");
}

/// Fix templates render with no facts at all and with every fact known, so no branch of a
/// template can fail at run time (an example only exercises the branches it reaches).
#[test]
fn every_fix_template_renders_with_no_facts_and_with_all_facts() {
    use cvdoctor::facts::{FACT_KEYS, FactKind, Facts, Origin};
    use cvdoctor::rules::template;

    let rules = load_rules(None).unwrap();
    let mut all = Facts::default();
    for key in FACT_KEYS {
        let value = match key.kind {
            FactKind::Version => "8.6",
            FactKind::Bool => "false",
            FactKind::Text | FactKind::List => "windows",
        };
        all.add(key.key, value, Origin::Derived { by: "test" });
    }
    all.add(
        "gpu.name",
        "NVIDIA GeForce RTX 3080",
        Origin::Derived { by: "test" },
    );
    let names = regex::Regex::new(r"\(\?P<(\w+)>").unwrap();
    let mut failures = Vec::new();
    for rule in &rules.rules {
        let captures: Vec<(String, String)> = rule
            .patterns
            .iter()
            .flat_map(|p| {
                names
                    .captures_iter(p)
                    .map(|c| (c[1].to_string(), "86".to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for (facts, caps) in [(&Facts::default(), &Vec::new()), (&all, &captures)] {
            let ctx = template::context(facts, caps);
            if let Err(e) = template::render(&rules.env, &rule.fix, &ctx) {
                failures.push(format!("{}: {e}", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Built-in rules skip the per-pattern check at start-up; this test does it instead, with
/// the same checks a `--rules` file gets (compiles, does not match empty text).
#[test]
fn every_builtin_rule_passes_the_checks_user_rules_get() {
    let rules = load_rules(None).unwrap();
    let env = cvdoctor::rules::template::environment();
    for rule in &rules.rules {
        let source = std::fs::read_to_string(
            concat!(env!("CARGO_MANIFEST_DIR"), "/").to_string() + &rule.origin,
        )
        .unwrap();
        cvdoctor::rules::load::parse_rule(&rule.origin, &source, &env)
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn superseded_rules_name_existing_rules() {
    let rules = load_rules(None).unwrap();
    for rule in &rules.rules {
        for other in &rule.supersedes {
            assert!(
                rules.find(other).is_some(),
                "{} supersedes unknown {other}",
                rule.id
            );
        }
    }
}

/// Where a rule fires on its own examples, the rules it supersedes are not shown beside it
/// (CVD121's container without `--gpus` must not also say "update the driver").
#[test]
fn superseded_rules_leave_the_findings() {
    let rules = load_rules(None).unwrap();
    let mut checked = 0;
    for rule in rules.rules.iter().filter(|r| !r.supersedes.is_empty()) {
        for example in &rule.fires {
            let diagnosis = diagnose_text_with_facts(&rules, example.text(), &example.facts());
            let shown: Vec<&str> = diagnosis.findings.iter().map(|f| f.rule.as_str()).collect();
            assert!(shown.contains(&rule.id.as_str()), "{shown:?}");
            for other in &rule.supersedes {
                assert!(
                    !shown.contains(&other.as_str()),
                    "{} fired beside {other}, which it supersedes: {shown:?}",
                    rule.id
                );
            }
            checked += 1;
        }
    }
    assert!(checked > 0);
}

#[test]
fn every_named_group_is_read_by_the_fix() {
    // Captures reach only the fix template: a group no fix reads is state nothing uses.
    let rules = load_rules(None).unwrap();
    let mut unread = Vec::new();
    for rule in &rules.rules {
        for (_, source, _) in rule.slots() {
            let regex = pattern::compile(source).unwrap();
            for name in regex.capture_names().flatten() {
                let use_of = format!(r#"capture(?:\.{name}\b|\[['"]{name}['"]\])"#);
                let read = regex::Regex::new(&use_of).unwrap().is_match(&rule.fix);
                if !read {
                    unread.push(format!("{} {name}", rule.id));
                }
            }
        }
    }
    unread.sort();
    unread.dedup();
    assert!(unread.is_empty(), "named groups no fix reads: {unread:?}");
}
