"""The JSON Schema (draft 2020-12) of the JSON export, shipped inside the package.

`hsp-tui schema` prints it; the tests validate every kind of export against it. It is read with
importlib.resources, so it works from a wheel, a zip or a source checkout alike.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import orjson

SCHEMA_NAME = "export.schema.json"


def schema_text() -> str:
    """The schema exactly as shipped (UTF-8 text, ending in a newline)."""
    text = resources.files("hsp_tui").joinpath(SCHEMA_NAME).read_text(encoding="utf-8")
    return text if text.endswith("\n") else text + "\n"


def schema() -> dict[str, Any]:
    """The schema as a dict (for validators)."""
    return orjson.loads(schema_text())
