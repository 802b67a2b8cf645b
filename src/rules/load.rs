//! Loads and validates rules: the embedded set, then `--rules DIR` on top (same id
//! replaces). Every problem names the file and line, so a user's rule is quick to fix.

use std::fmt;
use std::path::Path;

use minijinja::Environment;

use super::condition::Condition;
use super::model::{RawRule, Rule};
use super::template;
use crate::categories;
use crate::text::pattern;
use crate::text::scan::{Owner, PlannedPattern, ScanPlan};

include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));

/// A problem in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

impl std::error::Error for RuleError {}

pub struct RuleSet {
    pub rules: Vec<Rule>,
    pub env: Environment<'static>,
    pub plan: ScanPlan,
}

impl RuleSet {
    pub fn find(&self, id_or_name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            r.id.eq_ignore_ascii_case(id_or_name) || r.name.eq_ignore_ascii_case(id_or_name)
        })
    }
}

/// The embedded rules plus those in `extra_dir`.
pub fn load_rules(extra_dir: Option<&Path>) -> Result<RuleSet, RuleError> {
    let env = template::environment();
    let mut rules = Vec::new();
    for (path, source) in EMBEDDED_RULES {
        rules.push(parse_rule_checked(path, source, &env, true)?);
    }
    if let Some(dir) = extra_dir {
        for rule in load_dir(dir, &env)? {
            match rules.iter_mut().find(|r| r.id == rule.id) {
                Some(existing) => *existing = rule,
                None => rules.push(rule),
            }
        }
    }
    check_unique(&rules)?;
    let slots: Vec<Vec<PlannedPattern>> = rules
        .iter()
        .map(|r| {
            r.slots()
                .into_iter()
                .enumerate()
                .map(|(slot, (_, p, limit))| {
                    let prose = r.slot_is_prose(slot);
                    PlannedPattern {
                        // Prose is written by hand and may be hard-wrapped: see `prose_gaps`.
                        source: if prose {
                            pattern::prose_gaps(p)
                        } else {
                            p.to_string()
                        },
                        limit,
                        head_only: prose,
                    }
                })
                .collect()
        })
        .collect();
    let plan = ScanPlan::new(&slots).map_err(|(owner, e)| {
        let (file, message) = match owner {
            Some(Owner::Rule { rule, .. }) => (
                rules[rule].origin.clone(),
                format!("pattern does not compile: {e}"),
            ),
            // Built in and tested: only a broken build gets here.
            Some(Owner::Extractor(_)) => (
                "built-in fact extractors".into(),
                format!("pattern does not compile: {e}"),
            ),
            None => (
                "all rules together".into(),
                format!(
                    "the patterns compile one by one but not as one set (remove some rules from --rules): {e}"
                ),
            ),
        };
        RuleError {
            file,
            line: None,
            message,
        }
    })?;
    Ok(RuleSet { rules, env, plan })
}

fn load_dir(dir: &Path, env: &Environment<'static>) -> Result<Vec<Rule>, RuleError> {
    let display = dir.display().to_string();
    let entries = std::fs::read_dir(dir).map_err(|e| RuleError {
        file: display.clone(),
        line: None,
        message: format!("cannot read rules directory: {e}"),
    })?;
    let mut paths: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(RuleError {
            file: display,
            line: None,
            message: "no *.toml rule files here".into(),
        });
    }
    paths
        .iter()
        .map(|path| {
            let file = path.display().to_string();
            let source = std::fs::read_to_string(path).map_err(|e| RuleError {
                file: file.clone(),
                line: None,
                message: format!("cannot read: {e}"),
            })?;
            parse_rule(&file, &source, env)
        })
        .collect()
}

fn check_unique(rules: &[Rule]) -> Result<(), RuleError> {
    for (i, rule) in rules.iter().enumerate() {
        if let Some(other) = rules[..i]
            .iter()
            .find(|r| r.name == rule.name || r.id == rule.id)
        {
            return Err(RuleError {
                file: rule.origin.clone(),
                line: None,
                message: format!(
                    "{} `{}` is already used by {}",
                    if other.id == rule.id { "id" } else { "name" },
                    if other.id == rule.id {
                        &rule.id
                    } else {
                        &rule.name
                    },
                    other.origin
                ),
            });
        }
    }
    Ok(())
}

/// Parses and validates one rule file.
pub fn parse_rule(file: &str, source: &str, env: &Environment<'static>) -> Result<Rule, RuleError> {
    parse_rule_checked(file, source, env, false)
}

