"""Verification: an officer marks an item done, an auditor accepts or rejects it, from the command line."""

from __future__ import annotations

import json
from datetime import date

import pytest

from hsp_tui.domain.errors import InputError
from hsp_tui.domain.records import Status
from hsp_tui.domain.progress import progress
from hsp_tui.formats.report import render_markdown
from hsp_tui.domain.review import review


def run(cli, plan_path, *args, user="officer"):
    return cli("--db", str(plan_path), "--as-of", "2010-09-01", "--user", user, *args)


def test_officer_marks_done_auditor_accepts_and_every_view_says_verified(cli, plan_path):
    assert run(cli, plan_path, "set", "1", "done").code == 0
    shown = run(cli, plan_path, "show", "1").out
    assert "Done, awaiting verification" in shown
    r = run(cli, plan_path, "verify", "1", "accepted", "--note", "minutes seen", user="auditor")
    assert r.code == 0, r.err
    assert "1: verified (accepted by the auditor)" in r.out and "now: Verified" in r.out
    shown = run(cli, plan_path, "show", "1").out
    assert "Verified" in shown and "awaiting verification" not in shown.split("History")[0]
    assert "auditor  verified: accepted by the auditor" in shown
    summary = run(cli, plan_path, "summary").out
    assert "Verified                         1" in summary and "Done, awaiting verification      0" in summary
    listed = run(cli, plan_path, "list", "--status", "verified").out
    assert [ln.split()[0] for ln in listed.splitlines()[3:-1]] == ["1"]
    assert "1 of 12 shown" in listed and "1 verified" in listed
    done_only = run(cli, plan_path, "list", "--status", "done").out
    assert "0 of 12 shown" in done_only  # done means awaiting verification: none now
    data = json.loads(run(cli, plan_path, "export").out)
    item = next(r for r in data["recommendations"] if r["number"] == 1)
    assert item["status"] == "verified" and item["status_label"] == "Verified"


def test_a_rejection_needs_a_note_and_sends_the_item_back_with_it(cli, plan_path):
    assert run(cli, plan_path, "set", "2", "done").code == 0
    before = plan_path.read_bytes()
    r = run(cli, plan_path, "verify", "2", "rejected", user="auditor")
    assert r.code == 2 and r.err.count("\n") == 1 and "needs the auditor's note" in r.err
    assert plan_path.read_bytes() == before  # nothing saved
    r = run(cli, plan_path, "verify", "2", "rejected", "--note", "No evidence of the framework", user="auditor")
    assert r.code == 0 and "back to In progress" in r.out
    shown = run(cli, plan_path, "show", "2").out
    assert "In progress" in shown and "verification rejected: back to In progress" in shown
    assert "No evidence of the framework" in shown


def test_only_a_done_item_can_be_verified_and_verified_is_not_a_status_to_set(cli, plan_path):
    r = run(cli, plan_path, "verify", "3", "accepted", "--note", "seen", user="auditor")
    assert r.code == 2 and "is Not started: only an item done" in r.err
    r = run(cli, plan_path, "set", "3", "verified")
    assert r.code == 2 and "verify 3 accepted" in r.err
    assert Status.parse("5") is Status.DROPPED and Status.parse("4") is Status.DONE  # the keys 1-5 as before


def test_undo_of_a_verdict_puts_the_item_back_to_awaiting_verification(cli, plan_path):
    run(cli, plan_path, "set", "1", "done")
    run(cli, plan_path, "verify", "1", "accepted", "--note", "minutes seen", user="auditor")
    r = run(cli, plan_path, "undo", "1", user="auditor")
    assert r.code == 0 and "back to Done" in r.out
    assert "Done, awaiting verification" in run(cli, plan_path, "show", "1").out


def test_a_later_status_change_reopens_a_verified_item_and_says_so(cli, plan_path):
    run(cli, plan_path, "set", "1", "done")
    run(cli, plan_path, "verify", "1", "accepted", "--note", "minutes seen", user="auditor")
    r = run(cli, plan_path, "set", "1", "in_progress")
    assert r.code == 0 and "reopened after verification" in r.out
    assert "status Verified -> In progress (reopened after verification)" in run(cli, plan_path, "show", "1").out


def test_report_summary_and_progress_count_done_and_verified_apart(store):
    store.set_status(1, "done", by="officer")
    store.set_status(2, "done", by="officer")
    store.verify(2, True, by="auditor", note="minutes seen")
    store.set_status(3, "done", by="officer")
    store.verify(3, False, by="auditor", note="not yet")
    plan = store.load()
    rv = review(plan, date(2010, 9, 1))
    counts = rv.by_status()
    assert counts[Status.DONE] == 1 and counts[Status.VERIFIED] == 1 and counts[Status.IN_PROGRESS] == 1
    assert not rv.item(2).overdue  # verified items are closed
    text = render_markdown(rv, exported_at="2010-09-01T10:00:00+01:00")
    assert "| Done, awaiting verification | 1 | — |" in text and "| Verified | 1 | — |" in text
    assert "**Done:** 2 of 12 done (17% done, 8% verified); 1 verified by the auditor, 1 awaiting verification." in text
    last = progress(plan, date(2010, 9, 1)).last
    assert (last.done, last.verified) == (1, 1)
    with pytest.raises(InputError):
        store.verify(4, True, by="auditor", note="seen")
