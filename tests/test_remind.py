"""Reminders: contacts in the plan, then `hsp-tui remind` against a real SMTP server on 127.0.0.1.

The server is aiosmtpd's, started by the test on a free port; each message it receives is parsed back
with the standard library's `email` package.
"""

from __future__ import annotations

import email
import email.policy
import json
import socket
from contextlib import contextmanager
from pathlib import Path

import pytest

aiosmtpd = pytest.importorskip("aiosmtpd.controller")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], email.message.EmailMessage]] = []
        self.refuse: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append((list(envelope.rcpt_tos), msg))
        return "250 Message accepted"


def free_port() -> int:
    # aiosmtpd's Controller checks that its server is up by connecting to the port it was given, so
    # it needs a real one (not 0): ask the system for a free port first.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def smtp_server(inbox):
    """A real SMTP server on 127.0.0.1 handing what it gets to `inbox` (its `url` set) while in use."""
    port = free_port()
    controller = aiosmtpd.Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        inbox.url = f"smtp://127.0.0.1:{port}"
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    with smtp_server(Inbox()) as inbox:
        yield inbox


SENDER = {"HSP_TUI_MAIL_FROM": "pmo@haringey.example"}  # a configured sender (else nothing is sent)


def run(cli, plan_path, *args, as_of="2010-06-01", user="officer", env=None):
    return cli("--db", str(plan_path), "--as-of", as_of, "--user", user, *args, env=env)


def contacts(cli, plan_path):
    for owner, *addresses in (("Assistant Chief Executive", "ace@haringey.example", "pa.ace@haringey.example"),
                              ("Interim Deputy Chief Executive", "idce@haringey.example")):
        r = run(cli, plan_path, "contact", "set", owner, *addresses)
        assert r.code == 0, r.err


def items_of(msg) -> list[int]:
    return [int(n) for n in msg["X-HSP-Items"].split()]


def test_officer_keeps_contacts_in_the_plan(cli, plan_path):
    contacts(cli, plan_path)
    listed = run(cli, plan_path, "contact", "list").out
    assert "Assistant Chief Executive: ace@haringey.example, pa.ace@haringey.example" in listed
    assert "Head of OD&L: (no address)" in listed
    r = run(cli, plan_path, "contact", "set", "Head of OD&L", "not an address")
    assert r.code == 2 and "is not an e-mail address" in r.err
    assert run(cli, plan_path, "contact", "remove", "interim deputy chief executive").code == 0
    assert "Interim Deputy Chief Executive: (no address)" in run(cli, plan_path, "contact", "list").out
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    history = data["meta"]["1"]["plan"]["history"]
    assert [h["action"] for h in history] == ["contact"] * 3 and history[-1]["new"] is None
    assert history[0]["by"] == "officer"


def test_remind_sends_one_message_per_owner_with_their_items_and_records_it(cli, plan_path, smtp):
    contacts(cli, plan_path)
    run(cli, plan_path, "note", "2", "Framework <b>drafted</b>, awaiting the board")
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, "--days", "60", "--from", "pmo@haringey.example")
    assert r.code == 0, r.err
    # Head of OD&L etc. have nothing overdue or due soon; owners with items but no address are named.
    assert len(smtp.messages) == 2
    by_to = {tuple(sorted(to)): msg for to, msg in smtp.messages}
    ace = by_to[("ace@haringey.example", "pa.ace@haringey.example")]
    idce = by_to[("idce@haringey.example",)]
    # As of 1 June 2010: items 1, 2, 4 (ACE) and 8, 9 (IDCE) are overdue; within 60 days, ACE's 12 and
    # the JSNA steering group's 7 (31 July; that owner has no address).
    assert items_of(ace) == [1, 2, 4, 12] and items_of(idce) == [8, 9]
    assert "Partnership working in Haringey" in ace["Subject"] and "3 overdue" in ace["Subject"]
    text = ace.get_body(("plain",)).get_content()
    html = ace.get_body(("html",)).get_content()
    assert "No. 1 (ref 3.2)" in text and "32 days overdue" in text
    assert "latest note: Framework <b>drafted</b>, awaiting the board" in text
    assert "Framework &lt;b&gt;drafted&lt;/b&gt;" in html and "<b>drafted" not in html
    assert ace["From"] == "pmo@haringey.example"
    assert "no address for JSNA steering group (1 item to remind)" in r.err
    assert "Due within 60 days (1):" in text and "No. 12 (ref 5.3)" in text
    # Recorded: each item says when and to whom; the detail and the board report say so.
    shown = run(cli, plan_path, "show", "1").out
    assert "Reminders: reminded 1 time, last" in shown
    assert "reminder sent to ace@haringey.example, pa.ace@haringey.example" in shown
    md = run(cli, plan_path, "export", "--format", "md").out
    assert "reminded 1 time, last" in md
    assert "reminded" not in run(cli, plan_path, "show", "3").out  # not overdue, not reminded


