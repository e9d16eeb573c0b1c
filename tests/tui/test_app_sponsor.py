"""An owner's sponsor in the app (the address a late owner's reminders are escalated to): the `c`
dialog shows it beside the addresses, sets, changes and removes it (refusing a bad address before
it closes), each change recorded in the plan's history as `hsp-tui contact set --sponsor` records
it; on the plan as it stood on a past day it shows that day's sponsors, read-only."""

from __future__ import annotations

import json
from datetime import date

import pytest
from textual.widgets import Input, Label, OptionList

from hsp_tui.domain.history import effective_day
from hsp_tui.storage.store import Store
from hsp_tui.tui import build_app
from hsp_tui.tui.screens.contacts import ContactsScreen
from tuikit import Notices, last_notice, open_contacts, plain, settled, until

pytestmark = pytest.mark.slow  # as the other contacts tests (test_app_reminders.py)

ACE = "Assistant Chief Executive"
HLS = "Head of Legal Services"  # no item of the plan's: a contact alone
IDCE = "Interim Deputy Chief Executive"  # an owner of items, no address yet


def listed(screen: ContactsScreen, owner: str) -> str:
    """The owner's line in the dialog's list, as shown."""
    options = screen.query_one(OptionList)
    k = [c.owner for c in screen.contacts].index(owner)
    return options.get_option_at_index(k).prompt.plain


async def to_sponsor_of(pilot, screen: ContactsScreen, owner: str) -> Input:
    """Down to `owner`, Enter (the addresses box), Tab (the sponsor box)."""
    index = [c.owner for c in screen.contacts].index(owner)
    for _ in range(index):
        await pilot.press("down")
    await until(pilot, lambda: screen.query_one(OptionList).highlighted == index, f"{owner} highlighted")
    await pilot.press("enter", "tab")
    box = screen.query_one("#contacts-sponsor", Input)
    await until(pilot, lambda: screen.focused is box, "the sponsor box focused")
    return box


