#!/usr/bin/env bash
# Mantissa Log vs DuckDB benchmark: ingest throughput and query time, side by
# side, in one run on this machine. See bench/README.md.
#
#   bench/run.sh [--events N] [--runs R] [other bench.py options]
#
# Defaults: --events 2000000 (all demo log types; about half are CloudTrail),
# --runs 5. Sets up bench/.venv (DuckDB from PyPI), builds the release binary
# only if it is missing (honours CARGO_TARGET_DIR; MANTISSA_BIN=path skips the
# lookup), then runs bench/bench.py. Work files go to bench/work/ (gitignored);
# the report is printed and written to bench/work/report.{md,json}.
set -euo pipefail

DUCKDB_VERSION="${DUCKDB_VERSION:-1.5.6}"

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$BENCH_DIR/.venv"

EVENTS=2000000
RUNS=5
SELFTEST=0
PASS=()
while [ $# -gt 0 ]; do
    case "$1" in
        --events) EVENTS="${2:?--events needs a number}"; shift 2 ;;
        --events=*) EVENTS="${1#*=}"; shift ;;
        --runs) RUNS="${2:?--runs needs a number}"; shift 2 ;;
        --runs=*) RUNS="${1#*=}"; shift ;;
        --selftest) SELFTEST=1; PASS+=("$1"); shift ;;
        -h|--help)
            sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
            echo
            echo "bench.py options (passed through):"
            py="$VENV/bin/python"; [ -x "$py" ] || py=python3
            "$py" "$BENCH_DIR/bench.py" --help | sed -n '/^options:/,$p' || true
            exit 0 ;;
        *) PASS+=("$1"); shift ;;
    esac
done
case "$EVENTS$RUNS" in *[!0-9]*) echo "error: --events and --runs take whole numbers" >&2; exit 2 ;; esac

# 1. Python venv with DuckDB (pytz: DuckDB needs it to return TIMESTAMPTZ values).
if ! "$VENV/bin/python" - "$DUCKDB_VERSION" >/dev/null 2>&1 <<'EOF'
import sys, duckdb, pytz
sys.exit(0 if duckdb.__version__ == sys.argv[1] else 1)
EOF
then
    echo "setting up $VENV (duckdb==$DUCKDB_VERSION) ..."
    command -v python3 >/dev/null || { echo "error: python3 not found" >&2; exit 1; }
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || {
        echo "error: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "duckdb==$DUCKDB_VERSION" pytz
fi

# 2. The release binary (built only when missing).
BIN_ARGS=()
if [ "$SELFTEST" = 0 ]; then
    if [ -n "${MANTISSA_BIN:-}" ]; then
        BIN="$MANTISSA_BIN"
    else
        TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
        # Relative: to the current directory, as cargo itself reads it.
        case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
        BIN="$TARGET_DIR/release/mantissa"
        if [ ! -x "$BIN" ]; then
            echo "no release binary at $BIN: cargo build --release --bin mantissa ..."
            (cd "$ROOT" && CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --bin mantissa)
        fi
    fi
    [ -x "$BIN" ] || { echo "error: mantissa binary not found or not executable: $BIN" >&2; exit 1; }
    if [ -d "$ROOT/.git" ] && command -v git >/dev/null; then
        head_t="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || echo 0)"
        bin_t="$(stat -c %Y "$BIN" 2>/dev/null || echo 0)"
        if [ "$bin_t" -lt "$head_t" ]; then
            echo "note: $BIN is older than the last commit; rebuild with cargo build --release if the code changed"
        fi
    fi
    BIN_ARGS=(--mantissa "$BIN")
fi

# 3. The benchmark.
exec "$VENV/bin/python" "$BENCH_DIR/bench.py" "${BIN_ARGS[@]}" --events "$EVENTS" --runs "$RUNS" \
    --work "$BENCH_DIR/work" "${PASS[@]}"