def test_dry_run_sends_and_records_nothing_and_a_second_run_reminds_again(cli, plan_path, smtp):
    contacts(cli, plan_path)
    before = plan_path.read_bytes()
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, "--dry-run")
    assert r.code == 0 and "would send to ace@haringey.example, pa.ace@haringey.example" in r.out
    assert "2 messages would be sent" in r.out
    assert smtp.messages == [] and plan_path.read_bytes() == before
    for again in ((), ("--again",)):  # the same review date twice: the second needs --again
        assert run(cli, plan_path, "remind", "--smtp", smtp.url, "--owner", "assistant", *again, env=SENDER).code == 0
    assert len(smtp.messages) == 2  # one per run, to the one owner asked for
    assert "reminded 2 times" in run(cli, plan_path, "show", "2").out


def test_a_refused_message_is_reported_recorded_as_not_sent_and_the_run_fails(cli, plan_path, smtp):
    contacts(cli, plan_path)
    smtp.refuse = {"idce@haringey.example"}
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, env=SENDER)
    assert r.code == 1  # done in part: one sent, one not
    assert "failed: Interim Deputy Chief Executive (idce@haringey.example)" in r.err and "550" in r.err
    assert "1 reminder sent, 1 failed" in r.err
    shown = run(cli, plan_path, "show", "8").out
    assert "reminded" not in shown and "not confirmed" not in shown
    # recorded before it went, then marked not sent, with the server's answer
    assert "reminder to idce@haringey.example: not sent" in shown and "marked not sent" in shown
    assert "no such mailbox" in shown
    shown = run(cli, plan_path, "show", "1").out
    assert "reminded 1 time" in shown and "reminder sent to ace@haringey.example" in shown


def test_a_server_that_is_not_there_fails_in_one_line(cli, plan_path):
    contacts(cli, plan_path)
    r = run(cli, plan_path, "remind", "--smtp", "smtp://127.0.0.1:9", env=SENDER)
    assert r.code == 3 and "cannot connect to smtp://127.0.0.1:9" in r.err and "Traceback" not in r.err
    r = run(cli, plan_path, "remind", "--smtp", "smtp://me:secret@127.0.0.1:25")
    assert r.code == 2 and "do not put the password in the URL" in r.err and "secret" not in r.err


def test_outbox_writes_one_eml_per_owner(cli, plan_path, tmp_path):
    contacts(cli, plan_path)
    out = tmp_path / "outbox"
    out.mkdir()
    r = run(cli, plan_path, "remind", "--outbox", str(out), env=SENDER)
    assert r.code == 0, r.err
    assert r.out.splitlines()[-1] == f"2 reminders written to {out}"  # written, not sent
    files = sorted(out.glob("*.eml"))
    assert [f.name for f in files] == ["reminder-2010-06-01-assistant-chief-executive.eml",
                                       "reminder-2010-06-01-interim-deputy-chief-executive.eml"]
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "ace@haringey.example, pa.ace@haringey.example" and items_of(msg) == [1, 2, 4]
    assert "(written to the outbox)" in run(cli, plan_path, "show", "1").out
    # The configured sender, in From and in the Message-ID; nothing of the machine's
    assert msg["From"] == "pmo@haringey.example" and msg["Message-ID"].endswith("@haringey.example>")
    assert "localhost" not in files[0].read_text(encoding="utf-8")


