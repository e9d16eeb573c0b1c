"""The app under a hostile colleague: a plan file swapped for one built to exhaust the reader (it keeps
the last good copy; before, a file nested 100,000 deep crashed it), a trap at the backup's name (the
save goes on, a notice says the backup was skipped), a link planted at an export's name (refused).
"""

from __future__ import annotations

import os

import pytest

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


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="a link owned by another user needs root")
async def test_the_export_dialog_refuses_a_colleagues_planted_link(make_app, tmp_path):
    """In a folder others may write, a link a colleague (uid 2003) made at the export's name, to a
    file of the user's: `x`, Enter says so at once (never "exists: press again to replace it"), a
    second Enter too, and the file the link points to is never written."""
    team = tmp_path / "team"
    team.mkdir()
    os.chmod(team, 0o2777)
    keys = tmp_path / "authorized_keys"
    keys.write_bytes(b"ssh-ed25519 AAAA me\n")
    target = team / "export.csv"
    os.symlink(keys, target)
    os.lchown(target, 2003, 3103)
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await settled(pilot)
        await pilot.press("x")
        await pilot.pause()
        app.screen.query_one("#export-format").value = "csv"
        app.screen.query_one("#export-path").value = str(target)
        for _ in range(2):
            await pilot.press("enter")
            await settled(pilot)
            said = str(app.screen.query_one("#export-error").render())
            assert "symbolic link made by" in said and "exists" not in said, said
    assert keys.read_bytes() == b"ssh-ed25519 AAAA me\n" and target.is_symlink()
