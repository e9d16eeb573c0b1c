"""The plan's own record on the server: its metadata, contacts and plan history (see `server`).

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
through the item's own transaction (`changes`). Both run in `Session.transaction_on`.
"""

from __future__ import annotations

from typing import Any

from hsp_tui.domain.commands import Stamp
from hsp_tui.domain.errors import InputError, PlanFileError
from hsp_tui.domain.records import Contact, HistoryEntry, PlanMeta, field_names
from hsp_tui.domain.rules import next_entry_id, owner_key
from hsp_tui.storage.postgres.session import Held
from hsp_tui.storage.postgres.changes import set_effective_day

# The columns of hsp.contact and hsp.plan_history are the records' fields, as declared (a plan's
# own history undoes nothing and gives no verdict: it has no `undoes`, no `evidence`).
CONTACT_FIELDS = field_names(Contact)
PLAN_ENTRY_FIELDS = tuple(n for n in field_names(HistoryEntry) if n not in ("undoes", "evidence"))


def _object(alias: str, fields: tuple[str, ...]) -> str:
    return "jsonb_build_object(" + ", ".join(f"'{n}', {alias}.\"{n}\"" for n in fields) + ")"


# The plan's metadata, its contacts and its own history (readers may run it: plain SELECTs), as
# columns of a row of hsp.plan p (the item's transaction reads them in the statement that locks the
# item: `server.LOCK_SQL`).
META_COLUMNS = (
    "p.meta, "
    f"(SELECT coalesce(jsonb_agg({_object('c', CONTACT_FIELDS)}), '[]'::jsonb) FROM hsp.contact c "
    "WHERE c.plan_id = p.id), "
    f"(SELECT coalesce(jsonb_agg({_object('h', PLAN_ENTRY_FIELDS)} ORDER BY h.id), '[]'::jsonb) "
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
    """One change of the plan's contacts, in `held`: locked (hsp.lock_meta) until the block ends."""

    def __init__(self, held: Held, locked: dict[str, Any], *, plan: str, where: str) -> None:
        self._held, self._plan, self._where = held, plan, where
        self._locked = locked  # hsp.lock_meta's answer: the plan's record as it is now, and the stamp
        self.put_meta: PlanMeta | None = None

    def get(self) -> PlanMeta:
        doc = self._locked
        return meta_from(self._where, doc["meta"], doc["contacts"], doc["history"])

    def stamp(self, meta: PlanMeta) -> Stamp:
        return Stamp(next_entry_id((h.id for h in meta.history), "the plan"), self._locked["stamp_at"],
                     self._locked["stamp_by"])

    def put(self, meta: PlanMeta) -> None:
        if self.put_meta is not None or not meta.history or meta.history[-1].action != "contact":
            raise ValueError("a meta transaction puts the plan's record once, its contact entry last")
        self.put_meta = meta

    def save(self) -> None:
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        entry = self.put_meta.history[-1]
        set_effective_day(self._held.run, entry)
        kept = self.put_meta.contact(entry.field)  # the contact as the command left it (None: removed)
        addresses = Jsonb(list(kept.addresses) if kept is not None else [])
        sponsor = Jsonb(list(kept.sponsor or ())) if kept is not None else None
        (result,) = self._held.run("SELECT hsp.set_contact(%s, %s, %s, %s)",
                                   [self._plan, entry.field, addresses, sponsor]).fetchone()
        saved = (result or {}).get("entry")
        if saved != entry.to_dict():
            raise PlanFileError(f"{self._where}: the server would record this change differently "
                                f"({saved!r} instead of {entry.to_dict()!r}); nothing was saved")
