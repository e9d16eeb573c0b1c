"""The app re-reads a plan file swapped for one built to exhaust the reader: it keeps the last good copy.

(Before: a file nested 100,000 deep crashed the app with a RecursionError when it re-read it.)
"""

from __future__ import annotations

from tuikit import Notices, last_notice, on_disk, settled, table_rows


async def test_a_file_nested_100000_deep_is_refused_on_reload(make_app, plan_path):
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await pilot.pause()
        rows = table_rows(app.main.table)
        assert rows
        plan_path.write_bytes(b'{"meta":' * 100_000 + b"1" + b"}" * 100_000)
        app.check_file()  # what the poll timer runs every second
        await pilot.pause()
        assert "Cannot re-read the file" in last_notice(notices) and "nested deeper" in last_notice(notices)
        assert table_rows(app.main.table) == rows  # still the last good copy, the app still running


async def test_a_skipped_backup_is_told_in_the_app(make_app, plan_path):
    """A colleague made a folder at the backup's name: the app's save goes on, the backup is skipped,
    and the app says so in a notice (the command line says it on stderr)."""
    plan_path.with_name("plan.json.bak").mkdir()
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await pilot.press("2")  # on No. 1: in progress
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "in_progress"
        assert "plan.json.bak: the backup was not updated (it is a folder)" in "\n".join(text for _, text in notices.said)
