"""Contacts and reminder records on a PostgreSQL server (issue 14), as officers on other machines
keep them: `contact set/list/remove`, `remind`, the app's c and R keys, a plan file moved to the
server, and a database set up by the previous hsp-tui upgraded in place.

alice is an officer, bob a reader; the database was set up by its owner with `init` (the seed
plan 'haringey-2010'). Who may do what is checked with psql, as each person would try it.
"""

from __future__ import annotations

import email
import email.policy
import json
from datetime import date
from pathlib import Path

import pytest

from hsp_tui.storage.postgres import install as pgschema
from hsp_tui.storage.store import Store
from hsp_tui.storage.postgres import install as pgschema
from pgharness import OWNER

PLAN = "haringey-2010"
ACE = "Assistant Chief Executive"
AS_OF = date(2010, 6, 1)


@pytest.fixture
def url(pg_cluster, pg_plan_db):
    return lambda user="alice": pg_cluster.url(pg_plan_db, user)


def sql(cluster, db, query: str, user: str = "postgres") -> str:
    return cluster.psql(query, db=db, user=user).stdout.strip()


def plan_history(cluster, db) -> list[list[str]]:
    out = sql(cluster, db, "SELECT h.id, h.by, h.action, h.field, coalesce(h.new::text, '') FROM hsp.plan_history h "
                           f"JOIN hsp.plan p ON p.id = h.plan_id WHERE p.name = '{PLAN}' ORDER BY h.id")
    return [line.split("|") for line in out.splitlines()]


def reminders(cluster, db) -> list[list[str]]:
    """The reminders recorded (not the entries marking them sent)."""
    out = sql(cluster, db, "SELECT h.number, h.by, h.new ->> 'via', h.new -> 'to' FROM hsp.history h "
                           "WHERE h.action = 'remind' AND NOT h.new ? 'entry' ORDER BY h.number, h.id")
    return [line.split("|") for line in out.splitlines()]


def marks(cluster, db) -> list[list[str]]:
    """Each reminder recorded before it went, and how it was marked: [number, by, marked sent?]."""
    out = sql(cluster, db, "SELECT h.number, m.by, m.new ->> 'sent' FROM hsp.history h LEFT JOIN hsp.history m "
                           "ON m.plan_id = h.plan_id AND m.number = h.number AND m.new -> 'entry' = to_jsonb(h.id) "
                           "WHERE h.action = 'remind' AND h.new ->> 'pending' = 'true' ORDER BY h.number, h.id")
    return [line.split("|") for line in out.splitlines()]


def test_officer_keeps_contacts_on_the_server_and_a_reader_lists_them(cli, url, pg_cluster, pg_plan_db):
    r = cli("--db", url(), "contact", "set", ACE, "ace@haringey.example", "pa.ace@haringey.example")
    assert r.code == 0, r.err
    assert f"contact for {ACE}: ace@haringey.example, pa.ace@haringey.example" in r.out
    listed = cli("--db", url("bob"), "contact", "list")
    assert listed.code == 0, listed.err
    assert f"{ACE}: ace@haringey.example, pa.ace@haringey.example" in listed.out
    assert "Head of OD&L: (no address)" in listed.out
    # the same owner in other case and spacing is the same contact
    r = cli("--db", url(), "contact", "set", "assistant  chief executive", "ace@haringey.example")
    assert r.code == 0 and f"contact for {ACE}: ace@haringey.example" in r.out, r.out + r.err
    r = cli("--db", url(), "contact", "remove", ACE)
    assert r.code == 0 and "removed" in r.out, r.err
    assert f"{ACE}: (no address)" in cli("--db", url("bob"), "contact", "list").out
    # each change in the plan's own history, by the database's user (not a name the client claims)
    assert plan_history(pg_cluster, pg_plan_db) == [
        ["1", "alice", "contact", ACE, '{"sponsor": [], "addresses": ["ace@haringey.example", "pa.ace@haringey.example"]}'],
        ["2", "alice", "contact", ACE, '{"sponsor": [], "addresses": ["ace@haringey.example"]}'],
        ["3", "alice", "contact", ACE, ""],
    ]
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.contact") == "0"
    # a bad address is refused in one line, nothing recorded
    r = cli("--db", url(), "contact", "set", ACE, "not an address")
    assert r.code == 2 and "is not an e-mail address" in r.err and len(r.err.strip().splitlines()) == 1
    assert len(plan_history(pg_cluster, pg_plan_db)) == 3


