"""Issue #12, the app's friction: what officers tripped on in a day's use at 200x50 and 80x24."""

from __future__ import annotations

from hsp_tui.store import Store

from conftest import fixed_clock
from tuikit import last_notice, on_disk, settled


# -- a status key decides "no change" on the file, not on the screen ----------------------------------
async def test_status_key_on_a_stale_screen_is_decided_on_the_file(make_app, plan_path):
    # The screen shows No. 1 Done; a colleague has just set it Blocked (the app has not re-read the
    # file yet). Pressing 4 (Done) must set it Done again, not say "already Done".
    Store(plan_path, clock=fixed_clock).set_status(1, "done", by="alice")
    app = make_app(poll_seconds=3600)
    async with app.run_test() as pilot:
        Store(plan_path, clock=fixed_clock).set_status(1, "blocked", by="bob")
        await pilot.press("4")
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "done"
        assert last_notice(app) == "Saved. No. 1: Blocked → Done"
        assert len(app.undo_stack) == 1
        await pilot.press("u")  # undo goes back to what the file had: Blocked, bob's
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "blocked"


# -- a refused undo says what u undoes next ------------------------------------------------------------
async def test_refused_undo_says_what_the_next_u_would_undo(make_app, plan_path):
    app = make_app(poll_seconds=3600)
    async with app.run_test() as pilot:
        await pilot.press("2", "j", "4")  # No. 1 In progress, then No. 2 Done
        await settled(pilot)
        Store(plan_path, clock=fixed_clock).set_status(2, "blocked", by="bob")
        await pilot.press("u")
        await settled(pilot)
        said = last_notice(app)
        assert said.startswith("Cannot undo (No. 2: Not started → Done)")
        assert "status has changed since (now Blocked)" in said  # the app's word, not 'blocked'
        assert "u now undoes the change before it (No. 1: Not started → In progress)" in said
        assert on_disk(plan_path, 2)["status"] == "blocked"
        assert on_disk(plan_path, 1)["status"] == "in_progress"  # the refusal touched nothing else
        await pilot.press("u")  # as announced
        await settled(pilot)
        assert on_disk(plan_path, 1)["status"] == "not_started"
        await pilot.press("u")
        await settled(pilot)
        assert last_notice(app).startswith("Nothing to undo")


async def test_refused_last_undo_says_nothing_else_to_undo(make_app, plan_path):
    app = make_app(poll_seconds=3600)
    async with app.run_test() as pilot:
        await pilot.press("4")
        await settled(pilot)
        Store(plan_path, clock=fixed_clock).set_status(1, "blocked", by="bob")
        await pilot.press("u")
        await settled(pilot)
        assert last_notice(app).endswith("nothing else to undo")
        assert on_disk(plan_path, 1)["status"] == "blocked"
