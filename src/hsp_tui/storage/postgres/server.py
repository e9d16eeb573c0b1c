"""Plans on a PostgreSQL server (`--db postgresql://...`): the backend for partners on other machines.

The schema (`hsp.sql`, set up by `hsp-tui --db URL init`) keeps many plans in one database.
Reading is plain SELECTs (granted to hsp_reader). A change is one transaction:

    hsp.lock_item(plan, number)   the item and its history, its row locked (FOR UPDATE), and the
                                  time and user its entry will carry (server time, session_user);
                                  the plan's metadata and version in the same statement (`LOCK_SQL`)
    (the command's rules run here, in Python, on the typed record: `commands`)
    hsp.set_status(...) etc.      the same change made by the server's own function, which writes
                                  the item and appends the entry; its entry must equal the one
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
from hsp_tui.domain.model import Plan, PlanMeta, Recommendation
from hsp_tui.storage.contract import Head, PlanInfo
from hsp_tui.storage.postgres.changes import NOT_SAVED, PgTransaction, committed
from hsp_tui.storage.postgres.connect import ServerError, connect, redact, translate
from hsp_tui.storage.postgres.metachanges import META_COLUMNS, META_SQL, check_may_record, meta_from, meta_transaction
from hsp_tui.storage.postgres.rows import HISTORY_COLUMNS, ITEM_COLUMNS, records
from hsp_tui.storage.postgres.install import check_schema

ENV_PLAN = "HSP_TUI_PLAN"
# A change's first statement: the transaction's id (to ask about it if the COMMIT is cut off), the
# plan's id, version and metadata, and the item locked with what its entry will carry.
LOCK_SQL = (f"SELECT pg_current_xact_id()::text, p.id, p.changes, {META_COLUMNS}, hsp.lock_item(p.name, %s) "
            "FROM hsp.plan p WHERE p.name = %s")
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
        self._conn = None
        self._pending: Plan | None = None

    # -- the connection ------------------------------------------------------------------------
    def _connection(self, settle: bool = True):
        """The connection, checked to hold this version's schema on first use; `settle`: the
        checking transaction ended (a change goes on in it instead: one transaction for all)."""
        if self._conn is None or self._conn.closed:
            import psycopg  # noqa: PLC0415

            conn = connect(self.url)
            try:
                _use_orjson(conn)
                check_schema(conn, redact(self.url))
                if settle:
                    conn.rollback()
            except psycopg.Error as exc:
                conn.close()
                raise translate(exc, self.url) from None
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def _run(self, conn, sql: str, args: list[Any] | None, doing: str = "", lost: str = ""):
        """Execute on `conn`; a driver error becomes the user's one-line error (`lost` is added when
        the connection was lost, e.g. "; nothing was saved")."""
        import psycopg  # noqa: PLC0415

        try:
            return conn.execute(sql, args)
        except psycopg.Error as exc:
            raise self._failed(conn, exc, doing, lost) from None

    def _failed(self, conn, exc: Exception, doing: str, lost: str) -> Exception:
        """The user's error for a driver error on `conn` (a connection or one of its cursors)."""
        error = translate(exc, self.url, doing)
        conn = getattr(conn, "connection", conn)
        if conn.closed or conn.broken:
            self._conn = None
            if lost and isinstance(error, ServerError):
                error = ServerError(f"{error}{lost}")
        return error

    def _with_connection(self, work: Callable[[Any], Any], settle: bool = True) -> Any:
        """`work(conn)`, again on a new connection if the one kept had died while idle (the server
        restarted, the session was ended): only for work that changes nothing until it is done."""
        reused = self._conn is not None and not self._conn.closed
        try:
            return work(self._connection(settle))
        except ServerError:
            if not reused or self._conn is not None:
                raise
            return work(self._connection(settle))

    def _read(self, sql: str, args: list[Any] | None = None):
        def work(conn):
            try:
                return self._run(conn, sql, args).fetchall()
            finally:
                if not conn.closed:
                    conn.rollback()  # reads hold no transaction open between calls

        return self._with_connection(work)

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

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
        return self._with_connection(lambda conn: self._item_rows(conn, where, args))

    def _item_rows(self, conn, where: str, args: list[Any]) -> list[Recommendation]:
        """The items `where` says, with their history, as records. A whole plan (no `where`) comes
        through server-side cursors, a batch at a time, made records as it comes (`pgread`)."""
        try:
            # one snapshot for the items and their history (a change between the two is seen by neither)
            self._run(conn, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", None)
            item_sql = f"SELECT {ITEM_COLUMNS} FROM hsp.item WHERE plan_id = %s {where} ORDER BY number"
            history_sql = f"SELECT {HISTORY_COLUMNS} FROM hsp.history WHERE plan_id = %s {where} ORDER BY number, id"
            if where:
                items = self._run(conn, item_sql, [self._plan_id, *args]).fetchall()
                history = self._run(conn, history_sql, [self._plan_id, *args]).fetchall()
                return self._records(items, history)
            with conn.cursor(name="hsp_items") as items, conn.cursor(name="hsp_history") as history:
                items.itersize = history.itersize = 2000
                self._run(items, item_sql, [self._plan_id])
                self._run(history, history_sql, [self._plan_id])
                return self._records(self._rows(conn, items), self._rows(conn, history))
        finally:
            if not conn.closed:
                conn.rollback()

    def _records(self, items, history) -> list[Recommendation]:
        try:
            return list(records(items, history))
        except (InputError, KeyError, TypeError, ValueError, AttributeError) as exc:
            raise PlanFileError(f"{self.describe()}: a record is damaged ({type(exc).__name__}: {exc})") from None

    def _rows(self, conn, cursor):
        """The rows of a server-side cursor as they are fetched; a lost connection as `_run` says it."""
        import psycopg  # noqa: PLC0415

        try:
            yield from cursor
        except psycopg.Error as exc:
            raise self._failed(conn, exc, "", "") from None

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
        """(the plan's id, its change counter): every change adds one, in the order they commit; a
        plan replaced by its owner is a new plan with a new id."""
        rows = self._read("SELECT id, changes FROM hsp.plan WHERE name = %s", [self.plan_name])
        if not rows:
            self._plan = None
            raise PlanFileError(f"{self.describe()}: the plan is no longer in this database")
        return (rows[0][0], rows[0][1])

    def listener(self, on_change, on_state):
        """A `pglisten.Listener` for this plan: colleagues' changes as they commit (for the app)."""
        from hsp_tui.storage.postgres.listen import Listener  # noqa: PLC0415

        return Listener(self.url, self.plan_name, on_change, on_state)

    def plans(self) -> list[PlanInfo]:
        return [PlanInfo(name, str((meta or {}).get("title") or name))
                for name, meta in self._read("SELECT name, meta FROM hsp.plan ORDER BY name")]

    def for_plan(self, name: str) -> "PostgresBackend":
        """Another plan of the same database (on a connection of its own)."""
        return PostgresBackend(self.url, plan=name, env={})

    # -- whole plans ---------------------------------------------------------------------------
    def _new_name(self, plan: Plan) -> str:
        if self._wanted is not None:
            return self._wanted
        slug = "-".join("".join(c if c.isalnum() else " " for c in plan.meta.title.lower()).split())
        return slug[:60] or "plan"

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
        conn = self._connection()
        try:
            self._run(conn, "SELECT hsp.add_plan(%s, %s, %s, %s, %s)",
                      [name, Jsonb(plan.meta.to_dict()), Jsonb(items), action, note], "add a plan",
                      "; the plan was NOT added")
            self._commit(conn, "add a plan")
        finally:
            if not conn.closed:
                conn.rollback()
        self._wanted, self._plan = name, None
        self._resolve()
        return True

    def replace(self, plan: Plan) -> str | None:
        """The whole plan replaced (import --replace): for the database's owner only, since it
        removes history (officers are refused by the database). Nothing is kept: back up with pg_dump."""
        from psycopg.types.json import Jsonb  # noqa: PLC0415

        self._resolve()
        name = self.plan_name
        conn = self._connection()
        try:
            for sql in ("DELETE FROM hsp.history WHERE plan_id = %s", "DELETE FROM hsp.item WHERE plan_id = %s",
                        "DELETE FROM hsp.contact WHERE plan_id = %s", "DELETE FROM hsp.plan_history WHERE plan_id = %s",
                        "DELETE FROM hsp.plan WHERE id = %s"):
                self._run(conn, sql, [self._plan_id], "replace a whole plan",
                          "; nothing was changed")
            self._run(conn, "SELECT hsp.add_plan(%s, %s, %s, NULL, NULL)",
                      [name, Jsonb(plan.meta.to_dict()), Jsonb([r.to_dict() for r in plan.recommendations])],
                      "replace the plan", "; nothing was changed")
            self._commit(conn, "replace the plan")
        finally:
            if not conn.closed:
                conn.rollback()
        self._plan = None
        self._resolve()
        return None

    # -- one change ----------------------------------------------------------------------------
    @contextmanager
    def transaction(self, number: int, *, by: str) -> Iterator[PgTransaction]:
        """`by` is not used: the server records its authenticated user (see `PgTransaction.stamp`).

        One transaction, on a new connection too (its schema check is the transaction's first
        statements): the plan's id, version and metadata with the item locked (`LOCK_SQL`; the
        plans' names first only where no plan was named), then at the end of the block the
        change and the new version, COMMIT."""

        def begin(conn):
            try:
                if self._plan is None and self._wanted is None:
                    self._resolve([(r[0], r[1]) for r in self._run(
                        conn, "SELECT id, name FROM hsp.plan ORDER BY name", None, "change an item", NOT_SAVED)])
                name = self._plan or self._wanted
                row = self._run(conn, LOCK_SQL, [int(number), name], "change an item", NOT_SAVED).fetchone()
            except BaseException:
                if not conn.closed:
                    conn.rollback()
                raise
            if row is None:  # no such plan (any more): said as a read says it
                conn.rollback()
                self._plan = None
                self._resolve()
                raise PlanFileError(f"{self.describe()}: the plan is no longer in this database")
            return conn, row

        conn, (xid, plan_id, changes, meta, contacts, history, locked) = self._with_connection(begin, settle=False)
        self._plan_id, self._plan = plan_id, self._plan or self._wanted
        try:
            txn = PgTransaction(self, conn, number, meta_from(self.describe(), meta, contacts, history),
                                (plan_id, changes), locked)
            yield txn
            if txn.put_record is not None:
                txn._save()
                self._commit(conn, "save the change", xid)
        finally:
            if not conn.closed:
                conn.rollback()  # nothing put, or an error: nothing saved

    def check_may_record(self) -> None:
        check_may_record(self)

    def meta_transaction(self, *, by: str):
        """One change of the plan's contacts (`pgmeta`); `by` is not used: the server records session_user."""
        return meta_transaction(self)

    def _commit(self, conn, doing: str, xid: str | None = None) -> None:
        import psycopg  # noqa: PLC0415

        pid = conn.info.backend_pid
        try:
            conn.commit()
        except psycopg.Error as exc:
            self._conn = None
            saved = committed(self.url, xid, pid) if xid is not None else None
            if saved is True:
                return  # committed: only the reply was lost
            error = translate(exc, self.url)
            raise ServerError(f"{error}; the change was {'NOT saved' if saved is False else 'perhaps not saved'}") \
                from None

def _use_orjson(conn) -> None:
    import orjson  # noqa: PLC0415
    from psycopg.types.json import set_json_loads  # noqa: PLC0415

    set_json_loads(orjson.loads, conn)
