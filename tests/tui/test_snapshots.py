"""SVG snapshots of the main screen (120x40, 200x50 and 80x24), the help screen and the dialogs.

Deterministic: the seed plan, review date 1 Jun 2010, a fixed clock and user. Regenerate with
`pytest tests/tui/test_snapshots.py --snapshot-update` and look at the SVGs before committing.
"""

from __future__ import annotations

import pytest


def test_main_screen_wide(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(120, 40))


def test_main_screen_200x50(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(200, 50))


def test_main_screen_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24))


@pytest.mark.slow
def test_main_screen_after_changes(snap_compare, make_app):
    # No. 2 in progress, a milestone done and a note; No. 4 done: flags, counts and history change.
    async def changes(pilot):
        await pilot.press("j", "2", "m", "1", "n", *"Kick-off held [bold]28 May[/]", "enter",
                          "j", "j", "4", "k", "k")
        pilot.app.main.refresh_deadlines(force=True)  # what its timer does after 0.3 s of quiet
        pilot.app.clear_notifications()  # toasts expire on a clock: keep them out of the snapshot
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=changes)


def test_help_screen(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(100, 40), press=["question_mark"])


def test_note_dialog(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["j", "n", *"Board paper drafted"])


def test_review_date_dialog(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["r"])


def _contacts(store) -> None:
    """The Assistant Chief Executive's contact set by pmo, then its sponsor named by alice."""
    from datetime import date

    today = date(2010, 6, 1)
    store.set_contact("Assistant Chief Executive", ["ace@haringey.example"], by="pmo", on=date(2010, 4, 1), today=today)
    store.set_contact("Assistant Chief Executive", ["ace@haringey.example", "pa@haringey.example"],
                      sponsor=["ce@haringey.example"], by="alice", on=date(2010, 5, 20), today=today)


def test_contacts_dialog(snap_compare, make_app, store):
    # the highlighted owner's line says who last changed their contact, and that h shows the rest
    _contacts(store)
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["c", "down"])


def test_contact_history_dialog(snap_compare, make_app, store):
    _contacts(store)
    assert snap_compare(make_app(), terminal_size=(80, 24), press=["c", "down", "h"])
