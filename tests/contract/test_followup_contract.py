"""The follow-up records every backend keeps (issue 14): contacts (where reminders for each owner go,
with the plan's own history of them) and reminder records (entries of the items' history).

Through `Store` and the `Backend` boundary only, as tests/contract/test_backend_contract.py.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date

from msgspec.structs import replace

import pytest

from hsp_tui.domain.asof import as_it_stood
from hsp_tui.domain.errors import InputError, NotFoundError
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import Contact, HistoryEntry
from hsp_tui.storage.store import Store

from .conftest import as_claimed

from .test_backend_contract import ISO_WITH_OFFSET

OWNER = "Assistant Chief Executive"  # owns items 1 and 2 of the seed


def test_a_contact_set_changed_and_removed_is_kept_with_the_plans_history(backend, place):
    store = Store(backend)
    assert store.set_contact("assistant  chief executive", ["ace@haringey.example", "pa@haringey.example"],
                             by="alice") == f"contact for assistant chief executive: ace@haringey.example, pa@haringey.example"
    meta = place.open().load_plan().meta  # read back by another program
    assert meta.contact(OWNER) == Contact("assistant chief executive", ("ace@haringey.example", "pa@haringey.example"))
    # the same owner, whatever the case or spacing: one contact, its first spelling kept
    said = store.set_contact(OWNER, ["ace@haringey.example"], by="alice")
    assert said == "contact for assistant chief executive: ace@haringey.example"
    store.set_contact("Head of Policy", ["policy@haringey.example"], by="alice")
    meta = place.open().load_plan().meta
    assert [c.owner for c in meta.contacts] == ["assistant chief executive", "Head of Policy"]
    assert meta.contact(OWNER).addresses == ("ace@haringey.example",)
    assert store.remove_contact("HEAD OF POLICY", by="alice") == "contact for Head of Policy removed"
    meta = place.open().load_plan().meta
    assert [c.owner for c in meta.contacts] == ["assistant chief executive"]
    history = meta.history
    assert [h.id for h in history] == [1, 2, 3, 4]
    both = {"addresses": ["ace@haringey.example", "pa@haringey.example"], "sponsor": []}
    policy = {"addresses": ["policy@haringey.example"], "sponsor": []}
    assert [(h.action, h.field, h.old, h.new) for h in history] == [
        ("contact", "assistant chief executive", None, both),
        ("contact", "assistant chief executive", both, {"addresses": ["ace@haringey.example"], "sponsor": []}),
        ("contact", "Head of Policy", None, policy),
        ("contact", "Head of Policy", policy, None),
    ]
    assert all(ISO_WITH_OFFSET.match(h.at) and h.by for h in history)
    # the items are untouched
    assert place.open().load_plan().recommendations == backend.load_plan().recommendations


def test_a_change_of_the_sponsor_alone_is_recorded_and_the_plan_as_it_stood_names_that_days(backend, place):
    """The contact's entry carries its sponsor: a change of the sponsor alone is recorded as one, and
    the plan replayed as of a day gives the sponsor of that day (the day before a change: the old one)."""
    store = Store(backend)
    store.set_contact(OWNER, ["ace@haringey.example"], sponsor=["ce@haringey.example"], by="alice", on=date(2010, 5, 1))
    said = store.set_contact(OWNER, ["ace@haringey.example"], sponsor=["deputy@haringey.example"], by="alice",
                             on=date(2010, 9, 1))
    assert said == f"contact for {OWNER}: ace@haringey.example (sponsor: deputy@haringey.example)"
    store.set_contact(OWNER, ["ace@haringey.example"], sponsor=[], by="alice", on=date(2010, 11, 1))
    now = place.open().load_plan()
    first = {"addresses": ["ace@haringey.example"], "sponsor": ["ce@haringey.example"]}
    second = {"addresses": ["ace@haringey.example"], "sponsor": ["deputy@haringey.example"]}
    assert [(h.old, h.new) for h in now.meta.history] == [
        (None, first), (first, second), (second, {"addresses": ["ace@haringey.example"], "sponsor": []})]
    assert [h.describe() for h in now.meta.history] == [
        f"contact for {OWNER}: ace@haringey.example (sponsor: ce@haringey.example)",
        f"contact for {OWNER}: ace@haringey.example (sponsor: deputy@haringey.example)",
        f"contact for {OWNER}: ace@haringey.example (sponsor removed)"]

    def sponsor(day: date):
        contact = as_it_stood(now, day).meta.contact(OWNER)
        return None if contact is None else contact.sponsor

    assert sponsor(date(2010, 4, 30)) is None  # no contact yet
    assert sponsor(date(2010, 8, 31)) == ("ce@haringey.example",)
    assert sponsor(date(2010, 9, 1)) == ("deputy@haringey.example",)
    assert sponsor(date(2010, 10, 31)) == ("deputy@haringey.example",)
    assert sponsor(date(2010, 11, 1)) == () and now.meta.contact(OWNER).sponsor == ()


def test_a_contact_change_that_changes_nothing_records_nothing(backend):
    store = Store(backend)
    store.set_contact(OWNER, ["ace@haringey.example"], by="alice")
    before, token = backend.load_plan(), backend.change_token()
    assert store.set_contact(OWNER.upper(), ["ace@haringey.example"], by="alice").endswith("nothing changed")
    with pytest.raises(NotFoundError, match="no contact"):
        store.remove_contact("Nobody at all", by="alice")
    with pytest.raises(InputError, match="not an e-mail address"):
        store.set_contact(OWNER, ["Ace <ace@haringey.example>"], by="alice")
    assert backend.load_plan() == before and backend.change_token() == token


def test_a_contact_change_is_seen_by_a_colleague(backend, place):
    colleague = place.open()
    token = colleague.change_token()
    Store(backend).set_contact(OWNER, ["ace@haringey.example"], by="alice")
    assert colleague.change_token() != token
    assert colleague.load_plan().meta.contact(OWNER).addresses == ("ace@haringey.example",)


def test_a_reminder_is_recorded_in_the_items_history(backend, place):
    store = Store(backend)
    first = store.record_reminder(1, ("ace@haringey.example",), OWNER, by="alice")
    second = store.record_reminder(1, ("ace@haringey.example", "pa@haringey.example"), OWNER, by="alice",
                                   via="outbox")
    rec = place.open().load_plan().get(1)
    assert rec.reminders == (first.entry, second.entry)
    assert [(h.action, h.new) for h in rec.reminders] == [
        ("remind", {"to": ["ace@haringey.example"], "owner": OWNER, "via": "smtp"}),
        ("remind", {"to": ["ace@haringey.example", "pa@haringey.example"], "owner": OWNER, "via": "outbox"}),
    ]
    assert second.entry.id == first.entry.id + 1 and ISO_WITH_OFFSET.match(second.entry.at)
    assert rec.status == backend.load_plan().get(1).status  # a reminder changes nothing else


def test_a_plan_created_with_contacts_and_reminders_keeps_them(place, seed_plan):
    """Moving a plan from a file to a server (or back) keeps its contacts, their history and the
    reminders sent: they are part of the plan."""
    entry = HistoryEntry(1, "2010-05-30T10:00:00+01:00", "tess", "contact", OWNER, None, ["ace@haringey.example"], None)
    reminded = HistoryEntry(seed_plan.get(1).history[-1].id + 1, "2010-06-02T08:00:00+01:00", "tess", "remind",
                            None, None, {"to": ["ace@haringey.example"], "owner": OWNER, "via": "smtp"}, None)
    meta = replace(seed_plan.meta, contacts=(Contact(OWNER, ("ace@haringey.example",)),), history=(entry,))
    first = seed_plan.recommendations[0]
    recs = (replace(first, history=(*first.history, reminded)), *seed_plan.recommendations[1:])
    plan = Plan(meta, recs)
    b = place.open()
    assert b.create(plan)
    again = place.open().load_plan()
    assert as_claimed(again.meta) == meta
    assert as_claimed(again.get(1).reminders) == (reminded,)
    # and the next change of the contacts carries on from the history brought in
    change = Store(b).set_contact(OWNER, ["ace@haringey.example", "pa@haringey.example"], by="alice")
    assert "pa@haringey.example" in change
    assert [h.id for h in place.open().load_plan().meta.history] == [1, 2]


CONTACT_WRITER = r"""
import sys
from hsp_tui.storage.store import Store
target, name, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
store = Store(target)
for i in range(n):
    store.set_contact(f"Owner {name}", [f"{name}{i}@haringey.example"], by=f"w{name}")
"""


def test_contact_changes_in_several_processes_at_once_lose_nothing(backend, place):
    """Officers changing contacts at the same moment: every change is kept, each with its own
    entry in the plan's history, none numbered twice."""
    n, names = 5, ["a", "b", "c"]
    procs = [subprocess.Popen([sys.executable, "-c", CONTACT_WRITER, place.target, name, str(n)]) for name in names]
    assert [p.wait(timeout=300) for p in procs] == [0] * len(procs)
    meta = place.open().load_plan().meta
    assert {c.owner: c.addresses for c in meta.contacts} == {f"Owner {name}": (f"{name}{n - 1}@haringey.example",)
                                                             for name in names}
    assert [h.id for h in meta.history] == list(range(1, n * len(names) + 1))
    for name in names:  # each writer's changes, in its order
        assert [h.new for h in meta.history if h.field == f"Owner {name}"] == \
            [{"addresses": [f"{name}{i}@haringey.example"], "sponsor": []} for i in range(n)]
