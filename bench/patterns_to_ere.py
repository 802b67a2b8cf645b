#!/usr/bin/env python3
"""Prints every rule pattern (rules/**/*.toml: patterns, requires, unless) as a POSIX ERE
for `grep -E -i -f`, so the benchmark compares cvdoctor with grep on the same patterns.
Rust-only syntax is rewritten: (?:, (?P<n>, \\d, \\w, \\s, [^\\n], lazy quantifiers; a space
becomes [[:space:]>]+ as in cvdoctor. Patterns grep cannot express are skipped (counted on stderr)."""
import glob, os, re, sys, tomllib

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out, skipped = [], 0
for path in sorted(glob.glob(os.path.join(root, "rules/**/*.toml"), recursive=True)):
    rule = tomllib.load(open(path, "rb"))
    for p in rule.get("patterns", []) + rule.get("requires", []) + rule.get("unless", []):
        e = p.replace("(?:", "(")
        e = re.sub(r"\(\?P<\w+>", "(", e)
        e = e.replace(r"[^\n]", ".").replace(r"\n", "")
        e = e.replace(r"\d", "[0-9]").replace(r"\w", "[A-Za-z0-9_]").replace(r"\s", "[[:space:]]")
        e = re.sub(r"([*+?}])\?", r"\1", e)
        e = re.sub(r"(?<!\\) +", "[[:space:]>]+", e)
        if "(?" in e:
            skipped += 1
            continue
        out.append(e)
print("\n".join(out))
print(f"{len(out)} patterns, {skipped} skipped", file=sys.stderr)
