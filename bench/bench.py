#!/usr/bin/env python3
"""Mantissa Log vs DuckDB, side by side, in one run on the same machine.

Measures
  * ingest: raw CloudTrail JSON ({"Records":[...]} delivery files, uncompressed)
    -> Parquet, as MB/s and events/s, Mantissa (`mantissa ingest`) against
    DuckDB (`read_json` -> `COPY ... TO parquet`) on the very same files;
  * queries: five analyst queries, Mantissa (`mantissa sql`) against DuckDB
    over the very same Parquet files that Mantissa wrote.

Usually started by bench/run.sh, which prepares the venv and the binary. See
bench/README.md for how to read the figures.

Dependencies: the standard library and duckdb (which itself needs pytz to
hand TIMESTAMPTZ values to Python).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
FIXTURES = ROOT / "tests" / "fixtures" / "datasets"

NOW = "2026-11-01T00:00:00Z"
SEED = 7
MB = 1_000_000  # throughput is reported in MB = 10^6 bytes

try:
    import duckdb
except ImportError:  # reported by main(), after --help has had its chance
    duckdb = None


# --------------------------------------------------------------------------
# Queries: one template, two dialects. {jx} json_extract_scalar (Athena) /
# json_extract_string (DuckDB); {ad} approx_distinct / approx_count_distinct.
# Times are explicit TIMESTAMP literals (no now()) so both engines answer the
# same question. Every ORDER BY has a full tie-break so top-N sets are equal.
# --------------------------------------------------------------------------

QUERIES = [
    {
        "id": "q1",
        "title": "count by eventname, top 20",
        "compare": "exact",
        "sql": "SELECT eventname, count(*) AS n FROM cloudtrail "
               "GROUP BY eventname ORDER BY n DESC, eventname LIMIT 20",
    },
    {
        "id": "q2",
        "title": "failed calls by principal ARN and source IP, last 24 h, top 20",
        "compare": "exact",
        "sql": "SELECT useridentity.arn AS arn, sourceipaddress, count(*) AS failures FROM cloudtrail "
               "WHERE errorcode IS NOT NULL "
               "AND eventtime >= TIMESTAMP '2026-10-31 00:00:00' AND eventtime < TIMESTAMP '2026-11-01 00:00:00' "
               "GROUP BY useridentity.arn, sourceipaddress "
               "ORDER BY failures DESC, arn, sourceipaddress LIMIT 20",
    },
    {
        "id": "q3",
        "title": "hourly ConsoleLogin timeline over the week",
        "compare": "exact",
        "sql": "SELECT date_trunc('hour', eventtime) AS hour, count(*) AS logins, "
               "sum(CASE WHEN errorcode IS NOT NULL THEN 1 ELSE 0 END) AS failed FROM cloudtrail "
               "WHERE eventname = 'ConsoleLogin' "
               "AND eventtime >= TIMESTAMP '2026-10-25 00:00:00' AND eventtime < TIMESTAMP '2026-11-01 00:00:00' "
               "GROUP BY date_trunc('hour', eventtime) ORDER BY hour",
    },
    {
        "id": "q4",
        "title": "S3 GetObject by bucket (JSON requestparameters), top 10",
        "compare": "exact",
        "sql": "SELECT {jx}(requestparameters, '$.bucketName') AS bucket, count(*) AS n FROM cloudtrail "
               "WHERE eventname = 'GetObject' "
               "GROUP BY {jx}(requestparameters, '$.bucketName') ORDER BY n DESC, bucket LIMIT 10",
    },
    {
        "id": "q5",
        "title": "distinct source IPs per principal (approximate), top 10",
        # approximate distinct counts differ between the engines' sketches,
        # so only the row count is compared.
        "compare": "rows",
        "sql": "SELECT useridentity.principalid AS principal, {ad}(sourceipaddress) AS ips, count(*) AS n "
               "FROM cloudtrail GROUP BY useridentity.principalid ORDER BY ips DESC, principal LIMIT 10",
    },
]


def athena_sql(q: dict) -> str:
    return q["sql"].format(jx="json_extract_scalar", ad="approx_distinct")


def duckdb_sql(q: dict) -> str:
    return q["sql"].format(jx="json_extract_string", ad="approx_count_distinct")


# --------------------------------------------------------------------------
# DuckDB ingest forms.
#
# read_json on {"Records":[...]} files reads each file as ONE row whose
# column Records is a LIST of STRUCT; unnest(Records) gives one row per
# CloudTrail record (a STRUCT), and unnest(r) / r.field spreads its fields
# into columns. (`unnest(Records, recursive := false)` alone leaves one STRUCT
# column, not the fields.)
#
# typed: the schema given explicitly, the same columns and types as Mantissa's
#   cloudtrail table (lower-case names, eventtime TIMESTAMPTZ, free-form
#   members as JSON text, useridentity/resources/... as structs), written day
#   partitioned (PARTITION_BY dt) with zstd level 1 like Mantissa. Same work,
#   same output: the headline comparison.
# auto: DuckDB out of the box - schema auto-detected (deep STRUCTs for
#   requestParameters etc.), union_by_name across files, one Parquet file with
#   DuckDB's default compression. What a DuckDB user would type first.
#   Auto-detection fails on some real-world CloudTrail (keys differing only in
#   case, e.g. accessKeyId/accesskeyid); the demo data does not have those.
# --------------------------------------------------------------------------

def _s(*fields):
    return ("struct", list(fields))


# CloudTrail record members as delivered (camelCase) with the type Mantissa's
# `cloudtrail` table gives them (core/src/catalog/cloudtrail.rs).
# V text, T timestamp, J JSON kept as text, ("struct", ...), ("list", ...).
CT_FIELDS = [
    ("eventVersion", "V"),
    ("userIdentity", _s(
        ("type", "V"), ("principalId", "V"), ("arn", "V"), ("accountId", "V"), ("invokedBy", "V"),
        ("accessKeyId", "V"), ("userName", "V"),
        ("sessionContext", _s(
            ("attributes", _s(("mfaAuthenticated", "V"), ("creationDate", "V"))),
            ("sessionIssuer", _s(("type", "V"), ("principalId", "V"), ("arn", "V"), ("accountId", "V"),
                                 ("userName", "V"))),
            ("ec2RoleDelivery", "V"), ("sourceIdentity", "V"))))),
    ("eventTime", "T"),
    ("eventSource", "V"), ("eventName", "V"), ("awsRegion", "V"), ("sourceIPAddress", "V"), ("userAgent", "V"),
    ("errorCode", "V"), ("errorMessage", "V"),
    ("requestParameters", "J"), ("responseElements", "J"), ("additionalEventData", "J"),
    ("requestID", "V"), ("eventID", "V"), ("readOnly", "V"),
    ("resources", ("list", _s(("ARN", "V"), ("accountId", "V"), ("type", "V")))),
    ("eventType", "V"), ("apiVersion", "V"), ("recipientAccountId", "V"), ("serviceEventDetails", "J"),
    ("sharedEventID", "V"), ("vpcEndpointId", "V"), ("vpcEndpointAccountId", "V"), ("eventCategory", "V"),
    ("managementEvent", "V"),
    ("addendum", _s(("reason", "V"), ("updatedFields", "V"), ("originalRequestID", "V"), ("originalEventID", "V"))),
    ("sessionCredentialFromConsole", "V"), ("edgeDeviceDetails", "J"),
    ("tlsDetails", _s(("tlsVersion", "V"), ("cipherSuite", "V"), ("clientProvidedHostHeader", "V"))),
]


def _ddl(t, lower: bool) -> str:
    """DuckDB type of a field: as read (camelCase, JSON) or as written (lower case, JSON as text)."""
    if t == "V":
        return "VARCHAR"
    if t == "T":
        return "TIMESTAMPTZ"
    if t == "J":
        return "VARCHAR" if lower else "JSON"
    kind, inner = t
    if kind == "list":
        return _ddl(inner, lower) + "[]"
    return "STRUCT(" + ", ".join(f'"{n.lower() if lower else n}" {_ddl(ft, lower)}' for n, ft in inner) + ")"


def _sql_str(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def duck_ingest_sql(form: str, input_glob: str, out: str) -> str:
    if form == "typed":
        columns = "{'Records': " + _sql_str(_ddl(("list", ("struct", CT_FIELDS)), False)) + "}"
        select = []
        for name, t in CT_FIELDS:
            src = f'r."{name}"'
            if t in ("V", "T"):
                select.append(f'{src} AS "{name.lower()}"')
            else:  # JSON -> text, structs/lists -> lower-case field names
                select.append(f'CAST({src} AS {_ddl(t, True)}) AS "{name.lower()}"')
        select.append("strftime(r.\"eventTime\", '%Y-%m-%d') AS dt")
        return (
            "COPY (SELECT " + ", ".join(select) + " FROM (SELECT unnest(\"Records\") AS r FROM read_json("
            + _sql_str(input_glob) + ", format='auto', maximum_object_size=268435456, columns=" + columns
            + "))) TO " + _sql_str(out)
            + " (FORMAT parquet, PARTITION_BY (dt), COMPRESSION zstd, COMPRESSION_LEVEL 1)"
        )
    if form == "auto":
        return (
            "COPY (SELECT unnest(r) FROM (SELECT unnest(Records) AS r FROM read_json(" + _sql_str(input_glob)
            + ", format='auto', maximum_object_size=268435456, union_by_name=true))) TO " + _sql_str(out)
            + " (FORMAT parquet)"
        )
    raise ValueError(form)


DUCK_FORM_NOTES = {
    "typed": "explicit schema = Mantissa's cloudtrail columns/types, unnest(Records) -> r.field AS lower-case, "
             "day-partitioned (PARTITION_BY dt), zstd level 1",
    "auto": "schema auto-detected, union_by_name=true, SELECT unnest(r) FROM (SELECT unnest(Records) AS r ...), "
            "one Parquet file, default compression",
}

# Runs one DuckDB ingest in a fresh child process (so its peak RSS and CPU
# time can be measured like Mantissa's); in-process DuckDB, default threads.
DUCK_CHILD = r"""
import json, sys, time
import duckdb
spec = json.loads(sys.argv[1])
con = duckdb.connect()
con.execute("SET TimeZone='UTC'")
t0 = time.perf_counter()
rows = con.execute(spec["sql"]).fetchall()[0][0]
t1 = time.perf_counter()
threads = con.execute("SELECT current_setting('threads')").fetchone()[0]
print(json.dumps({"rows": rows, "copy_s": t1 - t0, "threads": threads}))
"""


# --------------------------------------------------------------------------
# Process helpers.
# --------------------------------------------------------------------------

@dataclass
class Run:
    cmd: list
    rc: int
    out: str
    err: str
    wall_s: float
    maxrss_kb: int
    cpu_s: float


def child_env() -> dict:
    # No MANTISSA_* settings leak in from the caller's shell (config file,
    # frozen clock, engine limits): every run gets the defaults.
    env = {k: v for k, v in os.environ.items() if not k.startswith("MANTISSA_")}
    env.setdefault("LC_ALL", "C.UTF-8")
    return env


def run_measured(cmd: list, cwd: Path) -> Run:
    """Runs cmd, timing wall clock and reading the child's own rusage (peak RSS, CPU) via wait4."""
    cmd = [str(c) for c in cmd]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=child_env())
        try:
            _, status, ru = os.wait4(p.pid, 0)
        except BaseException:
            p.kill()
            p.wait()
            raise
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)  # reaped: keep Popen from waiting again
        out.seek(0)
        err.seek(0)
        return Run(cmd, p.returncode, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                   wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime)


