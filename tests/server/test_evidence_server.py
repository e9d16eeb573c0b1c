"""Evidence on a server under a hostile colleague (issue 24, with issue 20's standards): copies are
kept and attached only through the database's functions, a verdict's evidence is the server's own
record, the sizes are the server's to enforce, and a copy changed in the database is never handed
out. Tried with psql, as each person would: alice an officer, bob a reader, carol an auditor,
mallory no hsp-tui role, hsp_owner the database's owner.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from hsp_tui.domain import limits
from pgharness import OWNER

PLAN = "haringey-2010"
REPORT = b"%PDF-1.4 minutes of the PMG, 28 May 2010\n"
SHA = hashlib.sha256(REPORT).hexdigest()


def sql(cluster, db, query: str, user: str = "postgres") -> str:
    return cluster.psql(query, db=db, user=user).stdout.strip()


def refused(cluster, db, query: str, user: str) -> str:
    """The error psql prints for `query` run as `user` (it must fail)."""
    proc = cluster.psql(query, db=db, user=user, check=False)
    assert proc.returncode != 0, f"{user} was allowed: {query[:200]}"
    return proc.stderr


def keep(content: bytes = REPORT, plan: str = PLAN) -> str:
    return f"SELECT hsp.keep_copy('{plan}', '\\x{content.hex()}'::bytea)"


def copy_evidence(content: bytes = REPORT, name: str = "minutes.pdf") -> dict:
    return {"name": name, "size": len(content), "sha256": hashlib.sha256(content).hexdigest(),
            "media_type": "application/pdf"}


def attach(number: int, evidence: dict, note: str | None = "PMG minutes", plan: str = PLAN) -> str:
    return f"SELECT hsp.attach('{plan}', {number}, '{json.dumps(evidence)}', {'NULL' if note is None else repr(note)})"


def history(cluster, db, number: int) -> list[dict]:
    out = sql(cluster, db, f"SELECT hsp._entry(h) FROM hsp.history h JOIN hsp.plan p ON p.id = h.plan_id "
                           f"WHERE p.name = '{PLAN}' AND h.number = {number} ORDER BY h.id")
    return [json.loads(line) for line in out.splitlines()]


# -- who may do what ---------------------------------------------------------------------------------
def test_an_officer_keeps_and_attaches_a_reader_reads_and_the_entry_is_the_servers(pg_cluster, pg_plan_db):
    assert sql(pg_cluster, pg_plan_db, keep(), "alice") == SHA  # the server's own hash of the bytes
    assert sql(pg_cluster, pg_plan_db, keep(), "alice") == SHA  # kept once, however often
    entry = json.loads(sql(pg_cluster, pg_plan_db, attach(3, copy_evidence()), "alice"))["entry"]
    assert (entry["by"], entry["action"], entry["field"], entry["old"], entry["new"], entry["note"]) == \
        ("alice", "attach", None, None, copy_evidence(), "PMG minutes")
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*), max(kept_by), max(size) FROM hsp.copy") == f"1|alice|{len(REPORT)}"
    read = sql(pg_cluster, pg_plan_db, f"SELECT encode(hsp.read_copy('{PLAN}', '{SHA}'), 'hex')", "bob")
    assert bytes.fromhex(read) == REPORT
    assert "permission denied" in refused(pg_cluster, pg_plan_db, f"SELECT hsp.read_copy('{PLAN}', '{SHA}')", "mallory")
    assert "permission denied" in refused(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.copy", "mallory")


@pytest.mark.parametrize("call", [
    keep(b"a reader's document"),
    attach(3, copy_evidence()),
    attach(3, {"url": "https://example.org/minutes"}),
    f"SELECT hsp.withdraw('{PLAN}', 3, 1, 'wrong')",
    f"SELECT hsp.purge_copy('{PLAN}', '{SHA}', 'mine')",
])
@pytest.mark.parametrize("person", ["bob", "mallory"])
def test_a_reader_or_a_stranger_cannot_keep_attach_or_withdraw(pg_cluster, pg_plan_db, person, call):
    sql(pg_cluster, pg_plan_db, keep(), "alice")
    before = sql(pg_cluster, pg_plan_db, "SELECT (SELECT count(*) FROM hsp.history), (SELECT count(*) FROM hsp.copy)")
    assert "permission denied" in refused(pg_cluster, pg_plan_db, call, person)
    assert sql(pg_cluster, pg_plan_db, "SELECT (SELECT count(*) FROM hsp.history), "
                                       "(SELECT count(*) FROM hsp.copy)") == before


@pytest.mark.parametrize("statement", [
    f"INSERT INTO hsp.copy (plan_id, sha256, content, size) SELECT id, '{'0' * 64}', 'x', 1 FROM hsp.plan",
    "UPDATE hsp.copy SET content = 'forged'::bytea, size = 6",
    "DELETE FROM hsp.copy",
    "TRUNCATE hsp.copy",
    f"SELECT hsp.purge_copy('{PLAN}', '{SHA}', 'an officer purging')",
    # the helpers are not callable either: only the functions granted
    f"SELECT hsp._lock_copies('{PLAN}')",
])
def test_an_officer_cannot_write_or_purge_the_copies(pg_cluster, pg_plan_db, statement):
    sql(pg_cluster, pg_plan_db, keep(), "alice")
    assert "permission denied" in refused(pg_cluster, pg_plan_db, statement, "alice")
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*), string_agg(encode(content, 'hex'), ',') FROM hsp.copy") == \
        f"1|{REPORT.hex()}"


# -- what an officer cannot attach --------------------------------------------------------------------
@pytest.mark.parametrize("evidence, why", [
    (copy_evidence(b"never kept"), "no copy of minutes.pdf is kept"),
    ({**copy_evidence(), "size": len(REPORT) + 1}, f"is {len(REPORT)} bytes, not {len(REPORT) + 1}"),
    ({**copy_evidence(), "sha256": SHA.upper()}, "is not a SHA-256"),
    ({**copy_evidence(), "name": "../../etc/passwd"}, "is not a file's base name"),
    ({**copy_evidence(), "name": "minutes\x1b[2J.pdf"}, "is not a file's base name"),
    ({**copy_evidence(), "name": "\u00a0"}, "file name is empty"),
    ({**copy_evidence(), "media_type": "text/html; charset=x"}, "is not a media type"),
    ({**copy_evidence(), "size": 1.5}, "whole number of bytes"),
    ({**copy_evidence(), "by": "carol"}, "evidence is a copy"),
    ({"url": "javascript:alert(1)"}, "is not a link"),
    ({"url": "https://example.org/a b"}, "is not a link"),
    ({"url": "https://example.org/\x1b]8;;"}, "is not a link"),
    ({"url": "https://example.org/", "sha256": SHA}, "evidence is a copy"),
])
def test_an_officer_cannot_attach_what_is_not_kept_or_not_evidence(pg_cluster, pg_plan_db, evidence, why):
    sql(pg_cluster, pg_plan_db, keep(), "alice")
    before = history(pg_cluster, pg_plan_db, 3)
    assert why in refused(pg_cluster, pg_plan_db, attach(3, evidence), "alice")
    assert history(pg_cluster, pg_plan_db, 3) == before


def test_a_copy_kept_for_one_plan_cannot_be_attached_in_another(pg_cluster, pg_plan_db):
    items = [{"number": 1, "ref": "1", "recommendation": "Do it", "management_response": "", "deadline": "April 2010",
              "owner": "Lead", "status": "in_progress", "milestones": [], "revisions": [], "repairs": [], "history": []}]
    meta = {"title": "Other", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": ""}
    sql(pg_cluster, pg_plan_db, f"SELECT hsp.add_plan('other', '{json.dumps(meta)}', '{json.dumps(items)}', "
                                "'import', NULL)", "alice")
    sql(pg_cluster, pg_plan_db, keep(), "alice")
    assert "no copy of minutes.pdf is kept for plan 'other'" in \
        refused(pg_cluster, pg_plan_db, attach(1, copy_evidence(), plan="other"), "alice")


# -- a verdict's evidence is the server's record --------------------------------------------------------
def test_a_verdict_records_the_evidence_standing_and_no_caller_can_name_it(pg_cluster, pg_plan_db):
    link = "https://example.org/pmg/minutes"
    other = b"attendance list"
    sql(pg_cluster, pg_plan_db, keep(), "alice")
    sql(pg_cluster, pg_plan_db, keep(other), "alice")
    first = json.loads(sql(pg_cluster, pg_plan_db, attach(5, copy_evidence()), "alice"))["entry"]["id"]
    wrong = json.loads(sql(pg_cluster, pg_plan_db, attach(5, copy_evidence(other, "list.pdf")), "alice"))["entry"]["id"]
    sql(pg_cluster, pg_plan_db, attach(5, {"url": link}, None), "alice")
    withdrawn = json.loads(sql(pg_cluster, pg_plan_db, f"SELECT hsp.withdraw('{PLAN}', 5, {wrong}, 'the wrong list')",
                               "alice"))["entry"]
    assert (withdrawn["action"], withdrawn["undoes"], withdrawn["old"], withdrawn["new"], withdrawn["note"]) == \
        ("withdraw", wrong, copy_evidence(other, "list.pdf"), None, "the wrong list")
    assert "already withdrawn" in refused(pg_cluster, pg_plan_db, f"SELECT hsp.withdraw('{PLAN}', 5, {wrong}, 'again')",
                                          "alice")
    assert "has no attachment #1" in refused(pg_cluster, pg_plan_db, f"SELECT hsp.withdraw('{PLAN}', 5, 1, 'x')", "alice")
    assert "needs the reason" in refused(pg_cluster, pg_plan_db, f"SELECT hsp.withdraw('{PLAN}', 5, {first}, ' ')",
                                         "alice")
    sql(pg_cluster, pg_plan_db, f"SELECT hsp.set_status('{PLAN}', 5, 'done')", "alice")
    # no verdict takes its evidence from the caller: there is no such argument to give
    forged = f"SELECT hsp.verify('{PLAN}', 5, true, 'seen', ARRAY['{'0' * 64}'])"
    assert "does not exist" in refused(pg_cluster, pg_plan_db, forged, "carol")
    verdict = json.loads(sql(pg_cluster, pg_plan_db, f"SELECT hsp.verify('{PLAN}', 5, true, 'minutes seen')",
                             "carol"))["entry"]
    assert verdict["evidence"] == [SHA, link]  # standing, oldest first; the withdrawn list is not there
    assert history(pg_cluster, pg_plan_db, 5)[-1] == verdict
    # an entry that is no verdict carries no evidence key at all (as the records omit it)
    assert "evidence" not in history(pg_cluster, pg_plan_db, 5)[-2]


def test_evidence_attached_is_never_removed_by_an_officer(pg_cluster, pg_plan_db):
    sql(pg_cluster, pg_plan_db, keep(), "alice")
    entry = json.loads(sql(pg_cluster, pg_plan_db, attach(2, copy_evidence()), "alice"))["entry"]["id"]
    # not undone (it is withdrawn, with a reason), not rewritten, not deleted
    assert "cannot be undone" in refused(pg_cluster, pg_plan_db, f"SELECT hsp.undo('{PLAN}', 2, {entry})", "alice")
    assert "permission denied" in refused(pg_cluster, pg_plan_db, "DELETE FROM hsp.history WHERE action = 'attach'",
                                          "alice")
    assert history(pg_cluster, pg_plan_db, 2)[-1]["new"] == copy_evidence()


# -- sizes -----------------------------------------------------------------------------------------
def big(n: int, tag: str = "'0'") -> str:
    """`n` bytes made by the server itself (nothing that size crosses the socket), distinct by `tag`
    (an SQL expression of text)."""
    return f"convert_to(repeat('a', {n - 12}) || lpad({tag}, 12, '0'), 'UTF8')"


@pytest.mark.slow  # writes a plan's whole allowance of copies into the server
def test_the_server_enforces_the_size_of_a_copy_and_of_a_plans_copies(pg_cluster, pg_plan_db):
    """The real numbers (domain.limits): a copy at most EVIDENCE_FILE_BYTES; a plan's copies together
    at most EVIDENCE_PLAN_BYTES, each counted once; a purged copy no longer counts."""
    each, whole = limits.EVIDENCE_FILE_BYTES, limits.EVIDENCE_PLAN_BYTES
    assert whole % each == 0
    too_big = refused(pg_cluster, pg_plan_db, f"SELECT hsp.keep_copy('{PLAN}', {big(each + 1)})", "alice")
    assert f"a copy is at most {each // 2**20} MB ({each:,} bytes)" in too_big
    fill = whole // each
    kept = sql(pg_cluster, pg_plan_db, f"SELECT count(DISTINCT hsp.keep_copy('{PLAN}', {big(each, 'g::text')})) "
                                       f"FROM generate_series(1, {fill}) g", "alice")
    assert kept == str(fill)
    assert sql(pg_cluster, pg_plan_db, "SELECT sum(size) FROM hsp.copy") == str(whole)
    again = big(each, "'1'")
    assert sql(pg_cluster, pg_plan_db, f"SELECT hsp.keep_copy('{PLAN}', {again})", "alice")  # kept already: once
    over = refused(pg_cluster, pg_plan_db, f"SELECT hsp.keep_copy('{PLAN}', '\\x00'::bytea)", "alice")
    assert f"the most a plan keeps ({whole:,} bytes" in over
    first = sql(pg_cluster, pg_plan_db, "SELECT min(sha256) FROM hsp.copy")
    sql(pg_cluster, pg_plan_db, f"SELECT hsp.purge_copy('{PLAN}', '{first}', 'made room for the test')", OWNER)
    assert len(sql(pg_cluster, pg_plan_db, f"SELECT hsp.keep_copy('{PLAN}', '\\x00'::bytea)", "alice")) == 64


# -- the owner's purge -------------------------------------------------------------------------------
def test_the_owners_purge_is_recorded_and_said_when_the_copy_is_asked_for(pg_cluster, pg_plan_db):
    sql(pg_cluster, pg_plan_db, keep(), "alice")
    sql(pg_cluster, pg_plan_db, attach(4, copy_evidence()), "alice")
    assert "a purge needs its reason" in refused(pg_cluster, pg_plan_db,
                                                 f"SELECT hsp.purge_copy('{PLAN}', '{SHA}', '')", OWNER)
    done = json.loads(sql(pg_cluster, pg_plan_db, f"SELECT hsp.purge_copy('{PLAN}', '{SHA}', 'court order 12/2010')",
                          OWNER))
    assert done == {"sha256": SHA, "size": len(REPORT), "attachments": 1}
    assert sql(pg_cluster, pg_plan_db, "SELECT content IS NULL, size, purged_by, purged_at IS NOT NULL, purge_reason "
                                       "FROM hsp.copy") == f"t|{len(REPORT)}|{OWNER}|t|court order 12/2010"
    said = refused(pg_cluster, pg_plan_db, f"SELECT hsp.read_copy('{PLAN}', '{SHA}')", "bob")
    assert f"was purged by {OWNER} on " in said and "(court order 12/2010)" in said
    assert "was purged" in refused(pg_cluster, pg_plan_db, keep(), "alice")  # not kept again behind the owner's back
    assert "was purged" in refused(pg_cluster, pg_plan_db, attach(4, copy_evidence()), "alice")
    assert history(pg_cluster, pg_plan_db, 4)[-1]["new"] == copy_evidence()  # the attachment stays in the record


# -- imported documents --------------------------------------------------------------------------------
def imported_item(history: list[dict]) -> dict:
    return {"number": 1, "ref": "1", "recommendation": "Do it", "management_response": "", "deadline": "April 2010",
            "owner": "Lead", "status": "done", "milestones": [], "revisions": [], "repairs": [], "history": history}


META = {"title": "Moved", "date": "2010-03-01", "author": "", "prepared_for": "", "source": "", "notes": ""}
ATTACHED = [{"id": 1, "at": "2010-04-01T09:00:00+01:00", "by": "tess", "action": "attach", "field": None, "old": None,
             "new": copy_evidence(), "note": "minutes"},
            {"id": 2, "at": "2010-04-01T09:05:00+01:00", "by": "tess", "action": "attach", "field": None, "old": None,
             "new": {"url": "https://example.org/x"}, "note": None},
            {"id": 3, "at": "2010-04-02T09:00:00+01:00", "by": "tess", "action": "withdraw", "field": None,
             "old": {"url": "https://example.org/x"}, "new": None, "note": "dead link", "undoes": 2},
            {"id": 4, "at": "2010-04-03T09:00:00+01:00", "by": "tess", "action": "set", "field": "status",
             "old": "in_progress", "new": "done", "note": None}]


def test_an_imported_plan_brings_its_attachments_and_then_its_copies(pg_cluster, pg_plan_db):
    sql(pg_cluster, pg_plan_db, f"SELECT hsp.add_plan('moved', '{json.dumps(META)}', "
                                f"'{json.dumps([imported_item(ATTACHED)])}', 'import', NULL)", "alice")
    assert sql(pg_cluster, pg_plan_db, keep(plan="moved"), "alice") == SHA
    got = sql(pg_cluster, pg_plan_db, "SELECT string_agg(action || ':' || coalesce(undoes::text, '-') || ':' "
                                      "|| coalesce(imported_by, '-'), ',' ORDER BY h.id) FROM hsp.history h "
                                      "JOIN hsp.plan p ON p.id = h.plan_id WHERE p.name = 'moved' AND h.id <= 4")
    assert got == "attach:-:alice,attach:-:alice,withdraw:2:alice,set:-:alice"
    # the auditor here rests the verdict on what stands: the copy, not the withdrawn link
    sql(pg_cluster, pg_plan_db, "SELECT hsp.verify('moved', 1, true, 'minutes seen')", "carol")
    assert sql(pg_cluster, pg_plan_db, "SELECT evidence FROM hsp.history WHERE action = 'verify'") == "{" + SHA + "}"


@pytest.mark.parametrize("entry", [
    {**ATTACHED[0], "new": {**copy_evidence(), "sha256": "not a hash"}},
    {**ATTACHED[0], "new": {"url": "file:///etc/passwd"}},
    {**ATTACHED[0], "old": copy_evidence()},
    {**ATTACHED[2], "undoes": None},
    {**ATTACHED[2], "old": None},
    {**ATTACHED[3], "evidence": [1, 2]},
    {**ATTACHED[0], "action": "purge"},
])
def test_an_imported_attachment_that_does_not_read_is_refused(pg_cluster, pg_plan_db, entry):
    why = refused(pg_cluster, pg_plan_db, f"SELECT hsp.add_plan('moved', '{json.dumps(META)}', "
                                          f"'{json.dumps([imported_item([entry])])}', 'import', NULL)", "alice")
    assert "does not read as a recommendation" in why
    assert sql(pg_cluster, pg_plan_db, "SELECT count(*) FROM hsp.plan WHERE name = 'moved'") == "0"


# -- an older database ---------------------------------------------------------------------------------
SCHEMA_V1 = Path(__file__).parent / "data" / "schema_v1.sql"


def test_init_upgrades_an_older_database_to_keep_evidence(cli, pg_cluster, pg_db, pg_people):
    pg_cluster.psql(SCHEMA_V1.read_text(encoding="utf-8"), db=pg_db, user=OWNER)
    items = [{**imported_item([]), "status": "in_progress"}]
    sql(pg_cluster, pg_db, f"SELECT hsp.add_plan('{PLAN}', '{json.dumps(META)}', '{json.dumps(items)}', 'import', NULL)",
        "alice")
    assert cli("--db", pg_cluster.url(pg_db, OWNER), "init").code == 0
    assert sql(pg_cluster, pg_db, keep(), "alice") == SHA
    sql(pg_cluster, pg_db, attach(1, copy_evidence()), "alice")
    sql(pg_cluster, pg_db, f"SELECT hsp.set_status('{PLAN}', 1, 'done')", "alice")
    sql(pg_cluster, pg_db, f"SELECT hsp.verify('{PLAN}', 1, true, 'seen')", "carol")
    assert sql(pg_cluster, pg_db, "SELECT string_agg(action || '=' || array_length(evidence, 1)::text, ',') "
                                  "FROM hsp.history WHERE cardinality(evidence) > 0") == "verify=1"


# -- through hsp-tui, as people would ---------------------------------------------------------------
def test_a_copy_changed_in_the_database_is_refused_by_evidence_get_in_one_line(cli, pg_cluster, pg_plan_db, tmp_path):
    url = lambda who: pg_cluster.url(pg_plan_db, who)  # noqa: E731
    (tmp_path / "minutes.pdf").write_bytes(REPORT)
    added = cli("--db", url("alice"), "evidence", "add", "3", str(tmp_path / "minutes.pdf"), "--note", "PMG minutes")
    assert added.code == 0, added.err
    entry = sql(pg_cluster, pg_plan_db, "SELECT max(id) FROM hsp.history WHERE action = 'attach' AND number = 3")
    good = cli("--db", url("bob"), "evidence", "get", "3", entry, "-o", str(tmp_path / "good.pdf"))
    assert good.code == 0 and (tmp_path / "good.pdf").read_bytes() == REPORT, good.err
    # the database's owner changes one byte, keeping the size
    sql(pg_cluster, pg_plan_db, "UPDATE hsp.copy SET content = overlay(content PLACING 'X'::bytea FROM 1 FOR 1)", OWNER)
    bad = cli("--db", url("bob"), "evidence", "get", "3", entry, "-o", str(tmp_path / "bad.pdf"))
    assert bad.code == 3 and len(bad.err.strip().splitlines()) == 1 and "Traceback" not in bad.err, bad.err
    assert "does not match its SHA-256" in bad.err and not (tmp_path / "bad.pdf").exists()
    checked = cli("--db", url("bob"), "check")
    assert checked.code != 0 and SHA[:12] in checked.out + checked.err
    # purged by the owner: said, by whom and why, in one line
    sql(pg_cluster, pg_plan_db, f"SELECT hsp.purge_copy('{PLAN}', '{SHA}', 'tampered: removed')", OWNER)
    gone = cli("--db", url("bob"), "evidence", "get", "3", entry, "-o", str(tmp_path / "gone.pdf"))
    assert gone.code == 3 and len(gone.err.strip().splitlines()) == 1, gone.err
    assert f"purged by {OWNER}" in gone.err and "tampered: removed" in gone.err and not (tmp_path / "gone.pdf").exists()
    checked = cli("--db", url("bob"), "check")
    assert checked.code != 0 and f"purged by {OWNER}" in checked.out + checked.err, checked.out + checked.err


def test_a_reader_cannot_add_evidence_from_the_command_line(cli, pg_cluster, pg_plan_db, tmp_path):
    (tmp_path / "minutes.pdf").write_bytes(REPORT)
    r = cli("--db", pg_cluster.url(pg_plan_db, "bob"), "evidence", "add", "3", str(tmp_path / "minutes.pdf"))
    assert r.code == 5 and len(r.err.strip().splitlines()) == 1 and "hsp_officer" in r.err, r.err
    assert sql(pg_cluster, pg_plan_db, "SELECT (SELECT count(*) FROM hsp.copy), "
                                       "(SELECT count(*) FROM hsp.history WHERE action = 'attach')") == "0|0"


def test_a_keep_held_open_blocks_only_other_keeps_of_that_plan_and_says_so(cli, pg_cluster, pg_plan_db, tmp_path):
    """An officer left at `BEGIN; SELECT hsp.keep_copy(...)` holds the plan's copies (one keep at a
    time, so the plan's total is counted right): another keep gives up within the session's lock
    wait, in one line, nothing kept or attached; changes of items go on; a reader cannot take that lock."""
    import psycopg

    (tmp_path / "minutes.pdf").write_bytes(REPORT)
    with psycopg.connect(pg_cluster.url(pg_plan_db, "alice")) as sitting:
        sitting.execute("SELECT hsp.keep_copy(%s, %s)", [PLAN, b"kept in a transaction left open"])
        busy = cli("--db", pg_cluster.url(pg_plan_db, "carol"), "evidence", "add", "3", str(tmp_path / "minutes.pdf"))
        assert busy.code == 6 and len(busy.err.strip().splitlines()) == 1 and "another session" in busy.err, busy.err
        noted = cli("--db", pg_cluster.url(pg_plan_db, "carol"), "note", "3", "meanwhile, a note")
        assert noted.code == 0, noted.err
        assert "permission denied" in refused(pg_cluster, pg_plan_db, "SELECT 1 FROM hsp.plan FOR KEY SHARE", "bob")
        sitting.rollback()
    assert sql(pg_cluster, pg_plan_db, "SELECT (SELECT count(*) FROM hsp.copy), "
                                       "(SELECT count(*) FROM hsp.history WHERE action = 'attach')") == "0|0"


def test_a_plan_with_evidence_moves_out_and_in_again_with_its_copies(cli, pg_cluster, pg_plan_db, tmp_path):
    """Exported (the entries, not the bytes: the schema says so), imported as another plan (its
    attachments marked imported, checked by the server), its copies kept after it; replaced whole
    by the owner, the plan keeps its copies."""
    import jsonschema

    from hsp_tui.storage.postgres.server import PostgresBackend

    url = lambda who: pg_cluster.url(pg_plan_db, who)  # noqa: E731
    (tmp_path / "minutes.pdf").write_bytes(REPORT)
    assert cli("--db", url("alice"), "evidence", "add", "4", str(tmp_path / "minutes.pdf")).code == 0
    assert cli("--db", url("alice"), "evidence", "add", "4", "--url", "https://example.org/pmg",
               "--note", "the agenda").code == 0
    assert cli("--db", url("alice"), "set", "4", "done").code == 0
    assert cli("--db", url("carol"), "verify", "4", "accepted", "--note", "minutes seen").code == 0
    export = cli("--db", url("bob"), "export", "-o", str(tmp_path / "plan.json"))
    assert export.code == 0, export.err
    doc = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    jsonschema.validate(doc, json.loads(cli("schema").out))
    item = next(r for r in doc["recommendations"] if r["number"] == 4)
    verdict = [h for h in item["history"] if h["action"] == "verify"][-1]
    assert verdict["evidence"] == [SHA, "https://example.org/pmg"]

    moved = cli("--db", url("alice"), "import", str(tmp_path / "plan.json"), "--plan", "moved")
    assert moved.code == 0, moved.err
    entry = sql(pg_cluster, pg_plan_db, "SELECT h.id FROM hsp.history h JOIN hsp.plan p ON p.id = h.plan_id "
                                        "WHERE p.name = 'moved' AND h.number = 4 AND h.action = 'attach' "
                                        "AND h.imported_by = 'alice' ORDER BY h.id LIMIT 1")
    missing = cli("--db", url("bob"), "--plan", "moved", "evidence", "get", "4", entry, "-o", str(tmp_path / "m.pdf"))
    assert missing.code == 3 and "missing" in missing.err and len(missing.err.strip().splitlines()) == 1, missing.err
    backend = PostgresBackend(url("alice"), plan="moved")
    try:
        assert backend.evidence.keep(REPORT) == SHA  # the copies follow the plan, each checked by its hash
    finally:
        backend.close()
    got = cli("--db", url("bob"), "--plan", "moved", "evidence", "get", "4", entry, "-o", str(tmp_path / "m.pdf"))
    assert got.code == 0 and (tmp_path / "m.pdf").read_bytes() == REPORT, got.err
    assert cli("--db", url("bob"), "--plan", "moved", "check").code == 0

    replaced = cli("--db", url(OWNER), "--plan", PLAN, "import", str(tmp_path / "plan.json"), "--replace")
    assert replaced.code == 0, replaced.err
    again = cli("--db", url("bob"), "--plan", PLAN, "evidence", "get", "4", entry, "-o", str(tmp_path / "r.pdf"))
    assert again.code == 0 and (tmp_path / "r.pdf").read_bytes() == REPORT, again.err
