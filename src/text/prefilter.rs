//! Which patterns can possibly match a text, from literals every match must contain.
//!
//! A set of hundreds of patterns is slow on text its lazy DFA has not seen: it learns a state
//! per new combination of partial matches. Most patterns, though, cannot match without some
//! word of theirs (`invalid device function` needs `function`, `invalid` and `device`), and one
//! Aho-Corasick pass finds which of those words a text holds. Only the patterns whose words
//! are there are then searched for (see `scan` for how). A pattern with no such word always is.
//!
//! Soundness matters more than selectivity: a pattern left out when it would have matched is a
//! finding lost. Literals are compared ASCII-case-insensitively, as the patterns are compiled
//! (`case_insensitive`, no Unicode), so what is extracted here is a superset of what matches.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use regex_syntax::hir::{Class, Hir, HirKind};

/// Shortest literal worth looking for: shorter ones are in almost every text.
const MIN_LITERAL: usize = 3;
/// Most strings one piece of a pattern may stand for before it stops being a literal
/// (`(cuda|cudnn)_?` is four; `[a-z]` would be 26).
const MAX_ALTERNATIVES: usize = 16;
/// Most characters a class may hold and still count as a choice of literals.
const MAX_CLASS_CHARS: usize = 4;

/// A choice of strings, lowercased: a match contains at least one of them.
pub type AnyOf = Vec<Vec<u8>>;

/// What one piece of a pattern says about the text it matches.
#[derive(Debug, Clone, Default)]
struct Literals {
    /// Every string the piece can match, lowercased, when there are few (`None`: too many).
    exact: Option<AnyOf>,
    /// Choices that a match must all satisfy (each [`usable`]).
    all_of: Vec<AnyOf>,
}

impl Literals {
    fn exact(strings: AnyOf) -> Literals {
        Literals {
            exact: Some(strings),
            all_of: Vec::new(),
        }
    }

    /// Every requirement of the piece, its exact strings included.
    fn requirements(self) -> Vec<AnyOf> {
        let mut all_of = self.all_of;
        all_of.extend(self.exact.filter(usable));
        all_of
    }

    /// The one requirement that admits least text, for a parent that keeps only one.
    fn strongest(self) -> Option<AnyOf> {
        self.requirements().into_iter().max_by_key(quality)
    }
}

/// How selective a choice of strings is: its shortest string is how often it fires.
fn quality(set: &AnyOf) -> (usize, std::cmp::Reverse<usize>) {
    let shortest = set.iter().map(Vec::len).min().unwrap_or(0);
    (shortest, std::cmp::Reverse(set.len()))
}

/// Whether a choice is worth looking for: few strings, none too short to be selective.
fn usable(set: &AnyOf) -> bool {
    !set.is_empty() && set.len() <= MAX_ALTERNATIVES && set.iter().all(|s| s.len() >= MIN_LITERAL)
}

/// The strings a class stands for, lowercased, when it is a small choice of characters (the
/// `[Ii]` that case-insensitivity makes of a letter counts as one).
fn class_strings(class: &Class) -> Option<AnyOf> {
    let members: Box<dyn Iterator<Item = Vec<u8>> + '_> = match class {
        Class::Bytes(bytes) => Box::new(
            bytes
                .iter()
                .flat_map(|r| (r.start()..=r.end()).map(|b| vec![b])),
        ),
        Class::Unicode(chars) => Box::new(
            chars
                .iter()
                .flat_map(|r| (r.start()..=r.end()).map(|c| c.to_string().into_bytes())),
        ),
    };
    let mut strings: AnyOf = Vec::new();
    // A letter and its other case are two members; more than that many is no small choice.
    for (count, member) in members.enumerate() {
        if count == 2 * MAX_CLASS_CHARS {
            return None;
        }
        let lower = member.to_ascii_lowercase();
        if !strings.contains(&lower) {
            strings.push(lower);
        }
    }
    (strings.len() <= MAX_CLASS_CHARS).then_some(strings)
}

/// Every concatenation of one string of `a` with one of `b`, if there are few.
fn cross(a: &AnyOf, b: &AnyOf) -> Option<AnyOf> {
    if a.len() * b.len() > MAX_ALTERNATIVES {
        return None;
    }
    let mut out = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let joined = [x.as_slice(), y.as_slice()].concat();
            if !out.contains(&joined) {
                out.push(joined);
            }
        }
    }
    Some(out)
}

