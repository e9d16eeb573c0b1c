"""Issue 22's acceptance test: a plan's history built across four board dates with `--on`, each
date's report produced on its day (as soon as that day's history is in) and again at the end; a
report produced later for a past board date is the one produced then, byte for byte apart from
its "Produced" line. On every backend, from the command line, officer (alice) and auditor (carol)
each as themselves.
"""

from __future__ import annotations

import hashlib
import json

BOARDS = ("2010-06-01", "2010-09-01", "2010-12-01", "2011-03-31")
ACE = "Assistant Chief Executive"


def test_reports_for_four_board_dates_are_the_same_whenever_they_are_produced(backend, place, cli, tmp_path):
    officer, auditor = place.as_person("alice"), place.as_person("carol")

    def run(who, *args):
        res = cli(*who, *args)
        assert res.code == 0, (args, res.err)
        return res.out

    outbox = tmp_path / "outbox"
    outbox.mkdir()

    def reports(day: str, since: str | None) -> dict[str, str]:
        extra = ["--since", since] if since else []
        return {fmt: run(officer, "--as-of", day, "export", "--format", fmt, *(extra if fmt != "json" else []))
                for fmt in ("md", "html", "json")}

    made = {}
    # before the first board
    run(officer, "contact", "set", ACE, "ace@haringey.example", "--on", "2010-04-01")
    run(officer, "set", "1", "in_progress", "--note", "Conference planned", "--on", "2010-04-15")
    run(officer, "--as-of", "2010-05-20", "remind", "--outbox", str(outbox), "--from", "pmo@haringey.example")
    made[BOARDS[0]] = reports(BOARDS[0], None)
    # before the second
    run(officer, "revise", "8", "December 2010", "--reason", "PMG review moved", "--on", "2010-06-20")
    run(officer, "set", "2", "done", "--note", "Framework agreed at PMG", "--on", "2010-07-10")
    minutes = tmp_path / "pmg-minutes.pdf"
    minutes.write_bytes(b"%PDF-1.4 PMG minutes of 10 July 2010\n")
    run(officer, "evidence", "add", "2", str(minutes), "--note", "PMG minutes", "--on", "2010-07-11")
    run(officer, "evidence", "add", "2", "--url", "https://intranet.example/pmg/2010-07", "--note", "Agenda",
        "--on", "2010-07-11")
    run(auditor, "verify", "2", "accepted", "--note", "PMG minutes of 10 July seen", "--on", "2010-08-01")
    run(officer, "set", "9", "dropped", "--note", "Superseded by the new framework", "--on", "2010-08-15")
    made[BOARDS[1]] = reports(BOARDS[1], BOARDS[0])
    # before the third
    run(auditor, "verify", "9", "accepted", "--note", "Agreed at PMG", "--on", "2010-10-01")
    run(officer, "assign", "3", "Director of Corporate Resources", "--on", "2010-11-01")
    run(officer, "set", "4", "done", "--note", "Protocol signed", "--on", "2010-11-20")
    made[BOARDS[2]] = reports(BOARDS[2], BOARDS[1])
    # before the fourth
    run(auditor, "verify", "4", "rejected", "--note", "Only two partners signed", "--on", "2011-01-10")
    run(officer, "set", "5", "in_progress", "--on", "2011-02-01")
    run(officer, "set", "4", "done", "--note", "All partners signed", "--on", "2011-03-25")
    made[BOARDS[3]] = reports(BOARDS[3], BOARDS[2])

    def comparable(fmt: str, text: str):
        if fmt == "json":
            doc = json.loads(text)
            doc.pop("exported_at")
            return doc
        return [line for line in text.splitlines() if "Produced:" not in line]

    previous = None
    for day in BOARDS:
        again = reports(day, previous)
        for fmt in ("md", "html", "json"):
            assert comparable(fmt, again[fmt]) == comparable(fmt, made[day][fmt]), (day, fmt)
        previous = day

    # and what each says is the plan as it stood then, nothing later
    dec = made["2010-12-01"]["md"]
    assert "**Position:** as it stood on 1 December 2010" in dec
    assert "**Done:** 2 of 12 done, 1 dropped (17% done, 8% verified)" in dec
    assert "| 9 |" in dec.split("## Dropped")[1].split("##")[0] and "agreed by the auditor" in dec
    assert "All partners signed" not in dec and "Only two partners signed" not in dec
    since = dec.split("## Changes since 1 September 2010")[1].split("\n## ")[0]
    assert "drop agreed by the auditor" in since and "Protocol signed" in since and "PMG review moved" not in since
    sept = made["2010-09-01"]["md"]
    # what item 2's verdict rests on (issue 24), as the server or the file recorded it with the verdict
    rests = sept.split("## Evidence behind the verdicts")[1].split("\n## ")[0]
    short = hashlib.sha256(minutes.read_bytes()).hexdigest()[:8]
    assert f"| 2 | The HSP is data-rich | 1 Aug 2010 | pmg-minutes.pdf | 11 Jul 2010 | {short} |" in rests, rests
    assert "| https://intranet.example/pmg/2010-07 | 11 Jul 2010 | link |" in rests, rests
    june_md = made["2010-06-01"]["md"]
    assert "No item is verified." in june_md.split("## Evidence behind the verdicts")[1].split("\n## ")[0]
    assert "awaiting the auditor's agreement" in sept and "Superseded by the new framework" in sept
    assert "PMG review moved" in sept.split("## Changes since 1 June 2010")[1]
    assert "reminded 1 time, last 20 May 2010" in made["2010-06-01"]["md"]
    june = json.loads(made["2010-06-01"]["json"])
    assert all(h["on"] <= "2010-06-01" for r in june["recommendations"] for h in r["history"])
    march = made["2011-03-31"]["md"]
    assert "**Done:** 2 of 12 done, 1 dropped (17% done, 8% verified); 1 verified by the auditor" in march
    assert "verification rejected: back to In progress" in march.split("## Changes since 1 December 2010")[1]
