#!/usr/bin/env bash
# Detection-engine benchmark: one cycle of the built-in rule pack on a day of
# 10M demo events, Mantissa vs the same rule SQL in DuckDB, plus schedule
# replays (each Stratus Red Team detonation log alone; the day's last hours).
#
#   bench/detect.sh [--fresh] [--events N] [--runs R] [--replay-hours H] [--no-record]
#
# --fresh regenerates the demo data (otherwise reused while events/seed/now
# match); --runs (default 3) cycles each side, the first cold-ish; --no-record
# leaves bench/RESULTS.md alone (by default its generated "Detection" section
# is replaced, or appended). MANTISSA_BIN=path uses that binary, otherwise
# target/release/mantissa is built if missing (as bench/run.sh does). Work
# files go to bench/work/detect/ (gitignored); the report is printed and
# written to bench/work/detect/report.md. Heavy steps run under nice -n 10.
set -euo pipefail

DUCKDB_VERSION="${DUCKDB_VERSION:-1.5.6}"
SQLGLOT_VERSION="${SQLGLOT_VERSION:-30.30.0}"
NOW="${DETECT_NOW:-2024-07-31T14:00:00Z}"
SEED=7
DAYS=1
EVENTS=10000000
RUNS=3
REPLAY_HOURS=6
FRESH=0
RECORD=1

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
VENV="$BENCH_DIR/.venv"
W="$BENCH_DIR/work/detect"
D="$W/data"
STRATUS="$ROOT/tests/fixtures/datasets/stratus-red-team-detonation-logs/detonation-logs"

while [ $# -gt 0 ]; do
    case "$1" in
        --fresh) FRESH=1; shift ;;
        --no-record) RECORD=0; shift ;;
        --events) EVENTS="${2:?}"; shift 2 ;;
        --runs) RUNS="${2:?}"; shift 2 ;;
        --replay-hours) REPLAY_HOURS="${2:?}"; shift 2 ;;
        -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "error: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$EVENTS$RUNS$REPLAY_HOURS" in *[!0-9]*) echo "error: --events, --runs and --replay-hours take whole numbers" >&2; exit 2 ;; esac

