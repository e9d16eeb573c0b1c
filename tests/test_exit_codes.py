"""The exit statuses: one meaning each, defined once (`domain.errors.Exit`), the README's table the
same; each status given by the kind of failure it names (the server's refusal: tests/server)."""

from __future__ import annotations

import re
from pathlib import Path

from hsp_tui.domain.errors import Exit

README = Path(__file__).resolve().parents[1] / "README.md"


def test_the_readme_table_is_the_codes_table():
    rows = re.findall(r"^\| (\d+) \| (.+) \|$", README.read_text(encoding="utf-8"), re.MULTILINE)
    assert [int(code) for code, _ in rows] == [int(e) for e in Exit]
    assert len({meaning for _, meaning in rows}) == len(rows)


def test_done_bad_input_and_no_such_item_each_give_their_own_status(cli, plan_path):
    assert cli("--db", str(plan_path), "list").code == Exit.OK
    assert cli("--db", str(plan_path), "set", "1", "finished").code == Exit.INPUT
    assert cli("--db", str(plan_path), "show", "999").code == Exit.INPUT
    assert cli("--db", str(plan_path), "contact", "history", "No Such Owner").code == Exit.INPUT
    assert cli("--db", str(plan_path), "--as-of", "June", "list").code == Exit.INPUT
    assert cli("--db", str(plan_path), "lisst").code == Exit.INPUT


def test_a_plan_file_that_cannot_be_read_gives_3(cli, tmp_path):
    bad = tmp_path / "plan.json"
    bad.write_text("{not json", encoding="utf-8")
    res = cli("--db", str(bad), "list")
    assert res.code == Exit.UNAVAILABLE and len(res.err.strip().splitlines()) == 1


def test_an_undo_that_can_no_longer_apply_gives_4(cli, plan_path):
    assert cli("--db", str(plan_path), "set", "3", "in_progress").code == 0
    undone = cli("--db", str(plan_path), "undo", "3")
    entry = re.search(r"undoing change #(\d+)", undone.out).group(1)
    res = cli("--db", str(plan_path), "undo", "3", "--entry", entry)  # already undone
    assert res.code == Exit.CONFLICT and "already undone" in res.err


HOLD = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o666)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


def test_ctrl_c_while_waiting_for_the_lock_gives_130_and_saves_nothing(plan_path, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    lock = plan_path.with_name(plan_path.name + ".lock")
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "held\n"
        before = plan_path.read_bytes()
        env = {k: v for k, v in os.environ.items() if not k.startswith("HSP_TUI_")}
        waiting = subprocess.Popen([sys.executable, "-m", "hsp_tui", "--db", str(plan_path), "set", "1", "done"],
                                   stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        fds = Path(f"/proc/{waiting.pid}/fd")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until it has the lock file open: it is waiting for the lock
            try:
                if any(os.readlink(fd) == str(lock) for fd in fds.iterdir()):
                    break
            except OSError:
                pass
            time.sleep(0.02)
        waiting.send_signal(signal.SIGINT)
        _, err = waiting.communicate(timeout=60)
        assert waiting.returncode == Exit.INTERRUPTED and "interrupted" in err
        assert plan_path.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()


def test_the_apps_crash_exit_is_the_internal_error_status():
    from hsp_tui.tui.crash import CRASH_EXIT

    assert CRASH_EXIT == Exit.INTERNAL == 70
