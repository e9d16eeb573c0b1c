"""A plan moved with its evidence copies, on every backend (issue 24): `export --format json
--with-evidence DIR` writes DIR/plan.json and DIR/evidence/<sha256>, each copy read with its hash
checked; `import DIR` into a new plan checks every copy against its hash and recorded size before
anything is saved, then keeps them: the moved plan's copies read back as they were and `check`
finds nothing wrong. A copy changed in the folder is refused and no plan is created.

Through the real program (`hsp-tui`, a process of its own), as an officer moving a plan would."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from hsp_tui.storage.store import Store

from sampling import sampled

HSP_TUI = Path(sys.executable).with_name("hsp-tui")
MINUTES = b"Minutes of the Executive Board, 28 May 2010: the conference was held.\n"
SCAN = bytes(range(256)) * 400
WRONG = b"not the right document\n"


def run(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HSP_TUI_CONFIG": str(tmp_path / "none.toml")}
    return subprocess.run([str(HSP_TUI), *args], capture_output=True, text=True, env=env, cwd=tmp_path)


def moved_place(place, tmp_path: Path, name: str) -> tuple[list[str], list[str]]:
    """(the arguments that reach the moved plan as alice, those that import DIR into it)."""
    if place.login is None:
        target = ["--db", str(tmp_path / f"{name}.json"), "--user", "alice"]
        return target, target + ["import"]
    return ["--db", place.login("alice"), "--plan", name], ["--db", place.login("alice"), "import", "--plan", name]


# On a server in the whole suite only (a dozen server commands as processes); the server's own move
# of a plan with its copies stays in the quick loop (test_evidence_server).
@pytest.mark.parametrize("place", sampled(["jsonfile", "postgres"]), indirect=True)
def test_a_plan_moves_with_its_copies_each_hash_checked(backend, place, tmp_path):
    for name, content in (("minutes.txt", MINUTES), ("scan.pdf", SCAN), ("wrong.txt", WRONG)):
        (tmp_path / name).write_bytes(content)
    alice = place.as_person("alice")
    assert run(tmp_path, *alice, "evidence", "add", "3", "minutes.txt", "scan.pdf", "wrong.txt").returncode == 0
    wrong = next(h for h in Store(place.open()).load().get(3).attachments if h.new.get("name") == "wrong.txt")
    assert run(tmp_path, *alice, "evidence", "withdraw", "3", str(wrong.id), "--note", "the wrong file").returncode == 0
    assert run(tmp_path, *alice, "evidence", "add", "3", "--url", "https://example.org/agenda").returncode == 0

    done = run(tmp_path, *alice, "export", "--format", "json", "--with-evidence", "moving")
    assert done.returncode == 0, done.stderr
    assert "3 evidence copies, each hash checked" in done.stderr
    folder = tmp_path / "moving"
    shas = {hashlib.sha256(c).hexdigest(): c for c in (MINUTES, SCAN, WRONG)}  # the withdrawn one's too
    assert sorted(p.name for p in (folder / "evidence").iterdir()) == sorted(shas)
    assert all((folder / "evidence" / sha).read_bytes() == c for sha, c in shas.items())
    doc = json.loads((folder / "plan.json").read_text(encoding="utf-8"))
    item = next(r for r in doc["recommendations"] if r["number"] == 3)
    assert [h["new"].get("sha256", h["new"].get("url")) for h in item["history"] if h["action"] == "attach"] == \
        [*(hashlib.sha256(c).hexdigest() for c in (MINUTES, SCAN, WRONG)), "https://example.org/agenda"]

    # A copy changed in the folder on the way: refused in one line, and no plan created.
    (tmp_path / "tampered").mkdir()
    (tmp_path / "tampered" / "evidence").mkdir()
    (tmp_path / "tampered" / "plan.json").write_bytes((folder / "plan.json").read_bytes())
    for sha, content in shas.items():
        (tmp_path / "tampered" / "evidence" / sha).write_bytes(content.replace(b"was held", b"was NOT held"))
    reach_bad, import_bad = moved_place(place, tmp_path, "tampered")
    rec_here = Store(place.open()).load().get(3)
    refused = run(tmp_path, *import_bad, str(tmp_path / "tampered"))
    assert refused.returncode != 0 and "does not match its SHA-256" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1 and "Traceback" not in refused.stderr
    assert "nothing was imported" in refused.stderr
    if place.login is None:
        assert not (tmp_path / "tampered.json").exists()
    else:
        assert "tampered" not in run(tmp_path, *reach_bad, "plans").stdout

    reach, import_into = moved_place(place, tmp_path, "moved")
    moved = run(tmp_path, *import_into, str(folder))
    assert moved.returncode == 0, moved.stderr
    assert "and 3 evidence copies" in moved.stdout
    listed = run(tmp_path, *reach, "evidence", "list", "3", "--all")
    assert listed.returncode == 0 and "minutes.txt" in listed.stdout and "withdrawn" in listed.stdout
    for h in rec_here.attachments:
        if "sha256" not in h.new:
            continue
        out = tmp_path / f"got-{h.id}"
        got = run(tmp_path, *reach, "evidence", "get", "3", str(h.id), "-o", str(out))
        assert got.returncode == 0, got.stderr
        assert out.read_bytes() == shas[h.new["sha256"]]
    checked = run(tmp_path, *reach, "check")
    assert checked.returncode == 0 and "3 copies, no problems" in checked.stdout, checked.stdout + checked.stderr
