"""The plan: the records of one plan (declared in `records`), by number.

Nothing here reads a clock or a file: anything that depends on "today" lives in `review`, which is
given the review date; reading the file is `planfile`.
"""

from __future__ import annotations

from functools import cached_property

from msgspec import Struct

from hsp_tui.domain.records import PlanMeta, Recommendation

__all__ = ["Plan"]


class Plan(Struct, frozen=True, dict=True):  # dict: for the cached lookup by number
    meta: PlanMeta
    recommendations: tuple[Recommendation, ...] = ()

    def get(self, number: int) -> Recommendation | None:
        index = self._positions.get(number)
        return None if index is None else self.recommendations[index]

    @cached_property
    def _positions(self) -> dict[int, int]:
        """Where each number is in `recommendations`."""
        return {r.number: k for k, r in enumerate(self.recommendations)}

    def replacing(self, index: int, rec: Recommendation) -> "Plan":
        """This plan with the recommendation at `index` replaced by `rec` (the same number); the
        lookup by number is shared with this plan (the numbers are where they were), not rebuilt."""
        recs = list(self.recommendations)
        old, recs[index] = recs[index], rec
        if old.number != rec.number:
            raise ValueError(f"replacing No. {old.number} with No. {rec.number}")
        plan = Plan(self.meta, tuple(recs))
        if "_positions" in self.__dict__:
            plan.__dict__["_positions"] = self._positions
        return plan

    @property
    def owners(self) -> list[str]:
        return sorted({r.owner for r in self.recommendations}, key=str.casefold)
