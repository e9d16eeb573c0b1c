"""The replay's quick walk (domain/asof.py: from the newest entry back to the day) gives the plan as it
stood exactly as looking at every entry does, also where creations and imports stand out of order:
a plan created before effective days were recorded (its creation dated the day the file was made) or
an export imported and then brought up to date with --on (the import dated the day it was made, the
changes after it earlier)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from msgspec.structs import replace

from hsp_tui.domain import asof
from hsp_tui.domain.commands import AddNote, Revise, SetMilestone, SetOwner, SetStatus, Stamp
from hsp_tui.domain.vocabulary import Action
from hsp_tui.formats.importing import seed_to_data
from hsp_tui.storage.file.planfile import plan_from_data
from hsp_tui.storage.seed import seed_document

LATE = "2026-12-06T09:00:00+00:00"


def history_of(rec, start: date):
    ref = date(2010, 3, 16)
    steps = [SetStatus(rec.number, "in_progress", "started"), SetMilestone(rec.number, 1, True),
             AddNote(rec.number, "progress"), SetOwner(rec.number, "Owner B"),
             Revise(rec.number, "March 2011", "moved", ref), SetStatus(rec.number, "done", "finished")]
    day = start
    for step in steps:
        if isinstance(step, SetMilestone) and not rec.milestones:
            continue
        rec = step.apply(rec, Stamp(len(rec.history) + 1, LATE, "alice", on=day)).record
        day += timedelta(days=40)
    return rec


def shapes(rec):
    """The same history as made in several ways (each a plan a user may have)."""
    h = list(rec.history)
    yield "dated", rec
    yield "created in 2026, undated", replace(rec, history=(replace(h[0], on=None, at=LATE), *h[1:]))
    for at in (LATE, "2010-01-01T00:00:00+00:00", "2010-08-01T00:00:00+00:00"):
        for j in range(1, len(h) + 1):
            imported = replace(h[0], id=len(h) + 1, action=Action.IMPORT, on=None, at=at)
            yield f"imported {at[:10]} at {j}", replace(rec, history=(*h[:j], imported, *h[j:]))
    yield "recorded on the day, undated", replace(rec, history=tuple(
        replace(x, on=None, at=f"{x.on.isoformat()}T10:00:00+00:00") for x in h), revisions=tuple(
        replace(r, on=None, at=f"{r.on.isoformat()}T10:00:00+00:00") for r in rec.revisions))


@pytest.mark.parametrize("number", [1, 5])
def test_the_quick_replay_is_the_replay_of_every_entry(number):
    seed = plan_from_data(None, seed_to_data(seed_document(), by="seed", at="2010-03-16T09:00:00+00:00"))
    rec = history_of(seed.get(number), date(2010, 4, 10))
    days = [date(2010, 3, 1) + timedelta(days=k) for k in range(0, 420, 9)] + [date(2026, 12, 6), date(2027, 1, 1)]
    checked = 0
    for name, shaped in shapes(rec):
        for day in days:
            quick = asof.item_as_of(shaped, day, day.isoformat())
            every = asof._replay(shaped, day, day.isoformat())
            assert quick == every, (name, day)
            checked += quick is not shaped
    assert checked > 100  # days before later changes were tried, not only days after every change


def test_an_entry_later_than_the_day_never_shows():
    seed = plan_from_data(None, seed_to_data(seed_document(), by="seed", at="2010-03-16T09:00:00+00:00"))
    rec = history_of(seed.get(1), date(2010, 4, 10))
    for name, shaped in shapes(rec):
        stood = asof.item_as_of(shaped, date(2010, 6, 1), "2010-06-01")
        for h in stood.history:
            assert (h.on.isoformat() if h.on else h.at[:10]) <= "2010-06-01", name
        # started on 10 Apr 2010; its owner changed only on 9 Jul 2010
        assert stood.status.value == "in_progress" and stood.owner == seed.get(1).owner, name
