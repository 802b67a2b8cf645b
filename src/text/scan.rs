//! Streams input through every rule pattern and fact extractor at once.
//!
//! Input is read in chunks of about [`CHUNK`] bytes cut at line ends, so memory stays
//! bounded whatever the input (a 2 GB log, one 1 GB line). In the input's first chunk (its
//! head) a [`Prefilter`] names the patterns whose required words are present, and only those
//! are searched for. Later chunks go through one pattern set ([`MultiPattern`]) of the patterns
//! still wanted whose words the head held, and a gate that matches where a word of the others
//! appears (see [`Scanner::gated`]); only patterns that matched are then run alone to locate
//! their lines. A pattern that has collected enough hits is dropped from the set, so a long log
//! that repeats the same error costs no more than scanning for the patterns still unseen.

use std::borrow::Cow;
use std::io::{self, Read};
use std::sync::OnceLock;

use regex::bytes::Regex;
use regex_automata::meta;
use regex_syntax::hir::Hir;

use super::extractors::{self, Extractor};
use super::localized;
use super::pattern::{self, MultiPattern};
use super::prefilter::{self, AnyOf, Prefilter};
use crate::facts::{Facts, Origin};

/// Target chunk size. Large enough to amortise the set scan, small enough for the cache.
pub const CHUNK: usize = 1 << 20;
/// When one line is longer than a chunk, this much of its end is scanned again with the
/// next chunk, so a match across the cut is still found.
const OVERLAP: usize = 4096;
/// Longest piece of a line kept as evidence.
const EVIDENCE_WIDTH: usize = 240;
/// Hits kept per fact extractor before it is dropped from the scan.
const EXTRACTOR_HIT_LIMIT: usize = 64;
/// How the head's candidates are searched: one by one when there are at most [`HEAD_ALONE`] or
/// the chunk is shorter than [`HEAD_SETS_FROM`], else first through sets of [`HEAD_SET_SIZE`].
/// One by one costs a pass per candidate, but no set compiled for this input, and each
/// pattern's regex is compiled once and kept warm across inputs (triage of 10,000 reports:
/// 2.85 s one by one, 29.0 s with sets for every report of more than 32 candidates, 3.91 s with
/// the former precompiled sets of all patterns). On a long head, sets are quicker, if small: a
/// set of hundreds of patterns is slow on text its lazy DFA has not seen, as it learns a state
/// per new combination of partial matches at a cost that grows faster than the number of
/// patterns (first MiB of a build log, 317 candidates: one set 0.348 s, sets of 40 0.183 s, of
/// 26 0.181 s, of 13 0.193 s, one by one 0.192 s; before the prefilter, all 617 patterns in
/// six sets 0.194 s).
const HEAD_ALONE: usize = 32;
const HEAD_SET_SIZE: usize = 32;
const HEAD_SETS_FROM: usize = 256 << 10;
/// After this many bytes of chunks in which only saturated patterns matched (a fact repeated
/// all through a log), the sets are recompiled without them. A set that matches nothing is
/// scanned faster, by a search that only asks whether anything matches (benchmark log: 3.4 ms
/// per MiB instead of 3.9 ms), but the new set's lazy DFA learns the input's states again
/// (110 ms, the price of about 200 MiB of the slower scan). Paying only after the slower scan
/// has cost a good part of that keeps shorter inputs (the 100 MB benchmark) from paying at all
/// and gains on longer ones (1 GB benchmark input, CPU time of two runs each: 5.98 s and
/// 5.55 s without, 5.13 s and 5.03 s with).
const IDLE_DROP_AFTER: u64 = 128 << 20;
/// How many times the gate may open (see [`Scanner::gated`]) before the scanner stops gating
/// and scans for every wanted pattern in its sets. Each opening recompiles the sets, whose lazy
/// DFA then learns the input's states again (tens of milliseconds); the cap bounds that on an
/// input whose vocabulary keeps changing.
const GATE_OPENINGS: usize = 8;

/// Who a pattern belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    /// A rule's pattern; the index is into the rule's own pattern list.
    Rule {
        rule: usize,
        slot: usize,
    },
    Extractor(usize),
}

/// A rule pattern as the rule set hands it to the scanner.
pub struct PlannedPattern {
    pub source: String,
    /// Hits to keep before the pattern leaves the scan.
    pub limit: usize,
    /// Looked for only in the first [`HEAD`] bytes (a rule that reads prose).
    pub head_only: bool,
}

/// How far into an input `head_only` patterns are looked for: the first chunk.
pub const HEAD: u64 = CHUNK as u64;

/// A compiled set and the pattern index of each member, in set order. (`Clone` only for
/// `Cow`: sets are borrowed from the plan or owned, never cloned.)
#[derive(Clone)]
struct PatternSet {
    set: MultiPattern,
    /// A set with one member more than `ids` has the gate last (see [`Scanner::gated`]).
    ids: Vec<usize>,
}

struct Planned {
    /// Compiled on first use: most patterns never match a given input.
    regex: OnceLock<Regex>,
    source: String,
    /// The literals a match needs, for the prefilter. The parsed pattern is not kept (all
    /// patterns' trees took 8 MB); sets parse their members again when compiled.
    required: Vec<AnyOf>,
    owner: Owner,
    limit: usize,
    head_only: bool,
}

impl Planned {
    fn regex(&self) -> &Regex {
        self.regex.get_or_init(|| {
            // Built-in patterns are compiled by the tests, user rules' when they are loaded.
            pattern::compile(&self.source).expect("rule patterns are checked to compile")
        })
    }
}

