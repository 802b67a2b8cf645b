#!/bin/sh
# `cvdoctor check` wall time against PyTorch's environment report, same machine, same run
# (issue 4): run on the GPU machine as `sh bench/check.sh [cvdoctor] [python] [runs]`.
# Prints every run and the medians; the ratio is collect_env's median over check's.
set -eu
CVDOCTOR=${1:-target/release/cvdoctor}
PYTHON=${2:-python3}
RUNS=${3:-5}
now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: > /tmp/cvd-check.t; : > /tmp/cvd-live.t; : > /tmp/cvd-collect.t
i=0
while [ "$i" -lt "$RUNS" ]; do
  t0=$(now); "$CVDOCTOR" check > /dev/null || true; t1=$(now)
  "$CVDOCTOR" check --live > /dev/null || true; t2=$(now)
  "$PYTHON" -m torch.utils.collect_env > /dev/null 2>&1 || true; t3=$(now)
  awk "BEGIN {print $t1 - $t0}" >> /tmp/cvd-check.t
  awk "BEGIN {print $t2 - $t1}" >> /tmp/cvd-live.t
  awk "BEGIN {print $t3 - $t2}" >> /tmp/cvd-collect.t
  i=$((i + 1))
done
echo "check runs (s):        $(tr '\n' ' ' < /tmp/cvd-check.t)"
echo "check --live runs (s): $(tr '\n' ' ' < /tmp/cvd-live.t)"
echo "collect_env runs (s):  $(tr '\n' ' ' < /tmp/cvd-collect.t)"
c=$(median < /tmp/cvd-check.t); l=$(median < /tmp/cvd-live.t); p=$(median < /tmp/cvd-collect.t)
echo "median: check $c s, check --live $l s, collect_env $p s"
echo "ratio collect_env/check: $(awk "BEGIN {printf \"%.2f\", $p / $c}")"
