"""The app on a server, as officers see it (issue 20), driven by Pilot against a real PostgreSQL:
- a change made from psql (hsp.* called directly) sends no notification (only hsp-tui's do, after
  their COMMIT, so that a full notification queue never blocks a commit), yet an open app catches up
  with it: its watcher looks at the server's change token while the listener is quiet;
- a verdict that came with an import shows as "Verified (imported)" in the table's Status column
  (as in show, the detail, list and the report) until an auditor here confirms it."""

from __future__ import annotations

from datetime import date

import pytest

from hsp_tui.domain.records import Status
from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app
from hsp_tui.tui.widgets.rectable import RecTable
from notices import Notices
from test_notices import ServerLog
from appkit import settled, until
from test_hostile import META, add_plan_sql, forged_item

# Reviewed as of today: a change made today is part of the plan as it stands (a past review date
# shows the plan as it stood then).
TODAY = date.today()
PLAN = "haringey-2010"


def status_cell(app, number: int) -> str:
    table = app.main.query_one(RecTable)
    return table.get_row_at(table.items.index(app.review.item(number)))[5].plain.strip()


@pytest.mark.slow  # waits for the app's look after a quiet interval; a notice's change: the last test here
async def test_a_note_added_from_psql_appears_in_an_open_app(pg_cluster, pg_plan_db):
    app = build_app(Store(pg_cluster.url(pg_plan_db, "alice")), as_of=TODAY, user="alice")
    notices = Notices()
    async with app.run_test(size=(160, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        assert app.watcher.connected
        pg_cluster.psql(f"SELECT hsp.add_note('{PLAN}', 3, 'typed in psql by carol')", db=pg_plan_db, user="carol")
        assert await until(pilot, lambda: app.review.item(3).rec.latest_note == "typed in psql by carol", tries=3000)
        assert await until(pilot, lambda: any("No. 3" in text and "carol" in text for _, text in notices.said))
        # and a status set from psql too, on another item (the next look after a quiet interval)
        pg_cluster.psql(f"SELECT hsp.set_status('{PLAN}', 5, 'blocked', 'from psql')", db=pg_plan_db, user="carol")
        assert await until(pilot, lambda: app.review.item(5).rec.status is Status.BLOCKED, tries=3000)
        assert status_cell(app, 5) == "Blocked"


async def test_an_imported_verdict_shows_as_such_in_the_table_until_an_auditor_here_confirms_it(pg_cluster, pg_plan_db):
    pg_cluster.psql(add_plan_sql("forged", META, [forged_item(1), forged_item(2)]), db=pg_plan_db, user="alice")
    # in full where the table has room; in its one letter, lower-case, on 80 columns
    for size, words in (((80, 24), "v"), ((200, 40), "Verified (imported)")):
        app = build_app(Store(pg_cluster.url(pg_plan_db, "bob"), plan="forged"), as_of=TODAY, user="bob")
        async with app.run_test(size=size) as pilot:
            await settled(pilot)
            assert status_cell(app, 1) == words and status_cell(app, 2) == words
            if size[0] == 80:
                assert status_cell(app, 1) != "V"  # never the letter of the auditor's verdict
                continue
            # carol, an auditor here, confirms item 1 from psql: the open app shows it Verified
            pg_cluster.psql("SELECT hsp.verify('forged', 1, true, 'seen the minutes')", db=pg_plan_db, user="carol")
            assert await until(pilot, lambda: status_cell(app, 1) == "Verified", tries=3000)
            assert status_cell(app, 2) == "Verified (imported)"


async def test_a_colleagues_change_told_by_its_notice_is_not_read_again_whole(pg_cluster, pg_plan_db):
    # The looks at the change counter find it accounted for: only the item was read, never the plan.
    log = ServerLog(pg_cluster, pg_plan_db)
    app = build_app(Store(pg_cluster.url(pg_plan_db, "alice")), as_of=TODAY, user="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        # No look while the change and its notice are on their way: a look between carol's commit and
        # the notice's arrival (seconds apart on a loaded machine) finds the counter moved with nothing
        # heard yet and rightly reads the plan whole; the test is about the looks once it is heard.
        app.watcher.server_poll_seconds = 3600
        log.mark()
        Store(pg_cluster.url(pg_plan_db, "carol")).set_status(4, Status.BLOCKED, by="ignored", note="waiting")
        assert await until(pilot, lambda: app.review.item(4).rec.status is Status.BLOCKED)
        app.watcher.server_poll_seconds = 0.5  # now look often: several looks within the test
        for _ in range(2):  # two looks at the counter after the change was shown
            before = app.watcher.looked_at
            assert await until(pilot, lambda: app.watcher.looked_at > before, tries=3000)
        await settled(pilot)
        assert "hsp_items" not in log.since()
        # a psql change after it is still caught up with (read whole once)
        pg_cluster.psql(f"SELECT hsp.add_note('{PLAN}', 6, 'from psql')", db=pg_plan_db, user="carol")
        assert await until(pilot, lambda: app.review.item(6).rec.latest_note == "from psql", tries=3000)
        assert "hsp_items" in log.since()