@pytest.mark.parametrize("user, query", [
    ("bob", f"SELECT hsp.set_contact('{PLAN}', '{ACE}', '[\"x@haringey.example\"]')"),
    ("bob", f"SELECT hsp.lock_meta('{PLAN}')"),
    ("bob", f"SELECT hsp.record_reminder('{PLAN}', 1, '[\"x@haringey.example\"]', '{ACE}', 'smtp')"),
    ("mallory", f"SELECT hsp.set_contact('{PLAN}', '{ACE}', '[\"x@haringey.example\"]')"),
    # officers change contacts only through the function (which records who), never the tables
    ("alice", "INSERT INTO hsp.contact (plan_id, owner_key, owner, addresses) "
              "SELECT id, 'x', 'X', ARRAY['x@haringey.example'] FROM hsp.plan"),
    ("alice", "UPDATE hsp.contact SET addresses = ARRAY['mallory@evil.example']"),
    ("alice", "DELETE FROM hsp.contact"),
    ("alice", "UPDATE hsp.plan_history SET by = 'someone else'"),
    ("alice", "DELETE FROM hsp.plan_history"),
    ("alice", "INSERT INTO hsp.plan_history (plan_id, id, at, by, action) SELECT id, 99, 'now', 'x', 'contact' "
              "FROM hsp.plan"),
])
def test_who_may_not_change_contacts_or_record_reminders_is_refused_by_the_database(pg_cluster, pg_plan_db,
                                                                                   user, query):
    Store(pg_cluster.url(pg_plan_db, "alice")).set_contact(ACE, ["ace@haringey.example"], by="ignored")
    before = [sql(pg_cluster, pg_plan_db, f"SELECT count(*), string_agg(owner || array_to_string(addresses, ','), ';') "
                                           "FROM hsp.contact"), plan_history(pg_cluster, pg_plan_db),
              reminders(pg_cluster, pg_plan_db)]
    proc = pg_cluster.psql(query, db=pg_plan_db, user=user, check=False)
    assert proc.returncode != 0 and "permission denied" in proc.stderr
    assert [sql(pg_cluster, pg_plan_db, f"SELECT count(*), string_agg(owner || array_to_string(addresses, ','), ';') "
                                         "FROM hsp.contact"), plan_history(pg_cluster, pg_plan_db),
            reminders(pg_cluster, pg_plan_db)] == before


def test_a_reader_cannot_set_a_contact_from_the_command_line(cli, url, pg_cluster, pg_plan_db):
    r = cli("--db", url("bob"), "contact", "set", ACE, "ace@haringey.example")
    assert r.code == 5
    assert len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err
    assert "may not change the contacts: changes need the hsp_officer role; nothing was changed" in r.err
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.contact") == "0"
    assert plan_history(pg_cluster, pg_plan_db) == []


def test_reminders_sent_from_a_server_plan_are_recorded_and_shown(cli, url, pg_cluster, pg_plan_db, tmp_path):
    assert cli("--db", url(), "contact", "set", ACE, "ace@haringey.example", "--on", "2010-05-01").code == 0
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    r = cli("--db", url(), "--as-of", "2010-06-01", "remind", "--outbox", str(outbox), "--from", "pmo@haringey.example")
    assert r.code == 0, r.err
    assert "no address for Interim Deputy Chief Executive" in r.err
    (eml,) = outbox.glob("*.eml")
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    items = [int(n) for n in msg["X-HSP-Items"].split()]
    assert msg["To"] == "ace@haringey.example" and items
    # recorded on each item, by the database's user
    assert reminders(pg_cluster, pg_plan_db) == [[str(n), "alice", "outbox", '["ace@haringey.example"]']
                                                 for n in sorted(items)]
    assert marks(pg_cluster, pg_plan_db) == [[str(n), "alice", "true"] for n in sorted(items)]  # then marked sent
    shown = cli("--db", url("bob"), "--as-of", "2010-06-01", "show", str(items[0]))
    assert shown.code == 0 and "reminded 1 time, last" in shown.out, shown.out
    report = cli("--db", url("bob"), "--as-of", "2010-06-01", "export", "--format", "md", "-o", str(tmp_path / "r.md"))
    assert report.code == 0, report.err
    assert "reminded 1 time, last" in (tmp_path / "r.md").read_text(encoding="utf-8")
    # a second run reminds again: "reminded 2 times"
    for old in outbox.glob("*.eml"):
        old.unlink()
    assert cli("--db", url(), "--as-of", "2010-06-01", "remind", "--outbox", str(outbox), "--from", "pmo@haringey.example",
               "--again").code == 0  # the same review date: only with --again
    assert "reminded 2 times" in cli("--db", url("bob"), "--as-of", "2010-06-01", "show", str(items[0])).out


