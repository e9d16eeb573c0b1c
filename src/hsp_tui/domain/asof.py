"""The plan as it stood at the end of a given day, replayed from its history by effective date.

Every change is a history entry that says when it took effect (`history.effective_day`: its `on`,
else the day it was recorded) and what it changed (`old` and `new`). The plan as it stood on day D
is the plan as it is now with every change effective after D taken back, newest first: a status,
an owner or a milestone gets its entry's `old` value again; a revision effective after D is left
out; the history ends at D, so what is derived from it (notes, reminders and their count, verdicts,
the chart in `progress`) ends there too. The plan's own history (contacts) is replayed alike.

Changes are recorded in the order they took effect (`commands.effective_on` refuses a change
effective before one already recorded for the same item), so replaying to today gives the plan as
it is. Pure code: no clock, no file; the day is passed in.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from msgspec.structs import replace

from hsp_tui.domain.history import contact_state
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import Contact, PlanMeta, Recommendation, Status, owner_key
from hsp_tui.domain.vocabulary import Action, Field



def _later(history, day: date, key: str) -> list[bool] | None:
    """Which entries took effect after the day (`day` as a date, `key` as YYYY-MM-DD); None when none
    did. `history.effective_day`, inline: an `on` is compared as a date, an `at` by its first ten
    characters. (For the plan's own history and the general case of an item's.)"""
    found = None
    for k, h in enumerate(history):
        on = h.on
        if on is not None:
            after = on > day
        else:
            at = h.at
            after = at[:10] > key and at[4:5] == "-" and len(at) >= 10
        if after and found is None:
            found = [False] * k
        if found is not None:
            found.append(after)
    return found


# Creations and imports change nothing and are not held to the order of effective dates (an import
# is recorded on the day it is made, after the history it brings): they may stand out of order.
_UNORDERED = frozenset((Action.CREATE, Action.IMPORT))
_STATUSES = {s.value: s for s in Status}


def item_as_of(rec: Recommendation, day: date, key: str) -> Recommendation:
    """One item as it stood at the end of `day` (`key`: the day as YYYY-MM-DD); the record itself
    when nothing of it took effect after the day.

    Changes are recorded in the order they took effect (`commands.effective_on`), so those after the
    day are the newest ones: the history is walked from its end, newest first, only as far as the
    first change effective by the day (an early day walks the few entries before it, a late one
    stops at once), each value taken back as it goes (the oldest taken back wins), and the history
    kept is one slice. The creations and imports before that point, which may stand out of order,
    are looked at by their action only; when one of them is later than the day, or a kept one stands
    among the later changes, the general replay (`_replay`) does it."""
    history = rec.history
    n = kept = len(history)
    status = owner = done = None
    revised = False
    held = 0  # creations and imports effective by the day, met while walking the later changes
    for h in reversed(history):
        on = h.on
        if on is None:
            at = h.at
            after = at[:10] > key and at[4:5] == "-" and len(at) >= 10
        else:
            after = on > day
        if not after:
            if h.action in _UNORDERED:  # proves nothing of the entries before it: walk on
                held += 1
                kept -= 1
                continue
            break
        if held:
            return _replay(rec, day, key)  # a later change before a kept creation or import
        kept -= 1
        field = h.field
        if field is None:  # a note, a reminder, a creation: nothing of the record to take back
            continue
        if field == "status":
            status = h.old
        elif field == "owner":
            old = h.old
            if isinstance(old, str):
                owner = old
        elif field == "milestone":
            old = h.old
            if isinstance(old, dict):
                index = old.get("index")
                if done is None:
                    done = [m.done for m in rec.milestones]
                if type(index) is int and 1 <= index <= len(done):
                    done[index - 1] = bool(old.get("done"))
        elif field == "deadline":
            revised = True
    kept += held  # (the creations and imports held are the entries right after the prefix walked)
    for h in history[:kept - held]:  # a creation or import kept, later than the day: out of order
        on = h.on
        if on is None:
            at = h.at
            if at[:10] > key and at[4:5] == "-" and len(at) >= 10 and h.action in _UNORDERED:
                return _replay(rec, day, key)
        elif on > day and h.action in _UNORDERED:
            return _replay(rec, day, key)
    revisions = rec.revisions
    if revisions:  # the newest revision later than the day, when its entry is not: as imported
        last = revisions[-1]
        on = last.on
        revised = revised or (on > day if on is not None else _later((last,), day, key) is not None)
    if kept == n:
        return _replay(rec, day, key) if revised else rec
    changes: dict[str, Any] = {"history": history[:kept]}
    if status is not None:
        value = _STATUSES.get(status)
        if value is not None:
            changes["status"] = value
    if owner is not None:
        changes["owner"] = owner
    if done is not None:
        changes["milestones"] = tuple(m if m.done == d else replace(m, done=d) for m, d in zip(rec.milestones, done))
    if revised:  # revisions are recorded in the order they took effect too: the later ones are the last
        cut = len(revisions)
        while cut:
            on = revisions[cut - 1].on
            if on is None:
                at = revisions[cut - 1].at
                if not (at[:10] > key and at[4:5] == "-" and len(at) >= 10):
                    break
            elif on <= day:
                break
            cut -= 1
        changes["revisions"] = revisions[:cut]
    return replace(rec, **changes)


def _replay(rec: Recommendation, day: date, key: str) -> Recommendation:
    """`item_as_of` for any order of entries: each entry is looked at."""
    history = rec.history
    later = _later(history, day, key)
    if later is None:
        return rec
    first = later.index(True)
    status = owner = None  # the values taken back to, as stored (text)
    done = None
    for k in range(len(history) - 1, first - 1, -1):  # newest first: the oldest taken back wins
        if not later[k]:
            continue
        h = history[k]
        field = h.field
        if field is None:
            continue
        old = h.old
        if field == "status":
            status = old
        elif field == "owner" and isinstance(old, str):
            owner = old
        elif field == "milestone" and isinstance(old, dict):
            index = old.get("index")
            if done is None:
                done = [m.done for m in rec.milestones]
            if type(index) is int and 1 <= index <= len(done):
                done[index - 1] = bool(old.get("done"))
    changes: dict[str, Any] = {
        "history": history[:first] + tuple(h for h, after in zip(history[first:], later[first:]) if not after)}
    if status is not None and status in _STATUSES:
        changes["status"] = _STATUSES[status]
    if owner is not None:
        changes["owner"] = owner
    if done is not None:
        changes["milestones"] = tuple(m if m.done == d else replace(m, done=d) for m, d in zip(rec.milestones, done))
    if rec.revisions:
        gone = _later(rec.revisions, day, key)
        if gone is not None:
            changes["revisions"] = tuple(r for r, after in zip(rec.revisions, gone) if not after)
    return replace(rec, **changes)


def meta_as_of(meta: PlanMeta, day: date, key: str) -> PlanMeta:
    """The plan's own record (its contacts) as it stood at the end of `day`: each contact changed
    later is taken back to the `old` of the first change after the day, sponsor and all. An entry
    made before entries recorded the sponsor gives the addresses alone: the sponsor is then None
    (not recorded). (Such entries all come before the first that records it: an hsp-tui that wrote
    them cannot read a plan whose entries record it.)"""
    history = meta.history
    later = _later(history, day, key)
    if later is None:
        return meta
    contacts: dict[str, Contact] = {owner_key(c.owner): c for c in meta.contacts}
    for h, after in zip(reversed(history), reversed(later)):
        if not after or h.action != Action.CONTACT or not isinstance(h.field, str):
            continue
        old = contact_state(h.old)
        if old and old[0]:  # (no addresses: no contact)
            contacts[owner_key(h.field)] = Contact(h.field, old[0], old[1])
        else:
            contacts.pop(owner_key(h.field), None)
    kept = tuple(h for h, after in zip(history, later) if not after)
    return replace(meta, contacts=tuple(sorted(contacts.values(), key=lambda c: owner_key(c.owner))), history=kept)


def as_it_stood(plan: Plan, day: date) -> Plan:
    """The plan at the end of `day`. The same object when nothing took effect after that day."""
    key = day.isoformat()
    recs = plan.recommendations
    items = [item_as_of(r, day, key) for r in recs]
    meta = meta_as_of(plan.meta, day, key)
    if meta is plan.meta and all(a is b for a, b in zip(items, recs)):
        return plan
    out = Plan(meta, tuple(items))
    if "_positions" in plan.__dict__:  # the numbers are where they were
        out.__dict__["_positions"] = plan.__dict__["_positions"]
    return out
