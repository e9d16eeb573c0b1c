"""A plan file the user may not write (chmod 444, a colleague's file shared read-only): the app says
so in its header and leaves the change keys out of the footer at once, as it does for a reader on a
server, instead of offering every key and refusing each change only when it is saved."""

from __future__ import annotations

import os

from textual.widgets import Input

from hsp_tui.storage.file.jsonfile import JsonFileBackend

from test_polish import footer_keys
from tuikit import Notices, last_notice, plain, settled


def test_a_read_only_plan_file_allows_no_change_and_a_writable_one_every_change(plan_path):
    assert JsonFileBackend(plan_path).access().change
    os.chmod(plan_path, 0o444)
    access = JsonFileBackend(plan_path).access()
    assert not (access.change or access.verify or access.contacts or access.remind)


async def test_the_app_on_a_read_only_plan_file_says_so_and_offers_no_change_key(make_app, plan_path):
    os.chmod(plan_path, 0o444)
    before = plan_path.read_bytes()
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await settled(pilot)
        assert "read-only file" in plain(app.main.query_one("#header"))
        shown = footer_keys(app)
        assert ("1-5", "Status") not in shown and ("n", "Note") not in shown
        assert ("x", "Export") in shown and ("q", "Quit") in shown
        await pilot.press("2")
        await settled(pilot)
        said = last_notice(notices)
        assert said.startswith("This plan file is read-only for you"), said
        assert "database role" not in said
        await pilot.press("c")  # the contacts are shown, read-only
        await settled(pilot)
        assert "(read-only)" in str(app.screen.query_one(".dialog").border_title)
        assert app.screen.query_one("#contacts-sponsor", Input).disabled
    assert plan_path.read_bytes() == before


async def test_the_app_on_a_writable_plan_file_offers_the_change_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        assert "read-only" not in plain(app.main.query_one("#header"))
        assert ("1-5", "Status") in footer_keys(app)
