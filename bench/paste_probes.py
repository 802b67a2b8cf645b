#!/usr/bin/env python3
"""Rewrites every fixture case cvdoctor gets right the way another user would have pasted it, and
lists the cases whose top category changes. Not a test: the figures go into the issue notes.
Run from the repository root after `cargo build --release`:

  python3 bench/paste_probes.py windows-paths   # /usr/lib/x.so -> C:\\usr\\lib\\x.so
  python3 bench/paste_probes.py opencv3-layout  # OpenCV 4's error line in OpenCV 3's layout
  python3 bench/paste_probes.py noise           # the case inside 440 lines of `make` progress

CVDOCTOR=path picks another binary."""
import glob
import json
import os
import re
import subprocess
import sys

BIN = os.environ.get("CVDOCTOR", "target/release/cvdoctor")
FILES = sorted(glob.glob("fixtures/holdout/*.jsonl")) + ["fixtures/corpus/errors-dev.jsonl"]


def top(text):
    """The top finding's (category, rule) for a text, or ("SILENT", "")."""
    out = subprocess.run([BIN, "--format", "json", "explain", "-"], input=text.encode(), capture_output=True)
    findings = json.loads(out.stdout)["findings"]
    return (findings[0]["category"], findings[0]["rule"]) if findings else ("SILENT", "")


def probe(rewrite, what):
    """Rewrites every case its category is right for; prints the cases whose category changes."""
    right = changed = 0
    for path in FILES:
        for line in open(path, encoding="utf-8"):
            if not line.strip():
                continue
            case = json.loads(line)
            variant = rewrite(case["text"])
            if variant == case["text"]:
                continue
            before = top(case["text"])
            if before[0] != case["category"]:
                continue
            right += 1
            after = top(variant)
            if after[0] != before[0]:
                changed += 1
                print(case["id"], case["category"], before, "->", after)
    print(f"{right} right cases {what}; {changed} changed")


UNIX_PATH = re.compile(r"(?<![\w:])/(?:[\w.+-]+/)+[\w.+-]+")
OPENCV4_ERROR = re.compile(
    r"OpenCV\((\d[\d.]*)[^)]*\) (\S+?):(\d+): error: \((-?\d+):([^)]+)\) (.*?) in function '([^']+)'"
)
MODULES = ["core", "imgproc", "features2d", "calib3d", "video", "photo", "objdetect", "highgui"]
BEFORE = "\n".join(
    f"[{i // 8:3d}%] Building CXX object modules/{MODULES[i % 8]}/CMakeFiles/opencv_{MODULES[i % 8]}.dir/src/file{i}.cpp.o"
    for i in range(400)
)
AFTER = "\n".join(f"[{50 + i // 8:3d}%] Built target opencv_{MODULES[i % 8]}" for i in range(40))

REWRITES = {
    "windows-paths": (lambda t: UNIX_PATH.sub(lambda m: "C:" + m.group(0).replace("/", "\\"), t), "with Unix paths"),
    "opencv3-layout": (
        lambda t: OPENCV4_ERROR.sub(
            lambda m: f"OpenCV Error: {m.group(5)} ({m.group(6)}) in {m.group(7)}, file {m.group(2)}, line {m.group(3)}", t
        ),
        "with OpenCV 4 error lines",
    ),
    "noise": (lambda t: BEFORE + "\n" + t + "\n" + AFTER, "in all"),
}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in REWRITES:
        sys.exit(__doc__)
    rewrite, what = REWRITES[sys.argv[1]]
    probe(rewrite, what)
