"""Exports never follow a colleague's planted link or write into their FIFO; the user's own still work.

Mallory plants `team/hsp-export.csv -> ~alice/.ssh/authorized_keys` and a note holding her ssh key;
Eve plants a FIFO at the export's name in a 1777 folder and reads it. Alice's `export -o` is refused
in one line and writes nothing. A link or FIFO Alice made herself, and /dev/stdout, keep working.
(The app's `x` writes through the same function, and its dialog refuses the same traps.)
Every command runs as a real other user (people.py).
"""

from __future__ import annotations

import csv
import io
import os
import stat
import subprocess
import threading
from pathlib import Path

import orjson
import pytest

from sampling import sampled

from .helpers import PYTHON, assert_one_line_error, make_plan
from .people import ALICE, EVE, MALLORY, TEAM, needs_root, shared_root, team_folder  # noqa: F401

pytestmark = needs_root
KEYS = b"ssh-ed25519 AAAA alice@laptop\n"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return make_plan(tmp_path_factory.mktemp("exports"), 12, name="template.json")


def plan_in(folder: Path, template: Path, mode: int) -> Path:
    db = folder / "plan.json"
    db.write_bytes(template.read_bytes())
    os.chown(db, ALICE.uid, TEAM)
    os.chmod(db, mode)
    return db


def alices_keys(root: Path) -> Path:
    ssh = root / "home" / ".ssh"
    ssh.mkdir(parents=True)
    for folder in (ssh.parent, ssh):
        os.chown(folder, ALICE.uid, ALICE.gid)
        os.chmod(folder, 0o700)
    keys = ssh / "authorized_keys"
    keys.write_bytes(KEYS)
    os.chown(keys, ALICE.uid, ALICE.gid)
    os.chmod(keys, 0o600)
    return keys


def test_a_link_planted_at_the_exports_name_is_refused(shared_root: Path, template: Path) -> None:
    """(Before: Alice's export overwrote her authorized_keys with the CSV, Mallory's key in a note.)"""
    team = team_folder(shared_root, 0o2770)
    db = plan_in(team, template, 0o660)
    keys = alices_keys(shared_root)
    r = MALLORY.run(db, "note", "1", "\nssh-ed25519 AAAA mallory@evil\n")
    assert r.returncode == 0, r.stderr
    out = team / "hsp-export.csv"
    MALLORY.python("import sys\nos.symlink(sys.argv[1], sys.argv[2])", str(keys), str(out))
    for fmt in ("csv", "json", "md"):
        r = ALICE.run(db, "export", "--format", fmt, "-o", str(out))
        line = assert_one_line_error(r, names=out)
        assert "symbolic link" in line and f"user id {MALLORY.uid}" in line, line
    assert keys.read_bytes() == KEYS and stat.S_IMODE(keys.stat().st_mode) == 0o600
    assert out.is_symlink()


def test_a_fifo_planted_by_another_user_is_refused(shared_root: Path, template: Path) -> None:
    """(Before: Eve, outside the team, read Alice's export of her 0600 plan through her FIFO.)"""
    public = team_folder(shared_root, 0o1777, name="public")
    db = plan_in(team_folder(shared_root, 0o2770), template, 0o600)
    fifo = public / "hsp-export.csv"
    EVE.python("import sys\nos.mkfifo(sys.argv[1], 0o666)", str(fifo))
    reader = subprocess.Popen(EVE.command(PYTHON, "-c", "import sys; print(len(open(sys.argv[1], 'rb').read()))",
                                          str(fifo)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        r = ALICE.run(db, "export", "--format", "csv", "-o", str(fifo))
        line = assert_one_line_error(r, names=fifo)
        assert "FIFO" in line and f"user id {EVE.uid}" in line, line
    finally:
        with open(fifo, "wb"):  # let Eve's reader finish: it got nothing
            pass
        out, err = reader.communicate(timeout=30)
    assert out.strip() == "0", err


def test_the_users_own_links_and_fifos_still_work(shared_root: Path, template: Path) -> None:
    """Alice's own link in her own folder to a file in the team folder, her own FIFO (read by her
    program) in the 1777 folder, and /dev/stdout all receive the export; an export into the public
    folder is no more readable than the 0600 plan."""
    team = team_folder(shared_root, 0o2770)
    db = plan_in(team, template, 0o600)
    home = shared_root / "alice"
    home.mkdir()
    os.chown(home, ALICE.uid, ALICE.gid)
    link = home / "latest.csv"
    (team / "export.csv").write_bytes(b"last week's\n")
    os.chown(team / "export.csv", ALICE.uid, TEAM)
    os.symlink(team / "export.csv", link)
    os.lchown(link, ALICE.uid, ALICE.gid)
    r = ALICE.run(db, "export", "--format", "csv", "-o", str(link))
    assert r.returncode == 0, r.stderr
    assert (team / "export.csv").read_bytes().startswith(b"\xef\xbb\xbfnumber,") and link.is_symlink()

    public = team_folder(shared_root, 0o1777, name="public")
    fifo = public / "pipe.csv"
    ALICE.python("import sys\nos.mkfifo(sys.argv[1], 0o600)", str(fifo))
    got: list[bytes] = []
    reading = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()))  # noqa: SIM115
    reading.start()
    r = ALICE.run(db, "export", "--format", "csv", "-o", str(fifo))
    if r.returncode != 0:
        with open(fifo, "wb"):
            pass
    reading.join(timeout=30)
    assert r.returncode == 0, r.stderr
    assert got and got[0].startswith(b"\xef\xbb\xbfnumber,")

    r = ALICE.run(db, "export", "--format", "json", "-o", "/dev/stdout")
    assert r.returncode == 0 and '"recommendations"' in r.stdout, r.stderr
    r = ALICE.run(db, "export", "--format", "csv", "-o", str(public / "open.csv"), umask=0o000)
    assert r.returncode == 0, r.stderr
    assert stat.S_IMODE((public / "open.csv").stat().st_mode) == 0o600


@pytest.mark.parametrize("text", sampled(["|cmd /c calc", "\u200b=HYPERLINK(\"http://x\")", "\ufeff=1+1", "\ufe66cmd",
                                  "\u200b \u2060@SUM(A1)"]))
def test_a_colleagues_formula_never_reaches_alices_spreadsheet(shared_root: Path, template: Path, text: str) -> None:
    """Mallory (who may write the plan) gives an item an owner a spreadsheet would run: a DDE
    `|cmd`, or `=` behind a zero-width space, a BOM or the small equals sign. Alice's CSV export
    guards it with a quote (and importing the export gives the text back exactly)."""
    team = team_folder(shared_root, 0o2770)
    db = plan_in(team, template, 0o660)
    r = MALLORY.run(db, "assign", "1", text)
    assert r.returncode == 0, r.stderr
    out = team / "export.csv"
    r = ALICE.run(db, "export", "--format", "csv", "-o", str(out))
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0]["owner"] == "'" + text
    again = team / "again.json"
    r = ALICE.run(again, "import", str(out))
    assert r.returncode == 0, r.stderr
    assert orjson.loads(again.read_bytes())["recommendations"]["1"]["owner"] == text
