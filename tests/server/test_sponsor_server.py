"""A contact's sponsor on a PostgreSQL server (issue 23): kept by hsp.set_contact under the plan
file's rules, copied on the fourth reminder about an item (a real SMTP server on 127.0.0.1), and
brought along when a plan file is imported. alice is an officer, bob a reader."""

from __future__ import annotations

import json

import pytest

from test_remind import SENDER, smtp  # noqa: F401  (smtp: the fixture)

pytest.importorskip("aiosmtpd.controller")  # the SMTP server of test_remind.smtp_server

PLAN = "haringey-2010"
ACE = "Assistant Chief Executive"
SPONSOR = "chief.exec@haringey.example"


@pytest.fixture
def url(pg_cluster, pg_plan_db):
    return lambda user="alice": pg_cluster.url(pg_plan_db, user)


def sponsors(cluster, db) -> str:
    return cluster.psql("SELECT owner || ':' || array_to_string(sponsor, ',') FROM hsp.contact ORDER BY owner_key",
                        db=db, user="bob").stdout.strip()


def test_the_fourth_reminder_from_a_server_plan_is_copied_to_the_owners_sponsor(cli, url, pg_cluster, pg_plan_db, smtp):
    r = cli("--db", url(), "contact", "set", ACE, "ace@haringey.example, pa.ace@haringey.example",
            "--sponsor", SPONSOR, "--on", "2010-05-01")
    assert r.code == 0 and f"(sponsor: {SPONSOR})" in r.out, r.err
    assert (f"{ACE}: ace@haringey.example, pa.ace@haringey.example (sponsor: {SPONSOR})"
            in cli("--db", url("bob"), "contact", "list").out)
    assert sponsors(pg_cluster, pg_plan_db) == f"{ACE}:{SPONSOR}"
    sent = []
    for as_of in ("2010-06-01", "2010-07-01", "2010-09-01", "2010-10-01"):
        smtp.messages.clear()
        r = cli("--db", url(), "--as-of", as_of, "remind", "--smtp", smtp.url, "--owner", "assistant", env=SENDER)
        assert r.code == 0, r.err
        ((rcpt, msg),) = smtp.messages
        sent.append((rcpt, msg, msg.get_body(("plain",)).get_content()))
    for rcpt, msg, text in sent[:3]:
        assert msg["Cc"] is None and SPONSOR not in rcpt and "sponsor" not in text
    rcpt4, msg4, text4 = sent[3]
    assert msg4["Cc"] == SPONSOR and SPONSOR in rcpt4
    assert f"Copied to the sponsor ({SPONSOR})" in text4 and "Reminder 4, first sent" in text4
    assert f"reminder sent to ace@haringey.example, pa.ace@haringey.example, {SPONSOR}" in cli(
        "--db", url("bob"), "--as-of", "2010-10-01", "show", "1").out
    # a change of the addresses alone keeps the sponsor; "" removes it; removing the contact removes both
    assert cli("--db", url(), "contact", "set", ACE, "ace@haringey.example").code == 0
    assert sponsors(pg_cluster, pg_plan_db) == f"{ACE}:{SPONSOR}"
    r = cli("--db", url(), "contact", "set", ACE, "ace@haringey.example", "--sponsor", "")
    assert r.code == 0 and "sponsor" not in cli("--db", url("bob"), "contact", "list").out, r.err
    assert cli("--db", url(), "contact", "set", ACE, "ace@haringey.example", "--sponsor", "").out.strip().endswith(
        "nothing changed")
    assert cli("--db", url(), "contact", "set", ACE, "ace@haringey.example", "--sponsor", SPONSOR).code == 0
    assert cli("--db", url(), "contact", "remove", ACE).code == 0
    assert sponsors(pg_cluster, pg_plan_db) == ""


@pytest.mark.parametrize("user, sponsor, refused", [
    ("alice", '["Boss <boss@x.org>"]', "is not an e-mail address"),
    ("alice", '"boss@x.org"', "the addresses are a list of e-mail addresses"),
    ("bob", '["boss@x.org"]', "permission denied"),
])
def test_a_sponsor_set_from_psql_is_checked_by_the_database(pg_cluster, pg_plan_db, user, sponsor, refused):
    proc = pg_cluster.psql(f"SELECT hsp.set_contact('{PLAN}', '{ACE}', '[\"ace@x.org\"]', '{sponsor}')",
                           db=pg_plan_db, user=user, check=False)
    assert proc.returncode != 0 and refused in proc.stderr
    assert sponsors(pg_cluster, pg_plan_db) == ""


