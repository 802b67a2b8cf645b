#!/usr/bin/env python3
"""Writes N report files into DIR for the triage benchmark, each made by mixing real texts:
pasted tickets (1 to 4 pieces: corpus and holdout errors, ticket fixtures, the H100's
nvidia-smi/collect_env/pip/ldconfig captures and its probe log) and, one in ten, a real
`check --format json` or redacted `report` bundle from the H100. Seeded: the same N gives the
same files.  usage: make_reports.py DIR [N]"""
import glob, json, os, random, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
out, n = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 10000
rng = random.Random(5)

pieces = []
for path in [os.path.join(root, "corpus/errors-dev.jsonl")] + sorted(glob.glob(os.path.join(root, "holdout/*.jsonl"))):
    pieces += [json.loads(line)["text"] for line in open(path)]
machine = [open(p, errors="replace").read() for p in
           sorted(glob.glob(os.path.join(root, "tickets/*.txt")))
           + sorted(glob.glob(os.path.join(root, "text/h100/*")))
           + [os.path.join(root, "text/collect_env.txt"), os.path.join(root, "text/probe-2026-11-26.log")]]
structured = [open(os.path.join(root, "h100-report", f)).read()
              for f in ("check.json", "check-live.json", "bundle-live-redacted.md")]

os.makedirs(out, exist_ok=True)
total = 0
for i in range(n):
    if rng.random() < 0.1:
        text = rng.choice(structured)
    else:
        parts = [rng.choice(pieces) for _ in range(rng.randint(1, 3))]
        if rng.random() < 0.6:
            parts.insert(rng.randint(0, len(parts)), rng.choice(machine))
        text = "\n\n".join(parts) + "\n"
    with open(os.path.join(out, f"report-{i:05d}.txt"), "w") as f:
        f.write(text)
    total += len(text.encode())
print(f"{n} reports, {total} bytes in {out}")
