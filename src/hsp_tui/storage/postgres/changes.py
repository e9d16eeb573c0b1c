"""One change of one recommendation on the server (see `postgres` for the whole flow).

`PgTransaction` holds the item's row locked from `get` to the end of the block; at the end the
server's own function makes the change the command computed (`_call_for`), and the entry it
records must equal the command's. `committed` tells, after a connection was lost during COMMIT,
whether that transaction was saved.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from hsp_tui.domain.commands import Stamp, next_entry_id
from hsp_tui.domain.errors import HspError, InputError, PlanFileError
from hsp_tui.domain.model import HistoryEntry, Plan, PlanMeta, Recommendation
from hsp_tui.storage.postgres.connect import connect

if TYPE_CHECKING:
    from hsp_tui.storage.postgres.server import PostgresBackend

NOT_SAVED = "; the change was NOT saved"


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
        return "hsp.verify(%s, %s, %s, %s)", [plan, number, entry.new == "verified", entry.note]
    if entry.action == "remind":
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        new = entry.new
        return ("hsp.record_reminder(%s, %s, %s, %s, %s)",
                [plan, number, Jsonb(list(new["to"])), new["owner"], new["via"]])
    if entry.action == "undo":
        return "hsp.undo(%s, %s, %s)", [plan, number, entry.undoes]
    raise InputError(f"a change of kind {entry.action!r} cannot be made on a database server")


class PgTransaction:
    """One change of one recommendation: its row locked from `get` until the block ends."""

    def __init__(self, backend: "PostgresBackend", conn, number: int, meta: PlanMeta, before: int,
                 locked: dict[str, Any] | None = None) -> None:
        self._backend, self._conn, self._number = backend, conn, int(number)
        self.meta = meta
        self.before = self.after = before
        self._locked = locked  # hsp.lock_item's answer, when the item was locked as the transaction began
        self._entry: HistoryEntry | None = None
        self.put_record: Recommendation | None = None

    def get(self) -> Recommendation:
        if self._locked is None:
            b = self._backend
            (doc,) = b._run(self._conn, "SELECT hsp.lock_item(%s, %s)", [b.plan_name, self._number], "change an item",
                            NOT_SAVED).fetchone()
            self._locked = doc
        return Recommendation.from_dict({k: v for k, v in self._locked.items() if not k.startswith("stamp_")})

    def stamp(self, rec: Recommendation) -> Stamp:
        self.get()
        return Stamp(next_entry_id(rec), self._locked["stamp_at"], self._locked["stamp_by"])

    def put(self, rec: Recommendation, entry: HistoryEntry) -> None:
        if self.put_record is not None or rec.number != self._number or not rec.history or rec.history[-1] != entry:
            raise ValueError("a transaction puts its own recommendation once, its entry last in its history")
        self.put_record, self._entry = rec, entry

    def _save(self) -> None:
        """At the end of the block: the server's function makes the change, under the same lock."""
        entry = self._entry
        sql, args = _call_for(self._backend.plan_name, self._number, entry)
        (result,) = self._backend._run(self._conn, f"SELECT {sql}", args, "change an item", NOT_SAVED).fetchone()
        saved = (result or {}).get("entry")
        if saved != entry.to_dict():
            # The server's rules and ours disagree (a newer server, or a bug): save nothing.
            raise PlanFileError(f"{self._backend.describe()}: the server would record this change differently "
                                f"({saved!r} instead of {entry.to_dict()!r}); nothing was saved")
        # The plan's version with this change (its counter row is now locked until the commit):
        # the version it was applied to is the one just before, whoever saved since this began.
        b = self._backend
        (version,) = b._run(self._conn, "SELECT changes FROM hsp.plan WHERE id = %s", [b._plan_id], "change an item",
                            NOT_SAVED).fetchone()
        self.before, self.after = (b._plan_id, version - 1), (b._plan_id, version)

    def plan(self) -> Plan:
        return self._backend.load_plan()


def committed(url: str, xid: str, pid: int | None = None) -> bool | None:
    """Whether transaction `xid` was committed (asked on a new connection), None if unknown.

    A connection cut by the network may leave the server unaware that the client is gone: the
    transaction is then still in progress (its row locked) and may yet commit or not. When it is,
    its session (`pid`, checked to be still running `xid`) is ended first, which settles it either
    way; ending a session of one's own needs no other right.
    """
    try:
        conn = connect(url, autocommit=True)
    except HspError:
        return None
    try:
        status = _xact_status(conn, xid)
        if status == "in progress" and pid is not None:
            conn.execute("SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
                         "WHERE pid = %s AND backend_xid = %s::xid8::xid", [pid, xid])
            status = _xact_status(conn, xid)
    except Exception:  # noqa: BLE001 - unknown is the honest answer
        return None
    finally:
        conn.close()
    return {"committed": True, "aborted": False}.get(status)


def _xact_status(conn, xid: str) -> str | None:
    (status,) = conn.execute("SELECT pg_xact_status(%s::xid8)", [xid]).fetchone()
    return status
