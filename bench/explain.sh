#!/usr/bin/env bash
# Benchmark: `cvdoctor explain` on a 100 MB log (file) and on 1 GB from stdin, against
# `grep -E -i -f` with the rules' patterns on the same input, in the same run, one core each.
# Prints MB/s and peak RSS (from /usr/bin/time -v) and the ratios. Not a test: run by hand.
#   bench/explain.sh            # data goes to bench-data/ (git-ignored)
#   SKIP_GREP_1GB=1 bench/explain.sh   # skip grep on 1 GB (about 75 min on a slow machine)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=target/release/cvdoctor
DATA=bench-data
mkdir -p "$DATA"
[ -s "$DATA/log-100mb.txt" ] || python3 bench/make_log.py 100 "$DATA/log-100mb.txt"
python3 bench/patterns_to_ere.py > "$DATA/patterns.ere"
ONE_CORE="taskset -c 0"
# The 1 GB runs' producer (`cat`) is kept off the measured core when there is another: on the
# same core it took time from the tool being measured.
PRODUCER=""
[ "$(nproc)" -ge 2 ] && PRODUCER="taskset -c 1"

# measure NAME BYTES CMD... : runs CMD under /usr/bin/time -v, prints a row.
measure() {
    local name=$1 bytes=$2; shift 2
    local log; log=$(mktemp)
    # Output goes to a file: GNU grep stops at the first match when stdout is /dev/null.
    /usr/bin/time -v "$@" > "$DATA/out.$name" 2> "$log" || true
    local secs rss
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
    printf '%-34s %8.3f s %9.1f MB/s %9.1f MB peak RSS\n' "$name" "$secs" "$(echo "$bytes / 1000000 / $secs" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
    echo "$secs $rss" > "$DATA/last.$name"
}

# Read the file once first: a first run that reads it from disk measures the disk, not the tools.
cat "$DATA/log-100mb.txt" > /dev/null
SIZE_100=$(stat -c %s "$DATA/log-100mb.txt")
SIZE_1G=$((SIZE_100 * 10))
echo "input: $SIZE_100 bytes (100 MB file), $SIZE_1G bytes (1 GB on stdin); $(wc -l < "$DATA/patterns.ere") patterns for grep"
measure cvdoctor-100mb "$SIZE_100" $ONE_CORE $BIN explain "$DATA/log-100mb.txt"
measure grep-100mb "$SIZE_100" $ONE_CORE env LC_ALL=C grep -E -i -c -f "$DATA/patterns.ere" "$DATA/log-100mb.txt"
measure cvdoctor-1gb-stdin "$SIZE_1G" bash -c "for i in 0 1 2 3 4 5 6 7 8 9; do $PRODUCER cat $DATA/log-100mb.txt; done | $ONE_CORE $BIN explain -"
ratio() { read -r a _ < "$DATA/last.$1"; read -r b _ < "$DATA/last.$2"; echo "scale=2; $b / $a" | bc; }
if [ -n "${SKIP_GREP_1GB:-}" ]; then
    echo "grep-1gb-stdin: skipped (SKIP_GREP_1GB)"
    echo "speed ratio (grep time / cvdoctor time): 100 MB $(ratio cvdoctor-100mb grep-100mb)x, 1 GB stdin not measured"
    exit 0
fi
measure grep-1gb-stdin "$SIZE_1G" bash -c "for i in 0 1 2 3 4 5 6 7 8 9; do $PRODUCER cat $DATA/log-100mb.txt; done | $ONE_CORE env LC_ALL=C grep -E -i -c -f $DATA/patterns.ere"
echo "speed ratio (grep time / cvdoctor time): 100 MB $(ratio cvdoctor-100mb grep-100mb)x, 1 GB stdin $(ratio cvdoctor-1gb-stdin grep-1gb-stdin)x"
