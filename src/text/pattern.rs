//! How rule patterns are compiled.
//!
//! Real pastes wrap long lines (terminals, e-mail, GitHub quotes), so a literal space in a
//! rule pattern matches any run of whitespace, including line breaks and a Markdown `>`
//! quote marker. Patterns are case-insensitive and byte-oriented (non-UTF-8 input is fine).

use regex::bytes::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};

/// What one space in a rule pattern becomes.
const FLEXIBLE_SPACE: &str = r"[\s>]+";
/// What a space followed by `?` or `*` becomes.
const OPTIONAL_SPACE: &str = r"[\s>]*";

/// Rewrites unescaped spaces outside character classes as [`FLEXIBLE_SPACE`]; a run of
/// spaces becomes one.
pub fn flexible_spaces(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // `[]...]` and `[^]...]`: a leading `]` is a literal.
                if chars.peek() == Some(&'^') {
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

const SIZE_LIMIT: usize = 64 << 20;

pub fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(&flexible_spaces(pattern))
        .case_insensitive(true)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .build()
}

pub fn compile_set<'a>(
    patterns: impl IntoIterator<Item = &'a str>,
) -> Result<RegexSet, regex::Error> {
    let patterns: Vec<String> = patterns.into_iter().map(flexible_spaces).collect();
    RegexSetBuilder::new(patterns)
        .case_insensitive(true)
        .unicode(false)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn wrapped_and_quoted_lines_match() {
        let re = compile(r"requires cuDNN\. Please resolve").unwrap();
        assert!(re.is_match(b"DNN: CUDA backend requires\r\n> cudnn.  Please resolve"));
        assert!(!re.is_match(b"requires cuDNN, Please resolve"));
    }

    #[test]
    fn non_ascii_literals_and_bytes() {
        let re = compile("‘cudnnSetRNNDescriptor_v6’").unwrap();
        assert!(re.is_match("error: ‘cudnnSetRNNDescriptor_v6’ was".as_bytes()));
        assert!(compile("x").unwrap().is_match(b"\xff\xfex"));
    }
}