/// `embedded`: a rule compiled into the binary, whose patterns the test suite has checked.
fn parse_rule_checked(
    file: &str,
    source: &str,
    env: &Environment<'static>,
    embedded: bool,
) -> Result<Rule, RuleError> {
    let err = |line: Option<usize>, message: String| RuleError {
        file: file.to_string(),
        line,
        message,
    };
    let raw: RawRule = toml::from_str(source).map_err(|e| {
        let line = e.span().map(|span| line_of_offset(source, span.start));
        err(line, e.message().trim().to_string())
    })?;
    let at = |key: &str| line_of_key(source, key);

    if !is_rule_id(&raw.id) {
        return Err(err(
            at("id"),
            format!(
                "id `{}` must be CVD followed by three or more digits",
                raw.id
            ),
        ));
    }
    if !is_kebab(&raw.name) {
        return Err(err(
            at("name"),
            format!(
                "name `{}` must be kebab-case (lower-case words joined by -)",
                raw.name
            ),
        ));
    }
    if !categories::is_category(&raw.category) {
        return Err(err(
            at("category"),
            format!(
                "unknown category `{}`; see docs/categories.md",
                raw.category
            ),
        ));
    }
    if raw.title.trim().is_empty() || raw.title.ends_with('.') {
        return Err(err(
            at("title"),
            "title must be non-empty and have no trailing period".into(),
        ));
    }
    if raw.patterns.is_empty()
        && raw.prose_patterns.is_empty()
        && raw.requires.is_empty()
        && raw.when.is_empty()
    {
        return Err(err(
            None,
            "a rule needs `patterns`, `prose_patterns`, `requires` or `when`".into(),
        ));
    }
    // In a double-quoted TOML string `\b` is a backspace, not a word boundary, and the pattern
    // silently never matches: no pattern wants a control character, so one is a quoting slip.
    let lists = [
        ("patterns", &raw.patterns),
        ("prose_patterns", &raw.prose_patterns),
        ("requires", &raw.requires),
        ("unless", &raw.unless),
    ];
    for (key, list) in lists {
        // The source spells the character as an escape, so the line is the list's.
        let Some(c) = list
            .iter()
            .flat_map(|p| p.chars())
            .find(|&c| is_quoting_slip(c))
        else {
            continue;
        };
        return Err(err(
            at(key),
            format!(
                "pattern holds the control character U+{:04X}: in a double-quoted TOML string \
                 write `\\\\b` for a word boundary and `\\\\n` for a line break, or quote the \
                 pattern with single quotes",
                c as u32
            ),
        ));
    }
    // Built-in rules are checked by the test suite (tests/rules.rs); compiling each pattern
    // again at every start would cost more than the rest of a typical run.
    let patterns = raw
        .patterns
        .iter()
        .chain(&raw.prose_patterns)
        .chain(&raw.requires)
        .chain(&raw.unless);
    for p in patterns.filter(|_| !embedded) {
        let problem = match pattern::compile(p) {
            Err(e) => format!("pattern does not compile: {e}"),
            Ok(re) if re.is_match(b"") => format!("pattern `{p}` matches empty text"),
            Ok(_) => match pattern::optional_group_between_spaces(p) {
                Some(at) => format!(
                    "pattern `{p}` has an optional group between two spaces (at byte {at}): \
                     each space needs whitespace, so without the group two runs are needed; \
                     put the second space inside the group, as in `than (?:on )?CPU`"
                ),
                None => continue,
            },
        };
        return Err(err(line_of_text(source, p), problem));
    }
    let when = raw
        .when
        .iter()
        .map(|c| Condition::parse(c).map_err(|m| err(line_of_text(source, c), m)))
        .collect::<Result<Vec<_>, _>>()?;
    template::validate(env, &raw.fix).map_err(|m| err(at("fix"), format!("fix template: {m}")))?;
    for example in &raw.examples.fires {
        if let Some((key, _)) = example
            .facts()
            .iter()
            .find(|(k, _)| crate::facts::fact_key(k).is_none())
        {
            return Err(err(
                line_of_text(source, key),
                format!("example names unknown fact `{key}`"),
            ));
        }
    }
    if raw.examples.fires.is_empty() || raw.examples.silent.is_empty() {
        return Err(err(
            at("[examples]"),
            "examples need at least one `fires` and one `silent` text".into(),
        ));
    }
    Ok(Rule {
        id: raw.id,
        name: raw.name,
        category: raw.category,
        severity: raw.severity,
        priority: raw.priority,
        fallback: raw.fallback,
        prose: raw.prose,
        supersedes: raw.supersedes,
        title: raw.title,
        patterns: raw.patterns,
        prose_patterns: raw.prose_patterns,
        requires: raw.requires,
        unless: raw.unless,
        when,
        explanation: raw.explanation.trim().to_string(),
        fix: raw.fix,
        references: raw.references,
        fires: raw.examples.fires,
        silent: raw.examples.silent,
        origin: file.to_string(),
    })
}

