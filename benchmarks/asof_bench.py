"""The plan as it stood on a past day (`--as-of`, issue 22) against today's view, at 10,000 items.

Today's view is the review of the plan as it is (`review(plan, today)`: what `list`, the app's
table and the report are built from). A past day's view first replays the plan to that day
(`asof.as_it_stood`: every change effective later taken back) and then reviews it. The goal: any
past day within 1.5x of today's view. Both are pure domain code on records already read (reading the
file is the same for both and would only hide the difference).

The plan: the seed's 12 items repeated to N (numbers 1..N), each with a history of 3 to 9 changes
(status, owner, revision, milestone, reminder, notes) taking effect between April 2010 and March
2011, as officers would record them with --on.

    .venv/bin/python benchmarks/asof_bench.py [--items 10000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date, timedelta
from pathlib import Path

from msgspec.structs import replace

from hsp_tui.domain.asof import as_it_stood
from hsp_tui.domain.commands import AddNote, RecordReminder, Revise, SetMilestone, SetOwner, SetStatus, Stamp
from hsp_tui.domain.model import Plan
from hsp_tui.domain.review import review
from hsp_tui.formats.importing import seed_to_data
from hsp_tui.storage.file.planfile import plan_from_data
from hsp_tui.storage.seed import seed_document

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


def median_ms(work, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    plan = build(args.items)
    entries = sum(len(r.history) for r in plan.recommendations)
    print(f"{args.items:,} items, {entries:,} history entries")
    today = median_ms(lambda: review(plan, TODAY), args.repeats)
    print(f"today's view (review)                 {today:7.1f} ms")
    replay_today = median_ms(lambda: review(as_it_stood(plan, TODAY), TODAY), args.repeats)
    print(f"as of today (replay + review)         {replay_today:7.1f} ms  {replay_today / today:4.2f}x")
    for day in DAYS:
        past = median_ms(lambda: review(as_it_stood(plan, day), day), args.repeats)
        print(f"as of {day} (replay + review)    {past:7.1f} ms  {past / today:4.2f}x  (goal <= 1.5x)")


if __name__ == "__main__":
    main()
