"""What the server's owner comparison (`hsp._owner_key`, rules.owner_key in SQL) costs a call.

    .venv/bin/python benchmarks/owner_key_bench.py [--calls 300] [--rows 20000]
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python benchmarks/owner_key_bench.py   # another version

Starts a throwaway cluster (the tests' harness), installs the schema of the hsp-tui it imports, and
times, against PostgreSQL's own lower() as the floor in the same run:
- one call per statement (`SELECT hsp._owner_key(%s)`, as set_contact and verify call it), median
  over --calls statements on one connection;
- one statement over --rows owners (`SELECT hsp._owner_key(t) FROM unnest(...)`), per row;
- `hsp.set_contact` end to end (a contact's addresses changed back and forth), per call.
Prints a Markdown table (paste it into benchmarks/README.md).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

import psycopg  # noqa: E402
from psycopg.types.json import Jsonb  # noqa: E402

import hsp_tui  # noqa: E402
import pgharness  # noqa: E402
from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema  # noqa: E402

OWNERS = ["Head of Policy", "Straße\u00a0 Lead", "Chief  Executive ", "İl Müdürü", "ΟΔΥΣΣΕΥΣ", "Director of Finance"]


def per_statement(conn, sql: str, calls: int) -> float:
    times = []
    for k in range(calls):
        t0 = time.perf_counter()
        conn.execute(sql, [OWNERS[k % len(OWNERS)]]).fetchone()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def per_row(conn, expr: str, rows: int) -> float:
    texts = [f"{OWNERS[k % len(OWNERS)]} {k}" for k in range(rows)]
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        conn.execute(f"SELECT count({expr}) FROM unnest(%s::text[]) AS t", [texts]).fetchone()
        best = min(best, time.perf_counter() - t0)
    return best / rows * 1e6


def per_contact(conn, calls: int) -> float:
    times = []
    for k in range(calls):
        t0 = time.perf_counter()
        conn.execute("SELECT hsp.set_contact('bench', %s, %s)", ["Straße Lead", Jsonb([f"a{k % 2}@example.org"])])
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=300)
    ap.add_argument("--rows", type=int, default=20000)
    args = ap.parse_args()
    bindir = pgharness.find_bindir()
    if bindir is None:
        print("no PostgreSQL server binaries", file=sys.stderr)
        return 2
    cluster = pgharness.start_cluster(bindir)
    try:
        db = cluster.create_database()
        with pgconnect.connect(cluster.url(db, pgharness.OWNER)) as conn:
            pgschema.install(conn)
        with psycopg.connect(cluster.url(db, pgharness.OWNER), autocommit=True) as conn:
            conn.execute("INSERT INTO hsp.plan (name, meta) VALUES ('bench', '{}')")
            one = per_statement(conn, "SELECT hsp._owner_key(%s)", args.calls)
            one_floor = per_statement(conn, "SELECT lower(%s)", args.calls)
            row = per_row(conn, "hsp._owner_key(t)", args.rows)
            row_floor = per_row(conn, "lower(t)", args.rows)
            contact = per_contact(conn, args.calls)
    finally:
        pgharness.destroy(cluster)
    print(f"hsp-tui from {Path(hsp_tui.__file__).parent}")
    print("| figure | hsp._owner_key | lower() (floor) |")
    print("| --- | ---: | ---: |")
    print(f"| one call per statement (median) | {one:,.0f} µs | {one_floor:,.0f} µs |")
    print(f"| per row, one statement over {args.rows:,} owners | {row:,.1f} µs | {row_floor:,.1f} µs |")
    print(f"| hsp.set_contact, one call (median) | {contact:,.0f} µs | |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
