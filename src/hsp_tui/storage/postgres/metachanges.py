"""The plan's own record on the server: its metadata, contacts and plan history (see `postgres`).

A plan's contacts (where reminders for each owner go) and its own history (contacts set or
removed) are kept in tables of their own, `hsp.contact` and `hsp.plan_history`; `PlanMeta` is
built from them and the plan's metadata in one query (`META_SQL`). A change of the contacts is
one transaction, as a change of an item is:

    hsp.lock_meta(plan)       the metadata, contacts and plan history, the contacts locked, and
                              the time and user the entry will carry (server time, session_user)
    (the command's rules run here, in Python: `commands.SetContact`)
    hsp.set_contact(...)      the server's function makes the change and appends the entry,
                              which must equal the one computed here, else nothing is saved
    COMMIT

Reminders are entries of the items' history (action 'remind'), made by hsp.record_reminder
through the item's own transaction (`pgchange`).
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Iterator

from hsp_tui.domain.commands import Stamp
from hsp_tui.domain.errors import InputError, PlanFileError
from hsp_tui.domain.model import PlanMeta, owner_key
from hsp_tui.storage.postgres.changes import NOT_SAVED

if TYPE_CHECKING:
    from hsp_tui.storage.postgres.server import PostgresBackend

# The plan's metadata with its contacts and its own history (readers may run it: plain SELECTs).
# The plan's metadata, its contacts and its own history, as columns of a row of hsp.plan p (the
# item's transaction reads them in the statement that locks the item: `server.LOCK_SQL`).
META_COLUMNS = (
    "p.meta, "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('owner', c.owner, 'addresses', to_jsonb(c.addresses))), "
    "'[]'::jsonb) FROM hsp.contact c WHERE c.plan_id = p.id), "
    "(SELECT coalesce(jsonb_agg(jsonb_build_object('id', h.id, 'at', h.at, 'by', h.by, 'action', h.action, "
    "'field', h.field, 'old', h.old, 'new', h.new, 'note', h.note) ORDER BY h.id), '[]'::jsonb) "
    "FROM hsp.plan_history h WHERE h.plan_id = p.id)"
)
META_SQL = f"SELECT {META_COLUMNS} FROM hsp.plan p WHERE p.name = %s"


def meta_from(where: str, meta: dict[str, Any], contacts: list[dict[str, Any]],
              history: list[dict[str, Any]]) -> PlanMeta:
    """The typed metadata from the server's rows (contacts in the order the file keeps them)."""
    contacts = sorted(contacts, key=lambda c: owner_key(str(c.get("owner", ""))))
    try:
        return PlanMeta.from_dict({**(meta or {}), "contacts": contacts, "history": history})
    except InputError as exc:
        raise PlanFileError(f"{where}: {exc}") from None


class PgMetaTransaction:
    """One change of the plan's contacts, locked from `get` until the block ends."""

    def __init__(self, backend: "PostgresBackend", conn) -> None:
        self._backend, self._conn = backend, conn
        self._locked: dict[str, Any] | None = None
        self.put_meta: PlanMeta | None = None

    def get(self) -> PlanMeta:
        b = self._backend
        if self._locked is None:
            (self._locked,) = b._run(self._conn, "SELECT hsp.lock_meta(%s)", [b.plan_name], "change the contacts",
                                     NOT_SAVED).fetchone()
        doc = self._locked
        return meta_from(b.describe(), doc["meta"], doc["contacts"], doc["history"])

    def stamp(self, meta: PlanMeta) -> Stamp:
        self.get()
        return Stamp(max((h.id for h in meta.history), default=0) + 1, self._locked["stamp_at"],
                     self._locked["stamp_by"])

    def put(self, meta: PlanMeta) -> None:
        if self.put_meta is not None or not meta.history or meta.history[-1].action != "contact":
            raise ValueError("a meta transaction puts the plan's record once, its contact entry last")
        self.put_meta = meta

    def _save(self) -> None:
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        b, entry = self._backend, self.put_meta.history[-1]
        (result,) = b._run(self._conn, "SELECT hsp.set_contact(%s, %s, %s)",
                           [b.plan_name, entry.field, Jsonb(list(entry.new or []))], "change the contacts",
                           NOT_SAVED).fetchone()
        saved = (result or {}).get("entry")
        if saved != entry.to_dict():
            raise PlanFileError(f"{b.describe()}: the server would record this change differently "
                                f"({saved!r} instead of {entry.to_dict()!r}); nothing was saved")


def check_may_record(backend: "PostgresBackend") -> None:
    """Refuse, before any is sent, reminders this database user may not record (a reader)."""
    from hsp_tui.storage.postgres.connect import RefusedError, redact  # noqa: PLC0415

    ((allowed, user),) = backend._read("SELECT has_function_privilege("
                                       "'hsp.record_reminder(text, integer, jsonb, text, text)', 'EXECUTE'), "
                                       "session_user::text")
    if not allowed:
        raise RefusedError(f"{redact(backend.url)}: your database role ({user}) has no right to record reminders; "
                           "nothing was sent (reminders need the hsp_officer role)")


@contextmanager
def meta_transaction(backend: "PostgresBackend") -> Iterator[PgMetaTransaction]:
    """One change of the plan's own record (its contacts), as one transaction on the server."""
    backend._resolve()

    def begin(conn):
        return conn, backend._run(conn, "SELECT pg_current_xact_id()::text", None, "change the contacts",
                                  NOT_SAVED).fetchone()[0]

    conn, xid = backend._with_connection(begin)
    try:
        txn = PgMetaTransaction(backend, conn)
        yield txn
        if txn.put_meta is not None:
            txn._save()
            backend._commit(conn, "save the change", xid)
    finally:
        if not conn.closed:
            conn.rollback()  # nothing put, or an error: nothing saved