def test_an_outbox_that_is_missing_or_a_file_is_said_in_one_line(cli, plan_path, tmp_path):
    contacts(cli, plan_path)
    before = plan_path.read_bytes()
    missing = tmp_path / "outbx"  # a typo of an existing folder's name
    r = run(cli, plan_path, "remind", "--outbox", str(missing), "--dry-run")
    assert r.code == 2 and r.err.strip() == (
        f"hsp-tui: error: --outbox {missing}: the folder does not exist (create it first)")
    assert not missing.exists()
    afile = tmp_path / "notes.txt"
    afile.write_text("x", encoding="utf-8")
    r = run(cli, plan_path, "remind", "--outbox", str(afile), env=SENDER)
    assert r.code == 2 and f"--outbox {afile}: not a folder" in r.err and "Traceback" not in r.err
    assert plan_path.read_bytes() == before


def test_csv_import_takes_an_email_column_as_contacts_and_a_json_export_keeps_them(cli, tmp_path):
    src = tmp_path / "actions.csv"
    src.write_text("number,ref,recommendation,management_response,deadline,owner,email\n"
                   "1,1.1,Do the first thing,Agreed,April 2010,Head of Policy,policy@council.example\n"
                   "2,1.2,Do the second thing,Agreed,May 2010,Head of Policy,policy@council.example; pa@council.example\n"
                   "3,1.3,Do the third thing,Agreed,June 2010,Chief Executive,\n", encoding="utf-8")
    db = tmp_path / "imported.json"
    r = cli("--db", str(db), "import", str(src), "--plan-date", "2010-03-01")
    assert r.code == 0, r.err
    listed = cli("--db", str(db), "contact", "list").out
    assert "Head of Policy: policy@council.example, pa@council.example" in listed
    assert "Chief Executive: (no address)" in listed
    export = tmp_path / "export.json"
    assert cli("--db", str(db), "export", "-o", str(export)).code == 0
    jsonschema = pytest.importorskip("jsonschema")
    from hsp_tui.formats.schema import schema_text

    jsonschema.validate(json.loads(export.read_text(encoding="utf-8")), json.loads(schema_text()))
    again = tmp_path / "again.json"
    assert cli("--db", str(again), "import", str(export)).code == 0
    assert "Head of Policy: policy@council.example, pa@council.example" in cli("--db", str(again), "contact", "list").out
    bad = tmp_path / "bad.csv"
    bad.write_text("number,ref,recommendation,management_response,deadline,owner,email\n"
                   "1,1.1,Do it,Agreed,April 2010,Head of Policy,policy at council\n", encoding="utf-8")
    r = cli("--db", str(tmp_path / "bad.json"), "import", str(bad))
    assert r.code == 2 and "line 2: email:" in r.err and "is not an e-mail address" in r.err


# STARTTLS and smtps://, with a login, against a server with a certificate: tests/test_remind_tls.py


# -- issue 23: the sender, the message's content, the words of an outbox run, the contact's syntax --
def settings_file(tmp_path, **values) -> Path:
    path = tmp_path / "settings.toml"
    path.write_text("".join(f'{k} = "{v}"\n' for k, v in values.items()), encoding="utf-8")
    return path


def test_without_a_configured_sender_nothing_goes_and_the_reason_is_one_line(cli, plan_path, smtp, tmp_path):
    contacts(cli, plan_path)
    before = plan_path.read_bytes()
    out = tmp_path / "outbox"
    out.mkdir()
    for how in (("--smtp", smtp.url), ("--outbox", str(out))):
        r = run(cli, plan_path, "remind", *how)
        assert r.code == 2 and len(r.err.strip().splitlines()) == 1, r.err
        assert "no sender configured: give --from ADDRESS, set HSP_TUI_MAIL_FROM" in r.err and "Traceback" not in r.err
    assert smtp.messages == [] and list(out.iterdir()) == [] and plan_path.read_bytes() == before
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, "--from", "pmo at haringey")
    assert r.code == 2 and "--from: 'pmo at haringey' is not an e-mail address" in r.err and smtp.messages == []
    # The settings file's sender and reply_to: From, Reply-To, the Message-ID's domain, Auto-Submitted.
    config = settings_file(tmp_path, sender="pmo@haringey.example", reply_to="pmo-team@haringey.example")
    r = run(cli, plan_path, "--config", str(config), "remind", "--smtp", smtp.url)
    assert r.code == 0, r.err
    assert r.out.splitlines()[-1] == "2 reminders sent"
    for _, msg in smtp.messages:
        assert msg["From"] == "pmo@haringey.example" and msg["Reply-To"] == "pmo-team@haringey.example"
        assert msg["Message-ID"].endswith("@haringey.example>") and msg["Auto-Submitted"] == "auto-generated"
    bad = settings_file(tmp_path, sender="nobody")
    r = run(cli, plan_path, "--config", str(bad), "remind", "--smtp", smtp.url)
    assert r.code == 2 and f"{bad}: sender: 'nobody' is not an e-mail address" in r.err


