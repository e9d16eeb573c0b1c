"""The app on a server, for the people using it (issue 20): the header says where the plan is and
who is working on it, Help describes the server, the keys offered are the ones the database lets
this user use (said before any dialog opens), and a note whose save failed is kept."""

from __future__ import annotations

from datetime import date

import pytest

from hsp_tui.domain.records import Status
from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app
from hsp_tui.tui.screens.help import HelpScreen
from hsp_tui.tui.screens.main import MainScreen
from hsp_tui.tui.screens.note import NoteScreen
from hsp_tui.tui.widgets.footer import HspFooter
from notices import Notices
from appkit import header_text, settled, until

AS_OF = date(2010, 6, 1)


def footer_words(app) -> list[str]:
    return [description for _, description, _ in app.main.query_one(HspFooter).entries]


def app_for(cluster, db, user):
    return build_app(Store(cluster.url(db, user)), as_of=AS_OF, user="os-login-name")


async def test_the_header_names_the_server_user_and_plan_and_help_describes_the_server(pg_cluster, pg_plan_db):
    app = app_for(pg_cluster, pg_plan_db, "alice")
    async with app.run_test(size=(200, 40)) as pilot:
        await settled(pilot)
        header = header_text(app)
        assert f"{pg_cluster.socket_dir}, database {pg_plan_db} · alice · plan haringey-2010" in header
        await pilot.press("question_mark")
        assert await until(pilot, lambda: isinstance(app.screen, HelpScreen))
        help_text = app.screen.query_one("#help-text").content.plain
        assert "saved on the server" in help_text and "under your database user alice" in help_text
        assert "to the file" not in help_text and "file is re-read" not in help_text


async def test_a_reader_is_offered_no_change_and_told_before_any_dialog(pg_cluster, pg_plan_db):
    app = app_for(pg_cluster, pg_plan_db, "bob")
    notices = Notices()
    async with app.run_test(size=(200, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        await until(pilot, lambda: footer_words(app))
        words = footer_words(app)
        assert "Help" in words and "Filter" in words and "Export" in words
        assert not {"Status", "Note", "Edit", "Milestone", "Undo"} & set(words)
        for key, needs in (("n", "hsp_officer"), ("e", "hsp_officer"), ("m", "hsp_officer"), ("v", "hsp_auditor")):
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, MainScreen), key  # no dialog opened
            assert "(bob)" in notices.said[-1][1] and needs in notices.said[-1][1]


async def test_an_officer_is_told_a_verdict_is_the_auditors_before_the_dialog(pg_cluster, pg_plan_db):
    Store(pg_cluster.url(pg_plan_db, "alice")).set_status(6, Status.DONE, by="ignored")
    app = app_for(pg_cluster, pg_plan_db, "alice")
    notices = Notices()
    async with app.run_test(size=(200, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        assert "Note" in footer_words(app)  # an officer's keys are all there
        app.main.table.go_to(6)
        await pilot.press("v")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)
        assert notices.said[-1][1] == ("Your database role (alice) may not record the auditor's verdict: that "
                                       "needs the hsp_auditor role")
    app = app_for(pg_cluster, pg_plan_db, "carol")
    async with app.run_test(size=(200, 40)) as pilot:
        await settled(pilot)
        app.main.table.go_to(6)
        await pilot.press("v")
        assert await until(pilot, lambda: not isinstance(app.screen, MainScreen))  # the auditor's dialog


@pytest.fixture
def frank(pg_cluster, pg_people):
    """An officer of this test's own (his rights are taken away during the test)."""
    pg_cluster.psql("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'frank') THEN "
                    "CREATE ROLE frank LOGIN; END IF; END $$; GRANT hsp_officer TO frank")
    yield "frank"
    pg_cluster.psql("REVOKE hsp_officer FROM frank")


async def test_a_note_whose_save_is_refused_is_kept_and_offered_again(pg_cluster, pg_plan_db, frank):
    app = app_for(pg_cluster, pg_plan_db, frank)
    notices = Notices()
    text = "Met the PCT on 3 June; draft protocol agreed"
    async with app.run_test(size=(200, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        app.main.table.go_to(3)
        pg_cluster.psql("REVOKE hsp_officer FROM frank")  # after start: the save itself is refused
        await pilot.press("n")
        assert await until(pilot, lambda: isinstance(app.screen, NoteScreen))
        await pilot.press(*text)
        await pilot.press("enter")
        await settled(pilot)
        said = notices.said[-1][1]
        assert said.startswith("Not saved:") and "n on No. 3 offers it again" in said
        assert "function" not in said and "lock_item" not in said
        pg_cluster.psql("GRANT hsp_officer TO frank")
        await pilot.press("n")
        assert await until(pilot, lambda: isinstance(app.screen, NoteScreen))
        assert app.screen.query_one("#note-text").value == text  # as typed
        await pilot.press("enter")
        await settled(pilot)
        assert notices.said[-1][1].startswith("Saved.")
        await pilot.press("n")  # saved: the box is empty again
        assert await until(pilot, lambda: isinstance(app.screen, NoteScreen))
        assert app.screen.query_one("#note-text").value == ""
    notes = [h.note for h in Store(pg_cluster.url(pg_plan_db, "bob")).load().get(3).history if h.action == "note"]
    assert notes == [text]