def test_a_reader_sending_reminders_is_told_before_anything_is_sent(cli, url, pg_cluster, pg_plan_db, tmp_path):
    assert cli("--db", url(), "contact", "set", ACE, "ace@haringey.example", "--on", "2010-05-01").code == 0
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    r = cli("--db", url("bob"), "--as-of", "2010-06-01", "remind", "--outbox", str(outbox), "--from", "pmo@haringey.example")
    assert r.code == 5 and "Traceback" not in r.err, r.err
    assert "(bob) has no right to record reminders; nothing was sent" in r.err.splitlines()[-1]
    assert list(outbox.iterdir()) == []  # nothing written that could not be recorded
    assert reminders(pg_cluster, pg_plan_db) == []


def test_a_plan_file_moved_to_the_server_keeps_its_contacts_and_reminders(cli, url, pg_cluster, pg_plan_db,
                                                                          tmp_path):
    plan = tmp_path / "plan.json"
    assert cli("--db", str(plan), "--user", "tess", "contact", "set", ACE, "ace@haringey.example",
               "--on", "2010-05-01").code == 0
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    assert cli("--db", str(plan), "--user", "tess", "--as-of", "2010-06-01", "remind", "--outbox", str(outbox), "--from", "pmo@haringey.example").code == 0
    exported = tmp_path / "export.json"
    assert cli("--db", str(plan), "export", "-o", str(exported)).code == 0
    name = "moved"  # the officer exports the plan file and imports the export on the server
    r = cli("--db", url(), "import", str(exported), "--plan", name)
    assert r.code == 0, r.err
    listed = cli("--db", url("bob"), "--plan", name, "contact", "list")
    assert f"{ACE}: ace@haringey.example" in listed.out, listed.out + listed.err
    shown = cli("--db", url("bob"), "--plan", name, "--as-of", "2010-06-01", "show", "1")
    assert "reminded 1 time, last" in shown.out, shown.out
    # the contact's history came along (by whom, as in the file); the next change carries on from it
    assert cli("--db", url(), "--plan", name, "contact", "set", ACE, "new.ace@haringey.example").code == 0
    rows = sql(pg_cluster, pg_plan_db, "SELECT string_agg(h.id || ':' || h.by, ',' ORDER BY h.id) FROM "
                                       f"hsp.plan_history h JOIN hsp.plan p ON p.id = h.plan_id WHERE p.name = '{name}'")
    assert rows == "1:tess,2:alice"
    # and back again: exported from the server, the contacts and reminders are in the file
    back = tmp_path / "back.json"
    assert cli("--db", url("bob"), "--plan", name, "export", "-o", str(back)).code == 0
    data = json.loads(back.read_text(encoding="utf-8"))
    assert "new.ace@haringey.example" in json.dumps(data) and '"remind"' in json.dumps(data)


# -- the app on a server -----------------------------------------------------------------------
async def until(pilot, check, what: str, tries: int = 1500) -> None:
    for _ in range(tries):
        if check():
            return
        await pilot.pause(0.01)
    assert check(), f"timed out waiting for {what}"


async def settled(pilot) -> None:
    await until(pilot, lambda: not pilot.app.loading, "the plan loaded")
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_contacts(pilot, app):
    """The app's contacts dialog, opened by its key once the plan is shown."""
    from hsp_tui.tui.screens.contacts import ContactsScreen

    await settled(pilot)
    await pilot.press("c")
    await until(pilot, lambda: isinstance(app.screen, ContactsScreen) and app.screen.focused is not None,
                "the contacts dialog")
    return app.screen