fn literals(hir: &Hir) -> Literals {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Literals::exact(vec![Vec::new()]),
        HirKind::Literal(literal) => Literals::exact(vec![literal.0.to_ascii_lowercase()]),
        HirKind::Class(class) => Literals {
            exact: class_strings(class),
            all_of: Vec::new(),
        },
        HirKind::Capture(capture) => literals(&capture.sub),
        HirKind::Repetition(repetition) => {
            let inner = literals(&repetition.sub);
            match (repetition.min, repetition.max) {
                (1, Some(1)) => inner,
                (0, Some(1)) => Literals {
                    exact: inner.exact.map(|mut strings| {
                        strings.insert(0, Vec::new());
                        strings
                    }),
                    all_of: Vec::new(),
                },
                (0, _) => Literals::default(),
                // At least once: whatever one repetition requires, the whole does.
                _ => Literals {
                    exact: None,
                    all_of: inner.requirements(),
                },
            }
        }
        HirKind::Concat(parts) => {
            let mut all_of = Vec::new();
            // The exact strings of the pieces since the last inexact one, joined.
            let mut run: AnyOf = vec![Vec::new()];
            let mut all_exact = true;
            for part in parts {
                let part = literals(part);
                match &part.exact {
                    // A letter or a literal: the common case, joined in place.
                    Some(exact) if exact.len() == 1 => {
                        for string in &mut run {
                            string.extend_from_slice(&exact[0]);
                        }
                    }
                    Some(exact) => match cross(&run, exact) {
                        Some(joined) => run = joined,
                        None => {
                            // Too many strings: what came before stands alone.
                            all_exact = false;
                            all_of.extend(
                                Some(std::mem::replace(&mut run, exact.clone())).filter(usable),
                            );
                        }
                    },
                    None => {
                        all_exact = false;
                        all_of.extend(
                            Some(std::mem::replace(&mut run, vec![Vec::new()])).filter(usable),
                        );
                    }
                }
                all_of.extend(part.all_of);
            }
            if all_exact {
                Literals {
                    exact: Some(run),
                    all_of,
                }
            } else {
                all_of.extend(Some(run).filter(usable));
                Literals {
                    exact: None,
                    all_of,
                }
            }
        }
        HirKind::Alternation(branches) => {
            let mut exact: Option<AnyOf> = Some(Vec::new());
            let mut any_of: Option<AnyOf> = Some(Vec::new());
            for branch in branches {
                let branch = literals(branch);
                exact = match (exact, &branch.exact) {
                    (Some(mut all), Some(more)) if all.len() + more.len() <= MAX_ALTERNATIVES => {
                        for s in more {
                            if !all.contains(s) {
                                all.push(s.clone());
                            }
                        }
                        Some(all)
                    }
                    _ => None,
                };
                any_of = match (any_of, branch.strongest()) {
                    (Some(mut all), Some(more)) if all.len() + more.len() <= MAX_ALTERNATIVES => {
                        all.extend(more);
                        Some(all)
                    }
                    _ => None,
                };
            }
            Literals {
                exact,
                all_of: any_of.into_iter().filter(usable).collect(),
            }
        }
    }
}

/// Choices of strings that every match of the pattern (parsed by [`super::pattern::parse`], as
/// [`super::pattern::compile`] reads it) satisfies all of, each by containing one of its strings
/// (ASCII-case-insensitively); empty when nothing is known.
pub fn required_of(hir: &Hir) -> Vec<AnyOf> {
    let mut all_of = literals(hir).requirements();
    all_of.sort();
    all_of.dedup();
    all_of
}

/// Patterns and the literals they need, searched for in one pass.
pub struct Prefilter {
    searcher: AhoCorasick,
    /// Per pattern, its requirements as indexes of the searcher's literals: the pattern may
    /// match only where each requirement has one of its literals present. Empty: always.
    needs: Vec<Vec<Vec<usize>>>,
    /// The searcher's literals, by index.
    literals: Vec<Vec<u8>>,
}

