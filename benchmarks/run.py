"""Run all hsp-tui benchmarks, each side by side with its floor, and report ratios.

    python benchmarks/run.py                    # 12, 1,000, 10,000 and 50,000 items (~10-15 min)
    python benchmarks/run.py --sizes 12,1000    # quick run
    python benchmarks/run.py --no-readme        # do not rewrite the results in benchmarks/README.md
    python benchmarks/run.py --only screen --sizes 10000 --no-readme \
        --hsp before=/tmp/before/bin/hsp-tui --hsp after=/tmp/after/bin/hsp-tui
                                                # installed versions' first screens, interleaved

Plans are generated as CSV (genplan.py) and imported with the real CLI. Figures (median of
several runs, ours and floor interleaved so that both see the same machine state):

  first screen   launch in tmux (120x40, TERM=xterm-256color) until a row shows; floor: floor_app.py
                 (json + one screenful in a DataTable); also against naive_app.py (every row first)
  peak memory    VmHWM of the same processes once they have gone idle
  cli note       `hsp-tui note N TEXT`, process start to exit; floor: `python -c` json load, dump, fsync
  key to disk    in the TUI, a status key until the file on disk has changed; floor: the same
                 json load + dump + fsync in process (tui_bench.py)
  responsiveness at every size: key latency of move / filter / overdue-only while rows still load

Also checks that CLI commands never import Textual (check_imports.py).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import check_imports  # noqa: E402
import genplan  # noqa: E402
from termbench import Tmux  # noqa: E402

PY = sys.executable
HSP = str(Path(PY).with_name("hsp-tui"))
AS_OF = "2011-06-01"
ROW = re.compile("|".join(re.escape(p) for p in genplan.TITLE_PREFIXES))
FLOOR_NOTE = (
    "import json, os, sys\n"
    "p = sys.argv[1]\n"
    "with open(p, 'rb') as f: d = json.load(f)\n"
    "with open(p + '.floor', 'w') as f:\n"
    "    f.write(json.dumps(d)); f.flush(); os.fsync(f.fileno())\n"
)
GOALS = {  # figure: (max ratio, at size)
    "first screen": 1.5, "cli note": 1.5, "key to disk": 1.5, "peak memory": 2.0,
}
FRAME_MS = 1000 / 60


def median(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def timed(cmd: list[str], **kw) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    return time.perf_counter() - t0


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.1f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    import textual  # only the runner imports it, to report its version

    disk = subprocess.run(["df", "-T", tempfile.gettempdir()], capture_output=True, text=True).stdout.split("\n")
    fs = disk[1].split()[1] if len(disk) > 1 and disk[1].split() else "?"
    return {
        "cpu": f"{cpu}, {os.cpu_count()} cores", "memory": mem,
        "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
        "textual": getattr(textual, "__version__", "?"), "tmp filesystem": fs,
        "load average at start": Path("/proc/loadavg").read_text().split()[0],
        "date": datetime.now().strftime("%Y-%m-%d %H:%M"),
    }


class Results:
    def __init__(self) -> None:
        self.rows: list[dict] = []  # items, figure, ours, floor, unit, runs

    def add(self, items: int, figure: str, ours: list[float], floor: list[float] | None, unit: str,
            floor_name: str = "floor", note: str = "") -> None:
        o = median(ours)
        f = median(floor) if floor else None
        row = {"items": items, "figure": figure, "ours": o, "floor": f, "unit": unit,
               "ratio": (o / f) if f else None, "ours_runs": ours, "floor_runs": floor or [],
               "floor_name": floor_name, "note": note}
        self.rows.append(row)
        fmt = _fmt(unit)
        ratio = f"{row['ratio']:.2f}x" if row["ratio"] is not None else "-"
        print(f"  {items:>6,}  {figure:<28} {fmt(o):>10}  {fmt(f) if f is not None else '-':>10}  {ratio:>7}"
              f"  {note}", flush=True)


def _fmt(unit: str):
    if unit == "s":
        return lambda v: f"{v * 1000:.0f} ms" if v < 10 else f"{v:.1f} s"
    if unit == "ms":
        return lambda v: f"{v:.1f} ms"
    if unit == "MB":
        return lambda v: f"{v:.0f} MB"
    return lambda v: f"{v:.3g}"


# -- the measurements ----------------------------------------------------------------------------
def bench_note(res: Results, n: int, db: Path, work: Path, repeats: int) -> None:
    copy = work / f"note-{n}.json"
    shutil.copyfile(db, copy)
    number = str(max(1, n // 2))
    ours, floor = [], []
    for _ in range(repeats):
        ours.append(timed([HSP, "--db", str(copy), "--as-of", AS_OF, "--user", "bench", "note", number,
                           "Progress reported to the board."]))
        floor.append(timed([PY, "-c", FLOOR_NOTE, str(copy)]))
    res.add(n, "cli note", ours, floor, "s")


def bench_screen(res: Results, tmux: Tmux | None, n: int, db: Path, work: Path, repeats: int,
                 have_tui: bool, hsps: dict[str, str] | None = None) -> None:
    """`hsps`: installed hsp-tui versions by label (default: the one beside this interpreter),
    each launched in turn with the floor and the naive app, so all see the same machine."""
    if tmux is None:
        return
    copy = work / f"screen-{n}.json"
    shutil.copyfile(db, copy)
    hsps = hsps or {"ours": HSP}
    cmds = {label: [exe, "--db", str(copy), "--as-of", AS_OF, "--user", "bench",
                    "--config", str(work / "no-settings.toml")] for label, exe in hsps.items()}
    floor_cmd = [PY, str(HERE / "floor_app.py"), str(copy)]
    naive_cmd = [PY, str(HERE / "naive_app.py"), str(copy)]
    runs: dict[str, list] = {label: [] for label in cmds} | {"floor": [], "naive": []}
    naive_repeats = repeats if n <= 10_000 else min(repeats, 3)
    for k in range(repeats):
        if have_tui:
            for label, cmd in cmds.items():
                runs[label].append(tmux.first_screen(cmd, ROW, env={"HSP_TUI_USER": "bench"}))
        runs["floor"].append(tmux.first_screen(floor_cmd, ROW))
        if k < naive_repeats:
            runs["naive"].append(tmux.first_screen(naive_cmd, ROW))
    floor_t = [r.first_screen for r in runs["floor"]]
    naive_t = [r.first_screen for r in runs["naive"]]
    floor_m = [r.peak_rss_mb for r in runs["floor"]]
    for label in cmds if have_tui and len(cmds) > 1 else ():
        res.add(n, f"first screen ({label})", [r.first_screen for r in runs[label]], floor_t, "s",
                note=hsps[label])
    for label in cmds if have_tui else ():
        res.add(n, "first screen CPU" + (f" ({label})" if len(cmds) > 1 else ""),
                [r.first_screen_cpu for r in runs[label]], [r.first_screen_cpu for r in runs["floor"]], "s",
                note="info: CPU time used by the first screen (10 ms ticks): less sensitive to the load")
    if have_tui:
        runs["ours"] = runs[next(reversed(cmds))]  # the last one given stands for "ours" below
        ours_t = [r.first_screen for r in runs["ours"]]
        res.add(n, "first screen", ours_t, floor_t, "s")
        res.add(n, "first screen vs naive", ours_t, naive_t, "s", floor_name="naive app")
        res.add(n, "all rows loaded (idle)", [r.settled for r in runs["ours"]],
                [r.settled for r in runs["naive"]], "s", floor_name="naive app",
                note="info: until the process stops using CPU")
        res.add(n, "peak memory", [r.peak_rss_mb for r in runs["ours"]], floor_m, "MB")
        (work / f"screen-{n}.txt").write_text(runs["ours"][-1].screen)
    else:
        res.add(n, "first screen (floor vs naive)", floor_t, naive_t, "s", floor_name="naive app",
                note="TUI not available: floor only")
    res.add(n, "peak memory (naive app)", [r.peak_rss_mb for r in runs["naive"]], floor_m, "MB",
            note="info: naive app against the floor app")


def bench_tui(res: Results, n: int, db: Path, work: Path, repeats: int) -> None:
    copy = work / f"tui-{n}.json"
    shutil.copyfile(db, copy)
    out = work / f"tui-{n}.out.json"
    proc = subprocess.run([PY, str(HERE / "tui_bench.py"), "--db", str(copy), "--as-of", AS_OF,
                           "--repeats", str(repeats), "--out", str(out)], capture_output=True, text=True)
    if proc.returncode != 0 or not out.exists():
        print(f"  {n:>6,}  TUI benchmark failed: {proc.stderr.strip()[-800:]}", flush=True)
        return
    data = json.loads(out.read_text())
    res.add(n, "key to disk", data["key_to_disk"], data["floor_save"], "s",
            note=f"status keys {data['key']}")
    res.add(n, "key: interface busy", data["key_busy"], data["floor_save"], "s",
            note="info: until the app has handled the key (save, re-read, redraw)")
    for name in data["latency"]:
        lat = data["latency"][name] + data["latency_idle"][name]
        if lat:
            res.add(n, f"{name} latency", [median(lat)], [FRAME_MS], "ms", floor_name="one frame",
                    note=f"median of {len(lat)} presses, worst {max(lat):.0f} ms")
            res.rows[-1]["worst"] = max(lat)
    res.add(n, "stall after first screen", [data["stall_after_first_rows_ms"]], [FRAME_MS], "ms",
            floor_name="one frame", note="longest event-loop stall from the first paint until 0.5 s after the whole "
            "plan is shown (at least 1 s), no key pressed")
    stalls = data.get("save_stalls_ms") or []
    if stalls:
        res.add(n, "stall during a save", [median(stalls)], [FRAME_MS], "ms", floor_name="one frame",
                note=f"longest event-loop stall from a status key until 0.6 s after the file changed "
                     f"(median of {len(stalls)} saves, worst {max(stalls):.0f} ms)")
        res.rows[-1]["worst"] = max(stalls)


# -- report --------------------------------------------------------------------------------------
def growth(rows: list[dict]) -> list[tuple[str, str]]:
    """Marginal cost per 1,000 items between the two largest sizes, for ours and the floor."""
    out = []
    figures = []
    for r in rows:
        if r["figure"] not in figures:
            figures.append(r["figure"])
    for fig in figures:
        rs = sorted((r for r in rows if r["figure"] == fig), key=lambda r: r["items"])
        if len(rs) < 2 or rs[-1]["items"] == rs[-2]["items"]:
            continue
        a, b = rs[-2], rs[-1]
        per = 1000 / (b["items"] - a["items"])
        unit = {"s": "ms", "MB": "MB", "ms": "ms"}[a["unit"]]
        scale = 1000 if a["unit"] == "s" else 1
        o = (b["ours"] - a["ours"]) * per * scale
        f = (b["floor"] - a["floor"]) * per * scale if a["floor"] is not None and b["floor"] is not None else None
        out.append((fig, f"{o:+.2f} {unit}" + (f" (floor {f:+.2f} {unit})" if f is not None else "")
                    + f" per 1,000 items, {a['items']:,} -> {b['items']:,}"))
    return out


def markdown(res: Results, info: dict[str, str], imports: list, args, elapsed: float) -> str:
    lines = [f"Run: `python benchmarks/run.py --sizes {args.sizes}` on {info['date']}, "
             f"{elapsed / 60:.1f} min.", "",
             "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items() if k != "date") + ".", "",
             "| items | figure | ours | floor | ratio | floor is | note |", "|---:|---|---:|---:|---:|---|---|"]
    for r in res.rows:
        fmt = _fmt(r["unit"])
        ratio = f"{r['ratio']:.2f}x" if r["ratio"] is not None else "-"
        lines.append(f"| {r['items']:,} | {r['figure']} | {fmt(r['ours'])} | "
                     f"{fmt(r['floor']) if r['floor'] is not None else '-'} | {ratio} | {r['floor_name']} | "
                     f"{r['note']} |")
    lines += ["", "Goals at 10,000 items (and responsiveness at 50,000):", ""]
    lines += [f"- {g}" for g in goals(res)]
    lines += ["", "Growth (measured):", ""]
    lines += [f"- {fig}: {text}" for fig, text in growth(res.rows)]
    lines += ["", "CLI commands never import Textual:", ""]
    lines += [f"- {'ok' if ok else 'FAIL'}: `hsp-tui {label}` ({detail})" for label, ok, detail in imports]
    return "\n".join(lines) + "\n"


def goals(res: Results) -> list[str]:
    out = []

    def row(n, fig):
        return next((r for r in res.rows if r["items"] == n and r["figure"] == fig), None)

    for fig, limit in GOALS.items():
        r = row(10_000, fig)
        if r is None or r["ratio"] is None:
            out.append(f"{fig} <= {limit}x floor: not measured")
        else:
            out.append(f"{fig} <= {limit}x floor: {'MET' if r['ratio'] <= limit else 'MISSED'} ({r['ratio']:.2f}x)")
    r = row(10_000, "first screen vs naive")
    if r is not None:
        out.append(f"first screen faster than the naive app: {'MET' if r['ratio'] < 1 else 'MISSED'} "
                   f"({r['ratio']:.2f}x)")
    big = max((x["items"] for x in res.rows), default=0)
    lat = [x for x in res.rows if x["items"] == big and x["unit"] == "ms"]
    if big >= 50_000 and lat:
        worst = max(lat, key=lambda x: x["ours"])
        ok = worst["ours"] <= 2 * FRAME_MS
        out.append(f"at {big:,} items the median response within two frames ({2 * FRAME_MS:.0f} ms): "
                   f"{'MET' if ok else 'MISSED'} (slowest: {worst['figure']} {worst['ours']:.0f} ms)")
        for x in lat:
            out.append(f"  {x['figure']} at {big:,}: median {x['ours']:.0f} ms"
                       + (f", worst {x['worst']:.0f} ms" if 'worst' in x else ""))
    return out


def write_readme(text: str) -> None:
    readme = HERE / "README.md"
    start, end = "<!-- results:start -->", "<!-- results:end -->"
    body = readme.read_text() if readme.exists() else f"# Benchmarks\n\n{start}\n{end}\n"
    if start not in body:
        body += f"\n## Latest results\n\n{start}\n{end}\n"
    head, rest = body.split(start, 1)
    tail = rest.split(end, 1)[1]
    readme.write_text(f"{head}{start}\n{text}{end}{tail}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="12,1000,10000,50000")
    ap.add_argument("--repeats", type=int, default=5, help="runs per figure (3 at 50,000 items)")
    ap.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "hsp-bench"),
                    help="plans are generated here once and reused")
    ap.add_argument("--no-readme", action="store_true", help="do not update benchmarks/README.md")
    ap.add_argument("--only", default="imports,note,screen,tui", help="comma list of parts to run")
    ap.add_argument("--hsp", action="append", default=[], metavar="LABEL=PATH",
                    help="first screen only: an installed hsp-tui to launch (repeat to interleave several; "
                         "the last stands for ours in the other figures). Default: the one beside this python")
    args = ap.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",")]
    only = set(args.only.split(","))
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    t_start = time.perf_counter()
    info = machine()
    print("Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()), flush=True)
    have_tui = (Path(HSP).parent / "python").exists() and subprocess.run(
        [PY, "-c", "from hsp_tui.tui import build_app"], capture_output=True).returncode == 0
    if not have_tui:
        print("note: hsp_tui.tui.build_app is not importable: TUI figures are skipped", flush=True)

    plans = {}
    for n in sizes:
        t0 = time.perf_counter()
        plans[n] = genplan.make_plan(work / "plans", n, HSP)
        print(f"plan of {n:,} items: {plans[n].stat().st_size / 1e6:.1f} MB "
              f"({time.perf_counter() - t0:.1f} s to generate and import, first time only)", flush=True)

    imports = []
    if "imports" in only:
        imports = check_imports.check(plans[min(sizes)])
        for label, ok, detail in imports:
            print(f"{'ok  ' if ok else 'FAIL'}  hsp-tui {label}: {detail}", flush=True)

    res = Results()
    print(f"\n  {'items':>6}  {'figure':<28} {'ours':>10}  {'floor':>10}  {'ratio':>7}", flush=True)
    tmux = Tmux() if "screen" in only else None
    try:
        for n in sizes:
            reps = args.repeats if n <= 10_000 else min(args.repeats, 3)
            if "note" in only:
                bench_note(res, n, plans[n], work, reps)
            if "screen" in only:
                bench_screen(res, tmux, n, plans[n], work, reps, have_tui,
                             dict(h.split("=", 1) for h in args.hsp))
            if "tui" in only and have_tui:
                bench_tui(res, n, plans[n], work, reps)
    finally:
        if tmux is not None:
            tmux.close()
    elapsed = time.perf_counter() - t_start
    info["load average at end"] = Path("/proc/loadavg").read_text().split()[0]
    print()
    for g in goals(res):
        print(g)
    for fig, text in growth(res.rows):
        print(f"growth of {fig}: {text}")
    text = markdown(res, info, imports, args, elapsed)
    (work / "latest.md").write_text(text)
    (work / "latest.json").write_text(json.dumps({"machine": info, "rows": res.rows}, indent=1))
    if not args.no_readme:
        write_readme(text)
        print(f"\nresults written to {HERE / 'README.md'}")
    print(f"done in {elapsed / 60:.1f} min")
    return 0 if all(ok for _, ok, _ in imports) else 1


if __name__ == "__main__":
    sys.exit(main())
