#!/usr/bin/env bash
# Natural-language benchmarks (see bench/README.md, "Questions"):
#  1. built-in translation time per question (p50/p95), release build;
#  2. end-to-end `mantissa ask` time on a demo dataset, for a day-bounded question.
# Usage: bench/nl.sh [EVENTS]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS="${1:-1000000}"
TARGET="${CARGO_TARGET_DIR:-target}"
cargo build --release --bin mantissa --example nl_bench -p mantissa -p mantissa-core
"$TARGET/release/examples/nl_bench" 200
BIN="$TARGET/release/mantissa"
WORK="bench/work/nl"
NOW="2026-11-26T15:30:00Z"
mkdir -p "$WORK"
if [ ! -d "$WORK/data-$EVENTS/tables" ]; then
  "$BIN" --data-dir "$WORK/data-$EVENTS" --now "$NOW" -q demo --events "$EVENTS" > /dev/null
fi
for q in "failed console logins yesterday" \
         "top 10 users by API calls today" \
         "rejected traffic by source address yesterday" \
         "high severity findings this week"; do
  best=""
  for _ in 1 2 3 4 5; do
    start=$(date +%s%N)
    "$BIN" --data-dir "$WORK/data-$EVENTS" --now "$NOW" -q ask --format json "$q" > /dev/null
    end=$(date +%s%N)
    ms=$(( (end - start) / 1000000 ))
    if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
  done
  echo "ask end-to-end (process start to JSON), $EVENTS events, best of 5: ${best} ms  \"$q\""
done
