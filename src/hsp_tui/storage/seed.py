"""The embedded seed plan (Appendix A of "Partnership working in Haringey", March 2010)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import orjson

SEED_NAME = "partnership-working-in-haringey-2010.json"


def seed_path() -> Path:
    """The seed file: inside the installed package (wheel), else in the source checkout's data/."""
    packaged = resources.files("hsp_tui").joinpath("data", SEED_NAME)
    if packaged.is_file():
        return Path(str(packaged))
    checkout = Path(__file__).resolve().parents[3] / "data" / SEED_NAME
    if checkout.is_file():
        return checkout
    raise FileNotFoundError(f"the seed plan {SEED_NAME} is missing from this installation")


def seed_document() -> dict[str, Any]:
    """The seed as published: plan metadata and the twelve recommendations (read-only)."""
    return orjson.loads(seed_path().read_bytes())
