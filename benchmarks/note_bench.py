"""One `hsp-tui note` on a plan file against taskwarrior's `task N annotate` on as many tasks (issue 25).

    .venv/bin/python benchmarks/note_bench.py [--sizes 1000,10000,100000] [--repeats 15]
        [--hsp LABEL=/path/to/venv/bin/hsp-tui ...]

Each `--hsp` is an installed hsp-tui (a venv made with `pip install .`, so byte-compiled as pip
installs it); several are timed in the same run, interleaved with taskwarrior and with three
Python floors, so that code before and after a change is compared on the same machine state. The
floors, run by the first `--hsp`'s interpreter: a bare `python -c pass`; `python -c "import
msgspec"` (the least a program that reads the plan's typed records starts in); and
`note_floor.py` (start, parse the plan with orjson, append the note, write, fsync, rename: the
least any safe Python rewrite of the file does, with no check, lock, journal or backup).
Default: the hsp-tui beside this interpreter. Plans: genplan.py's, imported with the real
`hsp-tui import`; taskwarrior's data is written in its own format (pending.data), N pending tasks.
Prints a Markdown table of medians and ratios against taskwarrior.

Repeated notes by one user go through that user's memo of checked plan files (hsp-tui's
`storage/file/checked.py`, in XDG_CACHE_HOME): a file whose bytes their hsp-tui checked or wrote
last time is not decoded and checked whole again, only the item noted is. So each `--hsp` is timed
twice: LABEL, the notes one user makes one after the other (the memo kept in a cache folder of the
bench's own, one untimed note first), and "LABEL cold", each note with no memo (the cache folder
removed before each round): what the first note after a colleague's save costs, or any note of a
version without the memo.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from genplan import make_plan  # noqa: E402


FLOOR = "note_floor.py (orjson)"


def timed(cmd: list[str], env: dict | None = None) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - t0


def task_data(folder: Path, n: int) -> dict:
    """A taskwarrior 2.6 data folder of n pending tasks; the environment that points `task` at it."""
    folder.mkdir(parents=True, exist_ok=True)
    pending = folder / "pending.data"
    if not pending.exists():
        rng = uuid.UUID(int=0x5EED)
        lines = []
        for k in range(1, n + 1):
            u = uuid.UUID(int=(rng.int + k * 0x9E3779B97F4A7C15) % (1 << 128))
            lines.append(f'[description:"Recommendation {k}: partners should agree a framework" '
                         f'due:"1301529600" entry:"1268697600" modified:"1268697600" project:"haringey" '
                         f'status:"pending" uuid:"{u}"]\n')
        pending.write_text("".join(lines))
        for name in ("completed.data", "undo.data", "backlog.data"):
            (folder / name).write_text("")
    rc = folder / "taskrc"
    rc.write_text(f"data.location={folder}\nconfirmation=off\nverbose=nothing\nhooks=off\n")
    return {**os.environ, "TASKRC": str(rc), "TASKDATA": str(folder)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--hsp", action="append", default=[], metavar="LABEL=PATH")
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "hsp-note-bench"))
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    hsps = dict(h.split("=", 1) for h in args.hsp) or {"hsp-tui": str(Path(sys.executable).with_name("hsp-tui"))}
    task = shutil.which("task")
    if task is None:
        print("taskwarrior is not installed (apt-get install taskwarrior)", file=sys.stderr)
        return 2
    work = Path(args.workdir)
    first = next(iter(hsps.values()))
    python = str(Path(first).with_name("python"))  # the installed venv's interpreter, byte-compiled msgspec
    floors = {"python -c pass": [python, "-c", "pass"], "python -c 'import msgspec'": [python, "-c", "import msgspec"]}
    load0 = open("/proc/loadavg").read().split()[0]
    t_start = time.perf_counter()
    rows = []
    for n in sizes:
        plan = make_plan(work / "plans", n, first)
        copies, caches = {}, {}
        for label in [*hsps, *(f"{label} cold" for label in hsps)]:
            copies[label] = work / f"note-{n}-{label.replace(' ', '-')}.json"
            shutil.copyfile(plan, copies[label])
            caches[label] = work / f"cache-{n}-{label.replace(' ', '-')}"
            shutil.rmtree(caches[label], ignore_errors=True)
        runs_of = {label: [exe] for label, exe in hsps.items()} | {f"{label} cold": [exe] for label, exe in hsps.items()}
        for label, exe in hsps.items():  # this user's previous note: the memo now holds the file
            timed([exe, "--db", str(copies[label]), "--as-of", "2011-06-01", "--user", "bench", "note", "1", "warm-up"],
                  env={**os.environ, "XDG_CACHE_HOME": str(caches[label])})
        tenv = task_data(work / f"task-{n}", n)
        floor_copy = work / f"note-{n}-floor.json"
        shutil.copyfile(plan, floor_copy)
        floors[FLOOR] = [python, str(HERE / "note_floor.py"), str(floor_copy)]
        runs: dict[str, list[float]] = {label: [] for label in runs_of} | {"task": []} | {f: [] for f in floors}
        for r in range(args.repeats):
            number = str(1 + (r * 7919) % n)
            for label, (exe,) in runs_of.items():
                if label.endswith(" cold"):
                    shutil.rmtree(caches[label], ignore_errors=True)
                runs[label].append(timed([exe, "--db", str(copies[label]), "--as-of", "2011-06-01", "--user",
                                          "bench", "note", number, f"bench note {r}"],
                                         env={**os.environ, "XDG_CACHE_HOME": str(caches[label])}))
            runs["task"].append(timed([task, number, "annotate", f"bench note {r}"], env=tenv))
            for floor, cmd in floors.items():
                extra = [number, f"bench note {r}"] if floor.startswith("note_floor") else []
                runs[floor].append(timed(cmd + extra))
        med = {k: statistics.median(v) for k, v in runs.items()}
        floor = med[FLOOR]
        for label in [*runs_of, *floors]:
            rows.append((n, label, med[label], med["task"], med[label] / med["task"], med[label] / floor))
        for row in rows[-len(runs_of) - len(floors):]:
            print(f"{row[0]:>7,}  {row[1]:<28} {row[2] * 1000:7.0f} ms  task {row[3] * 1000:6.0f} ms  {row[4]:.2f}x  "
                  f"floor {row[5]:.2f}x", file=sys.stderr, flush=True)
    load1 = open("/proc/loadavg").read().split()[0]
    print(f"\n{args.repeats} rounds, interleaved, medians; {(time.perf_counter() - t_start) / 60:.1f} min; "
          f"load average {load0} at start, {load1} at end.\n")
    print("| items | command | median | taskwarrior `annotate` | vs taskwarrior | vs `note_floor.py` |")
    print("|---:|---|---:|---:|---:|---:|")
    for n, label, ours, tw, ratio, to_floor in rows:
        print(f"| {n:,} | {label} | {ours * 1000:.0f} ms | {tw * 1000:.0f} ms | {ratio:.2f}x | {to_floor:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