/// Everything to look for, compiled once per rule set.
pub struct ScanPlan {
    patterns: Vec<Planned>,
    extractors: Vec<Extractor>,
    /// Built when an input is first scanned (`cvdoctor rules`, `inspect` never do).
    prefilter: OnceLock<Prefilter>,
    /// Every pattern read past the head (all but prose), in one set or, when their union is
    /// too large (many `--rules`), in several; compiled when an input first goes past its head
    /// with nothing left to the gate (most inputs are short, and most long ones leave some
    /// patterns to it). Scanners share them, each with its own search caches.
    tail_sets: OnceLock<Vec<PatternSet>>,
}

impl ScanPlan {
    fn prefilter(&self) -> &Prefilter {
        self.prefilter
            .get_or_init(|| Prefilter::new(self.patterns.iter().map(|p| p.required.as_slice())))
    }

    fn tail_sets(&self) -> &[PatternSet] {
        self.tail_sets.get_or_init(|| {
            let ids = (0..self.patterns.len())
                .filter(|&i| !self.patterns[i].head_only)
                .collect();
            compile_split(&self.patterns, ids)
        })
    }
}

/// One place a pattern matched.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Hit {
    pub source: String,
    pub line: u64,
    /// The matched line (several when the match spans wrapped lines), clipped.
    pub text: String,
    #[serde(skip)]
    pub offset: u64,
    /// Named groups of the first match, for fix templates.
    #[serde(skip)]
    pub captures: Vec<(String, String)>,
}

pub struct ScanResult {
    /// Hits per rule pattern, keyed by [`Owner::Rule`].
    pub rule_hits: Vec<(Owner, Vec<Hit>)>,
    pub facts: Facts,
    pub bytes: u64,
    pub lines: u64,
}

impl ScanPlan {
    /// `rule_patterns` lists, per rule, each of its patterns.
    pub fn new(rule_patterns: &[Vec<PlannedPattern>]) -> Result<ScanPlan, (Option<Owner>, String)> {
        let mut patterns = Vec::new();
        for (rule, list) in rule_patterns.iter().enumerate() {
            for (slot, planned) in list.iter().enumerate() {
                let owner = Owner::Rule { rule, slot };
                patterns.push(Planned {
                    regex: OnceLock::new(),
                    source: planned.source.clone(),
                    required: required_of(&planned.source).map_err(|e| (Some(owner), e))?,
                    owner,
                    limit: planned.limit,
                    head_only: planned.head_only,
                });
            }
        }
        let extractors = extractors::extractors();
        for (i, extractor) in extractors.iter().enumerate() {
            let owner = Owner::Extractor(i);
            patterns.push(Planned {
                regex: OnceLock::new(),
                source: extractor.pattern.to_string(),
                required: required_of(extractor.pattern).map_err(|e| (Some(owner), e))?,
                owner,
                limit: EXTRACTOR_HIT_LIMIT,
                head_only: false,
            });
        }
        Ok(ScanPlan {
            patterns,
            extractors,
            prefilter: OnceLock::new(),
            tail_sets: OnceLock::new(),
        })
    }
}

/// Checks that `source` parses and returns what the prefilter needs of it.
fn required_of(source: &str) -> Result<Vec<AnyOf>, String> {
    pattern::parse(source).map(|hir| prefilter::required_of(&hir))
}

/// The patterns `ids` in one set.
fn set_of(patterns: &[Planned], ids: &[usize]) -> Result<MultiPattern, String> {
    pattern::compile_set(&parsed(patterns, ids)?)
}

/// The patterns `ids`, parsed again (the plan keeps only their prefilter literals).
fn parsed(patterns: &[Planned], ids: &[usize]) -> Result<Vec<Hir>, String> {
    ids.iter()
        .map(|&i| pattern::parse(&patterns[i].source))
        .collect()
}

/// Compiles `ids` into one set, or, when their union is too large, into halves, recursively.
/// A pattern that does not compile even alone is left out: rule patterns are checked to
/// compile (built-in ones by the tests, user rules' when loaded), so none is.
fn compile_split(patterns: &[Planned], ids: Vec<usize>) -> Vec<PatternSet> {
    if ids.is_empty() {
        return Vec::new();
    }
    match set_of(patterns, &ids) {
        Ok(set) => vec![PatternSet { set, ids }],
        Err(_) if ids.len() == 1 => Vec::new(),
        Err(_) => {
            let mut second = ids;
            let first: Vec<usize> = second.drain(..second.len() / 2).collect();
            let mut sets = compile_split(patterns, first);
            sets.extend(compile_split(patterns, second));
            sets
        }
    }
}

