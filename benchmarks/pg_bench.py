"""hsp-tui on a PostgreSQL server: the figures of issue 13, each against a floor in the same run.

    .venv/bin/python benchmarks/pg_bench.py [--sizes 1000,100000] [--repeats 7] [--only note,writers,live,screen,memory]

Starts a throwaway cluster (the tests' harness: initdb + pg_ctl, Unix socket only), sets it up with
the real `hsp-tui init --empty`, and imports generated plans (genplan.py's CSV) with the real
`hsp-tui import --plan`. Prints a Markdown table (paste it into benchmarks/README.md).

- note: `hsp-tui --db URL --plan P note N TEXT`, process start to exit, at 1,000 and 100,000 items
  (flat: within 10%), against the psycopg floor (a `python -c` that imports psycopg, connects,
  calls hsp.add_note once and commits), and taskwarrior 2.6 `task N annotate TEXT` on 10,000 tasks
  (Debian's `taskwarrior`), interleaved.
- writers: 16 processes adding notes at once (50 each, on 8 items): changes per second, none lost.
- live: a colleague's status change (another connection) until the app (headless, 120x40) shows
  the new status: LISTEN/NOTIFY, then that one item re-read.
- screen: first screen in a real terminal (tmux) of the app on the server plan vs a bare Textual
  app that reads one screenful of rows from the same server (floor_pg_app.py).
- memory: the app's peak memory (VmHWM) once it holds the whole plan of the largest size, on the
  server and as a file made from the same CSV (app_memory.py, headless, in fresh interpreters).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
sys.path.insert(0, str(HERE))

import hsp_tui  # noqa: E402
import pgharness  # noqa: E402
from genplan import TITLE_PREFIXES, write_csv  # noqa: E402

# The installed command (a venv made with `pip install .`: byte-compiled as pip installs it).
HSP = [str(Path(sys.executable).with_name("hsp-tui"))]


def median(xs):
    return statistics.median(xs)


def timed(cmd, env=None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - t0


def setup(cluster, sizes, work: Path) -> str:
    db = cluster.create_database()
    owner = cluster.url(db, pgharness.OWNER)
    subprocess.run([*HSP, "--db", owner, "init", "--empty"], check=True, stdout=subprocess.DEVNULL)
    cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'alice') THEN "
                 "CREATE ROLE alice LOGIN; END IF; END $$; GRANT hsp_officer TO alice")
    for n in sizes:
        csv_path = write_csv(work / f"plan-{n}.csv", n)
        t0 = time.perf_counter()
        subprocess.run([*HSP, "--db", owner, "import", str(csv_path), "--plan", f"p{n}", "--title",
                        f"Bench plan of {n:,} items", "--plan-date", "2010-03-16"], check=True,
                       stdout=subprocess.DEVNULL)
        print(f"imported {n:,} items in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    cluster.psql("ANALYZE", db=db)
    return db


def bench_note(cluster, db, sizes, repeats, work: Path, hsps: dict[str, list[str]]) -> list[str]:
    url = cluster.url(db, "alice")
    rows = []
    task = shutil.which("task")
    taskdata = work / "taskdata"
    tenv = None
    if task:
        taskdata.mkdir(exist_ok=True)
        rc = work / "taskrc"
        rc.write_text(f"data.location={taskdata}\nconfirmation=off\nverbose=nothing\nhooks=off\n")
        tenv = {**os.environ, "TASKRC": str(rc), "TASKDATA": str(taskdata)}
        if not (taskdata / "pending.data").exists():
            tasks = [{"description": f"Recommendation {k}: partners should agree a framework", "status": "pending",
                      "entry": "20100316T000000Z", "due": "20110331T000000Z", "project": "haringey"}
                     for k in range(1, 10_001)]
            (work / "tasks.json").write_text(json.dumps(tasks))
            subprocess.run([task, "import", str(work / "tasks.json")], env=tenv, check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    times = {(label, n): [] for label in hsps for n in sizes}
    tw = []
    # Where the time goes: a bare interpreter; one importing psycopg; one that also connects and
    # runs one statement; hsp-tui's own modules imported.
    parts = {"python -c pass": [sys.executable, "-c", "pass"],
             "python -c 'import psycopg'": [sys.executable, "-c", "import psycopg"],
             "psycopg: import, connect, SELECT 1": [sys.executable, "-c", PSYCOPG_FLOOR, url]}
    part_times = {k: [] for k in parts}
    floor = {n: [] for n in sizes}  # psycopg: import, connect, one call of the note function, commit
    for r in range(repeats):
        for n in sizes:
            for label, hsp in hsps.items():
                times[label, n].append(timed([*hsp, "--db", url, "--plan", f"p{n}", "note", str(1 + (r * 7919) % n),
                                              f"bench note {r}"]))
            floor[n].append(timed([sys.executable, "-c", NOTE_FLOOR, url, f"p{n}", str(1 + (r * 7919 + 1) % n),
                                   f"floor note {r}"]))
        if task:
            tw.append(timed([task, str(1 + (r * 7919) % 10_000), "annotate", f"bench note {r}"], env=tenv))
        for k, cmd in parts.items():
            part_times[k].append(timed(cmd))
    for n in sizes:
        rows.append(f"| psycopg floor at {n:,} items (import, connect, hsp.add_note, commit) | "
                    f"{median(floor[n]) * 1000:.0f} ms | | |")
        for label in hsps:
            ratio = median(times[label, n]) / median(floor[n])
            rows.append(f"| `hsp-tui note` ({label}) at {n:,} items | {median(times[label, n]) * 1000:.0f} ms | "
                        f"{ratio:.2f}x the floor | goal <= 1.10x ({'met' if ratio <= 1.10 else 'NOT met'}) |")
    for k, ts in part_times.items():
        rows.append(f"| {k} | {median(ts) * 1000:.0f} ms |" + (f" {median(ts) / median(tw):.2f}x taskwarrior |" if tw else ""))
    if len(sizes) >= 2:
        for label in hsps:
            a, b = median(times[label, sizes[0]]), median(times[label, sizes[-1]])
            rows.append(f"| note ({label}) at {sizes[-1]:,} vs {sizes[0]:,} items | {b / a:.2f}x | goal: <= 1.10x "
                        f"({'met' if b / a <= 1.1 else 'NOT met'}) |")
    if task:
        rows.append(f"| taskwarrior `annotate` at 10,000 tasks | {median(tw) * 1000:.0f} ms |")
        for label in hsps:
            big = median(times[label, sizes[-1]])
            rows.append(f"| note ({label}) at {sizes[-1]:,} items vs taskwarrior at 10,000 | {big / median(tw):.2f}x | |")
    else:
        rows.append("| taskwarrior | not installed (apt-get install taskwarrior) |")
    return rows


PSYCOPG_FLOOR = "import sys, psycopg; psycopg.connect(sys.argv[1]).execute('SELECT 1').fetchone()"
# The least any psycopg client of hsp-tui's server can do for a note (issue 25's floor).
NOTE_FLOOR = ("import sys, psycopg\n"
              "conn = psycopg.connect(sys.argv[1])\n"
              "conn.execute('SELECT hsp.add_note(%s, %s, %s)', [sys.argv[2], int(sys.argv[3]), sys.argv[4]])\n"
              "conn.commit()\n")


def bench_memory(cluster, db, size, work: Path) -> list[str]:
    """Peak memory of the app once it holds the whole plan: on the server, and as a file."""
    from genplan import make_plan

    url = cluster.url(db, "alice")
    plan_file = make_plan(work, size, str(Path(sys.executable).parent / "hsp-tui"))
    probe = [sys.executable, str(HERE / "app_memory.py")]
    server = json.loads(subprocess.run([*probe, url, "--plan", f"p{size}"], check=True, capture_output=True,
                                       text=True).stdout)
    file = json.loads(subprocess.run([*probe, str(plan_file)], check=True, capture_output=True, text=True).stdout)
    ratio = server["hwm_mb"] / file["hwm_mb"]
    return [f"| app peak memory at {size:,} items: server vs file | {server['hwm_mb']:.0f} MB | file {file['hwm_mb']:.0f} MB "
            f"| {ratio:.2f}x | once idle: {server['rss_mb']:.0f} MB vs {file['rss_mb']:.0f} MB |"]


WRITER = r"""
import sys, time
from hsp_tui.storage.store import Store
url, plan, number, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
store = Store(url, plan=plan)
store.load_head(1)
print(time.time(), flush=True)
for i in range(n):
    store.add_note(number, f"writer note {i}", by="x")
