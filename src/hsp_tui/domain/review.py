"""Review rules: what is overdue or due soon as of a review date that is passed in.

Pure code. "Today" is never read here: callers pass `as_of` (the CLI's `--as-of`, default today).
"""

from __future__ import annotations

from collections import Counter
from functools import cached_property
from datetime import date
from typing import Iterable

from msgspec import Struct

from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import Recommendation, Status

DEFAULT_DUE_SOON_DAYS = 14


class ItemReview(Struct, frozen=True, gc=False):  # no cycles: never walked by the collector
    rec: Recommendation
    due: date | None
    overdue: bool
    due_soon: bool
    days_overdue: int  # 0 unless overdue

    @property
    def number(self) -> int:
        return self.rec.number

    @property
    def flag(self) -> str:
        """In words, so that it never depends on colour: 'OVERDUE', 'due soon' or ''."""
        if self.overdue:
            return "OVERDUE"
        if self.due_soon:
            return "due soon"
        return ""


class OwnerSummary(Struct, frozen=True):
    owner: str
    total: int
    open: int
    overdue: int
    done: int


def review_item(rec: Recommendation, as_of: date, reference: date | None,
                due_soon_days: int = DEFAULT_DUE_SOON_DAYS) -> ItemReview:
    due = rec.due(reference)
    closed = rec.status.closed
    overdue = bool(due and not closed and due < as_of)
    due_soon = bool(due and not closed and not overdue and (due - as_of).days <= due_soon_days)
    return ItemReview(rec, due, overdue, due_soon, (as_of - due).days if overdue and due else 0)


class Review(Struct, frozen=True, dict=True):  # dict: for the cached lookup by number
    """A plan judged as of one date."""

    plan: Plan
    as_of: date
    due_soon_days: int
    items: tuple[ItemReview, ...]

    @property
    def overdue(self) -> list[ItemReview]:
        return [i for i in self.items if i.overdue]

    @property
    def due_soon(self) -> list[ItemReview]:
        return [i for i in self.items if i.due_soon]

    def item(self, number: int) -> ItemReview | None:
        index = self.positions.get(number)
        return None if index is None else self.items[index]

    @cached_property
    def positions(self) -> dict[int, int]:
        """Where each number is in `items`."""
        return {i.number: k for k, i in enumerate(self.items)}

    def replacing(self, index: int, item: ItemReview) -> "Review":
        """This review with the item at `index` replaced by `item` (the same number, judged as of the
        same date), its recommendation too; lookups by number are shared (the numbers are where they
        were), not rebuilt or copied."""
        items = list(self.items)
        items[index] = item
        rv = Review(self.plan.replacing(index, item.rec), self.as_of, self.due_soon_days, tuple(items))
        if "positions" in self.__dict__:
            rv.__dict__["positions"] = self.positions
        return rv

    def by_status(self) -> dict[Status, int]:
        counts = Counter(i.rec.status for i in self.items)
        return {s: counts.get(s, 0) for s in Status}

    def by_owner(self) -> list[OwnerSummary]:
        return summarise_owners(self.items)

    def by_month(self) -> list[tuple[str | None, list[ItemReview]]]:
        """Items grouped by month of current due date, months in order, 'Ongoing'/undated last."""
        groups: dict[tuple[int, int] | None, list[ItemReview]] = {}
        for item in self.items:
            due = item.due
            groups.setdefault((due.year, due.month) if due else None, []).append(item)
        months = sorted(k for k in groups if k is not None)
        out: list[tuple[str | None, list[ItemReview]]] = [(f"{y:04d}-{m:02d}", groups[(y, m)]) for y, m in months]
        if None in groups:
            out.append((None, groups[None]))
        return out

    @property
    def share_done(self) -> float:
        """Done (verified or not) as a share of every item, dropped ones included (never done)."""
        if not self.items:
            return 0.0
        return sum(1 for i in self.items if i.rec.status.finished) / len(self.items)

    @property
    def share_verified(self) -> float:
        """Verified (accepted by the auditor) as a share of every item."""
        if not self.items:
            return 0.0
        return sum(1 for i in self.items if i.rec.status is Status.VERIFIED) / len(self.items)


def summarise_owners(items: Iterable[ItemReview]) -> list[OwnerSummary]:
    acc: dict[str, list[int]] = {}
    for i in items:
        row = acc.setdefault(i.rec.owner, [0, 0, 0, 0])
        row[0] += 1
        if not i.rec.status.closed:
            row[1] += 1
        if i.overdue:
            row[2] += 1
        if i.rec.status.finished:
            row[3] += 1
    return [OwnerSummary(o, *acc[o]) for o in sorted(acc, key=owner_order)]


def owner_order(name: str) -> tuple[str, str]:
    """Owners in alphabetical order whatever their case; names that differ only in case in a fixed
    order too (not the order the items happen to be in), so the app can place one by bisection."""
    return name.casefold(), name


def review(plan: Plan, as_of: date, due_soon_days: int = DEFAULT_DUE_SOON_DAYS) -> Review:
    if due_soon_days < 0:
        raise ValueError("the due-soon window cannot be negative")
    ref = plan.meta.date
    items = tuple(review_item(r, as_of, ref, due_soon_days) for r in plan.recommendations)
    return Review(plan, as_of, due_soon_days, items)
