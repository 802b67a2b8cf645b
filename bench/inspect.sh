#!/usr/bin/env bash
# Benchmark: `cvdoctor inspect` vs NVIDIA `cuobjdump --list-elf` + `--list-ptx` on the same
# real libraries (libcublasLt.so.13, 552 MB; libcurand.so.10), in one run: wall time with
# hyperfine (Debian package), peak RSS with /usr/bin/time -v. Not a test: run by hand.
#   bench/inspect.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN="$PWD/target/release/cvdoctor"
DATA="$PWD/bench-data/inspect"
mkdir -p "$DATA/wheels"
command -v hyperfine >/dev/null || { echo "install hyperfine: apt-get install hyperfine"; exit 2; }
CUOBJDUMP="${CUOBJDUMP:-$DATA/cuobjdump/nvidia/cu13/bin/cuobjdump}"
if [ ! -x "$CUOBJDUMP" ]; then
    python3 -m pip install --quiet --target "$DATA/cuobjdump" nvidia-cuda-cuobjdump
    chmod +x "$CUOBJDUMP"
fi
for lib in libcurand.so.10 libcublasLt.so.13; do
    if [ ! -s "$DATA/$lib" ]; then
        python3 -m pip download --quiet --no-deps -d "$DATA/wheels" nvidia-curand nvidia-cublas
        python3 - "$DATA" <<'PY'
import glob, os, sys, zipfile
data = sys.argv[1]
for wheel in glob.glob(os.path.join(data, "wheels", "*.whl")):
    with zipfile.ZipFile(wheel) as z:
        for name in z.namelist():
            if os.path.basename(name) in ("libcurand.so.10", "libcublasLt.so.13"):
                open(os.path.join(data, os.path.basename(name)), "wb").write(z.read(name))
PY
    fi
done

peak_rss_mb() { { /usr/bin/time -v "$@" 2>&1 >/dev/null || true; } | awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2/1024}'; }

for lib in libcublasLt.so.13 libcurand.so.10; do
    f="$DATA/$lib"
    echo "== $lib ($(stat -c %s "$f") bytes)"
    # -i: exit status 1 means "findings reported", not a failed run.
    hyperfine -i --warmup 1 --runs 5 --export-json "$DATA/$lib.json" \
        -n cvdoctor "$BIN inspect $f" \
        -n cuobjdump "$CUOBJDUMP --list-elf $f > /dev/null; $CUOBJDUMP --list-ptx $f > /dev/null" 2>&1 | grep -vE "^\s*$"
    ours=$(peak_rss_mb "$BIN" inspect "$f")
    theirs_elf=$(peak_rss_mb "$CUOBJDUMP" --list-elf "$f")
    theirs_ptx=$(peak_rss_mb "$CUOBJDUMP" --list-ptx "$f")
    python3 - "$DATA/$lib.json" "$ours" "$theirs_elf" "$theirs_ptx" <<'PY'
import json, sys
runs = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
ours, elf, ptx = map(float, sys.argv[2:5])
theirs = max(elf, ptx)
print(f"wall: cvdoctor {runs['cvdoctor']*1000:.1f} ms, cuobjdump (both listings) {runs['cuobjdump']*1000:.1f} ms -> {runs['cuobjdump']/runs['cvdoctor']:.1f}x faster")
print(f"peak RSS: cvdoctor {ours:.1f} MB, cuobjdump --list-elf {elf:.1f} MB / --list-ptx {ptx:.1f} MB -> {theirs/ours:.1f}x less")
PY
done