print(time.time(), flush=True)
"""


def bench_writers(cluster, db, size, per: int = 50, writers: int = 16) -> list[str]:
    url = cluster.url(db, "alice")
    before = int(cluster.psql(f"SELECT count(*) FROM hsp.history h JOIN hsp.plan p ON p.id = h.plan_id "
                              f"WHERE p.name = 'p{size}'", db=db).stdout)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, url, f"p{size}", str(1 + k % 8), str(per)],
                              stdout=subprocess.PIPE, text=True) for k in range(writers)]
    outs = [p.communicate(timeout=900)[0].split() for p in procs]
    start = min(float(o[0]) for o in outs)
    end = max(float(o[1]) for o in outs)
    after = int(cluster.psql(f"SELECT count(*) FROM hsp.history h JOIN hsp.plan p ON p.id = h.plan_id "
                             f"WHERE p.name = 'p{size}'", db=db).stdout)
    total = writers * per
    return [f"| {writers} writers x {per} notes at {size:,} items | {total / (end - start):.0f} changes/s "
            f"({end - start:.1f} s) | saved {after - before} of {total} ({'none lost' if after - before == total else 'LOST SOME'}) |"]


def bench_live(cluster, db, size, repeats) -> list[str]:
    from hsp_tui.storage.store import Store
    from hsp_tui.tui import build_app

    url = cluster.url(db, "alice")
    store = Store(url, plan=f"p{size}")
    colleague = Store(url, plan=f"p{size}")
    delays = []

    async def run():
        app = build_app(store, as_of=__import__("datetime").date(2011, 6, 1), user="alice")
        async with app.run_test(size=(120, 40)) as pilot:
            while app.loading:
                await pilot.pause(0.05)
            await pilot.pause(0.5)
            for r in range(repeats):
                number = 1 + (r * 37) % size
                status = ("in_progress", "blocked")[r % 2]
                t0 = time.perf_counter()
                await asyncio.to_thread(colleague.set_status, number, status, by="x")
                while app.review.item(number).rec.status.value != status:
                    await asyncio.sleep(0.002)
                    if time.perf_counter() - t0 > 10:
                        raise RuntimeError("the colleague's change never showed")
                delays.append(time.perf_counter() - t0)
                await pilot.pause(0.2)

    asyncio.run(run())
    m = median(delays)
    return [f"| a colleague's change on screen at {size:,} items | {m * 1000:.0f} ms (max {max(delays) * 1000:.0f}) "
            f"| goal: <= 300 ms ({'met' if max(delays) <= 0.3 else 'NOT met'}) |"]


def bench_screen(cluster, db, size, repeats) -> list[str]:
    from termbench import Tmux

    url = cluster.url(db, "alice")
    pattern = re.compile("|".join(re.escape(p) for p in TITLE_PREFIXES))  # a row of the plan
    tmux = Tmux()
    ours, floor, rss = [], [], []
    try:
        for _ in range(repeats):
            launch = tmux.first_screen([*HSP, "--db", url, "--plan", f"p{size}", "--as-of", "2011-06-01"], pattern)
            ours.append(launch.first_screen)
            rss.append(launch.peak_rss_mb)
            launch = tmux.first_screen([sys.executable, str(HERE / "floor_pg_app.py"), url, f"p{size}"], pattern)
            floor.append(launch.first_screen)
    finally:
        tmux.close()
    o, f = median(ours), median(floor)
    return [f"| first screen at {size:,} items | {o * 1000:.0f} ms | floor {f * 1000:.0f} ms | {o / f:.2f}x | goal <= 1.5x "
            f"({'met' if o / f <= 1.5 else 'NOT met'}) |",
            f"| app peak memory at {size:,} items | {median(rss):.0f} MB | | | |"]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,100000")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--only", default="note,writers,live,screen,memory")
    ap.add_argument("--hsp", action="append", default=[], metavar="LABEL=PATH",
                    help="an installed hsp-tui to time for the note (several: interleaved); default this venv's")
    args = ap.parse_args()
    hsps = {k: [v] for k, v in (h.split("=", 1) for h in args.hsp)} or {"hsp-tui": HSP}
    sizes = [int(s) for s in args.sizes.split(",")]
    only = set(args.only.split(","))
    bindir = pgharness.find_bindir()
    if bindir is None:
        print("no PostgreSQL server binaries", file=sys.stderr)
        return 2
    # hsp-tui as installed: pip compiles the modules at install time; an editable checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module at every start instead.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(hsp_tui.__file__).parent)], check=True)
    work = Path(tempfile.mkdtemp(prefix="hsp-pgbench-"))
    cluster = pgharness.start_cluster(bindir)
    rows = ["| figure | ours | | | |", "| --- | ---: | --- | --- | --- |"]
    try:
        db = setup(cluster, sizes, work)
        if "note" in only:
            rows += bench_note(cluster, db, sizes, args.repeats, work, hsps)
        if "writers" in only:
            rows += bench_writers(cluster, db, sizes[-1])
        if "live" in only:
            for n in sizes:
                rows += bench_live(cluster, db, n, args.repeats)
        if "memory" in only:
            rows += bench_memory(cluster, db, sizes[-1], work)
        if "screen" in only:
            rows += bench_screen(cluster, db, sizes[-1], max(3, args.repeats // 2))
    finally:
        pgharness.destroy(cluster)
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