@pytest.mark.slow
async def test_the_apps_contact_and_remind_keys_work_on_a_server(pg_cluster, pg_plan_db, tmp_path):
    from textual.widgets import Input, OptionList

    from hsp_tui.tui import build_app
    from hsp_tui.tui.screens.contacts import ContactsScreen, RemindScreen

    store = Store(pg_cluster.url(pg_plan_db, "alice"))
    from hsp_tui.cli.config import Settings

    app = build_app(store, as_of=AS_OF, user="alice", settings=Settings(sender="pmo@haringey.example"))
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_contacts(pilot, app)
        index = [c.owner for c in screen.contacts].index(ACE)
        for _ in range(index):
            await pilot.press("down")
        await until(pilot, lambda: screen.query_one(OptionList).highlighted == index, "the owner highlighted")
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(screen.focused, Input), "the addresses box")
        screen.query_one("#contacts-addresses", Input).value = ""
        await pilot.press(*"ace@haringey.example", "tab", *"ce@haringey.example", "enter")  # and a sponsor
        await until(pilot, lambda: not isinstance(app.screen, ContactsScreen), "the dialog closed")
        await settled(pilot)
        await until(pilot, lambda: app.review.plan.meta.contact(ACE) is not None, "the contact shown")
        await pilot.press("R")
        await until(pilot, lambda: isinstance(app.screen, RemindScreen) and app.screen.focused is not None,
                    "the remind dialog")
        app.screen.query_one("#remind-to", Input).value = ""
        await pilot.press(*str(outbox), "enter")
        await until(pilot, lambda: not isinstance(app.screen, RemindScreen), "the remind dialog closed")
        await settled(pilot)
        (eml,) = outbox.glob("*.eml")
        first = int(email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)["X-HSP-Items"].split()[0])
        await until(pilot, lambda: len(app.review.item(first).rec.reminders) == 1, "the reminder shown")
    assert plan_history(pg_cluster, pg_plan_db)[0][:3] == ["1", "alice", "contact"]
    assert json.loads(plan_history(pg_cluster, pg_plan_db)[0][4]) == {"addresses": ["ace@haringey.example"],
                                                                     "sponsor": ["ce@haringey.example"]}
    assert sql(pg_cluster, pg_plan_db, "SELECT sponsor FROM hsp.contact") == "{ce@haringey.example}"
    assert [row[:3] for row in reminders(pg_cluster, pg_plan_db)][0] == [str(first), "alice", "outbox"]


@pytest.mark.slow
async def test_a_reader_sees_the_contacts_and_sponsors_in_the_app_read_only(pg_cluster, pg_plan_db):
    from textual.widgets import Input, Label

    from hsp_tui.tui import build_app

    Store(pg_cluster.url(pg_plan_db, "alice")).set_contact(ACE, ["ace@haringey.example"], by="ignored",
                                                           sponsor=["ce@haringey.example"])
    app = build_app(Store(pg_cluster.url(pg_plan_db, "bob")), as_of=AS_OF, user="bob")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_contacts(pilot, app)
        assert "(read-only)" in str(screen.query_one(".dialog").border_title)
        assert screen.query_one("#contacts-sponsor", Input).disabled
        k = [c.owner for c in screen.contacts].index(ACE)
        assert screen.contacts[k].sponsor == ("ce@haringey.example",)
        await pilot.press("enter")
        error = screen.query_one("#contacts-error", Label)
        await until(pilot, lambda: "Your database role (bob) may not change" in str(error.content), "the refusal")
        # who set it, and its history (h), are the reader's to see too
        for _ in range(k):
            await pilot.press("down")
        await until(pilot, lambda: screen.query_one("#contacts-owners").highlighted == k, "the owner highlighted")
        assert str(screen.query_one("#contacts-changed", Label).content).startswith("Contact set by alice on ")
        await pilot.press("h")
        await until(pilot, lambda: type(app.screen).__name__ == "ContactHistoryScreen", "the contact history")
        shown = app.screen.query_one("#contact-history").content
        (entry,) = [cell.plain for cell in shown.columns[1].cells]  # (when  who, then what, beside "#1")
        assert entry.endswith("  alice\nset: ace@haringey.example · sponsor ce@haringey.example"), entry
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is screen, "back to the contacts")
        await pilot.press("escape")
        await until(pilot, lambda: app.screen is app.main, "the dialog closed")
    assert len(plan_history(pg_cluster, pg_plan_db)) == 1  # alice's contact alone


