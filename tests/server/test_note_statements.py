"""A note on a server is one transaction of as few statements as the rules allow (issue 25): the
schema checked, the plan's metadata read with the item locked, the change made by the server's
function with the plan's new version, COMMIT. Read from the server's own log of the session's
statements."""

from __future__ import annotations

import re


def statements(log: str) -> list[str]:
    """The statements logged (`log_statement = all`), in order, whitespace folded."""
    found = re.findall(r"LOG:  (?:statement|execute [^:]*): (.*)", log)
    return [" ".join(s.split()) for s in found]


def test_a_note_on_a_server_is_one_transaction_of_five_statements(pg_cluster, pg_plan_db, cli):
    pg_cluster.psql(f'ALTER ROLE alice IN DATABASE "{pg_plan_db}" SET log_statement = \'all\'')
    log = pg_cluster.root / "server.log"
    seen = log.stat().st_size
    r = cli("--db", pg_cluster.url(pg_plan_db, "alice"), "--plan", "haringey-2010", "note", "3", "Met the PCT.")
    assert r.code == 0 and r.out.startswith("3: note added"), r.err
    with log.open("rb") as f:
        f.seek(seen)
        said = statements(f.read().decode("utf-8", "replace"))
    # after the COMMIT, the notice to listening apps, on its own (a full queue can fail only it: issue 20)
    assert said[-1].startswith("SELECT pg_notify('hsp_tui'"), said
    said = said[:-1]
    assert said[0] == "BEGIN" and said[-1] == "COMMIT", said
    assert "ROLLBACK" not in said and said.count("BEGIN") == 1, said  # one transaction, nothing undone
    assert any("hsp.lock_item" in s for s in said) and any("hsp.add_note" in s for s in said), said
    # BEGIN, the schema's version, the plan + the item locked, the change with the plan's new version, COMMIT
    assert len(said) <= 5, said


def test_the_real_command_on_a_server_prints_everything_and_the_note_is_saved(pg_cluster, pg_plan_db, cli_process):
    """The process ends at once after its exit handlers (`program.run`), its connection closed first:
    the output is complete and the change committed when it has gone."""
    from hsp_tui.storage.store import Store

    url = pg_cluster.url(pg_plan_db, "alice")
    r = cli_process("--db", url, "--plan", "haringey-2010", "note", "5", "Sent to the PMG.")
    assert r.code == 0, r.err
    assert r.out.splitlines()[0] == "5: note added" and r.out.splitlines()[1].startswith("  now: ")
    assert Store(url, plan="haringey-2010").load().get(5).history[-1].note == "Sent to the PMG."