def describe_failure(r: Run) -> str:
    shown = " ".join(c if len(c) < 200 else c[:200] + "..." for c in r.cmd)
    err = r.err.strip() or "(no stderr)"
    if len(err) > 4000:
        err = "..." + err[-4000:]
    return f"command failed (exit {r.rc}): {shown}\n--- stderr ---\n{err}"


def error_summary(text: str) -> str:
    """The line of a failure that says what went wrong."""
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    for l in reversed(lines):
        if "Error" in l or "error:" in l or "Exception" in l:
            return l[:300]
    return lines[-1][:300] if lines else "(no output)"


def die(msg: str) -> None:
    print(f"\nerror: {msg}", file=sys.stderr)
    sys.exit(1)


def rmtree(p: Path) -> None:
    if p.is_dir() and not p.is_symlink():
        shutil.rmtree(p)
    elif p.exists() or p.is_symlink():
        p.unlink()


def tree_bytes(p: Path) -> int:
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file())


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def say(msg: str = "") -> None:
    print(msg, flush=True)


# --------------------------------------------------------------------------
# Machine and versions.
# --------------------------------------------------------------------------

def machine_info() -> dict:
    model = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu_model": model or platform.processor() or "unknown",
        "mem_total_gib": round(mem_kb / 1048576, 1) if mem_kb else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg_start": list(os.getloadavg()),
    }


# --------------------------------------------------------------------------
# Input data.
# --------------------------------------------------------------------------

