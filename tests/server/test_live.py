"""The app on a server: a colleague's change shows by itself (LISTEN/NOTIFY, only that item re-read);
the server going away is said, the last state kept, changes refused with a notice; back, it re-reads."""

from __future__ import annotations

from datetime import date

import pytest

from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
from hsp_tui.domain.records import Status
from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app
from notices import Notices
from pgharness import OWNER, destroy, seed_data, start_cluster
from appkit import header_text, settled, until

AS_OF = date(2010, 6, 1)


def shown_status(app, number: int) -> Status:
    return app.review.item(number).rec.status


async def test_a_colleagues_change_shows_by_itself_and_only_that_item_is_read(pg_cluster, pg_plan_db):
    # What the app asks the server is read from the server's own log of this database's statements.
    pg_cluster.psql(f'ALTER DATABASE "{pg_plan_db}" SET log_statement = \'all\'')
    log = pg_cluster.root / "server.log"
    store = Store(pg_cluster.url(pg_plan_db, "alice"))
    colleague = Store(pg_cluster.url(pg_plan_db, "carol"))
    app = build_app(store, as_of=AS_OF, user="alice")
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settled(pilot)
        assert app.watcher.connected
        app.main.table.go_to(7)
        seen = log.stat().st_size
        colleague.set_status(4, Status.BLOCKED, by="ignored", note="waiting for the PCT")
        assert await until(pilot, lambda: shown_status(app, 4) is Status.BLOCKED)
        with log.open("rb") as f:
            f.seek(seen)
            asked = f.read().decode("utf-8", "replace")
        # that item only (one indexed read of the numbers heard), never the whole plan
        assert "FROM hsp.item WHERE plan_id = $1 AND number = ANY($2)" in asked
        assert "hsp_items" not in asked and "ORDER BY number LIMIT" not in asked
        assert app.main.table.current_number == 7  # the cursor stays where the officer left it
        # the officer's own change goes through the server, under their own name
        await pilot.press("2")
        await settled(pilot)
        assert store.load().get(7).history[-1].by == "alice"


@pytest.fixture
def lone_cluster(pg_bindir):
    cluster = start_cluster(pg_bindir)
    try:
        cluster.psql("CREATE ROLE hsp_reader NOLOGIN; CREATE ROLE hsp_officer NOLOGIN IN ROLE hsp_reader; "
                     "CREATE ROLE hsp_auditor NOLOGIN IN ROLE hsp_officer; CREATE ROLE alice LOGIN IN ROLE hsp_officer")
        db = cluster.create_database()
        conn = pgconnect.connect(cluster.url(db, OWNER))
        try:
            pgschema.install(conn, seed=seed_data)
        finally:
            conn.close()
        yield cluster, db
    finally:
        destroy(cluster)


@pytest.mark.slow
async def test_the_server_going_away_and_coming_back(lone_cluster):
    cluster, db = lone_cluster
    store = Store(cluster.url(db, "alice"))
    app = build_app(store, as_of=AS_OF, user="alice")
    notices = Notices()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        before = [i.rec for i in app.review.items]
        cluster.stop()
        try:
            assert await until(pilot, lambda: not app.watcher.connected)
            assert await until(pilot, lambda: any("Disconnected" in text for _, text in notices.said))
            app.clear_notifications()  # the notice fades; the header says it until the server is back
            assert "DISCONNECTED from the server" in header_text(app)
            assert [i.rec for i in app.review.items] == before  # the last state stays on screen
            app.main.table.go_to(3)
            await pilot.press("4")  # Done: refused, not queued
            await pilot.pause(0.2)
            assert "disconnected" in notices.said[-1][1].lower() and "Not saved" in notices.said[-1][1]
            assert shown_status(app, 3) is Status.NOT_STARTED
        finally:
            cluster.start()
        assert await until(pilot, lambda: app.watcher.connected, tries=1500)
        await settled(pilot)
        assert any("Reconnected" in text for _, text in notices.said)
        assert "DISCONNECTED" not in header_text(app) and "alice · plan haringey-2010" in header_text(app)
        # nothing was queued: item 3 is as it was, and a change now works
        assert Store(cluster.url(db, "alice")).load().get(3).status is Status.NOT_STARTED
        await pilot.press("4")
        await settled(pilot)
        assert Store(cluster.url(db, "alice")).load().get(3).status is Status.DONE
        assert shown_status(app, 3) is Status.DONE


async def test_a_reader_in_the_app_is_told_a_change_is_not_theirs_to_make(pg_cluster, pg_plan_db):
    store = Store(pg_cluster.url(pg_plan_db, "bob"))
    app = build_app(store, as_of=AS_OF, user="bob")
    notices = Notices()
    async with app.run_test(size=(120, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        app.main.table.go_to(2)
        await pilot.press("4")
        await settled(pilot)
        # said before anything is tried (the database was asked once, at start, what bob may do)
        assert notices.said[-1][1] == ("Your database role (bob) may read this plan only: changes need the "
                                       "hsp_officer role")
        assert shown_status(app, 2) is Status.NOT_STARTED
    assert Store(pg_cluster.url(pg_plan_db, "bob")).load().get(2).status is Status.NOT_STARTED
