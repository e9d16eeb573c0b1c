"""The places a plan can be kept, for the backend contract suite.

Every backend must pass tests/contract/. A `place` is where one plan lives (a file path, a database
URL): `place.target` is what `--db` takes (given to subprocesses), `place.open()` a new backend on
it, as another officer's program would open it. To run the suite on a new backend, add its name to
BACKENDS and a branch to `place` that returns a Place for it.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from hsp_tui.storage.backends import Backend, open_backend
from hsp_tui.formats.importing import seed_to_data
from hsp_tui.domain.model import Plan
from hsp_tui.storage.file.planfile import plan_from_data
from hsp_tui.storage.seed import seed_document

FIXED_AT = "2010-06-01T09:00:00+01:00"
BACKENDS = ["jsonfile", "postgres"]


@dataclass
class Place:
    target: str  # what `--db` / `Store(...)` takes
    options: dict[str, Any] = field(default_factory=dict)  # given to every backend opened here
    login: Any = None  # person -> the target as that person logs in (a server); None: a file, names typed

    def as_person(self, name: str) -> list[str]:
        """The command line's arguments for `name` working on this plan: on a file the name is typed
        (--user); on a server they log in as themselves (alice officer, carol auditor)."""
        if self.login is None:
            return ["--db", self.target, "--user", name]
        return ["--db", self.login(name)]

    def open_as(self, name: str, **options: Any) -> Backend:
        """A backend on this plan for `name` (see `as_person`); on a file, the name is given per change."""
        target = self.target if self.login is None else self.login(name)
        return open_backend(target, **{**self.options, **options})

    def open(self, **options: Any) -> Backend:
        return open_backend(self.target, **{**self.options, **options})


@pytest.fixture(params=BACKENDS)
def place(request, tmp_path: Path) -> Place:
    if request.param == "jsonfile":
        return Place(str(tmp_path / "plan.json"))
    if request.param == "postgres":
        # A fresh database of the session's throwaway cluster (tests/pgharness.py), set up as
        # `init --empty` does, used by its owner: the only role that may replace a whole plan.
        # What officers, readers and strangers may do is tested in tests/server/.
        from hsp_tui.storage.postgres import connect as pgconnect, install as pgschema
        from pgharness import OWNER

        cluster = request.getfixturevalue("pg_cluster")
        database = cluster.create_database()
        request.addfinalizer(lambda: cluster.drop_database(database))
        url = cluster.url(database, OWNER)
        conn = pgconnect.connect(url)
        try:
            pgschema.install(conn)
        finally:
            conn.close()
        request.getfixturevalue("pg_people")  # alice (officer), carol (auditor), bob (reader)
        return Place(url, login=lambda person: url if person == OWNER else cluster.url(database, person))
    raise AssertionError(f"no place for the backend {request.param}")


@pytest.fixture
def seed_plan() -> Plan:
    return plan_from_data(Path("seed"), seed_to_data(seed_document(), by="tester", at=FIXED_AT))


@pytest.fixture
def backend(place: Place, seed_plan: Plan):
    """A backend on a place that holds the seed plan."""
    b = place.open()
    assert b.create(seed_plan)
    yield b
    b.close()


PYTHON = sys.executable


def as_claimed(value):
    """A plan, its metadata or records as the file imported claims them: on a server, every entry a
    plan was created with is marked imported (by whom, when: the server's record, issue 20); here
    the marks are left out, so what was created and what is read compare."""
    import msgspec

    from hsp_tui.domain.records import HistoryEntry, PlanMeta, Recommendation

    def entry(h: HistoryEntry) -> HistoryEntry:
        return msgspec.structs.replace(h, imported_by=None, imported_at=None)

    if isinstance(value, Plan):
        return Plan(as_claimed(value.meta), as_claimed(value.recommendations))
    if isinstance(value, PlanMeta):
        return msgspec.structs.replace(value, history=tuple(map(entry, value.history)))
    if isinstance(value, Recommendation):
        return msgspec.structs.replace(value, history=tuple(map(entry, value.history)))
    if isinstance(value, HistoryEntry):
        return entry(value)
    return tuple(as_claimed(v) for v in value)


def marked_imported(plan: Plan) -> bool:
    """Every entry of the plan's history (items and the plan's own) carries an import mark."""
    entries = [h for r in plan.recommendations for h in r.history] + list(plan.meta.history)
    return all(h.imported_by and h.imported_at for h in entries)
