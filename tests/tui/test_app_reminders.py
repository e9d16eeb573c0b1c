"""Contacts and reminders from the app, as an officer does them: c sets an owner's addresses (seen
then by `hsp-tui contact list` and in the file's history), R sends the reminders to an outbox folder
or a real SMTP server on 127.0.0.1 (aiosmtpd), each recorded as the command line records it."""

from __future__ import annotations

import email
import email.policy
import socket
from datetime import date

import pytest
from textual.widgets import Input, Label, OptionList

from hsp_tui.cli.config import Settings
from hsp_tui.domain.review import review
from hsp_tui.tui.screens.contacts import ContactsScreen, RemindScreen
from tuikit import Notices, detail_text, last_notice, plain, settled, until

pytestmark = pytest.mark.slow  # the whole module: see pyproject's markers

AS_OF = date(2010, 6, 1)
SENDER = Settings(sender="pmo@haringey.example")  # reminders go only from a configured sender

ACE = "Assistant Chief Executive"


async def until_shown(pilot, screen_type) -> None:
    await until(pilot, lambda: isinstance(pilot.app.screen, screen_type) and pilot.app.screen.focused is not None,
                f"the {screen_type.__name__} dialog")


async def choose_owner(pilot, owner: str) -> None:
    screen = pilot.app.screen
    index = [c.owner for c in screen.contacts].index(owner)
    for _ in range(index):
        await pilot.press("down")
    await until(pilot, lambda: screen.query_one(OptionList).highlighted == index, f"{owner} highlighted")
    await pilot.press("enter")
    await until(pilot, lambda: isinstance(screen.focused, Input), "the addresses box focused")


def expected_items(store, owner: str) -> list[int]:
    rv = review(store.load(), AS_OF)
    return sorted(i.number for i in rv.items if i.rec.owner == owner and (i.overdue or i.due_soon))


async def test_officer_sets_a_contact_in_the_app_and_the_cli_lists_it(make_app, plan_path, cli):
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await settled(pilot)
        await pilot.press("c")
        await until_shown(pilot, ContactsScreen)
        await choose_owner(pilot, ACE)
        await pilot.press(*"not an address", "enter")
        error = app.screen.query_one("#contacts-error", Label)
        await until(pilot, lambda: "is not an e-mail address" in plain(error), "the bad address refused")
        assert isinstance(app.screen, ContactsScreen)  # still open: nothing saved
        app.screen.query_one("#contacts-addresses", Input).value = ""
        await pilot.press(*"ace@haringey.example, pa.ace@haringey.example", "enter")
        await until(pilot, lambda: last_notice(notices).startswith("Saved."), "the Saved notice")
        assert "ace@haringey.example, pa.ace@haringey.example" in last_notice(notices)
        await settled(pilot)
    listed = cli("--db", str(plan_path), "contact", "list")
    assert listed.code == 0, listed.err
    assert f"{ACE}: ace@haringey.example, pa.ace@haringey.example" in listed.out
    text = plan_path.read_text(encoding="utf-8")
    assert '"contact"' in text and "alice" in text  # the change is in the plan's history, by the app's user


async def test_removing_an_address_from_the_app_and_escape_saves_nothing(make_app, store, plan_path, cli):
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo")
    app = make_app()
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await settled(pilot)
        await pilot.press("c")
        await until_shown(pilot, ContactsScreen)
        await choose_owner(pilot, ACE)
        await pilot.press(*"x@haringey.example", "escape")
        await until(pilot, lambda: not isinstance(app.screen, ContactsScreen), "the dialog closed")
        await settled(pilot)
        assert store.load().meta.contact(ACE).addresses == ("ace@haringey.example",)
        await pilot.press("c")
        await until_shown(pilot, ContactsScreen)
        await choose_owner(pilot, ACE)
        app.screen.query_one("#contacts-addresses", Input).value = ""
        await pilot.press("enter")
        await until(pilot, lambda: last_notice(notices).startswith("Saved."), "the Saved notice")
        assert "removed" in last_notice(notices)
    assert f"{ACE}: (no address)" in cli("--db", str(plan_path), "contact", "list").out


async def send_from_app(app, pilot, where: str) -> str:
    await settled(pilot)
    await pilot.press("R")
    await until_shown(pilot, RemindScreen)
    listed = plain(app.screen.query_one("#remind-list", Label))
    app.screen.query_one("#remind-to", Input).value = ""
    await pilot.press(*where, "enter")
    await until(pilot, lambda: not isinstance(app.screen, RemindScreen), "the dialog closed")
    await settled(pilot)
    return listed


async def detail_of(app, pilot, number: int) -> str:
    app.main.table.go_to(number)
    await settled(pilot)
    return detail_text(app)


