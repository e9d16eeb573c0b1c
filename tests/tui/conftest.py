"""Fixtures for the app's tests: a seeded plan file in a temporary folder, a fixed clock and user."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hsp_tui.formats.importing import seed_to_data
from hsp_tui.storage.seed import seed_document
from hsp_tui.storage.store import Store

AS_OF = date(2010, 6, 1)
STAMP = "2010-06-01T09:00:00+01:00"
USER = "alice"


def fixed_clock() -> str:
    return STAMP


@pytest.fixture
def plan_path(tmp_path: Path) -> Path:
    path = tmp_path / "plan.json"
    Store.open(path, seed=lambda: seed_to_data(seed_document(), by="seed", at=STAMP), clock=fixed_clock)
    return path


@pytest.fixture
def store(plan_path: Path) -> Store:
    return Store(plan_path, clock=fixed_clock)


@pytest.fixture
def make_app(store: Store):
    from hsp_tui.tui import build_app

    def make(**kwargs):
        kwargs.setdefault("as_of", AS_OF)
        kwargs.setdefault("user", USER)
        kwargs.setdefault("as_of_given", True)
        kwargs.setdefault("clock", fixed_clock)
        return build_app(store, **kwargs)

    return make


@pytest.fixture(scope="session", autouse=True)
def _private_tmux_server():
    """The terminal tests' own tmux server ends with the run (tmuxkit)."""
    yield
    from tmuxkit import kill_server

    kill_server()