def test_a_plan_file_with_sponsors_imported_onto_a_server_keeps_them(cli, url, pg_cluster, pg_plan_db, tmp_path):
    plan = tmp_path / "plan.json"
    assert cli("--db", str(plan), "--user", "tess", "contact", "set", ACE, "ace@haringey.example",
               "--sponsor", f"{SPONSOR}, deputy@haringey.example", "--on", "2010-05-01").code == 0
    exported = tmp_path / "export.json"
    assert cli("--db", str(plan), "export", "-o", str(exported)).code == 0
    r = cli("--db", url(), "import", str(exported), "--plan", "moved")
    assert r.code == 0, r.err
    listed = cli("--db", url("bob"), "--plan", "moved", "contact", "list")
    assert f"{ACE}: ace@haringey.example (sponsor: {SPONSOR}, deputy@haringey.example)" in listed.out, listed.err
    # exported again from the server: the same contact, sponsor and all
    again = tmp_path / "again.json"
    assert cli("--db", url("bob"), "--plan", "moved", "export", "-o", str(again)).code == 0
    contact = json.loads(again.read_text(encoding="utf-8"))["plan"]["contacts"]
    assert contact == [{"owner": ACE, "addresses": ["ace@haringey.example"],
                        "sponsor": [SPONSOR, "deputy@haringey.example"]}]
    # a sponsor that is no address is refused by the server, in one line, nothing added
    data = json.loads(exported.read_text(encoding="utf-8"))
    data["plan"]["contacts"][0]["sponsor"] = ["not an address"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    r = cli("--db", url(), "import", str(bad), "--plan", "bad")
    assert r.code != 0 and len(r.err.strip().splitlines()) == 1 and "Traceback" not in r.err, r.err
    assert "bad" not in cli("--db", url("bob"), "plans").out


def contact_line(cli, *where: str) -> str:
    r = cli(*where, "contact", "list")
    assert r.code == 0, r.err
    return next(line for line in r.out.splitlines() if line.startswith(ACE))


def test_the_sponsors_history_goes_from_a_plan_file_to_a_server_and_back(cli, url, tmp_path):
    """Export, then import: each contact entry keeps the sponsor before and after, and the server
    replays the plan as it stood on a day to that day's sponsor, as the file does."""
    plan = tmp_path / "plan.json"
    for on, sponsor in (("2010-05-01", SPONSOR), ("2010-09-01", "deputy@haringey.example")):
        assert cli("--db", str(plan), "--user", "tess", "contact", "set", ACE, "ace@haringey.example",
                   "--sponsor", sponsor, "--on", on).code == 0
    exported = tmp_path / "export.json"
    assert cli("--db", str(plan), "export", "-o", str(exported)).code == 0
    entries = [(h["old"], h["new"], h["on"]) for h in json.loads(exported.read_text(encoding="utf-8"))["plan"]["history"]]
    first = {"addresses": ["ace@haringey.example"], "sponsor": [SPONSOR]}
    assert entries == [(None, first, "2010-05-01"),
                       (first, {"addresses": ["ace@haringey.example"], "sponsor": ["deputy@haringey.example"]},
                        "2010-09-01")]
    r = cli("--db", url(), "import", str(exported), "--plan", "moved")
    assert r.code == 0, r.err
    again = tmp_path / "again.json"
    assert cli("--db", url("bob"), "--plan", "moved", "export", "-o", str(again)).code == 0
    assert [(h["old"], h["new"], h["on"]) for h in json.loads(again.read_text(encoding="utf-8"))["plan"]["history"]] \
        == entries
    for day, sponsor in (("2010-08-31", SPONSOR), ("2010-09-01", "deputy@haringey.example")):
        for where in (("--db", str(plan)), ("--db", url("bob"), "--plan", "moved")):
            assert contact_line(cli, *where, "--as-of", day) == f"{ACE}: ace@haringey.example (sponsor: {sponsor})"


def test_an_export_of_a_day_whose_sponsor_was_not_recorded_says_so_and_imports_as_none(cli, url, tmp_path):
    """A plan whose contact entries were made before they recorded the sponsor: its export as of a day
    they decide says the sponsor is not recorded (null), and imported (on a file, on a server) it is none."""
    plan = tmp_path / "plan.json"
    assert cli("--db", str(plan), "--user", "tess", "contact", "set", ACE, "ace@haringey.example",
               "--sponsor", SPONSOR, "--on", "2010-05-01").code == 0
    exported = tmp_path / "export.json"
    assert cli("--db", str(plan), "export", "-o", str(exported)).code == 0
    data = json.loads(exported.read_text(encoding="utf-8"))
    data["plan"]["history"] = [  # as hsp-tui recorded them before: the addresses alone
        dict(h, old=None if h["old"] is None else h["old"]["addresses"], new=h["new"]["addresses"], on=on)
        for h, on in ((data["plan"]["history"][0], "2010-05-01"), (dict(data["plan"]["history"][0], id=2), "2010-09-01"))]
    data["plan"]["history"][1]["old"] = data["plan"]["history"][1]["new"]
    older = tmp_path / "older.json"
    older.write_text(json.dumps(data), encoding="utf-8")
    r = cli("--db", url(), "import", str(older), "--plan", "older")
    assert r.code == 0, r.err
    server = ("--db", url("bob"), "--plan", "older")
    assert contact_line(cli, *server, "--as-of", "2010-08-31") == f"{ACE}: ace@haringey.example (sponsor not recorded)"
    as_it_stood = tmp_path / "as-it-stood.json"
    assert cli(*server, "--as-of", "2010-08-31", "export", "-o", str(as_it_stood)).code == 0
    assert json.loads(as_it_stood.read_text(encoding="utf-8"))["plan"]["contacts"] == [
        {"owner": ACE, "addresses": ["ace@haringey.example"], "sponsor": None}]
    r = cli("--db", url(), "import", str(as_it_stood), "--plan", "again")
    assert r.code == 0, r.err
    assert contact_line(cli, "--db", url("bob"), "--plan", "again") == f"{ACE}: ace@haringey.example"
    on_file = tmp_path / "again-file.json"
    r = cli("--db", str(on_file), "--user", "tess", "import", str(as_it_stood))
    assert r.code == 0, r.err
    assert contact_line(cli, "--db", str(on_file)) == f"{ACE}: ace@haringey.example"
