"""Plans on a PostgreSQL server (`--db postgresql://...`): the backend for partners on other machines.

The schema (`hsp.sql`, set up by `hsp-tui --db URL init`) keeps many plans in one database.
Reading is plain SELECTs (granted to hsp_reader). A change is one transaction:

    hsp.lock_item(plan, number)   the item and its history, its row locked (FOR UPDATE), and the
                                  time and user its entry will carry (server time, session_user);
                                  the plan's metadata in the same statement (`LOCK_SQL`)
    (the command's rules run here, in Python, on the typed record: `commands`)
    hsp.set_status(...) etc.      the same change made by the server's own function, which writes
                                  the item, appends the entry and counts it in the plan's version
                                  (read in the same statement); its entry must equal the one
                                  computed here, else nothing is saved
    COMMIT

Officers have EXECUTE on those functions and no INSERT, UPDATE or DELETE on any table, so the
database, not the app, decides who may change what, and no change goes without its history entry.
The author of every change is the database's authenticated user (session_user).

A connection lost during a change: before COMMIT was sent, nothing was saved (the server rolls back);
while COMMIT was under way, the transaction's id tells, once reconnected, whether it was saved.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from hsp_tui.domain.errors import InputError, NotFoundError, PlanFileError
from hsp_tui.domain.model import Plan
from hsp_tui.domain.records import PlanMeta, Recommendation
from hsp_tui.storage.contract import Access, Head, Listener, LockWait, PlanInfo
from hsp_tui.storage.postgres.changes import PgTransaction
from hsp_tui.storage.postgres.copies import ServerCopies
from hsp_tui.storage.postgres.connect import RefusedError, ServerError, redact, server_words
from hsp_tui.storage.postgres.metachanges import META_COLUMNS, META_SQL, PgMetaTransaction, meta_from
from hsp_tui.storage.postgres.rows import HISTORY_COLUMNS, ITEM_COLUMNS, TOKEN_SQL, records
from hsp_tui.storage.postgres.session import Session

ENV_PLAN = "HSP_TUI_PLAN"
# A change's first statement: the transaction's id (to ask about it if the COMMIT is cut off), the
# plan's id and metadata, and the item locked with what its entry will carry. Not the plan's version:
# read here it could miss a change committed while this statement waited for the item's lock; the
# change reads it with its own change counted, in the statement that makes it (`PgTransaction`).
LOCK_SQL = (f"SELECT pg_current_xact_id()::text, p.id, {META_COLUMNS}, hsp.lock_item(p.name, %s) "
            "FROM hsp.plan p WHERE p.name = %s")
# What each right of `Access` needs: EXECUTE on these (change, verify, contacts, remind).
ACCESS_FUNCTIONS = ("set_status(text, integer, text, text)", "verify(text, integer, boolean, text)",
                    "set_contact(text, text, jsonb, jsonb)", "record_reminder(text, integer, jsonb, text, text)")
class PostgresBackend:
    """One plan (`plan`, else $HSP_TUI_PLAN, else the database's only plan) in a PostgreSQL database."""

    path = None  # not a file: exports may go anywhere

    def __init__(self, url: str, *, plan: str | None = None, env: dict[str, str] | None = None,
                 **_file_options: Any) -> None:
        env = os.environ if env is None else env
        self.url = url
        self._wanted = plan or env.get(ENV_PLAN) or None
        self._plan: str | None = None
        self._plan_id: int | None = None
        self.session = Session(url)  # the connection, and the one shape of a change's transaction

    def _read(self, sql: str, args: list[Any] | None = None):
        return self.session.read(sql, args)

    def close(self) -> None:
        self.session.close()

    # -- which plan ----------------------------------------------------------------------------
    def _names(self) -> list[tuple[int, str]]:
        return [(r[0], r[1]) for r in self._read("SELECT id, name FROM hsp.plan ORDER BY name")]

    @property
    def plan_name(self) -> str:
        if self._plan is None:
            self._resolve()
        return self._plan  # type: ignore[return-value]

    def _resolve(self, names: list[tuple[int, str]] | None = None) -> None:
        """Find the plan among `names` (else the database's plans, read now): the one named, else
        the database's only one; a clear error otherwise."""
        names = self._names() if names is None else names
        listing = ", ".join(n for _, n in names)
        if self._wanted is not None:
            found = [(i, n) for i, n in names if n == self._wanted]
            if not found:
                self._plan = self._plan_id = None
                raise NotFoundError(f"{self.describe()}: no plan named {self._wanted!r} in this database"
                                    + (f" (its plans: {listing})" if names else " (it has no plans yet)"))
            self._plan_id, self._plan = found[0]
        elif len(names) == 1:
            self._plan_id, self._plan = names[0]
        elif not names:
            raise NotFoundError(f"{self.describe()}: this database has no plans yet: add one with "
                                "'hsp-tui --db URL import FILE --plan NAME'")
        else:
            raise InputError(f"{self.describe()}: this database holds {len(names)} plans ({listing}): "
                             f"pick one with --plan NAME or {ENV_PLAN}")

    @property
    def evidence(self) -> ServerCopies:
        """The plan's evidence copies (`contract.EvidenceCopies`)."""
        return ServerCopies(self.session, lambda: self.plan_name, self.describe)

    def describe(self) -> str:
        where = redact(self.url)
        name = self._plan or self._wanted
        return f"{where} (plan {name})" if name else where

    def exists(self) -> bool:
        try:
            self._resolve()
        except (PlanFileError, InputError) as exc:
            if isinstance(exc, ServerError):
                raise
            return False
        return True

    def ensure(self, seed: Callable[[], Plan] | None) -> None:
        """The plan must be there; a missing one is created from `seed()` where a seed is given
        (the command line gives none for a server: `init` loads the seed plan there). A plan named
        and no seed: nothing is asked now; the first read or change finds the plan, or says it is
        not there as this would (a change then is one transaction from its first statement)."""
        if seed is None and self._wanted is not None:
            return
        try:
            self._resolve()
        except NotFoundError:
            if seed is None:
                raise
            self.create(seed(), if_missing=True)

    # -- reading -------------------------------------------------------------------------------
    def meta(self) -> PlanMeta:
        """The plan's metadata with its contacts and own history (`pgmeta`)."""
        rows = self._read(META_SQL, [self.plan_name])
        if not rows:
            self._plan = None
            raise PlanFileError(f"{self.describe()}: the plan is no longer in this database")
        return meta_from(self.describe(), *rows[0])

    def _items(self, where: str, args: list[Any]) -> list[Recommendation]:
        return self.session.with_connection(lambda conn: self._item_rows(conn, where, args))

    def _item_rows(self, conn, where: str, args: list[Any]) -> list[Recommendation]:
        """The items `where` says, with their history, as records. A whole plan (no `where`) comes
        through server-side cursors, a batch at a time, made records as it comes (`pgread`)."""
        try:
            # one snapshot for the items and their history (a change between the two is seen by neither)
            run = self.session.run
            run(conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", None)
            item_sql = f"SELECT {ITEM_COLUMNS} FROM hsp.item WHERE plan_id = %s {where} ORDER BY number"
            history_sql = f"SELECT {HISTORY_COLUMNS} FROM hsp.history WHERE plan_id = %s {where} ORDER BY number, id"
            if where:
                items = run(conn, item_sql, [self._plan_id, *args]).fetchall()
                history = run(conn, history_sql, [self._plan_id, *args]).fetchall()
                return self._records(items, history)
            with conn.cursor(name="hsp_items") as items, conn.cursor(name="hsp_history") as history:
                items.itersize = history.itersize = 2000
                run(items, item_sql, [self._plan_id])
                run(history, history_sql, [self._plan_id])
                return self._records(self.session.rows(conn, items), self.session.rows(conn, history))
        finally:
            if not conn.closed:
                conn.rollback()

    def _records(self, items, history) -> list[Recommendation]:
        try:
            return list(records(items, history))
        except (InputError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanFileError(f"{self.describe()}: a record is damaged ({type(exc).__name__}: {exc})") from None

    def load_plan(self) -> Plan:
        self._resolve()
        return Plan(self.meta(), tuple(self._items("", [])))

    def load_items(self, numbers: list[int]) -> list[Recommendation]:
        """Only these items, as they are now (the app re-reads what a colleague changed)."""
        self._resolve()
        return self._items("AND number = ANY(%s)", [list(numbers)])

    def load_head(self, count: int) -> Head:
        self._resolve()
        meta = self.meta()
        (total,) = self._read("SELECT count(*) FROM hsp.item WHERE plan_id = %s", [self._plan_id])[0]
        first = self._items("AND number <= (SELECT max(number) FROM (SELECT number FROM hsp.item "
                            "WHERE plan_id = %s ORDER BY number LIMIT %s) AS f)", [self._plan_id, count])
        return Head(Plan(meta, tuple(first)), total)

    def load_rest(self) -> Plan:
        return self.load_plan()

    def change_token(self) -> tuple[int, int]:
        """(the plan's id, its changes so far: `rows.TOKEN_COLUMN`): every change committed adds one;
        a plan replaced by its owner is a new plan with a new id."""
        rows = self._read(f"{TOKEN_SQL} WHERE p.name = %s", [self.plan_name])
        if not rows:
            self._plan = None
            raise PlanFileError(f"{self.describe()}: the plan is no longer in this database")
        return (rows[0][0], int(rows[0][1]))

    def listener(self, on_change: Callable[[set[int] | None], None],
                 on_state: Callable[[bool, str], None]) -> Listener:
        """A `listen.Listener` for this plan: colleagues' changes as they commit (LISTEN/NOTIFY)."""
        from hsp_tui.storage.postgres.listen import Listener  # noqa: PLC0415

        return Listener(self.url, self.plan_name, on_change, on_state)

    def plans(self) -> list[PlanInfo]:
        return [PlanInfo(name, str((meta or {}).get("title") or name))
                for name, meta in self._read("SELECT name, meta FROM hsp.plan ORDER BY name")]

    def plan_counts(self):
        """Each plan's counts for `hsp-tui plans`, from SQL (no plan is loaded whole): `summary`."""
        from hsp_tui.storage.postgres.summary import plan_counts  # noqa: PLC0415

        return plan_counts(self.session)

    def for_plan(self, name: str) -> "PostgresBackend":
        """Another plan of the same database (on a connection of its own)."""
        return PostgresBackend(self.url, plan=name, env={})

    # -- whole plans ---------------------------------------------------------------------------
    def _new_name(self, plan: Plan) -> str:
        if self._wanted is not None:
            return self._wanted
        # a name the server takes: lower-case ASCII letters, digits and '-' (`hsp._check_plan_name`)
        slug = "-".join("".join(c if c.isascii() and c.isalnum() else " " for c in plan.meta.title.lower()).split())
        return slug[:60].strip("-") or "plan"

    def create(self, plan: Plan, *, if_missing: bool = False) -> bool:
        """A new plan named --plan (else after its title), never in place of one: its items as given,
        except that each item's closing import entry, if any, is the server's own (by the database's
        user, at the server's time), as every entry made on the server is."""
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        name = self._new_name(plan)
        if name in [n for _, n in self._names()]:
            if if_missing:
                return False
            raise PlanFileError(f"{redact(self.url)}: a plan named {name!r} already exists (a plan on a server "
                                "is never overwritten: import under another --plan name)")
        items, action, note = [], None, None
        for rec in plan.recommendations:
            doc = rec.to_dict()
            if doc["history"] and doc["history"][-1].get("action") == "import":
                action, note = "import", doc["history"][-1].get("note")
                doc["history"] = doc["history"][:-1]
            items.append(doc)
        conn = self.session.connection()
        try:
            self.session.run(conn, "SELECT hsp.add_plan(%s, %s, %s, %s, %s)",
                             [name, Jsonb(plan.meta.to_dict()), Jsonb(items), action, note], "add a plan",
                             "; the plan was NOT added")
            self.session.commit(conn, "add a plan")
            self.session.notify(conn, name, None)
        finally:
            if not conn.closed:
                conn.rollback()
        self._wanted, self._plan = name, None
        self._resolve()
        return True

    def replace(self, plan: Plan) -> str | None:
        """The whole plan replaced (import --replace): for the database's owner only, since it
        removes history (officers are refused by the database). Nothing is kept: back up with pg_dump;
        but the plan's evidence copies stay, the new plan's own (hsp.copy's key is checked at COMMIT)."""
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        self._resolve()
        name = self.plan_name
        conn = self.session.connection()
        try:
            for sql in ("DELETE FROM hsp.history WHERE plan_id = %s", "DELETE FROM hsp.item WHERE plan_id = %s",
                        "DELETE FROM hsp.contact WHERE plan_id = %s", "DELETE FROM hsp.plan_history WHERE plan_id = %s",
                        "DELETE FROM hsp.plan WHERE id = %s"):
                self.session.run(conn, sql, [self._plan_id], "replace a whole plan", "; nothing was changed")
            self.session.run(conn, "SELECT hsp.add_plan(%s, %s, %s, NULL, NULL)",
                             [name, Jsonb(plan.meta.to_dict()), Jsonb([r.to_dict() for r in plan.recommendations])],
                             "replace the plan", "; nothing was changed")
            self.session.run(conn, "UPDATE hsp.copy SET plan_id = (SELECT id FROM hsp.plan WHERE name = %s) "
                             "WHERE plan_id = %s", [name, self._plan_id], "replace the plan", "; nothing was changed")
            self.session.commit(conn, "replace the plan")
            self.session.notify(conn, name, None)
        finally:
            if not conn.closed:
                conn.rollback()
        self._plan = None
        self._resolve()
        return None

    # -- one change ---------------------------------------------------------------------------
    @contextmanager
    def transaction(self, number: int, *, by: str, wait: LockWait | None = None) -> Iterator[PgTransaction]:
        """`by` is not used: the server records its authenticated user (see `PgTransaction.stamp`).

        One transaction, on a new connection too (its schema check is the transaction's first
        statements): the plan's id, version and metadata with the item locked (`LOCK_SQL`; the
        plans' names first only where no plan was named), then at the end of the block the
        change and the new version, COMMIT."""

        def lock(held) -> tuple:
            if self._plan is None and self._wanted is None:
                self._resolve([(r[0], r[1]) for r in held.run("SELECT id, name FROM hsp.plan ORDER BY name")])
            row = held.run(LOCK_SQL, [int(number), self._plan or self._wanted]).fetchone()
            if row is None:  # no such plan (any more): said as a read says it
                held.conn.rollback()
                self._plan = None
                self._resolve()
                raise PlanFileError(f"{self.describe()}: the plan is no longer in this database")
            return row

        with self.session.transaction_on(lock, doing="change an item", wait=wait,
                                         where=f"{self.describe()}, recommendation {number}") as held:
            xid, plan_id, meta, contacts, history, locked = held.row
            self._plan_id, self._plan = plan_id, self._plan or self._wanted
            txn = PgTransaction(held, locked, plan=self._plan, plan_id=plan_id, number=number,
                                meta=meta_from(self.describe(), meta, contacts, history),
                                where=self.describe(), load_plan=self.load_plan)
            yield txn
            if txn.put_record is not None:
                txn.save()
                held.commit(xid)
                self.session.notify(held.conn, self._plan, int(number))

    @contextmanager
    def meta_transaction(self, *, by: str, wait: LockWait | None = None) -> Iterator[PgMetaTransaction]:
        """One change of the plan's contacts (`metachanges`); `by` is not used: the server records
        session_user."""
        self._resolve()
        plan = self.plan_name

        def lock(held) -> tuple:
            return held.run("SELECT pg_current_xact_id()::text, hsp.lock_meta(%s)", [plan]).fetchone()

        with self.session.transaction_on(lock, doing="change the contacts", wait=wait,
                                         where=f"{self.describe()}, the plan's contacts") as held:
            xid, locked = held.row
            txn = PgMetaTransaction(held, locked, plan=plan, where=self.describe())
            yield txn
            if txn.put_meta is not None:
                txn.save()
                held.commit(xid)
                self.session.notify(held.conn, plan, None)

    def check_may_record(self) -> None:
        """Refuse, before any is sent, reminders this database user may not record (a reader)."""
        ((allowed, user),) = self._read("SELECT has_function_privilege("
                                        "'hsp.record_reminder(text, integer, jsonb, text, text)', 'EXECUTE'), "
                                        "session_user::text")
        if not allowed:
            raise RefusedError(f"{redact(self.url)}: your database role ({user}) has no right to record reminders; "
                               "nothing was sent (reminders need the hsp_officer role)")

    def access(self) -> Access:
        """The server, database, user and plan, and what the database lets this user do, asked once
        (`has_function_privilege`; a function this server does not have is left to the server)."""
        def may(signature: str) -> str:
            return f"COALESCE(has_function_privilege(to_regprocedure('hsp.{signature}'), 'EXECUTE'), true)"

        row = self._read("SELECT session_user::text, current_database()::text, "
                         + ", ".join(may(f) for f in ACCESS_FUNCTIONS))[0]
        user, database, change, verify, contacts, remind = row
        return Access("server", server_words(self.url, database), user, self.plan_name,
                      change=change, verify=verify, contacts=contacts, remind=remind)
