"""Issue 24 in a real 80x24 terminal (tmux): evidence attached on the command line is listed by the
app's E (a text copy's first lines shown, spelled out; a copy written to a file), and the verify
dialog says what the verdict rests on, by short hash, with its buttons in sight."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from pathlib import Path

from hsp_tui.storage.store import Store

from tmuxkit import tmux
from test_terminal_80x24 import HSP_TUI, pytestmark, screen_with, terminal  # noqa: F401 - the fixture

MINUTES = b"Minutes of the Executive Board, 28 May 2010\n\x1b[31mThe conference was held.\x1b[0m\n"


def cli(tmp_path: Path, *args: str, user: str = "bob") -> None:
    env = {**os.environ, "HSP_TUI_CONFIG": str(tmp_path / "none.toml")}
    subprocess.run([str(HSP_TUI), "--db", str(tmp_path / "plan.json"), "--as-of", "2010-06-01", "--user", user, *args],
                   check=True, capture_output=True, env=env, cwd=tmp_path)


def test_at_80x24_the_evidence_list_and_the_verify_dialog(terminal, tmp_path):
    (tmp_path / "minutes.txt").write_bytes(MINUTES)
    (tmp_path / "scan.pdf").write_bytes(bytes(range(256)) * 40)
    cli(tmp_path, "list")  # the plan, seeded
    cli(tmp_path, "evidence", "add", "1", "minutes.txt", "scan.pdf", "--note", "the board's minutes")
    cli(tmp_path, "set", "1", "done", "--note", "conference held 28 May")
    short = hashlib.sha256(MINUTES).hexdigest()[:8]
    (tmp_path / "out").mkdir()

    name = terminal("--db", str(tmp_path / "plan.json"), "--as-of", "2010-06-01", "--user", "carol")
    screen_with(name, r"│\s+12 \d\.\d ")
    tmux("send-keys", "-t", name, "E")
    text = screen_with(name, r"#\d+ +scan\.pdf · 10 KB[\s\S]*Enter opens one · w writes")  # the dialog, not the pane
    assert re.search(rf"#\d+ +minutes\.txt · {len(MINUTES)} bytes · sha256 {short} · text/plain", text)
    tmux("send-keys", "-t", name, "Enter")
    text = screen_with(name, r"first lines \(w writes it to a file\)")
    assert "Minutes of the Executive Board, 28 May 2010" in text
    assert "\\x1b[31mThe conference was held." in text  # the escape spelled out, not obeyed
    tmux("send-keys", "-t", name, "Down", "Enter")  # the scan: where to write it
    screen_with(name, r"Write #\d+ \(scan\.pdf, 10 KB\) to")
    tmux("send-keys", "-t", name, "C-a", "C-k", str(tmp_path / "out" / "scan.pdf"), "Enter")
    screen_with(name, r"Wrote #\d+ scan\.pdf")
    assert (tmp_path / "out" / "scan.pdf").read_bytes() == bytes(range(256)) * 40
    tmux("send-keys", "-t", name, "Escape")
    screen_with(name, r"^(?![\s\S]*Enter opens one)")

    tmux("send-keys", "-t", name, "v")
    text = screen_with(name, r"What the verdict rests on[\s\S]*Reject")
    assert re.search(rf"#\d+ minutes\.txt · {len(MINUTES)} bytes · sha256 {short} \(1 Jun 2010\)", text)
    assert re.search(r"#\d+ scan\.pdf · 10 KB · sha256 [0-9a-f]{8}", text)
    assert re.search(r"Accept: verified +.*Reject: back to In progress", text)  # the buttons in sight
    tmux("send-keys", "-t", name, "minutes seen", "Tab", "Enter")
    screen_with(name, r"8% verified")  # No. 1 verified: 1 of 12
    tmux("send-keys", "-t", name, "q")
    screen_with(name, "EXIT=0")
    verdict = Store(tmp_path / "plan.json").load().get(1).history[-1]
    assert verdict.action == "verify" and verdict.by == "carol"
    assert verdict.evidence == (hashlib.sha256(MINUTES).hexdigest(), hashlib.sha256(bytes(range(256)) * 40).hexdigest())