# -- a database set up by the previous hsp-tui ---------------------------------------------------
SCHEMA_V1 = Path(__file__).parent / "data" / "schema_v1.sql"


def test_a_version_1_database_is_upgraded_in_place_keeping_plans_contacts_and_history(cli, pg_cluster, pg_db,
                                                                                       pg_people):
    """Version 1 kept a plan's contacts inside its metadata (as a plan file brought them); `init`
    moves them to their own table, once, and grants the new functions; the plans stay."""
    pg_cluster.psql(SCHEMA_V1.read_text(encoding="utf-8"), db=pg_db, user=OWNER)
    meta = {"title": "Moved plan", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": "",
            "contacts": [{"owner": ACE, "addresses": ["ace@haringey.example"]}],
            "history": [{"id": 1, "at": "2010-05-30T10:00:00+01:00", "by": "tess", "action": "contact",
                         "field": ACE, "old": None, "new": ["ace@haringey.example"], "note": None}]}
    items = [{"number": 1, "ref": "1", "recommendation": "Do it", "management_response": "Agreed",
              "deadline": "April 2010", "owner": ACE, "status": "in_progress", "milestones": [], "revisions": [],
              "repairs": [], "history": []}]
    pg_cluster.psql(f"SELECT hsp.add_plan('moved', '{json.dumps(meta)}', '{json.dumps(items)}', 'import', NULL)",
                    db=pg_db, user="alice")
    pg_cluster.psql("SELECT hsp.add_note('moved', 1, 'before the upgrade')", db=pg_db, user="alice")
    url = pg_cluster.url(pg_db, OWNER)
    r = cli("--db", pg_cluster.url(pg_db, "alice"), "--plan", "moved", "list")
    assert r.code == 3 and "older hsp-tui" in r.err and "init" in r.err
    r = cli("--db", url, "init")
    assert r.code == 0, r.err
    assert f"upgraded hsp-tui from schema version 1 to {pgschema.SCHEMA_VERSION}; plans kept" in r.out
    assert "seed" not in r.out  # a database with plans gets no seed plan
    alice = pg_cluster.url(pg_db, "alice")
    listed = cli("--db", pg_cluster.url(pg_db, "bob"), "--plan", "moved", "contact", "list")
    assert f"{ACE}: ace@haringey.example" in listed.out, listed.out + listed.err
    assert sql(pg_cluster, pg_db, "SELECT meta ? 'contacts' OR meta ? 'history' FROM hsp.plan") == "f"
    assert sql(pg_cluster, pg_db, "SELECT id || by FROM hsp.plan_history") == "1tess"
    shown = cli("--db", alice, "--plan", "moved", "show", "1")
    assert "before the upgrade" in shown.out and "In progress" in shown.out
    # the new functions are granted: an officer changes contacts and records reminders
    assert cli("--db", alice, "--plan", "moved", "contact", "set", ACE, "new@haringey.example").code == 0
    pg_cluster.psql("SELECT hsp.record_reminder('moved', 1, '[\"new@haringey.example\"]', 'A', 'smtp')",
                    db=pg_db, user="alice")
    # init again changes nothing
    before = sql(pg_cluster, pg_db, "SELECT (SELECT count(*) FROM hsp.plan_history), (SELECT count(*) FROM hsp.contact), "
                                    "(SELECT count(*) FROM hsp.history), (SELECT meta::text FROM hsp.plan)")
    r = cli("--db", url, "init")
    assert r.code == 0 and "up to date" in r.out, r.out + r.err
    assert sql(pg_cluster, pg_db, "SELECT (SELECT count(*) FROM hsp.plan_history), (SELECT count(*) FROM hsp.contact), "
                                  "(SELECT count(*) FROM hsp.history), (SELECT meta::text FROM hsp.plan)") == before


async def test_a_colleagues_contact_change_reaches_the_open_app(pg_cluster, pg_plan_db):
    from hsp_tui.tui import build_app

    app = build_app(Store(pg_cluster.url(pg_plan_db, "alice")), as_of=AS_OF, user="alice")
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        Store(pg_cluster.url(pg_plan_db, "carol")).set_contact(ACE, ["ace@haringey.example"], by="ignored")
        await until(pilot, lambda: app.review.plan.meta.contact(ACE) is not None, "the colleague's contact shown")
        assert app.review.plan.meta.contact(ACE).addresses == ("ace@haringey.example",)
