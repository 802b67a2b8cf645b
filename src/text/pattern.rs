//! How rule patterns are compiled.
//!
//! Real pastes wrap long lines (terminals, e-mail, GitHub quotes), so a literal space in a
//! rule pattern matches any run of whitespace, including line breaks and a Markdown `>`
//! quote marker, and so does `\s` (a paste quoted in a reply puts `> ` at every line start:
//! `that is\s+compatible` must still match across its lines). Patterns are case-insensitive and
//! byte-oriented (non-UTF-8 input is fine).

use regex::bytes::{Regex, RegexBuilder};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use regex_automata::{Input, MatchKind, PatternSet, meta};
use regex_syntax::hir::Hir;

/// What one space in a rule pattern becomes.
const FLEXIBLE_SPACE: &str = r"[\s>]+";
/// What a space followed by `?` or `*` becomes.
const OPTIONAL_SPACE: &str = r"[\s>]*";

/// Rewrites unescaped spaces outside character classes as [`FLEXIBLE_SPACE`] (a run of
/// spaces becomes one), and lets `\s` match a quote marker too: `[\s>]` outside a class,
/// `\s>` inside one that is not negated.
pub fn flexible_spaces(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    let mut negated_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('s') if !in_class => out.push_str(r"[\s>]"),
                Some('s') if !negated_class => out.push_str(r"\s>"),
                Some(next) => {
                    out.push(c);
                    out.push(next);
                }
                None => out.push(c),
            },
            '[' if !in_class => {
                in_class = true;
                negated_class = false;
                out.push(c);
                // `[]...]` and `[^]...]`: a leading `]` is a literal.
                if chars.peek() == Some(&'^') {
                    negated_class = true;
                    out.push(chars.next().unwrap_or('^'));
                }
                if chars.peek() == Some(&']') {
                    out.push(chars.next().unwrap_or(']'));
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            ' ' if !in_class => {
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
                // A quantifier after the space applies to the whole whitespace run:
                // `can ?not` must still match `cannot`.
                match chars.peek() {
                    Some('?' | '*') => {
                        chars.next();
                        out.push_str(OPTIONAL_SPACE);
                    }
                    Some('+') => {
                        chars.next();
                        out.push_str(FLEXIBLE_SPACE);
                    }
                    Some('{') => out.push_str(r"[\s>]"),
                    _ => out.push_str(FLEXIBLE_SPACE),
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// Lets the bounded gaps of a prose pattern cross a line break: `[^\n.]{0,40}` becomes
/// `[^.]{0,40}`, `[^\n]{0,60}` becomes `[\s\S]{0,60}`. A sentence hard-wrapped by an e-mail
/// client or a terminal is still one sentence; unbounded gaps (`[^\n]*`) keep to their line,
/// so a pattern cannot join words paragraphs apart.
pub fn prose_gaps(pattern: &str) -> String {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            // An escape is copied whole, so `\[^\n]` stays a literal bracket.
            let end = (i + 2).min(bytes.len());
            out.push_str(&pattern[i..end]);
            i = end;
            continue;
        }
        if pattern[i..].starts_with("[^")
            && let Some((class, after)) = negated_class(&pattern[i + 2..])
            && bounded_quantifier(after)
            && class.contains("\\n")
        {
            let rest = class.replacen("\\n", "", 1);
            if rest.is_empty() {
                out.push_str(r"[\s\S]");
            } else {
                out.push_str("[^");
                out.push_str(&rest);
                out.push(']');
            }
            i += 2 + class.len() + 1;
            continue;
        }
        let ch = pattern[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8();
    }
    out
}

/// The body of a negated class whose `[^` was just read, and what follows its `]`.
fn negated_class(rest: &str) -> Option<(&str, &str)> {
    let bytes = rest.as_bytes();
    let mut j = 0;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'[' => return None, // nested classes: leave the pattern as written
            b']' if j > 0 => return Some((&rest[..j], &rest[j + 1..])),
            _ => j += 1,
        }
    }
    None
}

/// Whether `rest` starts with a bounded repetition `{m,n}` or `{n}`.
fn bounded_quantifier(rest: &str) -> bool {
    let Some(body) = rest.strip_prefix('{') else {
        return false;
    };
    let Some(end) = body.find('}') else {
        return false;
    };
    let inner = &body[..end];
    let mut parts = inner.splitn(2, ',');
    let low = parts.next().unwrap_or("");
    let high = parts.next();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    digits(low) && high.is_none_or(digits)
}

/// Where a pattern puts an optional group between two spaces, as in `than (?:on|with)? CPU`:
/// each space is a required whitespace run, so with the group absent the text needs two runs
/// and `than CPU` does not match. The space belongs inside the group: `than (?:(?:on|with) )?CPU`.
/// Returns the byte offset of the first space.
pub fn optional_group_between_spaces(pattern: &str) -> Option<usize> {
    let bytes = pattern.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'[' => i = class_end(bytes, i),
            b' ' if bytes.get(i + 1) == Some(&b'(') => {
                let close = group_end(bytes, i + 1)?;
                let mut k = close + 1;
                if matches!(bytes.get(k), Some(b'?' | b'*')) {
                    k += 1;
                    while bytes.get(k) == Some(&b')') {
                        k += 1;
                    }
                    // `(?:to)? ?x` makes the second run optional: no slip
                    let mut after = k;
                    while bytes.get(after) == Some(&b' ') {
                        after += 1;
                    }
                    if after > k && !matches!(bytes.get(after), Some(b'?' | b'*')) {
                        return Some(i);
                    }
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index just past the character class opening at `start`.
fn class_end(bytes: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    if bytes.get(j) == Some(&b'^') {
        j += 1;
    }
    if bytes.get(j) == Some(&b']') {
        j += 1; // a leading `]` is a literal
    }
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b']' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// The index of the `)` that closes the group opening at `open`.
fn group_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut j = open;
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'[' => j = class_end(bytes, j),
            b'(' => {
                depth += 1;
                j += 1;
            }
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(j);
                }
                j += 1;
            }
            _ => j += 1,
        }
    }
    None
}

