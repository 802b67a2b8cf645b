//! Hostile input on the text path: random bytes, empty input, one very long line, many
//! matches. None may panic; memory stays bounded because input is streamed (the 1 GB runs
//! with peak RSS are in bench/robustness.sh).

use std::io::Read;

use cvdoctor::diagnose::{Input, diagnose, diagnose_text};
use cvdoctor::render;
use cvdoctor::rules::load_rules;

/// A reader that produces `len` bytes of one repeated line-less pattern without holding them.
struct Endless {
    left: u64,
    byte: u8,
    needle_at: u64,
    needle: &'static [u8],
    pos: u64,
}

impl Read for Endless {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = (buf.len() as u64).min(self.left) as usize;
        for slot in buf.iter_mut().take(n) {
            let offset = self.pos.wrapping_sub(self.needle_at);
            *slot = if self.pos >= self.needle_at && offset < self.needle.len() as u64 {
                self.needle[offset as usize]
            } else {
                self.byte
            };
            self.pos += 1;
        }
        self.left -= n as u64;
        Ok(n)
    }
}

/// xorshift: deterministic "random" bytes without a dependency.
fn random_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

#[test]
fn random_bytes_and_empty_input_never_panic() {
    let rules = load_rules(None).unwrap();
    for seed in 0..32 {
        let mut bytes = random_bytes(seed, 64 * 1024);
        // Sprinkle real fragments so rules and templates run on garbage around them.
        bytes.extend_from_slice(
            b"\ninvalid device function \x1b[1m Tesla V100 \xff NVIDIA GPU arch: 60 61\ncompute_9",
        );
        let d = diagnose(
            &rules,
            vec![Input {
                name: "r".into(),
                reader: Box::new(bytes.as_slice()),
            }],
        )
        .unwrap();
        let mut sink = Vec::new();
        render::human::render(&mut sink, &d, true).unwrap();
        render::json::render(&mut sink, &d).unwrap();
        render::markdown::render(&mut sink, &d).unwrap();
    }
    let d = diagnose_text(&rules, "");
    assert!(d.findings.is_empty());
    assert_eq!(d.lines, 0);
}

#[test]
fn a_32_mib_line_is_streamed_and_its_error_found() {
    let rules = load_rules(None).unwrap();
    let len = 32u64 << 20;
    let reader = Endless {
        left: len,
        byte: b'x',
        needle_at: len - 1000,
        needle: b" no kernel image is available for execution on the device ",
        pos: 0,
    };
    let d = diagnose(
        &rules,
        vec![Input {
            name: "line".into(),
            reader: Box::new(reader),
        }],
    )
    .unwrap();
    assert_eq!(d.bytes, len);
    assert_eq!(d.lines, 1);
    assert_eq!(d.findings[0].rule, "CVD102");
    assert!(
        d.findings[0].evidence[0].text.len() < 1200,
        "evidence is clipped"
    );
}

#[test]
fn a_log_with_the_error_repeated_a_million_times_keeps_three_quotes() {
    let rules = load_rules(None).unwrap();
    let text = "cv2.error: OpenCV(4.5.2) error: (-217:Gpu API call) out of memory in function 'ManagedPtr'\n".repeat(100_000);
    let d = diagnose_text(&rules, &text);
    assert_eq!(d.findings[0].category, "gpu-out-of-memory");
    assert_eq!(d.findings[0].evidence.len(), 3);
}
