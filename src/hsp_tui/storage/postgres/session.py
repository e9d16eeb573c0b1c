"""The backend's session with the server: its one connection, how a statement's failure is told to
the user, and the one shape of a change's transaction (`transaction_on`), which the item's and the
plan's own transactions (`changes`, `metachanges`) both use.

A connection found dead while idle (the server restarted, the session was ended) is replaced for
work that changes nothing until it is done (`with_connection`). A connection lost during COMMIT
is settled by asking, on a new connection, whether the transaction's id committed (`committed`).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Any, Callable, Iterator

from hsp_tui.domain.errors import BusyError, HspError
from hsp_tui.storage.contract import LockBusy, LockWait, LockWaitCancelled
from hsp_tui.storage.postgres.connect import LOCK_WAIT_SECONDS, ServerError, connect, redact, translate
from hsp_tui.storage.postgres.install import check_schema

NOT_SAVED = "; the change was NOT saved"
LOCK_POLL = 0.25  # seconds: how often a change waiting for a row's lock asks whether to stop waiting


class Held:
    """One change's transaction, what it locked held until it ends (see `Session.transaction_on`)."""

    def __init__(self, session: "Session", conn, doing: str) -> None:
        self.session, self.conn, self.doing = session, conn, doing
        self.row: tuple = ()  # what the statement that began the change answered

    def run(self, sql: str, args: list[Any] | None = None):
        """Execute in this transaction; an error says that the change was not saved."""
        return self.session.run(self.conn, sql, args, self.doing, NOT_SAVED)

    def commit(self, xid: str | None) -> None:
        """COMMIT; `xid` (the transaction's id) settles whether it was saved if the reply is lost."""
        self.session.commit(self.conn, "save the change", xid)