const SIZE_LIMIT: usize = 64 << 20;

pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&flexible_spaces(pattern))
        .case_insensitive(true)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .build()
}

/// Many patterns searched in one pass; [`MultiPattern::matches`] says which matched.
///
/// Built with regex-automata's meta engine as `regex::bytes::RegexSet` is, but without a
/// literal prefilter: a set of hundreds of case-insensitive patterns has no useful one, and
/// looking for it (literal extraction, an Aho-Corasick build) took a third of the startup.
#[derive(Clone, Debug)]
pub struct MultiPattern(meta::Regex);

impl MultiPattern {
    /// A search cache (the lazy DFA's learned states) for this set. The caller owns it, so the
    /// states learned over a long input are freed with it when the set is replaced, not kept
    /// for the life of the set as the regex's own pool would keep them.
    pub fn cache(&self) -> meta::Cache {
        self.0.create_cache()
    }

    /// How many patterns the set holds.
    pub fn pattern_len(&self) -> usize {
        self.0.pattern_len()
    }

    /// Indexes of the patterns that match somewhere in `haystack`, ascending.
    pub fn matches(&self, cache: &mut meta::Cache, haystack: &[u8]) -> Vec<usize> {
        let mut which = PatternSet::new(self.0.pattern_len());
        self.0
            .which_overlapping_matches_with(cache, &Input::new(haystack), &mut which);
        which.iter().map(|id| id.as_usize()).collect()
    }

    /// [`matches`](Self::matches) for a set that usually matches nothing (a long log's tail):
    /// first asks whether anything matches, a search quicker than the overlapping one, which
    /// stops at every match to record its pattern (benchmark log, a set that matched nothing:
    /// 3.4 ms per MiB instead of 3.9 ms).
    pub fn matches_if_any(&self, cache: &mut meta::Cache, haystack: &[u8]) -> Vec<usize> {
        if self.0.is_match_with(cache, &Input::new(haystack)) {
            self.matches(cache, haystack)
        } else {
            Vec::new()
        }
    }
}

