"""A plan larger than one batch of the server's cursors (2,000 rows) read whole: every item, in
order, each with its own history and nobody else's, as the app and an export get it."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from hsp_tui.domain.records import Status
from hsp_tui.storage.store import Store
from pgharness import OWNER

ITEMS = 4_500  # three batches, the last one partial
OWNERS = ["Chief Executive", "Head of Audit", "Partnership Manager", "Director of Public Health"]


def write_csv(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(("number", "ref", "recommendation", "management_response", "deadline", "owner"))
        for k in range(1, n + 1):
            out.writerow((k, f"{2 + k % 7}.{1 + k % 5}", f"Recommendation {k}: partners should agree item {k}",
                          f"Agreed ({k}).", ("March 2011", "Q2 2010/11", "Ongoing")[k % 3], OWNERS[k % 4]))
    return path


@pytest.mark.slow
def test_a_plan_of_several_batches_is_read_whole_each_item_with_its_own_history(cli, pg_cluster, pg_plan_db,
                                                                             tmp_path):
    source = write_csv(tmp_path / "big.csv", ITEMS)
    res = cli("--db", pg_cluster.url(pg_plan_db, OWNER), "import", str(source), "--plan", "big",
              "--plan-date", "2010-03-16")
    assert res.code == 0, res.err
    officer = Store(pg_cluster.url(pg_plan_db, "alice"), plan="big")
    # changes on both sides of each batch's edge, and on the last item
    for number in (1999, 2000, 2001, 4000, 4001, ITEMS):
        officer.add_note(number, f"note on {number}", by="ignored")
    officer.set_status(2000, Status.IN_PROGRESS, by="ignored")

    plan = Store(pg_cluster.url(pg_plan_db, "bob"), plan="big", long_running=True).load()

    assert [r.number for r in plan.recommendations] == list(range(1, ITEMS + 1))
    for rec in plan.recommendations:
        notes = [h.note for h in rec.history if h.action == "note"]
        if rec.number in (1999, 2000, 2001, 4000, 4001, ITEMS):
            assert notes == [f"note on {rec.number}"], rec.number
        else:
            assert notes == [], rec.number
        assert rec.history[0].action == "import" and rec.history[0].by == OWNER
    assert plan.get(2000).status is Status.IN_PROGRESS and plan.get(2001).status is Status.NOT_STARTED
    assert [h.id for h in plan.get(2000).history] == [1, 2, 3]
    # the texts as imported, row by row
    assert all(r.recommendation == f"Recommendation {r.number}: partners should agree item {r.number}"
               and r.owner == OWNERS[r.number % 4] for r in plan.recommendations)