def read_stamp(p: Path):
    try:
        return json.loads(p.read_text())
    except (OSError, ValueError):
        return None


def decompress_cloudtrail(raw: Path, ct: Path) -> dict:
    """gunzip every AWSLogs/*/CloudTrail/**/*.json.gz under raw into ct (same relative names, no .gz)."""
    tmp = ct.with_name(ct.name + ".tmp")
    rmtree(tmp)
    files = events = nbytes = 0
    for src in sorted(raw.rglob("*.json.gz")):
        rel = src.relative_to(raw)
        if "CloudTrail" not in rel.parts:
            continue
        data = gzip.decompress(src.read_bytes())
        try:
            records = json.loads(data)["Records"]
        except (ValueError, KeyError, TypeError) as e:
            die(f"{src} is not a CloudTrail {{\"Records\":[...]}} file: {e}")
        dst = tmp / rel.with_suffix("")
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        files += 1
        events += len(records)
        nbytes += len(data)
    if files == 0:
        die(f"no CloudTrail files (AWSLogs/<acct>/CloudTrail/**/*.json.gz) under {raw}")
    rmtree(ct)
    tmp.rename(ct)
    return {"files": files, "events": events, "bytes": nbytes}


def generate_demo(args, W: Path, binary: Path, version: str) -> dict:
    raw, ct = W / "raw", W / "ct-json"
    st = binary.stat()
    params = {"events": args.events, "seed": SEED, "now": NOW, "mantissa": version,
              "binary": [str(binary), st.st_size, int(st.st_mtime)]}
    stamp = read_stamp(W / "input.json")
    if not args.regen and stamp and stamp.get("params") == params and ct.is_dir():
        say(f"input: reusing {ct} ({stamp['events']:,} CloudTrail events; --regen to rebuild)")
        return stamp
    rmtree(W / "input.json")
    rmtree(raw)
    rmtree(W / "gen")
    say(f"input: mantissa demo --events {args.events:,} --seed {SEED} --now {NOW} ...")
    r = run_measured([binary, "--data-dir", W / "gen", "--quiet", "demo", "--events", args.events,
                      "--seed", SEED, "--now", NOW, "--no-ingest", "--raw-dir", raw], cwd=W)
    if r.rc != 0:
        die(describe_failure(r))
    say(f"  generated in {r.wall_s:.1f} s; decompressing the CloudTrail files ...")
    info = decompress_cloudtrail(raw, ct)
    info.update({"params": params, "generate_s": round(r.wall_s, 3), "source": "mantissa demo"})
    (W / "input.json").write_text(json.dumps(info, indent=1))
    return info


def _canon_keys(v, canon: dict, path: tuple = ()):
    """Spells each key the same way wherever it appears at the same place
    (real fixtures mix userIdentity.accessKeyId and .accesskeyid; DuckDB's
    struct names are case-insensitive, so auto-detection rejects the mix;
    the demo's generator spells every key one way)."""
    if isinstance(v, dict):
        out = {}
        for k, x in v.items():
            k = canon.setdefault((path, k.lower()), k)
            if k not in out:
                out[k] = _canon_keys(x, canon, path + (k,))
        return out
    if isinstance(v, list):
        return [_canon_keys(x, canon, path) for x in v]
    return v


