"""A command imports only what it needs (issue 25): the modules a `note` on a plan file loads, in a
fresh interpreter, as `sys.modules` lists them once the command has run.

At the sizes officers use, a command's time is mostly the modules it imports; each command's own
module is imported only when it runs (`program.COMMANDS`), so a `note` must not load the reading,
exporting, importing, follow-up or server code, nor the app. The test names the families a note
has no use for, so it fails when a module of theirs appears (a new eager import somewhere on the
note's path), whatever the module is called.
"""

from __future__ import annotations

import json
import subprocess
import sys

PROBE = r"""
import json, sys
from hsp_tui.cli.program import main
code = main(sys.argv[1:])
dataclasses = sorted(f"{name}.{attr}" for name, module in list(sys.modules.items()) if name.startswith("hsp_tui")
                     for attr, value in vars(module).items()
                     if isinstance(value, type) and value.__module__ == name and "__dataclass_fields__" in vars(value))
print("\nMODULES " + json.dumps({"code": code, "modules": sorted(sys.modules), "dataclasses": dataclasses}))
"""

# The command line's own modules a note runs: the parser and dispatch, the run's context (settings
# file, review date), the change commands, the output.
CLI_NEEDED = {"hsp_tui.cli", "hsp_tui.cli.program", "hsp_tui.cli.invocation", "hsp_tui.cli.config",
              "hsp_tui.cli.output", "hsp_tui.cli.change_commands", "hsp_tui.cli.followup_args"}


def unneeded(name: str) -> bool:
    """A module a `note` on a plan file has no use for."""
    top = name.split(".")[0]
    if top in {"textual", "rich", "psycopg", "psycopg_binary", "tomllib", "csv", "email", "smtplib", "ssl",
               "asyncio", "jsonschema", "logging", "sqlite3",
               "platformdirs", "secrets",  # (not zoneinfo: orjson 3.9.0 imports it; platformdirs: not on Linux)
               "getpass", "termios",  # the login name, when no --user is given
               "shutil", "bz2", "lzma",  # argparse's terminal width
               # SHA-256 (OpenSSL loaded): a journal's, a long-running program's, and this user's memo of
               # checked plan files (`storage.file.checked`), which a plan under 2 MB does without
               "hashlib", "_hashlib",
               "tinydb"}:  # the file is TinyDB's, but hsp-tui reads and writes it itself (tinystorage)
        return True
    if name.startswith("dateutil.parser"):  # a month's end needs relativedelta only
        return True
    if name.startswith("hsp_tui.cli."):
        return name not in CLI_NEEDED  # view/plan/followup commands, listing, catalog ...
    if name.startswith("hsp_tui.formats."):
        return name != "hsp_tui.formats.formatting"  # report, exports, importing, schema, remind, charts
    # the server's code (`storage.targets` tells a server URL from a path); the plan replayed to a
    # past date (a note judges its one item as it is)
    return name.startswith(("hsp_tui.tui", "hsp_tui.storage.seed", "hsp_tui.domain.progress",
                            "hsp_tui.storage.postgres", "hsp_tui.domain.asof"))


def modules_of(argv: list[str], cwd) -> tuple[int, list[str], str, list[str]]:
    proc = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120,
                          cwd=cwd, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd), "XDG_CONFIG_HOME": str(cwd / "cfg")})
    line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("MODULES ")), None)
    assert line is not None, proc.stderr
    probe = json.loads(line[len("MODULES "):])
    return probe["code"], probe["modules"], proc.stdout, probe["dataclasses"]


def test_a_note_on_a_plan_file_loads_no_module_it_does_not_need(plan_path, tmp_path):
    code, modules, out, dataclasses = modules_of(["--db", str(plan_path), "--as-of", "2011-06-01", "--user", "ann",
                                                  "note", "3", "Met the partners."], tmp_path)
    assert code == 0 and out.startswith("3: note added"), out
    assert {"hsp_tui.cli.change_commands", "hsp_tui.storage.file.jsonfile", "hsp_tui.storage.file.checked"} <= set(modules)
    assert [m for m in modules if unneeded(m)] == []
    # No import-time work a note does not need: no dataclass of ours on its path (its methods are
    # written and compiled with exec at every start; a msgspec Struct is built in C). (The
    # `dataclasses` module itself comes with orjson.)
    assert dataclasses == []


def test_the_check_sees_a_module_a_note_does_not_need(plan_path, tmp_path):
    """The same probe on `list`, which does load the reading commands and the listing: the check
    above would catch them, were a note to load them."""
    code, modules, _, dataclasses = modules_of(["--db", str(plan_path), "--as-of", "2011-06-01", "list"], tmp_path)
    assert code == 0
    assert {"hsp_tui.cli.view_commands", "hsp_tui.cli.listing"} <= {m for m in modules if unneeded(m)}


def test_the_check_sees_a_dataclass_of_ours(plan_path, tmp_path):
    """The probe lists the dataclasses of ours a command has loaded: the board report's has some."""
    code, _, _, dataclasses = modules_of(["--db", str(plan_path), "--as-of", "2011-06-01", "export", "--format", "md"],
                                         tmp_path)
    assert code == 0
    assert "hsp_tui.formats.document.Document" in dataclasses