fn is_rule_id(id: &str) -> bool {
    id.strip_prefix("CVD")
        .is_some_and(|digits| digits.len() >= 3 && digits.bytes().all(|b| b.is_ascii_digit()))
}

pub fn is_kebab(name: &str) -> bool {
    !name.is_empty()
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn line_of_offset(source: &str, offset: usize) -> usize {
    source.as_bytes()[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn line_of_key(source: &str, key: &str) -> Option<usize> {
    source
        .lines()
        .position(|l| {
            let l = l.trim_start();
            l == key
                || l.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// A control character no pattern means to hold. A tab may be written as such; a line break
/// may not: `"[^\n]"` in a double-quoted string holds a real one, which a prose pattern's
/// bounded gap does not recognise as the `\n` it lets cross a hard wrap (`prose_gaps`).
fn is_quoting_slip(c: char) -> bool {
    c.is_control() && c != '\t'
}

fn line_of_text(source: &str, text: &str) -> Option<usize> {
    let first_line = text.lines().next().unwrap_or(text);
    source
        .find(first_line)
        .map(|offset| line_of_offset(source, offset))
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "CVD999"
name = "example-rule"
category = "cuda-runtime-error"
severity = "error"
title = "an example"
patterns = ['boom']
explanation = "why"
fix = "do {{ capture.x }}"
[examples]
fires = ["boom"]
silent = ["bam"]
"#;

    fn parse(source: &str) -> Result<Rule, RuleError> {
        parse_rule("x.toml", source, &template::environment())
    }

    #[test]
    fn accepts_a_good_rule() {
        assert_eq!(parse(GOOD).unwrap().id, "CVD999");
    }

    #[test]
    fn prose_patterns_are_read_in_the_head_only() {
        let rule = parse(&GOOD.replace(
            "patterns = ['boom']",
            "patterns = ['boom']\nprose_patterns = ['it went boom']",
        ))
        .unwrap();
        assert!(rule.has_patterns());
        assert_eq!(rule.slots().len(), 2);
        assert!(!rule.slot_is_prose(0));
        assert!(rule.slot_is_prose(1));
        // A rule with only sentences is still a rule with patterns.
        let rule =
            parse(&GOOD.replace("patterns = ['boom']", "prose_patterns = ['boom']")).unwrap();
        assert!(rule.has_patterns());
        assert!(rule.slot_is_prose(0));
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let e = parse(&GOOD.replace("cuda-runtime-error", "made-up")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x.toml:4: unknown category `made-up`; see docs/categories.md"
        );
        let e = parse(&GOOD.replace("['boom']", "['(unclosed']")).unwrap_err();
        assert_eq!(e.line, Some(7));
        assert!(e.message.contains("does not compile"), "{e}");
        let e = parse(&GOOD.replace("severity = \"error\"", "severity = \"fatal\"")).unwrap_err();
        assert_eq!(e.line, Some(5), "{e}");
        let e = parse(&GOOD.replace("title =", "titel =")).unwrap_err();
        assert!(e.to_string().starts_with("x.toml:"), "{e}");
        let e = parse(&GOOD.replace("{{ capture.x }}", "{% if %}")).unwrap_err();
        assert_eq!(e.line, Some(9));
        let e = parse(&GOOD.replace("silent = [\"bam\"]", "silent = []")).unwrap_err();
        assert!(e.message.contains("silent"));
        let e = parse(&GOOD.replace("['boom']", "['x?']")).unwrap_err();
        assert!(e.message.contains("matches empty text"));
        let e = parse(&GOOD.replace("['boom']", "['boom (?:x)? bam']")).unwrap_err();
        assert!(
            e.message.contains("optional group between two spaces"),
            "{e}"
        );
        assert_eq!(e.line, Some(7), "{e}");
        // `"\bboom"` in TOML is a backspace before "boom"
        let e = parse(&GOOD.replace("['boom']", "[\"\\bboom\"]")).unwrap_err();
        assert_eq!(e.line, Some(7), "{e}");
        assert!(e.message.contains("U+0008"), "{e}");
        assert!(parse(&GOOD.replace("['boom']", "[\"\\\\bboom\\tx\"]")).is_ok());
        // `"[^\n]"` holds a real line break, not the `\n` a prose gap looks for
        let e = parse(&GOOD.replace("['boom']", "[\"boom[^\\n]{0,9}x\"]")).unwrap_err();
        assert!(e.message.contains("U+000A"), "{e}");
        assert!(parse(&GOOD.replace("['boom']", "[\"boom[^\\\\n]{0,9}x\"]")).is_ok());
        // ...named at its own list's line
        let e =
            parse(&GOOD.replace("explanation", "requires = [\"\\fx\"]\nexplanation")).unwrap_err();
        assert_eq!(
            (e.line, e.message.contains("U+000C")),
            (Some(8), true),
            "{e}"
        );
    }
}