def test_the_message_gives_the_whole_recommendation_the_milestone_and_the_plan_spelling(cli, plan_path, smtp):
    # The contact typed in lower case and with a double space; the plan spells the owner otherwise.
    assert run(cli, plan_path, "contact", "set", "assistant  chief executive", "ace@haringey.example").code == 0
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, env=SENDER)
    assert r.code == 0, r.err
    ((_, msg),) = smtp.messages
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = msg.get_body(("html",)).get_content()
    assert text.startswith("Dear Assistant Chief Executive,\n") and "Dear Assistant Chief Executive," in html
    from hsp_tui.storage.seed import seed_document

    whole = " ".join(seed_document()["recommendations"][3]["recommendation"].split())  # item 4's, in full
    assert len(whole) > 300 and f"No. 4 (ref 7.2): {whole}" in " ".join(text.split())
    assert "…" not in text
    # Item 2 is due because of its first milestone, which is named; item 1 (no milestones) is simply due.
    milestone = "Revised performance management framework in place, streamlining the data provided to each partnership group"
    assert f'milestone "{milestone}" due 30 Apr 2010, 32 days overdue' in text
    assert f'(milestone &quot;{milestone}&quot;)' in html
    assert "\n  due 30 Apr 2010, 32 days overdue; status" in text


def test_contact_set_takes_addresses_separated_by_commas_as_the_app_does(cli, plan_path):
    r = run(cli, plan_path, "contact", "set", "Head of OD&L", "odl@haringey.example, pa.odl@haringey.example")
    assert r.code == 0, r.err
    assert "Head of OD&L: odl@haringey.example, pa.odl@haringey.example" in run(cli, plan_path, "contact", "list").out
    r = run(cli, plan_path, "contact", "set", "Head of OD&L", "odl@haringey.example,", "x@haringey.example")
    assert r.code == 0 and "Head of OD&L: odl@haringey.example, x@haringey.example" in run(
        cli, plan_path, "contact", "list").out
    r = run(cli, plan_path, "contact", "set", "Head of OD&L", "odl@haringey.example, not an address")
    assert r.code == 2 and "'not an address' is not an e-mail address" in r.err


def reminded_earlier(plan_path, number: int, *days: str) -> None:
    """Reminders the officer sent about item `number` to the Assistant Chief Executive on `days`
    (recorded as the command records them, at 09:00 on each day)."""
    from hsp_tui.storage.store import Store

    for day in days:
        Store(plan_path, clock=lambda day=day: f"{day}T09:00:00+01:00").record_reminder(
            number, ("ace@haringey.example",), "Assistant Chief Executive", by="officer")


def test_a_second_reminder_on_the_same_review_date_is_refused_without_again(cli, plan_path, smtp):
    contacts(cli, plan_path)
    reminded_earlier(plan_path, 1, "2010-06-01")  # this morning, as of 1 Jun 2010
    before = plan_path.read_bytes()
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, env=SENDER)
    assert r.code == 2 and r.err.strip() == ("hsp-tui: error: already reminded on 1 Jun 2010: Assistant Chief "
                                             "Executive (items 1); give --again to send again (nothing was sent)")
    assert smtp.messages == [] and plan_path.read_bytes() == before
    # The next day it goes without a word; on the same day with --again.
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, "--again", env=SENDER)
    assert r.code == 0 and r.out.splitlines()[-1] == "2 reminders sent", r.err
    assert "reminded 2 times" in run(cli, plan_path, "show", "1").out


