"""Reading a plan file: msgspec (decode and check in one pass, into the records of `records.py`)
against orjson (parse into dicts; any hand check comes on top), and what the cycle collector then
has to walk.

    .venv/bin/python benchmarks/records_bench.py                 # 10,000 and 50,000 items
    .venv/bin/python benchmarks/records_bench.py --sizes 1000 --repeats 3
    # and the reader before `records.py` (orjson + hand checks), from an older source tree:
    git archive 09126a6 src | tar -x -C /tmp/before
    .venv/bin/python benchmarks/records_bench.py --previous /tmp/before/src

Plans are generated and imported with the real CLI (`genplan.make_plan`) into --workdir. Each
figure is the median of --repeats runs, the contenders interleaved; the cycle collector is paused
during each timed read (as `planbytes.parse_json` does for orjson), then the time of one full
collection with the result alive is measured separately.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import msgspec
import orjson

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from genplan import make_plan  # noqa: E402

from hsp_tui.storage.file.planfile import plan_from_data, read_plan, validate_data  # noqa: E402
from hsp_tui.domain.records import PlanFile  # noqa: E402


def timed(fn):
    gc.collect()
    gc.disable()
    try:
        t0 = time.perf_counter()
        result = fn()
        return time.perf_counter() - t0, result
    finally:
        gc.enable()


def full_collection(result) -> tuple[float, int]:
    """Seconds for one full collection with `result` alive, and how many objects it tracks."""
    gc.collect()
    t0 = time.perf_counter()
    gc.collect()
    return time.perf_counter() - t0, len(gc.get_objects())


PREVIOUS = """
import gc, sys, time
from pathlib import Path
import orjson
from hsp_tui.storage.store import plan_from_data, validate_data
path = Path(sys.argv[1]); raw = path.read_bytes()
gc.collect(); gc.disable()
t0 = time.perf_counter()
data = orjson.loads(raw); validate_data(path, data); plan = plan_from_data(path, data)
t1 = time.perf_counter()
gc.enable(); gc.collect()
t2 = time.perf_counter(); gc.collect(); t3 = time.perf_counter()
print(t1 - t0, t3 - t2, len(gc.get_objects()))
"""


def previous(src: str, path: Path) -> tuple[float, float, int]:
    """The previous reader (orjson, then hand-written checks building dataclasses), in its own process."""
    out = subprocess.run([sys.executable, "-c", PREVIOUS, str(path)], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": src, "PATH": "/usr/bin:/bin"}).stdout.split()
    return float(out[0]), float(out[1]), int(out[2])


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,50000")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "hsp-bench"))
    ap.add_argument("--previous", metavar="SRC", help="an older hsp-tui source tree (its src folder) to measure too")
    args = ap.parse_args()
    workdir = Path(args.workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    hsp_tui = str(Path(sys.executable).with_name("hsp-tui"))
    decoder = msgspec.json.Decoder(PlanFile)
    print("| items | contender | read (median) | full collection after | objects tracked |")
    print("|---:|---|---:|---:|---:|")
    for n in (int(s) for s in args.sizes.split(",")):
        path = make_plan(workdir, n, hsp_tui)
        raw = path.read_bytes()
        contenders = {
            "orjson parse only (dicts, no checks: the floor of orjson + hand checks)": lambda: orjson.loads(raw),
            "orjson parse + frame check + msgspec.convert to records (`plan_from_data`)":
                lambda: plan_from_data(path, _checked(path, orjson.loads(raw))),
            "msgspec decode to records, every field checked (`read_plan`)": lambda: read_plan(path, raw),
            "msgspec decode only (`PlanFile`, no plan built)": lambda: decoder.decode(raw),
        }
        times: dict[str, list[float]] = {k: [] for k in contenders}
        before: list[tuple[float, float, int]] = []
        for _ in range(args.repeats):
            if args.previous:
                before.append(previous(args.previous, path))
            for name, fn in contenders.items():
                times[name].append(timed(fn)[0])
        if before:
            print(f"| {n:,} | previous: orjson parse + hand checks into dataclasses (`store.plan_from_data` before "
                  f"records.py) | {statistics.median(b[0] for b in before) * 1000:.0f} ms "
                  f"| {statistics.median(b[1] for b in before) * 1000:.1f} ms | {before[0][2]:,} |")
        for name, fn in contenders.items():
            result = fn()
            collect, tracked = full_collection(result)
            del result
            print(f"| {n:,} | {name} | {statistics.median(times[name]) * 1000:.0f} ms "
                  f"| {collect * 1000:.1f} ms | {tracked:,} |")
    return 0


def _checked(path: Path, data):
    validate_data(path, data)
    return data


if __name__ == "__main__":
    raise SystemExit(main())
