"""The edit dialog's focus order: a Tab too many must never put typed text into the owner."""

from __future__ import annotations

from tuikit import on_disk, settled


async def open_edit(pilot, app):
    await pilot.press("e")
    await pilot.pause()
    return app.screen


async def test_a_tab_past_the_reason_does_not_let_typing_replace_the_owner(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = await open_edit(pilot, app)
        owner = dialog.query_one("#edit-owner").value
        await pilot.press("tab", "ctrl+u", *"July 2010", "tab", *"Board met late")
        # One Tab too many, and more, then the officer goes on typing the reason.
        await pilot.press("tab", "tab", "tab", *" in May")
        await pilot.pause()
        assert dialog.query_one("#edit-owner").value == owner
        assert dialog.query_one("#edit-reason").value == "Board met late"
        assert dialog.focused is not dialog.query_one("#edit-owner")


async def test_tab_from_the_reason_goes_to_save_and_save_saves(make_app, plan_path):
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = await open_edit(pilot, app)
        owner = dialog.query_one("#edit-owner").value
        await pilot.press("tab", "ctrl+u", *"July 2010", "tab", *"Board met late", "tab")
        await pilot.pause()
        assert dialog.focused is dialog.query_one("#edit-save")
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is app.main
        saved = on_disk(plan_path, 1)
        assert saved["owner"] == owner
        assert saved["revisions"][-1]["deadline"] == "July 2010"
        assert saved["revisions"][-1]["reason"] == "Board met late"


async def test_back_to_the_owner_by_shift_tab_keeps_what_is_there(make_app, plan_path):
    # The owner is selected when the dialog opens (typing replaces it, as before); once the officer
    # has moved on, coming back puts the cursor in the field instead of selecting all of it.
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = await open_edit(pilot, app)
        owner = dialog.query_one("#edit-owner").value
        await pilot.press("tab", "shift+tab", *" (acting)")
        await pilot.pause()
        assert dialog.query_one("#edit-owner").value == owner + " (acting)"


async def test_cancel_button_closes_without_saving(make_app, plan_path):
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = await open_edit(pilot, app)
        await pilot.press(*"Somebody", "tab", "tab", "tab", "tab")
        await pilot.pause()
        assert dialog.focused is dialog.query_one("#edit-cancel")
        await pilot.press("enter")
        await settled(pilot)
        assert app.screen is app.main
    assert plan_path.read_bytes() == before


async def test_a_save_refused_for_want_of_a_reason_takes_the_reason_typed_next(make_app, plan_path):
    """After Enter on a new deadline with no reason, the cursor is in the reason box and the error
    says so (an officer who pressed Tab there, as "Tab moves" suggests, moved to Save and lost the
    reason typed next): typing the reason and Enter saves the revision with it."""
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        dialog = await open_edit(pilot, app)
        await pilot.press("tab", "ctrl+u", *"July 2010", "enter")
        await pilot.pause()
        error = str(dialog.query_one("#edit-error").render())
        assert "type its reason in the box above (the cursor is there)" in error, error
        assert dialog.focused is dialog.query_one("#edit-reason")
        await pilot.press(*"Board met late", "enter")
        await settled(pilot)
        assert app.screen is app.main
        assert on_disk(plan_path, 1)["revisions"][-1]["reason"] == "Board met late"
