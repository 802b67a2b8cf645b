#!/usr/bin/env bash
# Robustness at scale with the release binary: 1 GB of random bytes and one 1 GB line on
# stdin. Prints exit status, wall time and peak RSS; a panic would show as exit 101.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
BIN=target/release/cvdoctor
run() {
    local name=$1; shift
    local log; log=$(mktemp)
    set +e
    bash -c "$* | /usr/bin/time -v $BIN explain - > /dev/null 2> $log.err" 2> "$log"
    set -e
    local status rss secs
    status=$(awk -F': ' '/Exit status/ {print $2}' "$log.err")
    rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log.err")
    secs=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$log.err")
    printf '%-28s exit %s  %7.2f s  %7.1f MB peak RSS\n' "$name" "$status" "$secs" "$(echo "$rss / 1024" | bc -l)"
}
run "1 GB random bytes" "head -c 1000000000 /dev/urandom"
run "one 1 GB line (no newline)" "head -c 1000000000 /dev/zero | tr '\\\\0' x"
run "empty input" "true"
