#!/usr/bin/env python3
"""Prints every rule pattern (rules/**/*.toml `patterns`; with `--all`, also `requires` and
`unless`) as a POSIX ERE for `grep -E -i -f`, so the benchmark compares cvdoctor with grep on
the same patterns. `requires` entries are context words ("error", "opencv") that match most
lines of a log: with them grep stops at the first match of almost every line, which measures
nothing, so the default leaves them out (cvdoctor still scans for all three kinds).
Rust-only syntax is rewritten: (?:, (?P<n>, \\d, \\w, \\s, [^\\n], lazy quantifiers; a space
becomes [[:space:]>]+ as in cvdoctor. Patterns grep cannot express are skipped (counted on stderr)."""
import glob, os, re, sys, tomllib

def classes(e):
    """\\d, \\w, \\s as POSIX classes: bare outside brackets, without their own inside them."""
    inside = {"d": "0-9", "w": "A-Za-z0-9_", "s": "[:space:]"}
    out, in_class, i = [], False, 0
    while i < len(e):
        c = e[i]
        if c == "\\" and i + 1 < len(e):
            nxt = e[i + 1]
            if nxt in inside:
                out.append(inside[nxt] if in_class else "[" + inside[nxt] + "]")
            else:
                out.append(c + nxt)
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
            out.append(c)
            # a leading ^ and a leading ] belong to the class
            if e[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
            if e[i + 1:i + 2] == "]":
                out.append("]")
                i += 1
        elif c == "]" and in_class:
            in_class = False
            out.append(c)
        else:
            out.append(c)
        i += 1
    return "".join(out)


root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out, skipped = [], 0
for path in sorted(glob.glob(os.path.join(root, "rules/**/*.toml"), recursive=True)):
    rule = tomllib.load(open(path, "rb"))
    slots = rule.get("patterns", [])
    if "--all" in sys.argv[1:]:
        slots = slots + rule.get("requires", []) + rule.get("unless", [])
    for p in slots:
        e = p.replace("(?:", "(")
        e = re.sub(r"\(\?P<\w+>", "(", e)
        e = e.replace(r"[^\n]", ".").replace(r"\n", "")
        e = classes(e.replace(r"\x27", "'"))
        e = re.sub(r"([*+?}])\?", r"\1", e)
        e = re.sub(r"(?<!\\) +", "[[:space:]>]+", e)
        if "(?" in e:
            skipped += 1
            continue
        out.append(e)
print("\n".join(out))
print(f"{len(out)} patterns, {skipped} skipped", file=sys.stderr)