def generate_synthetic(args, W: Path) -> dict:
    """Self-test input without the mantissa binary: real CloudTrail records
    from the test fixtures, re-timed over the week before NOW and re-keyed,
    plus ConsoleLogin and GetObject events, in {"Records":[...]} files laid out
    like AWS delivers them."""
    ct = W / "ct-json"
    params = {"synthetic_events": args.selftest_events, "seed": SEED, "now": NOW, "v": 3}
    stamp = read_stamp(W / "input.json")
    if not args.regen and stamp and stamp.get("params") == params and ct.is_dir():
        say(f"input: reusing {ct} ({stamp['events']:,} CloudTrail events)")
        return stamp
    pool = []
    for f in sorted(FIXTURES.glob("panther-analysis/*/*cloudtrail.json")):
        pool += json.loads(f.read_text())["Records"]
    for f in sorted(FIXTURES.glob("stratus-red-team-detonation-logs/detonation-logs/*.json")):
        d = json.loads(f.read_text())
        pool += d if isinstance(d, list) else d.get("Records", [])
    canon: dict = {}
    for rec in ({"userIdentity": {"accessKeyId": "", "principalId": "", "userName": ""}},
                {"resources": [{"ARN": "", "accountId": ""}]}):
        _canon_keys(rec, canon)  # the spelling of the keys the generator adds below
    pool = [_canon_keys(r, canon) for r in pool if isinstance(r, dict) and r.get("eventName")]
    if not pool:
        die(f"no CloudTrail fixtures under {FIXTURES}")
    rng = random.Random(SEED)
    accounts = ["111122223333", "444455556666", "777788889999"]
    regions = ["us-east-1", "us-east-1", "us-east-1", "eu-west-1", "us-west-2"]
    ips = [f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
           for _ in range(400)]
    principals = []
    for i in range(60):
        acct = accounts[i % 3]
        if i % 4 == 0:
            principals.append({"type": "IAMUser", "principalId": f"AIDA{i:016X}", "accountId": acct,
                               "arn": f"arn:aws:iam::{acct}:user/user{i}", "userName": f"user{i}",
                               "accessKeyId": f"AKIA{i:016X}"})
        else:
            principals.append({"type": "AssumedRole", "principalId": f"AROA{i:016X}:session{i}", "accountId": acct,
                               "arn": f"arn:aws:sts::{acct}:assumed-role/role{i % 9}/session{i}",
                               "accessKeyId": f"ASIA{i:016X}"})
    buckets = [f"bucket-{n}" for n in ("logs", "data", "backup", "web", "ml", "finance", "tmp", "archive",
                                       "images", "exports", "reports", "audit")]
    end = dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)
    t_end = int(end.timestamp())
    t_start = t_end - 7 * 86400
    groups: dict = {}
    for k in range(args.selftest_events):
        t = rng.randrange(t_start, t_end)
        acct = rng.choice(accounts)
        region = rng.choice(regions)
        who = dict(rng.choice(principals))
        ip = rng.choice(ips[:40]) if rng.random() < 0.5 else rng.choice(ips)
        x = rng.random()
        if x < 0.05:
            fail = rng.random() < 0.3
            rec = {"eventVersion": "1.08", "userIdentity": who, "eventSource": "signin.amazonaws.com",
                   "eventName": "ConsoleLogin", "requestParameters": None,
                   "responseElements": {"ConsoleLogin": "Failure" if fail else "Success"},
                   "additionalEventData": {"MFAUsed": "No", "LoginTo": "https://console.aws.amazon.com/"},
                   "eventType": "AwsConsoleSignIn", "readOnly": False, "managementEvent": True,
                   "eventCategory": "Management"}
            if fail:
                rec["errorMessage"] = "Failed authentication"
        elif x < 0.2:
            b = buckets[min(int(rng.expovariate(0.4)), len(buckets) - 1)]
            rec = {"eventVersion": "1.08", "userIdentity": who, "eventSource": "s3.amazonaws.com",
                   "eventName": "GetObject",
                   "requestParameters": {"bucketName": b, "key": f"k/{rng.randrange(10**6)}",
                                         "Host": f"{b}.s3.amazonaws.com"},
                   "responseElements": None,
                   "additionalEventData": {"bytesTransferredOut": rng.randrange(10**7)},
                   "resources": [{"type": "AWS::S3::Object", "ARN": f"arn:aws:s3:::{b}/k"},
                                 {"accountId": acct, "type": "AWS::S3::Bucket", "ARN": f"arn:aws:s3:::{b}"}],
                   "eventType": "AwsApiCall", "readOnly": True, "managementEvent": False, "eventCategory": "Data"}
        else:
            rec = dict(rng.choice(pool))
            ui = dict(rec.get("userIdentity") or {})
            ui.update(who)
            rec["userIdentity"] = ui
            rec.pop("errorCode", None)
            rec.pop("errorMessage", None)
        if x >= 0.05 and rng.random() < 0.06:
            rec["errorCode"] = rng.choice(["AccessDenied", "Client.UnauthorizedOperation", "NoSuchEntity"])
            rec["errorMessage"] = "synthetic failure"
        rec["eventTime"] = dt.datetime.fromtimestamp(t, dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        rec["awsRegion"] = region
        rec["sourceIPAddress"] = ip
        rec["recipientAccountId"] = acct
        rec["eventID"] = f"{rng.getrandbits(128):032x}"
        groups.setdefault((acct, region, t // 3600), []).append((t, rec))
    tmp = ct.with_name(ct.name + ".tmp")
    rmtree(tmp)
    files = events = nbytes = 0
    for (acct, region, hour), recs in sorted(groups.items()):
        recs.sort(key=lambda p: p[0])
        h = dt.datetime.fromtimestamp(hour * 3600, dt.timezone.utc)
        d = tmp / "AWSLogs" / acct / "CloudTrail" / region / f"{h:%Y}" / f"{h:%m}" / f"{h:%d}"
        d.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"Records": [r for _, r in recs]}, separators=(",", ":")).encode()
        (d / f"{acct}_CloudTrail_{region}_{h:%Y%m%dT%H%M}Z_{rng.getrandbits(64):016x}.json").write_bytes(data)
        files += 1
        events += len(recs)
        nbytes += len(data)
    rmtree(ct)
    tmp.rename(ct)
    info = {"files": files, "events": events, "bytes": nbytes, "params": params,
            "source": "synthetic (self-test, from tests/fixtures)"}
    (W / "input.json").write_text(json.dumps(info, indent=1))
    return info


def warm_page_cache(ct: Path) -> None:
    for f in ct.rglob("*.json"):
        with open(f, "rb") as fh:
            while fh.read(1 << 20):
                pass


# --------------------------------------------------------------------------
# Ingest.
# --------------------------------------------------------------------------

def mantissa_ingest_run(binary: Path, W: Path, ct: Path, i: int, events: int, warnings: list) -> tuple[dict, Path]:
    d = W / f"mdata-{i}"
    rmtree(d)
    r = run_measured([binary, "--data-dir", d, "--quiet", "ingest", "--format", "json", "--source", "cloudtrail", ct],
                     cwd=W)
    if r.rc != 0:
        die("mantissa ingest: " + describe_failure(r))
    try:
        rep = json.loads(r.out)
    except ValueError:
        die(f"mantissa ingest printed no JSON summary:\n{r.out[:2000]}\n--- stderr ---\n{r.err[-2000:]}")
    rows = (rep.get("records") or {}).get("cloudtrail", 0)
    if rows != events:
        warnings.append(f"ingest run {i + 1}: mantissa wrote {rows:,} cloudtrail rows, input has {events:,} events "
                        f"(quarantined: {rep.get('quarantined')})")
    res = {
        "wall_s": r.wall_s, "elapsed_ms": rep.get("elapsed_ms"), "rows": rows, "maxrss_kb": r.maxrss_kb,
        "cpu_s": r.cpu_s, "files_read": rep.get("files_read"), "bytes_read": rep.get("bytes_read"),
        "parquet_files": rep.get("parquet_files"), "quarantined": rep.get("quarantined"),
        "output_bytes": tree_bytes(d / "tables"),
    }
    return res, d


def duck_ingest_run(form: str, W: Path, ct: Path, i: int, events: int, warnings: list) -> dict:
    out = W / ("duck-typed" if form == "typed" else "duck-auto.parquet")
    rmtree(out)
    sql = duck_ingest_sql(form, str(ct / "**" / "*.json"), str(out))
    r = run_measured([sys.executable, "-c", DUCK_CHILD, json.dumps({"sql": sql})], cwd=W)
    if r.rc != 0:
        return {"error": describe_failure(r)}
    rep = json.loads(r.out.strip().splitlines()[-1])
    if rep["rows"] != events:
        warnings.append(f"ingest run {i + 1}: duckdb ({form}) wrote {rep['rows']:,} rows, input has {events:,} events")
    return {"copy_s": rep["copy_s"], "wall_s": r.wall_s, "rows": rep["rows"], "maxrss_kb": r.maxrss_kb,
            "cpu_s": r.cpu_s, "threads": rep["threads"], "output_bytes": tree_bytes(out)}


def summarize_ingest(runs: list, key: str, nbytes: int, events: int) -> dict:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"] if runs else "not run"}
    secs = median([r[key] for r in ok])
    return {
        "median_s": secs,
        "mb_per_s": nbytes / MB / secs,
        "events_per_s": events / secs,
        "median_wall_s": median([r["wall_s"] for r in ok]),
        "peak_rss_mb": max(r["maxrss_kb"] for r in ok) / 1024,
        "median_cpu_s": median([r["cpu_s"] for r in ok]),
        "output_mb": ok[-1]["output_bytes"] / MB,
        "runs": len(ok),
    }


# --------------------------------------------------------------------------
# Queries.
# --------------------------------------------------------------------------

def _norm(v):
    """One comparable form for a cell from either engine (timestamps as Mantissa's JSON prints them)."""
    if isinstance(v, dt.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return v.strftime("%Y-%m-%dT%H:%M:%S") + ("" if v.microsecond == 0 else f".{v.microsecond:06d}") + "Z"
    if isinstance(v, bool) or v is None or isinstance(v, (str, int)):
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else round(v, 6)
    try:  # Decimal and friends
        f = float(v)
        return int(f) if f.is_integer() else round(f, 6)
    except (TypeError, ValueError):
        return str(v)


def mantissa_query(binary: Path, mdata: Path, sql: str, W: Path, as_of: bool = False, repeat: int = 1):
    # No --now by default: a frozen clock puts the engine in replay mode, which
    # hides rows after --now with an extra filter DuckDB would not run. The
    # queries use explicit TIMESTAMP literals, so they need no clock.
    now = ["--now", NOW] if as_of else []
    rep = ["--repeat", str(repeat)] if repeat > 1 else []
    r = run_measured([binary, "--data-dir", mdata, *now, "--quiet", "sql", "--format", "json", *rep, sql], cwd=W)
    if r.rc != 0:
        return None, describe_failure(r)
    try:
        res = json.loads(r.out)
    except ValueError:
        return None, f"no JSON from mantissa sql:\n{r.out[:2000]}"
    return {"wall_ms": r.wall_s * 1000, "elapsed_ms": res.get("elapsed_ms"), "runs_ms": res.get("runs_ms"),
            "rows": res.get("rows") or [],
            "row_count": res.get("row_count"), "truncated": res.get("truncated"), "maxrss_kb": r.maxrss_kb}, None


def duck_query(con, sql: str):
    t0 = time.perf_counter()
    try:
        rows = con.execute(sql).fetchall()
    except duckdb.Error as e:
        return None, f"duckdb: {e}"
    return {"ms": (time.perf_counter() - t0) * 1000, "rows": rows, "row_count": len(rows)}, None


def compare_results(q: dict, m: dict, d: dict) -> str | None:
    if m["row_count"] != d["row_count"]:
        return f"{q['id']}: row count differs: mantissa {m['row_count']}, duckdb {d['row_count']}"
    if q["compare"] == "exact":
        mrows = [[_norm(v) for v in row] for row in m["rows"]]
        drows = [[_norm(v) for v in row] for row in d["rows"]]
        if mrows != drows:
            for a, b in zip(mrows, drows):
                if a != b:
                    return f"{q['id']}: results differ, first difference: mantissa {a} vs duckdb {b}"
            return f"{q['id']}: results differ"
    return None


def run_queries(args, W: Path, binary, mdata: Path, warnings: list) -> list:
    glob = mdata / "tables" / "cloudtrail" / "*" / "*.parquet"
    if not list(mdata.glob("tables/cloudtrail/*/*.parquet")):
        die(f"no Parquet files under {mdata}/tables/cloudtrail/")
    con = duckdb.connect()
    con.execute("SET TimeZone='UTC'")
    con.execute(f"CREATE VIEW cloudtrail AS SELECT * FROM read_parquet({_sql_str(str(glob))}, hive_partitioning=true)")
    out = []
    for q in QUERIES:
        entry = {"id": q["id"], "title": q["title"], "athena_sql": athena_sql(q), "duckdb_sql": duckdb_sql(q),
                 "mantissa": [], "duckdb": []}
        # Check run (also warms both engines and the page cache).
        d, derr = duck_query(con, entry["duckdb_sql"])
        if derr:
            entry["duckdb_error"] = derr
            warnings.append(f"{q['id']}: {derr}")
        entry["duckdb_rows"] = d["row_count"] if d else None
        if binary:
            m, merr = mantissa_query(binary, mdata, entry["athena_sql"], W, args.mantissa_now)
            if merr:
                entry["mantissa_error"] = merr
                warnings.append(f"{q['id']}: mantissa sql failed")
                say(f"  {q['id']}: mantissa failed:\n{merr}")
            entry["mantissa_rows"] = m["row_count"] if m else None
            if m and d:
                diff = compare_results(q, m, d)
                entry["results_match"] = diff is None
                if diff:
                    warnings.append(diff)
                    say(f"  WARNING {diff}")
        elif d and d["row_count"] == 0:
            warnings.append(f"{q['id']}: duckdb returned no rows")
        say(f"  {q['id']} check: mantissa rows={entry.get('mantissa_rows')} duckdb rows={entry['duckdb_rows']}"
            + ("" if entry.get("results_match", True) else "  (MISMATCH)"))
        out.append(entry)
    for i in range(args.runs):
        for q, entry in zip(QUERIES, out):
            if binary and "mantissa_error" not in entry:
                m, merr = mantissa_query(binary, mdata, entry["athena_sql"], W, args.mantissa_now)
                if merr:
                    entry["mantissa_error"] = merr
                else:
                    entry["mantissa"].append({"wall_ms": m["wall_ms"], "elapsed_ms": m["elapsed_ms"],
                                              "maxrss_kb": m["maxrss_kb"]})
            if "duckdb_error" not in entry:
                d, derr = duck_query(con, entry["duckdb_sql"])
                if derr:
                    entry["duckdb_error"] = derr
                else:
                    entry["duckdb"].append({"ms": d["ms"]})
        say(f"  query round {i + 1}/{args.runs} done")
    # Warm, in one process, as DuckDB is measured (its connection stays open
    # and its first run above is the check run): `mantissa sql --repeat`
    # runs the query runs+1 times on one engine; the first run is dropped.
    for q, entry in zip(QUERIES, out):
        if binary and "mantissa_error" not in entry:
            m, merr = mantissa_query(binary, mdata, entry["athena_sql"], W, args.mantissa_now, args.runs + 1)
            if merr or not m.get("runs_ms"):
                entry["mantissa_error"] = merr or "no runs_ms from mantissa sql --repeat"
            else:
                entry["mantissa_warm"] = m["runs_ms"][1:]
    say("  warm in-process runs done")
    for entry in out:
        m_warm = median(entry.get("mantissa_warm") or [])
        m_el = median([r["elapsed_ms"] for r in entry["mantissa"]])
        m_wall = median([r["wall_ms"] for r in entry["mantissa"]])
        d_ms = median([r["ms"] for r in entry["duckdb"]])
        entry["median"] = {"mantissa_warm_ms": m_warm, "mantissa_engine_ms": m_el, "mantissa_wall_ms": m_wall,
                           "duckdb_ms": d_ms}
        entry["ratio_warm"] = (m_warm / d_ms) if (m_warm is not None and d_ms) else None
        entry["ratio_engine"] = (m_el / d_ms) if (m_el is not None and d_ms) else None
        entry["ratio_wall"] = (m_wall / d_ms) if (m_wall is not None and d_ms) else None
    con.close()
    return out


# --------------------------------------------------------------------------
# Report.
# --------------------------------------------------------------------------

def fmt(v, spec=".1f", none="-"):
    return none if v is None else format(v, spec)


def table(headers: list, rows: list) -> list:
    cells = [[str(c) for c in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
             for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


def md_table(headers: list, rows: list) -> list:
    out = ["| " + " | ".join(map(str, headers)) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    out += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return out


def _zip_longest(a: list, b: list):
    n = max(len(a), len(b))
    return [(a[i] if i < len(a) else {}, b[i] if i < len(b) else {}) for i in range(n)]


def geomean(xs):
    xs = [x for x in xs if x]
    if not xs:
        return None
    p = 1.0
    for x in xs:
        p *= x
    return p ** (1 / len(xs))


def build_report(rep: dict) -> tuple[list, list]:
    """(plain text lines, markdown lines)."""
    txt, md = [], []
    m, inp = rep["machine"], rep["input"]
    head = [
        f"machine: {m['nproc']} cores ({m['cpu_model']}), {m['mem_total_gib']} GiB, Linux {m['kernel']}; "
        f"load average at start {m['loadavg_start'][0]:.2f}, at end {m['loadavg_end'][0]:.2f}",
        f"versions: {rep['versions']['mantissa'] or '(mantissa not run)'}, duckdb {rep['versions']['duckdb']}",
        f"input: {inp['events']:,} CloudTrail events in {inp['files']:,} files, {inp['bytes'] / MB:,.1f} MB "
        f"uncompressed JSON ({inp['source']}); {rep['runs']} runs each, medians shown",
    ]
    txt += head
    md += ["# Mantissa Log vs DuckDB benchmark", "", f"Run at {rep['started']}.", ""] + [f"- {h}" for h in head] + [""]

    ing = rep["ingest"]
    headers = ["ingest (raw CloudTrail JSON -> Parquet)", "median s", "MB/s", "events/s", "peak RSS MB",
               "CPU s", "out MB", "Mantissa/this"]
    rows = []
    ms = ing.get("mantissa", {}).get("summary")
    if ms and "error" not in ms:
        rows.append(["mantissa ingest (process wall)", fmt(ms["median_s"], ".2f"), fmt(ms["mb_per_s"]),
                     fmt(ms["events_per_s"], ",.0f"), fmt(ms["peak_rss_mb"], ".0f"), fmt(ms["median_cpu_s"], ".1f"),
                     fmt(ms["output_mb"]), ""])
    for form in rep["duck_forms"]:
        s = ing.get(f"duckdb_{form}", {}).get("summary")
        if not s:
            continue
        if "error" in s:
            rows.append([f"duckdb {form}: FAILED", "-", "-", "-", "-", "-", "-", "-"])
            continue
        ratio = ing.get(f"ratio_vs_{form}")
        rows.append([f"duckdb {form} (COPY time)", fmt(s["median_s"], ".2f"), fmt(s["mb_per_s"]),
                     fmt(s["events_per_s"], ",.0f"), fmt(s["peak_rss_mb"], ".0f"), fmt(s["median_cpu_s"], ".1f"),
                     fmt(s["output_mb"]), fmt(ratio, ".2f") + ("x" if ratio else "")])
    if not rows:
        txt += ["", "ingest: not run (--skip-ingest)"]
        md += ["## Ingest", "", "Not run (--skip-ingest).", ""]
    else:
        txt += [""] + table(headers, rows)
        md += ["## Ingest", ""] + md_table(headers, rows) + [""]
        per_run = []
        if ing.get("mantissa"):
            per_run.append("mantissa process wall s: " + ", ".join(f"{r['wall_s']:.2f}" for r in ing["mantissa"]["runs"])
                           + " (its own elapsed_ms: " + ", ".join(str(r["elapsed_ms"]) for r in ing["mantissa"]["runs"])
                           + ")")
        for form in rep["duck_forms"]:
            runs = [r for r in ing.get(f"duckdb_{form}", {}).get("runs", []) if "error" not in r]
            if runs:
                per_run.append(f"duckdb {form} COPY s: " + ", ".join(f"{r['copy_s']:.2f}" for r in runs)
                               + " (process wall s: " + ", ".join(f"{r['wall_s']:.2f}" for r in runs) + ")")
        md += ["Per run, in order (run 1 first):", ""] + [f"- {p}" for p in per_run] + [""]
    notes = [] if not rows else [
        "MB = 10^6 bytes of uncompressed CloudTrail JSON; Mantissa/this = Mantissa MB/s / DuckDB MB/s "
        "(>= 1.0: Mantissa at least as fast; target >= 1.0 against the typed form).",
        "Mantissa time is the whole process (start to exit); DuckDB time is the COPY statement only, in a warm "
        "process (its process wall, with Python start-up and import, is in report.json).",
        "Peak RSS: whole child process (for DuckDB this includes the Python interpreter).",
    ]
    for form in rep["duck_forms"] if rows else []:
        notes.append(f"duckdb {form}: {DUCK_FORM_NOTES[form]}.")
        s = ing.get(f"duckdb_{form}", {}).get("summary") or {}
        if "error" in s:
            notes.append(f"duckdb {form} FAILED: {error_summary(s['error'])}")
    txt += ["  " + n for n in notes]
    md += [f"- {n}" for n in notes] + [""]
    if rows:
        md += ["DuckDB ingest SQL:", ""]
        for form in rep["duck_forms"]:
            md += [f"`{form}`:", "", "```sql", ing["sql"][form], "```", ""]

    qs = rep["queries"]
    headers = ["query", "rows M/D", "mantissa warm ms", "duckdb ms", "warm ratio", "mantissa 1st-query ms",
               "1st-query ratio", "mantissa wall ms", "wall ratio", "match"]
    rows = []
    for e in qs:
        med = e["median"]
        match = {True: "yes", False: "NO", None: "-"}[e.get("results_match")]
        if e.get("mantissa_error"):
            match = "mantissa error"
        if e.get("duckdb_error"):
            match = "duckdb error"
        rows.append([f"{e['id']} {e['title']}", f"{fmt(e.get('mantissa_rows'), 'd')}/{fmt(e.get('duckdb_rows'), 'd')}",
                     fmt(med["mantissa_warm_ms"], ".1f"), fmt(med["duckdb_ms"], ".1f"), fmt(e["ratio_warm"], ".2f"),
                     fmt(med["mantissa_engine_ms"], ".0f"), fmt(e["ratio_engine"], ".2f"),
                     fmt(med["mantissa_wall_ms"], ".0f"), fmt(e["ratio_wall"], ".2f"), match])
    gm = geomean([e["ratio_warm"] for e in qs])
    ge = geomean([e["ratio_engine"] for e in qs])
    gw = geomean([e["ratio_wall"] for e in qs])
    rows.append(["geometric mean", "", "", "", fmt(gm, ".2f"), "", fmt(ge, ".2f"), "", fmt(gw, ".2f"), ""])
    txt += [""] + table(headers, rows)
    md += ["## Queries", ""] + md_table(headers, rows) + [""]
    qnotes = [
        "Both engines query the same Parquet files (Mantissa's tables/cloudtrail/dt=*/); DuckDB through "
        "read_parquet(..., hive_partitioning=true) as a view, in process, warm connection.",
        "mantissa sql ran " + (f"with --now {rep['mantissa_sql_now']} (replay mode, as-of filter)"
                               if rep.get("mantissa_sql_now") else "without --now (queries use TIMESTAMP literals)")
        + ".",
        "warm ratio = Mantissa's median time (plan + execute) over runs 2..n of `mantissa sql --repeat` in one "
        "process, as serve and detect run queries / DuckDB's median on its warm connection; target <= 1.5. "
        "1st-query ratio = the elapsed_ms (integer ms) of a fresh process's only query, which also reads every "
        "file footer; wall ratio adds process start, config and catalog load.",
    ]
    txt += ["  " + n for n in qnotes]
    md += [f"- {n}" for n in qnotes] + [""]
    md += ["Per run, in order (ms; Mantissa 1st-query / Mantissa wall / DuckDB; then Mantissa warm runs):", ""]
    for e in qs:
        md.append(f"- {e['id']}: " + "; ".join(
            f"{fmt(m.get('elapsed_ms'), '.0f')} / {fmt(m.get('wall_ms'), '.0f')} / {fmt(d.get('ms'), '.1f')}"
            for m, d in _zip_longest(e["mantissa"], e["duckdb"]))
            + "; warm: " + ", ".join(fmt(t, ".1f") for t in e.get("mantissa_warm") or []))
    md += [""]
    md += ["Queries (Athena dialect, as given to `mantissa sql`; DuckDB's differ only in function names):", ""]
    for e in qs:
        md += [f"- **{e['id']}** {e['title']}: `{e['athena_sql']}`"]
    md += [""]

    verdict = rep["verdict"]
    vl = []
    if verdict.get("ingest_ratio") is not None:
        vl.append(f"ingest: Mantissa {verdict['ingest_ratio']:.2f}x DuckDB ({verdict['ingest_vs']}) "
                  f"-> target >= 1.0 {'MET' if verdict['ingest_met'] else 'NOT MET'}")
    for form in rep["duck_forms"]:
        r = rep["ingest"].get(f"ratio_vs_{form}")
        if r is not None and f"duckdb {form}" != verdict.get("ingest_vs"):
            vl.append(f"ingest: Mantissa {r:.2f}x DuckDB ({form}) (for information)")
    if verdict.get("worst_query_ratio") is not None:
        vl.append(f"queries: worst warm ratio {verdict['worst_query_ratio']:.2f} ({verdict['worst_query']}) "
                  f"-> target <= 1.5 {'MET' if verdict['queries_met'] else 'NOT MET'}"
                  + (f" (failed: {', '.join(verdict['failed_queries'])})" if verdict.get("failed_queries") else ""))
    if rep["warnings"]:
        vl.append(f"{len(rep['warnings'])} warning(s):")
        vl += [f"  - {w}" for w in rep["warnings"]]
    txt += [""] + vl
    md += ["## Verdict", ""] + [f"- {v}" if not v.startswith("  ") else f"  {v.strip()}" for v in vl] + [""]
    return txt, md


# --------------------------------------------------------------------------
# Main.
# --------------------------------------------------------------------------

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mantissa", type=Path, help="path to the release binary (target/release/mantissa)")
    ap.add_argument("--events", type=int, default=2_000_000, help="events for `mantissa demo` (all log types; "
                    "about half are CloudTrail) [2000000]")
    ap.add_argument("--runs", type=int, default=5, help="timed runs of each ingest and query [5]")
    ap.add_argument("--work", type=Path, default=BENCH / "work", help="work directory [bench/work]")
    ap.add_argument("--duck-forms", default="typed,auto",
                    help="DuckDB ingest forms to run, comma separated: typed, auto [typed,auto]")
    ap.add_argument("--regen", action="store_true", help="regenerate the input even if it matches")
    ap.add_argument("--skip-ingest", action="store_true",
                    help="only run the queries, on the data dir of a previous run (work/mdata-final)")
    ap.add_argument("--mantissa-now", action="store_true",
                    help=f"pass --now {NOW} to `mantissa sql` (replay mode: adds an as-of filter on eventtime "
                         "that DuckDB does not run; off by default)")
    ap.add_argument("--selftest", action="store_true",
                    help="no mantissa binary: synthetic input from the test fixtures, DuckDB side only; DuckDB's "
                         "typed output stands in for Mantissa's tables (under work/selftest)")
    ap.add_argument("--selftest-events", type=int, default=100_000, help="events for --selftest [100000]")
    args = ap.parse_args()
    if duckdb is None:
        die("the duckdb module is missing; run bench/run.sh (it sets up bench/.venv) or `pip install duckdb pytz`")
    if args.runs < 1:
        die("--runs must be at least 1")
    forms = [f.strip() for f in args.duck_forms.split(",") if f.strip()]
    for f in forms:
        if f not in ("typed", "auto"):
            die(f"unknown --duck-forms entry {f!r} (typed, auto)")
    if args.selftest and "typed" not in forms:
        forms.insert(0, "typed")

    W = args.work.resolve()
    if args.selftest:
        W = W / "selftest"
    W.mkdir(parents=True, exist_ok=True)

    binary = None
    version = None
    if not args.selftest:
        if args.mantissa is None:
            die("--mantissa PATH is required (or --selftest)")
        binary = args.mantissa.resolve()
        if not binary.is_file() or not os.access(binary, os.X_OK):
            die(f"mantissa binary not found or not executable: {binary}\n"
                f"  build it with `cargo build --release` (bench/run.sh does this when it is missing)")
        r = run_measured([binary, "--version"], cwd=W)
        if r.rc != 0:
            die(describe_failure(r))
        version = r.out.strip()

    rep = {
        "started": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "mode": "selftest" if args.selftest else "full",
        "machine": machine_info(),
        "versions": {"mantissa": version, "duckdb": duckdb.__version__},
        "runs": args.runs,
        "duck_forms": forms,
        "mantissa_sql_now": NOW if args.mantissa_now else None,
        "warnings": [],
    }
    warnings = rep["warnings"]
    say(f"work dir: {W}")
    say(f"machine: {rep['machine']['nproc']} cores, {rep['machine']['cpu_model']}; "
        f"mantissa: {version or '-'}; duckdb {duckdb.__version__}")

    # a. Input.
    inp = generate_synthetic(args, W) if args.selftest else generate_demo(args, W, binary, version)
    rep["input"] = {k: v for k, v in inp.items() if k != "params"} | {"params": inp.get("params")}
    ct = W / "ct-json"
    events, nbytes = inp["events"], inp["bytes"]
    say(f"input: {events:,} CloudTrail events, {inp['files']:,} files, {nbytes / MB:,.1f} MB uncompressed JSON")

    # b, c. Ingest.
    mfinal = W / "mdata-final"
    ing = {"sql": {f: duck_ingest_sql(f, str(ct / "**" / "*.json"), str(W / ("duck-typed" if f == "typed"
                                                                               else "duck-auto.parquet")))
                   for f in forms}}
    rep["ingest"] = ing
    if args.skip_ingest:
        if args.selftest or not mfinal.is_dir():
            die("--skip-ingest needs work/mdata-final from a previous full run")
        say("ingest: skipped (--skip-ingest)")
    else:
        say("warming the page cache with the input ...")
        warm_page_cache(ct)
        m_runs = []
        d_runs = {f: [] for f in forms}
        for i in range(args.runs):
            line = []
            if binary:
                res, d = mantissa_ingest_run(binary, W, ct, i, events, warnings)
                m_runs.append(res)
                line.append(f"mantissa {res['wall_s']:.2f} s ({nbytes / MB / res['wall_s']:.1f} MB/s)")
                if i == args.runs - 1:
                    rmtree(mfinal)
                    d.rename(mfinal)
                else:
                    rmtree(d)
            for f in forms:
                if d_runs[f] and "error" in d_runs[f][-1]:
                    continue  # failed once: it will fail again
                res = duck_ingest_run(f, W, ct, i, events, warnings)
                d_runs[f].append(res)
                if "error" in res:
                    say(f"  duckdb {f} FAILED:\n{res['error']}")
                    warnings.append(f"duckdb {f} ingest failed: {error_summary(res['error'])}")
                else:
                    line.append(f"duckdb {f} {res['copy_s']:.2f} s ({nbytes / MB / res['copy_s']:.1f} MB/s)")
            say(f"  ingest run {i + 1}/{args.runs}: " + "; ".join(line))
        if binary:
            ing["mantissa"] = {"runs": m_runs, "summary": summarize_ingest(m_runs, "wall_s", nbytes, events)}
        for f in forms:
            ing[f"duckdb_{f}"] = {"runs": d_runs[f], "summary": summarize_ingest(d_runs[f], "copy_s", nbytes, events)}
            s = ing[f"duckdb_{f}"]["summary"]
            ms = ing.get("mantissa", {}).get("summary")
            if ms and "error" not in s:
                ing[f"ratio_vs_{f}"] = ms["mb_per_s"] / s["mb_per_s"]
                ing[f"ratio_vs_{f}_duckdb_process_wall"] = s["median_wall_s"] / ms["median_s"]
        if args.selftest:
            # DuckDB's typed output has Mantissa's layout and columns: query it as Mantissa's tables.
            rmtree(mfinal)
            (mfinal / "tables").mkdir(parents=True)
            typed = W / "duck-typed"
            if not typed.is_dir():
                die("self-test: the typed DuckDB ingest produced no output")
            shutil.copytree(typed, mfinal / "tables" / "cloudtrail")
            con = duckdb.connect()
            con.execute("SET TimeZone='UTC'")
            g = _sql_str(str(mfinal / "tables" / "cloudtrail" / "*" / "*.parquet"))
            n, n_t, n_ui, n_rp, n_days = con.execute(
                f"SELECT count(*), count(eventtime), count(useridentity.arn), count(requestparameters), "
                f"count(DISTINCT dt) FROM read_parquet({g}, hive_partitioning=true)").fetchone()
            schema = con.execute(f"DESCRIBE SELECT * FROM read_parquet({g}, hive_partitioning=true)").fetchall()
            say(f"self-test: typed output {n:,} rows, {n_t:,} with eventtime, {n_ui:,} with useridentity.arn, "
                f"{n_rp:,} with requestparameters, {n_days} day partitions; columns: "
                + ", ".join(f"{c[0]} {c[1].split('(')[0]}" for c in schema))
            if n != events or n_t != events:
                warnings.append(f"self-test: typed output has {n} rows / {n_t} eventtimes, expected {events}")
            con.close()

    # d. Queries.
    say("queries: checking that both engines agree, then timing ...")
    rep["queries"] = run_queries(args, W, binary, mfinal, warnings)

    # Verdict.
    verdict = {}
    for f in ("typed", "auto"):
        r = ing.get(f"ratio_vs_{f}")
        if r is not None:
            verdict.update(ingest_ratio=r, ingest_vs=f"duckdb {f}", ingest_met=r >= 1.0)
            break
    ratios = [(e["ratio_warm"], e["id"]) for e in rep["queries"] if e["ratio_warm"] is not None]
    failed = [e["id"] for e in rep["queries"] if e.get("mantissa_error") or e.get("duckdb_error")]
    if ratios:
        worst = max(ratios)
        verdict.update(worst_query_ratio=worst[0], worst_query=worst[1],
                       queries_met=worst[0] <= 1.5 and not failed,
                       geomean_query_ratio=geomean([r for r, _ in ratios]))
    if failed:
        verdict["failed_queries"] = failed
    rep["verdict"] = verdict
    rep["machine"]["loadavg_end"] = list(os.getloadavg())

    txt, md = build_report(rep)
    say("\n" + "=" * 100)
    say("\n".join(txt))
    (W / "report.json").write_text(json.dumps(rep, indent=1, default=str))
    (W / "report.md").write_text("\n".join(md) + "\n")
    say(f"\nwritten: {W / 'report.json'}, {W / 'report.md'}")


if __name__ == "__main__":
    main()
