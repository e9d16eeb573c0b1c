"""An auditor in the app: v on a done item, accept or reject (with a reason), u undoes the verdict."""

from __future__ import annotations

from tuikit import Notices, cursor_row, detail_text, last_notice, on_disk, settled


async def test_auditor_accepts_a_done_item_with_v_and_undoes_it_with_u(make_app, store, plan_path):
    from textual.widgets import Label

    store.set_status(1, "done", by="officer", note="Conference held 28 May")
    app = make_app(user="auditor")
    notices = Notices()
    async with app.run_test(size=(140, 40), message_hook=notices) as pilot:
        await settled(pilot)
        assert cursor_row(app)[5] == "Done"
        assert "Done, awaiting verification" in detail_text(app)
        await pilot.press("v")
        await pilot.pause()
        words = " ".join(str(label.render()) for label in app.screen.query(Label))
        # the evidence claimed: the officer's note, who and when, and the item's recent history
        assert "Officer’s note (officer, 1 Jun 2010): Conference held 28 May" in words
        assert "Recent history:" in words and "status Not started -> Done" in words
        await pilot.click("#verify-accept")
        await pilot.pause()
        assert "needs your note" in str(app.screen.query_one("#verify-error").render())  # accepting too
        assert on_disk(plan_path, 1)["status"] == "done"
        await pilot.press(*"Minutes seen")
        await pilot.click("#verify-accept")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "verified"
        assert on_disk(plan_path, 1)["history"][-1]["by"] == "auditor"
        assert cursor_row(app)[5] == "Verified"
        assert "verified (accepted)" in last_notice(notices)
        assert "Verified" in detail_text(app) and "verified: accepted by the auditor" in detail_text(app)
        await pilot.press("u")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "done"
        assert cursor_row(app)[5] == "Done"


async def test_a_rejection_without_a_reason_is_refused_in_the_dialog_then_saved_with_it(make_app, store, plan_path):
    store.set_status(1, "done", by="officer")
    app = make_app(user="auditor")
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        await pilot.press("v")
        await pilot.pause()
        await pilot.click("#verify-reject")
        await pilot.pause()
        assert "needs your note" in str(app.screen.query_one("#verify-error").render())
        assert on_disk(plan_path, 1)["status"] == "done"
        await pilot.press(*"No evidence")
        await pilot.click("#verify-reject")
        await settled(pilot)
        doc = on_disk(plan_path, 1)
        assert doc["status"] == "in_progress" and doc["history"][-1]["note"] == "No evidence"
        assert cursor_row(app)[5] == "In progress"
        assert "verification rejected: back to In progress" in detail_text(app)


async def test_v_on_an_item_not_done_says_why_and_a_status_key_on_a_verified_item_reopens_it(make_app, store, plan_path):
    store.set_status(1, "done", by="officer")
    store.verify(1, True, by="auditor", note="Minutes seen")
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(140, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        await pilot.press("j", "v")
        await pilot.pause()
        assert "No. 2 is Not started: only an item done, or dropped, and awaiting the auditor" in last_notice(notices)
        await pilot.press("k", "2")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "in_progress"
        assert "Verified → In progress (reopened after verification)" in last_notice(notices)


async def test_help_lists_the_verify_key(make_app):
    app = make_app()
    rows = {d: k for k, d in app.help_rows()}
    assert rows["Verify a done or dropped item: accept (Verified, or the drop final) or reject (sent back)"] == "v"


async def test_the_verify_dialog_at_80x24_says_how_to_choose_and_how_to_leave_by_keys(make_app, store, plan_path):
    from textual.widgets import Label

    store.set_status(1, "done", by="officer")
    app = make_app(user="auditor")
    async with app.run_test(size=(80, 24)) as pilot:
        await settled(pilot)
        await pilot.press("v")
        await pilot.pause()
        words = " ".join(str(label.render()) for label in app.screen.query(Label))
        assert "Escape cancels" in words and "Tab to Accept or Reject" in words
        dialog = app.screen.query_one(".dialog")
        assert dialog.region.bottom <= 24
        await pilot.press(*"Seen", "tab", "enter")  # as the hint says: Tab to Accept, Enter chooses it
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "verified"


async def test_an_officers_drop_waits_for_the_auditor_who_sees_the_reason_and_agrees_it(make_app, store, plan_path):
    from textual.widgets import Label

    store.set_status(9, "dropped", by="officer", note="Superseded by the new framework")
    app = make_app(user="auditor")
    async with app.run_test(size=(140, 40)) as pilot:
        await settled(pilot)
        await pilot.press(*"jjjjjjjj", "v")  # No. 9
        await pilot.pause()
        words = " ".join(str(label.render()) for label in app.screen.query(Label))
        assert "Dropped, awaiting your agreement" in words and "Superseded by the new framework" in words
        await pilot.press(*"PMG minutes seen")
        await pilot.click("#verify-accept")
        await settled(pilot)
        last = on_disk(plan_path, 9)["history"][-1]
        assert (last["action"], last["old"], last["new"], last["by"]) == ("verify", "dropped", "dropped", "auditor")


async def test_v_by_whoever_set_the_item_done_says_four_eyes_before_the_dialog_asks_for_a_note(make_app, store,
                                                                                              plan_path):
    """The officer who recorded the Done (any case, runs of spaces) is told at once that someone else
    must give the verdict: no dialog in which to type a note the store would then refuse."""
    from hsp_tui.tui.screens.verify import VerifyScreen

    store.set_status(1, "done", by="Alice  Smith")
    app = make_app(user="alice smith")
    notices = Notices()
    async with app.run_test(size=(140, 40), notifications=True, message_hook=notices) as pilot:
        await settled(pilot)
        await pilot.press("v")
        await settled(pilot)
        assert not isinstance(app.screen, VerifyScreen)
        assert "No. 1 was set done by you (Alice  Smith): the verdict must be given by someone else (four eyes)" \
            in last_notice(notices)
        assert on_disk(plan_path, 1)["status"] == "done"
