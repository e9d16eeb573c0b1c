"""Issue 22 on every backend: when a change took effect (`on`), the plan as it stood on a day
(replayed from its history), four eyes on the auditor's verdicts, drops agreed by the auditor, and
done and verified counted apart.

Through `Store` and the `Backend` boundary, as the rest of the contract suite; on a server each
person logs in as themselves (`Place.open_as`), on a file the name is given with each change.
"""

from __future__ import annotations

from datetime import date

import pytest

from hsp_tui.domain.asof import as_it_stood
from hsp_tui.domain.errors import InputError
from hsp_tui.domain.records import Status
from hsp_tui.domain.review import review
from hsp_tui.domain.verdicts import awaiting_verdict, drop_agreed
from hsp_tui.formats.formatting import detail_text
from hsp_tui.storage.store import Store

from .test_backend_contract import ISO_WITH_OFFSET

ON = date(2010, 9, 1)
TODAY = date.today()


def people(place, backend):
    """The officer's and the auditor's stores on the same plan (alice, carol)."""
    officer = Store(place.open_as("alice")) if place.login else Store(backend)
    auditor = Store(place.open_as("carol"))
    return officer, auditor


def test_a_change_takes_effect_on_the_day_given_and_keeps_when_it_was_recorded(backend, place):
    store = Store(backend)
    change = store.set_status(3, "in_progress", by="alice", note="Started", on=ON)
    assert change.entry.on == ON and ISO_WITH_OFFSET.match(change.entry.at)
    store.revise(8, "July 2010", reason="Board met late", by="alice", reference=date(2010, 3, 16), on=ON)
    store.set_contact("Assistant Chief Executive", ["ace@haringey.example"], by="alice", on=ON)
    plan = place.open().load_plan()  # read back by another program
    entry = plan.get(3).history[-1]
    assert entry.on == ON and entry.at[:10] != "2010-09-01"  # recorded today, took effect then
    assert plan.get(8).revisions[-1].on == ON and plan.get(8).history[-1].on == ON
    assert plan.meta.history[-1].on == ON
    # history shows both days where they differ
    shown = detail_text(review(plan, TODAY), 3)
    assert "on 1 Sep 2010, recorded " in shown
    # the seed's creation took effect on the plan's date, whenever the plan was made
    assert {h.on for r in plan.recommendations for h in r.history if h.action == "create"} == {date(2010, 3, 16)}
    # without a day given, the change takes effect the day it is recorded
    plain = store.add_note(3, "More", by="alice").entry
    assert plain.on is None and plain.effective == plain.at[:10]


@pytest.mark.parametrize("day, words", [
    (date(2099, 1, 1), "is after today"),
    (date(2010, 3, 1), "before the plan's date"),
])
def test_a_change_cannot_take_effect_after_today_or_before_the_plan(backend, place, day, words):
    store = Store(backend)
    before = backend.load_plan()
    with pytest.raises(InputError, match=words):
        store.set_status(3, "in_progress", by="alice", on=day, today=TODAY)
    with pytest.raises(InputError, match=words):
        store.set_contact("Assistant Chief Executive", ["ace@haringey.example"], by="alice", on=day, today=TODAY)
    assert place.open().load_plan() == before


def test_a_change_cannot_take_effect_before_one_already_recorded_for_the_item(backend, place):
    store = Store(backend)
    store.set_status(3, "in_progress", by="alice", on=ON)
    before = backend.load_plan()
    with pytest.raises(InputError, match="took effect on 2010-09-01"):
        store.set_status(3, "blocked", by="alice", on=date(2010, 8, 1))
    assert place.open().load_plan() == before
    store.set_status(4, "blocked", by="alice", on=date(2010, 8, 1))  # another item: its own order


