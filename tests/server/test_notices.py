"""Notifications are hints (issue 20): anyone who may connect can send on the app's channel, so no
payload, however big, nested or forged, may stop, mislead or overwork an open app; a listener that
fails says so and reconnects."""

from __future__ import annotations

from datetime import date

import psycopg

from hsp_tui.domain.records import Status
from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app
from notices import Notices
from appkit import settled, until

AS_OF = date(2010, 6, 1)
PLAN = "haringey-2010"
ITEM_READ = "FROM hsp.item WHERE plan_id = $1 AND number = ANY"  # some items, by number


def shown_status(app, number: int) -> Status:
    return app.review.item(number).rec.status


class ServerLog:
    """What this database was asked, from the server's own statement log."""

    def __init__(self, cluster, db) -> None:
        cluster.psql(f'ALTER DATABASE "{db}" SET log_statement = \'all\'')
        self.path = cluster.root / "server.log"
        self.mark()

    def mark(self) -> None:
        self.seen = self.path.stat().st_size

    def since(self) -> str:
        with self.path.open("rb") as f:
            f.seek(self.seen)
            return f.read().decode("utf-8", "replace")


def send(url: str, payloads: list[str]) -> None:
    """Each payload on the channel in a transaction of its own, as a reader with psql could."""
    with psycopg.connect(url, autocommit=True) as conn:
        for payload in payloads:
            conn.execute("SELECT pg_notify('hsp_tui', %s)", [payload])


FORGED = [
    "[" * 3000 + "]" * 3000,                               # nested deeper than a JSON parser's stack
    '{"plan":"haringey-2010","number":true}',              # True is an int to Python
    '{"plan":"haringey-2010","number":"2; DROP TABLE x"}',
    '{"plan":"haringey-2010","number":-1}',
    '{"plan":"haringey-2010","number":1e308}',
    '{"plan":"haringey-2010","number":99999}',             # no such item
    '{"plan":"haringey-2010","number":{"a":[1,2,3]}}',
    "x" * 7999,                                            # as long as a payload may be
    "not json at all",
    '{"plan":["haringey-2010"],"number":2}',
] + ['{"plan":"haringey-2010","number":null}'] * 20        # twenty whole-plan notices


async def test_no_payload_stops_misleads_or_reloads_an_open_app(pg_cluster, pg_plan_db):
    log = ServerLog(pg_cluster, pg_plan_db)
    app = build_app(Store(pg_cluster.url(pg_plan_db, "alice")), as_of=AS_OF, user="alice")
    notices = Notices()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        log.mark()
        said = len(notices.said)
        # then a hint naming item 7 (unchanged): read once every notice before it has been heard
        send(pg_cluster.url(pg_plan_db, "bob"), FORGED + ['{"plan":"haringey-2010","number":7}'])
        assert await until(pilot, lambda: ITEM_READ in log.since())
        await settled(pilot)
        asked = log.since()
        assert "hsp_items" not in asked  # the whole plan was never read again because of them
        assert asked.count(ITEM_READ) == 1  # item 7, once (the item 99999 asked with it is not there)
        # a colleague's real change after them all is still heard and shown: the listener lives on
        Store(pg_cluster.url(pg_plan_db, "carol")).set_status(2, Status.BLOCKED, by="ignored")
        assert await until(pilot, lambda: shown_status(app, 2) is Status.BLOCKED)
        await settled(pilot)
        assert app.watcher.connected
        after = notices.said[said:]
        assert all(severity != "error" for severity, _ in after), after  # no false error, no disconnection
        assert after and "No. 2, by carol" in after[-1][1] and "Blocked" in after[-1][1]


async def test_notices_faster_than_the_interval_are_answered_by_one_reread(pg_cluster, pg_plan_db):
    log = ServerLog(pg_cluster, pg_plan_db)
    app = build_app(Store(pg_cluster.url(pg_plan_db, "alice")), as_of=AS_OF, user="alice")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settled(pilot)
        app.watcher.reread_seconds = 3600  # the interval: longer than the test
        log.mark()
        note = '{"plan":"haringey-2010","number":3}'
        send(pg_cluster.url(pg_plan_db, "bob"), [note])
        assert await until(pilot, lambda: ITEM_READ in log.since())  # the first hint: read at once
        await settled(pilot)
        send(pg_cluster.url(pg_plan_db, "bob"), [note] * 30)
        assert await until(pilot, lambda: app.watcher.pending == {3})  # heard, held for the interval
        await settled(pilot)
        assert log.since().count(ITEM_READ) == 1


async def test_a_listener_that_is_cut_off_says_so_and_comes_back(pg_cluster, pg_plan_db):
    app = build_app(Store(pg_cluster.url(pg_plan_db, "alice")), as_of=AS_OF, user="alice")
    notices = Notices()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        pg_cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE usename = 'alice' AND query LIKE 'LISTEN%'", db=pg_plan_db)
        assert await until(pilot, lambda: any("Disconnected" in text for _, text in notices.said))
        assert await until(pilot, lambda: app.watcher.connected)
        assert await until(pilot, lambda: any("Reconnected" in text for _, text in notices.said))
        Store(pg_cluster.url(pg_plan_db, "carol")).set_status(5, Status.BLOCKED, by="ignored")
        assert await until(pilot, lambda: shown_status(app, 5) is Status.BLOCKED)
