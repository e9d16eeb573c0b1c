"""Moving a plan with its evidence (issue 24), what can go wrong on the way: each refused in one
line naming the file, and nothing imported (the happy path on both backends is in
tests/contract/test_evidence_move_contract.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

MINUTES = b"Minutes of the Executive Board, 28 May 2010\n"
SCAN = bytes(range(256)) * 40


@pytest.fixture
def moved(cli, plan_path, tmp_path) -> Path:
    """The seed plan with two copies on No. 2, exported --with-evidence to tmp/out."""
    (tmp_path / "minutes.txt").write_bytes(MINUTES)
    (tmp_path / "scan.pdf").write_bytes(SCAN)
    assert cli("--db", str(plan_path), "evidence", "add", "2", "minutes.txt", "scan.pdf").code == 0
    done = cli("--db", str(plan_path), "export", "--with-evidence", "out")
    assert done.code == 0, done.err
    return tmp_path / "out"


def one_line_refusal(result, *words: str) -> None:
    assert result.code != 0 and "Traceback" not in result.err, result.err
    assert len(result.err.strip().splitlines()) == 1, result.err
    for w in words:
        assert w in result.err, result.err


def test_with_evidence_is_json_into_a_new_folder(cli, plan_path, moved):
    one_line_refusal(cli("--db", str(plan_path), "export", "--format", "csv", "--with-evidence", "x"),
                     "--format json")
    one_line_refusal(cli("--db", str(plan_path), "export", "-o", "a.json", "--with-evidence", "x"), "without -o")
    one_line_refusal(cli("--db", str(plan_path), "export", "--with-evidence", "out"), "already holds an export")


def test_a_tampered_copy_stops_the_export_before_its_plan_is_written(cli, plan_path, tmp_path):
    (tmp_path / "minutes.txt").write_bytes(MINUTES)
    assert cli("--db", str(plan_path), "evidence", "add", "2", "minutes.txt").code == 0
    copy = plan_path.with_name(plan_path.name + ".evidence") / hashlib.sha256(MINUTES).hexdigest()
    os.chmod(copy, 0o600)
    copy.write_bytes(b"changed")
    result = cli("--db", str(plan_path), "export", "--with-evidence", "out")
    assert result.code == 3 and "does not match its SHA-256" in result.err, result.err
    assert not (tmp_path / "out" / "plan.json").exists()  # never imported as a whole plan


def test_a_copy_missing_or_a_link_in_its_place_is_refused_and_nothing_imported(cli, moved, tmp_path):
    scan = moved / "evidence" / hashlib.sha256(SCAN).hexdigest()
    scan.rename(tmp_path / "elsewhere.pdf")
    one_line_refusal(cli("--db", str(tmp_path / "new.json"), "import", str(moved)), "missing", "scan.pdf",
                     "nothing was imported")
    assert not (tmp_path / "new.json").exists()
    scan.symlink_to(tmp_path / "elsewhere.pdf")  # the right bytes, but through a link: not followed
    one_line_refusal(cli("--db", str(tmp_path / "new.json"), "import", str(moved)), "a link is not followed")
    assert not (tmp_path / "new.json").exists()


def test_a_copy_of_another_size_than_recorded_is_refused(cli, moved, tmp_path):
    plan = moved / "plan.json"
    sha = hashlib.sha256(MINUTES).hexdigest()
    plan.write_text(plan.read_text(encoding="utf-8").replace(f'"size":{len(MINUTES)},', '"size":1,')
                    .replace(f'"size": {len(MINUTES)},', '"size": 1,'), encoding="utf-8")
    result = cli("--db", str(tmp_path / "new.json"), "import", str(moved))
    one_line_refusal(result, "records 1 byte", "nothing was imported")
    assert sha not in result.out and not (tmp_path / "new.json").exists()


def test_an_export_without_its_copies_imports_with_a_warning_and_check_says_what_is_missing(cli, moved, tmp_path):
    alone = tmp_path / "alone.json"
    alone.write_bytes((moved / "plan.json").read_bytes())
    done = cli("--db", str(tmp_path / "new.json"), "import", str(alone))
    assert done.code == 0 and "warning:" in done.err and "2 evidence copies" in done.err, done.err
    assert "export --with-evidence" in done.err
    checked = cli("--db", str(tmp_path / "new.json"), "check")
    assert checked.code == 3 and hashlib.sha256(SCAN).hexdigest()[:8] in checked.out + checked.err
    # plan.json with its folder beside it is the same as the folder: the copies come too
    done = cli("--db", str(tmp_path / "other.json"), "import", str(moved / "plan.json"))
    assert done.code == 0 and "2 evidence copies" in done.out and "warning" not in done.err, done.err
    assert cli("--db", str(tmp_path / "other.json"), "check").code == 0