/// How a pattern's text is read, for the sets and the prefilter alike.
fn syntax_config() -> syntax::Config {
    syntax::Config::new()
        .case_insensitive(true)
        .unicode(false)
        .utf8(false)
}

/// Parses a rule pattern as [`compile`] reads it; the tree serves the sets and the prefilter.
pub fn parse(pattern: &str) -> Result<Hir, String> {
    syntax::parse_with(&flexible_spaces(pattern), &syntax_config()).map_err(|e| e.to_string())
}

/// A pattern that matches any of `literals`, ASCII-case-insensitively as [`parse`] reads.
pub fn any_literal(literals: &[&[u8]]) -> Result<Hir, String> {
    let alternatives: Vec<String> = literals
        .iter()
        .map(|literal| {
            literal
                .iter()
                .map(|&b| {
                    if b.is_ascii_graphic() {
                        regex_syntax::escape(&(b as char).to_string())
                    } else {
                        // A space, a control or a non-ASCII byte: `\xNN` is that byte outside
                        // Unicode mode (as here).
                        format!(r"\x{b:02x}")
                    }
                })
                .collect()
        })
        .collect();
    syntax::parse_with(&alternatives.join("|"), &syntax_config()).map_err(|e| e.to_string())
}

/// Many patterns, parsed by [`parse`], in one [`MultiPattern`].
pub fn compile_set(hirs: &[Hir]) -> Result<MultiPattern, String> {
    let config = meta::Config::new()
        .match_kind(MatchKind::All)
        .utf8_empty(false)
        .which_captures(WhichCaptures::None)
        .auto_prefilter(false)
        .nfa_size_limit(Some(SIZE_LIMIT))
        .hybrid_cache_capacity(SIZE_LIMIT);
    meta::Builder::new()
        .configure(config)
        .build_many_from_hir(hirs)
        .map(MultiPattern)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_literal_matches_each_literal_exactly_in_any_ascii_case() {
        let hir = any_literal(&[b"cudnn.h", b"a b", b"\xffx"]).unwrap();
        let set = compile_set(&[hir]).unwrap();
        let mut cache = set.cache();
        let mut matches = |text: &[u8]| !set.matches(&mut cache, text).is_empty();
        assert!(matches(b"fatal: CUDNN.H missing"));
        assert!(!matches(b"cudnnxh"), "a dot is a dot");
        assert!(matches(b"a b"));
        assert!(!matches(b"a  b"), "a space is one space");
        assert!(matches(b"\xffX"));
        assert!(!matches(b"nothing"));
    }

    #[test]
    fn spaces_become_flexible_outside_classes_only() {
        assert_eq!(flexible_spaces("a b"), r"a[\s>]+b");
        assert_eq!(flexible_spaces("a  b"), r"a[\s>]+b");
        assert_eq!(flexible_spaces(r"a\ b"), r"a\ b");
        assert_eq!(flexible_spaces("[a b]c d"), r"[a b]c[\s>]+d");
        assert_eq!(flexible_spaces("[] ]x y"), r"[] ]x[\s>]+y");
        assert_eq!(flexible_spaces("can ?not"), r"can[\s>]*not");
        assert_eq!(flexible_spaces("a *b"), r"a[\s>]*b");
        assert_eq!(flexible_spaces("a {2}b"), r"a[\s>]{2}b");
    }

    #[test]
    fn prose_gaps_cross_a_line_break_when_bounded() {
        assert_eq!(prose_gaps(r"a[^\n.]{0,40}b"), r"a[^.]{0,40}b");
        assert_eq!(prose_gaps(r"a[^\n]{0,60}?b"), r"a[\s\S]{0,60}?b");
        assert_eq!(prose_gaps(r"a[^\n]{3}b"), r"a[\s\S]{3}b");
        assert_eq!(prose_gaps(r"[^\]\n]{0,5}"), r"[^\]]{0,5}");
        // Unbounded gaps, other classes and escaped brackets stay as written.
        for kept in [r"a[^\n]*b", r"a[^\n]{2,}b", r"a[^.]{0,9}b", r"\[^\n]{0,9}"] {
            assert_eq!(prose_gaps(kept), kept);
        }
        let re = compile(&prose_gaps(r"\bafter compiling\b[^\n.]{0,60}\bstill\b")).unwrap();
        assert!(re.is_match(
            b"after compiling OpenCV and installing it, python\nstill shows the old one"
        ));
    }

    #[test]
    fn whitespace_classes_admit_quote_markers() {
        assert_eq!(flexible_spaces(r"is\s+ok"), r"is[\s>]+ok");
        assert_eq!(flexible_spaces(r"(?m)^[\s-]*x"), r"(?m)^[\s>-]*x");
        // A negated class keeps excluding whitespace only; `\S` and an escaped `\\s` stay.
        assert_eq!(flexible_spaces(r"[^\s:]+\S\\s"), r"[^\s:]+\S\\s");
        let re = compile(r"Errors were encountered while processing:\s+libopencv").unwrap();
        assert!(re.is_match(b"> Errors were encountered while processing:\n>  libopencv-dev"));
    }

    #[test]
    fn wrapped_and_quoted_lines_match() {
        let re = compile(r"requires cuDNN\. Please resolve").unwrap();
        assert!(re.is_match(b"DNN: CUDA backend requires\r\n> cudnn.  Please resolve"));
        assert!(!re.is_match(b"requires cuDNN, Please resolve"));
    }

    fn set_of(patterns: &[&str]) -> MultiPattern {
        let hirs: Vec<Hir> = patterns.iter().map(|p| parse(p).unwrap()).collect();
        compile_set(&hirs).unwrap()
    }

    #[test]
    fn a_set_names_every_pattern_that_matches_even_overlapping_ones() {
        let set = set_of(&[
            "device function",
            "invalid device",
            "out of memory",
            "NOT HERE",
        ]);
        let cache = &mut set.cache();
        let text = b"(-217:Gpu API call) Invalid device\r\n> function in function 'make_policy'";
        assert_eq!(set.matches(cache, text), [0, 1]);
        assert_eq!(set.matches_if_any(cache, text), [0, 1]);
        assert!(set.matches(cache, b"").is_empty());
        assert!(set.matches_if_any(cache, b"a device, invalid").is_empty());
        assert!(parse("(unclosed").is_err());
    }

    #[test]
    fn non_ascii_literals_and_bytes() {
        let re = compile("‘cudnnSetRNNDescriptor_v6’").unwrap();
        assert!(re.is_match("error: ‘cudnnSetRNNDescriptor_v6’ was".as_bytes()));
        assert!(compile("x").unwrap().is_match(b"\xff\xfex"));
    }

    #[test]
    fn finds_an_optional_group_between_two_spaces() {
        let slip = optional_group_between_spaces;
        assert_eq!(slip("than (?:on|with)? CPU"), Some(4));
        assert_eq!(slip(r"(?:a|than (?:on|with)?) (?:the )?CPU"), Some(9));
        assert_eq!(slip("module (?:x)* here"), Some(6));
        // the space inside the group, an optional space, a class or an escape: no slip
        assert_eq!(slip("than (?:(?:on|with) )?CPU"), None);
        assert_eq!(slip("loads (?:to|with)? ?(?:the )?x"), None);
        assert_eq!(slip(r"a[ (]x)? b"), None);
        assert_eq!(slip(r"a \(x\)? b"), None);
        assert_eq!(slip("a (b) c"), None);
        // the slip is real: the text with one space between the words does not match
        let re = compile("than (?:on|with)? CPU").unwrap();
        assert!(!re.is_match(b"different results than CPU"));
        assert!(
            compile("than (?:(?:on|with) )?CPU")
                .unwrap()
                .is_match(b"different results than CPU")
        );
    }
}