impl Prefilter {
    /// `requirements[i]` is pattern `i`'s, from [`required_of`].
    pub fn new<'a>(requirements: impl IntoIterator<Item = &'a [AnyOf]>) -> Prefilter {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        // Keyed by the caller's strings: each literal is copied once, into `literals`.
        let mut index_of: std::collections::HashMap<&'a [u8], usize> = Default::default();
        let needs = requirements
            .into_iter()
            .map(|required| {
                required
                    .iter()
                    .map(|any_of| {
                        any_of
                            .iter()
                            .map(|literal| {
                                *index_of.entry(literal.as_slice()).or_insert_with(|| {
                                    literals.push(literal.clone());
                                    literals.len() - 1
                                })
                            })
                            .collect()
                    })
                    .collect()
            })
            .collect();
        let searcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .build(&literals)
            .expect("a few thousand short literals build");
        Prefilter {
            searcher,
            needs,
            literals,
        }
    }

    /// Patterns that may match somewhere in `text`, ascending; the others cannot.
    pub fn candidates(&self, text: &[u8]) -> Vec<usize> {
        self.admitted(&self.present(text)).collect()
    }

    /// The patterns a text whose literals are `present` (from [`Self::present`]) admits,
    /// ascending.
    pub fn admitted<'s>(&'s self, present: &'s [bool]) -> impl Iterator<Item = usize> + 's {
        (0..self.needs.len()).filter(move |&id| self.admits(id, present))
    }

    /// Which of the literals occur in `text`, by literal index.
    pub fn present(&self, text: &[u8]) -> Vec<bool> {
        let mut present = vec![false; self.searcher.patterns_len()];
        for found in self.searcher.find_overlapping_iter(text) {
            present[found.pattern().as_usize()] = true;
        }
        present
    }

    /// Whether pattern `id` may match a text whose literals are `present`.
    pub fn admits(&self, id: usize, present: &[bool]) -> bool {
        self.needs[id]
            .iter()
            .all(|any_of| any_of.iter().any(|&literal| present[literal]))
    }

    /// For a pattern `present` does not admit, the literals of one requirement none of which
    /// occurs there (the one with the longest shortest literal): while none of them appears,
    /// the pattern cannot match.
    pub fn missing_requirement(&self, id: usize, present: &[bool]) -> Option<Vec<&[u8]>> {
        self.needs[id]
            .iter()
            .filter(|any_of| !any_of.iter().any(|&literal| present[literal]))
            .max_by_key(|any_of| {
                any_of
                    .iter()
                    .map(|&l| self.literals[l].len())
                    .min()
                    .unwrap_or(0)
            })
            .map(|any_of| {
                any_of
                    .iter()
                    .map(|&l| self.literals[l].as_slice())
                    .collect()
            })
    }

    /// How many patterns are searched only when their literals are present.
    pub fn filtered_len(&self) -> usize {
        self.needs.iter().filter(|needs| !needs.is_empty()).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::pattern;

    fn required(source: &str) -> Vec<Vec<String>> {
        required_of(&pattern::parse(source).unwrap())
            .into_iter()
            .map(|set| {
                set.into_iter()
                    .map(|s| String::from_utf8(s).unwrap())
                    .collect()
            })
            .collect()
    }

    #[test]
    fn a_phrase_requires_each_of_its_words() {
        assert_eq!(
            required("invalid device function"),
            [["device"], ["function"], ["invalid"]]
        );
        assert_eq!(required(r"CUDA_ARCH_BIN"), [["cuda_arch_bin"]]);
    }

    #[test]
    fn alternatives_require_one_of_theirs() {
        // The parser factors the common `libcu` out; the joined strings are still found.
        assert!(
            required(r"(libcudnn|libcublas)\.so")
                .contains(&vec!["libcudnn.so".to_string(), "libcublas.so".to_string()])
        );
        // A branch without a literal makes the group require nothing; the rest still counts.
        assert_eq!(required(r"(cudnn|\w+) not found"), [["found"], ["not"]]);
        assert_eq!(
            required(r"(no cudnn|cublas missing)"),
            [["cudnn", "missing"]]
        );
    }

    #[test]
    fn optional_and_starred_pieces_require_nothing() {
        assert!(required(r"(foobar)?x").is_empty());
        assert!(required(r"(foobar)*").is_empty());
        assert!(required(r"ab?c").is_empty()); // "ac", "abc": too short
        assert_eq!(
            required(r"cud(nn)?_version"),
            [["cud_version", "cudnn_version"]]
        );
        assert_eq!(required(r"(?:abc)+x"), [["abc"]]);
    }

    #[test]
    fn short_or_open_patterns_have_no_literals() {
        assert!(required(r"\d+\.\d+").is_empty());
        assert!(required(r"[a-z]+ ok").is_empty());
        assert!(required(r"(a|bc)").is_empty());
    }

    #[test]
    fn case_folded_letters_are_one_literal() {
        assert_eq!(required(r"(?-i)Gpu API"), [["api"], ["gpu"]]);
        assert_eq!(required(r"sm_[78]0"), [["sm_70", "sm_80"]]);
    }

    #[test]
    fn candidates_are_the_patterns_whose_literals_appear() {
        let required: Vec<Vec<AnyOf>> = ["invalid device function", r"out of memory", r"\d+"]
            .iter()
            .map(|p| required_of(&pattern::parse(p).unwrap()))
            .collect();
        let filter = Prefilter::new(required.iter().map(Vec::as_slice));
        assert_eq!(filter.filtered_len(), 2);
        assert_eq!(filter.candidates(b"INVALID DEVICE FUNCTION"), vec![0, 2]);
        assert_eq!(filter.candidates(b"CUDA out of\nMEMORY"), vec![1, 2]);
        // Every word must be there, though not together.
        assert_eq!(filter.candidates(b"function device"), vec![2]);
        assert_eq!(filter.candidates(b"device function; invalid"), vec![0, 2]);
    }
}