async def test_reminders_from_the_app_to_an_outbox_folder(make_app, store, tmp_path):
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo")
    items = expected_items(store, ACE)
    assert items  # the seed plan as of 1 Jun 2010 has overdue items for this owner
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    app = make_app(settings=SENDER)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        listed = await send_from_app(app, pilot, str(outbox))
        assert "ace@haringey.example:" in listed and "overdue" in listed
        assert "no address for Interim Deputy Chief Executive" in listed
        assert "1 reminder written to" in last_notice(notices), notices.said
        files = sorted(outbox.glob("*.eml"))
        assert len(files) == 1
        msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
        assert msg["To"] == "ace@haringey.example"
        assert sorted(int(n) for n in msg["X-HSP-Items"].split()) == items
        body = msg.get_body(("plain",)).get_content()
        assert all(f"No. {n} " in body for n in items)
        assert "reminded 1 time" in await detail_of(app, pilot, items[0])
    reminders = store.load().get(items[0]).reminders
    assert len(reminders) == 1 and "ace@haringey.example" in str(reminders[0].new)  # recorded as the CLI does


async def test_cancelled_reminders_send_nothing(make_app, store, tmp_path):
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("R")
        await until_shown(pilot, RemindScreen)
        await pilot.press(*str(tmp_path / "no-such-folder"), "enter")
        error = app.screen.query_one("#remind-error", Label)
        await until(pilot, lambda: "the folder does not exist" in plain(error), "the missing folder said")
        app.screen.query_one("#remind-to", Input).value = ""
        await pilot.press(*str(outbox), "escape", "enter")
        await until(pilot, lambda: not isinstance(app.screen, RemindScreen), "the dialog closed")
        await settled(pilot)
    assert list(outbox.iterdir()) == []
    assert all(not r.reminders for r in store.load().recommendations)


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted"


@pytest.fixture
def smtp():
    controller_mod = pytest.importorskip("aiosmtpd.controller")
    with socket.socket() as s:  # aiosmtpd checks its server on the port it was given: a real free one
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = controller_mod.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        inbox.url = f"smtp://127.0.0.1:{port}"
        yield inbox
    finally:
        controller.stop()


async def test_reminders_from_the_app_to_a_real_smtp_server(make_app, store, smtp):
    store.set_contact(ACE, ["ace@haringey.example", "pa.ace@haringey.example"], by="pmo")
    store.set_contact("Interim Deputy Chief Executive", ["idce@haringey.example"], by="pmo")
    app = make_app(settings=SENDER)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await send_from_app(app, pilot, smtp.url)
        expected = {owner: expected_items(store, owner) for owner in (ACE, "Interim Deputy Chief Executive")}
        wanted = [o for o, items in expected.items() if items]
        assert f"{len(wanted)} reminder" in last_notice(notices) and "sent via smtp://127.0.0.1" in last_notice(notices)
        assert len(smtp.messages) == len(wanted)  # one per owner, nothing twice
        by_to = {tuple(sorted(rcpt)): msg for rcpt, msg in smtp.messages}
        ace = by_to[("ace@haringey.example", "pa.ace@haringey.example")]
        assert sorted(int(n) for n in ace["X-HSP-Items"].split()) == expected[ACE]
        assert "reminded 1 time" in await detail_of(app, pilot, expected[ACE][0])


async def test_help_lists_the_contacts_and_reminder_keys(make_app):
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        await pilot.press("question_mark")
        await until(pilot, lambda: bool(app.screen.query("#help-text")), "the help")
        text = plain(app.screen.query_one("#help-text"))
        assert "Contacts (owners' addresses, sponsors and who changed them)" in text and "Remind owners by e-mail" in text


async def test_a_second_send_on_the_review_date_asks_to_confirm(make_app, store, tmp_path):
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo")
    items = expected_items(store, ACE)
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    app = make_app(settings=SENDER)
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await send_from_app(app, pilot, str(outbox))
        await until(pilot, lambda: len(store.load().get(items[0]).reminders) == 1, "the first reminder recorded")
        await pilot.press("R")  # the same review date (the app's clock says 1 Jun 2010 too)
        await until_shown(pilot, RemindScreen)
        app.screen.query_one("#remind-to", Input).value = ""
        await pilot.press(*str(outbox), "enter")
        error = app.screen.query_one("#remind-error", Label)
        await until(pilot, lambda: "Already reminded on 1 Jun 2010: Assistant Chief Executive" in plain(error),
                    "the question")
        assert isinstance(app.screen, RemindScreen) and len(store.load().get(items[0]).reminders) == 1
        await pilot.press("enter")  # confirmed
        await until(pilot, lambda: not isinstance(app.screen, RemindScreen), "the dialog closed")
        await until(pilot, lambda: len(store.load().get(items[0]).reminders) == 2, "the second reminder recorded")


async def test_without_a_sender_the_app_sends_nothing_and_says_why(make_app, store, tmp_path, monkeypatch):
    monkeypatch.delenv("HSP_TUI_MAIL_FROM", raising=False)
    store.set_contact(ACE, ["ace@haringey.example"], by="pmo")
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    app = make_app()  # no sender in the settings, none in the environment
    notices = Notices()
    async with app.run_test(size=(120, 40), message_hook=notices) as pilot:
        await send_from_app(app, pilot, str(outbox))
        await until(pilot, lambda: "no sender configured" in last_notice(notices), "the reason")
        assert last_notice(notices).startswith("Reminders stopped: no sender configured: give --from ADDRESS")
    assert list(outbox.iterdir()) == []
    assert all(not r.reminders for r in store.load().recommendations)
