"""The counts and groups behind the summary line, the owners pane and the deadlines pane, kept so
that one item's change updates them: its old contribution taken out and its new one put in (a few
bisections and dictionary lookups), instead of a pass over every item of the plan.

No Textual, no Rich: plain data, compared in tests with the same figures counted from scratch.
"""

from __future__ import annotations

import bisect
from collections import Counter
from dataclasses import dataclass
from datetime import date
from operator import attrgetter
from typing import Iterable, Sequence

from hsp_tui.formats.formatting import month_label
from hsp_tui.domain.records import Status
from hsp_tui.domain.review import ItemReview, OwnerSummary, owner_order

_STATUS = attrgetter("rec.status")
_OVERDUE = attrgetter("overdue")
_DUE_SOON = attrgetter("due_soon")


class Mismatch(Exception):
    """The item replaced is not where these tallies have it (they were not made from its review):
    the caller counts from scratch instead."""


@dataclass(frozen=True)
class Counts:
    """What the summary line says: overdue, due soon, and how many items have each status."""

    overdue: int
    due_soon: int
    by_status: dict[Status, int]  # every status, in the order of Status

    @classmethod
    def of(cls, items: Sequence[ItemReview]) -> "Counts":
        found = Counter(map(_STATUS, items))
        return cls(sum(map(_OVERDUE, items)), sum(map(_DUE_SOON, items)), {s: found.get(s, 0) for s in Status})

    def after(self, old: ItemReview, new: ItemReview) -> "Counts":
        """These counts once `old` has become `new`."""
        by_status = dict(self.by_status)
        by_status[old.rec.status] -= 1
        by_status[new.rec.status] += 1
        return Counts(self.overdue - old.overdue + new.overdue, self.due_soon - old.due_soon + new.due_soon,
                      by_status)

    @property
    def share_done(self) -> float:
        """As `Review.share_done`: done (verified or not) as a share of every item."""
        total = sum(self.by_status.values())
        return sum(n for s, n in self.by_status.items() if s.finished) / total if total else 0.0

    @property
    def share_verified(self) -> float:
        """As `Review.share_verified`: verified as a share of every item."""
        total = sum(self.by_status.values())
        return self.by_status[Status.VERIFIED] / total if total else 0.0


# -- owners -------------------------------------------------------------------------------------
def _part(item: ItemReview) -> tuple[int, int, int, int]:
    """What one item adds to its owner's row: (total, open, overdue, done)."""
    status = item.rec.status
    return 1, int(not status.closed), int(item.overdue), int(status.finished)


def _owner_key(row: OwnerSummary) -> tuple[str, str]:
    return owner_order(row.owner)


def owners_after(owners: list[OwnerSummary], old: ItemReview, new: ItemReview) -> list[OwnerSummary]:
    """`owners` (as `Review.by_owner` gives them) once `old` has become `new`: the rows of the old
    and the new owner found by bisection and updated; the same list when neither row changes."""
    if old.rec.owner == new.rec.owner and _part(old) == _part(new):
        return owners
    rows = list(owners)
    for item, sign in ((old, -1), (new, 1)):
        name, part = item.rec.owner, _part(item)
        at = bisect.bisect_left(rows, owner_order(name), key=_owner_key)
        if at < len(rows) and rows[at].owner == name:
            o = rows[at]
            row = (o.total + sign * part[0], o.open + sign * part[1], o.overdue + sign * part[2],
                   o.done + sign * part[3])
            if row[0]:
                rows[at] = OwnerSummary(name, *row)
            else:
                del rows[at]
        elif sign > 0:
            rows.insert(at, OwnerSummary(name, *part))
        else:
            raise Mismatch(f"the owners' counts have no row for {name!r}, which an item had")
    return rows


# -- deadline groups ------------------------------------------------------------------------------
# A group's key sorts the groups as the pane shows them: overdue first, then each month of a current
# due date (the items not overdue), then the items with no date.
GroupKey = tuple[int, int, int]
OVERDUE_KEY: GroupKey = (0, 0, 0)
UNDATED_KEY: GroupKey = (2, 0, 0)
_FAR = date.max.toordinal() + 1


def group_key(item: ItemReview) -> GroupKey:
    if item.overdue:
        return OVERDUE_KEY
    due = item.due
    return (1, due.year, due.month) if due else UNDATED_KEY


def group_label(key: GroupKey) -> str:
    if key == OVERDUE_KEY:
        return "OVERDUE"
    return month_label(f"{key[1]:04d}-{key[2]:02d}" if key != UNDATED_KEY else None)


def in_group(item: ItemReview) -> tuple[int, int]:
    """Where an item goes within its group: by current due date, then number."""
    return (item.due.toordinal() if item.due else _FAR, item.rec.number)


Groups = dict[GroupKey, list[ItemReview]]


def groups_of(by_due: Iterable[ItemReview]) -> Groups:
    """The groups of items already sorted by due date then number (each group keeps that order)."""
    groups: Groups = {}
    for item in by_due:
        key = group_key(item)
        found = groups.get(key)
        if found is None:
            groups[key] = [item]
        else:
            found.append(item)
    return groups


def groups_after(groups: Groups, old: ItemReview, new: ItemReview) -> Groups:
    """`groups` once `old` has become `new`: only the one or two groups concerned are copied; a group
    left empty goes, a new one comes."""
    old_key, new_key = group_key(old), group_key(new)
    members = list(groups.get(old_key, ()))
    at = bisect.bisect_left(members, in_group(old), key=in_group)
    if not (at < len(members) and members[at] is old):
        raise Mismatch(f"No. {old.number} is not where its deadline group should have it")
    out = dict(groups)
    if old_key == new_key and in_group(old) == in_group(new):
        members[at] = new
        out[old_key] = members
        return out
    del members[at]
    if members:
        out[old_key] = members
    else:
        del out[old_key]
    members = list(out.get(new_key, ()))
    bisect.insort(members, new, key=in_group)
    out[new_key] = members
    return out


def labelled(groups: Groups) -> list[tuple[str, list[ItemReview]]]:
    """The groups as the pane lists them: (label, items), overdue first and undated last."""
    return [(group_label(key), groups[key]) for key in sorted(groups)]
