"""The `hsp-tui` command ends its process at once after a one-shot command (`program.run`: no
interpreter teardown, issue 25). Safe only if everything is done when the command returns: the
change on disk, the output written, no file left open for writing, no thread still running."""

from __future__ import annotations

import gc
import io
import subprocess
import sys
import threading

from hsp_tui.cli.program import main
from hsp_tui.storage.store import Store


def open_files_for_writing() -> set[str]:
    """The files (by path) this process has open for writing through Python file objects."""
    found = set()
    for obj in gc.get_objects():
        if isinstance(obj, io.IOBase):
            try:
                name = getattr(obj, "name", None)
                if not obj.closed and obj.writable() and isinstance(name, str) and not name.startswith("<"):
                    found.add(name)
            except ValueError:
                pass
    return found


def test_when_a_note_returns_it_is_on_disk_and_nothing_is_left_open_or_running(plan_path, capsys):
    before, threads = open_files_for_writing(), set(threading.enumerate())
    code = main(["--db", str(plan_path), "--as-of", "2011-06-01", "--user", "ann", "note", "4",
                 "Board paper agreed."])
    assert code == 0 and capsys.readouterr().out.startswith("4: note added")
    assert Store(plan_path).load().get(4).history[-1].note == "Board paper agreed."  # read afresh
    assert open_files_for_writing() - before == set()
    # no thread of the command's still running (other tests in this worker may have left their own)
    assert [t.name for t in set(threading.enumerate()) - threads] == []


def test_the_real_command_prints_everything_and_saves_the_change(plan_path, tmp_path):
    """Through the real process: output to a pipe and to a file (block-buffered) complete, exit 0."""
    cmd = [sys.executable, "-m", "hsp_tui", "--db", str(plan_path), "--as-of", "2011-06-01", "--user", "ann"]
    piped = subprocess.run([*cmd, "note", "5", "Sent to the PMG."], capture_output=True, text=True, timeout=120)
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.splitlines()[0] == "5: note added" and piped.stdout.splitlines()[1].startswith("  now: ")
    out = tmp_path / "out.txt"
    with out.open("w") as fh:
        listed = subprocess.run([*cmd, "list", "--format", "tsv"], stdout=fh, stderr=subprocess.PIPE, timeout=120)
    assert listed.returncode == 0, listed.stderr
    rows = out.read_text().splitlines()
    assert len(rows) == 1 + len(Store(plan_path).load().recommendations) and rows[0].startswith("number\t")
    assert Store(plan_path).load().get(5).history[-1].note == "Sent to the PMG."


def test_a_failed_write_of_the_output_is_still_reported(plan_path):
    """Output to a full device: the flush fails, and the interpreter's own exit says so (non-zero),
    as without the early exit."""
    cmd = [sys.executable, "-m", "hsp_tui", "--db", str(plan_path), "--as-of", "2011-06-01", "list"]
    with open("/dev/full", "w") as full:
        proc = subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode != 0


def test_an_exit_handler_a_command_registers_still_runs(plan_path, tmp_path):
    """The process ends at once only after every other exit handler ran (a temporary folder's
    removal, a library's clean-up): one registered while the command runs writes its file."""
    marker = tmp_path / "handler-ran"
    script = (
        "import atexit, sys\n"
        "from hsp_tui import __main__ as entry\n"
        "from hsp_tui.cli import program\n"
        "real = program.main\n"
        "def main(*a, **k):\n"
        f"    atexit.register(lambda: open({str(marker)!r}, 'w').write('ran'))\n"
        "    return real(*a, **k)\n"
        "program.main = main\n"
        f"sys.argv = ['hsp-tui', '--db', {str(plan_path)!r}, '--as-of', '2011-06-01', '--user', 'ann',"
        " 'note', '6', 'Checked at exit.']\n"
        "entry.run()\n")
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("6: note added")
    assert marker.read_text() == "ran"
    assert Store(plan_path).load().get(6).history[-1].note == "Checked at exit."


def test_nothing_registers_an_exit_handler_before_the_command_starts():
    """The command's own early end is the first exit handler registered, so it runs last and skips
    none: importing the console script's modules registers none (CPython's count of handlers)."""
    probe = ("import atexit\nimport hsp_tui.__main__\nprint(atexit._ncallbacks())\n")
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"


def test_a_script_that_runs_commands_keeps_its_cycle_collector(plan_path, capsys):
    """Only the `hsp-tui` process itself, which ends with its command, does without the cycle
    collector; a program calling `main` (a script, the tests) keeps it on, a refused file included."""
    assert gc.isenabled()
    assert main(["--db", str(plan_path), "--as-of", "2011-06-01", "--user", "ann", "note", "7", "x"]) == 0
    assert gc.isenabled()
    plan_path.write_bytes(plan_path.read_bytes().replace(b'"owner": "', b'"owner": 7, "x": "', 1))
    assert main(["--db", str(plan_path), "--as-of", "2011-06-01", "--user", "ann", "note", "7", "y"]) != 0
    assert gc.isenabled()
    capsys.readouterr()
