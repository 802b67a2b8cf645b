//! `when` clauses: `FACT OP VALUE`, `FACT exists`, `FACT missing`.
//!
//! Versions compare numerically (`opencv.version < 4.4`), text and booleans by equality.
//! A comparison on a missing fact is false: rules fire on evidence, not on its absence
//! (use `missing` to say so outright).

use std::fmt;

use crate::facts::{FactKind, Facts, fact_key};
use crate::version::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
    Exists,
    Missing,
}

#[derive(Debug, Clone)]
pub struct Condition {
    pub fact: &'static str,
    pub op: Op,
    pub value: String,
    pub text: String,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Condition {
    pub fn parse(text: &str) -> Result<Condition, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let (fact, op, value) = match words.as_slice() {
            [fact, "exists"] => (*fact, Op::Exists, ""),
            [fact, "missing"] => (*fact, Op::Missing, ""),
            [fact, op, value] => {
                let op = match *op {
                    "<" => Op::Lt,
                    "<=" => Op::Le,
                    ">" => Op::Gt,
                    ">=" => Op::Ge,
                    "==" => Op::Eq,
                    "!=" => Op::Ne,
                    other => {
                        return Err(format!(
                            "unknown operator `{other}` in `{text}` (use < <= > >= == != exists missing)"
                        ));
                    }
                };
                (*fact, op, *value)
            }
            _ => {
                return Err(format!(
                    "`{text}` is not `FACT OP VALUE`, `FACT exists` or `FACT missing`"
                ));
            }
        };
        let key = fact_key(fact).ok_or_else(|| format!("unknown fact `{fact}` in `{text}`"))?;
        match (key.kind, op) {
            (FactKind::Version, Op::Lt | Op::Le | Op::Gt | Op::Ge | Op::Eq | Op::Ne)
                if Version::parse(value).is_none() =>
            {
                return Err(format!("`{value}` is not a version, in `{text}`"));
            }
            (
                FactKind::Text | FactKind::Bool | FactKind::List,
                Op::Lt | Op::Le | Op::Gt | Op::Ge,
            ) => {
                return Err(format!(
                    "`{fact}` is not a version: only == != exists missing apply, in `{text}`"
                ));
            }
            (FactKind::Bool, Op::Eq | Op::Ne) if value != "true" && value != "false" => {
                return Err(format!("`{fact}` is true or false, in `{text}`"));
            }
            _ => {}
        }
        Ok(Condition {
            fact: key.key,
            op,
            value: value.to_string(),
            text: text.to_string(),
        })
    }

    pub fn holds(&self, facts: &Facts) -> bool {
        let actual = facts.primary(self.fact);
        match (self.op, actual) {
            (Op::Exists, found) => found.is_some(),
            (Op::Missing, found) => found.is_none(),
            (_, None) => false,
            (op, Some(actual)) => match fact_key(self.fact).map(|k| k.kind) {
                Some(FactKind::Version) => {
                    let (Some(actual), Some(wanted)) =
                        (Version::parse(actual), Version::parse(&self.value))
                    else {
                        return false;
                    };
                    match op {
                        Op::Lt => actual < wanted,
                        Op::Le => actual <= wanted,
                        Op::Gt => actual > wanted,
                        Op::Ge => actual >= wanted,
                        Op::Eq => actual == wanted,
                        Op::Ne => actual != wanted,
                        Op::Exists | Op::Missing => unreachable!("handled above"),
                    }
                }
                _ => {
                    let equal = actual.eq_ignore_ascii_case(&self.value);
                    if op == Op::Eq { equal } else { !equal }
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Origin;

    fn facts() -> Facts {
        let mut facts = Facts::default();
        let o = || Origin::Derived { by: "test" };
        facts.add("opencv.version", "4.3.0", o());
        facts.add("build.cuda", "false", o());
        facts
    }

    #[test]
    fn evaluates_each_operator() {
        let f = facts();
        let holds = |t: &str| Condition::parse(t).unwrap().holds(&f);
        assert!(holds("opencv.version < 4.4"));
        assert!(!holds("opencv.version >= 4.4"));
        assert!(holds("opencv.version == 4.3"));
        assert!(holds("build.cuda == false"));
        assert!(holds("cudnn.version missing"));
        assert!(
            !holds("cudnn.version >= 8"),
            "comparisons on missing facts are false"
        );
        assert!(holds("opencv.version exists"));
    }

    #[test]
    fn rejects_malformed_conditions() {
        for bad in [
            "nope.fact exists",
            "opencv.version ~ 4",
            "opencv.version < abc",
            "build.cuda < 3",
            "build.cuda == maybe",
            "x",
        ] {
            assert!(Condition::parse(bad).is_err(), "{bad}");
        }
    }
}
