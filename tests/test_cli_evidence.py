"""`hsp-tui evidence add|list|get|withdraw` and `hsp-tui check` on a plan file (issue 24), as an
officer and an auditor use them: one line per failure, the exit statuses of the README's table."""

from __future__ import annotations

import hashlib
import json
import os

from hsp_tui.domain.errors import Exit

MINUTES = "Minutes of the Executive Board, 28 May 2010: the conference was held.\n"
SCAN = bytes(range(256)) * 40


def run(cli, plan_path, *args, user="alice"):
    return cli("--db", str(plan_path), "--as-of", "2010-09-01", "--user", user, *args)


def one_line(res, code):
    assert res.code == code, (res.code, res.err)
    assert len(res.err.strip().splitlines()) == 1 and "Traceback" not in res.err, res.err
    return res.err


def files(tmp_path):
    (tmp_path / "minutes.txt").write_text(MINUTES, encoding="utf-8")
    (tmp_path / "scan.pdf").write_bytes(SCAN)
    return tmp_path / "minutes.txt", tmp_path / "scan.pdf"


def test_an_officer_attaches_lists_and_gets_evidence_back_checked(cli, plan_path, tmp_path):
    minutes, scan = files(tmp_path)
    r = run(cli, plan_path, "evidence", "add", "1", str(minutes), str(scan), "--note", "the board's papers",
            "--on", "2010-08-30")
    assert r.code == 0, r.err
    sha = hashlib.sha256(MINUTES.encode()).hexdigest()
    assert f"1: attached minutes.txt (70 bytes, sha256 {sha[:8]})" in r.out and "1: attached scan.pdf (10 KB" in r.out
    assert run(cli, plan_path, "evidence", "add", "1", "--url", "https://example.org/agenda").code == 0
    listed = run(cli, plan_path, "evidence", "list", "1").out.splitlines()
    assert listed[0].startswith(f"#2  minutes.txt  70 bytes  sha256 {sha[:8]}  text/plain  alice  on 30 Aug 2010")
    assert listed[0].endswith("(the board's papers)")
    assert listed[1].startswith("#3  scan.pdf  10 KB") and "application/pdf" in listed[1]
    assert listed[2].startswith("#4  link https://example.org/agenda  alice")
    assert run(cli, plan_path, "evidence", "get", "1", "2").out == MINUTES  # text: as it was
    out = tmp_path / "copy.pdf"
    got = run(cli, plan_path, "evidence", "get", "1", "3", "-o", str(out))
    assert got.code == 0 and "sha256 checked" in got.err and out.read_bytes() == SCAN
    shown = run(cli, plan_path, "show", "1").out
    assert f"attached minutes.txt (70 bytes, sha256 {sha[:8]})" in shown
    exported = json.loads(run(cli, plan_path, "export").out)
    entry = next(h for h in exported["recommendations"][0]["history"] if h["id"] == 2)
    assert entry["new"] == {"name": "minutes.txt", "size": 70, "sha256": sha, "media_type": "text/plain"}
    assert "Minutes of the Executive Board" not in json.dumps(exported)  # the entries, never the bytes


def test_a_withdrawal_needs_a_reason_and_the_verdict_records_what_stands(cli, plan_path, tmp_path):
    minutes, scan = files(tmp_path)
    assert run(cli, plan_path, "evidence", "add", "2", str(minutes), str(scan)).code == 0
    before = plan_path.read_bytes()
    assert "needs the reason" in one_line(run(cli, plan_path, "evidence", "withdraw", "2", "3"), Exit.INPUT)
    assert plan_path.read_bytes() == before
    r = run(cli, plan_path, "evidence", "withdraw", "2", "3", "--note", "the wrong scan")
    assert r.code == 0 and "2: withdrew attachment #3 (kept in history)" in r.out
    assert "already withdrawn" in one_line(run(cli, plan_path, "evidence", "withdraw", "2", "3", "--note", "x"),
                                           Exit.CONFLICT)
    assert [ln.split()[0] for ln in run(cli, plan_path, "evidence", "list", "2").out.splitlines()] == ["#2"]
    listed = run(cli, plan_path, "evidence", "list", "2", "--all").out
    assert "#3  scan.pdf" in listed and "withdrawn by alice" in listed and "the wrong scan" in listed
    assert run(cli, plan_path, "set", "2", "done").code == 0
    assert run(cli, plan_path, "verify", "2", "accepted", "--note", "minutes seen", user="carol").code == 0
    verdict = json.loads(run(cli, plan_path, "export").out)["recommendations"][1]["history"][-1]
    assert verdict["action"] == "verify" and verdict["evidence"] == [hashlib.sha256(MINUTES.encode()).hexdigest()]
    assert run(cli, plan_path, "check").out.strip() == "plan checked: 12 items, 2 copies, no problems"