class Session:
    """The connection to the server at `url` (made when first needed, checked to hold this
    version's schema), and the statements run on it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn = None

    def connection(self, settle: bool = True):
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

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def run(self, conn, sql: str, args: list[Any] | None = None, doing: str = "", lost: str = ""):
        """Execute on `conn` (a connection or a cursor); a driver error becomes the user's one-line
        error (`lost` is added when the connection was lost, e.g. "; nothing was saved")."""
        import psycopg  # noqa: PLC0415

        try:
            return conn.execute(sql, args)
        except psycopg.Error as exc:
            raise self.failed(conn, exc, doing, lost) from None

    def failed(self, conn, exc: Exception, doing: str = "", lost: str = "") -> Exception:
        """The user's error for a driver error on `conn` (a connection or one of its cursors)."""
        error = translate(exc, self.url, doing)
        conn = getattr(conn, "connection", conn)
        if conn.closed or conn.broken:
            self._conn = None
            if lost and isinstance(error, ServerError):
                error = ServerError(f"{error}{lost}")
        return error

    def rows(self, conn, cursor) -> Iterator[Any]:
        """The rows of a server-side cursor as they are fetched; a lost connection as `run` says it."""
        import psycopg  # noqa: PLC0415

        try:
            yield from cursor
        except psycopg.Error as exc:
            raise self.failed(conn, exc) from None

    def with_connection(self, work: Callable[[Any], Any], settle: bool = True) -> Any:
        """`work(conn)`, again on a new connection if the one kept had died while idle (the server
        restarted, the session was ended): only for work that changes nothing until it is done."""
        reused = self._conn is not None and not self._conn.closed
        try:
            return work(self.connection(settle))
        except ServerError:
            if not reused or self._conn is not None:
                raise
            return work(self.connection(settle))

    def read(self, sql: str, args: list[Any] | None = None) -> list[Any]:
        """The rows of a query (no transaction is left open between reads)."""
        def work(conn):
            try:
                return self.run(conn, sql, args).fetchall()
            finally:
                if not conn.closed:
                    conn.rollback()

        return self.with_connection(work)

    def commit(self, conn, doing: str, xid: str | None = None) -> None:
        """COMMIT; when the connection is lost meanwhile, whether transaction `xid` was saved decides
        between success and an error saying so."""
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

    def notify(self, conn, plan: str | None, number: int | None) -> None:
        """Tell listening apps (NOTIFY hsp_tui), after a change committed, in a transaction of its
        own: a hint, best-effort. A full or abused notification queue fails only this, never the
        change (saved already: the change functions queue no notification in their transaction);
        the apps catch up on their next read."""
        import json  # noqa: PLC0415

        import psycopg  # noqa: PLC0415

        if conn.closed or plan is None:
            return
        try:
            conn.autocommit = True  # one statement, no BEGIN/COMMIT around it
            conn.execute("SELECT pg_notify('hsp_tui', %s)", [json.dumps({"plan": plan, "number": number})])
        except psycopg.Error:
            pass
        finally:
            if not conn.closed:
                try:
                    conn.autocommit = False
                except psycopg.Error:
                    pass

    @contextmanager
    def transaction_on(self, lock: Callable[[Held], tuple], *, doing: str, where: str,
                       wait: LockWait | None = None) -> Iterator[Held]:
        """One change's transaction, the item's and the plan's own alike: `lock(held)` runs the
        statements that begin it (the last locks what the change will change, e.g. hsp.lock_item)
        and returns their answer (`held.row`), waiting for someone else's lock as `wait` says
        (None: as the server lets it). The block then works in `held` and calls `held.commit(xid)`
        to save; leaving it otherwise saves nothing (rolled back). On a new connection the schema
        check is the transaction's first statements. `where` names what is locked, for people."""
        def begin(conn) -> Held:
            held = Held(self, conn, doing)
            try:
                held.row = self._locked(held, lock, where, wait)
            except BaseException:
                if not conn.closed:
                    conn.rollback()
                raise
            return held

        held = self.with_connection(begin, settle=False)
        try:
            yield held
        finally:
            if not held.conn.closed:
                held.conn.rollback()  # not committed: nothing saved

    def _locked(self, held: Held, lock: Callable[[Held], tuple], where: str, wait: LockWait | None) -> tuple:
        """`lock(held)`; with a `wait`, in steps of at most LOCK_POLL seconds (the server's
        lock_timeout, for this transaction only) until the lock comes, the time is up (LockBusy) or
        `wait.cancelled()` (LockWaitCancelled), rolling back between steps; the rest of the change
        then waits as the server's own setting says."""
        if wait is None or wait.timeout is None:  # as long as the session's lock_timeout (`connect`)
            try:
                return lock(held)
            except BusyError:
                raise LockBusy(f"{where}: being changed by another session (locked for over {LOCK_WAIT_SECONDS} s); "
                               "nothing was saved (try again when it has finished)", "another session") from None
        start, told = time.monotonic(), False
        while True:
            left = wait.timeout - (time.monotonic() - start)
            step = max(1, int(1000 * min(left, LOCK_POLL)))  # 0 would mean no limit at all
            (before,) = held.run("SELECT current_setting('lock_timeout')").fetchone()
            held.run("SELECT set_config('lock_timeout', %s, true)", [f"{step}ms"])
            try:
                row = lock(held)
            except BusyError:  # the step ran out (55P03)
                held.conn.rollback()
            else:
                held.run("SELECT set_config('lock_timeout', %s, true)", [before])
                return row
            who = "another user of the server"
            if time.monotonic() - start >= wait.timeout:
                waited = f"{wait.timeout:.0f}s" if wait.timeout >= 1 else "a moment"
                raise LockBusy(f"{where}: {who} has held the lock for over {waited} (a change under way); "
                               "nothing was saved (try again when it has finished)", who)
            if wait.cancelled is not None and wait.cancelled():
                raise LockWaitCancelled(f"{where}: stopped waiting for the lock (held by {who}); nothing was saved")
            if not told and wait.on_wait is not None:
                told = True
                wait.on_wait(who)


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


def _use_orjson(conn) -> None:
    import orjson  # noqa: PLC0415
    from psycopg.types.json import set_json_loads  # noqa: PLC0415

    set_json_loads(orjson.loads, conn)
