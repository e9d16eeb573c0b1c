"""msgspec's validation messages in our one-line style, naming the record's field and entry:
"history entry 2: field 'at': expected text"."""

from __future__ import annotations

import re

import msgspec


_EXPECTED = {"str": "text", "int": "a whole number", "bool": "true or false", "array": "a list",
             "object": "an object", "null": "null", "float": "a number"}
_MESSAGE = re.compile(r"^(?P<what>.*?)(?: - at `(?P<at>[^`]*)`)?$", re.S)


def explain(exc: msgspec.ValidationError, strip: str = "$") -> str:
    """A msgspec message as our one-line style: "history entry 2: field 'at': expected text"."""
    m = _MESSAGE.match(str(exc))
    what, at = (m.group("what"), m.group("at") or "") if m else (str(exc), "")
    where = []
    at = at[len(strip):] if at.startswith(strip) else at.lstrip("$")
    for name, index in re.findall(r"\.([A-Za-z_]+)|\[(\d+|\.\.\.)\]", at):
        if name:
            where.append(f"field {name!r}")
        elif index != "..." and where:
            container = where.pop()[7:-1]
            noun = {"history": "history entry", "milestones": "milestone", "revisions": "revision",
                    "repairs": "repair"}.get(container, container)
            where.append(f"{noun} {int(index) + 1}")
    expected = re.match(r"Expected `(.+?)`(?:, got `(\w+)`)?(.*)$", what)
    if expected:
        kinds = " or ".join(_EXPECTED.get(k.strip(), k.strip()) for k in expected.group(1).split("|"))
        what = f"expected {kinds}{expected.group(3)}" + (f", not {_EXPECTED.get(expected.group(2), expected.group(2))}"
                                                        if expected.group(2) else "")
    elif what.startswith("Object missing required field"):
        what = "missing field " + what.split("`")[1].join("''")
    elif what.startswith("Object contains unknown field"):
        what = "unknown field " + what.split("`")[1].join("''")
    elif what.startswith("Invalid enum value"):
        what = "unknown value " + what[len("Invalid enum value "):]
    return ": ".join(where + [what])