def test_check_finds_a_tampered_and_a_missing_copy_and_get_refuses_them(cli, plan_path, tmp_path):
    minutes, scan = files(tmp_path)
    assert run(cli, plan_path, "evidence", "add", "3", str(minutes), str(scan)).code == 0
    folder = plan_path.with_name("plan.json.evidence")
    tampered = folder / hashlib.sha256(MINUTES.encode()).hexdigest()
    os.chmod(tampered, 0o600)
    tampered.write_text(MINUTES.replace("was held", "was NOT held"), encoding="utf-8")
    (folder / hashlib.sha256(SCAN).hexdigest()).unlink()
    out = tmp_path / "out.txt"
    err = one_line(run(cli, plan_path, "evidence", "get", "3", "2", "-o", str(out)), Exit.UNAVAILABLE)
    assert "does not match its SHA-256" in err and not out.exists()
    assert "the copy is missing" in one_line(run(cli, plan_path, "evidence", "get", "3", "3"), Exit.UNAVAILABLE)
    r = run(cli, plan_path, "check")
    assert r.code == Exit.UNAVAILABLE and r.out == ""
    lines = r.err.strip().splitlines()
    assert lines[0].startswith("recommendation 3, attachment #2 (minutes.txt): ") and "does not match" in lines[0]
    assert lines[1].startswith("recommendation 3, attachment #3 (scan.pdf): ") and "missing" in lines[1]
    assert lines[2].endswith("2 problems found")


def test_bad_evidence_commands_say_what_is_wrong_in_one_line_and_save_nothing(cli, plan_path, tmp_path):
    minutes, _ = files(tmp_path)
    assert run(cli, plan_path, "note", "1", "seen").code == 0  # the plan exists from here on
    before = plan_path.read_bytes()
    cases = [
        (("evidence", "add", "1"), Exit.INPUT, "name the files"),
        (("evidence", "add", "1", str(minutes), "--url", "https://x.org"), Exit.INPUT, "not both"),
        (("evidence", "add", "1", "--url", "javascript:alert(1)"), Exit.INPUT, "not a link"),
        (("evidence", "add", "1", str(tmp_path / "nosuch.pdf")), Exit.INPUT, "not found"),
        (("evidence", "add", "1", str(tmp_path)), Exit.INPUT, "folder"),
        (("evidence", "add", "99", str(minutes)), Exit.INPUT, "99"),
        (("evidence", "get", "1", "1"), Exit.INPUT, "no attachment #1"),
        (("evidence", "get", "1", "x"), Exit.INPUT, "attachment id"),
        (("evidence", "withdraw", "1", "1", "--note", "no"), Exit.INPUT, "no attachment #1"),
        (("evidence", "add", "1", str(minutes), "--on", "2010-09-02"), Exit.INPUT, "after today"),
    ]
    for args, code, words in cases:
        assert words in one_line(run(cli, plan_path, *args), code), args
    assert plan_path.read_bytes() == before
    # a copy is kept before its item is locked (EVIDENCE.md): one kept for a change then refused is
    # the document's own content-addressed copy, listed by nothing, never a half-written file
    kept = [p.name for p in plan_path.with_name("plan.json.evidence").iterdir()]
    assert kept == [hashlib.sha256(MINUTES.encode()).hexdigest()]


def test_get_never_writes_over_the_plan_or_its_own_files(cli, plan_path, tmp_path):
    minutes, _ = files(tmp_path)
    assert run(cli, plan_path, "evidence", "add", "1", str(minutes)).code == 0
    before = plan_path.read_bytes()
    assert "choose another name" in one_line(run(cli, plan_path, "evidence", "get", "1", "2", "-o", str(plan_path)),
                                             Exit.INPUT)
    assert plan_path.read_bytes() == before
