#!/usr/bin/env bash
# Run on the GPU machine with target/release/cvdoctor carried there: captures the texts users
# paste (nvidia-smi CSV, pip list/freeze, ldconfig -p) for the extractor tests, and checks the
# round trip report -> triage against check on a real H100 (with and without --live).
set -uo pipefail
OUT="${OUT:-/tmp/acceptance}"
CV=target/release/cvdoctor
mkdir -p "$OUT/texts"
PY=$(command -v python3)
nvidia-smi --query-gpu=name,compute_cap,driver_version,memory.total --format=csv > "$OUT/texts/nvidia-smi-query-gpu.csv" 2>&1
nvidia-smi --query-gpu=name,driver_version,compute_cap --format=csv,noheader > "$OUT/texts/nvidia-smi-query-gpu-noheader.csv" 2>&1
"$PY" -m pip list 2>/dev/null > "$OUT/texts/pip-list.txt"
"$PY" -m pip freeze 2>/dev/null > "$OUT/texts/pip-freeze.txt"
ldconfig -p > "$OUT/texts/ldconfig-p.txt" 2>&1
nvcc --version > "$OUT/texts/nvcc-version.txt" 2>&1
cat /proc/driver/nvidia/version > "$OUT/texts/proc-driver-nvidia-version.txt" 2>&1
for mode in plain live; do
  extra=(); [ "$mode" = live ] && extra=(--live)
  "$CV" --format json check "${extra[@]}" > "$OUT/check-$mode.json"; echo "check $mode exit $?"
  "$CV" report "${extra[@]}" --no-redact -o "$OUT/bundle-$mode.md"; echo "report $mode exit $?"
  "$CV" report "${extra[@]}" -o "$OUT/bundle-$mode-redacted.md"; echo "report redacted $mode exit $?"
  "$CV" --format json triage "$OUT/check-$mode.json" "$OUT/bundle-$mode.md" "$OUT/bundle-$mode-redacted.md" > "$OUT/triage-$mode.json"
  echo "triage $mode exit $?"
  "$PY" - "$OUT" "$mode" <<'PY'
import json, sys
out, mode = sys.argv[1], sys.argv[2]
check = json.load(open(f"{out}/check-{mode}.json"))
triage = json.load(open(f"{out}/triage-{mode}.json"))
said = lambda fs: [(f["rule"], f["category"], f["title"], f["fix"]) for f in fs]
want = said(check["findings"])
print(mode, "check findings:", [f[0] for f in want])
for r in triage["reports"]:
    got = said(r["findings"])
    same = got == want if "redacted" not in r["source"] else [g[0] for g in got] == [w[0] for w in want]
    print(mode, r["kind"], r["source"].rsplit("/", 1)[-1], "same as check:", same, r.get("note", ""))
PY
done
"$CV" explain "$OUT"/texts/nvidia-smi-query-gpu.csv "$OUT"/texts/pip-list.txt > /dev/null; echo "explain exit $?"