pub struct Scanner<'p> {
    plan: &'p ScanPlan,
    /// The sets scanned past the head: none before it, then the plan's tail sets, then sets of
    /// the patterns still wanted, then none once every pattern has its hits.
    sets: Option<Cow<'p, [PatternSet]>>,
    /// One search cache per set in `sets`, owned here so that the states a set's lazy DFA
    /// learned are freed when the set is replaced (the plan's sets outlive the scanner).
    caches: Vec<meta::Cache>,
    hits: Vec<Vec<Hit>>,
    counts: Vec<usize>,
    facts: Facts,
    bytes: u64,
    lines: u64,
    /// Saturated patterns still in the sets.
    saturated_waiting: usize,
    /// Bytes of chunks in which only saturated patterns matched, since the last chunk in which
    /// a wanted one did (see [`IDLE_DROP_AFTER`]).
    idle_bytes: u64,
    /// [`IDLE_DROP_AFTER`], smaller in tests.
    idle_drop_after: u64,
    /// The input's head held messages of a toolchain in another language.
    localized_input: bool,
    /// The prefilter's literals seen so far: in the head, and in the chunks that opened the
    /// gate. `None` before the head is scanned.
    seen_literals: Option<Vec<bool>>,
    /// Patterns past the head kept out of the sets because a literal they need has not been
    /// seen. A long log repeats its vocabulary, so most of them never match; left in the set,
    /// they made its lazy DFA learn many more states on the first chunk past the head (the
    /// 100 MB benchmark log: 658 patterns, 34 ms to compile and 163 ms for that chunk, against
    /// 6 ms and 88 ms for the 158 whose literals the head held, plus the gate), and every later
    /// chunk was slower (3.0 ms per MiB against 2.3). The sets' gate matches the missing
    /// literals; where it matches, the gated patterns the chunk may hold are searched for, and
    /// the sets are recompiled with what the chunk showed.
    gated: Vec<usize>,
    /// How many times the gate opened (see [`GATE_OPENINGS`]).
    gate_openings: usize,
}

impl<'p> Scanner<'p> {
    pub fn new(plan: &'p ScanPlan) -> Scanner<'p> {
        let n = plan.patterns.len();
        Scanner {
            plan,
            sets: None,
            caches: Vec::new(),
            hits: vec![Vec::new(); n],
            counts: vec![0; n],
            facts: Facts::default(),
            bytes: 0,
            lines: 0,
            saturated_waiting: 0,
            idle_bytes: 0,
            idle_drop_after: IDLE_DROP_AFTER,
            localized_input: false,
            seen_literals: None,
            gated: Vec::new(),
            gate_openings: 0,
        }
    }

    /// Whether the chunk being scanned lies within the input's first [`HEAD`] bytes.
    fn in_head(&self) -> bool {
        self.bytes <= HEAD
    }

    fn wanted(&self, id: usize) -> bool {
        self.counts[id] < self.plan.patterns[id].limit
    }

    /// How many patterns the sets still hold.
    fn active_len(&self) -> usize {
        self.sets
            .iter()
            .flat_map(|sets| sets.iter())
            .map(|s| s.ids.len())
            .sum()
    }

    /// Moves to [`next_sets`](Self::next_sets), freeing the current sets' learned states
    /// before the new sets are compiled, so the two are never held at once.
    fn replace_sets(&mut self) {
        self.caches.clear();
        let sets = self.next_sets();
        self.caches = sets.iter().map(|s| s.set.cache()).collect();
        self.sets = Some(sets);
    }

    /// The sets to scan next, of the patterns still wanted: on leaving the head, the plan's
    /// when all are wanted and none is gated; else sets compiled for this input, with the
    /// patterns whose literals were not seen left to the gate.
    fn next_sets(&mut self) -> Cow<'p, [PatternSet]> {
        self.saturated_waiting = 0;
        let plan: &'p ScanPlan = self.plan;
        let mut wanted: Vec<usize> = match &self.sets {
            None => (0..plan.patterns.len())
                .filter(|&i| !plan.patterns[i].head_only)
                .collect(),
            Some(sets) => sets
                .iter()
                .flat_map(|s| s.ids.iter().copied())
                .chain(self.gated.iter().copied())
                .collect(),
        };
        wanted.retain(|&i| self.wanted(i));
        wanted.sort_unstable();
        let gated = self.split_gated(&mut wanted);
        if !gated.is_empty() {
            if let Some(set) = self.gated_set(&wanted, &gated) {
                self.gated = gated;
                return Cow::Owned(vec![set]);
            }
            // Only with many large `--rules`: no gate, every pattern in the sets.
            wanted.extend(gated);
            wanted.sort_unstable();
        }
        self.gated.clear();
        if self.sets.is_none() {
            let plan_sets = plan.tail_sets();
            let planned: usize = plan_sets.iter().map(|s| s.ids.len()).sum();
            if planned == wanted.len() {
                return Cow::Borrowed(plan_sets);
            }
        }
        Cow::Owned(compile_split(&plan.patterns, wanted))
    }

    /// Takes out of `wanted` the patterns the seen literals do not admit, unless the gate has
    /// opened too often; returns them.
    fn split_gated(&self, wanted: &mut Vec<usize>) -> Vec<usize> {
        let Some(seen) = &self.seen_literals else {
            return Vec::new();
        };
        if self.gate_openings >= GATE_OPENINGS {
            return Vec::new();
        }
        let prefilter = self.plan.prefilter();
        let (open, gated) = wanted.iter().partition(|&&i| prefilter.admits(i, seen));
        *wanted = open;
        gated
    }

    /// One set of `open` and the gate of `gated`: the literals of one requirement of each that
    /// no seen text held. `None` when it does not compile.
    fn gated_set(&self, open: &[usize], gated: &[usize]) -> Option<PatternSet> {
        let seen = self.seen_literals.as_ref()?;
        let prefilter = self.plan.prefilter();
        let mut literals: Vec<&[u8]> = gated
            .iter()
            .flat_map(|&i| prefilter.missing_requirement(i, seen).unwrap_or_default())
            .collect();
        literals.sort_unstable();
        literals.dedup();
        let mut hirs = parsed(&self.plan.patterns, open).ok()?;
        hirs.push(pattern::any_literal(&literals).ok()?);
        let set = pattern::compile_set(&hirs).ok()?;
        Some(PatternSet {
            set,
            ids: open.to_vec(),
        })
    }