def test_the_plan_as_it_stood_on_a_day_is_replayed_from_its_history(backend, place):
    officer, auditor = people(place, backend)
    officer.set_status(1, "in_progress", by="alice", on=date(2010, 5, 1))
    officer.set_contact("Assistant Chief Executive", ["ace@haringey.example"], by="alice", on=date(2010, 5, 1))
    officer.set_owner(1, "Chief Executive", by="alice", on=date(2010, 6, 15))
    officer.revise(1, "September 2010", reason="Restructure", by="alice", reference=date(2010, 3, 16),
                   on=date(2010, 6, 15))
    officer.set_milestone(2, 1, True, by="alice", on=date(2010, 7, 1))
    officer.record_reminder(1, ("ace@haringey.example",), "Chief Executive", by="alice", on=date(2010, 7, 1))
    officer.set_status(1, "done", by="alice", note="Conference held", on=date(2010, 8, 20))
    auditor.verify(1, True, by="carol", note="Minutes seen", on=date(2010, 9, 1))
    officer.remove_contact("Assistant Chief Executive", by="alice", on=date(2010, 10, 1))
    now = place.open().load_plan()

    def on(day: date):
        return as_it_stood(now, day)

    early = on(date(2010, 4, 1))
    assert early.get(1).status is Status.NOT_STARTED and early.get(1).owner == "Assistant Chief Executive"
    assert not early.get(1).revisions and not early.get(2).milestones[0].done and not early.get(1).reminders
    assert early.meta.contacts == () and [h.action for h in early.get(1).history] == ["create"]
    june = on(date(2010, 6, 1))
    assert june.get(1).status is Status.IN_PROGRESS and june.meta.contact("Assistant Chief Executive")
    july = on(date(2010, 7, 1))
    assert july.get(1).owner == "Chief Executive" and july.get(1).current_deadline == "September 2010"
    assert july.get(2).milestones[0].done and len(july.get(1).reminders) == 1
    august = on(date(2010, 8, 31))
    assert august.get(1).status is Status.DONE and august.get(1).latest_note == "Conference held"
    september = on(ON)
    assert september.get(1).status is Status.VERIFIED
    assert september.meta.contact("Assistant Chief Executive") is not None
    assert on(date(2010, 10, 1)).meta.contacts == ()
    assert on(TODAY) == now  # replayed to today: the plan as it is
    # every count as of a day comes from the plan as it stood then
    rv = review(on(date(2010, 8, 31)), date(2010, 8, 31))
    assert rv.by_status()[Status.DONE] == 1 and rv.by_status()[Status.VERIFIED] == 0


def test_a_verdict_is_never_given_by_the_person_who_recorded_the_done(backend, place):
    store = Store(backend)
    store.set_status(2, "done", by="alice", note="Framework agreed")
    before = backend.load_plan()
    with pytest.raises(InputError, match="four eyes"):
        store.verify(2, True, by="Alice", note="I checked it myself")  # names compared as owners are
    with pytest.raises(InputError, match="needs the auditor's note"):
        Store(place.open_as("carol")).verify(2, True, by="carol")
    assert place.open().load_plan() == before
    officer, auditor = people(place, backend)
    assert auditor.verify(2, True, by="carol", note="Framework minuted").record.status is Status.VERIFIED


def test_an_officers_drop_needs_a_reason_and_awaits_the_auditor(backend, place):
    officer, auditor = people(place, backend)
    with pytest.raises(InputError, match="needs the reason"):
        officer.set_status(9, "dropped", by="alice")
    officer.set_status(9, "blocked", by="alice")
    officer.set_status(9, "dropped", by="alice", note="Superseded by the new framework")
    rec = place.open().load_plan().get(9)
    assert rec.status is Status.DROPPED and awaiting_verdict(rec) and not drop_agreed(rec)
    with pytest.raises(InputError, match="four eyes"):
        officer.verify(9, True, by="alice", note="agreed")
    rejected = auditor.verify(9, False, by="carol", note="Still needed for the LAA")
    assert rejected.record.status is Status.BLOCKED  # back where it was before the drop
    officer.set_status(9, "dropped", by="alice", note="Superseded, as agreed at PMG")
    accepted = auditor.verify(9, True, by="carol", note="PMG minutes seen").record
    assert accepted.status is Status.DROPPED and drop_agreed(accepted) and not awaiting_verdict(accepted)
    with pytest.raises(InputError, match="already agreed"):
        auditor.verify(9, False, by="carol", note="again")
    rv = review(place.open().load_plan(), TODAY)
    assert rv.share_done == 0 and rv.by_status()[Status.DROPPED] == 1


def test_done_and_verified_are_counted_apart_over_every_item(backend, place):
    officer, auditor = people(place, backend)
    for n in (1, 2, 3):
        officer.set_status(n, "done", by="alice", note="done")
    auditor.verify(1, True, by="carol", note="seen")
    officer.set_status(4, "dropped", by="alice", note="Superseded")
    rv = review(place.open().load_plan(), TODAY)
    assert (round(rv.share_done, 3), round(rv.share_verified, 3)) == (0.25, round(1 / 12, 3))
