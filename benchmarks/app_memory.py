"""Peak memory of the app holding a whole plan: run in a fresh interpreter, prints one JSON line.

    python benchmarks/app_memory.py TARGET [--plan NAME] [--trace]

TARGET is a plan file or a postgresql:// URL. The app runs headless (120x40) until every item has
been read, judged and shown, then `VmHWM` (the process's peak resident memory) and `VmRSS` are read
from /proc. With --trace, tracemalloc also says which of hsp-tui's modules allocated what is held
then (slow: use a smaller plan).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import date


def status_kb(field: str) -> int:
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("target")
    ap.add_argument("--plan")
    ap.add_argument("--trace", action="store_true")
    args = ap.parse_args()
    if args.trace:
        import tracemalloc

        tracemalloc.start(8)
    from hsp_tui.storage.store import Store
    from hsp_tui.tui import build_app

    options = {"plan": args.plan} if args.plan else {}
    store = Store(args.target, long_running=True, **options)
    out: dict = {}

    async def run() -> None:
        app = build_app(store, as_of=date(2011, 6, 1), user="bench")
        async with app.run_test(size=(120, 40)) as pilot:
            while app.loading:
                await pilot.pause(0.1)
            await pilot.pause(0.5)
            out["items"] = len(app.review.items)
            out["hwm_mb"] = status_kb("VmHWM") / 1024
            out["rss_mb"] = status_kb("VmRSS") / 1024
            if args.trace:
                import tracemalloc

                snap = tracemalloc.take_snapshot()
                by: dict[str, int] = {}
                for stat in snap.statistics("traceback"):
                    frames = [f.filename for f in stat.traceback]  # oldest first
                    ours = next((f for f in reversed(frames) if "/hsp_tui/" in f), frames[-1])
                    key = ours.split("/hsp_tui/")[-1] if "/hsp_tui/" in ours else "/".join(ours.split("/")[-2:])
                    by[key] = by.get(key, 0) + stat.size
                out["traced_mb"] = {k: round(v / 2**20, 1) for k, v in sorted(by.items(), key=lambda kv: -kv[1])[:12]}

    asyncio.run(run())
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
