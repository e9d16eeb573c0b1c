"""One change of one recommendation on the server (see `server` for the whole flow).

`PgTransaction` works in the transaction `Session.transaction_on` holds, the item's row locked by
hsp.lock_item from the start to the end of the block; at the end the server's own function makes
the change the command computed (`_call_for`), and the entry it records must equal the command's.
"""

from __future__ import annotations

from typing import Any, Callable

from hsp_tui.domain.commands import Stamp
from hsp_tui.domain.errors import InputError, PlanFileError
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import HistoryEntry, PlanMeta, Recommendation
from hsp_tui.domain.rules import next_entry_id
from hsp_tui.storage.postgres.rows import TOKEN_SQL
from hsp_tui.storage.postgres.session import Held


def _call_for(plan: str, number: int, entry: HistoryEntry) -> tuple[str, list[Any]]:
    """The server function that makes the change `entry` records (the same rules, enforced there)."""
    if entry.action == "note":
        return "hsp.add_note(%s, %s, %s)", [plan, number, entry.note]
    if entry.action == "set" and entry.field == "status":
        return "hsp.set_status(%s, %s, %s, %s)", [plan, number, entry.new, entry.note]
    if entry.action == "set" and entry.field == "owner":
        return "hsp.set_owner(%s, %s, %s, %s)", [plan, number, entry.new, entry.note]
    if entry.action == "revise":
        return "hsp.revise(%s, %s, %s, %s)", [plan, number, entry.new, entry.note]
    if entry.action == "milestone":
        return ("hsp.set_milestone(%s, %s, %s, %s, %s)",
                [plan, number, entry.new["index"], bool(entry.new["done"]), entry.note])
    if entry.action == "verify":
        accepted = entry.new == "verified" or entry.new == entry.old == "dropped"  # a drop agreed stays dropped
        return "hsp.verify(%s, %s, %s, %s)", [plan, number, accepted, entry.note]
    if entry.action == "remind":
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        new = entry.new
        if "entry" in new:  # the mark of a pending reminder: sent or not
            return "hsp.mark_reminder(%s, %s, %s, %s, %s)", [plan, number, new["entry"], new["sent"], entry.note]
        function = "record_pending_reminder" if new.get("pending") is True else "record_reminder"
        return (f"hsp.{function}(%s, %s, %s, %s, %s)",
                [plan, number, Jsonb(list(new["to"])), new["owner"], new["via"]])
    if entry.action == "undo":
        return "hsp.undo(%s, %s, %s)", [plan, number, entry.undoes]
    if entry.action == "attach":  # a copy's is found by its hash among the plan's copies (kept first)
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        return "hsp.attach(%s, %s, %s, %s)", [plan, number, Jsonb(entry.new), entry.note]
    if entry.action == "withdraw":
        return "hsp.withdraw(%s, %s, %s, %s)", [plan, number, entry.undoes, entry.note]
    raise InputError(f"a change of kind {entry.action!r} cannot be made on a database server")


def set_effective_day(run, entry: HistoryEntry) -> None:
    """The day the change took effect (`--on`), for the server's function to check and record: the
    transaction's own `hsp.on` setting (see hsp._effective_on), gone when the transaction ends.
    `run(sql, args)`: a statement in the change's transaction."""
    if entry.on is not None:
        run("SELECT set_config('hsp.on', %s, true)", [entry.on.isoformat()])


class PgTransaction:
    """One change of one recommendation (of the plan `plan`, id `plan_id`), in `held`: its row
    locked (`locked`) until the block ends. `where` names the plan for people; `load_plan` reads it whole."""

    def __init__(self, held: Held, locked: dict[str, Any], *, plan: str, plan_id: int, number: int, meta: PlanMeta,
                 where: str, load_plan: Callable[[], Plan]) -> None:
        self._held, self._plan, self._plan_id, self._number = held, plan, plan_id, int(number)
        self._locked = locked  # hsp.lock_item's answer: the item as it is now, and its entry's stamp
        self._where, self._load_plan = where, load_plan
        self.meta = meta
        self._versions: tuple[Any, Any] | None = None  # (before, after), read when first asked or saved
        self._entry: HistoryEntry | None = None
        self.put_record: Recommendation | None = None

    @property
    def before(self) -> Any:
        """The plan's version this change was applied to (`rows.TOKEN_COLUMN`), read in this
        transaction when first asked (a change that changes nothing); a saved change reads it with
        its own change counted (`save`)."""
        if self._versions is None:
            (_, version) = self._held.run(f"{TOKEN_SQL} WHERE p.id = %s", [self._plan_id]).fetchone()
            self._versions = ((self._plan_id, int(version)),) * 2
        return self._versions[0]

    @property
    def after(self) -> Any:
        """The plan's version this change left (`before` when nothing was put)."""
        return self._versions[1] if self._versions is not None else self.before

    def get(self) -> Recommendation:
        return Recommendation.from_dict({k: v for k, v in self._locked.items() if not k.startswith("stamp_")})

    def stamp(self, rec: Recommendation) -> Stamp:
        return Stamp(next_entry_id((h.id for h in rec.history), f"recommendation {rec.number}"),
                     self._locked["stamp_at"], self._locked["stamp_by"])

    def put(self, rec: Recommendation, entry: HistoryEntry) -> None:
        if self.put_record is not None or rec.number != self._number or not rec.history or rec.history[-1] != entry:
            raise ValueError("a transaction puts its own recommendation once, its entry last in its history")
        self.put_record, self._entry = rec, entry

    def save(self) -> None:
        """At the end of the block: the server's function makes the change, under the same lock."""
        entry = self._entry
        set_effective_day(self._held.run, entry)
        sql, args = _call_for(self._plan, self._number, entry)
        # With the change, in the same statement, the plan's version with it counted (as this
        # transaction sees it: every change committed so far, and this one), which the server's
        # function left in `hsp.version` (hsp._count_change): the function runs first, in FROM.
        (result, version) = self._held.run(f"SELECT r, current_setting('hsp.version', true) FROM {sql} AS r",
                                           args).fetchone()
        saved = (result or {}).get("entry")
        if saved != entry.to_dict() or not version:
            # The server's rules and ours disagree (a newer server, or a bug): save nothing.
            raise PlanFileError(f"{self._where}: the server would record this change differently "
                                f"({saved!r} instead of {entry.to_dict()!r}); nothing was saved")
        # the version it was applied to is the one just before
        self._versions = (self._plan_id, int(version) - 1), (self._plan_id, int(version))

    def plan(self) -> Plan:
        return self._load_plan()