    /// The gate matched `chunk`: some literal a gated pattern needs is there. Returns the gated
    /// patterns the chunk may hold, and remembers its literals, so that the sets compiled next
    /// hold the patterns now admitted and a gate without the literals seen.
    fn open_gate(&mut self, chunk: &[u8]) -> Vec<usize> {
        let prefilter = self.plan.prefilter();
        let present = prefilter.present(chunk);
        let admitted = self
            .gated
            .iter()
            .copied()
            .filter(|&i| prefilter.admits(i, &present))
            .collect();
        self.remember_literals(present);
        self.gate_openings += 1;
        admitted
    }

    /// Adds the literals `present` in a chunk (from [`Prefilter::present`]) to those seen.
    fn remember_literals(&mut self, present: Vec<bool>) {
        match &mut self.seen_literals {
            Some(seen) => seen.iter_mut().zip(present).for_each(|(s, p)| *s |= p),
            None => self.seen_literals = Some(present),
        }
    }

    /// Scans one input to its end. Lines are numbered from 1 per source.
    pub fn scan_reader(&mut self, source: &str, mut reader: impl Read) -> io::Result<()> {
        let mut buf: Vec<u8> = Vec::with_capacity(CHUNK + OVERLAP);
        let mut line = 1u64;
        let mut offset = 0u64; // absolute offset of buf[0]
        let mut eof = false;
        while !eof || !buf.is_empty() {
            if !eof && buf.len() < CHUNK {
                // read_to_end grows the buffer as data comes: a short report never pays for a
                // zeroed 1 MiB chunk.
                let room = (CHUNK.max(buf.len() + OVERLAP) - buf.len()) as u64;
                let n = reader.by_ref().take(room).read_to_end(&mut buf)?;
                self.bytes += n as u64;
                eof = (n as u64) < room;
            }
            if eof {
                self.scan_chunk(source, &buf, line, offset);
                self.count_lines(&buf, true);
                break;
            }
            match memchr::memrchr(b'\n', &buf) {
                Some(newline) => {
                    let cut = newline + 1;
                    self.scan_chunk(source, &buf[..cut], line, offset);
                    line += self.count_lines(&buf[..cut], false);
                    buf.drain(..cut);
                    offset += cut as u64;
                }
                None => {
                    // One line longer than a chunk: scan it, keep its tail for the next.
                    self.scan_chunk(source, &buf, line, offset);
                    let keep_from = buf.len() - OVERLAP;
                    buf.drain(..keep_from);
                    offset += keep_from as u64;
                }
            }
        }
        Ok(())
    }

    fn count_lines(&mut self, chunk: &[u8], last: bool) -> u64 {
        let newlines = memchr::memchr_iter(b'\n', chunk).count() as u64;
        let unterminated = last && !chunk.is_empty() && chunk.last() != Some(&b'\n');
        self.lines += newlines + u64::from(unterminated);
        newlines
    }

    fn scan_chunk(&mut self, source: &str, raw: &[u8], first_line: u64, offset: u64) {
        // Empty input: nothing to find, and no prefilter or set to build for it.
        if raw.is_empty() {
            return;
        }
        let in_head = self.in_head();
        if !in_head && self.sets.is_none() {
            self.replace_sets();
        }
        if self.sets.as_ref().is_some_and(|sets| sets.is_empty()) {
            return;
        }
        let mut cleaned: Cow<[u8]> = Cow::Borrowed(raw);
        if memchr::memchr(0x1b, &cleaned).is_some() {
            cleaned = Cow::Owned(strip_ansi(&cleaned));
        }
        if let Some(plain) = plain_punctuation(&cleaned) {
            cleaned = Cow::Owned(plain);
        }
        // Looking for localized messages in every chunk cost a third of the 100 MB scan, so past
        // the head only an input that showed some is searched.
        if (in_head || self.localized_input) && localized::may_be_localized(&cleaned) {
            let found = localized::to_english(&cleaned);
            self.localized_input |= found.localized;
            if let Some(english) = found.english {
                cleaned = Cow::Owned(english);
            }
        }
        let chunk: &[u8] = &cleaned;
        let mut gate_matched = false;
        let mut matched_patterns = match &self.sets {
            None => self.head_matches(chunk),
            Some(sets) => {
                let mut matched = Vec::new();
                for (set, cache) in sets.iter().zip(self.caches.iter_mut()) {
                    for i in set.set.matches_if_any(cache, chunk) {
                        match set.ids.get(i) {
                            Some(&id) => matched.push(id),
                            None => gate_matched = true,
                        }
                    }
                }
                matched
            }
        };
        if gate_matched {
            matched_patterns.extend(self.open_gate(chunk));
        }
        let any_wanted = matched_patterns.iter().any(|&p| self.wanted(p));
        let only_saturated = !matched_patterns.is_empty() && !any_wanted;
        let mut lines = LineIndex::default();
        for pid in matched_patterns {
            let limit = self.plan.patterns[pid].limit;
            let before = self.counts[pid];
            self.collect(pid, source, chunk, &mut lines, first_line, offset);
            if before < limit && self.counts[pid] >= limit {
                self.saturated_waiting += 1;
            }
        }
        // Recompiling costs milliseconds and makes the lazy DFA learn the input's states again:
        // worth it once half the set is saturated (100 MB benchmark: 0.53 s with three
        // recompilations, 0.46 s with one), or on a long input whose chunks keep matching only
        // saturated patterns (a fact repeated all through a log).
        if self.sets.is_none() {
            return;
        }
        if any_wanted {
            self.idle_bytes = 0;
        } else if only_saturated {
            self.idle_bytes += chunk.len() as u64;
        }
        let idle_drop = self.idle_bytes >= self.idle_drop_after;
        if idle_drop {
            self.idle_bytes = 0;
        }
        if gate_matched || idle_drop || self.saturated_waiting * 2 >= self.active_len().max(1) {
            self.replace_sets();
        }
    }