# 1. Python venv: DuckDB (+pytz), sqlglot, PyYAML.
if ! "$VENV/bin/python" - "$DUCKDB_VERSION" >/dev/null 2>&1 <<'EOF'
import sys, duckdb, pytz, sqlglot, yaml
sys.exit(0 if duckdb.__version__ == sys.argv[1] else 1)
EOF
then
    echo "setting up $VENV (duckdb==$DUCKDB_VERSION, sqlglot==$SQLGLOT_VERSION, pyyaml) ..."
    command -v python3 >/dev/null || { echo "error: python3 not found" >&2; exit 1; }
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || {
        echo "error: python3 -m venv failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
        "duckdb==$DUCKDB_VERSION" pytz "sqlglot==$SQLGLOT_VERSION" pyyaml
fi
PY="$VENV/bin/python"

# 2. The release binary (built only when missing).
if [ -n "${MANTISSA_BIN:-}" ]; then
    BIN="$MANTISSA_BIN"
else
    TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
    case "$TARGET_DIR" in /*) ;; *) TARGET_DIR="$PWD/$TARGET_DIR" ;; esac
    BIN="$TARGET_DIR/release/mantissa"
    if [ ! -x "$BIN" ]; then
        echo "no release binary at $BIN: cargo build --release --bin mantissa ..."
        (cd "$ROOT" && CARGO_TARGET_DIR="$TARGET_DIR" cargo build --release --bin mantissa)
    fi
fi
[ -x "$BIN" ] || { echo "error: mantissa binary not found or not executable: $BIN" >&2; exit 1; }
"$BIN" detect --help >/dev/null 2>&1 || { echo "error: $BIN has no detect command (too old?)" >&2; exit 1; }

# Isolate from any mantissa.toml / MANTISSA_* settings of the caller (every
# MANTISSA_* variable is read as configuration, MANTISSA_BIN included).
for v in $(compgen -e | grep '^MANTISSA_' || true); do unset "$v"; done
mkdir -p "$W"
cd "$W"
M=(nice -n 10 "$BIN")
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.3f", b - a }'; }
iso_shift() { date -u -d "@$(( $(date -u -d "$1" +%s) + $2 ))" +%Y-%m-%dT%H:%M:%SZ; }
# Each cycle starts with no detector state and no stored alerts (otherwise
# the alert store dedups the second cycle's alerts and skips their enrichment).
reset_state() {
    local f
    for f in detector.db alerts.db; do
        rm -f "$1/state/$f" "$1/state/$f-wal" "$1/state/$f-shm"
    done
}

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
echo "mantissa: $BIN ($("$BIN" --version))"
echo "load average at start: $LOAD_START"

# 3. Data: a day of demo events, ingested (reused unless --fresh or different).
STAMP="events=$EVENTS days=$DAYS seed=$SEED now=$NOW"
GEN_REUSED=true
if [ "$FRESH" = 1 ] || [ "$(cat "$W/data.stamp" 2>/dev/null)" != "$STAMP" ] || [ ! -d "$D/tables" ]; then
    GEN_REUSED=false
    rm -rf "$D" "$W/raw" "$W/data.stamp"
    echo "== generating and ingesting: demo --events $EVENTS --days $DAYS --seed $SEED --now $NOW"
    # demo --no-ingest, then ingest: a plain `demo` also replays the whole
    # pack over the window afterwards (which is not generation or ingest).
    t0="$(now_s)"
    "${M[@]}" --data-dir "$D" --now "$NOW" demo --events "$EVENTS" --days "$DAYS" --seed "$SEED" \
        --raw-dir "$W/raw" --no-ingest >"$W/demo.out" 2>"$W/demo.err" || { tail -20 "$W/demo.err" >&2; exit 1; }
    GEN1="$(elapsed "$t0")"
    t0="$(now_s)"
    "${M[@]}" --data-dir "$D" ingest "$W/raw" >"$W/ingest.out" 2>"$W/ingest.err" || { tail -20 "$W/ingest.err" >&2; exit 1; }
    GEN2="$(elapsed "$t0")"
    GEN_S="$(awk -v a="$GEN1" -v b="$GEN2" 'BEGIN { printf "%.3f", a + b }')"
    echo "$GEN_S $GEN1 $GEN2" >"$W/gen_s"
    echo "$STAMP" >"$W/data.stamp"
    rm -rf "$W/raw"   # GBs; the Parquet tables are what the benchmark reads
    echo "   generation + ingest: ${GEN_S} s (generation ${GEN1} s, ingest ${GEN2} s, process wall times)"
    cat "$W/demo.out" "$W/ingest.out" "$W/ingest.err" | grep -E "^Generated|^Read " | sed 's/^/   /' || true
else
    GEN_S="$(cut -d' ' -f1 "$W/gen_s" 2>/dev/null || echo 0)"
    echo "== reusing $D ($STAMP; generated in ${GEN_S} s); --fresh regenerates"
fi
"$BIN" --data-dir "$D" tables --format json >"$W/tables.json"
for t in cloudtrail vpc_flow guardduty; do
    "$BIN" --data-dir "$D" schema "$t" >"$W/schema-$t.txt" 2>&1 || true
    grep -o "event time: [a-z_]*" "$W/schema-$t.txt" | sed "s/^/   $t /"
done
# detect_duckdb.py assumes cloudtrail.eventtime, vpc_flow.start, guardduty.updatedat
grep -q "event time: eventtime," "$W/schema-cloudtrail.txt" && grep -q "event time: start," "$W/schema-vpc_flow.txt" \
    && grep -q "event time: updatedat," "$W/schema-guardduty.txt" \
    || { echo "error: event-time columns changed; update TIME_COLUMNS in detect_duckdb.py" >&2; exit 1; }
"$BIN" --data-dir "$D" rules list --format json >"$W/rules.json"

# 4. One detection cycle of the whole pack at $NOW, $RUNS times. The state
# store is reset before each run so every run does the same work (all alerts
# new). MANTISSA_LOG=...engine=debug logs each query's time and rows, and
# ...eval=debug names the rule (a `rule{id=…}` span) on a rule's own query.
echo "== detection cycle at $NOW, $RUNS runs"
echo "[" >"$W/cycles.json"
for i in $(seq 1 "$RUNS"); do
    reset_state "$D"
    t0="$(now_s)"
    MANTISSA_LOG="warn,mantissa_core::engine=debug,mantissa_detector::eval=debug" "${M[@]}" --data-dir "$D" --now "$NOW" \
        detect --format json >"$W/cycle-$i.json" 2>"$W/cycle-$i.log" || { tail -20 "$W/cycle-$i.log" >&2; exit 1; }
    s="$(elapsed "$t0")"
    echo "   run $i: ${s} s"
    [ "$i" = 1 ] || echo "," >>"$W/cycles.json"
    echo "{\"run\": $i, \"wall_s\": $s, \"out\": \"cycle-$i.json\", \"log\": \"cycle-$i.log\"}" >>"$W/cycles.json"
done
echo "]" >>"$W/cycles.json"

# 5. The same rules in DuckDB over the same Parquet files.
echo "== the same rules in DuckDB ($RUNS rounds)"
nice -n 10 "$PY" "$BENCH_DIR/detect_duckdb.py" duck --data "$D" --now "$NOW" --rules-dir "$ROOT/rules" \
    --rule-list "$W/rules.json" --runs "$RUNS" --out "$W/duck.json"

# 6a. Replay each Stratus Red Team detonation log alone.
echo "== replay of each Stratus Red Team detonation log"
SD="$W/stratus"
rm -rf "$SD"; mkdir -p "$SD"
"$PY" - "$SD/list" "$STRATUS" <<'EOF'
import sys, os
files = sorted(f for f in os.listdir(sys.argv[2]) if f.endswith(".json"))
open(sys.argv[1], "w").write("\n".join(files) + "\n")
EOF
echo "[" >"$W/stratus.json"
first=1
while read -r f; do
    [ -n "$f" ] || continue
    dd="$SD/${f%.json}"
    "$BIN" --data-dir "$dd" --quiet ingest --source cloudtrail "$STRATUS/$f" >/dev/null
    "$BIN" --data-dir "$dd" tables --format json >"$dd.tables.json"
    read -r from to rows span < <("$PY" - "$dd.tables.json" <<'EOF'
import sys, json, datetime as dt
d = json.load(open(sys.argv[1]))
t = [x for x in d["tables"] if x["table"] == "cloudtrail"][0]
utc = lambda s: dt.datetime.fromisoformat(s.replace("Z", "")).replace(tzinfo=dt.timezone.utc)
lo, hi = utc(t["first_event"]), utc(t["last_event"])
f = lambda x: x.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
print(f(lo - dt.timedelta(hours=1)), f(hi + dt.timedelta(hours=1)), t["rows"], str(hi - lo).replace(" ", ""))
EOF
)
    t0="$(now_s)"
    "${M[@]}" --data-dir "$dd" --quiet detect --from "$from" --to "$to" --format json >"$dd.replay.json" 2>"$dd.replay.err" \
        || { echo "   $f: replay failed: $(tail -1 "$dd.replay.err")"; }
    s="$(elapsed "$t0")"
    [ "$first" = 1 ] || echo "," >>"$W/stratus.json"; first=0
    "$PY" - "$dd.replay.json" "$f" "$s" "$rows" "$span" "$from" "$to" >>"$W/stratus.json" <<'EOF'
import sys, json
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    r = {}
print(json.dumps({"file": sys.argv[2], "wall_s": float(sys.argv[3]), "rows": int(sys.argv[4]), "span": sys.argv[5],
                  "from": sys.argv[6], "to": sys.argv[7], "evaluations": r.get("evaluations"), "skipped": r.get("skipped"),
                  "alerts": len(r.get("alerts", [])), "failures": len(r.get("failures", []))}))
EOF
    printf '   %-60s %6s s\n' "$f" "$s"
done <"$SD/list"
echo "]" >>"$W/stratus.json"

# 6b. Replay the last hours of the 10M-event day.
FROM="$(iso_shift "$NOW" $(( -REPLAY_HOURS * 3600 )))"
echo "== replay of the last $REPLAY_HOURS h of the demo day: detect --from $FROM --to $NOW"
reset_state "$D"
t0="$(now_s)"
"${M[@]}" --data-dir "$D" detect --from "$FROM" --to "$NOW" --format text >"$W/replay.out" 2>"$W/replay.err" \
    || { tail -5 "$W/replay.err" >&2; exit 1; }
s="$(elapsed "$t0")"
SUMMARY="$(grep -E "evaluations? of" "$W/replay.err" | tail -1 | sed 's/\r//')"
echo "   ${s} s: $SUMMARY"
"$PY" - "$W/replay.json" "$s" "$REPLAY_HOURS" "$FROM" "$NOW" "$SUMMARY" <<'EOF'
import sys, json, re
out, s, hours, frm, to, summary = sys.argv[1:]
m = re.search(r"(\d+) evaluations? of (\d+) rules?(?: \((\d+) ticks without data skipped\))?: (\d+) new alerts?, (\d+) updated, (\d+) failed", summary)
if not m:
    sys.exit(f"could not read the replay summary: {summary!r}")
json.dump({"wall_s": float(s), "hours": int(hours), "from": frm, "to": to, "evaluations": int(m.group(1)),
           "skipped": int(m.group(3) or 0), "alerts": int(m.group(4)) + int(m.group(5)), "failures": int(m.group(6)),
           "summary": summary}, open(out, "w"))
EOF

# 7. Report.
"$PY" - "$W/meta.json" "$EVENTS" "$DAYS" "$SEED" "$NOW" "$GEN_S" "$GEN_REUSED" "$LOAD_START" \
    "$("$BIN" --version)" "$W/tables.json" "$D/tables" <<'EOF'
import sys, json, os, platform, datetime as dt
out, events, days, seed, now, gen_s, reused, load, version, tables, tdir = sys.argv[1:]
t = json.load(open(tables))
t = t["tables"]
size = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(tdir) for f in fs)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
mem = next((int(l.split()[1]) for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0) / 1048576
json.dump({"events": int(events), "days": int(days), "seed": int(seed), "now": now, "gen_s": float(gen_s),
           "gen_reused": reused == "true", "load_start": load, "mantissa_version": version,
           "rows_total": sum(x["rows"] for x in t),
           "rows_by_table": ", ".join(f"{x['table']} {x['rows']:,}" for x in t),
           "parquet_mb": size / 1e6, "max_rows": 10000,
           "machine": f"{os.cpu_count()} cores ({cpu}), {mem:.1f} GiB",
           "date": dt.date.today().isoformat()}, open(out, "w"))
EOF
REC=()
[ "$RECORD" = 1 ] && REC=(--results "$BENCH_DIR/RESULTS.md")
echo
"$PY" "$BENCH_DIR/detect_duckdb.py" report --work "$W" "${REC[@]}"
