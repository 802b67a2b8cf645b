#!/bin/sh
# `cvdoctor triage` on 10,000 reports made from real texts (issue 5): wall time, throughput and
# peak RSS, for the people's summary and for --format json. Run: sh bench/triage.sh [N]
set -eu
N=${1:-10000}
CVDOCTOR=${CVDOCTOR:-target/release/cvdoctor}
DIR=$(mktemp -d)
trap 'rm -rf "$DIR"' EXIT
python3 "$(dirname "$0")/make_reports.py" "$DIR/reports" "$N"
BYTES=$(du -sb "$DIR/reports" | cut -f1)
echo "cores: $(nproc); input: $N files, $BYTES bytes"
for format in human json; do
  /usr/bin/time -f "%e %M" -o "$DIR/time" "$CVDOCTOR" --format "$format" triage "$DIR/reports" > "$DIR/out" || true
  # time's last line; a first line says when triage exited 1 (it found something).
  set -- $(tail -n 1 "$DIR/time"); secs=$1; rss_kb=$2
  awk -v f="$format" -v s="$secs" -v kb="$rss_kb" -v b="$BYTES" -v n="$N" -v o="$(wc -c < "$DIR/out")" 'BEGIN {
    printf "%-5s %6.2f s  %8.1f MB/s  %7.0f reports/s  peak RSS %6.1f MB  output %.1f MB\n",
      f, s, b / 1e6 / s, n / s, kb / 1024, o / 1e6 }'
done