    /// The patterns to locate in a chunk of the head: those the prefilter admits, one by one
    /// when few (locating tells whether they match), else first through sets of them.
    fn head_matches(&mut self, chunk: &[u8]) -> Vec<usize> {
        let prefilter = self.plan.prefilter();
        let present = prefilter.present(chunk);
        let candidates: Vec<usize> = prefilter
            .admitted(&present)
            .filter(|&i| self.wanted(i))
            .collect();
        self.remember_literals(present);
        if candidates.len() <= HEAD_ALONE || chunk.len() < HEAD_SETS_FROM {
            return candidates;
        }
        let mut matched = Vec::new();
        for ids in candidates.chunks(HEAD_SET_SIZE) {
            match set_of(&self.plan.patterns, ids) {
                Ok(set) => {
                    let found = set.matches(&mut set.cache(), chunk);
                    matched.extend(found.into_iter().map(|i| ids[i]));
                }
                // Only with many large `--rules`: each pattern compiles alone.
                Err(_) => matched.extend_from_slice(ids),
            }
        }
        matched
    }

    fn collect(
        &mut self,
        pid: usize,
        source: &str,
        chunk: &[u8],
        lines: &mut LineIndex,
        first_line: u64,
        offset: u64,
    ) {
        let planned = &self.plan.patterns[pid];
        let regex = planned.regex();
        let mut locs = regex.capture_locations();
        let mut at = 0;
        while self.counts[pid] < planned.limit && at <= chunk.len() {
            let Some(m) = regex.captures_read_at(&mut locs, chunk, at) else {
                break;
            };
            at = if m.end() > m.start() {
                m.end()
            } else {
                m.end() + 1
            };
            let abs = offset + m.start() as u64;
            if self.hits[pid].iter().any(|h| h.offset == abs) {
                continue; // seen in the overlap of a split line
            }
            self.counts[pid] += 1;
            let line = first_line + lines.line_of(chunk, m.start());
            match planned.owner {
                Owner::Extractor(e) => {
                    let extractor = &self.plan.extractors[e];
                    let value = named(regex, &locs, chunk, "v")
                        .unwrap_or_else(|| String::from_utf8_lossy(m.as_bytes()).into_owned());
                    let origin = Origin::Text {
                        source: source.to_string(),
                        line,
                    };
                    extractors::record(extractor, &value, origin, &mut self.facts);
                }
                Owner::Rule { .. } => {
                    let captures = if self.hits[pid].is_empty() {
                        regex
                            .capture_names()
                            .flatten()
                            .filter_map(|name| {
                                Some((name.to_string(), named(regex, &locs, chunk, name)?))
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    self.hits[pid].push(Hit {
                        source: source.to_string(),
                        line,
                        text: evidence(chunk, m.start(), m.end()),
                        offset: abs,
                        captures,
                    });
                }
            }
        }
    }

    pub fn finish(self) -> ScanResult {
        let rule_hits = self
            .plan
            .patterns
            .iter()
            .zip(self.hits)
            .filter(|(p, _)| matches!(p.owner, Owner::Rule { .. }))
            .map(|(p, hits)| (p.owner, hits))
            .collect();
        ScanResult {
            rule_hits,
            facts: self.facts,
            bytes: self.bytes,
            lines: self.lines,
        }
    }
}

/// Where a chunk's lines start, found once per chunk and only when a pattern hit: hundreds of
/// hits in one chunk would otherwise each count the newlines before them.
#[derive(Default)]
struct LineIndex {
    newlines: Option<Vec<usize>>,
}

impl LineIndex {
    /// How many newlines come before `at` in `chunk` (0 for the chunk's first line).
    fn line_of(&mut self, chunk: &[u8], at: usize) -> u64 {
        let newlines = self
            .newlines
            .get_or_insert_with(|| memchr::memchr_iter(b'\n', chunk).collect());
        newlines.partition_point(|&n| n < at) as u64
    }
}

fn named(
    regex: &Regex,
    locs: &regex::bytes::CaptureLocations,
    chunk: &[u8],
    name: &str,
) -> Option<String> {
    let index = regex.capture_names().position(|n| n == Some(name))?;
    let (start, end) = locs.get(index)?;
    Some(String::from_utf8_lossy(&chunk[start..end]).into_owned())
}

/// The lines a match touches (at most four), each clipped around the match, as text.
fn evidence(chunk: &[u8], start: usize, end: usize) -> String {
    let line_start = memchr::memrchr(b'\n', &chunk[..start]).map_or(0, |i| i + 1);
    let mut line_end = memchr::memchr(b'\n', &chunk[end..]).map_or(chunk.len(), |i| end + i);
    let spanned = &chunk[line_start..line_end];
    if memchr::memchr_iter(b'\n', spanned).count() > 3 {
        line_end = line_start
            + spanned
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .nth(3)
                .map_or(spanned.len(), |(i, _)| i);
    }
    // Clip very long lines to a window that starts a little before the match.
    let from = if start - line_start > EVIDENCE_WIDTH / 3 {
        start - EVIDENCE_WIDTH / 3
    } else {
        line_start
    };
    let to =
        line_end.min(from + EVIDENCE_WIDTH.max(end.saturating_sub(from).min(4 * EVIDENCE_WIDTH)));
    let mut text = String::new();
    if from > line_start {
        text.push('…');
    }
    text.push_str(String::from_utf8_lossy(&chunk[from..to]).trim_end_matches(['\r', ' ', '\t']));
    if to < line_end {
        text.push('…');
    }
    text.replace('\r', "")
}

/// gcc in a UTF-8 locale quotes names with ‘ ’, web pages turn spaces into no-break spaces:
/// rules are written with ASCII quotes and spaces, so these become `'`, `"` and ` `. Returns
/// `None` when there is nothing to replace. Only line contents change, never line breaks.
pub fn plain_punctuation(input: &[u8]) -> Option<Vec<u8>> {
    const REPLACEMENTS: [(&[u8], u8); 6] = [
        (b"\xe2\x80\x98", b'\''), // left single quotation mark
        (b"\xe2\x80\x99", b'\''), // right single quotation mark
        (b"\xe2\x80\x9c", b'"'),  // left double quotation mark
        (b"\xe2\x80\x9d", b'"'),  // right double quotation mark
        (b"\xc2\xa0", b' '),      // no-break space
        (b"\xe2\x80\xaf", b' '),  // narrow no-break space
    ];
    let mut out: Option<Vec<u8>> = None;
    let mut copied = 0; // input[..copied] is in `out`
    for at in memchr::memchr2_iter(0xe2, 0xc2, input) {
        if at < copied {
            continue;
        }
        let Some((from, to)) = REPLACEMENTS
            .iter()
            .find(|(from, _)| input[at..].starts_with(from))
        else {
            continue;
        };
        let out = out.get_or_insert_with(|| Vec::with_capacity(input.len()));
        out.extend_from_slice(&input[copied..at]);
        out.push(*to);
        copied = at + from.len();
    }
    out.map(|mut out| {
        out.extend_from_slice(&input[copied..]);
        out
    })
}

/// Removes ANSI escape sequences (colours, cursor moves, hyperlinks) from terminal pastes.
pub fn strip_ansi(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        if input[i] != 0x1b {
            out.push(input[i]);
            i += 1;
            continue;
        }
        i += 1;
        match input.get(i) {
            Some(b'[') => {
                // CSI: parameters and intermediates, then one final byte 0x40..=0x7e.
                i += 1;
                while i < input.len() && !(0x40..=0x7e).contains(&input[i]) {
                    i += 1;
                }
                i += 1;
            }
            Some(b']') => {
                // OSC: up to BEL or ESC '\'.
                i += 1;
                while i < input.len()
                    && input[i] != 0x07
                    && !(input[i] == 0x1b && input.get(i + 1) == Some(&b'\\'))
                {
                    i += 1;
                }
                i += if input.get(i) == Some(&0x07) { 1 } else { 2 };
            }
            Some(_) => {
                // Two-byte escapes, and `ESC ( B`-style ones: intermediates, then a final byte.
                while i < input.len() && (0x20..=0x2f).contains(&input[i]) {
                    i += 1;
                }
                i += 1;
            }
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(patterns: &[&str]) -> ScanPlan {
        ScanPlan::new(&[patterns
            .iter()
            .map(|p| PlannedPattern {
                source: p.to_string(),
                limit: 3,
                head_only: false,
            })
            .collect()])
        .unwrap()
    }

    fn scan(plan: &ScanPlan, input: &[u8]) -> ScanResult {
        let mut scanner = Scanner::new(plan);
        scanner.scan_reader("t", input).unwrap();
        scanner.finish()
    }

    #[test]
    fn line_index_counts_the_newlines_before_a_position() {
        let chunk = b"a\nbb\n\nccc";
        let mut lines = LineIndex::default();
        let expected = [(0, 0), (1, 0), (2, 1), (4, 1), (5, 2), (6, 3), (9, 3)];
        for (at, line) in expected {
            let counted = memchr::memchr_iter(b'\n', &chunk[..at]).count() as u64;
            assert_eq!((lines.line_of(chunk, at), counted), (line, line), "at {at}");
        }
    }

    #[test]
    fn finds_line_numbers_and_strips_colour() {
        let plan = plan(&["invalid device function"]);
        let input = b"one\r\ntwo\r\n\x1b[31mcv2.error: (-217:Gpu API call) invalid device function\x1b[0m in function 'make_policy'\r\n";
        let result = scan(&plan, input);
        let hits = &result.rule_hits[0].1;
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].line, 3);
        assert_eq!(
            hits[0].text,
            "cv2.error: (-217:Gpu API call) invalid device function in function 'make_policy'"
        );
        assert_eq!(result.lines, 3);
    }

    #[test]
    fn prose_patterns_read_only_the_head_of_a_long_input() {
        let plan = ScanPlan::new(&[vec![
            PlannedPattern {
                source: "the gpu is not used".into(),
                limit: 3,
                head_only: true,
            },
            PlannedPattern {
                source: "out of memory".into(),
                limit: 3,
                head_only: false,
            },
        ]])
        .unwrap();
        let filler = "a log line\n".repeat(2 * CHUNK / 11);
        // In the head: found. Only past the head: not looked for, while log patterns still are.
        let head = format!("the GPU is not used\n{filler}out of memory\n");
        let result = scan(&plan, head.as_bytes());
        assert_eq!(result.rule_hits[0].1.len(), 1);
        let tail = format!("{filler}the GPU is not used\nout of memory\n");
        let result = scan(&plan, tail.as_bytes());
        assert!(result.rule_hits[0].1.is_empty());
        assert_eq!(result.rule_hits[1].1.len(), 1);
        // A short paste is all head.
        let result = scan(&plan, b"oh no, the GPU is not used");
        assert_eq!(result.rule_hits[0].1.len(), 1);
    }

    #[test]
    fn one_huge_line_is_scanned_in_bounded_pieces() {
        let plan = plan(&["needle here"]);
        let mut input = vec![b'x'; 3 * CHUNK + 17];
        let at = 2 * CHUNK - 5; // straddles a chunk cut
        input[at..at + 11].copy_from_slice(b"needle here");
        let result = scan(&plan, &input);
        assert_eq!(result.rule_hits[0].1.len(), 1);
        assert!(result.rule_hits[0].1[0].text.len() < 4 * EVIDENCE_WIDTH);
        assert_eq!(result.bytes, input.len() as u64);
    }

    #[test]
    fn patterns_are_found_in_the_head_and_past_it() {
        let plan = plan(&["alpha one", "beta two", "gamma three"]);
        let filler = "a log line\n".repeat(CHUNK / 11 + 10);
        let input = format!(
            "{}{filler}beta two\nalpha one\n{filler}gamma three\n",
            "alpha one\n".repeat(5)
        );
        let mut scanner = Scanner::new(&plan);
        scanner.scan_reader("t", input.as_bytes()).unwrap();
        // Past the head, one set without the saturated `alpha one`.
        let sets = scanner.sets.as_ref().unwrap();
        assert_eq!(sets.len(), 1);
        assert!(!sets[0].ids.contains(&0));
        let result = scanner.finish();
        let filler_lines = (CHUNK / 11 + 10) as u64;
        let lines =
            |slot: usize| -> Vec<u64> { result.rule_hits[slot].1.iter().map(|h| h.line).collect() };
        assert_eq!(lines(0), [1, 2, 3]);
        assert_eq!(lines(1), [6 + filler_lines]);
        assert_eq!(lines(2), [8 + 2 * filler_lines]);
    }

    #[test]
    fn a_pattern_saturated_past_the_head_leaves_the_set_once_it_keeps_matching() {
        let plan = plan(&["alpha one", "beta two", "gamma three", "delta four"]);
        let filler = "a log line\n".repeat(CHUNK / 11 + 10);
        // Past the head, every chunk holds `alpha one`: saturated after its first three hits,
        // one pattern of the set's many (the fact extractors are in it too), too few to
        // recompile the set for. Both patterns are in the head, so that neither waits behind
        // the gate, whose opening would recompile the sets.
        let mut input = format!("alpha one\ngamma three\n{filler}");
        for _ in 0..6 {
            input.push_str("alpha one\n");
            input.push_str(&filler);
        }
        input.push_str("gamma three\n");
        let ids = |scanner: &Scanner| -> Vec<usize> {
            let sets = scanner.sets.as_ref().unwrap();
            sets.iter().flat_map(|s| s.ids.clone()).collect()
        };
        let mut waiting = Scanner::new(&plan);
        waiting.scan_reader("t", input.as_bytes()).unwrap();
        assert!(ids(&waiting).contains(&0), "alpha one stays in the set");
        let mut dropping = Scanner::new(&plan);
        dropping.idle_drop_after = 2 * CHUNK as u64;
        dropping.scan_reader("t", input.as_bytes()).unwrap();
        assert!(!ids(&dropping).contains(&0), "alpha one left the set");
        for scanner in [waiting, dropping] {
            let hits = scanner.finish().rule_hits;
            assert_eq!(hits[0].1.len(), 3);
            assert_eq!(
                hits[2].1.len(),
                2,
                "gamma three, also after the recompilation"
            );
        }
    }

    /// The ids in the scanner's sets, and whether one has the gate.
    fn set_members(scanner: &Scanner) -> (Vec<usize>, bool) {
        let sets = scanner.sets.as_ref().unwrap();
        let ids = sets.iter().flat_map(|s| s.ids.clone()).collect();
        let gate = sets.iter().any(|s| s.set.pattern_len() > s.ids.len());
        (ids, gate)
    }

    #[test]
    fn a_pattern_whose_words_the_head_lacks_waits_behind_the_gate_and_is_still_found() {
        let plan = plan(&["alpha one", "beta two", "gamma three"]);
        let filler = "a log line\n".repeat(CHUNK / 11 + 10);
        let head_only_alpha = format!("alpha one\n{filler}");
        let mut scanner = Scanner::new(&plan);
        scanner
            .scan_reader("t", head_only_alpha.as_bytes())
            .unwrap();
        let (ids, gate) = set_members(&scanner);
        assert!(ids.contains(&0) && !ids.contains(&1) && gate);
        // (with the fact extractors whose words the filler lacks)
        assert!(scanner.gated.contains(&1) && scanner.gated.contains(&2));
        // `beta two` past the head opens the gate: found, then in the sets for good.
        let input = format!("{head_only_alpha}beta two\n{filler}beta two\n{filler}");
        let mut scanner = Scanner::new(&plan);
        scanner.scan_reader("t", input.as_bytes()).unwrap();
        assert_eq!(scanner.gate_openings, 1);
        assert!(set_members(&scanner).0.contains(&1));
        assert!(!scanner.gated.contains(&1) && scanner.gated.contains(&2));
        let hits = scanner.finish().rule_hits;
        assert_eq!(hits[1].1.len(), 2);
        // The words of a gated pattern open the gate where it does not match, and nothing is
        // found.
        let input = format!("{head_only_alpha}three gamma\n{filler}");
        let mut scanner = Scanner::new(&plan);
        scanner.scan_reader("t", input.as_bytes()).unwrap();
        assert_eq!(scanner.gate_openings, 1);
        assert!(scanner.finish().rule_hits[2].1.is_empty());
    }

    #[test]
    fn the_gate_gives_up_after_opening_too_often() {
        let sources: Vec<String> = (0..GATE_OPENINGS + 3)
            .map(|i| format!("needle{i} here"))
            .collect();
        let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
        let plan = plan(&sources);
        let filler = "a log line\n".repeat(CHUNK / 11 + 10);
        let mut input = filler.clone();
        for i in 0..sources.len() {
            input.push_str(&format!("needle{i} here\n{filler}"));
        }
        let mut scanner = Scanner::new(&plan);
        scanner.scan_reader("t", input.as_bytes()).unwrap();
        assert_eq!(scanner.gate_openings, GATE_OPENINGS);
        assert!(scanner.gated.is_empty());
        assert!(!set_members(&scanner).1, "no gate once it gave up");
        for (slot, (_, hits)) in scanner.finish().rule_hits.iter().enumerate() {
            assert_eq!(hits.len(), 1, "needle{slot}");
        }
    }

    #[test]
    fn a_long_head_searches_many_candidates_in_sets_and_finds_the_same() {
        // More candidates than are searched one by one: all present, half of them matching.
        let sources: Vec<String> = (0..3 * HEAD_ALONE)
            .map(|i| format!("word{i} (?:here|there{i})"))
            .collect();
        let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
        let plan = plan(&sources);
        let mut input: String = (0..3 * HEAD_ALONE)
            .map(|i| {
                if i % 2 == 0 {
                    format!("word{i} here\n")
                } else {
                    format!("word{i}\n")
                }
            })
            .collect();
        // A head long enough for sets.
        input.push_str(&"a log line\n".repeat(HEAD_SETS_FROM / 11 + 1));
        let mut scanner = Scanner::new(&plan);
        // Through sets, only the matching half is left to locate.
        assert_eq!(
            scanner.head_matches(input.as_bytes()).len(),
            3 * HEAD_ALONE / 2
        );
        scanner.scan_reader("t", input.as_bytes()).unwrap();
        let result = scanner.finish();
        for (slot, (_, hits)) in result.rule_hits.iter().enumerate() {
            assert_eq!(hits.len(), usize::from(slot % 2 == 0), "pattern {slot}");
        }
    }

    #[test]
    fn sets_too_large_to_merge_stay_apart() {
        // Patterns that compile alone but not together (as with many large `--rules`): three
        // of 300,000 NFA states each, where a set holds about 800,000.
        let big = format!("q[a-z]{{{}}}", 300_000);
        let mut sources = vec!["a log line"; 1];
        sources.extend([big.as_str(), "filler", big.as_str(), big.as_str()]);
        let plan = plan(&sources);
        assert!(plan.tail_sets().len() > 1);
        let input = format!("{}needle\n", "a log line\n".repeat(CHUNK / 11 + 10));
        let mut scanner = Scanner::new(&plan);
        scanner.scan_reader("t", input.as_bytes()).unwrap();
        // No panic, the saturated pattern left, the big ones still scanned in separate sets.
        let sets = scanner.sets.as_ref().unwrap();
        assert!(sets.len() > 1);
        assert!(sets.iter().all(|s| !s.ids.contains(&0)));
        let planned: usize = plan.tail_sets().iter().map(|s| s.ids.len()).sum();
        assert_eq!(scanner.active_len(), planned - 1);
    }

    #[test]
    fn repeated_hits_are_capped_and_facts_collected() {
        let plan = plan(&["out of memory"]);
        let input =
            "cv2.error: OpenCV(4.5.2) memory.hpp:54: error: (-217:Gpu API call) out of memory\n"
                .repeat(1000);
        let result = scan(&plan, input.as_bytes());
        assert_eq!(result.rule_hits[0].1.len(), 3);
        assert_eq!(result.facts.primary("opencv.version"), Some("4.5.2"));
        assert_eq!(result.lines, 1000);
    }

    #[test]
    fn a_pattern_that_does_not_compile_is_named_by_its_rule_and_slot() {
        let planned = |source: &str| PlannedPattern {
            source: source.to_string(),
            limit: 3,
            head_only: false,
        };
        // Non-ASCII in a class is refused by the byte-oriented, non-Unicode compiler.
        let rules = [
            vec![planned("fine")],
            vec![planned("ok"), planned("to [`'‘]x")],
        ];
        let Err((owner, _)) = ScanPlan::new(&rules) else {
            panic!("the set must not compile");
        };
        assert_eq!(owner, Some(Owner::Rule { rule: 1, slot: 1 }));
    }

    #[test]
    fn empty_and_binary_input() {
        let plan = plan(&["x y"]);
        assert_eq!(scan(&plan, b"").lines, 0);
        let noise: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
        let _ = scan(&plan, &noise);
    }

    #[test]
    fn ansi_sequences_of_every_kind() {
        assert_eq!(
            strip_ansi(b"\x1b[1;31mred\x1b[0m \x1b]8;;http://x\x07link\x1b]8;;\x1b\\ \x1b(B."),
            b"red link ."
        );
        assert_eq!(strip_ansi(b"\x1b"), b"");
        assert_eq!(strip_ansi(b"\x1b[12"), b"");
    }

    #[test]
    fn typographic_quotes_and_spaces_become_ascii() {
        assert_eq!(
            plain_punctuation("error: ‘GpuMatND’ was not declared\u{a0}here “x”".as_bytes())
                .unwrap(),
            b"error: 'GpuMatND' was not declared here \"x\""
        );
        assert_eq!(plain_punctuation("plain ascii, ü".as_bytes()), None);
    }
}
