#!/usr/bin/env python3
"""Writes a log of at least SIZE bytes by repeating real texts: the H100 machine's logs in
fixtures/text/ and every error text of the corpus. Usage: make_log.py SIZE_MB OUT"""
import glob, json, os, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# files only: fixtures/text/h100/ holds short tool outputs that would change the mix
texts = sorted(f for f in glob.glob(os.path.join(root, "fixtures/text/*")) if os.path.isfile(f))
parts = [open(f, errors="replace").read() for f in texts]
parts += [json.loads(line)["text"] + "\n" for line in open(os.path.join(root, "fixtures/corpus/errors-dev.jsonl"))]
block = "\n".join(parts).encode()
target = int(sys.argv[1]) * 1_000_000
with open(sys.argv[2], "wb") as out:
    written = 0
    while written < target:
        out.write(block)
        written += len(block)