def test_later_reminders_about_an_item_say_which_one_and_since_when(cli, plan_path, smtp):
    contacts(cli, plan_path)
    reminded_earlier(plan_path, 1, "2010-06-01", "2010-07-01")
    r = run(cli, plan_path, "remind", "--smtp", smtp.url, "--owner", "assistant", as_of="2010-09-01", env=SENDER)
    assert r.code == 0, r.err
    ((_, msg),) = smtp.messages
    text = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    lines = text.splitlines()
    at = lines.index(next(line for line in lines if line.startswith("- No. 1 ")))
    assert lines[at + 2] == "  Reminder 3, first sent 1 Jun 2010, now 124 days overdue"  # 30 Apr to 1 Sep
    assert text.count("Reminder ") == 1  # items 2, 4 and 12: their first reminder, said as before
    html = msg.get_body(("html",)).get_content()
    assert "Reminder 3, first sent 1 Jun 2010, now 124 days overdue" in html
    # a fourth, a month on, counts this one too
    smtp.messages.clear()
    assert run(cli, plan_path, "remind", "--smtp", smtp.url, "--owner", "assistant", as_of="2010-10-01",
               env=SENDER).code == 0
    text = smtp.messages[0][1].get_body(("plain",)).get_content()
    assert "Reminder 4, first sent 1 Jun 2010, now 154 days overdue" in text


def test_the_fourth_reminder_about_an_item_is_copied_to_the_owners_sponsor(cli, plan_path, smtp):
    contacts(cli, plan_path)
    r = run(cli, plan_path, "contact", "set", "Assistant Chief Executive", "ace@haringey.example, pa.ace@haringey.example",
            "--sponsor", "chief.exec@haringey.example")
    assert r.code == 0 and "(sponsor: chief.exec@haringey.example)" in r.out, r.err
    assert ("Assistant Chief Executive: ace@haringey.example, pa.ace@haringey.example (sponsor: chief.exec@haringey.example)"
            in run(cli, plan_path, "contact", "list").out)
    reminded_earlier(plan_path, 1, "2010-06-01", "2010-07-01")
    texts = []
    for as_of in ("2010-09-01", "2010-10-01"):  # the third reminder about item 1, then the fourth
        smtp.messages.clear()
        r = run(cli, plan_path, "remind", "--smtp", smtp.url, "--owner", "assistant", as_of=as_of, env=SENDER)
        assert r.code == 0, r.err
        ((rcpt, msg),) = smtp.messages
        texts.append((rcpt, msg, msg.get_body(("plain",)).get_content()))
    (rcpt3, msg3, text3), (rcpt4, msg4, text4) = texts
    assert msg3["Cc"] is None and "chief.exec@haringey.example" not in rcpt3 and "sponsor" not in text3
    assert msg4["Cc"] == "chief.exec@haringey.example" and "chief.exec@haringey.example" in rcpt4
    assert "Copied to the sponsor (chief.exec@haringey.example)" in text4
    assert "reminder sent to ace@haringey.example, pa.ace@haringey.example, chief.exec@haringey.example" in run(
        cli, plan_path, "show", "1", as_of="2010-10-01").out  # as it stood when the fourth went
    # escalate_after in the settings: 5 means the sponsor is not copied yet
    config = Path(str(plan_path) + ".toml")
    config.write_text("escalate_after = 5\n", encoding="utf-8")
    smtp.messages.clear()
    assert run(cli, plan_path, "--config", str(config), "remind", "--smtp", smtp.url, "--owner", "assistant",
               as_of="2010-11-01", env=SENDER).code == 0
    assert smtp.messages[0][1]["Cc"] is None
    # "" removes the sponsor
    assert run(cli, plan_path, "contact", "set", "Assistant Chief Executive", "ace@haringey.example",
               "--sponsor", "").code == 0
    assert "sponsor" not in run(cli, plan_path, "contact", "list").out
