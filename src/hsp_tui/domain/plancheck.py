"""`hsp-tui check`: a whole plan checked, one line per problem (issue 24).

A plan that reads at all has every entry well formed one by one (each is checked as it is decoded:
`history.HistoryEntry`); here is what holds between entries and beyond the record: ids that count
up, an undo or a withdrawal naming an earlier entry of the right kind, a verdict resting on
attachments the item had, and every copy attached there and matching its hash. Pure: the copies are
read through the function given (`EvidenceCopies.read`), which checks each hash.
"""

from __future__ import annotations

from typing import Callable

from hsp_tui.domain.errors import HspError
from hsp_tui.domain.history import evidence_key
from hsp_tui.domain.model import Plan
from hsp_tui.domain.textsafe import visible
from hsp_tui.domain.vocabulary import Action


def check_plan(plan: Plan, read: Callable[[str], bytes]) -> tuple[list[str], int]:
    """The problems found (one line each, safe to show) and how many distinct copies were checked."""
    problems: list[str] = []
    checked: dict[str, str | None] = {}  # sha256 -> its problem (None: there and matching)
    _ids("the plan's own history", plan.meta.history, problems)
    for rec in plan.recommendations:
        where = f"recommendation {rec.number}"
        _ids(f"{where}'s history", rec.history, problems)
        seen: dict[int, object] = {}
        attached: set[str] = set()
        for h in rec.history:
            if h.action in (Action.UNDO, Action.WITHDRAW):
                target = seen.get(h.undoes)
                kind = "an attachment" if h.action == Action.WITHDRAW else "a change"
                if target is None or (h.action == Action.WITHDRAW and target.action != Action.ATTACH):
                    problems.append(f"{where}, history entry {h.id}: names entry #{h.undoes}, which is not "
                                    f"{kind} recorded before it")
            if h.action == Action.ATTACH:
                attached.add(evidence_key(h))
                if "sha256" in h.new:
                    sha = h.new["sha256"]
                    if sha not in checked:
                        checked[sha] = _read_problem(read, sha)
                    if checked[sha] is not None:
                        problems.append(f"{where}, attachment #{h.id} ({visible(str(h.new['name']))}): {checked[sha]}")
            if h.action == Action.VERIFY:
                for key in h.evidence:
                    if key not in attached:
                        problems.append(f"{where}, verdict #{h.id}: rests on {visible(key[:64])}, which the item "
                                        "did not have attached then")
            seen[h.id] = h
    return problems, len(checked)


def _ids(what: str, history, problems: list[str]) -> None:
    last = 0
    for h in history:
        if h.id <= last:
            problems.append(f"{what}: entry #{h.id} comes after #{last} (ids must count up)")
        last = max(last, h.id)


def _read_problem(read: Callable[[str], bytes], sha: str) -> str | None:
    try:
        read(sha)
    except HspError as exc:
        return visible(str(exc))
    return None
