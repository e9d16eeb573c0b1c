"""Check that the CLI commands never import Textual (run by `python benchmarks/run.py`, or alone).

Each command runs in a fresh interpreter through `hsp_tui.__main__.main` (the `hsp-tui` command); afterwards `sys.modules` is
inspected for `textual` (and `rich`, which only Textual brings in).
    python benchmarks/check_imports.py [PLAN.json]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = r"""
import json, os, sys
from hsp_tui.__main__ import main
rc = main(sys.argv[1:])
heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))
with open(os.environ['HSP_BENCH_PROBE_OUT'], 'w') as fh:
    json.dump({'rc': rc, 'modules': heavy}, fh)
"""


def commands(db: Path, out_dir: Path) -> list[list[str]]:
    base = ["--db", str(db), "--as-of", "2011-06-01", "--user", "bench"]
    return [
        base + ["list"],
        base + ["list", "--overdue"],
        base + ["show", "1"],
        base + ["note", "1", "import check"],
        base + ["set", "2", "in_progress"],
        base + ["export", "--format", "json", "-o", str(out_dir / "e.json")],
        base + ["export", "--format", "csv", "-o", str(out_dir / "e.csv")],
        base + ["export", "--format", "md", "-o", str(out_dir / "e.md")],
    ]


def check(db: Path, python: str = sys.executable) -> list[tuple[str, bool, str]]:
    """[(command, ok, detail)] for each command."""
    results = []
    with tempfile.TemporaryDirectory(prefix="hsp-imports-") as tmp:
        tmpdir = Path(tmp)
        work = tmpdir / "plan.json"
        work.write_bytes(db.read_bytes())
        for argv in commands(work, tmpdir):
            out = tmpdir / "probe.json"
            env = dict(os.environ, HSP_BENCH_PROBE_OUT=str(out))
            proc = subprocess.run([python, "-c", PROBE, *argv], env=env, capture_output=True, text=True)
            label = " ".join(a for a in argv[argv.index("bench") + 1:] if not a.startswith(str(tmpdir)))
            if proc.returncode != 0 or not out.exists():
                results.append((label, False, f"failed: {proc.stderr.strip()[-300:]}"))
                continue
            probe = json.loads(out.read_text())
            if probe["rc"] != 0:
                results.append((label, False, f"exit code {probe['rc']}: {proc.stderr.strip()[-300:]}"))
            elif probe["modules"]:
                results.append((label, False, "imported " + ", ".join(probe["modules"][:5])))
            else:
                results.append((label, True, "no textual/rich module loaded"))
    return results


def main() -> int:
    if len(sys.argv) > 1:
        db = Path(sys.argv[1])
    else:
        sys.path.insert(0, str(Path(__file__).parent))
        from genplan import make_plan

        db = make_plan(Path(tempfile.gettempdir()) / "hsp-bench-plans", 12,
                       str(Path(sys.executable).with_name("hsp-tui")))
    results = check(db)
    for label, ok, detail in results:
        print(f"{'ok  ' if ok else 'FAIL'}  hsp-tui {label}: {detail}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main())
