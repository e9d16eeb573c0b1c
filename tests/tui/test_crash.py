"""A crash of the app: a non-zero exit, the traceback in a crash log (never the real home), one line
on stderr, and the plan file as the last confirmed change left it."""

from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

from textual.binding import Binding

from hsp_tui.storage.store import Store
from hsp_tui.tui import app as app_module
from hsp_tui.tui.app import HspApp
from hsp_tui.tui.crash import CRASH_DIR_ENV, CRASH_EXIT, crash_folder, run_reporting_crashes

from tuikit import settled, toasts, until

AS_OF = date(2010, 6, 1)


def fixed_clock() -> str:
    return "2010-06-01T09:00:00+01:00"


class FaultyApp(HspApp):
    """The real app with one more key whose handler has a bug (the fault stands for any of ours)."""

    BINDINGS = [*HspApp.BINDINGS, Binding("f", "fault", "Fault")]
    CSS_PATH = Path(app_module.__file__).with_name("hsp.tcss")

    def action_fault(self) -> None:
        raise RuntimeError("a fault in a key handler")


def faulty(plan_path) -> FaultyApp:
    return FaultyApp(Store(plan_path, clock=fixed_clock), as_of=AS_OF, user="alice", clock=fixed_clock)


def test_a_crash_exits_non_zero_with_one_line_and_a_crash_log(plan_path, tmp_path):
    logs = tmp_path / "logs"
    app = faulty(plan_path)
    seen: list[tuple[str, str]] = []  # the toasts on screen before the crash

    async def officer(pilot):
        await pilot.press("4")  # No. 1 Done: confirmed and saved before the crash
        await settled(pilot)
        await until(pilot, lambda: toasts(pilot.app), "the Saved toast")
        seen.extend(toasts(pilot.app))
        await pilot.press("f")

    err = io.StringIO()
    code = run_reporting_crashes(app, logs, stderr=err, headless=True, size=(100, 30), auto_pilot=officer)
    assert code == CRASH_EXIT
    (log,) = logs.iterdir()
    assert "RuntimeError" in log.read_text(encoding="utf-8") and "a fault in a key handler" in log.read_text()
    assert log.stat().st_mode & 0o077 == 0  # the traceback shows plan values: the owner's only
    lines = err.getvalue().splitlines()
    assert len(lines) == 1 and str(log) in lines[0] and "Traceback" not in err.getvalue()
    data = json.loads(plan_path.read_text(encoding="utf-8"))
    assert data["recommendations"]["1"]["status"] == "done"
    assert Store(plan_path).load().get(1).status.value == "done"
    assert seen == [("information", "Saved. No. 1: Not started → Done")]


def test_a_quit_exits_zero_and_writes_no_log(plan_path, tmp_path):
    logs = tmp_path / "logs"
    before = plan_path.read_bytes()

    async def officer(pilot):
        await pilot.press("q")

    err = io.StringIO()
    code = run_reporting_crashes(faulty(plan_path), logs, stderr=err, headless=True, size=(100, 30), auto_pilot=officer)
    assert not code and err.getvalue() == "" and not logs.exists()
    assert plan_path.read_bytes() == before


def test_crash_logs_go_where_the_environment_says_else_the_user_log_folder(tmp_path, monkeypatch):
    assert crash_folder({CRASH_DIR_ENV: str(tmp_path / "x")}) == tmp_path / "x"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "home" / "state"))
    assert crash_folder({}).is_relative_to(tmp_path / "home")
