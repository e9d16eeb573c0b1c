"""The plan model, as the rest of the code uses it: the records declared in `records`, and the plan
that holds them.

Nothing here reads a clock or a file: anything that depends on "today" lives in `review`, which is
given the review date; reading the file is `planfile`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from .records import (APP_ID, PROGRESS_ACTIONS, SCHEMA_VERSION, STATUS_KEYS, STATUS_LABELS, STATUS_WORDS,
                      Action, Contact, Field, HistoryEntry, Milestone, PlanMeta, Precision, Recommendation,
                      Revision, Status, cached_deadline, owner_key, short_title, undone_ids)

__all__ = ["APP_ID", "PROGRESS_ACTIONS", "SCHEMA_VERSION", "STATUS_KEYS", "STATUS_LABELS", "STATUS_WORDS",
           "Action", "Field", "HistoryEntry", "Milestone", "Plan", "PlanMeta", "Precision", "Recommendation",
           "Revision", "Status", "cached_deadline", "short_title", "undone_ids", "Contact", "owner_key"]


@dataclass(frozen=True)
class Plan:
    meta: PlanMeta
    recommendations: tuple[Recommendation, ...] = field(default=())

    def get(self, number: int) -> Recommendation | None:
        return self._by_number.get(number)

    @cached_property
    def _by_number(self) -> dict[int, Recommendation]:
        return {r.number: r for r in self.recommendations}

    def replacing(self, index: int, rec: Recommendation) -> "Plan":
        """This plan with the recommendation at `index` replaced by `rec` (the same number); the
        lookup by number is carried over, not rebuilt (a copy instead of a loop over every item)."""
        recs = list(self.recommendations)
        old, recs[index] = recs[index], rec
        if old.number != rec.number:
            raise ValueError(f"replacing No. {old.number} with No. {rec.number}")
        plan = Plan(self.meta, tuple(recs))
        if "_by_number" in self.__dict__:
            lookup = dict(self._by_number)
            lookup[rec.number] = rec
            plan.__dict__["_by_number"] = lookup
        return plan

    @property
    def owners(self) -> list[str]:
        return sorted({r.owner for r in self.recommendations}, key=str.casefold)
