"""The least a Python program can do to add a note to a plan file: the floor `note_bench.py` times
beside `hsp-tui note` (issue 25).

    python benchmarks/note_floor.py PLAN.json NUMBER TEXT

It reads the file, parses it (orjson, the fastest JSON parser hsp-tui installs; the standard
library's `json` writes an indented document in pure Python, several times slower), appends a
history entry to one item, writes the whole plan to a new file beside it indented as hsp-tui
writes it, fsyncs it, renames it over the plan and fsyncs the folder: what any safe rewrite of one
JSON document must do. It checks nothing, keeps no backup,
takes no lock and writes no journal, so it is below what hsp-tui may honestly do; the gap between
the two is what hsp-tui's checks, safety and start-up cost.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone

import orjson


def main(path: str, number: str, text: str) -> None:
    with open(path, "rb") as f:
        plan = orjson.loads(f.read())
    rec = plan["recommendations"][number]
    history = rec["history"]
    history.append({"id": 1 + max((h["id"] for h in history), default=0),
                    "at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "by": "bench",
                    "action": "note", "field": None, "old": None, "new": None, "note": text})
    data = orjson.dumps(plan, option=orjson.OPT_INDENT_2)
    temp = f"{path}.{os.getpid()}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(temp, path)
    folder = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


if __name__ == "__main__":
    main(*sys.argv[1:4])
