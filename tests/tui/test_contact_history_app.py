"""The contacts dialog (`c`) says who last changed the highlighted owner's contact and when, and `h`
there lists that owner's whole contact history (who, when, the addresses and sponsor set, changed or
removed), newest first, as `hsp-tui contact history OWNER` prints it; Escape closes it, back to the
contacts. On the plan as it stood on a past day, both end at that day."""

from __future__ import annotations

import io
from datetime import date

from rich.console import Console
from textual.widgets import Label, OptionList, Static

from hsp_tui.tui.screens.contact_changes import ContactHistoryScreen
from hsp_tui.tui.screens.contacts import ContactsScreen
from tuikit import open_contacts, plain, until

ACE = "Assistant Chief Executive"
HOSTILE = "[bold]Board[/bold] \x1b[2J"  # an owner a colleague typed: markup and a terminal control
TODAY = date(2010, 6, 1)


def history(store) -> None:
    """ACE's contact set by pmo, changed by bob, its sponsor named by alice; a hostile owner's set."""
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo", on=date(2010, 4, 1), today=TODAY)
    store.set_contact(ACE, ["ace@haringey.example", "pa@haringey.example"], by="bob", on=date(2010, 5, 3),
                      today=TODAY)
    store.set_contact(ACE, ["ace@haringey.example", "pa@haringey.example"], sponsor=["ce@haringey.example"],
                      by="alice", on=date(2010, 5, 20), today=TODAY)
    store.set_contact(HOSTILE, ["board@haringey.example"], by="\x1b]0;mallory\x07", on=date(2010, 5, 21), today=TODAY)


async def highlight(pilot, screen: ContactsScreen, owner: str) -> str:
    """Down to `owner`; the line saying who last changed their contact."""
    index = [c.owner for c in screen.contacts].index(owner)
    listed = screen.query_one(OptionList)
    while listed.highlighted != index:
        await pilot.press("down" if listed.highlighted < index else "up")
    line = screen.query_one("#contacts-changed", Label)
    await until(pilot, lambda: plain(line).startswith(("Contact ", "No contact")), "the line")
    return plain(line)


async def open_history(pilot) -> str:
    """`h`; the history as the dialog shows it (rendered at its width)."""
    await pilot.press("h")
    await until(pilot, lambda: isinstance(pilot.app.screen, ContactHistoryScreen), "the history dialog")
    screen = pilot.app.screen
    shown = screen.query_one("#contact-history", Static)
    console = Console(width=shown.content_region.width or 72, file=io.StringIO(), record=True)
    console.print(shown.content)
    return console.export_text() + "\n" + screen.query_one(".dialog").border_title + "\n" + "\n".join(
        plain(label) for label in screen.query(Label))


async def test_the_dialog_says_who_last_changed_each_owners_contact_and_h_lists_them_all(make_app, store):
    history(store)
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_contacts(pilot)
        assert await highlight(pilot, screen, ACE) == (
            "Contact changed by alice on 20 May 2010 · h: its history (3 changes)")
        assert await highlight(pilot, screen, "Head of OD&L") == "Contact not set or changed yet · h: its history"
        said = await highlight(pilot, screen, HOSTILE)
        assert said == r"Contact set by \x1b]0;mallory\x07 on 21 May 2010 · h: its history (1 change)"

        await highlight(pilot, screen, ACE)
        shown = await open_history(pilot)
        lines = [line.rstrip() for line in shown.splitlines() if line.strip()]
        assert lines[0].startswith("#3") and "on 20 May 2010, recorded 1 Jun 2010 09:00  alice" in lines[0]
        text = " ".join(" ".join(line.split()) for line in lines)
        assert text.index("#3") < text.index("#2") < text.index("#1")  # newest first, as an item's history
        assert ("changed: ace@haringey.example, pa@haringey.example · sponsor ce@haringey.example (was "
                "ace@haringey.example, pa@haringey.example · no sponsor)") in text
        assert "#2 on 3 May 2010, recorded 1 Jun 2010 09:00 bob changed: ace@haringey.example, " in text
        assert "#1 on 1 Apr 2010, recorded 1 Jun 2010 09:00 pmo set: ace@haringey.example · no sponsor" in text
        assert f"Contact history (newest first): {ACE}" in text
        assert "3 changes · Up/Down scroll · Escape closes" in text
        assert "#4" not in text  # the other owner's change is not theirs
        assert " up to " not in text  # today's plan: the whole history

        await pilot.press("escape")  # back to the contacts, where the officer was
        await until(pilot, lambda: app.screen is screen, "back to the contacts dialog")
        assert screen.query_one(OptionList).highlighted == [c.owner for c in screen.contacts].index(ACE)

        await highlight(pilot, screen, HOSTILE)
        text = await open_history(pilot)
        # as typed: the markup is text, the controls spelled out (nothing reaches the terminal)
        assert r"Contact history (newest first): [bold]Board[/bold] \x1b[2J" in text
        assert r"\x1b]0;mallory\x07" in text and "\x1b" not in text
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back to the contacts dialog")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the contacts dialog closed")
    assert len(store.load().meta.history) == 4  # reading changed nothing


async def test_on_a_past_day_the_line_and_the_history_end_at_that_day(make_app, store):
    history(store)
    app = make_app(as_of=date(2010, 5, 10))  # as it stood: after bob's change, before alice's
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_contacts(pilot)
        assert "(read-only)" in screen.query_one(".dialog").border_title
        assert await highlight(pilot, screen, ACE) == (
            "Contact changed by bob on 3 May 2010 · h: its history (2 changes)")
        text = await open_history(pilot)
        assert "#2" in text and "#1" in text and "#3" not in text and "sponsor ce@haringey.example" not in text
        assert "2 changes up to 10 May 2010 · Up/Down scroll · Escape closes" in text
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back to the contacts dialog")
