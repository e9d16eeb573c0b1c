"""A writer process for the fault and concurrency tests: runs real CLI commands in a loop.

    writer.py DB USER START COUNT STEP MODE

Change k (k = START, START+STEP, ..., COUNT changes) goes to recommendation `(k - 1) % N + 1` (N = number
of items) for MODE `spread`, or always to recommendation n for MODE `item:<n>`. Odd k is
`hsp-tui set <status> --note "change k by USER"`, even k is `hsp-tui note <n> "change k by USER"`, each run
through `hsp_tui.__main__.main` (the code behind the `hsp-tui` command). After each change is saved the script
prints "ack k" (flushed), so the test knows which changes were reported as saved before a kill.
With HSP_TEST_WAIT_GO set it first prints "ready" and waits for a line on stdin, so that several
writers can be started together.
"""

import contextlib
import io
import os
import sys

import orjson

from hsp_tui.__main__ import main

STATUSES = ("in_progress", "blocked", "done", "not_started")


def target_of(k: int, mode: str, n: int) -> int:
    return int(mode.split(":", 1)[1]) if mode.startswith("item:") else (k - 1) % n + 1


def run() -> int:
    db, user, start, count, step, mode = sys.argv[1:7]
    start, count, step = int(start), int(count), int(step)
    with open(db, "rb") as fh:
        n = len(orjson.loads(fh.read())["recommendations"])
    out = sys.stdout
    if os.environ.get("HSP_TEST_WAIT_GO"):  # start together: say "ready", wait for a line on stdin
        out.write("ready\n")
        out.flush()
        sys.stdin.readline()
    k = start
    for _ in range(count):
        target = target_of(k, mode, n)
        base = ["--db", db, "--user", user, "--as-of", "2011-01-01"]
        if k % 2 == 0:
            args = base + ["note", str(target), f"change {k} by {user}"]
        else:
            args = base + ["set", str(target), STATUSES[k % 4], "--note", f"change {k} by {user}"]
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            rc = main(args)
        if rc != 0:
            out.write(f"fail {k} rc={rc} {err.getvalue().strip()}\n")
            out.flush()
            return rc
        out.write(f"ack {k}\n")
        out.flush()
        k += step
    return 0


if __name__ == "__main__":
    sys.exit(run())
