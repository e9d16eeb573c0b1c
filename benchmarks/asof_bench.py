"""The plan as it stood on a past day (`--as-of`, issue 22) against today's view, at 10,000 items.

Today's view is the review of the plan as it is (`review(plan, today)`: what `list`, the app's
table and the report are built from). A past day's view first replays the plan to that day
(`asof.as_it_stood`: every change effective later taken back) and then reviews it. The goal: any
past day within 1.5x of today's view. Both are pure domain code on records already read (reading the
file is the same for both and would only hide the difference).

The plan: the seed's 12 items repeated to N (numbers 1..N), each with a history of 3 to 9 changes
(status, owner, revision, milestone, reminder, notes) taking effect between April 2010 and March
2011, as officers would record them with --on.

Each figure is given twice: the median wall-clock time and the least CPU time of the process over the
repeats (the works interleaved round by round); on a shared machine the CPU time is the steadier.

    .venv/bin/python benchmarks/asof_bench.py [--items 10000] [--repeats 7] [--before OLD_ASOF.py]
        [--commands .venv/bin/hsp-tui]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Callable

from msgspec.structs import replace

from hsp_tui.domain.asof import as_it_stood
from hsp_tui.domain.commands import AddNote, Revise, SetMilestone, SetOwner, SetStatus, Stamp
from hsp_tui.domain.reminding import RecordReminder
from hsp_tui.domain.model import Plan
from hsp_tui.domain.review import DEFAULT_DUE_SOON_DAYS, review
from hsp_tui.formats.importing import seed_to_data
from hsp_tui.storage.file.planfile import plan_from_data
from hsp_tui.storage.seed import seed_document
from hsp_tui.tui.view import judged

DAYS = (date(2010, 6, 1), date(2010, 9, 1), date(2010, 12, 1), date(2011, 3, 31))
TODAY = date(2026, 12, 6)


def build(n: int) -> Plan:
    seed = plan_from_data(Path("seed"), seed_to_data(seed_document(), by="bench", at="2010-03-16T09:00:00+00:00"))
    ref = seed.meta.date
    recs = []
    for k in range(n):
        rec = replace(seed.recommendations[k % len(seed.recommendations)], number=k + 1)
        day = date(2010, 4, 1) + timedelta(days=k % 30)
        steps = [SetStatus(k + 1, "in_progress", "started"), AddNote(k + 1, "progress"),
                 SetOwner(k + 1, f"Owner {k % 40}"), Revise(k + 1, "March 2011", "moved", ref),
                 RecordReminder(k + 1, ("a@example.org",), "Owner"), SetStatus(k + 1, "done", "finished"),
                 AddNote(k + 1, "evidence filed"), SetStatus(k + 1, "in_progress", "reopened"),
                 SetStatus(k + 1, "done", "finished again")]
        if rec.milestones:
            steps.insert(2, SetMilestone(k + 1, 1, True))
        for step in steps[: 3 + k % 7]:
            stamp = Stamp(len(rec.history) + 1, "2026-12-06T09:00:00+00:00", "bench", on=day)
            rec = step.apply(rec, stamp).record
            day += timedelta(days=37)
        recs.append(rec)
    return Plan(seed.meta, tuple(recs))


def timed(works: dict[str, Callable[[], object]], repeats: int) -> dict[str, tuple[float, float]]:
    """Each work's (median wall-clock ms, least CPU ms), the works interleaved round by round so that
    each sees the same machine (on a shared machine the CPU time is the steadier of the two)."""
    wall: dict[str, list[float]] = {name: [] for name in works}
    cpu: dict[str, list[float]] = {name: [] for name in works}
    for _ in range(repeats):
        for name, work in works.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            work()
            wall[name].append((time.perf_counter() - start) * 1000)
            cpu[name].append((time.process_time() - start_cpu) * 1000)
    return {name: (statistics.median(wall[name]), min(cpu[name])) for name in works}


def load_replay(path: str) -> Callable[[Plan, date], Plan]:
    """`as_it_stood` from another copy of domain/asof.py (e.g. `git show REV:src/hsp_tui/domain/asof.py`)."""
    spec = importlib.util.spec_from_file_location("asof_before", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.as_it_stood


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--before", help="another domain/asof.py, timed beside this one")
    parser.add_argument("--commands", metavar="HSP_TUI", help="also time `list` and the HTML report as processes "
                                                             "of this hsp-tui, on the plan written to a file")
    args = parser.parse_args()
    plan = build(args.items)
    entries = sum(len(r.history) for r in plan.recommendations)
    print(f"{args.items:,} items, {entries:,} history entries")
    replays = {"": as_it_stood}
    if args.before:
        replays["before: "] = load_replay(args.before)
    works: dict[str, Callable[[], object]] = {"today's view (review)": lambda: review(plan, TODAY)}
    for label, replay in replays.items():
        works[f"{label}as of today (replay + review)"] = lambda r=replay: review(r(plan, TODAY), TODAY)
        for day in DAYS:
            works[f"{label}as of {day} (replay + review)"] = lambda r=replay, d=day: review(r(plan, d), d)
    # What the app does on `r` (tui/view.judged): the replay, the review and the panes' orders, counts
    # and texts (PlanView), against the same for today: how much longer a past day takes to show.
    works["app: today's plan shown (review + panes)"] = lambda: judged(plan, TODAY, DEFAULT_DUE_SOON_DAYS)
    for day in DAYS:
        works[f"app: as of {day} shown (replay + review + panes)"] = lambda d=day: judged(plan, d, DEFAULT_DUE_SOON_DAYS)
    results = timed(works, args.repeats)
    base_wall, base_cpu = results["today's view (review)"]
    print(f"{'':52} {'wall ms':>8} {'ratio':>6}   {'CPU ms':>7} {'ratio':>6}")
    for name, (wall, cpu) in results.items():
        if name.startswith("app: today"):
            base_wall, base_cpu = wall, cpu
        goal = "  (goal <= 1.5x)" if name.startswith(("as of 20", "before: as of 20")) else ""
        print(f"{name:52} {wall:8.1f} {wall / base_wall:5.2f}x   {cpu:7.1f} {cpu / base_cpu:5.2f}x{goal}")
    if args.commands:
        commands(plan, args.commands, args.repeats)


def commands(plan: Plan, hsp_tui: str, repeats: int) -> None:
    """What an officer runs: `hsp-tui list` and the HTML board report of the same plan file, as of
    each past day against as of today (`--as-of` today), each a process of its own (reading the
    file included), interleaved round by round; median wall-clock ms."""
    import subprocess  # noqa: PLC0415
    import tempfile  # noqa: PLC0415

    from hsp_tui.storage.backends import open_backend  # noqa: PLC0415

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder, "plan.json")
        backend = open_backend(path)
        backend.create(plan)
        backend.close()
        runs: dict[str, list[str]] = {}
        for view, extra in (("list", ["list"]), ("html report", ["export", "--format", "html"])):
            for day in (TODAY, *DAYS):
                runs[f"{view} as of {day}"] = [hsp_tui, "--db", str(path), "--as-of", day.isoformat(), *extra]
        wall: dict[str, list[float]] = {name: [] for name in runs}
        for _ in range(repeats):
            for name, argv in runs.items():
                start = time.perf_counter()
                subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
                wall[name].append((time.perf_counter() - start) * 1000)
        print(f"\n{'command (a process each)':52} {'wall ms':>8} {'ratio':>6}")
        for name, times in wall.items():
            if name.endswith(str(TODAY)):
                base = statistics.median(times)
            print(f"{name:52} {statistics.median(times):8.1f} {statistics.median(times) / base:5.2f}x")


if __name__ == "__main__":
    main()
