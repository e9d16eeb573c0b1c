"""The quick loop's share of a long parameter list (README: `pytest -m "not slow"`).

A test run over many cases of the same check (sizes, keys, kinds of trap, file modes) runs its first
cases in the edit-test loop and every case in the whole suite: the rest are marked `slow`. Never a case
dropped: `pytest -m slow` runs exactly what the quick loop leaves out."""

from __future__ import annotations

from typing import Any, Iterable

import pytest


def sampled(values: Iterable[Any], keep: int = 1, *, multi: bool = False) -> list:
    """`values` for `pytest.mark.parametrize`, the first `keep` in the quick loop and the others marked
    `slow`. `multi`: each value is a tuple of several arguments (a parametrize of "a, b")."""
    params = []
    for index, value in enumerate(values):
        if isinstance(value, type(pytest.param(None))):  # already a pytest.param: add the mark
            args, marks, id_ = value.values, tuple(value.marks), value.id
        else:
            args, marks, id_ = (tuple(value) if multi else (value,)), (), None
        if index >= keep:
            marks += (pytest.mark.slow,)
        params.append(pytest.param(*args, marks=marks, id=id_))
    return params
