"""Generate a realistic action plan of N recommendations as a CSV (the columns of Appendix A).

Deterministic for a given N and seed, so every run measures the same plans. The CSV is then
imported through the real import path (`hsp-tui --db X import plan.csv`), see `make_plan`.
"""

from __future__ import annotations

import csv
import random
import subprocess
from pathlib import Path

COLUMNS = ("number", "ref", "recommendation", "management_response", "deadline", "owner")

OWNERS = [
    "Assistant Chief Executive", "Chief Executive", "Director of Adult, Culture and Community Services",
    "Director of Children and Young People's Service", "Director of Corporate Resources",
    "Director of Urban Environment", "Director of Public Health", "Chief Financial Officer",
    "Head of Audit and Risk Management", "Head of Procurement", "Head of Legal Services",
    "Head of Human Resources", "Head of IT Services", "Head of Policy and Performance",
    "Head of Communications", "Head of Strategic Partnerships", "Head of Housing Strategy",
    "Head of Regeneration", "Head of Property Services", "Head of Customer Services",
    "Head of Revenues and Benefits", "Head of Safer Communities", "Head of Parking Services",
    "Head of Waste Management", "Head of Libraries", "Head of Leisure Services",
    "Head of Adult Social Care", "Head of Safeguarding", "Head of Schools Finance",
    "Head of Early Years", "Head of Planning Policy", "Head of Building Control",
    "Head of Environmental Health", "Head of Transport Planning", "Head of Emergency Planning",
    "Partnership Manager", "Performance Manager", "Information Governance Manager",
    "tPCT Director of Commissioning", "HSP Board Secretary",
]

OPENINGS = [
    "The HSP Board needs to be free to focus on strategic issues",
    "Partners should agree a single performance management framework",
    "The council should strengthen the challenge provided by theme boards",
    "Risk registers should be reviewed and updated every quarter",
    "Data sharing protocols should be agreed between all partners",
    "The pooled budget arrangements should be documented in full",
    "Officers should receive training in contract management",
    "The scheme of delegation should be brought up to date",
    "Procurement exceptions should be reported to the audit committee",
    "Key performance indicators should be reported each month",
    "Business continuity plans should be tested at least once a year",
    "The council should review how it consults with residents",
    "Income collection should be reconciled to the ledger weekly",
    "Access rights to the finance system should be reviewed",
    "A lead officer should be named for each partnership priority",
    "Members should be briefed on the outcome of each review",
]
DETAILS = [
    "The theme boards should be managing the more operational matters, for example recycling targets.",
    "Interviewees have spoken of needing a clear overview, which the group has recognised.",
    "We found examples of good practice, but they were not consistent across the partnership.",
    "This will help the board to hold partners to account for delivery against agreed outcomes.",
    "At the time of our review the documents had not been updated since the previous restructure.",
    "Without this the council cannot show that it is achieving value for money from the arrangement.",
]
RESPONSES = [
    "Agreed. A revised framework will be presented to the Executive Board for approval.",
    "Agreed. The Partnership Manager will lead a review with all theme board chairs.",
    "Partly agreed. The existing arrangements will be strengthened rather than replaced.",
    "Agreed. Training will be rolled out to all budget holders over the coming year.",
    "Agreed. Progress will be reported to the audit committee at each meeting.",
    "Agreed. A new data platform has been agreed, which will bring the information together in one hub.",
]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]


def _deadline(rng: random.Random) -> str:
    year = rng.randint(2008, 2014)
    m = rng.randrange(12)
    kind = rng.random()
    if kind < 0.40:
        return f"{MONTHS[m]} {year}"
    if kind < 0.52:
        m2 = min(11, m + rng.randint(1, 3))
        return f"{MONTHS[m]} \u2013 {MONTHS[m2]} {year}"
    if kind < 0.62:
        return "Ongoing"
    if kind < 0.77:
        day = rng.randint(1, 28)
        return f"{day:02d}/{m + 1:02d}/{year}"
    if kind < 0.90:
        return f"Q{rng.randint(1, 4)} {year}/{(year + 1) % 100:02d}"
    if kind < 0.95:
        return f"{MONTHS[m]} {year} {MONTHS[(m + 6) % 12]} {year + (1 if m + 6 >= 12 else 0)}"  # milestones
    return f"March {year}"


def write_csv(path: Path, n: int, seed: int = 2010) -> Path:
    rng = random.Random(seed * 1_000_003 + n)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(COLUMNS)
        for k in range(1, n + 1):
            section = rng.randint(2, 9)
            ref = f"{section}.{rng.randint(1, 6)}" + (f".{rng.randint(1, 4)}" if rng.random() < 0.3 else "")
            rec = f"{rng.choice(OPENINGS)}. {rng.choice(DETAILS)} {rng.choice(DETAILS)}"
            resp = f"{rng.choice(RESPONSES)} {rng.choice(RESPONSES)}"
            w.writerow((k, ref, rec, resp, _deadline(rng), rng.choice(OWNERS)))
    return path


def make_plan(workdir: Path, n: int, hsp_tui: str) -> Path:
    """CSV of n items imported with the real CLI into workdir/plan-<n>.json (reused if present)."""
    db = workdir / f"plan-{n}.json"
    if db.exists():
        return db
    csv_path = write_csv(workdir / f"plan-{n}.csv", n)
    subprocess.run([hsp_tui, "--db", str(db), "--user", "bench", "import", str(csv_path),
                    "--title", f"Bench plan of {n:,} items", "--plan-date", "2010-03-16"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return db


TITLE_PREFIXES = [o[:18] for o in OPENINGS]  # how a row of any of these plans is recognised on screen