async def save_sponsor(pilot, owner: str, typed: str, notices: Notices) -> str:
    screen = await open_contacts(pilot)
    box = await to_sponsor_of(pilot, screen, owner)
    box.value = ""
    await pilot.press(*typed, "enter") if typed else await pilot.press("enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, ContactsScreen), "the dialog closed")
    await until(pilot, lambda: last_notice(notices).startswith(("Saved.", "No change")), "the notice")
    await settled(pilot)
    return last_notice(notices)


def last_contact_entry(store: Store):
    return [h for h in store.load().meta.history if h.action == "contact"][-1]


async def test_officer_sets_changes_and_removes_a_sponsor_and_sees_it(make_app, store, plan_path, cli):
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo")
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        screen = await open_contacts(pilot)
        assert listed(screen, ACE) == f"{ACE}: ace@haringey.example · no sponsor"
        assert listed(screen, IDCE) == f"{IDCE}: (no address)"
        # A bad address: one line in the dialog, which stays open; nothing saved.
        box = await to_sponsor_of(pilot, screen, ACE)
        await pilot.press(*"the chief executive", "enter")
        error = screen.query_one("#contacts-error", Label)
        await until(pilot, lambda: "is not an e-mail address" in plain(error), "the bad sponsor refused")
        assert plain(error).startswith("Sponsor: ") and "\n" not in plain(error)
        assert app.screen is screen and screen.focused is box
        assert store.load().meta.contact(ACE).sponsor == ()
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the dialog closed")

        said = await save_sponsor(pilot, ACE, "ce@haringey.example", notices)
        assert said == f"Saved. Contact for {ACE}: ace@haringey.example (sponsor: ce@haringey.example)"
        entry = last_contact_entry(store)
        assert (entry.by, entry.field) == ("alice", ACE)  # recorded, by the app's user
        assert entry.new == {"addresses": ["ace@haringey.example"], "sponsor": ["ce@haringey.example"]}
        screen = await open_contacts(pilot)
        assert listed(screen, ACE) == f"{ACE}: ace@haringey.example · sponsor ce@haringey.example"
        assert (await to_sponsor_of(pilot, screen, ACE)).value == "ce@haringey.example"
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the dialog closed")

        said = await save_sponsor(pilot, ACE, "deputy@haringey.example, ce@haringey.example", notices)
        assert "(sponsor: deputy@haringey.example, ce@haringey.example)" in said
        assert store.load().meta.contact(ACE).sponsor == ("deputy@haringey.example", "ce@haringey.example")
        assert "sponsor" in cli("--db", str(plan_path), "contact", "list").out

        said = await save_sponsor(pilot, ACE, "", notices)  # an empty box: no sponsor
        assert said == f"Saved. Contact for {ACE}: ace@haringey.example (no sponsor)"
        assert store.load().meta.contact(ACE).sponsor == ()
        assert last_contact_entry(store).new == {"addresses": ["ace@haringey.example"], "sponsor": []}
        assert last_contact_entry(store).describe() == f"contact for {ACE}: ace@haringey.example (sponsor removed)"
        screen = await open_contacts(pilot)
        assert listed(screen, ACE) == f"{ACE}: ace@haringey.example · no sponsor"
    listing = cli("--db", str(plan_path), "contact", "list").out
    assert f"{ACE}: ace@haringey.example\n" in listing  # no sponsor, as the command line lists it
    assert len([h for h in store.load().meta.history if h.action == "contact"]) == 4  # set, 3 changes


async def test_a_change_of_the_addresses_alone_keeps_the_sponsor(make_app, store):
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo", sponsor=["ce@haringey.example"])
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        screen = await open_contacts(pilot)
        await to_sponsor_of(pilot, screen, ACE)
        await pilot.press("shift+tab")  # back to the addresses
        box = screen.query_one("#contacts-addresses", Input)
        await until(pilot, lambda: screen.focused is box, "the addresses box")
        box.value = ""
        await pilot.press(*"pa.ace@haringey.example", "enter")
        await until(pilot, lambda: last_notice(notices).startswith("Saved."), "the Saved notice")
        await settled(pilot)
    contact = store.load().meta.contact(ACE)
    assert (contact.addresses, contact.sponsor) == (("pa.ace@haringey.example",), ("ce@haringey.example",))


async def test_a_sponsor_without_the_owners_addresses_is_refused_in_the_dialog(make_app, plan_path):
    before = plan_path.read_bytes()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_contacts(pilot)
        await to_sponsor_of(pilot, screen, IDCE)  # no address yet
        await pilot.press(*"gc@haringey.example", "enter")
        error = screen.query_one("#contacts-error", Label)
        await until(pilot, lambda: "type the owner's addresses too" in plain(error), "the sponsor refused")
        assert app.screen is screen
    assert plan_path.read_bytes() == before


async def test_a_sponsor_planted_in_the_file_is_shown_as_data(make_app, store, plan_path):
    """Addresses edited into the file are not checked on read: a terminal escape in one is spelled out."""
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo", sponsor=["ce@haringey.example"])
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    meta = next(iter(data["meta"].values()))
    meta["plan"]["contacts"][0]["sponsor"] = ["\x1b]0;pwned\x07ce@haringey.example\u202e"]
    plan_path.write_text(json.dumps(data), encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_contacts(pilot)
        line = listed(screen, ACE)
        assert line.endswith("sponsor \\x1b]0;pwned\\x07ce@haringey.example\\u202e") and "\x1b" not in line
        assert "\x1b" not in (await to_sponsor_of(pilot, screen, ACE)).value


TODAY = "2011-04-01T09:00:00+01:00"


def as_if_written_before_sponsors_were_recorded(plan_path, owner: str) -> None:
    """The owner's contact entries as an hsp-tui before sponsors were recorded wrote them: the
    addresses alone (so the plan as it stood on a day they decide cannot name the sponsor)."""
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    meta = next(iter(data["meta"].values()))
    for h in meta["plan"]["history"]:
        if h["action"] == "contact" and h["field"] == owner:
            h["old"], h["new"] = [(v or {}).get("addresses") if v else None for v in (h["old"], h["new"])]
    plan_path.write_text(json.dumps(data), encoding="utf-8")


async def test_on_a_past_days_plan_the_dialog_shows_that_days_sponsors_read_only(plan_path):
    store = Store(plan_path, clock=lambda: TODAY)
    store.set_contact(HLS, ["legal@haringey.example"], by="pmo", on=date(2010, 5, 1))
    store.set_contact(ACE, ["ace@haringey.example"], sponsor=["ce@haringey.example"], by="pmo", on=date(2010, 5, 1))
    store.set_contact(HLS, ["legal.services@haringey.example"], by="pmo", on=date(2011, 3, 1))
    store.set_contact(ACE, ["ace@haringey.example"], sponsor=["deputy@haringey.example"], by="pmo",
                      on=date(2011, 3, 1))
    as_if_written_before_sponsors_were_recorded(plan_path, HLS)
    before = plan_path.read_bytes()
    app = build_app(Store(plan_path, clock=lambda: TODAY), as_of=date(2010, 12, 1), as_of_given=True,
                    user="alice", clock=lambda: TODAY)
    notices = Notices()
    async with app.run_test(size=(80, 24), message_hook=notices) as pilot:
        screen = await open_contacts(pilot)
        assert "as they stood on 1 Dec 2010 (read-only)" in str(screen.query_one(".dialog").border_title)
        assert listed(screen, ACE) == f"{ACE}: ace@haringey.example · sponsor ce@haringey.example"
        assert listed(screen, HLS) == f"{HLS}: legal@haringey.example · sponsor not recorded"
        assert screen.query_one("#contacts-sponsor", Input).disabled
        await pilot.press("enter")  # on the first owner: refused, saying the way back
        error = screen.query_one("#contacts-error", Label)
        await until(pilot, lambda: "Read-only: the plan as it stood on 1 Dec 2010" in plain(error), "the refusal")
        assert "r, clear the date" in plain(error) and app.screen is screen
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the dialog closed")
    assert plan_path.read_bytes() == before


async def test_on_a_past_review_date_with_nothing_after_it_the_sponsor_takes_effect_that_day(plan_path):
    """As the app's other changes: on the review date given, so the plan shown stays the plan as it is
    (a change dated today would stand after the review date and make the plan shown read-only)."""
    app = build_app(Store(plan_path, clock=lambda: TODAY), as_of=date(2010, 6, 1), as_of_given=True,
                    user="alice", clock=lambda: TODAY)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        screen = await open_contacts(pilot)
        await to_sponsor_of(pilot, screen, ACE)
        await pilot.press("shift+tab", *"ace@haringey.example", "tab", *"ce@haringey.example", "enter")
        await until(pilot, lambda: last_notice(notices).startswith("Saved."), "the Saved notice")
        await settled(pilot)
        assert "As it stood" not in plain(app.main.query_one("#header")) and not app.plan_view.replayed
    entry = last_contact_entry(Store(plan_path))
    assert effective_day(entry) == "2010-06-01" and entry.at.startswith("2011-04-01")
    assert entry.new == {"addresses": ["ace@haringey.example"], "sponsor": ["ce@haringey.example"]}
