#!/usr/bin/env python3
"""Helper of bench/detect.sh: the DuckDB side of the detection benchmark and
the report.

  detect_duckdb.py duck   --data D --now T --rules-dir R --rule-list L --runs N --out F
      Runs every rule of the pack in DuckDB over D's Parquet files, as
      Mantissa evaluates it at T: the rule's Athena/Trino SQL transpiled with
      sqlglot (trino -> duckdb), CURRENT_TIMESTAMP/now() bound to T, and each
      table a view over read_parquet(D/tables/<t>/**/*.parquet) holding only
      rows with an event time in (T - window, T] (and, like Mantissa's
      partition pruning, only the dt= partitions the window touches). N
      rounds, each in a fresh connection; writes per-rule times, row counts
      and failures to F (JSON).

  detect_duckdb.py report --work W [--results bench/RESULTS.md]
      Reads what detect.sh left in W (Mantissa cycle logs and times, duck.json,
      the replay results), prints the results tables, writes W/report.md and,
      with --results, replaces (or appends) the generated "Detection" section
      of that file.

Dependencies: duckdb (+ pytz), sqlglot, PyYAML; detect.sh installs them into
bench/.venv.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

# Event-time column of each table (Mantissa's catalog: `mantissa schema <t>`).
TIME_COLUMNS = {"cloudtrail": "eventtime", "vpc_flow": "start", "guardduty": "updatedat"}

BEGIN = "<!-- detect.sh: generated section, replaced on each run -->"
END = "<!-- detect.sh: end of generated section -->"


def parse_duration(s: str) -> dt.timedelta:
    m = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", str(s))
    if not m:
        raise ValueError(f"unrecognised duration {s!r}")
    n, unit = int(m.group(1)), m.group(2)
    unit = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}[unit]
    return dt.timedelta(**{unit: n})


def parse_instant(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(dt.timezone.utc)


def ts_literal(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%S.%f") + "+00"


# --------------------------------------------------------------------------
# DuckDB side
# --------------------------------------------------------------------------

def load_rule_queries(rules_dir: Path) -> dict[str, dict]:
    import yaml

    out = {}
    for f in sorted(glob.glob(str(rules_dir / "**" / "*.yaml"), recursive=True)):
        with open(f) as fh:
            doc = yaml.safe_load(fh)
        if not isinstance(doc, dict) or "query" not in doc:
            continue
        rid = doc.get("id") or Path(f).stem
        out[rid] = {"query": doc["query"], "path": os.path.relpath(f, rules_dir.parent)}
    return out


def transpile(sql: str, now: dt.datetime) -> str:
    """Trino -> DuckDB, with CURRENT_TIMESTAMP / now() bound to `now`."""
    import sqlglot
    from sqlglot import exp

    lit = exp.cast(exp.Literal.string(ts_literal(now)), exp.DataType.build("TIMESTAMPTZ"))

    def bind(node):
        if isinstance(node, exp.CurrentTimestamp):
            return lit.copy()
        if isinstance(node, exp.Anonymous) and node.name.lower() in ("now", "current_timestamp"):
            return lit.copy()
        return node

    trees = sqlglot.parse(sql, read="trino")
    if len([t for t in trees if t is not None]) != 1:
        raise ValueError("not exactly one statement")
    out = trees[0].transform(bind).sql(dialect="duckdb")
    if re.search(r"\b(current_timestamp|now\s*\(\s*\))", out, re.I):
        raise ValueError("CURRENT_TIMESTAMP/now() left after binding")
    return out


def tables_of(sql: str) -> set[str]:
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(sql, read="trino")
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    return {t.name.lower() for t in tree.find_all(exp.Table)} - ctes


def define_views(con, data: Path, now: dt.datetime, window: dt.timedelta, tables: set[str]):
    since = now - window
    for t in sorted(tables):
        col = TIME_COLUMNS.get(t)
        files = data / "tables" / t
        if col is None:
            raise ValueError(f"unknown table {t}")
        if not any(files.glob("dt=*/*.parquet")):
            # No data for this table: an empty view with no columns would fail
            # differently from Mantissa (which knows the schema); say so.
            raise ValueError(f"no Parquet files for table {t}")
        con.execute(
            f"CREATE OR REPLACE VIEW {t} AS SELECT * EXCLUDE (dt) FROM read_parquet("
            f"'{files}/*/*.parquet', hive_partitioning=true) "
            f"WHERE dt >= DATE '{since.date().isoformat()}' AND dt <= DATE '{now.date().isoformat()}' "
            f"AND \"{col}\" > TIMESTAMPTZ '{ts_literal(since)}' AND \"{col}\" <= TIMESTAMPTZ '{ts_literal(now)}'"
        )


def cmd_duck(a):
    import duckdb

    data = Path(a.data).resolve()
    now = parse_instant(a.now)
    rules = json.loads(Path(a.rule_list).read_text())["rules"]
    queries = load_rule_queries(Path(a.rules_dir).resolve())
    out = {
        "duckdb_version": duckdb.__version__,
        "sqlglot_version": __import__("sqlglot").__version__,
        "now": a.now,
        "runs": [],
        "rules": {},
    }
    prepared = []
    for r in rules:
        rid = r["id"]
        entry = {"window": r["window"], "enabled": r.get("enabled", True)}
        out["rules"][rid] = entry
        if not entry["enabled"]:
            entry["status"] = "disabled"
            continue
        q = queries.get(rid)
        if q is None:
            entry["status"] = "no-yaml"
            entry["error"] = f"rule {rid} not found under {a.rules_dir}"
            continue
        entry["path"] = q["path"]
        try:
            entry["sql"] = transpile(q["query"], now)
            tables = tables_of(q["query"])
        except Exception as e:  # sqlglot parse/generate errors
            entry["status"] = "transpile-failed"
            entry["error"] = f"{type(e).__name__}: {e}".strip()[:500]
            continue
        entry["tables"] = sorted(tables)
        prepared.append((rid, parse_duration(r["window"]), tables, entry))

    for run in range(a.runs):
        con = duckdb.connect()
        con.execute("SET TimeZone = 'UTC'")
        started = time.perf_counter()
        for rid, window, tables, entry in prepared:
            if entry.get("status") in ("view-failed",):
                continue
            t0 = time.perf_counter()
            try:
                define_views(con, data, now, window, tables)
            except Exception as e:
                entry["status"] = "view-failed"
                entry["error"] = f"{type(e).__name__}: {e}"[:500]
                continue
            try:
                rows = con.execute(entry["sql"]).fetchall()
            except Exception as e:
                entry["status"] = "run-failed"
                entry["error"] = f"{type(e).__name__}: {e}".split("\n")[0][:500]
                entry.setdefault("ms", []).append((time.perf_counter() - t0) * 1e3)
                continue
            entry.setdefault("ms", []).append((time.perf_counter() - t0) * 1e3)
            entry["rows"] = len(rows)
            entry["status"] = "ok"
        out["runs"].append({"wall_s": time.perf_counter() - started})
        con.close()
        ok = sum(1 for *_, e in prepared if e.get("status") == "ok")
        print(f"  duckdb round {run + 1}: {out['runs'][-1]['wall_s']:.2f} s ({ok} rules ran)", flush=True)
    Path(a.out).write_text(json.dumps(out, indent=1))


# --------------------------------------------------------------------------
# Mantissa cycle logs
# --------------------------------------------------------------------------

LOG_RULE = re.compile(r"rule\{id=([^}\s]+)\}")
LOG_QUERY = re.compile(r"Query executed\..*?plan_ms=([\d.]+).*?total_ms=([\d.]+).*?rows=(\d+)")
LOG_FAIL = re.compile(r"rule evaluation failed.*?rule=(\S+)|rule=(\S+).*?rule evaluation failed")


def parse_cycle_log(path: Path, enabled: list[str]) -> dict:
    """Per-rule engine times from a cycle's debug log. A rule's own query is
    logged inside a `rule{id=...}` span; queries without one (alert
    enrichment, activity scans) are not a rule's. A failed rule logs a
    warning with its id instead of "Query executed."."""
    per = {}
    i = 0
    aligned = True
    for line in path.read_text(errors="replace").splitlines():
        line = re.sub(r"\x1b\[[0-9;]*m", "", line)
        m = LOG_QUERY.search(line)
        f = LOG_FAIL.search(line)
        if m:
            r = LOG_RULE.search(line)
            if not r:
                continue
            rid = r.group(1)
            if rid not in enabled or rid in per:
                aligned = False
            per[rid] = {"plan_ms": float(m.group(1)), "ms": float(m.group(2)), "rows": int(m.group(3))}
            i += 1
        elif f:
            rid = f.group(1) or f.group(2)
            if rid not in enabled:
                aligned = False
            per[rid] = {"failed": line.split("error=", 1)[-1][:300]}
            i += 1
    return {"rules": per, "aligned": aligned and i == len(enabled)}


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def fmt_ms(x):
    return "–" if x is None else (f"{x:,.0f}" if x >= 100 else f"{x:.1f}")


def cmd_report(a):
    W = Path(a.work)
    meta = json.loads((W / "meta.json").read_text())
    rules = json.loads((W / "rules.json").read_text())["rules"]
    enabled = [r["id"] for r in rules if r.get("enabled", True)]
    windows = {r["id"]: r["window"] for r in rules}
    cycles = json.loads((W / "cycles.json").read_text())
    duck = json.loads((W / "duck.json").read_text())
    L = []  # report lines (markdown)

    # Mantissa cycles
    logs = []
    for c in cycles:
        p = parse_cycle_log(W / c["log"], enabled)
        out = json.loads((W / c["out"]).read_text())
        c["alerts"] = len(out.get("alerts", []))
        c["evaluations"] = out.get("evaluations")
        c["failures"] = out.get("failures", [])
        c["engine_ms"] = sum(v.get("ms", 0) for v in p["rules"].values())
        c["aligned"] = p["aligned"]
        logs.append(p)
    m_wall = [c["wall_s"] for c in cycles]
    m_eng = [c["engine_ms"] / 1e3 for c in cycles]
    d_wall = [r["wall_s"] for r in duck["runs"]]
    warm_m = med(m_wall[1:]) if len(m_wall) > 1 else m_wall[0]
    warm_me = med(m_eng[1:]) if len(m_eng) > 1 else m_eng[0]
    warm_d = med(d_wall[1:]) if len(d_wall) > 1 else d_wall[0]

    per_m = {rid: med([lg["rules"].get(rid, {}).get("ms") for lg in logs[1:] or logs]) for rid in enabled}
    rows_m = {rid: logs[-1]["rules"].get(rid, {}).get("rows") for rid in enabled}
    fail_m = {rid: logs[-1]["rules"].get(rid, {}).get("failed") for rid in enabled if logs[-1]["rules"].get(rid, {}).get("failed")}
    dr = duck["rules"]
    per_d = {rid: med((dr.get(rid, {}).get("ms") or [None])[1:] or dr.get(rid, {}).get("ms") or [None])
             if dr.get(rid, {}).get("status") == "ok" else None for rid in enabled}
    statuses = {}
    for rid in enabled:
        statuses.setdefault(dr.get(rid, {}).get("status", "missing"), []).append(rid)

    max_rows = meta.get("max_rows", 10000)
    cmp_ok, cmp_bad, cmp_capped = [], [], []
    for rid in enabled:
        m, d = rows_m.get(rid), dr.get(rid, {}).get("rows") if dr.get(rid, {}).get("status") == "ok" else None
        if m is None or d is None:
            continue
        if m >= max_rows and d >= max_rows:
            cmp_capped.append(rid)
        elif m == d:
            cmp_ok.append(rid)
        else:
            cmp_bad.append((rid, m, d))

    L.append(f"Machine: {meta['machine']}; load average at start {meta['load_start']}, at end {os.getloadavg()[0]:.2f} "
             f"{os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}. {meta['mantissa_version']}; DuckDB {duck['duckdb_version']}; "
             f"sqlglot {duck['sqlglot_version']}.")
    L.append("")
    L.append(f"Data: `demo --events {meta['events']} --days {meta['days']} --seed {meta['seed']} --now {meta['now']}`, "
             f"{meta['rows_total']:,} rows ({meta['rows_by_table']}), {meta['parquet_mb']:,.0f} MB of Parquet; "
             f"generation + ingest {meta['gen_s']:.1f} s" + (" (reused from an earlier run)" if meta.get("gen_reused") else "") + ".")
    L.append("")
    L.append(f"### One detection cycle of the pack at {meta['now']} ({len(enabled)} enabled rules)")
    L.append("")
    L.append("| run | Mantissa process wall s | Mantissa engine s (sum of per-query times) | DuckDB s (same rules, one connection per round, in-process) |")
    L.append("|---|---|---|---|")
    for i in range(max(len(m_wall), len(d_wall))):
        L.append(f"| {i + 1}{' (first)' if i == 0 else ''} | {m_wall[i]:.2f} | {m_eng[i]:.2f} | "
                 f"{d_wall[i]:.2f} |" if i < len(m_wall) and i < len(d_wall) else f"| {i + 1} | | | |")
    n_ok = len(statuses.get("ok", []))
    d_ok_sum = sum(per_d[r] for r in statuses.get("ok", []) if per_d.get(r) is not None) / 1e3
    m_ok_sum = sum(per_m[r] for r in statuses.get("ok", []) if per_m.get(r) is not None) / 1e3
    L.append("")
    L.append(f"Warm (median of runs 2–{len(m_wall)}): Mantissa {warm_m:.2f} s process wall, {warm_me:.2f} s engine; "
             f"DuckDB {warm_d:.2f} s for the {n_ok} rules it could run. "
             f"On those {n_ok} rules only: Mantissa engine {m_ok_sum:.2f} s vs DuckDB {d_ok_sum:.2f} s, "
             f"**ratio {m_ok_sum / d_ok_sum:.2f}×** (Mantissa ÷ DuckDB); process wall vs DuckDB whole pack "
             f"{warm_m / warm_d:.2f}×.")
    L.append("")
    L.append(f"Alerts per cycle: {cycles[-1]['alerts']}; failed rules in Mantissa: {len(cycles[-1]['failures'])}"
             + (" (" + ", ".join(f"`{f['rule_id']}`: {f['error'][:160]}" for f in cycles[-1]['failures']) + ")" if cycles[-1]['failures'] else "")
             + ("" if all(c["aligned"] for c in cycles) else
                ". WARNING: the debug log did not line up with the rule list; per-rule Mantissa times are unreliable"))
    L.append("")
    L.append("DuckDB status per rule: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(statuses.items())) + ".")
    for k in ("transpile-failed", "run-failed", "view-failed", "no-yaml"):
        for rid in statuses.get(k, []):
            L.append(f"- `{rid}` ({k}): {dr[rid].get('error', '')[:300]}")
    L.append("")
    L.append(f"Row counts (Mantissa's engine result rows from its debug log, capped at max_rows={max_rows} by the guard, "
             f"vs DuckDB's fetched rows): {len(cmp_ok)} rules equal, {len(cmp_capped)} both ≥ cap, {len(cmp_bad)} differ"
             + (": " + ", ".join(f"`{r}` {m} vs {d}" for r, m, d in cmp_bad) if cmp_bad else "") + ".")
    L.append("")
    L.append("Slowest 10 rules in Mantissa (warm median, engine ms per query):")
    L.append("")
    L.append("| rule | window | Mantissa ms | DuckDB ms | ratio | rows M / D |")
    L.append("|---|---|---|---|---|---|")
    ranked = sorted((r for r in enabled if per_m.get(r) is not None), key=lambda r: -per_m[r])
    for rid in ranked[:10]:
        d = per_d.get(rid)
        L.append(f"| `{rid}` | {windows[rid]} | {fmt_ms(per_m[rid])} | {fmt_ms(d) if d is not None else dr.get(rid, {}).get('status', '–')} | "
                 f"{(per_m[rid] / d) if d else float('nan'):.2f} | {rows_m.get(rid)} / {dr.get(rid, {}).get('rows', '–')} |")
    L.append("")
    worst = sorted(((per_m[r] / per_d[r], r) for r in enabled
                    if per_m.get(r) is not None and per_d.get(r) and per_m[r] >= 20), reverse=True)[:5]
    if worst:
        L.append("Largest Mantissa ÷ DuckDB ratios (rules ≥ 20 ms in Mantissa): "
                 + ", ".join(f"`{r}` {x:.1f}× ({fmt_ms(per_m[r])} vs {fmt_ms(per_d[r])} ms)" for x, r in worst) + ".")
        L.append("")

    # Replays
    st = json.loads((W / "stratus.json").read_text()) if (W / "stratus.json").exists() else []
    if st:
        L.append(f"### Replay of each Stratus Red Team detonation log ({len(st)} files, each alone in a fresh data dir; "
                 "1 h before its first event to 1 h after its last)")
        L.append("")
        tot = sum(s["wall_s"] for s in st)
        ev = sum(s.get("evaluations") or 0 for s in st)
        sk = sum(s.get("skipped") or 0 for s in st)
        al = sum(s.get("alerts") or 0 for s in st)
        fl = sum(s.get("failures") or 0 for s in st)
        L.append(f"Total {tot:.1f} s of `detect --from/--to` process wall time (mean {tot / len(st):.2f} s per file); "
                 f"{ev} evaluations, {sk} ticks skipped, {al} alerts, {fl} failed evaluations.")
        L.append("")
        L.append("| file | events | span | replay s | evaluations | skipped | alerts |")
        L.append("|---|---|---|---|---|---|---|")
        for s in st:
            L.append(f"| {s['file'].replace('.json', '')} | {s.get('rows', '?')} | {s.get('span', '?')} | {s['wall_s']:.2f} | "
                     f"{s.get('evaluations')} | {s.get('skipped')} | {s.get('alerts')} |")
        L.append("")
    rp = json.loads((W / "replay.json").read_text()) if (W / "replay.json").exists() else None
    if rp:
        L.append(f"### Replay of the last {rp['hours']} h of the {meta['events']}-event day "
                 f"(`detect --from {rp['from']} --to {rp['to']}`)")
        L.append("")
        L.append(f"{rp['wall_s']:.1f} s process wall; {rp['evaluations']} evaluations, {rp['skipped']} ticks skipped "
                 f"(of {rp['evaluations'] + rp['skipped']} scheduled), {rp['alerts']} alerts, {rp['failures']} failed evaluations; "
                 f"{rp['wall_s'] / max(rp['evaluations'], 1) * 1e3:.0f} ms per evaluation. stderr summary: `{rp.get('summary', '')}`")
        L.append("")

    text = "\n".join(L)
    print(text)
    (W / "report.md").write_text(text + "\n")
    # the slowest rules' SQL, for the record
    with open(W / "slowest-sql.md", "w") as fh:
        for rid in ranked[:10]:
            fh.write(f"## {rid} (Mantissa {fmt_ms(per_m[rid])} ms, DuckDB {fmt_ms(per_d.get(rid))} ms)\n\n"
                     f"DuckDB SQL:\n\n```sql\n{dr.get(rid, {}).get('sql', '')}\n```\n\n")
    if a.results:
        res = Path(a.results)
        section = (f"{BEGIN}\n## Detection (`bench/detect.sh`, {meta['date']})\n\n{text}\n{END}\n")
        old = res.read_text() if res.exists() else ""
        if BEGIN in old and END in old:
            pre, rest = old.split(BEGIN, 1)
            post = rest.split(END, 1)[1]
            new = pre + section.rstrip("\n") + post
        else:
            new = old.rstrip("\n") + "\n\n" + section
        res.write_text(new)
        print(f"\n(section written to {res})")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    d = sub.add_parser("duck")
    d.add_argument("--data", required=True)
    d.add_argument("--now", required=True)
    d.add_argument("--rules-dir", required=True)
    d.add_argument("--rule-list", required=True)
    d.add_argument("--runs", type=int, default=3)
    d.add_argument("--out", required=True)
    r = sub.add_parser("report")
    r.add_argument("--work", required=True)
    r.add_argument("--results")
    a = ap.parse_args()
    {"duck": cmd_duck, "report": cmd_report}[a.cmd](a)


if __name__ == "__main__":
    main()
